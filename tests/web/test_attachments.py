"""Files on pages through the real forms: upload, pictures cleaned and shown with thumbnails, types
read from the content, names that never become paths, and each file with its page's visibility."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from app.extensions import db
from app.models import Attachment, Page
from app.wiki import editing
from app.wiki.attachments import storage

JSON = {"Accept": "application/json"}
GPS = 0x8825


def jpeg_with_gps(width=3000, height=1000, orientation=6) -> bytes:
    """A phone-like photo: GPS position, phone model, and 'turn 90° to show' orientation."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((20, 20, 200), (0, 0, width // 2, height))  # left half blue, to see the turn
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Phone 15 Secret Model"
    exif[0x0112] = orientation
    exif.get_ifd(GPS).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(width=64, height=48, color=(0, 128, 0)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels (a pixel bomb) in a few dozen bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
            + chunk(b"IEND", b""))


@pytest.fixture
def page(app):
    with app.app_context():
        editing.create_page(title="Atelier vélo", body="Compte rendu.", author_label="test", publish_now=True)
    return "atelier-velo"


def upload(client, slug, data, name, **headers):
    return client.post(f"/wiki/{slug}/attachments", data={"file": (io.BytesIO(data), name)},
                       headers={**JSON, **headers}, content_type="multipart/form-data")


def stored(app, name, slug="atelier-velo") -> Attachment:
    with app.app_context():
        page_id = db.session.query(Page.id).filter_by(slug=slug).scalar()
        attachment = db.session.query(Attachment).filter_by(page_id=page_id, name=name).one()
        db.session.expunge(attachment)
        return attachment


def blob(app, sha256, width=None) -> bytes:
    with app.app_context():
        return storage.blob_path(sha256, width).read_bytes()


def files_root(app) -> Path:
    return Path(app.instance_path) / "files"


def test_a_phone_photo_is_turned_resized_and_loses_its_exif(app, page, editor):
    response = upload(editor, page, jpeg_with_gps(), "IMG_2041 été.JPG")
    assert response.status_code == 201, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["name"] == "IMG_2041-ete.jpg" and answer["picture"]
    assert answer["markdown"] == "![](attachments/IMG_2041-ete.jpg)"
    attachment = stored(app, "IMG_2041-ete.jpg")
    data = blob(app, attachment.sha256)
    picture = Image.open(io.BytesIO(data))
    assert picture.size == (667, 2000)  # turned (orientation 6), then 2000 px on the long side
    assert (attachment.width, attachment.height) == (667, 2000)
    exif = picture.getexif()
    assert GPS not in exif and not exif.get_ifd(GPS) and 0x0110 not in exif and len(exif) == 0
    assert b"Exif\x00\x00" not in data and b"Secret Model" not in data and b"PhoneMaker" not in data
    assert "exif" not in picture.info and "xmp" not in picture.info
    assert picture.getpixel((333, 10))[2] > 150  # the blue half is on top after turning
    copy = Image.open(io.BytesIO(blob(app, attachment.sha256, 480)))
    assert copy.width == 480 and b"Secret Model" not in blob(app, attachment.sha256, 480)
    with app.app_context():
        assert storage.existing_path(attachment.sha256, 960) is None  # narrower than 960: no copy
    fallback = editor.get("/wiki/atelier-velo/attachments/IMG_2041-ete.jpg?w=960")
    assert Image.open(io.BytesIO(fallback.data)).width == 667


