"""Thin views over app.wiki.attachments: POST and GET /wiki/<slug>/attachments, and each file.

An upload answers JSON to the editor's script (it asks for it) and a page to a plain form."""

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.attachments import bp
from app.pages.loading import checked_page, load_page
from app.web.actors import current_actor
from app.wiki import pages
from app.wiki.attachments import images, listing, names, sniffing, storage, uploads
from app.wiki.errors import FileRefused, WikiError
from app.wiki.permissions import can, is_member

FORM_OVERHEAD = 64 * 1024  # the multipart envelope around the file
PUBLIC_MAX_AGE = 24 * 3600
MEMBERS_MAX_AGE = 3600
FILE_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"
PDF_POLICY = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"


def wants_json() -> bool:
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"


@bp.get("/wiki/<slug>/attachments")
def index(slug):
    """The page's files: name, size, who sent it, when, where it is used; and a form to add one."""
    page = load_page(slug)
    return render_list(page)


def render_list(page, status=200, error=None):
    files = listing.page_files(page, member=is_member(current_user))
    return render_template("attachments/index.html", page=page, files=files, error=error,
                           may_upload=can(current_user, "upload", page),
                           max_upload=listing.size_text(current_app.config["WIKI_MAX_UPLOAD_BYTES"])), status


@bp.post("/wiki/<slug>/attachments")
def upload(slug):
    """Add a file (multipart field `file`) to the page; JSON for the editor, a page for a plain form."""
    page = checked_page(pages.find_page(slug)[0], False)
    try:
        if (request.content_length or 0) > current_app.config["WIKI_MAX_UPLOAD_BYTES"] + FORM_OVERHEAD:
            uploads.check_size(request.content_length)  # too large: say so before reading it
        sent = request.files.get("file")
        if sent is None or not sent.filename:
            raise FileRefused(_("Choose a file to add."))
        attachment = uploads.add_attachment(page, filename=sent.filename, data=sent.read(), uploader=current_actor())
    except WikiError as error:
        if wants_json():
            return jsonify(error=error.status_code, message=str(error.message)), error.status_code
        if error.status_code == 403:
            raise
        return render_list(page, status=error.status_code, error=error.message)
    markdown = names.markdown_for(attachment.name, picture=attachment.is_picture)
    if wants_json():
        return jsonify(name=attachment.name, url=file_url(page, attachment.name), markdown=markdown,
                       picture=attachment.is_picture, size=attachment.size), 201
    flash(_("File added. To show it on the page, put this in the text: %(markdown)s", markdown=markdown), "success")
    return redirect(url_for("attachments.index", slug=page.slug), 303)


def file_url(page, name: str) -> str:
    return url_for("attachments.file", slug=page.slug, filename=name)


@bp.get("/wiki/<slug>/attachments/<filename>")
def file(slug, filename):
    """One file, if its reader may see it (the page's visibility; visitors only approved files).

    `?w=480` or `?w=960` asks for a picture's narrower copy (the picture itself when it has none).
    Raster pictures and PDF are shown inline; everything else is a download, never a page."""
    page, redirected = pages.find_page(slug)
    if page is None:
        abort(404)
    member = is_member(current_user)
    attachment = listing.readable_attachment(page, filename, member=member)
    if attachment is None:
        abort(404)
    if redirected:
        return redirect(url_for("attachments.file", slug=page.slug, filename=filename, **request.args), 301)
    width = request.args.get("w", type=int)
    path = storage.existing_path(attachment.sha256, width) if width in images.THUMBNAIL_WIDTHS else None
    path = path or storage.existing_path(attachment.sha256)
    if path is None:
        abort(404)
    kind = sniffing.TYPES.get(attachment.mime_type)
    inline = bool(kind and kind.inline)
    response = send_file(path, mimetype=attachment.mime_type, as_attachment=not inline,
                         download_name=attachment.name, etag=f"{attachment.sha256}-{width or 0}",
                         max_age=PUBLIC_MAX_AGE, conditional=True, last_modified=attachment.created_at)
    public = attachment.approved and page.visibility == "public" and not page.deleted
    response.headers.pop("Expires", None)
    response.headers["Cache-Control"] = (f"public, max-age={PUBLIC_MAX_AGE}" if public
                                         else f"private, max-age={MEMBERS_MAX_AGE}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = PDF_POLICY if attachment.mime_type == "application/pdf" else FILE_POLICY
    response.vary.add("Cookie")
    return response
