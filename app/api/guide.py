"""The API's guide: how to read the wiki from another tool, with examples (French and English)."""

from flask import render_template, url_for

from app.api import bp


@bp.get("/api/")
def guide():
    """What the API offers, how to page, cache and authenticate, with curl and JavaScript examples."""
    base = url_for("api.guide", _external=True).rstrip("/")
    return render_template("api/guide.html", base=base)
