"""The files domain without HTTP: type sniffing, safe names, references, picture cleaning, storage
paths, the HTML rewrite, and the purge."""

import io
import os
import time
import zipfile
from datetime import timedelta

import pytest
from PIL import Image

from app.extensions import db
from app.models import Attachment, utcnow
from app.wiki import editing
from app.wiki.attachments import images, links, names, purge, sniffing, storage, uploads
from app.wiki.errors import FileRefused, FileTooLarge

ALL = sniffing.allowed_types(" ".join(sniffing.TYPES))


def office(names_inside: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in names_inside.items():
            archive.writestr(name, data)
    return out.getvalue()


def picture(fmt: str, size=(40, 30), mode="RGB", **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 200, 10) if mode == "RGB" else None).save(out, fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize("data,name,mime", [
    (picture("PNG"), "a.png", "image/png"),
    (picture("JPEG"), "a.jpeg", "image/jpeg"),
    (picture("GIF"), "a.gif", "image/gif"),
    (picture("WEBP"), "a.webp", "image/webp"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a.pdf", "application/pdf"),
    (office({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), "a.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (office({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"}), "budget.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (office({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}), "cr.odt",
     "application/vnd.oasis.opendocument.text"),
    ("Ordre du jour : café, budget.\n".encode(), "odj.txt", "text/plain"),
    (b"nom,montant\nlocation,120\n", "budget.csv", "text/csv"),
    (b"# Titre\n", "notes.md", "text/markdown"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.svg", "image/svg+xml"),
])
def test_types_are_read_from_the_content(ctx, data, name, mime):
    assert sniffing.check_type(data, name, ALL).mime == mime
    if not mime.startswith("text/"):  # text has no signature: its extension says which text it is
        assert sniffing.check_type(data, "sans-extension", ALL).mime == mime  # a missing extension is fine


@pytest.mark.parametrize("data,name", [
    (b"<!doctype html><p>x", "a.png"), (b"  <HTML><script>", "a.txt"), (b"MZ\x90\x00" + bytes(100), "a.doc"),
    (office({"a.txt": b"x"}), "a.zip"), (bytes(range(256)) * 4, "a.bin"),
])
def test_dangerous_or_unknown_types_are_refused(ctx, data, name):
    with pytest.raises(FileRefused) as refused:
        sniffing.check_type(data, name, sniffing.allowed_types(ctx.config["WIKI_UPLOAD_TYPES"]))
    assert refused.value.status_code == 415


def test_a_name_that_lies_about_the_content_is_refused(ctx):
    with pytest.raises(FileRefused) as refused:
        sniffing.check_type(picture("PNG"), "rapport.pdf", ALL)
    assert refused.value.status_code == 422


@pytest.mark.parametrize("original,safe", [
    ("../../app.py", "app.png"), ("..\\..\\x", "x.png"), ("/etc/passwd", "passwd.png"), ("%2e%2e/x", "x.png"),
    ("Réunion d'été.JPG", "Reunion-d-ete.png"), ("...", "fichier.png"), ("", "fichier.png"),
    ("<script>alert(1)</script>.png", "script.png"), ("a" * 300 + ".png", "a" * 80 + ".png"),
    ("photo\x00.png", "photo.png"), ("CON", "CON.png"),
])
def test_safe_names_are_never_paths(original, safe):
    made = names.safe_name(original, "png")
    assert made == safe
    assert names.is_safe(made) and "/" not in made and "\\" not in made and ".." not in made


def test_references_and_markdown():
    body = "![a](attachments/plan.png) [b](./attachments/cr.pdf) x/attachments/no.png attachments/fin.txt."
    assert names.referenced_names(body) == {"plan.png", "cr.pdf", "fin.txt"}
    assert names.markdown_for("plan.png", picture=True, description="Le [plan]") == "![Le  plan](attachments/plan.png)"
    assert names.markdown_for("cr.pdf", picture=False) == "[cr.pdf](attachments/cr.pdf)"
    assert names.numbered("plan.png", 3) == "plan-3.png"


def test_storage_paths_come_from_the_hash_only(ctx):
    for bad in ("../../etc/passwd", "a" * 63, "A" * 64, "g" * 64, ""):
        with pytest.raises(ValueError):
            storage.blob_path(bad)
    sha = storage.write_blob(b"bonjour")
    path = storage.blob_path(sha)
    assert path.read_bytes() == b"bonjour" and path.parent.name == sha[:2]
    assert storage.write_blob(b"bonjour") == sha  # the same content once
    assert [h for h, _paths in storage.stored_hashes()] == [sha]


@pytest.mark.parametrize("fmt,mime", [("PNG", "image/png"), ("WEBP", "image/webp"), ("JPEG", "image/jpeg")])
def test_every_picture_format_loses_its_metadata(ctx, fmt, mime):
    exif = Image.Exif()
    exif[0x0110] = "Secret Phone"
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 24.0)})
    data = picture(fmt, size=(2400, 1200), exif=exif.tobytes())
    assert b"Secret Phone" in data
    kept = images.process(data, mime, max_pixels=80_000_000)
    assert b"Secret Phone" not in kept.data and (kept.width, kept.height) == (2000, 1000)
    assert not Image.open(io.BytesIO(kept.data)).getexif()
    assert set(kept.thumbnails) == {480, 960}
    assert all(b"Secret Phone" not in t for t in kept.thumbnails.values())


