"""Reading bundles safely (issue 6): zip bombs, unsafe names, nested archives, links, size limits,
and what a folder may hold that is not a note (issue 17: names that are not UTF-8, named pipes)."""

import os
import struct
import threading
import time
import zipfile
import zlib

import pytest

from app.wiki import bundles
from app.wiki.bundles import reading
from app.wiki.errors import InvalidInput
from tests.unit.test_bundles import app_config, page_count, write_vault  # noqa: F401 (app_config: English)

# --- Safety ------------------------------------------------------------------------------------

def deflated_zeros(size: int) -> bytes:
    """Raw deflate data for `size` zero bytes, from one repeated 1 MB block: a 1 GB bomb in milliseconds."""
    megabyte = 1 << 20
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    repeated = block.compress(b"\0" * megabyte) + block.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    return repeated * (size // megabyte) + tail.compress(b"\0" * (size % megabyte)) + tail.flush()


def raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand from (name, deflated data, crc, declared size): its headers may lie."""
    body, directory = b"", b""
    for name, data, crc, size in members:
        encoded = name.encode()
        fields = (0x800, 8, 0, 0x21, crc, len(data), size, len(encoded))  # utf-8 names, deflate, 1980-01-01
        directory += struct.pack("<IHH4H3I5H2I", 0x02014B50, 20, 20, *fields, 0, 0, 0, 0, 0, len(body)) + encoded
        body += struct.pack("<IH4H3I2H", 0x04034B50, 20, *fields, 0) + encoded + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), len(body), 0)
    return body + directory + end


def zip_with(path, *extra: tuple[str, bytes]):
    """A zip with one good note and the given members, written with zipfile as it is."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bonne-note.md", "# Bonne note\n\nRien à redire.")
        for name, data in extra:
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("name", ["../x.md", "notes/../../x.md", "/etc/x.md", "C:/x.md", "c:x.md",
                                  "notes\\..\\x.md"])
def test_unsafe_names_are_refused(ctx, tmp_path, name):
    bundle = zip_with(tmp_path / "bundle.zip", (name, b"# X"))
    with pytest.raises(InvalidInput, match="unsafe file name") as error:
        bundles.import_bundle(bundle)
    assert name in str(error.value.message) and page_count() == 0


def test_nested_archives_are_refused(ctx, tmp_path):
    bundle = zip_with(tmp_path / "bundle.zip", ("notes/inner.zip", b"PK\x05\x06" + b"\0" * 18))
    with pytest.raises(InvalidInput, match="notes/inner.zip is an archive"):
        bundles.import_bundle(bundle)
    assert page_count() == 0


def test_too_many_files_are_refused(ctx, tmp_path):
    bundle = zip_with(tmp_path / "bundle.zip", *((f"vide-{n}.txt", b"") for n in range(reading.MAX_ENTRIES)))
    with pytest.raises(InvalidInput, match="too many files"):
        bundles.import_bundle(bundle)
    assert page_count() == 0


def test_oversized_bundles_and_files_are_refused(ctx, tmp_path):
    almost_two_mb = 1_900_000
    notes = [(f"note-{n}.md", deflated_zeros(almost_two_mb), 0, almost_two_mb) for n in range(30)]
    (tmp_path / "big.zip").write_bytes(raw_zip(notes))
    with pytest.raises(InvalidInput, match="The bundle is too large"):
        bundles.import_bundle(tmp_path / "big.zip")
    big_note = zip_with(tmp_path / "note.zip", ("grosse.md", b"a" * (reading.MAX_FILE_BYTES + 1)))
    with pytest.raises(InvalidInput, match="grosse.md is too large"):
        bundles.import_bundle(big_note)
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "grosse.md").write_bytes(b"a" * (reading.MAX_FILE_BYTES + 1))
    with pytest.raises(InvalidInput, match="grosse.md is too large"):
        bundles.import_bundle(tmp_path / "folder")
    assert page_count() == 0


@pytest.mark.parametrize("declared", [1 << 30, 1000], ids=["honest-header", "lying-header"])
def test_a_zip_bomb_is_refused_quickly(ctx, tmp_path, declared):
    bomb = raw_zip([("bombe.md", deflated_zeros(1 << 30), 0, declared)])  # 1 GB of zeros in about 1 MB
    assert len(bomb) < 2_000_000
    (tmp_path / "bomb.zip").write_bytes(bomb)
    started = time.monotonic()
    with pytest.raises(InvalidInput, match="bombe.md"):
        bundles.import_bundle(tmp_path / "bomb.zip")
    assert time.monotonic() - started < 1 and page_count() == 0


