"""Following pages and tags: follow, unfollow, what a member follows, who follows a page, and
authors who follow what they write (unless they turned it off)."""

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.database import begin_write
from app.extensions import db
from app.models import Follow, NotificationSettings, Page, Tag, User, page_tags
from app.wiki.errors import PermissionDenied
from app.wiki.permissions import can, is_member, readable_pages_filter


def settings_of(user: User) -> NotificationSettings:
    """The member's settings, or the defaults (not added to the session) if they never chose."""
    found = db.session.get(NotificationSettings, user.id)
    if found is not None:
        return found
    return NotificationSettings(user_id=user.id, period="daily", follow_own_edits=True, mail_enabled=True,
                                review_digest="")


def stored_settings(user: User) -> NotificationSettings:
    """The member's settings row, created with the defaults if needed (no commit)."""
    found = db.session.get(NotificationSettings, user.id)
    if found is None:
        found = settings_of(user)
        db.session.add(found)
    return found


def target_filter(*, page: Page | None = None, tag: Tag | None = None):
    if (page is None) == (tag is None):
        raise ValueError("follow exactly one page or one tag")
    return Follow.page_id == page.id if page is not None else Follow.tag_id == tag.id


def is_following(user, *, page: Page | None = None, tag: Tag | None = None) -> bool:
    if not is_member(user):
        return False
    return db.session.scalar(sa.select(Follow.id).where(Follow.user_id == user.id, target_filter(page=page, tag=tag))) is not None


def check_may_follow(user, page: Page | None) -> None:
    """Members follow what they may read (a tag page answers 404 before this when it shows them nothing)."""
    if not is_member(user) or (page is not None and not can(user, "view", page)):
        raise PermissionDenied()


def follow(user: User, *, page: Page | None = None, tag: Tag | None = None) -> None:
    """Follow a page or a tag (following twice is following once)."""
    check_may_follow(user, page)
    begin_write()
    if not db.session.scalar(sa.select(Follow.id).where(Follow.user_id == user.id, target_filter(page=page, tag=tag))):
        db.session.add(Follow(user_id=user.id, page_id=page.id if page else None, tag_id=tag.id if tag else None))
    try:
        db.session.commit()
    except IntegrityError:  # the same member's other request followed it a moment ago
        db.session.rollback()


def unfollow(user: User, *, page: Page | None = None, tag: Tag | None = None) -> None:
    """Stop following a page or a tag (nothing happens if the member did not follow it)."""
    check_may_follow(user, page)
    begin_write()
    db.session.execute(sa.delete(Follow).where(Follow.user_id == user.id, target_filter(page=page, tag=tag)))
    db.session.commit()


def follow_as_author(page: Page, author) -> None:
    """An author follows the page they create or edit, unless they turned it off (no commit)."""
    if not is_member(author):
        return
    # One query for both (each of a save's queries is a round trip and an autoflush): the choice, whose
    # default (no settings row) is to follow, and whether they follow the page already.
    wants, follows = db.session.execute(sa.select(
        sa.select(NotificationSettings.follow_own_edits).where(NotificationSettings.user_id == author.id)
        .scalar_subquery(),
        sa.select(Follow.id).where(Follow.user_id == author.id, Follow.page_id == page.id).limit(1)
        .scalar_subquery())).one()
    if (wants is None or wants) and follows is None:
        db.session.add(Follow(user_id=author.id, page_id=page.id))


def followed_pages(user: User) -> list[Page]:
    """The pages a member follows that they may still read, by title."""
    return list(db.session.scalars(
        sa.select(Page).join(Follow, Follow.page_id == Page.id)
        .where(Follow.user_id == user.id, readable_pages_filter(member=is_member(user))).order_by(Page.title)))


def followed_tags(user: User) -> list[Tag]:
    """The tags a member follows, by name."""
    return list(db.session.scalars(
        sa.select(Tag).join(Follow, Follow.tag_id == Tag.id).where(Follow.user_id == user.id).order_by(Tag.name)))


def followers_of(page: Page, *, tags: list[Tag] | None = None, excluding=None) -> set[int]:
    """Ids of the members who follow the page or one of its (published) tags.

    `tags`: the page's tags as just set and not flushed yet (moderation.publish), else the stored ones;
    a tag not stored yet has no followers. `excluding`: a select of user ids left out (the authors)."""
    tag_ids = (sa.select(page_tags.c.tag_id).where(page_tags.c.page_id == page.id) if tags is None
               else [tag.id for tag in tags if tag.id is not None])
    query = sa.select(Follow.user_id).where(sa.or_(Follow.page_id == page.id, Follow.tag_id.in_(tag_ids)))
    if excluding is not None:
        query = query.where(Follow.user_id.not_in(excluding))
    return set(db.session.scalars(query))


def move_tag_follows(old: Tag, target: Tag) -> None:
    """A tag merged into another: its followers follow the one it became (no commit)."""
    already = sa.select(Follow.user_id).where(Follow.tag_id == target.id)
    db.session.execute(sa.update(Follow).where(Follow.tag_id == old.id, Follow.user_id.not_in(already))
                       .values(tag_id=target.id).execution_options(synchronize_session=False))
    db.session.execute(sa.delete(Follow).where(Follow.tag_id == old.id).execution_options(synchronize_session=False))