def test_an_animation_keeps_its_frames(ctx):
    frames = [Image.new("RGB", (30, 20), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0, comment=b"secret")
    kept = images.process(out.getvalue(), "image/gif", max_pixels=80_000_000)
    assert Image.open(io.BytesIO(kept.data)).n_frames == 3 and b"secret" not in kept.data


def test_damaged_pictures_are_refused(ctx):
    with pytest.raises(FileRefused):
        images.process(picture("PNG")[:60], "image/png", max_pixels=80_000_000)
    with pytest.raises(FileRefused):
        images.process(picture("PNG", size=(3000, 3000)), "image/png", max_pixels=1_000_000)


def test_the_html_rewrite_points_at_the_page_and_adds_thumbnails(ctx):
    html = ('<p><img alt="Plan" src="attachments/plan.png"> <img alt="" src="attachments/b.png">'
            ' <a href="attachments/cr.pdf">cr</a> <img alt="x" src="https://ailleurs.org/attachments/x.png"></p>')
    out = str(links.resolve(html, "/wiki/atelier"))
    assert 'src="/wiki/atelier/attachments/plan.png"' in out and "/wiki/atelier/attachments/plan.png?w=480 480w" in out
    assert 'href="/wiki/atelier/attachments/cr.pdf"' in out and 'src="https://ailleurs.org/attachments/x.png"' in out
    assert links.missing_descriptions(out) == 1


def test_size_limit(ctx):
    ctx.config["WIKI_MAX_UPLOAD_BYTES"] = 10
    with pytest.raises(FileTooLarge):
        uploads.check_size(11)
    with pytest.raises(FileRefused):
        uploads.check_size(0)


def test_purge_forgets_unused_files_after_the_grace_period_only(ctx):
    page = editing.create_page(title="Atelier", body="![](attachments/garde.png)", author_label="t", publish_now=True)
    kept = uploads.add_attachment(page, filename="garde.png", data=picture("PNG"), uploader=None, imported=True)
    unused = uploads.add_attachment(page, filename="oubli.png", data=picture("PNG", size=(41, 30)), uploader=None,
                                    imported=True)
    young = purge.purge(grace=timedelta(days=7))
    assert (young.files, young.contents) == (0, 0)
    dry = purge.purge(grace=timedelta(0), dry_run=True)
    assert dry.files == 1 and db.session.get(Attachment, unused.id) is not None
    path = storage.blob_path(unused.sha256)
    for attachment in (kept, unused):
        attachment.created_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    os.utime(path, (time.time() - 3600, time.time() - 3600))
    report = purge.purge(grace=timedelta(seconds=60))
    assert report.files == 1 and report.contents == 1 and report.freed > 0
    assert not path.exists() and storage.blob_path(kept.sha256).exists()
    assert [a.name for a in db.session.query(Attachment)] == ["garde.png"]
