"""Atom feed of recent published changes: public pages only, never pending text."""

from flask import Response, render_template, url_for

from app.changes import bp
from app.models import utcnow
from app.wiki import journal


@bp.get("/feeds/recent.atom")
def recent_feed():
    """The latest published revisions of public pages, for feed readers and the regional portal."""
    revisions = journal.recent_revisions(member=False, limit=50)
    updated = revisions[0].created_at if revisions else utcnow()
    body = render_template("changes/recent_atom.xml", revisions=revisions, updated=updated,
                           feed_url=url_for("changes.recent_feed", _external=True))
    return Response(body, mimetype="application/atom+xml")
