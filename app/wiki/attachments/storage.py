"""The files folder (WIKI_FILES_PATH, default <instance>/files): each content once, named by its
SHA-256 (`ab/abcdef….bin`), its narrower copies beside it (`ab/abcdef….w480`).

Paths are made from the hash alone, never from a name someone sent. Writes go to a temporary file
in the same folder, then are renamed into place, so several workers or machines sharing the folder
can write the same content at once and readers never see half a file."""

import hashlib
import os
import re
import tempfile
from pathlib import Path

from app.wiki.backup.archive import files_folder as files_path

HASH = re.compile(r"[0-9a-f]{64}")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blob_path(sha256: str, width: int | None = None) -> Path:
    """Where a content (or its copy `width` pixels wide) lives; ValueError for anything but a hash."""
    if not HASH.fullmatch(sha256 or ""):
        raise ValueError("not a SHA-256")
    suffix = f".w{int(width)}" if width else ".bin"
    return files_path() / sha256[:2] / f"{sha256}{suffix}"


def write_blob(data: bytes, sha256: str | None = None, width: int | None = None) -> str:
    """Store bytes under their hash (or as the narrower copy of `sha256`); returns the hash."""
    sha256 = sha256 or digest(data)
    target = blob_path(sha256, width)
    if target.exists() and target.stat().st_size == len(data):
        os.utime(target)  # fresh again: the purge's grace period starts over
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return sha256


def existing_path(sha256: str, width: int | None = None) -> Path | None:
    path = blob_path(sha256, width)
    return path if path.is_file() else None


def stored_hashes() -> list[tuple[str, list[Path]]]:
    """Every stored content with its files (the content and its copies), by hash."""
    root = files_path()
    found: dict[str, list[Path]] = {}
    if not root.is_dir():
        return []
    for folder in sorted(root.iterdir()):
        if not (folder.is_dir() and re.fullmatch(r"[0-9a-f]{2}", folder.name)):
            continue
        for path in sorted(folder.iterdir()):
            sha256 = path.name.split(".", 1)[0]
            if HASH.fullmatch(sha256) and path.is_file():
                found.setdefault(sha256, []).append(path)
    return sorted(found.items())