def test_a_bad_file_among_good_ones_creates_nothing(ctx, tmp_path):
    write_vault(tmp_path)
    (tmp_path / "zz-latin1.md").write_bytes("Café".encode("latin-1"))
    with pytest.raises(InvalidInput, match="zz-latin1.md is not UTF-8 text"):
        bundles.import_bundle(tmp_path)
    assert page_count() == 0


def test_two_files_for_one_page_are_refused(ctx, tmp_path):
    (tmp_path / "Écoles.md").write_text("une", encoding="utf-8")
    (tmp_path / "ecoles.md").write_text("deux", encoding="utf-8")
    with pytest.raises(InvalidInput, match="would make the same page"):
        bundles.import_bundle(tmp_path)
    assert page_count() == 0


def test_links_and_odd_paths_are_refused(ctx, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "secret.md").write_text("hors du dossier", encoding="utf-8")
    (tmp_path / "notes" / "lien.md").symlink_to(tmp_path / "secret.md")
    with pytest.raises(InvalidInput, match="lien.md is a link"):
        bundles.import_bundle(tmp_path / "notes")
    with pytest.raises(InvalidInput, match="There is no file or folder"):
        bundles.import_bundle(tmp_path / "absent")
    (tmp_path / "notes.txt").write_text("texte", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not a folder, a zip file or a Markdown file"):
        bundles.import_bundle(tmp_path / "notes.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match="no Markdown files"):
        bundles.import_bundle(tmp_path / "empty")
    assert page_count() == 0


# --- What a folder may hold that is not a note (issue 17) ---------------------------------------

NOT_UTF8 = os.fsdecode(b"caf\xe9.md")  # a Latin-1 name, as the system hands it to Python


def test_a_file_name_that_is_not_utf8_is_refused_by_name(ctx, tmp_path):
    write_vault(tmp_path)
    (tmp_path / NOT_UTF8).write_text("# Café", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"caf\\xe9\.md: the file name is not UTF-8") as error:
        bundles.import_bundle(tmp_path)
    str(error.value.message).encode("utf-8")  # printable as it is
    with pytest.raises(InvalidInput, match=r"caf\\xe9\.md: the file name is not UTF-8"):
        bundles.import_bundle(tmp_path / NOT_UTF8)
    assert page_count() == 0


def test_a_file_that_is_not_a_note_may_have_any_name(ctx, tmp_path):
    write_vault(tmp_path)
    (tmp_path / os.fsdecode(b"photo-\xe9t\xe9.png")).write_bytes(b"\x89PNG\r\n\x1a\n")
    assert len(bundles.import_bundle(tmp_path).created) == 5


def import_in_a_thread(app, path) -> dict:
    """Import in a thread and wait 5 s; if it hangs on a pipe, open the pipe's other end so it ends."""
    outcome = {}

    def run():
        with app.app_context():
            try:
                outcome["report"] = bundles.import_bundle(path)
            except InvalidInput as error:
                outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(5)
    if worker.is_alive():
        os.close(os.open(path / "tube.md", os.O_WRONLY | os.O_NONBLOCK))
        worker.join(5)
        pytest.fail("the import waited for someone to write into a named pipe")
    return outcome


def test_a_named_pipe_is_refused_without_waiting(ctx, tmp_path):
    write_vault(tmp_path)
    os.mkfifo(tmp_path / "tube.md")
    outcome = import_in_a_thread(ctx, tmp_path)
    assert "tube.md is not a regular file" in str(outcome["error"].message)
    assert page_count() == 0


# --- Files beside the notes (issue 12) -----------------------------------------------------------

def test_pictures_beside_the_notes_have_their_own_budget(ctx, tmp_path):
    """An export with its pictures may pass the notes' 50 MB; only the notes count against it."""
    sixty_mb = 60_000_000
    text, note = b"# Album\n\nVoir les photos.", zlib.compressobj(9, zlib.DEFLATED, -15)
    (tmp_path / "album.zip").write_bytes(raw_zip([
        ("album.md", note.compress(text) + note.flush(), zlib.crc32(text), len(text)),
        ("photos/grande.png", deflated_zeros(sixty_mb), 0, sixty_mb)]))  # never read: no note uses it
    assert bundles.import_bundle(tmp_path / "album.zip").created == ["album"]


def test_files_declared_larger_than_their_budget_are_refused_before_inflating(ctx, tmp_path):
    (tmp_path / "bundle.zip").write_bytes(raw_zip([("note.md", deflated_zeros(10), 0, 10),
                                                   ("photo.png", deflated_zeros(10), 0, reading.MAX_FILES_BYTES + 1)]))
    with pytest.raises(InvalidInput, match="files beside the notes are too large"):
        bundles.import_bundle(tmp_path / "bundle.zip")
    assert page_count() == 0
