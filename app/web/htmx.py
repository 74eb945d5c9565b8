"""One URL, a full page or its fragment: what htmx asks for, and how the answer is rendered."""

from flask import Response, make_response, render_template, request, session


# htmx settings (read from a meta tag: no inline script). 4xx answers are swapped: the editor comes
# back with the user's text (400, 409, 422), and other errors are retargeted to the messages region
# (app.web.errors.render_error) so they never replace what the user typed. 5xx are announced by app.js.
HTMX_CONFIG = {
    "selfRequestsOnly": True,
    "allowEval": False,
    "allowScriptTags": False,
    "includeIndicatorStyles": False,
    "historyCacheSize": 0,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[234]..", "swap": True, "error": False},
        {"code": "...", "swap": False, "error": True},
    ],
}


def wants_fragment(headers=None) -> bool:
    """Targeted htmx swaps get fragments; normal, boosted and history-restore requests get pages.
    `headers`: the request's (Flask-HTMX's reading of them), or a Werkzeug request's before Flask runs."""
    headers = request.headers if headers is None else headers
    return (headers.get("HX-Request") == "true" and headers.get("HX-Boosted") != "true"
            and headers.get("HX-History-Restore-Request") != "true")


def render_htmx(page_template: str, fragment_template: str, status: int = 200, **context) -> Response:
    """Full page for normal requests, the fragment alone for an htmx swap (with `Vary: HX-Request`)."""
    if wants_fragment():
        # Flashed confirmations travel with the fragment, into the page's live region; a fragment with
        # none (a lazily loaded button) leaves the region alone, or it would wipe a message just shown.
        body = render_template(fragment_template, **context)
        if session.get("_flashes"):
            body += render_template("_messages_oob.html")
    else:
        body = render_template(page_template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def keep_address(response: Response) -> Response:
    """Tell htmx not to change the address bar for this answer, whatever hx-push-url or
    hx-replace-url the element asked for."""
    response.headers["HX-Replace-Url"] = "false"
    return response
