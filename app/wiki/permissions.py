"""Who may do what, and which pages a reader may see. The single answer to every authorisation
question, checked on the server: role names are compared here and nowhere else."""

import sqlalchemy as sa
from flask import current_app

from app.models import Attachment, Page
from app.wiki.errors import PermissionDenied

VISITOR, VOLUNTEER, FACILITATOR, ADMIN = "visitor", "volunteer", "facilitator", "admin"
ROLE_RANK = {VISITOR: 0, VOLUNTEER: 1, FACILITATOR: 2, ADMIN: 3}

# action -> minimal role; "edit" and "view" have extra rules below.
MIN_ROLE = {
    "view": VISITOR,
    "edit": VOLUNTEER,
    "create": VOLUNTEER,
    "history": VISITOR,
    "rename": VOLUNTEER,
    "restore": VOLUNTEER,
    "delete": FACILITATOR,
    "undelete": FACILITATOR,
    "view_pending": VOLUNTEER,
    "upload": VOLUNTEER,  # add files to a page (never anonymous, even on an open wiki)
    "view_deleted": FACILITATOR,
    "review": FACILITATOR,
    "protect": FACILITATOR,
    "invite": FACILITATOR,
    "trust": FACILITATOR,
    "change_visibility": FACILITATOR,
    "change_internal_licence": FACILITATOR,
    "invite_facilitators": ADMIN,
    "manage_users": ADMIN,
}


def role_of(user) -> str:
    """The role of a user, or 'visitor' for anonymous or deactivated ones."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return VISITOR
    return user.role


def rank_of(user) -> int:
    return ROLE_RANK[role_of(user)]


def is_member(user) -> bool:
    """Signed in with an active account."""
    return rank_of(user) >= ROLE_RANK[VOLUNTEER]


def is_facilitator(user) -> bool:
    """Facilitators and admins: their edits are published at once."""
    return rank_of(user) >= ROLE_RANK[FACILITATOR]


def can(user, action: str, page=None) -> bool:
    """True if `user` (None or anonymous means a visitor) may do `action` on `page`."""
    rank = rank_of(user)
    if page is not None:
        if page.visibility == "members" and rank < ROLE_RANK[VOLUNTEER]:
            return False
        if page.published_id is None and rank < ROLE_RANK[VOLUNTEER]:
            return False  # never published: only members know it exists (as readable_pages_filter says)
        if page.deleted and action not in ("undelete", "view_deleted") and rank < ROLE_RANK[FACILITATOR]:
            return False
        if page.protected and action in ("edit", "rename", "restore", "upload") and rank < ROLE_RANK[FACILITATOR]:
            return False
    if action in ("edit", "create", "restore") and rank == ROLE_RANK[VISITOR]:
        return bool(current_app.config["WIKI_ANONYMOUS_EDITS"])
    return rank >= ROLE_RANK[MIN_ROLE[action]]


def require(user, action: str, page=None) -> None:
    """Raise PermissionDenied unless can(user, action, page)."""
    if not can(user, action, page):
        raise PermissionDenied()


def may_be_trusted(user) -> bool:
    """Trust matters for volunteers only: facilitators' and admins' edits are published anyway."""
    return user.role == VOLUNTEER


def invitable_roles(user) -> tuple[str, ...]:
    """The roles this user may hand out in an invitation."""
    if can(user, "invite_facilitators"):
        return (VOLUNTEER, FACILITATOR)
    return (VOLUNTEER,) if can(user, "invite") else ()


def readable_pages_filter(*, member: bool):
    """THE visibility rule for listings, feeds, search and exports, as one SQL condition on Page:
    members see every live page (pending new ones too); everyone else live, public, published ones."""
    if member:
        return Page.deleted.is_(False)
    return sa.and_(Page.deleted.is_(False), Page.visibility == "public", Page.published_id.is_not(None))


def readable_attachments_filter(*, member: bool):
    """Which files a reader may fetch: those of the pages readable_pages_filter gives them; a visitor
    only the approved ones (an untrusted volunteer's file waits for a facilitator's approval)."""
    if member:
        return readable_pages_filter(member=True)
    return sa.and_(readable_pages_filter(member=False), Attachment.approved.is_(True))
