"""Recent changes, filtered by what the reader may see."""

from flask_login import current_user

from app.changes import bp
from app.changes import feeds as _feeds  # noqa: F401  (the Atom feed's view)
from app.web.htmx import render_htmx
from app.wiki import journal
from app.wiki.permissions import is_member


@bp.get("/recent")
def recent():
    """The latest revisions with their status."""
    member = is_member(current_user)
    revisions = journal.recent_revisions(member=member)
    return render_htmx("changes/recent.html", "changes/_recent.html", revisions=revisions)
