"""Writing pages: the editor (whole page or one section, in place or full page), creation,
the live preview and the inline tag editor. Saves answer with a 303 to the page; htmx follows it."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.test import EnvironBuilder

from app.pages import bp
from app.pages.forms import EditForm, PreviewForm, TagsForm
from app.pages.loading import canonical_slug_or_redirect, checked_page, load_page, visible_revision
from app.search import INNER_REQUEST
from app.web.actors import current_actor
from app.web.htmx import keep_address, render_htmx, wants_fragment
from app.wiki import editing, licensing, page_templates, pages, presence, sections, sessions, tagging
from app.wiki.diffing import diff_texts
from app.wiki.errors import EditConflict, InvalidInput, NothingChanged, WikiError
from app.wiki.permissions import can, is_member, require
from app.wiki.attachments import links as file_links
from app.wiki.attachments import names as file_names
from app.wiki.attachments import uploads as file_uploads
from app.wiki.rendering import render_markdown
from app.wiki.moderation import is_auto_approved
from app.wiki.withdrawal import reviewer_names, withdraw_pending


@bp.route("/wiki/<slug>/edit", methods=["GET", "POST"])
def edit(slug):
    """The editor; a POST saves, merging or returning the text on a conflict. A missing page is created."""
    if (response := canonical_slug_or_redirect(slug)) is not None:
        return response
    page, redirected = editing.find_page_to_save(slug) if request.method == "POST" else pages.find_page(slug)
    if page is not None and not page.deleted and can(current_user, "view", page):
        return edit_existing(checked_page(page, redirected, "edit"))
    require(current_user, "create")
    if page is not None:  # deleted or unreadable: the same answers as for a missing page, then a 404
        abort(404)
    return create(slug)


def edit_existing(page):
    form = EditForm()
    if request.method == "GET":
        return open_editor(page, form, request.args.get("section", type=int))
    if not form.validate_on_submit():
        return render_editor(page, form, status=422)
    try:
        event = sessions.clean_event(**form.event_fields())
        result = editing.save_edit(page, title=form.title.data, body=with_sent_file(page, full_body(page, form)),
                                   summary=form.summary.data,
                                   author=current_actor(), base_revision=form.base_number(), tags=form.tags.data or "",
                                   licence=form.licence.data or None, licence_confirmed=form.licence_confirmed.data,
                                   event=event)
    except EditConflict as conflict:
        form.base_revision.data = str(conflict.head.number)  # the next save builds on what is there now
        return render_editor(page, form, status=409, conflict=conflict,
                             their_diff=diff_texts(conflict.base_body, conflict.head.body))
    except NothingChanged:
        flash(_("Nothing was changed."), "info")
        return close_editor(page)
    except WikiError as error:
        return render_editor(page, form, status=error.status_code, error=field_error(form, error))
    announce_status(result.status, merged=result.merged)
    return close_editor(page, result)


def close_editor(page, saved: editing.SaveResult | None = None):
    """Back to the page; the editor's presence ends at once (others stop seeing it)."""
    if key := request.form.get("editor_key"):  # none (a form sent without script): no presence to end, and
        presence.leave(page, user=current_actor(), key=key)  # the member is not read again after the commit
    return after_save(page, saved)


def after_save(page, saved: editing.SaveResult | None = None):
    """The 303 to the page, once its visitors' view is stored (prerender_for_visitors). `saved`: what the
    save kept of the page before its commit (else the page is read again)."""
    slug, public = (saved.slug, saved.public_view) if saved else (page.slug, editing.public_view(page))
    prerender_for_visitors(slug, public)
    return redirect(url_for("pages.show", slug=slug), 303)


