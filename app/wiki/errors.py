"""Domain errors. The web layer turns them into 4xx answers with a translated message."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


class WikiError(Exception):
    """A user-facing problem with a request; `message` is translated lazily."""

    status_code = 400

    def __init__(self, message=None):
        super().__init__(str(message or self.default_message))
        self.message = message or self.default_message

    default_message = _l("This request cannot be carried out.")


class InvalidInput(WikiError):
    default_message = _l("Some fields are not valid.")


class InvalidSlug(WikiError):
    default_message = _l("This page name is not valid.")


class PageExists(WikiError):
    status_code = 409
    default_message = _l("A page with this name already exists.")


class PermissionDenied(WikiError):
    status_code = 403
    default_message = _l("You are not allowed to do this.")


class NothingChanged(WikiError):
    default_message = _l("Nothing was changed.")


class EditConflict(WikiError):
    """Someone saved the page since the user started; their text must go back to them intact."""

    status_code = 409
    default_message = _l("Someone else changed this page while you were editing it.")

    def __init__(self, *, head, base_body: str, submitted_body: str):
        super().__init__()
        self.head = head
        self.base_body = base_body
        self.submitted_body = submitted_body


class ReviewOutdated(WikiError):
    """The page changed after the reviewer opened it: a verdict must act on the text they saw."""

    status_code = 409
    default_message = _l("This page was changed after you opened it. Review the new changes before deciding.")


class TooManyAttempts(WikiError):
    status_code = 429

    def __init__(self, minutes: int):
        super().__init__(_("Too many failed attempts. For your safety, wait %(n)d minutes and try again.",
                           n=minutes))
        self.retry_after = minutes * 60


class BadCredentials(WikiError):
    status_code = 401
    default_message = _l("Unknown name or wrong password.")


class QueryError(WikiError):
    """A search query we will not run; the message says what to change."""

    default_message = _l("This search cannot be run. Try simpler words.")


class SearchUnavailable(WikiError):
    status_code = 503
    default_message = _l("Search is unavailable for a moment. Please try again shortly.")


class SetupClosed(WikiError):
    """/setup once an admin exists: there is nothing to set up (answered as a plain 404)."""

    status_code = 404
    default_message = _l("This page does not exist.")


class WrongSetupCode(WikiError):
    status_code = 403
    default_message = _l("This one-time code is not the right one. Copy it from the server's console.")


class BackupError(WikiError):
    """A backup that cannot be written or an archive that cannot be restored (said in one line)."""


class InvalidEvent(InvalidInput):
    """A session field that cannot be used; `field` names it, so the editor shows the message beside it."""

    def __init__(self, field: str, message):
        super().__init__(message)
        self.field = field


class FileRefused(WikiError):
    """An upload the wiki will not keep: its type, its content or its picture size."""

    status_code = 422
    default_message = _l("This file cannot be added.")

    def __init__(self, message=None, status_code: int = 422):
        super().__init__(message)
        self.status_code = status_code


class FileTooLarge(WikiError):
    status_code = 413
    default_message = _l("This file is too large.")
