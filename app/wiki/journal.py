"""The wiki's journal: the global change sequence, the events on pages, and recent changes."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Counter, Page, PageEvent, Revision, utcnow
from app.wiki import fast_reads
from app.wiki.permissions import readable_pages_filter


def bump_change_seq(page: Page) -> None:
    """Give the page the next number of the global change sequence (search catches up on it).

    An UPDATE ... RETURNING inside the writing transaction: the row lock makes sequence order
    equal commit order, which the search watermark relies on."""
    value = db.session.execute(
        sa.update(Counter).where(Counter.name == "change_seq").values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar()
    if value is None:
        db.session.add(Counter(name="change_seq", value=1))
        db.session.flush()
        value = 1
    page.change_seq = value


def record_event(page: Page, actor, action: str, *, detail: str = "", comment: str = "") -> None:
    """Keep who did what to a page, shown in its history (no commit)."""
    actor_id = actor.id if getattr(actor, "is_authenticated", False) else None
    db.session.add(PageEvent(page_id=page.id, actor_id=actor_id, action=action, detail=detail[:200],
                             comment=(comment or "")[:500], created_at=utcnow()))


def page_events(page: Page) -> list[PageEvent]:
    return list(db.session.scalars(sa.select(PageEvent).where(PageEvent.page_id == page.id)
                                   .order_by(PageEvent.created_at.desc(), PageEvent.id.desc())
                                   .options(sa.orm.selectinload(PageEvent.actor))))


def recent_revisions(*, member: bool, limit: int = 100) -> list[Revision]:
    """The latest revisions across the wiki that this reader may see: members see pending ones too."""
    query = (sa.select(Revision).join(Page, Page.id == Revision.page_id).where(readable_pages_filter(member=member))
             .order_by(Revision.created_at.desc(), Revision.id.desc()).limit(limit)
             .options(sa.orm.contains_eager(Revision.page), sa.orm.selectinload(Revision.author)))
    if not member:
        query = query.where(Revision.status == "approved")
    return list(db.session.scalars(query))


def wiki_state() -> tuple[int, int]:
    """What every wiki-wide view (the portal) depends on, in one light query: the change sequence
    (every publish, rename, delete, visibility or tag change moves it) and the latest revision
    (every save, pending ones too, moves it). The prebuilt statement of fast_reads, run on the
    session's connection: built and run through the ORM each time, it cost 0.4 ms for a 16 µs query."""
    return fast_reads.wiki_state(db.session.connection())
