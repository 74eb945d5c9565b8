"""Thin views over app.wiki.editing."""

import hashlib
from datetime import timezone

from flask import abort, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf, validate_csrf

from app.pages import bp
from app.pages.forms import EditForm, TagsForm, TitleForm
from app.config import LANGUAGES
from app.extensions import csrf
from app.web import pending_count, render_htmx, rendered_pages, safe_next_url, select_locale, wants_fragment
from app.wiki import accounts, editing, journal, licensing, page_settings, pages, sections, tagging
from app.wiki.diffing import diff_texts
from app.wiki.errors import EditConflict, InvalidInput, InvalidSlug, NothingChanged, WikiError
from app.wiki.permissions import can, is_member, require
from app.wiki.rendering import render_markdown, with_section_links
from app.wiki.slugs import is_valid_slug, slugify


def actor():
    """The user acting, or None for an anonymous visitor."""
    return current_user if current_user.is_authenticated else None


def canonical_slug_or_redirect(slug: str):
    """A valid slug, or a 301 to its canonical form, or a 400 if it has none."""
    if is_valid_slug(slug):
        return None
    canonical = slugify(slug)
    if not canonical:
        raise InvalidSlug()
    return redirect(url_for(request.endpoint, **{**request.view_args, "slug": canonical}, **request.args), 301)


def load_page(slug: str, action: str = "view"):
    """Load-or-abort: the page for a slug (404 if missing or not readable), with `action` checked."""
    return checked_page(*pages.find_page(slug), action)


def checked_page(page, redirected: bool, action: str = "view"):
    """The page if the user may do `action` on it; 404 (unreadable), 301 (renamed) or 403 otherwise."""
    if page is None or not can(current_user, "view", page):
        abort(404)
    if redirected:
        abort(redirect(url_for(request.endpoint, **{**request.view_args, "slug": page.slug}, **request.args), 301))
    if action != "view":
        require(current_user, action, page)
    return page


def visible_revision(page):
    """Members see the head (pending changes included); readers see the published revision."""
    if can(current_user, "view_pending", page):
        return page.head
    if page.published is None:
        abort(404)
    return page.published


def load_revision(page, number: int):
    """A revision of this page that the user may read, or 404 (same answer as a missing one)."""
    revision = pages.get_revision(page, number)
    if revision is None or (revision.status != "approved" and not can(current_user, "view_pending", page)):
        abort(404)
    return revision


@bp.get("/")
def portal():
    """The portal: the welcome page and the latest pages."""
    welcome, _redirected = pages.find_page(current_app.config["WIKI_HOME_PAGE"])
    revision = None
    if welcome is not None and can(current_user, "view", welcome) and welcome.published:
        revision = welcome.published
    recent = pages.recently_updated(member=is_member(current_user))
    return render_template("pages/portal.html", welcome=welcome, revision=revision, recent=recent,
                           html=pages.rendered_html(revision) if revision else None)


@bp.get("/wiki/")
def index():
    """Every page, by title."""
    return render_template("pages/index.html", pages=readable_pages())


def readable_pages():
    """Live pages this user may read: published ones, and pending new ones for members."""
    return pages.readable_pages(member=is_member(current_user))


@bp.get("/new")
def new():
    """Ask for a title, then open the editor on its slug."""
    title = " ".join(request.args.get("title", "").split())
    if title and slugify(title):
        return redirect(url_for("pages.edit", slug=slugify(title), title=title))
    return render_template("pages/new.html", title=title)