def test_a_picture_appears_in_the_page_with_its_thumbnails(app, page, editor, client):
    name = upload(editor, page, jpeg_with_gps(orientation=1), "groupe.jpg").get_json()["name"]
    edit = editor.get(f"/wiki/{page}/edit").get_data(as_text=True)
    assert 'data-uploads' in edit and f'action="/wiki/{page}/edit"' in edit
    response = editor.post(f"/wiki/{page}/edit", data={"title": "Atelier vélo", "base_revision": "1",
                                                        "body": f"Nous étions vingt.\n\n![Le groupe](attachments/{name})",
                                                        "licence": "CC-BY-SA-4.0"})
    assert response.status_code == 303
    html = client.get(f"/wiki/{page}").get_data(as_text=True)
    url = f"/wiki/{page}/attachments/{name}"
    assert f'src="{url}"' in html and f"{url}?w=480 480w" in html and f"{url}?w=960 960w" in html
    assert 'alt="Le groupe"' in html
    thumbnail = client.get(f"{url}?w=480")
    assert thumbnail.status_code == 200 and Image.open(io.BytesIO(thumbnail.data)).width == 480
    full = client.get(url)
    assert full.status_code == 200 and full.headers["Content-Type"] == "image/jpeg"
    assert full.headers["Content-Disposition"].startswith("inline")
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in full.headers["Content-Security-Policy"]


def test_the_preview_resolves_files_and_asks_for_a_description(app, page, editor):
    name = upload(editor, page, png(), "plan.png").get_json()["name"]
    preview = editor.post(f"/wiki/{page}/preview", data={"body": f"![](attachments/{name})"}).get_data(as_text=True)
    assert f'src="/wiki/{page}/attachments/{name}"' in preview
    assert "description" in preview.lower() or "décri" in preview.lower()


def test_files_are_cached_by_content_hash(app, page, editor, client):
    name = upload(editor, page, png(), "carte.png").get_json()["name"]
    first = client.get(f"/wiki/{page}/attachments/{name}")
    attachment = stored(app, name)
    assert attachment.sha256 in first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get(f"/wiki/{page}/attachments/{name}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert "Set-Cookie" not in first.headers


def test_same_content_same_name_is_one_file_and_another_content_gets_a_new_name(app, page, editor):
    assert upload(editor, page, png(), "plan.png").get_json()["name"] == "plan.png"
    assert upload(editor, page, png(), "plan.png").get_json()["name"] == "plan.png"
    assert upload(editor, page, png(color=(9, 9, 9)), "plan.png").get_json()["name"] == "plan-2.png"
    with app.app_context():
        assert db.session.query(Attachment).count() == 2


@pytest.mark.parametrize("data,name,status", [
    (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "photo.png", 415),
    (b"<html><script>alert(1)</script></html>", "notes.txt", 415),
    (b"<html><script>alert(1)</script></html>", "page.html", 415),
    (b"MZ\x90\x00" + b"\x00" * 200, "outil.exe", 415),
    (png(), "rapport.pdf", 422),  # the content (PNG) does not match the name
    (b"print('hello')\n", "app.py", 422),  # text, but not named as text
    (b"", "vide.txt", 422),
])
def test_wrong_or_dangerous_files_are_refused_with_a_clear_message(app, page, editor, data, name, status):
    response = upload(editor, page, data, name)
    assert response.status_code == status
    message = response.get_json()["message"]
    assert message and ("fichier" in message or "contenu" in message)
    with app.app_context():
        assert db.session.query(Attachment).count() == 0


def test_the_allowlist_is_configurable(app, page, editor):
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    assert upload(editor, page, pdf, "a.pdf").status_code == 201
    app.config["WIKI_UPLOAD_TYPES"] = "image/png"
    refused = upload(editor, page, pdf, "b.pdf")
    assert refused.status_code == 415 and "PDF" in refused.get_json()["message"] and "PNG" in refused.get_json()["message"]
    assert upload(editor, page, png(), "a.png").status_code == 201


def test_an_svg_with_script_is_only_ever_a_download(app, page, editor, client):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    response = upload(editor, page, svg, "logo.svg")
    assert response.status_code == 201 and not response.get_json()["picture"]
    served = client.get(f"/wiki/{page}/attachments/logo.svg")
    assert served.status_code == 200
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"].startswith("default-src 'none'; sandbox")


def test_a_pixel_bomb_is_refused(app, page, editor):
    response = upload(editor, page, png_header_only(30000, 30000), "bombe.png")
    assert response.status_code == 422
    assert "900 millions de pixels" in response.get_json()["message"]
    assert not any(files_root(app).rglob("*.bin"))


def test_a_file_over_the_limit_is_a_413_with_a_message(app, page, editor):
    app.config["WIKI_MAX_UPLOAD_BYTES"] = 100_000
    response = upload(editor, page, b"a" * 150_000, "gros.txt")
    assert response.status_code == 413
    assert "trop" in response.get_json()["message"] and "Mo" in response.get_json()["message"]
    huge = upload(editor, page, b"a" * 300_000, "enorme.txt")  # refused from its length, before reading
    assert huge.status_code == 413


def test_the_default_limit_is_ten_megabytes(app):
    assert app.config["WIKI_MAX_UPLOAD_BYTES"] == 10 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] > app.config["WIKI_MAX_UPLOAD_BYTES"]


