"""Who has the editor open on a page, and what was saved under an open editor (issue 13).

Each open editor sends a heartbeat (app/pages/presence.py) every HEARTBEAT_SECONDS; a row not seen
for EXPIRY_SECONDS counts for nothing and the next heartbeat purges it. Saving or cancelling ends
it at once (`leave`). Rows live in the database, so every worker and every machine agrees.
The callers check that the reader may read the page before asking who edits it."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from flask_babel import gettext as _

from app.database import begin_write
from app.extensions import db
from app.models import EditorPresence, Page, Revision, utcnow
from app.wiki.editing import normalise_body
from app.wiki.errors import InvalidInput
from app.wiki.merging import merge_texts
from app.wiki.pages import get_revision
from app.wiki.sessions import Event
from app.wiki.tagging import normalise_tag_field

HEARTBEAT_SECONDS = 20  # an open editor's heartbeat
VIEWER_POLL_SECONDS = 25  # a reader's look at who is editing
EXPIRY_SECONDS = 90  # an editor silent for this long is gone (closed tab, lost connection)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Editor:
    """One person with the editor open (a visitor's name is None)."""

    name: str | None
    user_id: int | None
    started_at: datetime

    def minutes(self, now: datetime) -> int:
        return max(0, int((now - self.started_at).total_seconds() // 60))


@dataclass(frozen=True)
class StaleEdit:
    """What was saved since the revision an editor started from."""

    base: Revision
    head: Revision
    authors: list[str]  # who saved since, in order (visitors' label included)


@dataclass(frozen=True)
class DraftMerge:
    """An unsaved text caught up with what was saved since it started (nothing is written)."""

    clean: bool
    head: Revision
    base: Revision
    body: str  # merged when clean, the editor's own text otherwise
    title: str
    tags: str
    licence: str | None
    event: Event


def valid_key(key: str | None) -> str | None:
    return key if key and KEY_PATTERN.match(key) else None


def cutoff(now: datetime) -> datetime:
    return now - timedelta(seconds=EXPIRY_SECONDS)


def heartbeat(page: Page, *, user, key: str | None, base_revision: int | None) -> str:
    """Record that this editor is open now, purging expired ones; returns its key (a new one when
    none was given, or when the key is not this person's)."""
    try:
        return record_heartbeat(page, user=user, key=key, base_revision=base_revision)
    except IntegrityError:  # the same editor's two requests raced to create its row (PostgreSQL): it exists now
        db.session.rollback()
        return record_heartbeat(page, user=user, key=key, base_revision=base_revision)


def record_heartbeat(page: Page, *, user, key: str | None, base_revision: int | None) -> str:
    now = utcnow()
    user_id = user.id if user is not None else None
    begin_write()
    db.session.execute(sa.delete(EditorPresence).where(EditorPresence.seen_at < cutoff(now)))
    key = valid_key(key)
    row = db.session.scalar(sa.select(EditorPresence).where(EditorPresence.page_id == page.id,
                                                            EditorPresence.editor_key == key)) if key else None
    if row is not None and row.user_id != user_id:
        row, key = None, None  # someone else's key: this editor gets its own
    if row is None:
        key = key or secrets.token_urlsafe(24)
        row = EditorPresence(page_id=page.id, user_id=user_id, editor_key=key, started_at=now)
        db.session.add(row)
    row.seen_at, row.base_revision = now, base_revision
    db.session.commit()
    return key


def leave(page: Page, *, user, key: str | None) -> None:
    """This editor is closed (saved or cancelled): others stop seeing it at once."""
    key = valid_key(key)
    if key is None:
        return
    user_id = user.id if user is not None else None
    owner = EditorPresence.user_id.is_(None) if user_id is None else EditorPresence.user_id == user_id
    begin_write()
    db.session.execute(sa.delete(EditorPresence).where(EditorPresence.page_id == page.id,
                                                       EditorPresence.editor_key == key, owner))
    db.session.commit()


def editors_of(page: Page, *, now: datetime | None = None, except_user=None, except_key: str | None = None) -> list[Editor]:
    """Who has the editor open on this page now, longest first: one entry per member (their
    earliest open editor), one per visitor's editor. The caller checked the reader may read the page."""
    now = now or utcnow()
    query = (sa.select(EditorPresence).where(EditorPresence.page_id == page.id, EditorPresence.seen_at >= cutoff(now))
             .options(sa.orm.selectinload(EditorPresence.user)).order_by(EditorPresence.started_at, EditorPresence.id))
    editors: dict[object, Editor] = {}
    for row in db.session.scalars(query):
        if row.editor_key == except_key or (except_user is not None and row.user_id == except_user.id):
            continue
        if row.user is not None and not row.user.active:
            continue
        who = row.user_id if row.user_id is not None else f"visitor:{row.id}"
        editors.setdefault(who, Editor(name=row.user.name if row.user else None, user_id=row.user_id,
                                       started_at=row.started_at))
    return list(editors.values())


def changed_since(page: Page, base_revision: int | None) -> StaleEdit | None:
    """What was saved on the page since `base_revision`, or None when the editor is up to date."""
    head = page.head
    if base_revision is None or head is None or base_revision >= head.number:
        return None
    base = get_revision(page, base_revision)
    if base is None:
        return None
    since = db.session.scalars(sa.select(Revision).where(Revision.page_id == page.id, Revision.number > base.number)
                               .options(sa.orm.selectinload(Revision.author)).order_by(Revision.number))
    authors: list[str] = []
    for revision in since:
        name = revision.author.name if revision.author else (revision.author_label or _("Anonymous"))
        if name not in authors:
            authors.append(name)
    return StaleEdit(base=base, head=head, authors=authors)


def report_state(editors: list[Editor], stale: StaleEdit | None, now: datetime) -> str:
    """A short fingerprint of what a presence answer shows: the same one means nothing to redraw."""
    parts = [f"{e.user_id}:{e.name}:{e.minutes(now)}" for e in editors]
    parts.append(f"stale:{stale.base.number}:{stale.head.number}" if stale else "fresh")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def merge_draft(page: Page, *, base_revision: int, title: str, body: str, tags: str, licence: str | None,
                event: Event) -> DraftMerge:
    """Bring what was saved since `base_revision` into an editor's unsaved text, three-way, as a
    save would (their title, tags, licence and session kept unless this editor changed them too).
    Nothing is written: the person checks the result, then saves."""
    head = page.head
    base = get_revision(page, base_revision)
    if base is None or head is None:
        raise InvalidInput(_("The revision this edit started from does not exist."))
    body, tags = normalise_body(body or ""), normalise_tag_field(tags or "")
    result = merge_texts(base.body, head.body, body)
    if not result.clean:
        return DraftMerge(clean=False, head=head, base=base, body=body, title=title, tags=tags, licence=licence,
                          event=event)
    return DraftMerge(clean=True, head=head, base=base, body=normalise_body(result.text),
                      title=head.title if title == base.title else title,
                      tags=head.tags if tags == base.tags else tags,
                      licence=head.licence_code if licence == base.licence_code else licence,
                      event=Event.of(head) if event == Event.of(base) else event)
