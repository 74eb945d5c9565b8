"""Full-text search pages: results with excerpts and tag facets, and title suggestions while typing.

Also the web half of the save path's post-commit step: when a commit during this request scheduled a
search catch-up (app.wiki.search.schedule_catch_up, called by revisions.commit_changes), the index
catches up after the response is sent, so the person saving never waits for Whoosh."""

from flask import Blueprint, current_app

from app.wiki import search

bp = Blueprint("search", __name__)


@bp.after_app_request
def catch_up_after_the_response(response):
    """If pages changed during this request, index them once the server has sent the response (WSGI close)."""
    if search.take_scheduled_catch_up():
        app = current_app._get_current_object()

        def run():
            with app.app_context():
                search.catch_up_quietly()

        response.call_on_close(run)
    return response