def prerender_for_visitors(slug: str, public_view: bool) -> None:
    """Render the page as a visitor will get it and store it where the visitors' fast path looks, before
    the save answers: the first anonymous view after an edit is then a stored answer (about 1 ms)
    instead of a full render (11 ms of CPU at 10,000 pages, beside the saving worker's search catch-up).

    The view is asked of the app's own WSGI stack, as a visitor's request: no cookie, no
    Accept-Language (the site's language, which the fast path also gives every browser asking for
    it), this request's host, scheme and script root. So the fast path computes the key and Flask
    renders the answer exactly as for that visitor, in an app context of its own (its own `g`,
    database session and anonymous user: nothing of the member saving can reach it). Only for a page
    a visitor may read (`public_view`: editing.public_view), while visitors may not edit (else their
    views carry a session, never stored)."""
    app = current_app._get_current_object()
    if app.config["WIKI_ANONYMOUS_EDITS"] or not public_view:
        return
    environ = EnvironBuilder(path=f"/wiki/{slug}").get_environ()
    # As the fast path saw them (after ProxyFix, which then finds no forwarded header to apply again).
    for name in ("HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "wsgi.url_scheme"):
        environ[name] = request.environ.get(name, "")
    environ[INNER_REQUEST] = True
    with app.app_context():
        answer = app.wsgi_app(environ, lambda status, headers, exc_info=None: lambda data: None)
        try:
            for _chunk in answer:
                pass
        finally:
            if hasattr(answer, "close"):
                answer.close()


def open_editor(page, form, section: int | None):
    """The editor on the head, or on one of its sections (404 if that section does not exist)."""
    head = page.head
    form.title.data, form.base_revision.data = head.title, str(head.number)
    form.body.data, form.tags.data, form.licence.data = head.body, head.tags, head.licence_code or page.licence_code
    form.fill_event(sessions.Event.of(head))
    if section is not None:
        text = sections.get_section(head.body, section)
        if text is None:
            abort(404)
        form.body.data, form.section.data = text, str(section)
    return render_editor(page, form)


def with_sent_file(page, body: str) -> str:
    """A file chosen in the editor's plain file field (without script) is kept on the page, and its
    Markdown is added at the end of the text (the script inserts it at the cursor instead)."""
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return body
    attachment = file_uploads.add_attachment(page, filename=sent.filename, data=sent.read(), uploader=current_actor())
    return body.rstrip() + "\n\n" + file_names.markdown_for(attachment.name, picture=attachment.is_picture)


def full_body(page, form) -> str:
    """The submitted text, spliced into the revision it started from when it is one section."""
    body = form.body.data or ""
    number = form.section_number()
    if number is None:
        return body
    base = pages.get_revision(page, form.base_number() or page.head.number)
    spliced = sections.splice_section(base.body, number, body) if base else None
    if spliced is None:
        raise InvalidInput(_("This section no longer exists; copy your text and edit the whole page."))
    return spliced


def create(slug):
    """The editor on a new page, and its first save."""
    form = EditForm()
    if request.method == "GET":
        form.title.data = request.args.get("title") or slug.replace("-", " ").capitalize()
        fill_from_template(form, request.args.get("template", ""))
        return render_editor(None, form, slug=slug)
    if not form.validate_on_submit():
        return render_editor(None, form, slug=slug, status=422)
    try:
        event = sessions.clean_event(**form.event_fields())
        page = editing.create_page(title=form.title.data, body=form.body.data or "", summary=form.summary.data,
                                   author=current_actor(), slug=slug, tags=form.tags.data or "",
                                   licence=form.licence.data or None, licence_confirmed=form.licence_confirmed.data,
                                   event=event)
    except WikiError as error:
        return render_editor(None, form, slug=slug, status=error.status_code, error=field_error(form, error))
    announce_save(page.head)
    return after_save(page)


def fill_from_template(form, slug: str) -> None:
    """Start a new page from a template page the user may read (its text, tags, session block)."""
    template, _redirected = pages.find_page(slug) if slug else (None, False)
    if template is None or template.deleted or not can(current_user, "view", template):
        return
    revision = template.head if can(current_user, "view_pending", template) else template.published
    if revision is None:
        return
    draft = page_templates.draft_from(revision)
    form.body.data, form.tags.data = draft.body, draft.tags
    form.fill_event(draft.event)


def field_error(form, error):
    """A session field's error goes beside that field; any other one above the form."""
    field = getattr(error, "field", None)
    if field is None:
        return error.message
    form[field].errors = [error.message]
    return None


def render_editor(page, form, status=200, **context):
    """The editor, full page or in place. An editor sent back after a POST (conflict, invalid
    input) keeps the address bar where it is: it still names the editor the user opened."""
    form.licence.choices = [(l.code, l.name) for l in licensing.all_licences()]
    if not form.licence.data:
        form.licence.data = current_app.config["WIKI_DEFAULT_LICENCE"]
    context.setdefault("known_tags", tagging.all_tag_names(member=is_member(current_user)))
    context.setdefault("reviewed", not is_auto_approved(current_actor()))  # the help says who will read it
    context.setdefault("reviewers", reviewer_names() if context["reviewed"] else [])
    response = render_htmx("pages/edit.html", "pages/_editor.html", status=status, page=page, form=form,
                           slug=page.slug if page else context.pop("slug"), **context)
    return keep_address(response) if request.method == "POST" else response


def announce_save(revision, merged=False):
    """Flash what became of a save: published, or waiting for review (and merged, if it was)."""
    announce_status(revision.status, merged)


def announce_status(status: str, merged=False):
    """announce_save, from the revision's status (SaveResult.status: read after the commit, it reloads)."""
    if merged:
        flash(_("Someone else changed this page meanwhile; both changes were merged."), "info")
    if status == "pending" and (names := reviewer_names()):
        flash(_("Thank you! Your change is saved. It waits for review by a facilitator (%(names)s) before it is "
                "published; until then you can still withdraw it from the page.", names=", ".join(names)), "success")
    elif status == "pending":
        flash(_("Thank you! Your change is saved and will be published once a facilitator has reviewed it."),
              "success")
    else:
        flash(_("Your change is published."), "success")


@bp.post("/wiki/<slug>/preview")
def preview(slug):
    """The editor's live preview: the text rendered by the same sanitising pipeline."""
    page, _redirected = pages.find_page(slug)
    require(current_user, "edit" if page is not None else "create", page)
    form = PreviewForm()
    try:
        body = editing.clean_body(form.body.data or "")
    except WikiError as error:
        return render_template("pages/_preview.html", error=error.message)
    html = render_markdown(body)
    if page is not None:  # `attachments/<name>` shows the page's files, as on the page
        html = file_links.resolve(html, url_for("pages.show", slug=page.slug))
    return render_template("pages/_preview.html", html=html, missing_descriptions=file_links.missing_descriptions(html))


@bp.route("/wiki/<slug>/tags", methods=["GET", "POST"])
def tags(slug):
    """Edit a page's tags on their own (inline with htmx); the change is a revision like any edit."""
    page = load_page(slug, "edit")
    form = TagsForm()
    if request.method == "GET":
        form.tags.data = page.head.tags
        return render_tags(page, form, editing=True)
    if not form.validate_on_submit():
        return render_tags(page, form, editing=True, status=422)
    head = page.head
    try:
        result = editing.save_edit(page, title=head.title, body=head.body, author=current_actor(),
                                   base_revision=head.number, tags=form.tags.data or "", summary=_("Tags changed"))
        announce_status(result.status)
        prerender_for_visitors(result.slug, result.public_view)
    except NothingChanged:
        pass
    except WikiError as error:
        return render_tags(page, form, editing=True, status=error.status_code, error=error.message)
    if wants_fragment():
        return render_tags(page, form, editing=False)
    return redirect(url_for("pages.show", slug=page.slug), 303)


def render_tags(page, form, *, editing: bool, status: int = 200, error=None):
    return render_htmx("pages/tags.html", "pages/_tags.html", status=status, page=page, form=form,
                       editing=editing, error=error, revision=visible_revision(page),
                       known_tags=tagging.all_tag_names(member=is_member(current_user)))


@bp.post("/wiki/<slug>/withdraw")
def withdraw(slug):
    """Take back one's own change while it waits for review (only its author, only while pending)."""
    page = load_page(slug)  # the domain checks it is their change, still waiting
    withdraw_pending(page, author=current_actor())
    if page.deleted:
        flash(_("Your new page is withdrawn; nobody will review it."), "success")
        return redirect(url_for("pages.portal"), 303)
    flash(_("Your change is withdrawn; the page shows its published version again."), "success")
    return redirect(url_for("pages.show", slug=page.slug), 303)
