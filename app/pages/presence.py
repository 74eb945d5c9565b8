"""Presence (issue 13): who has the editor open on a page (GET, for readers and editors), an open
editor's heartbeat (POST, CSRF-checked like every change), its end on cancel, catching an open
editor up with what was saved meanwhile ("merge into my text"), and the "Réutiliser cette page" block.

Readers poll `presence` every VIEWER_POLL_SECONDS, an open editor `heartbeat` every
HEARTBEAT_SECONDS; both answer 204 when what they show has not changed (`state`)."""

from flask import abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Optional, Regexp

from app.models import utcnow
from app.pages import bp
from app.pages.editor import field_error, full_body, render_editor
from app.pages.forms import EditForm
from app.pages.loading import load_page
from app.web.actors import current_actor
from app.wiki import pages, presence, reuse, sessions
from app.wiki.diffing import diff_texts
from app.wiki.errors import WikiError
from app.wiki.permissions import can


class HeartbeatForm(FlaskForm):
    """What an open editor sends: its key (none the first time), the revision it started from,
    and the state it shows."""

    editor_key = HiddenField(validators=[Optional(), Regexp(presence.KEY_PATTERN.pattern)])
    base_revision = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])
    presence_state = HiddenField(validators=[Optional(), Regexp(r"^[0-9a-f]{16}$")])

    def base_number(self) -> int | None:
        return int(self.base_revision.data) if self.base_revision.data else None


class LeaveForm(FlaskForm):
    editor_key = HiddenField(validators=[Optional(), Regexp(presence.KEY_PATTERN.pattern)])


@bp.app_template_global()
def presence_timing() -> dict:
    """The polling intervals, for the templates' hx-trigger attributes."""
    return {"viewer": presence.VIEWER_POLL_SECONDS, "editor": presence.HEARTBEAT_SECONDS}


@bp.app_template_global()
def page_reuse(page):
    """The "Réutiliser cette page" attribution of a page (its published state), for its article.
    Its address is on WIKI_BASE_URL when set (the wiki's public address), else on this request's host."""
    base = (current_app.config.get("WIKI_BASE_URL") or "").rstrip("/")
    address = base + url_for("pages.show", slug=page.slug) if base else url_for("pages.show", slug=page.slug,
                                                                                   _external=True)
    return reuse.attribution(page, page_url=address, site_name=current_app.config["WIKI_SITE_NAME"])


@bp.get("/wiki/<slug>/presence")
def presence_notice(slug):
    """Who has the editor open on this page, for someone who may read it (404 otherwise, as for a missing page).
    Polled by every open page: one light query for the page's state when it is readable under that slug."""
    page = pages.page_state(slug)
    if page is None or not can(current_user, "view", page):
        page = load_page(slug)  # a renamed page's 301, or the 404 of a missing one
        slug = page.slug
    now = utcnow()
    editors = presence.editors_of(page, now=now, except_user=current_actor())
    state = presence.report_state(editors, None, now)
    if request.args.get("state") == state:
        return no_change()
    return fragment("pages/_presence.html", page=page, slug=slug, editors=editors, now=now, state=state, polled=True)


@bp.post("/wiki/<slug>/presence")
def heartbeat(slug):
    """An open editor says it is still open; the answer names the others editing and warns when
    the page was saved since this editor's revision (with the change and a way to merge it)."""
    page = load_page(slug, "edit")
    form = HeartbeatForm()
    if not form.validate_on_submit():
        abort(400)
    actor = current_actor()
    key = presence.heartbeat(page, user=actor, key=form.editor_key.data, base_revision=form.base_number())
    now = utcnow()
    editors = presence.editors_of(page, now=now, except_user=actor, except_key=key)
    stale = presence.changed_since(page, form.base_number())
    state = presence.report_state(editors, stale, now)
    if form.editor_key.data == key and form.presence_state.data == state:
        return no_change()
    return fragment("pages/_presence_editor.html", page=page, slug=page.slug, editors=editors, now=now, state=state,
                    stale=stale, stale_diff=diff_texts(stale.base.body, stale.head.body) if stale else None,
                    editor_key=key, polled=True)


@bp.post("/wiki/<slug>/presence/leave")
def presence_leave(slug):
    """An editor was cancelled or its tab closed: others stop seeing it at once."""
    page = load_page(slug)
    form = LeaveForm()
    if not form.validate_on_submit():
        abort(400)
    presence.leave(page, user=current_actor(), key=form.editor_key.data)
    return no_change()


@bp.post("/wiki/<slug>/merge")
def merge(slug):
    """Bring what was saved since this editor opened into its unsaved text; nothing is saved.
    A clean merge comes back as the whole page's text to check; a real conflict shows their change."""
    page = load_page(slug, "edit")
    form = EditForm()
    keep = {"editor_key": request.form.get("editor_key", "")}
    if not form.validate_on_submit():
        return render_editor(page, form, status=422, **keep)
    base = form.base_number()
    if base is None or base == page.head.number:
        flash(_("Your text already builds on the latest version: there is nothing to merge."), "info")
        return render_editor(page, form, **keep)
    try:
        event = sessions.clean_event(**form.event_fields())
        merged = presence.merge_draft(page, base_revision=base, title=form.title.data, body=full_body(page, form),
                                      tags=form.tags.data or "", licence=form.licence.data or None, event=event)
    except WikiError as error:
        return render_editor(page, form, status=error.status_code, error=field_error(form, error), **keep)
    form.base_revision.data = str(merged.head.number)
    if not merged.clean:
        return render_editor(page, form, status=409, conflict=True,
                             their_diff=diff_texts(merged.base.body, merged.head.body), **keep)
    form.body.data, form.section.data, form.title.data = merged.body, "", merged.title
    form.tags.data, form.licence.data = merged.tags, merged.licence
    form.fill_event(merged.event)
    flash(_("The other change is now in your text (the whole page). Check it, then save."), "info")
    return render_editor(page, form, merged_in=True, **keep)


def fragment(template: str, **context):
    """A presence fragment: never cached, by the browser or anyone between."""
    response = current_app.make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


def no_change():
    """Nothing new to show: htmx keeps what it has (204 is not swapped)."""
    response = current_app.response_class(status=204)
    response.headers["Cache-Control"] = "no-store"
    return response

