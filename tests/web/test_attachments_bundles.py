"""Files in the export and the import (issue 12): the zip carries the files a visitor may fetch of the
shareable pages, the static site shows them; the import brings the files of this wiki's export, of
An Otter Wiki and of an Obsidian vault, through the same checks as an upload, and reports a refused
file without stopping; `flask export` and `flask import` draw a progress bar on a terminal only."""

import functools
import io
import posixpath
import zipfile
from pathlib import Path

import html5lib
import pytest
import sqlalchemy as sa
from PIL import Image

from app import cli as commands
from app.cli_progress import progress_bar
from app.extensions import db
from app.models import Attachment, Page
from app.wiki import editing, page_settings
from app.wiki.attachments import storage
from tests.unit.test_bundles import empty_the_wiki
from tests.web.test_attachments import GPS, jpeg_with_gps, png, png_header_only, upload

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
HTML_AS_PNG = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def app_config(app_config):
    """Messages in English, so the tests can read them whatever the French catalogue says."""
    app_config["WIKI_LANGUAGE"] = "en"
    return app_config


def edit(client, slug, body, *, title, base_revision, licence="CC-BY-SA-4.0"):
    response = client.post(f"/wiki/{slug}/edit", data={"title": title, "base_revision": str(base_revision),
                                                        "body": body, "licence": licence})
    assert response.status_code == 303, response.get_data(as_text=True)


def uploaded(client, slug, data, name) -> str:
    response = upload(client, slug, data, name)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["name"]


@pytest.fixture
def wiki(app, client_as):
    """A shareable page with a picture and a PDF, a volunteer's unreviewed picture proposed on it, an
    internal page and a members-only page with their own files, all sent through the upload form."""
    editor = client_as("volunteer", name="Camille", trusted=True)
    newcomer = client_as("volunteer", name="Victor")
    facilitator = client_as("facilitator", name="Fanny")
    with app.app_context():
        editing.create_page(title="Atelier vélo", body="Compte rendu.", author_label="test", publish_now=True)
        editing.create_page(title="Bureau", body="Notes du bureau.", author_label="test", licence="internal",
                            publish_now=True)
        membres = editing.create_page(title="Réunions", body="Pour les membres.", author_label="test",
                                      publish_now=True)
        page_settings.set_visibility(membres, "members", by=None)
    photo = uploaded(editor, "atelier-velo", png(color=(200, 30, 30)), "groupe.png")
    programme = uploaded(editor, "atelier-velo", PDF, "programme.pdf")
    edit(editor, "atelier-velo", f"Nous étions vingt.\n\n![Le groupe](attachments/{photo})\n\n"
         f"[Le programme](attachments/{programme})", title="Atelier vélo", base_revision=1)
    draft = uploaded(newcomer, "atelier-velo", png(color=(1, 2, 3)), "brouillon.png")
    edit(newcomer, "atelier-velo", f"Nous étions vingt.\n\n![Le groupe](attachments/{photo})\n\n"
         f"![Brouillon](attachments/{draft})", title="Atelier vélo", base_revision=2)
    internal = uploaded(facilitator, "bureau", png(color=(0, 0, 200)), "budget.png")
    edit(facilitator, "bureau", f"![Budget](attachments/{internal})", title="Bureau", base_revision=1,
         licence="internal")
    members = uploaded(facilitator, "reunions", png(color=(0, 200, 0)), "salle.png")
    edit(facilitator, "reunions", f"![Salle](attachments/{members})", title="Réunions", base_revision=1)
    return {"photo": photo, "programme": programme, "draft": draft, "internal": internal, "members": members}


def zip_files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def stored_bytes(app, slug, name) -> bytes:
    with app.app_context():
        page_id = db.session.scalar(sa.select(Page.id).where(Page.slug == slug))
        attachment = db.session.scalar(sa.select(Attachment).where(Attachment.page_id == page_id,
                                                                   Attachment.name == name))
        return storage.blob_path(attachment.sha256).read_bytes()


# --- Export ------------------------------------------------------------------------------------

