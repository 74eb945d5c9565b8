"""A page's past: its history, one old revision, a diff between two, and restoring one."""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from app.pages import bp
from app.pages.editor import announce_save
from app.pages.loading import load_page, load_revision, visible_revision
from app.web.actors import current_actor
from app.web.htmx import render_htmx
from app.wiki import editing, journal, pages
from app.wiki.diffing import diff_texts
from app.wiki.permissions import can


@bp.get("/wiki/<slug>/history")
def history(slug):
    """Every revision this reader may see, with author, summary and status; pick two to compare."""
    page = load_page(slug, "history")
    show_pending = can(current_user, "view_pending", page)
    shown = [r for r in pages.history(page) if show_pending or r.status == "approved"]
    if not shown:
        abort(404)
    numbers = {str(r.number) for r in shown}  # a rename waiting for review is pending text too
    events = [e for e in journal.page_events(page) if e.action != "rename" or e.detail in numbers]
    return render_htmx("pages/history.html", "pages/_history.html", page=page, revisions=shown, events=events)


@bp.get("/wiki/<slug>/revisions/<int:number>")
def revision(slug, number):
    """One old revision, read-only, with a restore button."""
    page = load_page(slug)
    rev = load_revision(page, number)
    return render_template("pages/revision.html", page=page, revision=rev, html=pages.rendered_html(rev))


@bp.get("/wiki/<slug>/diff")
def diff(slug):
    """Compare two revisions: `from` and `to` (default: the one before `to`, and the visible one)."""
    page = load_page(slug)
    to_number = request.args.get("to", type=int) or visible_revision(page).number
    from_number = request.args.get("from", type=int) or max(to_number - 1, 1)
    old, new = load_revision(page, from_number), load_revision(page, to_number)
    return render_template("pages/diff.html", page=page, old=old, new=new,
                           diff=diff_texts(old.body, new.body), title_changed=old.title != new.title)


@bp.post("/wiki/<slug>/revisions/<int:number>/restore")
def restore(slug, number):
    """Restore an old revision as a new one."""
    page = load_page(slug, "restore")
    load_revision(page, number)
    revision = editing.restore_revision(page, number, author=current_actor())
    announce_save(revision)
    return redirect(url_for("pages.show", slug=page.slug), 303)
