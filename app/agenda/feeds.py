"""iCalendar: the public feed of published public sessions, a member's personal feed (members-only
sessions too) behind a revocable token, and one session's .ics for "Add to my calendar"."""

from flask import abort, current_app, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.agenda import bp
from app.pages.loading import load_page, visible_revision
from app.wiki import agenda
from app.wiki.permissions import is_member
from app.wiki.sessions import Event

ICS_TYPE = "text/calendar; charset=utf-8"


def ics_response(body: bytes, filename: str):
    response = make_response(body)
    response.headers["Content-Type"] = ICS_TYPE
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def page_url(slug: str) -> str:
    return url_for("pages.show", slug=slug, _external=True)


def webcal(url: str) -> str:
    """The same feed for phones' and desktop calendars' subscribe handlers."""
    return "webcal://" + url.split("://", 1)[1]


def feed_links(token: str | None = None) -> dict[str, str]:
    url = url_for("agenda.member_feed", token=token, _external=True) if token else url_for("agenda.feed", _external=True)
    return {"https": url, "webcal": webcal(url)}


@bp.get("/agenda.ics")
def feed():
    """Published, public sessions: what anyone may see, whoever asks."""
    name = current_app.config["WIKI_SITE_NAME"]
    return ics_response(agenda.calendar(agenda.session_pages(member=False), name=name, page_url=page_url), "agenda.ics")


@bp.get("/agenda/feed/<token>.ics")
def member_feed(token):
    """A member's personal feed: members-only sessions too. Unknown or revoked tokens are a 404."""
    member = agenda.member_for_token(token)
    if member is None:
        abort(404)
    name = _("%(site)s (members)", site=current_app.config["WIKI_SITE_NAME"])
    response = ics_response(agenda.calendar(agenda.session_pages(member=True), name=name, page_url=page_url),
                            "agenda.ics")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/agenda/token")
@login_required
def create_token():
    """A new personal feed address (the old one stops working); shown once, only its hash is kept."""
    if not is_member(current_user):
        abort(403)
    token = agenda.create_feed_token(current_user)
    return render_template("agenda/token.html", feeds=feed_links(token))


@bp.post("/agenda/token/revoke")
@login_required
def revoke_token():
    """Stop the personal feed address at once."""
    agenda.revoke_feed_token(current_user)
    return redirect(url_for("agenda.index"), 303)


@bp.get("/wiki/<slug>/event.ics")
def session_ics(slug):
    """One session, as its reader sees it, for "Add to my calendar"."""
    page = load_page(slug)
    revision = visible_revision(page)
    event = Event.of(revision)
    if not event.is_session:
        abort(404)
    return ics_response(agenda.session_calendar(page, event, title=revision.title, url=page_url(page.slug)),
                        f"{page.slug}.ics")
