"""Who may do what. The single answer to every authorisation question, checked on the server."""

from flask import current_app

from app.wiki.errors import PermissionDenied

ROLE_RANK = {"visitor": 0, "volunteer": 1, "facilitator": 2, "admin": 3}

# action -> minimal role; "edit" and "view" have extra rules below.
MIN_ROLE = {
    "view": "visitor",
    "edit": "volunteer",
    "create": "volunteer",
    "history": "visitor",
    "rename": "volunteer",
    "restore": "volunteer",
    "delete": "facilitator",
    "undelete": "facilitator",
    "view_pending": "volunteer",
    "view_deleted": "facilitator",
    "review": "facilitator",
    "protect": "facilitator",
    "invite": "facilitator",
    "trust": "facilitator",
    "change_visibility": "facilitator",
    "manage_users": "admin",
}


def role_of(user) -> str:
    """The role of a user, or 'visitor' for anonymous or deactivated ones."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return "visitor"
    return user.role


def is_member(user) -> bool:
    return role_of(user) != "visitor"


def can(user, action: str, page=None) -> bool:
    """True if `user` (None or anonymous means a visitor) may do `action` on `page`."""
    role = role_of(user)
    rank = ROLE_RANK[role]
    if page is not None:
        if page.visibility == "members" and rank < ROLE_RANK["volunteer"]:
            return False
        if page.deleted and action not in ("undelete", "view_deleted") and rank < ROLE_RANK["facilitator"]:
            return False
        if page.protected and action in ("edit", "rename", "restore") and rank < ROLE_RANK["facilitator"]:
            return False
    if action in ("edit", "create", "restore") and role == "visitor":
        return bool(current_app.config["WIKI_ANONYMOUS_EDITS"])
    return rank >= ROLE_RANK[MIN_ROLE[action]]


def require(user, action: str, page=None) -> None:
    """Raise PermissionDenied unless can(user, action, page)."""
    if not can(user, action, page):
        raise PermissionDenied()
