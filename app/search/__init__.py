"""Full-text search pages: results with excerpts and tag facets, and title suggestions while typing.

Also the web half of the save path's post-commit step: when a commit during this request scheduled a
search catch-up (app.wiki.search.schedule_catch_up, called by revisions.commit_changes), the index
catches up after the response is sent, so the person saving never waits for Whoosh."""

from flask import Blueprint, current_app, request

from app.wiki import search

bp = Blueprint("search", __name__)

# In a request's environ: a request made inside another one (the visitor's view a save renders before
# its answer, app.pages.editor) leaves the catch-up the outer request scheduled to that request.
INNER_REQUEST = "gare.inner_request"


@bp.after_app_request
def catch_up_after_the_response(response):
    """If pages changed during this request, index them once the server has sent the response (WSGI
    close), unless this machine's search watcher is running (app/wiki/search/watcher.py): it does."""
    if not request.environ.get(INNER_REQUEST) and search.take_scheduled_catch_up() and not search.watcher_alive():
        app = current_app._get_current_object()

        def run():
            with app.app_context():
                search.catch_up_quietly()

        response.call_on_close(run)
    return response
