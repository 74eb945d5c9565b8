"""Tags: normalised keys with their display form, page tag sets, the tag index, rename and merge."""

from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _

from app.caching import app_cache
from app.database import begin_write
from app.extensions import db
from app.models import Page, Tag, page_tags
from app.wiki import following, journal
from app.wiki.errors import InvalidInput
from app.wiki.permissions import readable_pages_filter
from app.wiki.revisions import commit_changes
from app.wiki.slugs import slugify

MAX_TAG_LENGTH = 60
MAX_TAGS_PER_PAGE = 20


def tag_key(name: str) -> str:
    """`Coopération`, `cooperation `, `COOPÉRATION` -> `cooperation`."""
    return slugify(name)[:MAX_TAG_LENGTH]


def parse_tags(text: str) -> list[str]:
    """Display names from a comma-separated field: trimmed, deduplicated by key, sorted by key."""
    names: dict[str, str] = {}
    for raw in (text or "").replace(";", ",").split(","):
        name = " ".join(raw.split())[:MAX_TAG_LENGTH]
        key = tag_key(name)
        if key and key not in names:
            names[key] = name
    if len(names) > MAX_TAGS_PER_PAGE:
        raise InvalidInput(_("At most %(n)d tags per page.", n=MAX_TAGS_PER_PAGE))
    return [names[key] for key in sorted(names)]


def normalise_tag_field(text: str) -> str:
    """The canonical snapshot stored on a revision, using existing tags' display forms."""
    names = parse_tags(text)
    if not names:
        return ""
    known = {t.slug: t.name for t in db.session.scalars(sa.select(Tag).where(Tag.slug.in_([tag_key(n) for n in names])))}
    return ", ".join(known.get(tag_key(name), name) for name in names)


def tags_for(text: str) -> list[Tag]:
    """Tag rows for a snapshot, creating the new ones."""
    names = parse_tags(text)
    if not names:
        return []
    keys = [tag_key(n) for n in names]
    existing = {t.slug: t for t in db.session.scalars(sa.select(Tag).where(Tag.slug.in_(keys)))}
    for name, key in zip(names, keys):
        if key not in existing:
            existing[key] = Tag(name=name, slug=key)
            db.session.add(existing[key])
    return [existing[key] for key in keys]


class TagLabel(NamedTuple):
    """What a list of tags shows of one: kept across requests, unlike a Tag row (bound to its session)."""
    name: str
    slug: str


def tag_counts(*, member: bool, wiki_state: tuple | None = None) -> list[tuple[TagLabel, int]]:
    """Every tag on a page this reader may see, with how many such pages carry it, by key.

    A page's tags are its published state (moderation.publish sets them), so pending text adds none.
    Kept per process and wiki state, as kept_readable_tag_names: the count reads every tagged page
    (47 ms on PostgreSQL at 100,000 pages), and the portal, rendered again every minute for its next
    sessions, asked for it each time. `wiki_state`: journal.wiki_state(), when the caller has it."""
    return app_cache("tag counts", 4).get_or_compute((member, wiki_state or journal.wiki_state()),
                                                     lambda: count_tags(member=member))


def count_tags(*, member: bool) -> list[tuple[TagLabel, int]]:
    count = sa.func.count(page_tags.c.page_id)
    query = (sa.select(Tag.name, Tag.slug, count).join(page_tags, page_tags.c.tag_id == Tag.id)
             .join(Page, Page.id == page_tags.c.page_id).where(readable_pages_filter(member=member))
             .group_by(Tag.id, Tag.name, Tag.slug).order_by(Tag.slug))
    return [(TagLabel(name, slug), n) for name, slug, n in db.session.execute(query)]


def find_tag(key: str) -> Tag | None:
    return db.session.scalar(sa.select(Tag).where(Tag.slug == tag_key(key)))


def pages_with_tag(tag: Tag, *, member: bool) -> list[Page]:
    """Pages this reader may see carrying the tag, by title."""
    query = (sa.select(Page).join(page_tags, page_tags.c.page_id == Page.id)
             .where(page_tags.c.tag_id == tag.id, readable_pages_filter(member=member)).order_by(Page.title))
    return list(db.session.scalars(query))


def readable_tag_names(keys: set[str], *, member: bool, wiki_state: tuple | None = None) -> dict[str, str]:
    """Display names by key of the tags this reader may see (on a page they may read); an unreadable
    tag gets no name, like an unknown one, so its key shows as typed and tells nothing more.
    `wiki_state`: journal.wiki_state(), when the caller has it already."""
    keys = {k for k in keys if k}
    if not keys:
        return {}
    names = kept_readable_tag_names(member=member, wiki_state=wiki_state)
    return {key: names[key] for key in keys if key in names}


def kept_readable_tag_names(*, member: bool, wiki_state: tuple | None = None) -> dict[str, str]:
    """all_readable_tag_names, kept per process and wiki state."""
    return app_cache("readable tag names", 4).get_or_compute((member, wiki_state or journal.wiki_state()),
                                                             lambda: all_readable_tag_names(member=member))


def all_readable_tag_names(*, member: bool) -> dict[str, str]:
    """Every tag on a page this reader may see, by key. Kept per process and wiki state (which moves
    with every save, publish, rename, visibility or tag change): a results page names about twenty
    tags, and asking the database for them each time cost 2.5 ms of it at 10,000 pages."""
    # EXISTS: the database stops at each tag's first readable page.
    readable = (sa.select(page_tags.c.page_id).join(Page, Page.id == page_tags.c.page_id)
                .where(page_tags.c.tag_id == Tag.id, readable_pages_filter(member=member)).exists())
    return dict(db.session.execute(sa.select(Tag.slug, Tag.name).where(readable)).all())


def all_tag_names(*, member: bool) -> list[str]:
    """For autocompletion: the tags on pages this reader may see, by key, kept per process and wiki
    state (counting every page's tags cost each editor 13-19 ms at 10,000 pages)."""
    names = kept_readable_tag_names(member=member)
    return [names[key] for key in sorted(names)]


def rename_tag(tag: Tag, new_name: str, *, by) -> Tag:
    """Rename a tag; if the new name is another tag's, merge this one into it."""
    begin_write()
    name = " ".join((new_name or "").split())[:MAX_TAG_LENGTH]
    key = tag_key(name)
    if not key:
        raise InvalidInput(_("A tag needs at least one letter or digit."))
    tag = db.session.get(Tag, tag.id)
    target = db.session.scalar(sa.select(Tag).where(Tag.slug == key))
    pages = list(db.session.scalars(sa.select(Page).join(page_tags, page_tags.c.page_id == Page.id)
                                    .where(page_tags.c.tag_id == tag.id)))
    old_name = tag.name
    if target is None or target.id == tag.id:
        tag.name, tag.slug = name, key
        target = tag
    else:
        for page in pages:
            if target not in page.tags:
                page.tags.append(target)
            page.tags.remove(tag)
        following.move_tag_follows(tag, target)
        db.session.delete(tag)
    for page in pages:
        journal.bump_change_seq(page)
        journal.record_event(page, by, "tag", detail=f"{old_name} → {target.name}")
    commit_changes()
    return target