@bp.get("/wiki/<slug>")
def show(slug):
    """A page as its reader may see it; a missing page offers to create it."""
    if (response := canonical_slug_or_redirect(slug)) is not None:
        return response
    if (cached := cached_view(slug)) is not None:
        return cached
    page, redirected = pages.find_page(slug)
    if page is None or page.deleted and not can(current_user, "view_deleted", page):
        return render_htmx("pages/missing.html", "pages/_missing.html", status=404, slug=slug,
                           title=request.args.get("title") or slug.replace("-", " ").capitalize())
    page = checked_page(page, redirected)
    revision = visible_revision(page)
    html = article_html(page, revision)
    key = view_key(page, revision.id)
    if session.get("_flashes"):  # a one-off confirmation: render it, cache nothing
        response = render_htmx("pages/show.html", "pages/_article.html", page=page, revision=revision, html=html,
                               credits=licensing.credits(page))
        return with_validators(response, view_etag(key), page.updated_at)
    cache = rendered_pages()
    body = cache.put(key, (page.updated_at, render_htmx(
        "pages/show.html", "pages/_article.html", page=page, revision=revision, html=html,
        credits=licensing.credits(page), csrf_token=cache.token_placeholder).get_data(as_text=True)))
    return cached_response(key, *body)


def cached_view(slug: str):
    """The page view from the per-process cache, after one light query for the page's state, or None.

    The full path (ORM load with revisions, tags, licence; rendering) runs only on a miss."""
    if session.get("_flashes"):
        return None
    state = pages.page_state(slug)
    if state is None or not can(current_user, "view", state):
        return None
    revision_id = state.head_id if can(current_user, "view_pending", state) else state.published_id
    key = view_key(state, revision_id) if revision_id else None
    entry = rendered_pages().get(key) if key else None
    return cached_response(key, *entry) if entry else None


def cached_response(key: str, updated_at, body: str):
    etag = view_etag(key)
    if etag in request.if_none_match:
        return not_modified(etag)
    response = make_response(rendered_pages().with_token(body, csrf_token_for_page()))
    response.vary.add("HX-Request")
    return with_validators(response, etag, updated_at)


def csrf_token_for_page() -> str:
    """Members (and visitors, where they may edit) get a token; plain readers get no session at all."""
    if current_user.is_authenticated or current_app.config["WIKI_ANONYMOUS_EDITS"]:
        return generate_csrf()
    return ""


def view_etag(key: str) -> str:
    csrf_token_for_page()  # creates the session's token first, so the first answer's ETag holds
    return hashlib.sha256(f"{key}\x1f{session.get('csrf_token', '')}".encode()).hexdigest()[:32]


def view_key(page, revision_id: int) -> str:
    """Everything a page view depends on but the CSRF token: the page's state (render_version moves
    when links in its text change colour), who is looking and where from, the language, the review count."""
    user = current_user
    parts = [page.id, page.change_seq, page.head_id, page.published_id, page.protected, page.visibility,
             page.deleted, page.render_version, revision_id, request.full_path,
             user.get_id() if user.is_authenticated else "", getattr(user, "role", ""),
             getattr(user, "trusted", ""), select_locale(), wants_fragment(),
             pending_count() if can(user, "review") else ""]
    return "\x1f".join(map(str, parts))


def with_validators(response, etag: str, last_modified):
    response.set_etag(etag)
    response.last_modified = last_modified.replace(tzinfo=timezone.utc)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


def not_modified(etag: str):
    response = current_app.response_class(status=304)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Cookie", "HX-Request"))
    return response


def article_html(page, revision):
    """The revision's HTML, with section edit links when the reader may edit and they line up."""
    html = pages.rendered_html(revision)
    if revision.id != page.head_id or not can(current_user, "edit", page):
        return html
    linked = with_section_links(html, url_for("pages.edit", slug=page.slug), _("edit"))
    if linked.count('class="section-edit"') != sections.count_sections(revision.body):
        return html  # headings the source does not show (raw HTML, quotes): no links rather than wrong ones
    return linked


@bp.route("/wiki/<slug>/edit", methods=["GET", "POST"])
def edit(slug):
    """The editor; a POST saves, merging or returning the text on a conflict."""
    if (response := canonical_slug_or_redirect(slug)) is not None:
        return response
    page, _redirected = pages.find_page(slug)
    if page is not None and not page.deleted:
        page = load_page(slug, "edit")
        return edit_existing(page)
    require(current_user, "create")
    if page is not None:  # deleted: facilitators restore it, others get the same 404 as for reading
        abort(404)
    return create(slug)