def test_the_zip_holds_a_shareable_pages_files_and_no_internal_members_only_or_unreviewed_file(app, client, wiki):
    files = zip_files(client.get("/export.zip").data)
    assert sorted(name for name in files if name.startswith("files/")) == [
        "files/atelier-velo/groupe.png", "files/atelier-velo/programme.pdf"]
    assert files["files/atelier-velo/groupe.png"] == stored_bytes(app, "atelier-velo", "groupe.png")
    assert files["files/atelier-velo/programme.pdf"] == PDF
    everything = b"".join(files.values())
    for name in ("brouillon", "budget", "salle"):
        assert name.encode() not in everything, name
    for secret in ("brouillon.png", "budget.png", "salle.png"):
        assert stored_bytes(app, {"brouillon.png": "atelier-velo", "budget.png": "bureau",
                                  "salle.png": "reunions"}[secret], secret) not in files.values()
    markdown = files["markdown/atelier-velo.md"].decode()
    assert "![Le groupe](attachments/groupe.png)" in markdown and "brouillon" not in markdown
    assert "files/" in files["README.txt"].decode()


def test_the_static_site_shows_the_picture_and_links_the_file_by_relative_paths(client, wiki):
    files = zip_files(client.get("/export.zip").data)
    page = files["site/atelier-velo.html"].decode()
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    pictures = [img for img in tree.iter("img")]
    assert [(img.get("src"), img.get("alt")) for img in pictures] == [("../files/atelier-velo/groupe.png", "Le groupe")]
    links = {a.text: a.get("href") for a in tree.iter("a")}
    assert links["Le programme"] == "../files/atelier-velo/programme.pdf"
    for target in ("../files/atelier-velo/groupe.png", "../files/atelier-velo/programme.pdf"):
        assert posixpath.normpath(posixpath.join("site", target)) in files
    assert "/wiki/" not in page and "srcset" not in page


def test_the_export_command_writes_the_files_with_a_bar_on_a_terminal_and_one_line_without(
        app, runner, wiki, tmp_path, monkeypatch):
    quiet = runner.invoke(args=["export", str(tmp_path / "quiet.zip")])
    assert quiet.exit_code == 0 and quiet.output.count("\n") == 1, quiet.output
    terminal = Terminal()
    monkeypatch.setattr(commands, "progress_bar", functools.partial(progress_bar, stream=terminal))
    result = runner.invoke(args=["export", str(tmp_path / "export.zip")])
    assert result.exit_code == 0 and result.output.count("\n") == 1, result.output
    entries = len(zip_files((tmp_path / "export.zip").read_bytes()))
    assert "Exporting" in terminal.getvalue() and f"{entries}/{entries}" in terminal.getvalue()
    assert (tmp_path / "export.zip").read_bytes() == (tmp_path / "quiet.zip").read_bytes()


def test_an_svg_stays_behind_and_its_description_shows(app, client, editor):
    """An SVG may hold script: the wiki only ever serves it as a download; a static site put online
    would serve it as a page of its origin."""
    with app.app_context():
        editing.create_page(title="Logo", body="Le logo.", author_label="test", publish_now=True)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="4" height="4"/></svg>'
    logo = uploaded(editor, "logo", svg, "logo.svg")
    carte = uploaded(editor, "logo", png(), "carte.png")
    edit(editor, "logo", f"![Notre logo](attachments/{logo}) ![Carte](attachments/{carte})", title="Logo",
         base_revision=1)
    files = zip_files(client.get("/export.zip").data)
    assert [name for name in files if name.startswith("files/")] == ["files/logo/carte.png"]
    assert b"onload" not in b"".join(files.values())
    page = files["site/logo.html"].decode()
    assert "Notre logo" in page and "logo.svg" not in page and 'src="../files/logo/carte.png"' in page


# --- Import ------------------------------------------------------------------------------------

def test_our_own_export_comes_back_with_its_picture(app, client, wiki, tmp_path):
    first = client.get("/export.zip").data
    (tmp_path / "export.zip").write_bytes(first)
    with app.app_context():
        empty_the_wiki()
    result = app.test_cli_runner().invoke(args=["import", str(tmp_path / "export.zip")])
    assert result.exit_code == 0 and "Files: 2 imported, 0 refused." in result.output, result.output
    page = client.get("/wiki/atelier-velo").get_data(as_text=True)
    assert 'src="/wiki/atelier-velo/attachments/groupe.png"' in page and 'alt="Le groupe"' in page
    picture = client.get("/wiki/atelier-velo/attachments/groupe.png")
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert Image.open(io.BytesIO(picture.data)).getpixel((5, 5)) == (200, 30, 30)
    assert client.get("/wiki/atelier-velo/attachments/programme.pdf").data == PDF
    second = zip_files(client.get("/export.zip").data)
    assert second["markdown/atelier-velo.md"] == zip_files(first)["markdown/atelier-velo.md"]
    assert sorted(name for name in second if name.startswith("files/")) == [
        "files/atelier-velo/groupe.png", "files/atelier-velo/programme.pdf"]
    again = app.test_cli_runner().invoke(args=["import", str(tmp_path / "export.zip")])
    assert again.exit_code == 0 and "0 created" in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 2


