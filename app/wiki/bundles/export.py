"""The export: the shareable pages as one zip of Markdown files, their files, a static site,
LICENCES, README.txt.

A page's files travel with it as `files/<slug>/<name>`: what `attachments/<name>` names in
`markdown/<slug>.md` (the text stays as the wiki publishes it, so it reads back exactly), and what
`site/<slug>.html` shows by the relative path `../files/<slug>/<name>`. Only the files a visitor may
fetch that the published revision uses leave (listing.exported_files, the one visibility rule).

The same wiki always gives the same zip (files in a fixed order, dated by the newest publication),
and the bundle speaks the site's language, not the reader's."""

import os
import shutil
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.cli_progress import quiet
from app.wiki import agenda
from app.wiki.attachments import storage
from app.wiki.bundles.frontmatter import front_matter, timestamp
from app.wiki.bundles.shareable import ExportedPage, ExportReport, exported_count, left_out_text, shareable_pages
from app.wiki.bundles.site import file_path, site_files
from app.wiki.sessions import Event


# Already compressed: stored as they are rather than deflated again.
STORED_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/zip")


def export_zip(target, *, progress: Callable[[int, int], None] = quiet) -> ExportReport:
    """Write the shareable pages as a zip to a path (replaced atomically) or a binary file object;
    `progress(done, total)` follows the files written into it (cli_progress)."""
    with force_locale(current_app.config["WIKI_LANGUAGE"]):  # site pages are rendered as they are written
        pages, report = shareable_pages()
        files = bundle_files(pages, report)
        stamp = zip_date(pages)
        if not isinstance(target, (str, os.PathLike)):
            write_zip(target, files, stamp, progress)
            return report
        partial = Path(f"{os.fspath(target)}.partial")  # a failed export leaves no half-written zip behind
        try:
            write_zip(partial, files, stamp, progress)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    return report


def bundle_files(pages: list[ExportedPage], report: ExportReport) -> dict:
    """Every file of the bundle by its name inside the zip: text, a callable giving text, or a stored file."""
    files = {f"markdown/{item.slug}.md": markdown_file(item) for item in pages}
    files.update(attached_files(pages))
    files.update(site_files(pages, report))
    sessions = [item for item in pages if Event.of(item.revision).is_session]
    if sessions:
        files["agenda.ics"] = agenda.export_calendar([(item.page, Event.of(item.revision)) for item in sessions],
                                                     name=current_app.config["WIKI_SITE_NAME"])
    files["LICENCES"] = licences_text(pages)
    files["README.txt"] = readme_text(report)
    return files


def zip_date(pages: list[ExportedPage]) -> tuple:
    """The newest publication date: the same wiki always gives the same zip."""
    newest = max((item.revision.created_at for item in pages), default=datetime(1980, 1, 1))
    return max(newest, datetime(1980, 1, 1)).timetuple()[:6]  # zip dates start in 1980


def attached_files(pages: list[ExportedPage]) -> dict[str, "StoredFile"]:
    """The pages' exported files by their place in the zip; a content missing from storage stays out."""
    found = {}
    for item in pages:
        for attachment in item.files:
            path = storage.existing_path(attachment.sha256)
            if path is not None:
                found[file_path(item.slug, attachment.name)] = StoredFile(path, attachment.mime_type in STORED_TYPES)
    return found


class StoredFile:
    """A file of the files folder, copied into the zip when its turn comes."""

    def __init__(self, path: Path, compressed: bool):
        self.path, self.compressed = path, compressed


def write_zip(target, files: dict, stamp: tuple, progress: Callable[[int, int], None] = quiet) -> None:
    total = len(files)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, (name, content) in enumerate(files.items(), 1):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # readable files once unzipped
            if isinstance(content, StoredFile):
                if content.compressed:
                    info.compress_type = zipfile.ZIP_STORED
                with content.path.open("rb") as source, archive.open(info, "w") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
            else:
                archive.writestr(info, (content() if callable(content) else content).encode("utf-8"))
            progress(done, total)


def markdown_file(item: ExportedPage) -> str:
    """Front matter (it reads back exactly), a blank line, the published body."""
    revision = item.revision
    fields = {"title": revision.title, "licence": item.licence.code, "authors": item.authors,
              "tags": item.tags, "updated": timestamp(revision.created_at)}
    fields.update({name: value for name, value in Event.of(revision).as_fields().items() if value})
    return front_matter(fields) + "\n" + revision.body + "\n"


def licences_text(pages: list[ExportedPage]) -> str:
    """Each licence used in the bundle, its address, and the pages under it."""
    lines = [_("Licences of the pages in this bundle"), "",
             _("Each page may be reused under its licence, crediting its authors (listed in each Markdown "
               "file's front matter and at the foot of each HTML page)."), ""]
    for code in sorted({item.licence.code for item in pages}):
        under = [item for item in pages if item.licence.code == code]
        licence = under[0].licence
        lines += [f"{licence.name} ({licence.code})", licence.url]
        lines += [f"  - {item.revision.title} (markdown/{item.slug}.md)" for item in under]
        lines.append("")
    return "\n".join(lines)


def readme_text(report: ExportReport) -> str:
    """What the bundle is and holds."""
    site = current_app.config["WIKI_SITE_NAME"]
    return "\n".join([
        _("%(site)s: the shareable pages", site=site), "",
        _("This bundle holds the public pages of the wiki that are under a shareable licence, as last "
          "published: changes still waiting for review are not included."), "",
        _("markdown/  one Markdown file per page, with its title, licence, authors, tags and date"),
        _("files/     the files and pictures each page uses: attachments/<name> in markdown/<page>.md is "
          "files/<page>/<name>"),
        _("site/      the same pages as a small website: open site/index.html"),
        _("LICENCES   the licences used, and the pages under each"), "",
        exported_count(report),
        left_out_text(report), "",
    ])
