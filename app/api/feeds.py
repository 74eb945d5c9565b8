"""Atom feeds per tag and for the agenda, beside /feeds/recent.atom: public, published pages only
(whoever asks: a feed reader has no session), so never pending or members-only items."""

from flask import Response, abort, render_template, url_for
from flask_babel import gettext as _

from app.api import bp
from app.models import utcnow
from app.wiki import agenda, listings, tagging


def atom(*, title: str, feed_url: str, alternate: str, entries: list[dict]) -> Response:
    updated = max((e["updated"] for e in entries), default=utcnow())
    body = render_template("api/feed.atom.xml", title=title, feed_url=feed_url, alternate=alternate,
                           entries=entries, updated=updated)
    return Response(body, mimetype="application/atom+xml")


@bp.get("/feeds/tags/<tag>.atom")
def tag_feed(tag):
    """The latest published public pages carrying a tag; an unknown or unreadable tag is a 404."""
    found = tagging.find_tag(tag)
    pages = listings.tagged_published(found, member=False) if found else []
    if not pages:
        abort(404)
    entries = [{"id": url_for("pages.revision", slug=p.slug, number=p.published.number, _external=True),
                "title": p.published.title, "link": url_for("pages.show", slug=p.slug, _external=True),
                "updated": p.published.created_at, "summary": p.published.summary or ""} for p in pages]
    return atom(title=found.name, feed_url=url_for("api.tag_feed", tag=found.slug, _external=True),
                alternate=url_for("tags.show", tag=found.slug, _external=True), entries=entries)


@bp.get("/feeds/agenda.atom")
def agenda_feed():
    """Upcoming public sessions, soonest first, one entry per occurrence."""
    now = utcnow()
    entries = [{"id": f"{url_for('pages.show', slug=e.slug, _external=True)}#{e.occurrence.start.isoformat()}",
                "title": f"{e.occurrence.start:%Y-%m-%d %H:%M} — {e.title}",
                "link": url_for("pages.show", slug=e.slug, _external=True), "updated": now,
                "summary": e.place} for e in agenda.agenda(member=False, past_limit=0).upcoming[:100]]
    return atom(title=_("Agenda"), feed_url=url_for("api.agenda_feed", _external=True),
                alternate=url_for("agenda.index", _external=True), entries=entries)
