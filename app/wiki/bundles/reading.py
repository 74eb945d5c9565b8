"""The files of a bundle (a folder, a zip or one Markdown file), read safely and within limits.

A bundle is notes, not a dump. The zip's own header sizes are checked before anything is
inflated, and every read is capped in case a header lies. For notes, names that climb out of the
bundle, nested archives, links, files that are not regular files (a named pipe would block the
read) and names that are not UTF-8 are refused with a message that names the file, and nothing
is imported.

The other files (pictures, PDFs beside the notes) are only listed (`OtherFiles`): a note's
reference picks one of them by its place in that list, never by a path built from the text, and
only the files some note uses are read. Such a file with a name that is not UTF-8 is skipped; one
whose name climbs out of a zip, a link or a pipe is refused by itself, reported, not fatal."""

import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _

from app.wiki.errors import FileRefused, InvalidInput

MAX_FILE_BYTES = 2_000_000
MAX_TOTAL_BYTES = 50_000_000  # the notes
MAX_FILES_BYTES = 2_000_000_000  # a zip's other files, as declared (each read is capped at the upload limit)
MAX_ENTRIES = 5_000

MARKDOWN_SUFFIXES = (".md", ".markdown")
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".jar")
UNSAFE_NAME = re.compile(r"^/|^[A-Za-z]:|\\|\x00")
# What zipfile raises on damaged, encrypted or exotic archives (names in bad UTF-8, unknown versions).
UNREADABLE_ZIP = (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, EOFError, OSError,
                  struct.error, zlib.error)
# Opening never waits (a named pipe), and a file inside a folder is never reached through a link.
OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
NO_LINKS = getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True)
class BundleFile:
    name: str  # path inside the bundle, with forward slashes
    data: bytes


@dataclass
class OtherFiles:
    """The bundle's files that are not notes, by their path inside it, read only when asked."""

    root: Path | None = None  # a folder, or
    archive: Path | None = None  # a zip
    paths: list[str] = field(default_factory=list)  # safe names, in order
    unsafe: list[str] = field(default_factory=list)  # zip members whose names climb out: never read

    def each(self, wanted: list[str], limit: int) -> Iterator[tuple[str, int, bytes | FileRefused]]:
        """(path, size, bytes) for each wanted path of the list, or (path, size, FileRefused). The size is
        the one the folder or the zip's header gives; a file larger than `limit` is not read, and no
        read goes past `limit` + 1 bytes (a header may lie)."""
        listed = set(self.paths)
        known = [name for name in wanted if name in listed]
        if self.archive is None:
            for name in known:
                size = refused_or(lambda: (self.root / name).lstat().st_size)
                if not isinstance(size, int):
                    yield name, 0, size
                    continue
                yield name, size, (b"" if size > limit else
                                   refused_or(lambda: read_other(self.root / name, name, limit)))
            return
        try:
            with zipfile.ZipFile(self.archive) as archive:
                for name in known:
                    info = archive.getinfo(name)
                    yield name, info.file_size, (b"" if info.file_size > limit else
                                                 refused_or(lambda: read_member(archive, info, limit)))
        except UNREADABLE_ZIP as error:
            raise InvalidInput(_("This zip file is damaged and cannot be read.")) from error


@dataclass(frozen=True)
class Bundle:
    notes: list[BundleFile]
    others: OtherFiles


def refused_or(read):
    """What `read()` gives, or a FileRefused saying why it could not."""
    try:
        return read()
    except (InvalidInput, FileRefused) as error:
        return error if isinstance(error, FileRefused) else FileRefused(error.message)
    except OSError:
        return FileRefused(_("This file cannot be read."))


def read_bundle(path: Path) -> Bundle:
    """The Markdown files of a bundle, read within the size limits, and the list of its other files."""
    if path.is_dir():
        return read_folder(path)
    if path.is_file() and zipfile.is_zipfile(path):
        return read_zip(path)
    if path.is_file() and is_markdown(path.name):
        check_encoding(path.name)
        return Bundle([BundleFile(path.name, read_capped(path, path.name))], OtherFiles(root=path.parent))
    if not path.exists():
        raise InvalidInput(_("There is no file or folder at %(path)s.", path=shown(str(path))))
    raise InvalidInput(_("%(path)s is not a folder, a zip file or a Markdown file.", path=shown(str(path))))


def is_markdown(name: str) -> bool:
    return name.lower().endswith(MARKDOWN_SUFFIXES)


def is_hidden(name: str) -> bool:
    """Tool folders (.obsidian, .git) and macOS resource forks (__MACOSX, ._note.md) are not notes."""
    return any(part.startswith(".") or part == "__MACOSX" for part in name.split("/") if part)


