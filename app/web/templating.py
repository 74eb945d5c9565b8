"""What every template may call: permissions for the current user, the review count (counted once per
process and wiki state, as the page views' keys count it), role names."""

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.config import LANGUAGES
from app.pages.view_cache import review_count
from app.web.htmx import HTMX_CONFIG
from app.web.i18n import select_locale
from app.wiki import permissions
from app.wiki.tagging import tag_key

ROLE_LABELS = {
    permissions.VOLUNTEER: _l("Volunteer"),
    permissions.FACILITATOR: _l("Facilitator"),
    permissions.ADMIN: _l("Administrator"),
}


def init_app(app: Flask) -> None:
    # Globals, not a context processor, so imported macros see them too.
    app.jinja_env.globals.update(can=can_current_user, current_locale=select_locale, languages=LANGUAGES,
                                 pending_count=review_count, htmx_config=HTMX_CONFIG,
                                 role_label=role_label, may_be_trusted=permissions.may_be_trusted)
    app.jinja_env.filters["tag_key"] = tag_key


def can_current_user(action: str, page=None) -> bool:
    """permissions.can for the signed-in user (or the anonymous visitor)."""
    return permissions.can(current_user, action, page)


def role_label(role: str) -> str:
    """A role's name in the interface language."""
    return str(ROLE_LABELS.get(role, role))
