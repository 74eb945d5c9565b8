"""Restoring a backup into an empty instance (or, with force, over a used one).

Order: check the archive and the instance; empty the database; load the archive's database at its
own schema version (SQLite's backup API for an SQLite archive into SQLite, pg_restore for a
pg_dump archive, else the portable load); check every table's row count against the manifest;
`flask db upgrade` to the newest schema; put the files back; rebuild the search index."""

import json
import logging
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Page, User
from app.wiki import search, setup
from app.wiki.backup.archive import (FILES_FOLDER, FORMAT, FORMAT_VERSION, MANIFEST, PGDUMP_MEMBER, PGDUMP_METHOD,
                                     PORTABLE_METHOD, SQLITE_MEMBER, SQLITE_METHOD, TABLES_FOLDER, files_folder,
                                     libpq_command, quiet, schema_head)
from app.wiki.backup.tables import count_rows, drop_all_tables, in_load_order, load_tables, reflect
from app.wiki.errors import BackupError

PG_RESTORE = "pg_restore"


@dataclass
class RestoreReport:
    method: str
    schema_from: str
    schema_to: str
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    indexed: int = 0


def read_manifest(archive: zipfile.ZipFile, path: str) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as error:
        raise BackupError(_("%(path)s is not a backup of this wiki (no readable manifest).", path=path)) from error
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("counts"), dict):
        raise BackupError(_("%(path)s is not a backup of this wiki (no readable manifest).", path=path))
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise BackupError(_("This backup was made by a newer version of the wiki: update the wiki first."))
    for name in archive.namelist():
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or "\\" in name:
            raise BackupError(_("The archive holds an unsafe file name: %(name)s", name=name))
    return manifest


def what_is_here() -> tuple[int, int, int]:
    """Pages, accounts and files already in this instance (tables may not exist yet)."""
    tables = set(sa.inspect(db.engine).get_table_names())
    pages = db.session.scalar(sa.select(sa.func.count(Page.id))) if "pages" in tables else 0
    users = db.session.scalar(sa.select(sa.func.count(User.id))) if "users" in tables else 0
    db.session.rollback()
    folder = files_folder()
    files = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
    return pages, users, files


