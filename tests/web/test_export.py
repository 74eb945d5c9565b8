"""`/export.zip` for anyone, and the `export` and `import` commands."""

import io
import os
import threading
import zipfile

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Page
from app.wiki import editing, page_settings
from tests.conftest import login_as

MEMBERS_ONLY_TEXT = "Compte rendu pour les membres"


@pytest.fixture
def pages(app, make_user):
    """A public page and a members-only page."""
    facilitator_id = make_user("Fanny", role="facilitator")
    with app.app_context():
        editing.create_page(title="Accueil", body="Bienvenue, voir [[Réunions]].", publish_now=True)
        members = editing.create_page(title="Réunions", body=MEMBERS_ONLY_TEXT, publish_now=True)
        page_settings.set_visibility(members, "members", by=None)
    return facilitator_id


def zip_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sorted(archive.namelist())


def test_anyone_downloads_the_shareable_pages(client, pages):
    response = client.get("/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == "attachment; filename=gare-centrale-export.zip"
    assert zip_names(response.data) == ["LICENCES", "README.txt", "markdown/accueil.md", "site/accueil.html",
                                        "site/app.css", "site/index.html"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        page = archive.read("site/accueil.html").decode()
    assert '<html lang="fr">' in page and "Bienvenue, voir Réunions." in page


def test_the_export_speaks_the_sites_language_whatever_the_reader_asks(client, pages):
    response = client.get("/export.zip", headers={"Accept-Language": "en"})
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        page, index = archive.read("site/accueil.html").decode(), archive.read("site/index.html").decode()
    assert "Cette page est partagée sous la licence" in page and "Dernière publication le" in page
    assert "Les pages partageables de Gare centrale" in index and "Les licences de ces pages" in index


def test_a_member_gets_the_same_export_without_members_only_pages(app, client, pages):
    anonymous = client.get("/export.zip").data
    member = app.test_client()
    login_as(member, pages)
    response = member.get("/export.zip")
    assert response.data == anonymous and MEMBERS_ONLY_TEXT.encode() not in response.data


def test_export_of_an_empty_wiki(client):
    response = client.get("/export.zip")
    assert response.status_code == 200 and "site/index.html" in zip_names(response.data)


def test_export_command_writes_the_zip_and_says_what_it_left_out(runner, pages, tmp_path):
    result = runner.invoke(args=["export", str(tmp_path / "export.zip")])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "accueil" in " ".join(zip_names((tmp_path / "export.zip").read_bytes()))


def test_export_command_reports_an_unwritable_path(runner, tmp_path):
    result = runner.invoke(args=["export", str(tmp_path / "missing-folder" / "export.zip")])
    assert result.exit_code == 1 and "Traceback" not in result.output and "Error:" in result.output


def test_import_command_creates_then_skips(app, runner, tmp_path):
    (tmp_path / "Charte.md").write_text("---\ntags: [accueil]\n---\nNos règles", encoding="utf-8")
    first = runner.invoke(args=["import", str(tmp_path)])
    second = runner.invoke(args=["import", str(tmp_path)])
    assert first.exit_code == second.exit_code == 0
    assert len(first.output.strip().splitlines()) == len(second.output.strip().splitlines()) == 1
    assert "1" in first.output and "1" in second.output and first.output != second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Page.id))) == 1


def test_import_command_refuses_an_unsafe_bundle_without_a_traceback(app, runner, tmp_path):
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as archive:
        archive.writestr("ok.md", "# Bien")
        archive.writestr("../x.md", "# Mal")
    result = runner.invoke(args=["import", str(tmp_path / "bundle.zip")])
    assert result.exit_code == 1 and "../x.md" in result.output and "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Page.id))) == 0


def test_import_command_names_a_file_whose_name_is_not_utf8(app, runner, tmp_path):
    (tmp_path / "Charte.md").write_text("Nos règles", encoding="utf-8")
    (tmp_path / os.fsdecode(b"caf\xe9.md")).write_text("# Café", encoding="utf-8")  # a Latin-1 name
    result = runner.invoke(args=["import", str(tmp_path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and "caf\\xe9.md" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Page.id))) == 0


def test_import_command_does_not_wait_on_a_named_pipe(app, runner, tmp_path):
    (tmp_path / "Charte.md").write_text("Nos règles", encoding="utf-8")
    os.mkfifo(tmp_path / "tube.md")
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(result=runner.invoke(args=["import", str(tmp_path)])),
                              daemon=True)
    worker.start()
    worker.join(5)
    if worker.is_alive():  # give the waiting import a writer that closes at once, so the thread ends
        os.close(os.open(tmp_path / "tube.md", os.O_WRONLY | os.O_NONBLOCK))
        worker.join(5)
        pytest.fail("flask import waited for someone to write into tube.md")
    result = outcome["result"]
    assert result.exit_code == 1 and "Traceback" not in result.output and "tube.md" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Page.id))) == 0
