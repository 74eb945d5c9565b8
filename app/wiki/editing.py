"""Changing pages: create, edit (with three-way merge), restore, rename, delete, undelete.

Every save writes a new immutable Revision; nothing is overwritten or lost. Each function
validates, takes the write lock (app.database.begin_write), writes, and ends with
revisions.commit_changes() (commit, then the search post-commit step)."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.database import begin_write
from app.extensions import db
from app.models import Licence, Page, Redirect, Revision, utcnow
from app.wiki import journal, licensing, moderation, tagging
from app.wiki.errors import EditConflict, InvalidInput, InvalidSlug, NothingChanged, PageExists
from app.wiki.merging import merge_texts
from app.wiki.pages import find_page, get_revision, page_slugs, with_tags
from app.wiki.render_limits import too_complex
from app.wiki.rendering import render_markdown
from app.wiki.sessions import NO_EVENT, Event
from app.wiki.revisions import (add_revision, commit_changes, invalidate_linking_pages, move_slug, slug_taken,
                                update_links)
from app.wiki.slugs import is_valid_slug, slugify

MAX_TITLE_LENGTH = 200
MAX_SUMMARY_LENGTH = 300


@dataclass(frozen=True)
class SaveResult:
    revision: Revision
    merged: bool = False  # saved after a clean three-way merge with someone else's change
    # As committed, read before the commit (read after it, they reload the revision and the page):
    status: str = "approved"  # the revision's: approved, or pending review
    slug: str = ""  # the page's
    public_view: bool = False  # a visitor may read the page: public, published, not deleted


def normalise_body(body: str) -> str:
    """One line-ending convention and no trailing blank lines, so equal texts compare equal."""
    return body.replace("\r\n", "\n").replace("\r", "\n").rstrip()


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput(_("The title cannot be empty."))
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(_("The title is too long (at most %(n)d characters).", n=MAX_TITLE_LENGTH))
    if not slugify(title):
        raise InvalidInput(_("The title needs at least one letter or digit."))
    return title


def clean_body(body: str) -> str:
    """The body as stored; refused (the editor keeps it) when too long or too costly to render."""
    body = normalise_body(body or "")
    limit = current_app.config["WIKI_MAX_BODY_BYTES"]
    if len(body.encode("utf-8")) > limit:
        raise InvalidInput(_("The text is too long (at most %(n)d kB).", n=limit // 1000))
    if (reason := too_complex(body)) is not None:
        raise InvalidInput(reason)
    return body


def clean_summary(summary: str) -> str:
    return " ".join((summary or "").split())[:MAX_SUMMARY_LENGTH]


def create_page(*, title: str, body: str, summary: str = "", author=None, author_label: str = "",
                slug: str | None = None, licence: str | None = None, visibility: str = "public",
                tags: str = "", publish_now: bool = False, licence_confirmed: bool = False,
                event: Event = NO_EVENT) -> Page:
    """Create a page with its first revision (a session if `event` has a start); the slug comes from the title unless given.

    `publish_now` is for the site's own content (demo, import), never for a user's edit."""
    title, body = clean_title(title), clean_body(body)
    slug = slug or slugify(title)
    if not is_valid_slug(slug):
        raise InvalidSlug()
    # Rendered before the write lock (other savers do not wait for it); the page links to itself fine.
    html = str(render_markdown(body, also_existing=frozenset({slug})))
    begin_write()
    existing, _redirected = find_page(slug)
    if existing is not None and not existing.deleted and existing.slug == slug:
        raise PageExists()
    if existing is not None and existing.slug == slug:
        raise PageExists(_("A deleted page has this name; restore it instead."))
    if existing is not None:  # an old name of another page: the new page takes it over
        db.session.delete(db.session.get(Redirect, slug))
    page = Page(slug=slug, title=title, licence_code=licence_code(licence), visibility=visibility,
                created_at=utcnow(), updated_at=utcnow())
    db.session.add(page)
    db.session.flush()
    if not publish_now:
        licensing.check_licence_change(page, page.licence_code, author=author, confirmed=licence_confirmed)
    revision = add_revision(page, title=title, body=body, summary=clean_summary(summary) or _("Page created"),
                            author=author, author_label=author_label, tags=tagging.normalise_tag_field(tags),
                            licence=page.licence_code, html=html, event=event)
    if publish_now:
        moderation.publish(page, revision)
    else:
        moderation.settle_new_revision(page, revision, author)
    invalidate_linking_pages(slug)  # before its own links are recorded: its HTML, just rendered, is current
    update_links(page, body)
    commit_changes()
    return page


def find_page_to_save(slug: str) -> tuple[Page | None, bool]:
    """pages.find_page for a save: the page and its head only, none of a view's loads (the published
    revision and both authors joined, the licence, the tags: 2 ms of a save at 10,000 pages), which the
    lock read again anyway (begin_write ends the read snapshot; read_again_to_save reads what a save
    needs). A slug that is not a page's (an old name, or none) is found as find_page finds it."""
    page = db.session.scalar(sa.select(Page).where(Page.slug == slug).options(sa.orm.joinedload(Page.head)))
    return (page, False) if page is not None else find_page(slug)


def read_again_to_save(page: Page) -> None:
    """Once the write lock is taken (begin_write left the page's attributes to reload): the page, its
    head and its tags, which a publish replaces, in one statement instead of one as each is touched."""
    page_id = sa.inspect(page).identity[0]  # page.id would reload the page first
    db.session.execute(with_tags(sa.select(Page)).where(Page.id == page_id)
                       .options(sa.orm.joinedload(Page.head), sa.orm.contains_eager(Page.tags))
                       .execution_options(populate_existing=True)).unique().all()


