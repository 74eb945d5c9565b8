"""Who may edit and who may read a page: protection and visibility, set by facilitators."""

from flask_babel import gettext as _

from app.database import begin_write
from app.models import Page
from app.models.page import VISIBILITIES
from app.wiki import journal
from app.wiki.errors import InvalidInput
from app.wiki.revisions import commit_changes


def set_protection(page: Page, protected: bool, *, by) -> None:
    """Protected pages take edits from facilitators only."""
    begin_write(page)
    if page.protected == protected:
        return
    page.protected = protected
    journal.record_event(page, by, "protect" if protected else "unprotect")
    commit_changes()


def set_visibility(page: Page, visibility: str, *, by) -> None:
    """Public pages are for everyone; members-only pages for signed-in members."""
    if visibility not in VISIBILITIES:
        raise InvalidInput(_("Unknown visibility."))
    begin_write(page)
    if page.visibility == visibility:
        return
    page.visibility = visibility
    journal.bump_change_seq(page)
    journal.record_event(page, by, "visibility", detail=visibility)
    commit_changes()
