"""Reading files: the one a reader asked for (through the visibility rule), a page's list with where
each is used, and the files an export carries."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _

from app.extensions import db
from app.models import Attachment, Page, Revision
from app.wiki.attachments import names
from app.wiki.permissions import readable_attachments_filter


def readable_attachment(page: Page, name: str, *, member: bool) -> Attachment | None:
    """The page's file of that name if this reader may fetch it (permissions.readable_attachments_filter)."""
    if not names.is_safe(name):
        return None
    return db.session.scalar(sa.select(Attachment).join(Page, Page.id == Attachment.page_id).where(
        Attachment.page_id == page.id, Attachment.name == name, readable_attachments_filter(member=member)))


@dataclass(frozen=True)
class ListedFile:
    attachment: Attachment
    revisions: list[int]  # numbers of the page's revisions that use it, newest first
    in_head: bool
    in_published: bool

    @property
    def size_text(self) -> str:
        return size_text(self.attachment.size)


def size_text(size: int) -> str:
    """`820 KB`, `3.4 MB` (`820 ko`, `3,4 Mo` in French)."""
    if size < 1024 * 1024:
        return _("%(size)s KB", size=format_decimal(max(round(size / 1024), 1)))
    return _("%(size)s MB", size=format_decimal(round(size / 1024 / 1024, 1)))


def page_files(page: Page, *, member: bool) -> list[ListedFile]:
    """The page's files this reader may fetch, newest first, with the revisions that use each.

    Visitors are told only about the published revisions' use of a file."""
    attachments = list(db.session.scalars(
        sa.select(Attachment).join(Page, Page.id == Attachment.page_id)
        .where(Attachment.page_id == page.id, readable_attachments_filter(member=member))
        .options(sa.orm.selectinload(Attachment.uploader))
        .order_by(Attachment.created_at.desc(), Attachment.id.desc())))
    if not attachments:
        return []
    query = sa.select(Revision.id, Revision.number, Revision.body).where(
        Revision.page_id == page.id, Revision.body.contains("attachments/"))
    if not member:
        query = query.where(Revision.status == "approved")
    uses: dict[str, list[int]] = {}
    in_revision: dict[int, set[str]] = {}
    for revision_id, number, body in db.session.execute(query.order_by(Revision.number.desc())):
        found = names.referenced_names(body)
        in_revision[revision_id] = found
        for name in found:
            uses.setdefault(name, []).append(number)
    head = in_revision.get(page.head_id, set())
    published = in_revision.get(page.published_id, set())
    return [ListedFile(attachment=a, revisions=uses.get(a.name, []), in_head=a.name in head,
                       in_published=a.name in published) for a in attachments]


def exported_files(page: Page, revision: Revision) -> list[Attachment]:
    """The files of a page leaving in an export: those a visitor may fetch (the one visibility rule)
    that the exported revision uses, by name."""
    used = names.referenced_names(revision.body)
    if not used:
        return []
    return list(db.session.scalars(sa.select(Attachment).join(Page, Page.id == Attachment.page_id).where(
        Attachment.page_id == page.id, Attachment.name.in_(used), readable_attachments_filter(member=False))
        .order_by(Attachment.name)))