def test_an_otter_wiki_folder_comes_with_its_attachments(app, runner, client, tmp_path):
    """An Otter Wiki's repository: `page.md` (lower case), its files in `page/`, referred to as
    `./name` (pasted), `/Page/name` or `/Page/a/name`."""
    wiki = tmp_path / "otterwiki"
    (wiki / ".git").mkdir(parents=True)
    (wiki / ".git" / "config").write_text("[core]", encoding="utf-8")
    (wiki / "home.md").write_text("# Home\n\n![Logo](/Home/a/logo.png)\n\nVoir [[Atelier]].", encoding="utf-8")
    (wiki / "home").mkdir()
    (wiki / "home" / "logo.png").write_bytes(png(color=(10, 20, 30)))
    (wiki / "atelier.md").write_text("# Atelier\n\n![](./photo.jpg)\n\n[Les diapositives](/Atelier/diapos.pdf)",
                                     encoding="utf-8")
    (wiki / "atelier").mkdir()
    (wiki / "atelier" / "photo.jpg").write_bytes(jpeg_with_gps(orientation=1))
    (wiki / "atelier" / "diapos.pdf").write_bytes(PDF)
    result = runner.invoke(args=["import", str(wiki)])
    assert result.exit_code == 0 and "2 created" in result.output and "3 imported" in result.output, result.output
    home = client.get("/wiki/home").get_data(as_text=True)
    assert 'src="/wiki/home/attachments/logo.png"' in home and 'alt="Logo"' in home
    atelier = client.get("/wiki/atelier").get_data(as_text=True)
    assert 'src="/wiki/atelier/attachments/photo.jpg"' in atelier
    assert 'href="/wiki/atelier/attachments/diapos.pdf"' in atelier
    photo = client.get("/wiki/atelier/attachments/photo.jpg")
    assert photo.status_code == 200 and GPS not in Image.open(io.BytesIO(photo.data)).getexif()
    assert b"Secret Model" not in photo.data  # the same cleaning as an upload
    assert Image.open(io.BytesIO(photo.data)).size == (2000, 667)  # and the same resizing


