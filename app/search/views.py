"""Thin views over app.wiki.search."""

import re
from urllib.parse import quote, quote_plus

from flask import render_template, request, url_for
from flask_login import current_user

from app.search import bp
from app.web import render_htmx
from app.wiki import agenda, editing, journal, search, tagging
from app.wiki.errors import WikiError
from app.wiki.permissions import can, is_member
from app.wiki.slugs import slugify


PLAIN_WORDS = re.compile(r"[^\W_][\w '’-]{0,199}")  # no quotes, colons or operators: a title


@bp.get("/search")
def results():
    """Search results for `q`, filtered by `tag`, one page at a time."""
    text = request.args.get("q", "")
    tag = request.args.get("tag", "")
    page = request.args.get("page", 1, type=int) or 1
    try:
        found = search.query(text, member=is_member(current_user), tag=tag, page=page)
    except WikiError as error:
        return render_htmx("search/results.html", "search/_results.html", status=error.status_code,
                           q=text[:search.MAX_QUERY_LENGTH], results=None, error=error.message)
    shown = {tag for tag, _count in found.facets} | {t for hit in found.hits for t in hit.tags} | {found.tag}
    member = is_member(current_user)
    state = journal.wiki_state()
    names = tagging.readable_tag_names(shown, member=member, wiki_state=state)
    tag_url = tag_url_maker(found.text)
    return render_htmx("search/results.html", "search/_results.html", q=found.text, results=found,
                       new_page=new_page_proposal(found),
                       tag_links={tag: (names.get(tag, tag), tag_url(tag)) for tag in shown if tag},
                       page_urls=page_urls(found.hits),
                       sessions=agenda.session_dates([hit.page_id for hit in found.hits], member=member,
                                                     wiki_state=state))


def tag_url_maker(text: str):
    """`tag -> url_for("search.results", q=text, tag=tag)`, the same address, with url_for called once:
    a results page links each facet and each hit's tags (about 60 links, a millisecond of url_for)."""
    base = url_for("search.results", q=text)
    separator = "&" if "?" in base else "?"
    return lambda tag: f"{base}{separator}tag={quote_plus(tag)}"


def page_urls(hits) -> dict[str, str]:
    """Each hit's address by slug, from one url_for: the template then calls nothing per hit (a
    results page rendered in 6-7 ms, most of it Jinja calling url_for, gettext and dict lookups)."""
    base = url_for("pages.show", slug="-")[:-1]
    return {hit.slug: base + quote(hit.slug, safe="") for hit in hits}


def new_page_proposal(found):
    """(slug, title) of a page to create when plain words found nothing and this user may create pages."""
    slug = slugify(found.text)
    if found.total or found.tag or not slug or not PLAIN_WORDS.fullmatch(found.text):
        return None
    if not can(current_user, "create"):
        return None
    if editing.find_page(slug)[0] is not None:
        return None
    return slug, found.text


@bp.get("/search/suggest")
def suggest():
    """Titles starting with the typed words: a small fragment for search as you type."""
    matches = search.suggest(request.args.get("q", ""), member=is_member(current_user))
    return render_template("search/_suggest.html", matches=matches)
