"""Adding a file to a page: size, type from the content, pictures cleaned, bytes stored by hash,
then one short write for the row (the file work happens before the write lock is taken)."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.database import begin_write
from app.extensions import db
from app.models import Attachment, Page
from app.wiki import moderation, permissions
from app.wiki.attachments import images, names, sniffing, storage
from app.wiki.errors import FileRefused, FileTooLarge

MAX_NAME_NUMBER = 1000


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def check_size(size: int) -> None:
    """FileTooLarge (413) beyond WIKI_MAX_UPLOAD_BYTES, FileRefused for an empty file."""
    limit = current_app.config["WIKI_MAX_UPLOAD_BYTES"]
    if size > limit:
        raise FileTooLarge(_("This file is too large (%(size)s MB); the limit is %(limit)s MB.",
                             size=megabytes(size), limit=megabytes(limit)))
    if size == 0:
        raise FileRefused(_("This file is empty."))


@dataclass(frozen=True)
class PreparedFile:
    """A file checked and stored (type from the content, pictures cleaned), not yet on a page."""

    filename: str  # as sent, metadata only
    kind: sniffing.FileType
    sha256: str
    size: int
    width: int | None = None
    height: int | None = None

    @property
    def base_name(self) -> str:
        return names.safe_name(self.filename, self.kind.extension)


def prepare_file(*, filename: str, data: bytes) -> PreparedFile:
    """Every check of an upload (size, type from the content and the allowlist, pixel bombs), pictures
    re-encoded without metadata, and the bytes stored by hash; FileRefused or FileTooLarge otherwise.

    No database write: `flask import` prepares its files before it takes the write lock."""
    check_size(len(data))
    kind = sniffing.check_type(data, filename, sniffing.allowed_types(current_app.config["WIKI_UPLOAD_TYPES"]))
    width = height = None
    thumbnails = {}
    if kind.raster:
        picture = images.process(data, kind.mime, max_pixels=current_app.config["WIKI_MAX_IMAGE_PIXELS"])
        data, width, height, thumbnails = picture.data, picture.width, picture.height, picture.thumbnails
    sha256 = storage.write_blob(data)
    for thumbnail_width, thumbnail in thumbnails.items():
        storage.write_blob(thumbnail, sha256, thumbnail_width)
    return PreparedFile(filename=filename or "", kind=kind, sha256=sha256, size=len(data), width=width, height=height)


def add_attachment(page: Page, *, filename: str, data: bytes, uploader, uploader_label: str = "",
                   approved: bool | None = None, imported: bool = False) -> Attachment:
    """Keep a file on a page under a safe name (a new name if another content holds it already).

    The same content sent again under the same name gives back the file already there. `approved`
    defaults to whether the uploader's edits are published at once; `imported` files (flask import)
    come with their pages, without an uploader."""
    if not imported:
        permissions.require(uploader, "upload", page)
    prepared = prepare_file(filename=filename, data=data)
    if approved is None:
        approved = moderation.is_auto_approved(uploader)
    begin_write(page)
    attachment = attach(page, prepared, uploader=uploader, uploader_label=uploader_label, approved=approved)
    db.session.commit()
    return attachment


def attach(page: Page, prepared: PreparedFile, *, uploader, uploader_label: str = "", approved: bool,
           taken: dict[str, Attachment] | None = None) -> Attachment:
    """The page's row for a prepared file, inside the caller's write (no commit): its safe name, or
    the next free `name-2.ext` when another content holds it; the same content under that name is reused.

    `taken` (name -> row) stands in for the page's files when they are not flushed yet (an import)."""
    base_name = prepared.base_name
    if taken is None:
        taken = {a.name: a for a in db.session.scalars(sa.select(Attachment).where(
            Attachment.page_id == page.id, Attachment.name.like(f"{base_name.rpartition('.')[0]}%")))}
    name = free_name(base_name, prepared.sha256, {name: row.sha256 for name, row in taken.items()})
    existing = taken.get(name)
    if existing is not None:  # this content under this name already
        existing.approved = existing.approved or approved
        return existing
    attachment = Attachment(page_id=page.id, name=name, original_name=prepared.filename[:300], sha256=prepared.sha256,
                            mime_type=prepared.kind.mime, size=prepared.size, width=prepared.width,
                            height=prepared.height, uploader_id=uploader.id if uploader is not None else None,
                            uploader_label="" if uploader is not None else uploader_label[:80],
                            approved=approved)
    db.session.add(attachment)
    taken[name] = attachment
    return attachment


def free_name(base_name: str, sha256: str, taken: dict[str, str]) -> str:
    """`photo.png`, or `photo-2.png`... when `taken` (name -> content hash) holds another content under it."""
    for number in range(1, MAX_NAME_NUMBER):
        name = base_name if number == 1 else names.numbered(base_name, number)
        if taken.get(name, sha256) == sha256:
            return name
    raise FileRefused(_("Too many files of this page have this name; rename the file and try again."))
