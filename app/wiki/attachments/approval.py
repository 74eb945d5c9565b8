"""When an untrusted volunteer's file becomes public: a published revision uses it.

Called by app.wiki.moderation.publish (so by a facilitator's approval, or an edit published at
once); it imports nothing above the models, so moderation may import it."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment, Page, Revision
from app.wiki.attachments.names import referenced_names


def approve_used(page: Page, revision: Revision) -> None:
    """Files of the page that the revision being published refers to become visible to visitors."""
    used = referenced_names(revision.body)
    if not used or page.id is None:
        return
    for attachment in db.session.scalars(sa.select(Attachment).where(
            Attachment.page_id == page.id, Attachment.approved.is_(False), Attachment.name.in_(used))):
        attachment.approved = True


def new_files(page: Page) -> list[Attachment]:
    """Files waiting for approval on this page, for the review queue (oldest first)."""
    return list(db.session.scalars(sa.select(Attachment).where(
        Attachment.page_id == page.id, Attachment.approved.is_(False)).order_by(Attachment.created_at, Attachment.id)))
