"""Backup and restore through the CLI: a wiki with history, pending and rejected revisions, tags,
licences (internal too), accounts and files goes into one archive and comes back identical."""

import json
import logging
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import Page, Revision
from app.wiki.backup import archive
from tests.conftest import TEST_DATABASE_URL, drop_everything, login_as

ROOT = Path(__file__).resolve().parents[2]
LOGIN_ATTEMPTS = "login_failures"  # rows the sign-in after restore adds; compared before it


def save(client, slug, body, *, title, base="", tags="", licence="CC-BY-SA-4.0", confirmed=False, summary="",
         **fields):
    data = {"title": title, "body": body, "summary": summary, "base_revision": str(base), "tags": tags,
            "licence": licence, **fields}
    if confirmed:
        data["licence_confirmed"] = "1"
    response = client.post(f"/wiki/{slug}/edit", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


@pytest.fixture(autouse=True)
def loggers_stay_enabled():
    """Alembic's env.py (fileConfig) disables the loggers that exist; later tests read them."""
    manager = logging.Logger.manager
    before = {name: logger.disabled for name, logger in manager.loggerDict.items()
              if isinstance(logger, logging.Logger)}
    yield
    for name, logger in list(manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            logger.disabled = before.get(name, False)


@pytest.fixture
def wiki(app, make_user):
    """A wiki with history: 3 published revisions and a pending one, a rejected new page, tags,
    an internal page, a weekly session with a cancelled date, a volunteer, a facilitator, an admin,
    and a file in the files folder."""
    facilitator, volunteer = app.test_client(), app.test_client()
    login_as(facilitator, make_user("Fanny", role="facilitator", password="fanny-mot-de-passe"),
             password="fanny-mot-de-passe")
    login_as(volunteer, make_user("Victor", password="victor-mot-de-passe"), password="victor-mot-de-passe")
    make_user("Adèle", role="admin", password="adele-mot-de-passe")
    save(facilitator, "guide", "Premier texte du guide", title="Guide", tags="Aide, Démarrer", licence="CC-BY-4.0")
    save(facilitator, "guide", "Deuxième texte du guide", title="Guide", base=1, tags="Aide, Démarrer",
         licence="CC-BY-4.0")
    save(facilitator, "guide", "Troisième texte du guide, mot ornithorynque", title="Guide", base=2,
         tags="Aide, Démarrer", licence="CC-BY-4.0")
    save(volunteer, "guide", "Texte en attente de relecture", title="Guide", base=3, tags="Aide, Démarrer",
         licence="CC-BY-4.0")
    save(volunteer, "brouillon", "Un brouillon refusé", title="Brouillon")
    assert facilitator.post("/review/brouillon/reject", data={"comment": "hors sujet", "revision": "1"}
                            ).status_code in (200, 303)
    save(facilitator, "notes-internes", "Entre nous", title="Notes internes", licence="internal", confirmed=True)
    save(facilitator, "atelier-hebdo", "On apprend ensemble.", title="Atelier hebdo", event_start="2099-03-04T18:00",
         event_end="2099-03-04T20:00", event_place="Maison des associations", event_repeat="weekly",
         event_until="2099-04-29", event_exceptions="2099-03-11")
    files = Path(app.instance_path) / "files" / "guide"
    files.mkdir(parents=True)
    (files / "affiche.pdf").write_bytes(b"%PDF-1.4 pas vraiment un PDF \x00\xff")
    with app.app_context():
        statuses = sorted(db.session.scalars(sa.select(Revision.status)))
    assert statuses.count("pending") == 1 and statuses.count("rejected") >= 1 and statuses.count("approved") >= 4
    return app


def contents(app, skip=(LOGIN_ATTEMPTS,)) -> dict[str, list]:
    """Every row of every table, sorted: what a restore must give back."""
    with app.app_context():
        found = {table.name: sorted((tuple(map(repr, row)) for row in db.session.execute(sa.select(table))))
                 for table in db.metadata.sorted_tables if table.name not in skip}
        db.session.rollback()
    return found


def files_of(app) -> dict[str, bytes]:
    folder = Path(app.instance_path) / "files"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def fresh_instance(app_config, tmp_path, name="restored"):
    """An empty instance: its own folder and, on SQLite, its own database file; on PostgreSQL the
    same database, emptied (the restore starts from nothing)."""
    config = {**app_config, "WIKI_INSTANCE_PATH": str(tmp_path / name),
              "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL or f"sqlite:///{tmp_path / (name + '.db')}"}
    fresh = create_app(config)
    with fresh.app_context():
        drop_everything()
        db.session.remove()
        db.engine.dispose()
    return fresh


@pytest.fixture(params=["pg_dump", "portable"] if TEST_DATABASE_URL else ["sqlite"])
def method(request, monkeypatch):
    if request.param == "portable":
        monkeypatch.setattr(archive, "PG_DUMP", "no-such-pg-dump-here")
    return {"sqlite": archive.SQLITE_METHOD, "pg_dump": archive.PGDUMP_METHOD,
            "portable": archive.PORTABLE_METHOD}[request.param]


def test_a_wiki_round_trips_through_backup_and_restore(wiki, runner, app_config, tmp_path, method):
    before, files_before = contents(wiki), files_of(wiki)
    path = tmp_path / "sauvegarde.zip"
    made = runner.invoke(args=["backup", str(path)])
    assert made.exit_code == 0, made.output
    assert str(path) in made.output
    with zipfile.ZipFile(path) as written:
        manifest = json.loads(written.read("manifest.json"))
        assert "files/guide/affiche.pdf" in written.namelist()
    assert manifest["database"]["method"] == method
    assert manifest["schema_version"] == archive.ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    assert manifest["app_version"] and manifest["created_at"] and manifest["files"] == 1
    assert {name: len(rows) for name, rows in before.items()} == {
        name: count for name, count in manifest["counts"].items() if name != LOGIN_ATTEMPTS}
    assert manifest["counts"]["revisions"] == 7 and manifest["counts"]["users"] == 3

    with wiki.app_context():
        db.session.remove()
        db.engine.dispose()
    restored = fresh_instance(app_config, tmp_path)
    result = restored.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert contents(restored) == before
    assert files_of(restored) == files_before

    client = restored.test_client()
    login_as(client, user_id_of(restored, "Victor"), password="victor-mot-de-passe")  # passwords still work
    assert "Texte en attente de relecture" in client.get("/wiki/guide").get_data(as_text=True)
    visitor = restored.test_client()
    assert "Troisième texte du guide" in visitor.get("/wiki/guide").get_data(as_text=True)
    assert visitor.get("/wiki/notes-internes").status_code in (302, 404)  # internal stays members-only
    assert "Guide" in visitor.get("/search?q=ornithorynque").get_data(as_text=True)  # index rebuilt
    agenda = visitor.get("/agenda").get_data(as_text=True)  # the session and its series came back
    assert "Atelier hebdo" in agenda and "Maison des associations" in agenda
    assert "4 mars 2099" in agenda and "18 mars 2099" in agenda and "11 mars 2099" not in agenda
    with restored.app_context():
        assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == manifest["schema_version"]


def user_id_of(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.text("SELECT id FROM users WHERE name = :n"), {"n": name})


def test_restore_refuses_a_used_instance_unless_forced(wiki, runner, tmp_path):
    path = tmp_path / "sauvegarde.zip"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    save(login_client(wiki), "apres", "Écrit après la sauvegarde", title="Après")
    before = contents(wiki)
    refused = runner.invoke(args=["restore", str(path)])
    assert refused.exit_code != 0
    assert "--force" in refused.output and "Traceback" not in refused.output
    assert contents(wiki) == before  # nothing was touched
    forced = runner.invoke(args=["restore", str(path), "--force"])
    assert forced.exit_code == 0, forced.output
    with wiki.app_context():
        slugs = set(db.session.scalars(sa.select(Page.slug)))
    assert "apres" not in slugs and {"guide", "notes-internes"} <= slugs


def login_client(app):
    client = app.test_client()
    login_as(client, user_id_of(app, "Fanny"), password="fanny-mot-de-passe")
    return client


def test_an_archive_of_an_older_schema_is_upgraded(app, runner, app_config, tmp_path):
    with app.app_context():
        drop_everything()
    assert runner.invoke(args=["db", "upgrade", "0004"]).exit_code == 0
    with app.app_context():
        db.session.execute(sa.text(
            "INSERT INTO users (name, role, trusted, active, session_version, password_hash, created_at, language) "
            "VALUES ('Ancienne', 'admin', true, true, 1, 'x', CURRENT_TIMESTAMP, 'fr')"))
        db.session.commit()
        db.session.remove()
    path = tmp_path / "ancienne.zip"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    with zipfile.ZipFile(path) as written:
        assert json.loads(written.read("manifest.json"))["schema_version"] == "0004"
    with app.app_context():
        db.engine.dispose()
    restored = fresh_instance(app_config, tmp_path)
    result = restored.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    head = archive.ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    assert "0004" in result.output and head in result.output
    with restored.app_context():
        assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == head
        assert "render_version" in {c["name"] for c in sa.inspect(db.engine).get_columns("pages")}
        assert db.session.scalar(sa.text("SELECT name FROM users")) == "Ancienne"


def test_not_an_archive_is_one_clear_line(runner, tmp_path):
    junk = tmp_path / "pas-une-archive.zip"
    junk.write_text("bonjour")
    result = runner.invoke(args=["restore", str(junk)])
    assert result.exit_code != 0 and "Traceback" not in result.output and str(junk) in result.output