def edit_existing(page):
    form = EditForm()
    if request.method == "GET":
        return open_editor(page, form, request.args.get("section", type=int))
    if not form.validate_on_submit():
        return render_editor(page, form, status=422)
    try:
        body = full_body(page, form)
        result = editing.save_edit(page, title=form.title.data, body=body, summary=form.summary.data,
                                   author=actor(), base_revision=form.base_number(), tags=form.tags.data or "",
                                   licence=form.licence.data or None, licence_confirmed=form.licence_confirmed.data)
    except EditConflict as conflict:
        form.base_revision.data = str(conflict.head.number)  # the next save builds on what is there now
        return render_editor(page, form, status=409, conflict=conflict,
                             their_diff=diff_texts(conflict.base_body, conflict.head.body))
    except NothingChanged:
        flash(_("Nothing was changed."), "info")
        return redirect(url_for("pages.show", slug=page.slug), 303)
    except WikiError as error:
        return render_editor(page, form, status=error.status_code, error=error.message)
    announce_save(result.revision, merged=result.merged)
    return redirect(url_for("pages.show", slug=page.slug), 303)


def open_editor(page, form, section: int | None):
    """The editor on the head, or on one of its sections."""
    head = page.head
    form.title.data, form.base_revision.data = head.title, str(head.number)
    form.body.data, form.tags.data, form.licence.data = head.body, head.tags, head.licence_code or page.licence_code
    if section is not None:
        text = sections.get_section(head.body, section)
        if text is None:
            abort(404)
        form.body.data, form.section.data = text, str(section)
    return render_editor(page, form)


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
    form = EditForm()
    if request.method == "GET":
        form.title.data = request.args.get("title") or slug.replace("-", " ").capitalize()
        return render_editor(None, form, slug=slug)
    if not form.validate_on_submit():
        return render_editor(None, form, slug=slug, status=422)
    try:
        page = editing.create_page(title=form.title.data, body=form.body.data or "", summary=form.summary.data,
                                   author=actor(), slug=slug, tags=form.tags.data or "",
                                   licence=form.licence.data or None, licence_confirmed=form.licence_confirmed.data)
    except WikiError as error:
        return render_editor(None, form, slug=slug, status=error.status_code, error=error.message)
    announce_save(page.head)
    return redirect(url_for("pages.show", slug=page.slug), 303)


def render_editor(page, form, status=200, **context):
    form.licence.choices = [(l.code, l.name) for l in licensing.all_licences()]
    if not form.licence.data:
        form.licence.data = current_app.config["WIKI_DEFAULT_LICENCE"]
    context.setdefault("known_tags", tagging.all_tag_names())
    return render_htmx("pages/edit.html", "pages/_editor.html", status=status, page=page, form=form,
                       slug=page.slug if page else context.pop("slug"), **context)


def announce_save(revision, merged=False):
    if merged:
        flash(_("Someone else changed this page meanwhile; both changes were merged."), "info")
    if revision.status == "pending":
        flash(_("Thank you! Your change is saved and will be published once a facilitator has reviewed it."),
              "success")
    else:
        flash(_("Your change is published."), "success")


@bp.get("/wiki/<slug>/history")
def history(slug):
    """Every revision with author, summary and status; pick two to compare."""
    page = load_page(slug, "history")
    show_pending = can(current_user, "view_pending", page)
    shown = [r for r in pages.history(page) if show_pending or r.status == "approved"]
    if not shown:
        abort(404)
    return render_htmx("pages/history.html", "pages/_history.html", page=page, revisions=shown,
                       events=journal.page_events(page))


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
    revision = editing.restore_revision(page, number, author=actor())
    announce_save(revision)
    return redirect(url_for("pages.show", slug=page.slug), 303)