def restore_backup(path: str, *, force: bool = False, progress: Callable[[str], None] = quiet) -> RestoreReport:
    """Replace this instance's database and files by the archive's, then upgrade and reindex."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise BackupError(_("Cannot read %(path)s: %(reason)s", path=path,
                            reason=getattr(error, "strerror", None) or error)) from error
    with archive, tempfile.TemporaryDirectory(prefix="wiki-restore-") as work:
        manifest = read_manifest(archive, path)
        pages, users, files = what_is_here()
        if (pages or users or files) and not force:
            raise BackupError(_("This instance is not empty (pages: %(pages)d, accounts: %(users)d, files: %(files)d): "
                                "restore refuses to replace them. Use --force to replace everything.",
                                pages=pages, users=users, files=files))
        db.session.remove()
        db.engine.dispose()
        progress(_("Restoring the database…"))
        method = manifest["database"]["method"]
        version = manifest["schema_version"]
        try:
            restore_database(archive, manifest, Path(work), progress)
        except (sa.exc.SQLAlchemyError, sqlite3.Error, KeyError, ValueError) as error:
            raise BackupError(_("The archive's database could not be restored: %(reason)s",
                                reason=str(error).strip().splitlines()[0][:300])) from error
        restored = check_counts(manifest["counts"])
        progress(_("Upgrading the schema…"))
        with loggers_kept():
            if not manifest.get("schema_stamped", True) and not is_stamped():
                migrations().stamp(revision=version)
            migrations().upgrade()
        db.engine.dispose()
        progress(_("Adding files…"))
        restored_files = restore_files(archive)
        progress(_("Rebuilding the search index…"))
        indexed = search.rebuild()
        if not setup.setup_needed():
            setup.forget_code()
    return RestoreReport(method, version, schema_head(), restored, restored_files, indexed)


def restore_database(archive: zipfile.ZipFile, manifest: dict, work: Path, progress) -> None:
    method = manifest["database"]["method"]
    dialect = db.engine.dialect.name
    if method == SQLITE_METHOD:
        copy = Path(archive.extract(SQLITE_MEMBER, work))
        if dialect == "sqlite":
            replace_sqlite(sqlite3.connect(copy))
            return
        load_portable(manifest, sqlite_rows(copy), progress)
    elif method == PGDUMP_METHOD:
        if dialect != "postgresql":
            raise BackupError(_("This backup holds a PostgreSQL dump (pg_dump): restore it into PostgreSQL "
                                "(DATABASE_URL)."))
        run_pg_restore(Path(archive.extract(PGDUMP_MEMBER, work)))
    elif method == PORTABLE_METHOD:
        load_portable(manifest, jsonl_rows(archive), progress)
    else:
        raise BackupError(_("%(path)s is not a backup of this wiki (no readable manifest).", path=archive.filename))


def replace_sqlite(source: sqlite3.Connection) -> None:
    """Overwrite the whole SQLite database with another one, through the backup API."""
    raw = db.engine.raw_connection()
    try:
        source.backup(raw.driver_connection)
    finally:
        source.close()
        raw.close()
    db.engine.dispose()


def empty_database() -> None:
    if db.engine.dialect.name == "sqlite":
        replace_sqlite(sqlite3.connect(":memory:"))
    else:
        with db.engine.begin() as connection:
            drop_all_tables(connection)


def load_portable(manifest: dict, rows_of: Callable, progress) -> None:
    """Create the schema the archive was made with, then insert its rows."""
    empty_database()
    with loggers_kept():
        migrations().upgrade(revision=manifest["schema_version"])
    db.engine.dispose()
    with db.engine.begin() as connection:
        names = list(manifest["counts"])
        clear_seed_rows(connection, names)  # the migrations' seed rows (licences, counters)
        load_tables(connection, rows_of, names, progress)


def clear_seed_rows(connection, names: list[str]) -> None:
    metadata = reflect(connection)
    for table in reversed(in_load_order(metadata)):
        if table.name in names:
            connection.execute(table.delete())


def jsonl_rows(archive: zipfile.ZipFile) -> Callable:
    def rows_of(name: str):
        try:
            member = archive.open(f"{TABLES_FOLDER}/{name}.jsonl")
        except KeyError:
            return
        with member:
            for line in member:
                if line.strip():
                    yield json.loads(line)
    return rows_of


def sqlite_rows(copy: Path) -> Callable:
    def rows_of(name: str):
        connection = sqlite3.connect(copy)
        connection.row_factory = sqlite3.Row
        try:
            for row in connection.execute(f'SELECT * FROM "{name}" ORDER BY rowid'):
                yield dict(row)
        finally:
            connection.close()
    return rows_of


def run_pg_restore(dump: Path) -> None:
    program = shutil.which(PG_RESTORE)
    if program is None:
        raise BackupError(_("This backup holds a PostgreSQL dump: install pg_restore (postgresql-client) "
                            "to restore it."))
    empty_database()
    command, env = libpq_command(program, db.engine.url)
    command += ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", str(dump)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, check=False)
    if result.returncode != 0:
        raise BackupError(_("pg_restore failed: %(reason)s", reason=result.stderr.strip().splitlines()[-1:]))


@contextmanager
def loggers_kept():
    """Migrations run Alembic's env.py, whose fileConfig disables every logger that exists: keep
    the wiki's loggers working for the rest of the restore."""
    loggers = [logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    states = [(logger, logger.disabled) for logger in loggers]
    try:
        yield
    finally:
        for logger, disabled in states:
            logger.disabled = disabled


def is_stamped() -> bool:
    with db.engine.connect() as connection:
        if "alembic_version" not in sa.inspect(connection).get_table_names():
            return False
        return connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() > 0


def check_counts(expected: dict[str, int]) -> dict[str, int]:
    """Every table holds as many rows as the manifest says, or the restore stops."""
    with db.engine.connect() as connection:
        found = count_rows(connection, expected)
    wrong = {name: (found[name], count) for name, count in expected.items() if found[name] != count}
    if wrong:
        raise BackupError(_("The restored database does not match the archive: %(tables)s", tables=", ".join(
            f"{name} {got}/{want}" for name, (got, want) in wrong.items())))
    return found


def restore_files(archive: zipfile.ZipFile) -> int:
    folder = files_folder()
    members = [info for info in archive.infolist()
               if info.filename.startswith(FILES_FOLDER + "/") and not info.is_dir()]
    if folder.exists():
        shutil.rmtree(folder)
    count = 0
    for info in members:
        relative = PurePosixPath(info.filename).relative_to(FILES_FOLDER)
        target = folder.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, open(target, "wb") as output:
            shutil.copyfileobj(source, output)
        count += 1
    return count


def migrations():
    """Flask-Migrate, imported when a restore needs it (web workers never load Alembic)."""
    import flask_migrate

    return flask_migrate
