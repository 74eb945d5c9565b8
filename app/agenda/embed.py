"""/agenda/embed: a small page of the next sessions and the latest published pages that the support
body may put in an iframe. Only this answer may be framed, and only by WIKI_EMBED_ORIGINS."""

from flask import current_app, make_response, render_template

from app.agenda import bp
from app.web.security import CONTENT_SECURITY_POLICY
from app.wiki import agenda, pages

EMBED_LIMIT = 5


def embed_policy() -> str:
    """The site's CSP with frame-ancestors naming the configured origins ('none' when there are none)."""
    origins = current_app.config["WIKI_EMBED_ORIGINS"].split()
    ancestors = " ".join(origins) if origins else "'none'"
    return CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", f"frame-ancestors {ancestors}")


@bp.get("/agenda/embed")
def embed():
    """Public content only, whoever's browser asks (the frame is someone else's site)."""
    response = make_response(render_template(
        "agenda/embed.html", upcoming=agenda.next_sessions(member=False, limit=EMBED_LIMIT),
        recent=pages.recently_updated(member=False, limit=EMBED_LIMIT)))
    response.headers["Content-Security-Policy"] = embed_policy()  # app.web.security adds X-Frame-Options if 'none'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
