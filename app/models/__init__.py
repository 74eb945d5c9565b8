"""Tables. Import every model here so Alembic and create_all see them all."""

from app.models.account import Invitation, LoginFailure
from app.models.agenda import CalendarToken
from app.models.api_token import ApiToken
from app.models.following import Follow, Notification, NotificationSettings, OutgoingMail
from app.models.attachment import Attachment
from app.models.journal import PageEvent
from app.models.presence import EditorPresence
from app.models.page import Counter, Link, Page, Redirect, Revision, utcnow
from app.models.taxonomy import Licence, Tag, page_tags
from app.models.user import User

__all__ = ["ApiToken", "EditorPresence", "Follow", "Notification", "NotificationSettings", "OutgoingMail", "Attachment", "CalendarToken", "Invitation", "LoginFailure", "PageEvent", "Counter", "Licence", "Tag", "page_tags", "Link", "Page", "Redirect", "Revision", "User", "utcnow"]
