"""/agenda (upcoming, then past sessions) and the session block a session page shows at its top.

Importing the other view modules here attaches them to `bp`, as create_app imports only `views`."""

from flask import render_template, session
from flask_login import current_user

from app.agenda import bp
from app.agenda import embed, feeds, page_templates  # noqa: F401  (their views attach to bp)
from app.agenda.feeds import feed_links
from app.pages.view_cache import offer_to_visitors
from app.wiki import agenda
from app.wiki.permissions import is_member
from app.wiki.sessions import Event


@bp.get("/agenda")
def index():
    """Upcoming sessions first (date, time, place, video link), then past ones leading to their notes.

    A visitor's agenda is kept by the visitors' fast path under the wiki's state and the minute."""
    member = is_member(current_user)
    page = render_template("agenda/index.html", agenda=agenda.agenda(member=member), feeds=feed_links(),
                           token=agenda.feed_token_of(current_user) if member else None)
    if not session.get("_flashes"):
        offer_to_visitors()  # a visitor's agenda is the same for every visitor (app.web.fast_path)
    return page


@bp.app_template_global()
def session_summary(revision):
    """The session block of a page view: next and last occurrence (None for a page that is not a session)."""
    return agenda.summary(Event.of(revision))
