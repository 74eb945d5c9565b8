"""The JSON API's operations: thin views, each answers one of the schemas (the same ones
/api/openapi.json describes), with the one visibility rule from the domain and the published state
only. Each is checked by spectree against its pydantic schemas (parameters and answer).

Not imported when the app is built: app/api/views.py routes /api/... to stand-ins that import this
module (with spectree and pydantic, about 8 MB a process) on the first API request, so web workers
that serve pages only never load them (tests/unit/test_worker_memory.py)."""

from flask import abort, url_for
from flask_babel import gettext as _
from spectree import Response as Responses

from app.api import schemas as s
from app.api.http import error_response, json_bytes, json_response, reader_is_member
from app.api.spec import OPTIONAL_TOKEN, spec
from app.wiki import agenda, journal, licensing, listings, pages, search, tagging

ERRORS = {"HTTP_400": s.Error, "HTTP_401": s.Error, "HTTP_404": s.Error}


def page_url(slug: str) -> str:
    return url_for("pages.show", slug=slug, _external=True)


def summary_of(page) -> s.PageSummary:
    return s.PageSummary(slug=page.slug, title=page.published.title, url=page_url(page.slug),
                         api_url=url_for("api.json.page", slug=page.slug, _external=True),
                         updated=page.published.created_at, tags=[t.name for t in page.tags],
                         licence=page.licence_code)


def readable_page_or_404(slug: str):
    page = listings.published_page(slug, member=reader_is_member())
    if page is None:
        abort(error_response(404, _("There is no page at this address.")))
    return page


@spec.validate(resp=Responses(HTTP_200=s.PageList, **ERRORS), tags=["pages"], security=OPTIONAL_TOKEN)
def pages_list(query: s.Paging):
    """Published pages this reader may see, by slug, a page of them at a time."""
    found, total = listings.published_pages(member=reader_is_member(), page=query.page, per_page=query.per_page)
    count = max(1, -(-total // query.per_page))
    following = (url_for("api.json.pages_list", page=query.page + 1, per_page=query.per_page, _external=True)
                 if query.page < count else None)
    return json_response(s.PageList(items=[summary_of(p) for p in found], page=query.page, per_page=query.per_page,
                                    total=total, pages=count, next=following))


@spec.validate(resp=Responses(HTTP_200=s.PageDetail, **ERRORS), tags=["pages"], security=OPTIONAL_TOKEN)
def page(slug: str):
    """One page's published revision: Markdown, HTML, tags, licence, credits and files."""
    found = readable_page_or_404(slug)
    revision = found.published
    credits = licensing.credits(found)
    licence = found.licence
    return json_response(s.PageDetail(
        slug=found.slug, title=revision.title, url=page_url(found.slug), updated=revision.created_at,
        revision=revision.number, markdown=revision.body, html=str(pages.rendered_html(revision)),
        tags=[t.name for t in found.tags],
        licence=s.Licence(code=licence.code, name=licence.name, url=licence.url or ""),
        credits=credits.names, anonymous_edits=credits.anonymous_edits, files=[]))


@spec.validate(resp=Responses(HTTP_200=s.History, **ERRORS), tags=["pages"], security=OPTIONAL_TOKEN)
def history(slug: str):
    """A page's revisions, newest first (members also see pending and rejected ones)."""
    found = readable_page_or_404(slug)
    member = reader_is_member()
    items = [s.HistoryItem(number=r.number, title=r.title, summary=r.summary or "", author=r.author_name or "",
                           created=r.created_at, status=r.status)
             for r in listings.visible_history(found, member=member)]
    return json_response(s.History(slug=found.slug, items=items))


@spec.validate(resp=Responses(HTTP_200=s.Recent, **ERRORS), tags=["changes"], security=OPTIONAL_TOKEN)
def recent(query: s.Limit):
    """The latest revisions this reader may see (visitors: published ones of public pages)."""
    member = reader_is_member()
    items = [s.Change(slug=r.page.slug, title=r.title, url=page_url(r.page.slug), number=r.number,
                      summary=r.summary or "", author=r.author_name or "", created=r.created_at, status=r.status)
             for r in journal.recent_revisions(member=member, limit=query.limit)
             if member or r.page.published_id is not None]
    return json_response(s.Recent(items=items))


@spec.validate(resp=Responses(HTTP_200=s.SearchAnswer, **ERRORS, HTTP_503=s.Error), tags=["search"], security=OPTIONAL_TOKEN)
def search_pages(query: s.SearchQuery):
    """Full-text search of the published text this reader may see (QueryError answers 400)."""
    found = search.query(query.q, member=reader_is_member(), tag=query.tag, page=query.page,
                         per_page=query.per_page)
    hits = [s.Hit(slug=h.slug, title=h.title, url=page_url(h.slug), excerpt=str(h.excerpt), tags=list(h.tags),
                  updated=h.updated) for h in found.hits]
    return json_response(s.SearchAnswer(q=found.text, tag=found.tag, total=found.total, page=found.page,
                                        per_page=found.per_page, pages=found.page_count,
                                        suggestion=found.suggestion, items=hits))


@spec.validate(resp=Responses(HTTP_200=s.Tags, **ERRORS), tags=["tags"], security=OPTIONAL_TOKEN)
def tags():
    """Every tag on a page this reader may see, with how many such pages carry it."""
    items = [s.TagCount(name=tag.name, slug=tag.slug, count=n, url=url_for("tags.show", tag=tag.slug, _external=True),
                        feed=url_for("api.tag_feed", tag=tag.slug, _external=True))
             for tag, n in tagging.tag_counts(member=reader_is_member())]
    return json_response(s.Tags(items=items))


def occurrences(entries) -> list[s.Occurrence]:
    return [s.Occurrence(slug=e.slug, title=e.title, url=page_url(e.slug), place=e.place, start=e.occurrence.start,
                         end=e.occurrence.end, moved=e.occurrence.moved) for e in entries]


@spec.validate(resp=Responses(HTTP_200=s.Agenda, **ERRORS), tags=["agenda"], security=OPTIONAL_TOKEN)
def agenda_list():
    """Upcoming sessions soonest first, then the latest past ones (published state only)."""
    found = agenda.agenda(member=reader_is_member())
    return json_response(s.Agenda(upcoming=occurrences(found.upcoming), past=occurrences(found.past)))


def openapi_document() -> bytes:
    """The OpenAPI 3.1 description, generated from the decorated operations above (cached by spectree)."""
    return json_bytes(spec.spec)
