"""Reading pages: the portal, the index, a page, its links, credits; the licences explained.

The other views of the blueprint live beside this module (editor, history, settings, language);
importing them here attaches them to `bp`, as create_app imports only `views`."""

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.pages import bp
from app.pages import editor, history, language, presence, settings  # noqa: F401  (their views attach to bp)
from app.pages.loading import canonical_slug_or_redirect, checked_page, load_page, visible_revision
from app.pages.view_cache import (cached_by_key, cached_view, portal_key, render_context, revision_html, store_view,
                                  view_etag, view_key, with_validators)
from app.web.htmx import render_htmx
from app.models import utcnow
from app.wiki import agenda, journal, licensing, pages, sections, tagging
from app.wiki.page_templates import template_pages
from app.wiki.permissions import can, is_member
from app.wiki.rendering import with_section_links
from app.wiki.slugs import slugify


PORTAL_SESSIONS, PORTAL_RECENT, PORTAL_TAGS = 5, 8, 12
INDEX_PAGE_SIZE = 200


@bp.get("/")
def portal():
    """The portal: the welcome page, and beside it the next sessions, the latest published changes,
    popular tags, the templates to start a page from (and, for facilitators, what waits for review).

    Cached like a page view: a hit costs one light query for the wiki's state."""
    wiki_state = journal.wiki_state()
    key = portal_key(wiki_state)
    if (cached := cached_by_key(key)) is not None:
        return cached
    welcome, _redirected = pages.find_page(current_app.config["WIKI_HOME_PAGE"])
    revision = None
    if welcome is not None and can(current_user, "view", welcome) and welcome.published:
        revision = welcome.published
    member = is_member(current_user)
    counts = tagging.tag_counts(member=member, wiki_state=wiki_state)
    popular = sorted(counts, key=lambda item: (-item[1], item[0].slug))[:PORTAL_TAGS]
    context = dict(welcome=welcome, revision=revision, popular=popular,
                   recent=pages.recently_updated(member=member, limit=PORTAL_RECENT),
                   sessions=agenda.next_sessions(member=member, limit=PORTAL_SESSIONS),
                   templates=template_pages(member=member) if can(current_user, "create") else [],
                   html=pages.rendered_html(revision) if revision else None)
    if session.get("_flashes"):  # a one-off confirmation (signed in, saved...): render it, cache nothing
        return render_template("pages/portal.html", **context)
    body = render_template("pages/portal.html", **render_context(), **context)
    return store_view(key, utcnow(), body)


@bp.get("/wiki/")
def index():
    """Every live page this user may read, by title, INDEX_PAGE_SIZE at a time (`?page=N`, from 1): one
    answer listing 10,000 pages would leave its 20 MB of allocations in the worker. A page number that
    is not a number reads as the first; one past the last is a 404."""
    member = is_member(current_user)
    total = pages.readable_page_count(member=member)
    last = max(1, -(-total // INDEX_PAGE_SIZE))
    number = request.args.get("page", 1, type=int)
    if number < 1 or number > last:
        abort(404)
    rows = pages.readable_page_slice(member=member, offset=(number - 1) * INDEX_PAGE_SIZE, limit=INDEX_PAGE_SIZE)
    return render_template("pages/index.html", pages=rows, total=total, page_number=number, last_page=last,
                           first_rank=(number - 1) * INDEX_PAGE_SIZE + 1)


@bp.get("/new")
def new():
    """Ask for a title (and offer the templates), then open the editor on its slug, filled from `template` if given."""
    title = " ".join(request.args.get("title", "").split())
    template = request.args.get("template", "").strip()[:200]
    if title and slugify(title):
        extra = {"template": template} if template else {}
        return redirect(url_for("pages.edit", slug=slugify(title), title=title, **extra))
    return render_template("pages/new.html", title=title, template=template,
                           templates=template_pages(member=is_member(current_user)))


@bp.get("/wiki/<slug>")
def show(slug):
    """A page as its reader may see it (from the view cache when it can); a missing page offers to create it."""
    if (response := canonical_slug_or_redirect(slug)) is not None:
        return response
    if (cached := cached_view(slug)) is not None:
        return cached
    page, redirected = pages.find_page(slug)
    if page is None or not can(current_user, "view", page):  # unreadable: the same answer as a missing page
        return render_htmx("pages/missing.html", "pages/_missing.html", status=404, slug=slug,
                           title=request.args.get("title") or slug.replace("-", " ").capitalize())
    page = checked_page(page, redirected)
    revision = visible_revision(page)
    context = dict(page=page, revision=revision, html=article_html(page, revision), credits=licensing.credits(page))
    key = view_key(page, revision.id)
    if session.get("_flashes"):  # a one-off confirmation: render it, cache nothing
        response = render_htmx("pages/show.html", "pages/_article.html", **context)
        return with_validators(response, view_etag(key), page.updated_at)
    body = render_htmx("pages/show.html", "pages/_article.html", **render_context(), **context)
    return store_view(key, page.updated_at, body.get_data(as_text=True))


def article_html(page, revision):
    """The revision's HTML, with section edit links when the reader may edit and they line up."""
    html = revision_html(page, revision)
    if revision.id != page.head_id or not can(current_user, "edit", page):
        return html
    linked = with_section_links(html, url_for("pages.edit", slug=page.slug), _("edit"))
    if linked.count('class="section-edit"') != sections.count_sections(revision.body):
        return html  # headings the source does not show (raw HTML, quotes): no links rather than wrong ones
    return linked


@bp.get("/wiki/<slug>/links")
def links(slug):
    """What links here."""
    page = load_page(slug)
    return render_template("pages/links.html", page=page, pages=pages.backlinks(page, member=is_member(current_user)))


@bp.get("/wiki/<slug>/credits")
def credits(slug):
    """Who wrote this page, with their number of published edits."""
    page = load_page(slug)
    return render_template("pages/credits.html", page=page, credits=licensing.credits(page))


@bp.get("/licences")
def licences():
    """The licences explained in plain words."""
    return render_template("pages/licences.html", licences=licensing.all_licences())
