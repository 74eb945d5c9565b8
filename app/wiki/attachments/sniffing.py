"""What a file is, read from its content (puremagic's signatures, then a look inside zip and OLE
containers), never from its name; the name's extension must agree with what the content is.

Each type has a canonical extension and the extensions that name it; `disposition` says how it
is served: `inline` (raster pictures and PDF) or `attachment` (everything else, SVG included).
puremagic (about 2 MB of signatures) is imported on the first file whose type is asked, not by a
worker that only serves pages."""

import io
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _

from app.wiki.errors import FileRefused


@dataclass(frozen=True)
class FileType:
    mime: str
    extensions: tuple[str, ...]  # the first is the canonical one
    raster: bool = False  # a picture Pillow resizes, strips and thumbnails
    inline: bool = False  # shown by the browser (raster pictures, PDF); everything else is downloaded

    @property
    def extension(self) -> str:
        return self.extensions[0]

    @property
    def label(self) -> str:
        return self.extension.upper()


TYPES = {t.mime: t for t in (
    FileType("image/png", ("png",), raster=True, inline=True),
    FileType("image/jpeg", ("jpg", "jpeg", "jpe", "jfif"), raster=True, inline=True),
    FileType("image/gif", ("gif",), raster=True, inline=True),
    FileType("image/webp", ("webp",), raster=True, inline=True),
    FileType("image/svg+xml", ("svg",)),  # may hold script: always a download, never a page
    FileType("application/pdf", ("pdf",), inline=True),
    FileType("text/plain", ("txt", "text", "log")),
    FileType("text/csv", ("csv",)),
    FileType("text/markdown", ("md", "markdown")),
    FileType("application/vnd.oasis.opendocument.text", ("odt",)),
    FileType("application/vnd.oasis.opendocument.spreadsheet", ("ods",)),
    FileType("application/vnd.oasis.opendocument.presentation", ("odp",)),
    FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
    FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
    FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",)),
    FileType("application/msword", ("doc",)),
    FileType("application/vnd.ms-excel", ("xls",)),
    FileType("application/vnd.ms-powerpoint", ("ppt",)),
    FileType("text/html", ("html", "htm")),  # known so it can be named when refused; never in the allowlist
    FileType("application/zip", ("zip",)),
)}
OOXML = {"word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
OLE = {"doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint"}
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TEXT_EXTENSIONS = {"txt": "text/plain", "text": "text/plain", "log": "text/plain", "csv": "text/csv",
                   "md": "text/markdown", "markdown": "text/markdown"}
MARKUP_STARTS = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body", b"<iframe")


def extension_of(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[1].lower() if "." in name.strip(".") else ""


def content_type(data: bytes, filename: str) -> str | None:
    """The MIME type the bytes are, or None when nothing recognises them."""
    if data.startswith(b"PK\x03\x04"):
        return zip_type(data)
    if data.startswith(OLE_SIGNATURE):
        return OLE.get(extension_of(filename), "application/x-ole-storage")
    head = data[:1024].lstrip().lower()
    if head.startswith(MARKUP_STARTS):
        return "image/svg+xml" if b"<svg" in data[:4096].lower() else "text/html"
    import puremagic

    try:
        found = puremagic.magic_string(data[:65536])
    except (puremagic.PureError, ValueError):
        found = []
    for match in found:
        if match.mime_type in TYPES:
            return match.mime_type
    if found:
        return found[0].mime_type or "application/octet-stream"
    if is_text(data):
        return TEXT_EXTENSIONS.get(extension_of(filename), "text/plain")
    return None


def zip_type(data: bytes) -> str:
    """Office documents are zips: OpenDocument names its type in `mimetype`, OOXML by its folders."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return declared if declared in TYPES else "application/zip"
            for prefix, mime in OOXML.items():
                if "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names):
                    return mime
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return "application/octet-stream"
    return "application/zip"


def is_text(data: bytes) -> bool:
    """UTF-8 (or Latin-1 without control bytes) text: no NUL and no markup a browser would run."""
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    controls = sum(1 for c in text[:65536] if ord(c) < 32 and c not in "\t\n\r\f")
    return controls == 0


def allowed_types(setting: str) -> set[str]:
    return {mime for mime in setting.split() if mime in TYPES and mime != "text/html"}


def check_type(data: bytes, filename: str, allowed: set[str]) -> FileType:
    """The file's type, if it is allowed and its name's extension agrees; FileRefused (415, 422) otherwise."""
    mime = content_type(data, filename)
    kind = TYPES.get(mime) if mime else None
    if kind is None or mime not in allowed:
        what = kind.label if kind else (mime or _("unknown"))
        raise FileRefused(_("This type of file is not accepted (%(type)s). Accepted: %(list)s.", type=what,
                            list=", ".join(sorted({TYPES[m].label for m in allowed}))), status_code=415)
    extension = extension_of(filename)
    if extension and extension not in kind.extensions:
        raise FileRefused(_("This file's content (%(type)s) does not match its name (.%(extension)s).",
                            type=kind.label, extension=extension[:10]))
    return kind
