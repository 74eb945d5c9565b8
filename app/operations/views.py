"""GET /healthz for monitors; GET/POST /setup to create the first admin with the console's code."""

import logging

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.views import start_session
from app.extensions import db
from app.operations import bp
from app.operations.forms import SetupForm
from app.wiki import search, setup
from app.wiki.errors import SetupClosed, TooManyAttempts, WikiError

log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """Whether the database answers and the search index opens: 200, or 503 naming what fails."""
    parts = {"database": "ok", "search": "ok"}
    try:
        db.session.execute(sa.text("SELECT 1"))
    except (sa.exc.SQLAlchemyError, OSError) as error:
        db.session.rollback()
        log.error("health check: database failing: %s", error)
        parts["database"] = "failing"
    try:
        with search.current_index().index().searcher() as searcher:
            searcher.doc_count()
    except Exception as error:  # whatever Whoosh or the filesystem raises: the answer is "failing"
        log.error("health check: search index failing: %s", error)
        parts["search"] = "failing"
    healthy = all(state == "ok" for state in parts.values())
    response = jsonify(parts)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/setup", methods=["GET", "POST"])
def first_admin():
    """While no admin exists: create the first one with the one-time code from the console."""
    if not setup.setup_needed():
        setup.forget_code()
        abort(404)
    code, created = setup.ensure_code()
    if created:  # started some other way than `make run`/gunicorn: the console still gets the code
        current_app.logger.warning(setup.banner(code, request.host_url))
    form = SetupForm()
    if request.method == "GET":
        return render_template("operations/setup.html", form=form)
    if not form.validate_on_submit():
        return render_template("operations/setup.html", form=form), 422
    try:
        user = setup.create_first_admin(name=form.name.data, password=form.password.data, code=form.code.data,
                                        address=request.remote_addr or "")
    except SetupClosed:
        abort(404)
    except TooManyAttempts as error:
        return (render_template("operations/setup.html", form=form, error=error.message), 429,
                {"Retry-After": str(error.retry_after)})
    except WikiError as error:
        return render_template("operations/setup.html", form=form, error=error.message), error.status_code
    start_session(user)
    flash(_("Welcome, %(name)s! You are the wiki's administrator.", name=user.name), "success")
    return redirect(url_for("pages.portal"), 303)
