"""Writing a backup: one zip holding the database, the files folder and a manifest.

- SQLite: a consistent copy made with SQLite's online backup API while the wiki runs
  (`database.sqlite3`).
- PostgreSQL: `pg_dump --format=custom` when the `pg_dump` program is installed and works with the
  server (`database.pgdump`, restored with `pg_restore`); otherwise the portable dump, every table
  as JSON lines read in one repeatable-read transaction (`tables/<name>.jsonl`).
- `files/`: the files folder (`WIKI_FILES_PATH`, default `<instance>/files`) when it exists.
- `manifest.json`: the format, the app version, the schema version (Alembic revision), the date,
  the database method and the row count of every table (the restore checks them).

The archive is written next to PATH and moved into place at the end: a failed backup never
leaves a half-written archive under the name asked for."""

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.config import APP_VERSION
from app.extensions import db
from app.models import utcnow
from app.wiki.backup.tables import count_rows, dump_table, reflect, table_names
from app.wiki.errors import BackupError

FORMAT = "gare-centrale-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PGDUMP_MEMBER = "database.pgdump"
TABLES_FOLDER = "tables"
FILES_FOLDER = "files"
SQLITE_METHOD, PGDUMP_METHOD, PORTABLE_METHOD = "sqlite-backup-api", "pg_dump", "portable-jsonl"
PG_DUMP = "pg_dump"  # the program; tests point it elsewhere to take the portable path


def quiet(_message: str) -> None:
    """The default progress reporter: says nothing."""


@dataclass
class BackupReport:
    path: str
    method: str
    schema_version: str
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0


def files_folder() -> Path:
    """Where uploaded files live: WIKI_FILES_PATH, or <instance>/files."""
    return Path(current_app.config.get("WIKI_FILES_PATH") or Path(current_app.instance_path) / "files")


def schema_head() -> str:
    """The newest migration: what `flask db upgrade` brings a database to."""
    return script_directory()(current_app.extensions["migrate"].directory).get_current_head()


def script_directory():
    """Alembic's ScriptDirectory, imported when a backup needs it: web workers never load Alembic."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory


def __getattr__(name: str):
    if name == "ScriptDirectory":  # archive.ScriptDirectory, as before it was imported lazily
        return script_directory()
    raise AttributeError(name)


def schema_version(connection) -> tuple[str, bool]:
    """The database's Alembic revision, and whether it is stamped (a database made by create_all
    carries no version: it has the models' schema, the head's)."""
    if "alembic_version" in sa.inspect(connection).get_table_names():
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        if version:
            return version, True
    return schema_head(), False


def write_backup(path: str, *, progress: Callable[[str], None] = quiet) -> BackupReport:
    """Write the whole wiki (database, files, manifest) to one zip archive at `path`."""
    target = Path(path)
    if target.is_dir():
        raise BackupError(_("%(path)s is a folder: give the name of the archive to write.", path=path))
    work = Path(tempfile.mkdtemp(prefix=".backup-", dir=target.parent if target.parent.is_dir() else None))
    try:
        partial = work / "archive.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            progress(_("Copying the database…"))
            method, version, stamped, counts = add_database(archive, work, progress)
            progress(_("Adding files…"))
            files = add_files(archive)
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION, "app_version": APP_VERSION,
                "schema_version": version, "schema_stamped": stamped,
                "created_at": utcnow().replace(microsecond=0).isoformat() + "Z",
                "database": {"dialect": db.engine.dialect.name, "method": method},
                "counts": counts, "files": files,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        os.replace(partial, target)
    except OSError as error:
        raise BackupError(_("Cannot write %(path)s: %(reason)s", path=path, reason=error.strerror or error)) from error
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupReport(str(target), method, version, counts, files)


def add_database(archive: zipfile.ZipFile, work: Path, progress) -> tuple[str, str, bool, dict[str, int]]:
    if db.engine.dialect.name == "sqlite":
        copy = work / SQLITE_MEMBER
        copy_sqlite(copy, progress)
        engine = sa.create_engine(f"sqlite:///{copy}")
        try:
            with engine.connect() as connection:
                version, stamped = schema_version(connection)
                counts = count_rows(connection, table_names(connection))
        finally:
            engine.dispose()
        archive.write(copy, SQLITE_MEMBER)
        return SQLITE_METHOD, version, stamped, counts
    dump = work / PGDUMP_MEMBER
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        version, stamped = schema_version(connection)
        names = table_names(connection)
        counts = count_rows(connection, names)
        if run_pg_dump(dump):
            archive.write(dump, PGDUMP_MEMBER)
            return PGDUMP_METHOD, version, stamped, counts
        metadata = reflect(connection)
        for name in names:
            progress(f"  {name}: {counts[name]}")
            member_info = zipfile.ZipInfo(f"{TABLES_FOLDER}/{name}.jsonl", date_time=time.localtime()[:6])
            member_info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(member_info, "w", force_zip64=True) as member:
                for line in dump_table(connection, metadata.tables[name]):
                    member.write(line.encode())
    return PORTABLE_METHOD, version, stamped, counts


def copy_sqlite(copy: Path, progress) -> None:
    """A consistent copy of the live database, page by page, while others keep writing."""
    raw = db.engine.raw_connection()
    try:
        target = sqlite3.connect(copy)
        try:
            raw.driver_connection.backup(target, pages=4096, progress=lambda _status, remaining, total: progress(
                f"  {100 * (total - remaining) // max(total, 1)} %"))
        finally:
            target.close()
    finally:
        raw.close()


def libpq_command(program: str, url: sa.engine.URL) -> tuple[list[str], dict]:
    """A PostgreSQL tool's command line for this database (the password in the environment, not in
    the process list)."""
    plain = url.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return [program, "--dbname", plain.render_as_string(hide_password=False)], env


def run_pg_dump(dump: Path) -> bool:
    """True if pg_dump wrote the dump; False when it is missing or refuses (e.g. an older pg_dump
    than the server), and the portable dump is used instead."""
    program = shutil.which(PG_DUMP)
    if program is None:
        return False
    command, env = libpq_command(program, db.engine.url)
    command += ["--format=custom", "--no-owner", "--no-privileges", "--file", str(dump)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, check=False)
    if result.returncode != 0:
        current_app.logger.warning("pg_dump failed, using the portable dump: %s", result.stderr.strip()[:500])
        return False
    return True


def add_files(archive: zipfile.ZipFile) -> int:
    """Every regular file of the files folder, under files/ (links are not followed)."""
    folder = files_folder()
    if not folder.is_dir():
        return 0
    count = 0
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            archive.write(path, f"{FILES_FOLDER}/{path.relative_to(folder).as_posix()}")
            count += 1
    return count