def test_an_obsidian_vault_comes_with_its_embedded_pictures(app, runner, client, tmp_path):
    vault = tmp_path / "vault"
    for folder in (".obsidian", "Notes", "Pièces jointes", "assets"):
        (vault / folder).mkdir(parents=True)
    (vault / ".obsidian" / "app.json").write_text("{}", encoding="utf-8")
    (vault / "Pièces jointes" / "photo.png").write_bytes(png(color=(250, 200, 0)))
    (vault / "assets" / "schema.png").write_bytes(png(color=(0, 0, 0)))
    (vault / "Notes" / "plan.png").write_bytes(png(color=(9, 9, 9)))
    (vault / "Notes" / "compte rendu.pdf").write_bytes(PDF)
    (vault / "Notes" / "Réunion.md").write_text(
        "Avant.\n\n![[photo.png]]\n\n![[photo.png|300]]\n\n![[schema.png|Le schéma]]\n\n![](plan.png)\n\n"
        "[[compte rendu.pdf]] et [[Atelier]].\n\n```\n![[photo.png]] reste du code\n```\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(vault)])
    assert result.exit_code == 0 and "4 imported, 0 refused" in result.output, result.output
    with app.app_context():
        body = db.session.scalar(sa.select(Page).where(Page.slug == "reunion")).published.body
    assert body == ("Avant.\n\n![photo](attachments/photo.png)\n\n![photo](attachments/photo.png)\n\n"
                    "![Le schéma](attachments/schema.png)\n\n![](attachments/plan.png)\n\n"
                    "[compte-rendu.pdf](attachments/compte-rendu.pdf) et [[Atelier]].\n\n"
                    "```\n![[photo.png]] reste du code\n```")
    page = client.get("/wiki/reunion").get_data(as_text=True)
    assert 'alt="photo" src="/wiki/reunion/attachments/photo.png"' in page or (
        'src="/wiki/reunion/attachments/photo.png"' in page and 'alt="photo"' in page)
    picture = client.get("/wiki/reunion/attachments/photo.png")
    assert picture.status_code == 200 and Image.open(io.BytesIO(picture.data)).getpixel((1, 1)) == (250, 200, 0)


def test_unsafe_files_are_refused_and_reported_and_the_rest_comes(app, runner, client, tmp_path):
    bundle = tmp_path / "inside" / "bundle.zip"
    bundle.parent.mkdir()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("note.md", "# Note\n\n![Bonne](photo.png)\n\n![Fausse](faux.png)\n\n![Bombe](bombe.png)\n\n"
                                    "![Dehors](../../x.png)\n\n![[../../y.png]]\n\n![Absente](absente.png)")
        archive.writestr("photo.png", png())
        archive.writestr("faux.png", HTML_AS_PNG)
        archive.writestr("bombe.png", png_header_only(30000, 30000))
        archive.writestr("../../x.png", png())
        archive.writestr("autre.md", "# Autre\n\nSans fichier.")
    result = runner.invoke(args=["import", str(bundle)])
    assert result.exit_code == 0 and "2 created" in result.output, result.output
    assert "Files: 1 imported, 6 refused." in result.output, result.output
    refused = [line for line in result.output.splitlines() if line.startswith("Refused: ")]
    assert len(refused) == 6 and "Traceback" not in result.output
    said = "\n".join(refused)
    assert "faux.png: This type of file is not accepted (HTML)" in said
    assert "bombe.png: This picture is too large" in said
    assert "../../x.png: an unsafe file name" in said
    assert "note.md: ../../x.png leads out of the bundle" in said and "note.md: ../../y.png leads out" in said
    assert "note.md: absente.png is not in the bundle" in said
    assert not (tmp_path / "x.png").exists() and not Path("x.png").exists()
    with app.app_context():
        assert db.session.scalars(sa.select(Attachment.name)).all() == ["photo.png"]
        body = db.session.scalar(sa.select(Page).where(Page.slug == "note")).published.body
    assert "![Bonne](attachments/photo.png)" in body and "![Fausse](faux.png)" in body  # left as written
    assert client.get("/wiki/note/attachments/photo.png").status_code == 200
    assert client.get("/wiki/note/attachments/faux.png").status_code == 404


def test_a_file_beside_the_notes_that_is_a_link_or_too_large_is_refused_alone(app, runner, tmp_path):
    (tmp_path / "secret.png").write_bytes(png())
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "lien.png").symlink_to(tmp_path / "secret.png")
    (vault / "gros.txt").write_bytes(b"a" * 150_000)
    (vault / "petit.txt").write_bytes(b"Ordre du jour\n")
    (vault / "Note.md").write_text("![[lien.png]] [[gros.txt]] [[petit.txt]]", encoding="utf-8")
    app.config["WIKI_MAX_UPLOAD_BYTES"] = 100_000
    result = runner.invoke(args=["import", str(vault)])
    assert result.exit_code == 0 and "Files: 1 imported, 2 refused." in result.output, result.output
    assert "lien.png is a link" in result.output and "gros.txt: This file is too large" in result.output


def test_the_import_command_draws_a_bar_on_a_terminal_only(app, runner, tmp_path, monkeypatch):
    (tmp_path / "photo.png").write_bytes(png())
    (tmp_path / "Une.md").write_text("![[photo.png]]", encoding="utf-8")
    (tmp_path / "Deux.md").write_text("Texte", encoding="utf-8")
    terminal = Terminal()
    monkeypatch.setattr(commands, "progress_bar", functools.partial(progress_bar, stream=terminal))
    result = runner.invoke(args=["import", str(tmp_path)])
    assert result.exit_code == 0 and result.output.count("\n") == 1, result.output
    assert "Importing" in terminal.getvalue() and "3/3" in terminal.getvalue()  # one file, then two pages
    monkeypatch.undo()
    quiet = runner.invoke(args=["import", str(tmp_path)])
    assert quiet.exit_code == 0 and quiet.output.count("\n") == 1 and "Importing" not in quiet.output
