"""A newcomer's guided first edit (issue 14): after joining through an invitation, one small thing to
do ("present your association in three lines" on the page made for it), with the three steps
(Edit, write, Save). "Done" is derived from the database: the person has written a revision. "Skipped"
is the person's choice, kept by the web layer (a cookie) and passed in."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Revision
from app.wiki import moderation, pages, permissions
from app.wiki.withdrawal import reviewer_names

# The page every association adds its three lines to; the editor creates it if it does not exist yet.
PRESENTATION_SLUG = "les-associations-du-collectif"


@dataclass(frozen=True)
class Welcome:
    """What the welcome page suggests to one person."""

    slug: str | None  # the presentation page to edit, None when it may not be edited
    title: str
    page_exists: bool
    reviewed: bool  # their edits wait for a facilitator's review
    reviewers: list[str]


def presentation_title() -> str:
    return _("The associations of the collective")


def has_contributed(user) -> bool:
    """True once the person has written any revision (pending, published or rejected)."""
    if not permissions.is_member(user):
        return False
    return db.session.scalar(sa.select(Revision.id).where(Revision.author_id == user.id).limit(1)) is not None


def welcome_for(user, *, skipped: bool) -> Welcome | None:
    """The guided first edit for a member who has not contributed yet and did not skip it; else None."""
    if not permissions.can(user, "create") or not permissions.is_member(user) or skipped or has_contributed(user):
        return None
    page, _redirected = pages.find_page(PRESENTATION_SLUG)
    exists = page is not None and not page.deleted and permissions.can(user, "view", page)
    if page is not None and not (exists and permissions.can(user, "edit", page)):
        slug = None  # protected or deleted: only "complete a sheet" is suggested
    else:
        slug = page.slug if exists else PRESENTATION_SLUG
    title = page.head.title if exists else presentation_title()
    reviewed = not moderation.is_auto_approved(user)
    return Welcome(slug=slug, title=title, page_exists=exists, reviewed=reviewed,
                   reviewers=reviewer_names() if reviewed else [])