def shown(name: str) -> str:
    """A file name fit for a message: bytes that are not UTF-8 appear as `\\xe9`."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def check_encoding(name: str) -> None:
    """Refuse a name the system gave us with undecodable bytes (it cannot become a title)."""
    if shown(name) != name:
        raise InvalidInput(_("%(name)s: the file name is not UTF-8; rename the file and import again.",
                             name=shown(name)))


def too_many_files() -> InvalidInput:
    return InvalidInput(_("The bundle has too many files (at most %(n)d).", n=MAX_ENTRIES))


def too_large_bundle() -> InvalidInput:
    return InvalidInput(_("The bundle is too large (at most %(n)d MB once unpacked).", n=MAX_TOTAL_BYTES // 1_000_000))


def too_large_file(name: str) -> InvalidInput:
    return InvalidInput(_("%(name)s is too large (at most %(n)d MB per file).",
                          name=name, n=MAX_FILE_BYTES // 1_000_000))


def read_folder(root: Path) -> Bundle:
    files, seen, total = [], 0, 0
    others = OtherFiles(root=root)
    for folder, subfolders, names in os.walk(root):  # does not follow links to folders
        subfolders[:] = sorted(name for name in subfolders if not is_hidden(name))
        for name in sorted(names):
            seen += 1
            if seen > MAX_ENTRIES:
                raise too_many_files()
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if is_hidden(name):
                continue
            if not is_markdown(name):
                if shown(relative) == relative:  # a name that is not UTF-8 cannot be referenced: skipped
                    others.paths.append(relative)
                continue
            check_encoding(relative)
            if path.is_symlink():
                raise InvalidInput(_("%(name)s is a link; copy the file itself into the folder.", name=relative))
            files.append(BundleFile(relative, read_capped(path, relative, flags=NO_LINKS)))
            total += len(files[-1].data)
            if total > MAX_TOTAL_BYTES:
                raise too_large_bundle()
    return Bundle(files, others)


def read_capped(path: Path, name: str, *, flags: int = 0, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most `limit` + 1; anything else (a pipe, a device) is refused."""
    try:
        with os.fdopen(os.open(path, OPEN_FLAGS | flags), "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise InvalidInput(_("%(name)s is not a regular file; only files are imported.", name=name))
            data = stream.read(limit + 1)
    except OSError as error:
        raise InvalidInput(_("%(name)s cannot be read.", name=name)) from error
    if limit == MAX_FILE_BYTES and len(data) > MAX_FILE_BYTES:
        raise too_large_file(name)
    return data


def read_other(path: Path, name: str, limit: int) -> bytes:
    """A file beside the notes, never through a link; the caller checks the size against its limit."""
    if path.is_symlink():
        raise InvalidInput(_("%(name)s is a link; copy the file itself into the folder.", name=name))
    return read_capped(path, name, flags=NO_LINKS, limit=limit)


def read_zip(path: Path) -> Bundle:
    """The Markdown members of a zip, after checking every name and declared size."""
    if path.stat().st_size > MAX_TOTAL_BYTES + MAX_FILES_BYTES:
        raise too_large_bundle()
    others = OtherFiles(archive=path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            check_members(members)
            wanted = [info for info in members if not info.is_dir() and is_markdown(info.filename)
                      and not is_hidden(info.filename)]
            files = [BundleFile(info.filename, read_member(archive, info)) for info in wanted]
    except UNREADABLE_ZIP as error:
        raise InvalidInput(_("This zip file is damaged and cannot be read.")) from error
    if sum(len(file.data) for file in files) > MAX_TOTAL_BYTES:
        raise too_large_bundle()
    for info in members:
        if info.is_dir() or is_markdown(info.filename):
            continue
        if not is_safe_name(info.filename):  # `../../x.png` (its `..` would pass for a hidden folder)
            others.unsafe.append(info.filename)
        elif not is_hidden(info.filename):
            others.paths.append(info.filename)
    return Bundle(files, others)


def check_members(members: list[zipfile.ZipInfo]) -> None:
    """Refuse unsafe note names, nested archives, and declared sizes over the limits, before inflating
    anything. Other files with unsafe names are left out (OtherFiles.unsafe), never read."""
    if len(members) > MAX_ENTRIES:
        raise too_many_files()
    for info in members:
        if is_markdown(info.filename):
            check_name(info.filename)
        if info.filename.lower().endswith(ARCHIVE_SUFFIXES):
            raise InvalidInput(_("%(name)s is an archive inside the bundle; unpack it first.", name=info.filename))
        if is_markdown(info.filename) and info.file_size > MAX_FILE_BYTES:
            raise too_large_file(info.filename)
    if sum(info.file_size for info in members if is_markdown(info.filename)) > MAX_TOTAL_BYTES:
        raise too_large_bundle()
    if sum(info.file_size for info in members if not is_markdown(info.filename)) > MAX_FILES_BYTES:
        raise InvalidInput(_("The files beside the notes are too large (at most %(n)d MB once unpacked).",
                             n=MAX_FILES_BYTES // 1_000_000))


def is_safe_name(name: str) -> bool:
    """False for names that climb out of the bundle: `../x.md`, `/etc/x.md`, `C:x.md`, backslashes."""
    return not (UNSAFE_NAME.search(name) or ".." in name.split("/"))


def check_name(name: str) -> None:
    if not is_safe_name(name):
        raise InvalidInput(_("The bundle holds an unsafe file name: %(name)s", name=name))


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int = MAX_FILE_BYTES) -> bytes:
    """A member's bytes, capped at `limit` + 1: a header that lies about the size cannot inflate past it."""
    try:
        with archive.open(info) as stream:
            data = stream.read(limit + 1)
    except UNREADABLE_ZIP as error:
        raise InvalidInput(_("%(name)s cannot be read from the zip file (damaged or encrypted).",
                             name=info.filename)) from error
    if limit == MAX_FILE_BYTES and len(data) > MAX_FILE_BYTES:
        raise too_large_file(info.filename)
    return data
