"""The exported static site, unzipped and opened from the disk in Chromium: the page's picture
displays and its file link works, by relative paths (issue 12)."""

import io
import zipfile

from playwright.sync_api import expect

from app.wiki import editing
from tests.web.test_attachments import png, upload

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def test_the_unzipped_site_shows_the_picture_from_the_disk(app, client_as, page, tmp_path):
    editor = client_as("volunteer", name="Camille", trusted=True)
    with app.app_context():
        editing.create_page(title="Atelier vélo", body="Compte rendu.", author_label="test", publish_now=True)
    photo = upload(editor, "atelier-velo", png(320, 200, (200, 30, 30)), "groupe.png").get_json()["name"]
    programme = upload(editor, "atelier-velo", PDF, "programme.pdf").get_json()["name"]
    response = editor.post("/wiki/atelier-velo/edit", data={
        "title": "Atelier vélo", "base_revision": "1", "licence": "CC-BY-SA-4.0",
        "body": f"![Le groupe](attachments/{photo})\n\n[Le programme](attachments/{programme})"})
    assert response.status_code == 303
    with zipfile.ZipFile(io.BytesIO(editor.get("/export.zip").data)) as archive:
        archive.extractall(tmp_path / "export")
    page.goto((tmp_path / "export" / "site" / "atelier-velo.html").as_uri())
    picture = page.get_by_role("img", name="Le groupe")
    expect(picture).to_be_visible()
    page.wait_for_function("document.querySelector('img').complete")
    assert picture.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [320, 200]
    link = page.get_by_role("link", name="Le programme")
    assert link.evaluate("a => a.href") == (tmp_path / "export" / "files" / "atelier-velo" / "programme.pdf").as_uri()