@bp.route("/wiki/<slug>/rename", methods=["GET", "POST"])
def rename(slug):
    """Rename a page; the old address keeps working."""
    page = load_page(slug, "rename")
    form = TitleForm()
    if request.method == "GET":
        form.title.data = page.head.title
        return render_template("pages/rename.html", page=page, form=form)
    if not form.validate_on_submit():
        return render_template("pages/rename.html", page=page, form=form), 422
    try:
        editing.rename_page(page, title=form.title.data, author=actor())
    except WikiError as error:
        return render_template("pages/rename.html", page=page, form=form, error=error.message), error.status_code
    flash(_("The page is renamed. Its old address leads here."), "success")
    return redirect(url_for("pages.show", slug=page.slug), 303)


@bp.post("/wiki/<slug>/delete")
def delete(slug):
    """Hide a page; its history is kept."""
    page = load_page(slug, "delete")
    editing.delete_page(page, author=actor())
    flash(_("The page is deleted. It can be restored from its address."), "success")
    return redirect(url_for("pages.show", slug=page.slug), 303)


@bp.post("/wiki/<slug>/undelete")
def undelete(slug):
    """Bring a deleted page back with its history."""
    page = load_page(slug, "undelete")
    editing.undelete_page(page, author=actor())
    flash(_("The page is back."), "success")
    return redirect(url_for("pages.show", slug=page.slug), 303)


@bp.get("/wiki/<slug>/links")
def links(slug):
    """What links here."""
    page = load_page(slug)
    return render_template("pages/links.html", page=page, pages=pages.backlinks(page, member=is_member(current_user)))


@bp.post("/wiki/<slug>/protect")
def protect(slug):
    """Protect a page (field `protected`: 1 or 0): only facilitators may then edit it."""
    page = load_page(slug, "protect")
    protected = request.form.get("protected") == "1"
    page_settings.set_protection(page, protected, by=actor())
    flash(_("Only facilitators can edit this page now.") if protected else _("Everyone can edit this page again."),
          "success")
    return redirect(url_for("pages.show", slug=page.slug), 303)


@bp.post("/wiki/<slug>/visibility")
def visibility(slug):
    """Make a page public or members-only (field `visibility`)."""
    page = load_page(slug, "change_visibility")
    page_settings.set_visibility(page, request.form.get("visibility", ""), by=actor())
    flash(_("Only members can see this page now.") if page.visibility == "members"
          else _("Everyone can see this page now."), "success")
    return redirect(url_for("pages.show", slug=page.slug), 303)


@bp.post("/wiki/<slug>/preview")
def preview(slug):
    """The editor's live preview: the text rendered by the same sanitising pipeline."""
    page, _redirected = pages.find_page(slug)
    require(current_user, "edit" if page is not None else "create", page)
    try:
        body = editing.clean_body(request.form.get("body", ""))
    except WikiError as error:
        return render_template("pages/_preview.html", error=error.message)
    return render_template("pages/_preview.html", html=render_markdown(body))


@bp.post("/language")
@csrf.exempt
def language():
    """Switch the interface language (field `code`): a cookie, and the account's preference when signed in.

    A visitor's switch only sets a cookie, so it needs no session; a member's also writes to the
    database, so their CSRF token is checked here."""
    code = request.form.get("code", "")
    if code not in LANGUAGES:
        abort(400)
    if current_user.is_authenticated:
        validate_csrf(request.form.get("csrf_token"))
        accounts.set_language(current_user, code)
    response = redirect(safe_next_url(request.form.get("next"), url_for("pages.portal")), 303)
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


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
        result = editing.save_edit(page, title=head.title, body=head.body, author=actor(), base_revision=head.number,
                                   tags=form.tags.data or "", summary=_("Tags changed"))
        announce_save(result.revision)
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
                       known_tags=tagging.all_tag_names())


@bp.get("/wiki/<slug>/credits")
def credits(slug):
    """Who wrote this page, with their number of published edits."""
    page = load_page(slug)
    return render_template("pages/credits.html", page=page, credits=licensing.credits(page))


@bp.get("/licences")
def licences():
    """The licences explained in plain words."""
    return render_template("pages/licences.html", licences=licensing.all_licences())