def licence_code(code: str | None) -> str:
    code = code or current_app.config["WIKI_DEFAULT_LICENCE"]
    if db.session.get(Licence, code) is None:
        raise InvalidInput(_("Unknown licence: %(code)s", code=code))
    return code


def save_edit(page: Page, *, title: str, body: str, summary: str = "", author=None, author_label: str = "",
              base_revision: int | None, tags: str | None = None, licence: str | None = None,
              licence_confirmed: bool = False, event: Event | None = None) -> SaveResult:
    """Save an edit as a new revision on top of the head.

    If the head moved since `base_revision`, merge three-way; a real conflict raises EditConflict
    carrying the submitted text, and nothing is written. `tags`, `licence` and `event` left None keep the head's."""
    title, body, summary = clean_title(title), clean_body(body), clean_summary(summary)
    html = str(render_markdown(body))  # before the write lock: other savers do not wait for rendering
    begin_write(page)
    read_again_to_save(page)
    head = page.head
    tags = head.tags if tags is None else tagging.normalise_tag_field(tags)
    licence = licence or head.licence_code or page.licence_code
    event = Event.of(head) if event is None else event
    merged = False
    if base_revision is not None and base_revision != head.number:
        base = get_revision(page, base_revision)
        if base is None:
            raise InvalidInput(_("The revision this edit started from does not exist."))
        result = merge_texts(base.body, head.body, body)
        if not result.clean:
            raise EditConflict(head=head, base_body=base.body, submitted_body=body)
        body, merged, html = normalise_body(result.text), True, None
        # keep their title, tag and licence changes unless this edit changed them too
        title = head.title if title == base.title else title
        tags = head.tags if tags == base.tags else tags
        licence = head.licence_code if licence == base.licence_code else licence
        event = Event.of(head) if event == Event.of(base) else event
    if (body, title, tags, licence, event) == (head.body, head.title, head.tags, head.licence_code, Event.of(head)):
        raise NothingChanged()
    licensing.check_licence_change(page, licence, author=author, confirmed=licence_confirmed)
    revision = add_revision(page, title=title, body=body, summary=summary, author=author, author_label=author_label,
                            tags=tags, licence=licence, html=html, event=event)
    moderation.settle_new_revision(page, revision, author)
    update_links(page, body)
    result = SaveResult(revision, merged, status=revision.status, slug=page.slug, public_view=public_view(page))
    commit_changes()
    return result


def public_view(page: Page) -> bool:
    """A visitor may read the page (public, published, not deleted): its visitors' view may be stored."""
    return not page.deleted and page.visibility == "public" and page.published is not None


def restore_revision(page: Page, number: int, *, author=None, author_label: str = "") -> Revision:
    """Bring back an old revision's title and text as a new revision."""
    begin_write(page)
    old = get_revision(page, number)
    if old is None:
        raise InvalidInput(_("This revision does not exist."))
    if (old.body, old.title, old.tags, Event.of(old)) == (page.head.body, page.head.title, page.head.tags,
                                                          Event.of(page.head)):
        raise NothingChanged(_("This revision is already the current text."))
    # The licence stays as it is: changing it has rules of its own (licensing.check_licence_change).
    revision = add_revision(page, title=old.title, body=old.body, author=author, author_label=author_label, tags=old.tags,
                            summary=_("Restored revision %(n)d", n=number), event=Event.of(old))
    moderation.settle_new_revision(page, revision, author)
    update_links(page, old.body)
    commit_changes()
    return revision


def rename_page(page: Page, *, title: str, author=None) -> Page:
    """Give the page a new title and slug; the old slug keeps answering with a redirect.

    The address is part of what readers see, so it moves when the new title is published: at once
    for an edit published at once, or for a page readers cannot see yet (never published); when a
    facilitator publishes it otherwise (moderation.publish). Until then the page keeps its address."""
    begin_write(page)
    title = clean_title(title)
    new_slug = slugify(title)
    if new_slug == page.slug and title == page.head.title:
        raise NothingChanged()
    if new_slug != page.slug and slug_taken(new_slug, page):
        raise PageExists()
    # The new title is a revision like any other and is reviewed like one; the event tells
    # moderation.publish that publishing this revision moves the slug.
    revision = add_revision(page, title=title, body=page.head.body, author=author,
                            summary=_("Renamed from “%(old)s”", old=page.head.title))
    journal.record_event(page, author, "rename", detail=str(revision.number))
    moderation.settle_new_revision(page, revision, author)
    if page.published is None:
        move_slug(page, new_slug)
    journal.bump_change_seq(page)
    commit_changes()
    return page


def delete_page(page: Page, *, author=None) -> None:
    """Hide the page (soft delete); its history stays and undelete brings it back."""
    begin_write(page)
    if page.deleted:
        raise NothingChanged(_("This page is already deleted."))
    page.deleted = True
    journal.bump_change_seq(page)
    journal.record_event(page, author, "delete")
    invalidate_linking_pages(*page_slugs(page))
    commit_changes()


def undelete_page(page: Page, *, author=None) -> None:
    begin_write(page)
    if not page.deleted:
        raise NothingChanged(_("This page is not deleted."))
    clash = db.session.scalar(sa.select(Redirect).where(Redirect.slug == page.slug))
    if clash is not None:
        db.session.delete(clash)
    page.deleted = False
    journal.bump_change_seq(page)
    journal.record_event(page, author, "undelete")
    invalidate_linking_pages(*page_slugs(page))
    commit_changes()