HOSTILE_NAMES = ["../../app.py", "..\\..\\x", "/etc/passwd", "%2e%2e/x"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_stay_inside_the_storage_folder(app, page, editor, tmp_path, name):
    before = {p for p in tmp_path.rglob("*")}
    for sent, data in ((name, b"root:x:0:0\n"), (name + ".png", png())):
        response = upload(editor, page, data, sent)
        assert response.status_code in (201, 422), response.get_data(as_text=True)
        if response.status_code == 201:
            stored_name = response.get_json()["name"]
            assert "/" not in stored_name and "\\" not in stored_name and ".." not in stored_name
            assert editor.get(f"/wiki/{page}/attachments/{stored_name}").status_code == 200
    root = files_root(app).resolve()
    new = {p for p in tmp_path.rglob("*")} - before
    assert new and all(p.resolve().is_relative_to(root) for p in new), new
    assert not (tmp_path / "app.py").exists() and not Path("/x").exists()


def test_paths_in_the_file_address_answer_404(app, page, editor):
    upload(editor, page, png(), "plan.png")
    for url in (f"/wiki/{page}/attachments/../../wiki.db", f"/wiki/{page}/attachments/..%2F..%2Fwiki.db",
                f"/wiki/{page}/attachments/%2e%2e%2fwiki.db", f"/wiki/{page}/attachments/..",
                f"/wiki/{page}/attachments/plan.png%00.txt"):
        assert editor.get(url).status_code == 404, url


def test_a_members_only_pages_file_is_a_404_to_a_visitor(app, page, client_as, client):
    facilitator = client_as("facilitator")
    name = upload(facilitator, page, png(), "interne.png").get_json()["name"]
    assert facilitator.post(f"/wiki/{page}/visibility", data={"visibility": "members"}).status_code in (200, 303)
    assert client.get(f"/wiki/{page}/attachments/{name}").status_code == 404
    served = facilitator.get(f"/wiki/{page}/attachments/{name}")
    assert served.status_code == 200 and served.headers["Cache-Control"].startswith("private")
    assert name not in client.get(f"/wiki/{page}/attachments").get_data(as_text=True)


def test_an_untrusted_volunteers_file_is_public_once_a_facilitator_approves(app, page, client_as, client):
    volunteer = client_as("volunteer", name="Léa")
    name = upload(volunteer, page, png(), "affiche.png").get_json()["name"]
    url = f"/wiki/{page}/attachments/{name}"
    assert client.get(url).status_code == 404
    assert volunteer.get(url).status_code == 200  # members see it
    saved = volunteer.post(f"/wiki/{page}/edit", data={"title": "Atelier vélo", "base_revision": "1",
                                                        "body": f"![Affiche](attachments/{name})", "licence": "CC-BY-SA-4.0"})
    assert saved.status_code == 303
    assert client.get(url).status_code == 404  # the edit is pending
    facilitator = client_as("facilitator")
    queue = facilitator.get("/review").get_data(as_text=True)
    assert name in queue and f'src="{url}?w=480"' in queue and "nouveau fichier" in queue
    approved = facilitator.post(f"/review/{page}/approve", data={"revision": "2", "comment": ""})
    assert approved.status_code in (200, 303)
    assert client.get(url).status_code == 200
    assert f'src="{url}"' in client.get(f"/wiki/{page}").get_data(as_text=True)


def test_visitors_and_protected_pages_cannot_upload(app, page, client, client_as):
    assert upload(client, page, png(), "a.png").status_code in (302, 401, 403)
    facilitator = client_as("facilitator")
    facilitator.post(f"/wiki/{page}/protect", data={"protected": "1"})
    volunteer = client_as("volunteer", name="Léa", trusted=True)
    assert upload(volunteer, page, png(), "a.png").status_code == 403
    assert upload(facilitator, page, png(), "a.png").status_code == 201
    assert upload(facilitator, "pas-de-page", png(), "a.png").status_code == 404


def test_uploads_need_the_csrf_token(app, page, make_user):
    from tests.conftest import login_as
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    login_as(client, make_user("Nina", role="facilitator"))
    assert upload(client, page, png(), "a.png").status_code == 400
    with app.app_context():
        assert db.session.query(Attachment).count() == 0


def test_the_plain_form_adds_a_file_and_tells_the_markdown(app, page, editor):
    listing = editor.get(f"/wiki/{page}/attachments").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in listing and 'name="file"' in listing
    response = editor.post(f"/wiki/{page}/attachments", data={"file": (io.BytesIO(png()), "plan du local.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    shown = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "![](attachments/plan-du-local.png)" in shown
    refused = editor.post(f"/wiki/{page}/attachments", data={"file": (io.BytesIO(b"<html></html>"), "x.png")},
                          content_type="multipart/form-data")
    assert refused.status_code == 415 and "accepté" in refused.get_data(as_text=True)
    missing = editor.post(f"/wiki/{page}/attachments", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422


def test_the_page_lists_its_files_with_size_who_when_and_where_used(app, page, editor, client):
    name = upload(editor, page, png(), "plan.png").get_json()["name"]
    upload(editor, page, b"Liste du materiel\n", "materiel.txt")
    editor.post(f"/wiki/{page}/edit", data={"title": "Atelier vélo", "base_revision": "1",
                                            "body": f"![Plan](attachments/{name})", "licence": "CC-BY-SA-4.0"})
    html = client.get(f"/wiki/{page}/attachments").get_data(as_text=True)
    assert "plan.png" in html and "materiel.txt" in html and "ko" in html
    assert "Volunteer True" in html  # who sent it
    assert "<time" in html and "version actuelle" in html and "pas encore utilisé" in html
    assert f'href="/wiki/{page}/attachments"' in client.get(f"/wiki/{page}").get_data(as_text=True)


def test_a_plain_editor_form_can_carry_a_file(app, page, editor):
    response = editor.post(f"/wiki/{page}/edit", data={"title": "Atelier vélo", "base_revision": "1",
                                                        "body": "Le plan :", "licence": "CC-BY-SA-4.0",
                                                        "file": (io.BytesIO(png()), "plan.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        body = db.session.query(Page).filter_by(slug=page).one().head.body
    assert body.startswith("Le plan :") and body.endswith("![](attachments/plan.png)")
    refused = editor.post(f"/wiki/{page}/edit", data={"title": "Atelier vélo", "base_revision": "2",
                                                       "body": "Mon texte gardé", "licence": "CC-BY-SA-4.0",
                                                       "file": (io.BytesIO(b"<html></html>"), "x.png")},
                          content_type="multipart/form-data")
    assert refused.status_code == 415
    assert "Mon texte gardé" in refused.get_data(as_text=True)
