"""Page templates: ordinary pages tagged TEMPLATE_TAG (facilitators edit them in the wiki, with history).

A new page opened from one starts with its text and tags (without TEMPLATE_TAG); a template also
tagged SESSION_TAG opens the editor's session block with a suggested date to change."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.models import Page, Revision
from app.wiki import sessions, tagging
from app.wiki.sessions import Event

TEMPLATE_TAG = "modèle"
SESSION_TAG = "séance"
SUGGESTED_HOUR, SUGGESTED_LENGTH = 18, timedelta(hours=2)


@dataclass(frozen=True)
class Draft:
    body: str
    tags: str
    event: Event


def template_pages(*, member: bool) -> list[Page]:
    """The templates this reader may see, by title."""
    tag = tagging.find_tag(TEMPLATE_TAG)
    return tagging.pages_with_tag(tag, member=member) if tag is not None else []


def is_template(revision: Revision) -> bool:
    return tagging.tag_key(TEMPLATE_TAG) in {tagging.tag_key(name) for name in tagging.parse_tags(revision.tags)}


def draft_from(revision: Revision, now: datetime | None = None) -> Draft:
    """What the editor of a new page starts with when opened from this template revision."""
    names = [name for name in tagging.parse_tags(revision.tags) if tagging.tag_key(name) != tagging.tag_key(TEMPLATE_TAG)]
    event = Event.of(revision)
    if not event.is_session and tagging.tag_key(SESSION_TAG) in {tagging.tag_key(name) for name in names}:
        now = now or datetime.now(sessions.site_zone())
        start = (now + timedelta(days=1)).replace(hour=SUGGESTED_HOUR, minute=0, second=0, microsecond=0, tzinfo=None)
        event = Event(start.strftime(sessions.MINUTE_FORMAT), (start + SUGGESTED_LENGTH).strftime(sessions.MINUTE_FORMAT))
    return Draft(body=revision.body, tags=", ".join(names), event=event)
