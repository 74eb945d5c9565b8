"""Import: create pages from this wiki's exports, An Otter Wiki folders and Obsidian vaults.

The whole bundle is read and parsed before anything is written, then every page is created in
one transaction, so a refused bundle creates nothing. Pages already in the wiki never change.
The files the notes use come with them (attaching.py): checked like uploads before the write
lock is taken, attached to the new pages in the same transaction; a refused file is reported."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.cli_progress import quiet
from app.database import begin_write
from app.extensions import db
from app.models import Licence, Page, utcnow
from app.wiki import editing, licensing, moderation, sessions, tagging
from app.wiki.attachments.uploads import PreparedFile, attach
from app.wiki.bundles import attaching
from app.wiki.bundles.frontmatter import list_value, parse_timestamp, split_front_matter, text_value
from app.wiki.bundles.reading import BundleFile, read_bundle
from app.wiki.errors import InvalidInput
from app.wiki.pages import find_page
from app.wiki.revisions import add_revision, commit_changes, invalidate_linking_pages, update_links
from app.wiki.sessions import NO_EVENT, Event
from app.wiki.slugs import slugify

HEADING = re.compile(r"\A\n*#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*(?:\n|\Z)")
MAX_AUTHORS_LENGTH = 500  # Page.imported_authors


@dataclass(frozen=True)
class ImportedPage:
    source: str
    slug: str
    title: str
    body: str
    tags: list[str]
    licence: str
    authors: str  # comma separated, as Page.imported_authors keeps them
    updated: datetime | None
    event: Event = NO_EVENT  # a session's fields (event_start, ...), checked like the editor's
    files: tuple[PreparedFile, ...] = ()  # the files its body uses, checked and stored, in order


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # already there with the same text
    different: list[str] = field(default_factory=list)  # already there with another text: left as it is
    files: list[str] = field(default_factory=list)  # `<slug>/<name>` of the files attached to new pages
    refused: list[str] = field(default_factory=list)  # why each file that did not come stayed out


def import_bundle(path, *, author_label: str = licensing.IMPORT_LABEL,
                  progress: Callable[[int, int], None] = quiet) -> ImportReport:
    """Create pages from a folder, a zip or a Markdown file, with the files they use; existing pages
    are never changed. `progress(done, total)` follows the files checked, then the pages written."""
    bundle = read_bundle(Path(path))
    pages = parse_bundle(bundle.notes)
    found = attaching.find_files([(page.source, page.body) for page in pages], bundle.others)
    checked = len(found.paths)
    total = checked + len(pages)
    prepared = attaching.prepare_files(found, bundle.others, progress=progress, total=total)
    pages = [with_files(page, found, prepared) for page in pages]
    try:
        report = write_pages(pages, author_label, progress=lambda done: progress(checked + done, total))
        report.refused = found.refused
    except sa.exc.IntegrityError as error:  # someone created one of these pages meanwhile
        db.session.rollback()
        raise InvalidInput(_("The wiki changed during the import; nothing was imported. Run it again.")) from error
    except BaseException:
        db.session.rollback()
        raise
    return report


def parse_bundle(files: list[BundleFile]) -> list[ImportedPage]:
    """Every file parsed and checked, or the first problem, before anything is written."""
    if not files:
        raise InvalidInput(_("The bundle holds no Markdown files (.md or .markdown)."))
    licences = {code.lower(): code for code in db.session.scalars(sa.select(Licence.code))}
    pages, sources = [], {}
    for file in sorted(files, key=lambda file: file.name):
        page = parse_file(file, licences)
        if page.slug in sources:
            raise InvalidInput(_("%(first)s and %(second)s would make the same page; rename one of them.",
                                 first=sources[page.slug], second=file.name))
        sources[page.slug] = file.name
        pages.append(page)
    return pages


def parse_file(file: BundleFile, licences: dict[str, str]) -> ImportedPage:
    """One Markdown file as a page: front matter if any, else the first `# ` heading or the file name."""
    fields, body = split_front_matter(decode(file))
    title = text_value(fields.get("title"))
    if not title:
        title, body = title_from_heading(body) or (PurePosixPath(file.name).stem, body)
    try:
        title, body = editing.clean_title(title), editing.clean_body(body)
        tags = tagging.parse_tags(", ".join(name.lstrip("#") for name in list_value(fields.get("tags"))))
        event = sessions.clean_event(**{name: text_value(fields.get(name)) for name in sessions.FIELDS})
    except InvalidInput as error:
        raise InvalidInput(_("%(name)s: %(problem)s", name=file.name, problem=error.message)) from error
    code = text_value(fields.get("licence") or fields.get("license")).lower()
    return ImportedPage(source=file.name, slug=slugify(title), title=title, body=body, tags=tags,
                        licence=licences.get(code) or current_app.config["WIKI_DEFAULT_LICENCE"],
                        authors=authors_field(list_value(fields.get("authors") or fields.get("author"))),
                        updated=parse_timestamp(text_value(fields.get("updated"))), event=event)


def with_files(page: ImportedPage, found: attaching.FilesFound, prepared: dict[str, PreparedFile]) -> ImportedPage:
    """The page whose references now name its files, its body checked again (it grew a little)."""
    changed = attaching.with_files(page, found.uses.get(page.source, []), prepared)
    if changed is page:
        return page
    try:
        return replace(changed, body=editing.clean_body(changed.body))
    except InvalidInput as error:
        raise InvalidInput(_("%(name)s: %(problem)s", name=page.source, problem=error.message)) from error


def decode(file: BundleFile) -> str:
    try:
        text = file.data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(_("%(name)s is not UTF-8 text.", name=file.name)) from error
    if "\x00" in text:
        raise InvalidInput(_("%(name)s is not a text file.", name=file.name))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def authors_field(names: list[str]) -> str:
    """Names joined for Page.imported_authors, as many as fit."""
    kept = []
    for name in (" ".join(name.replace(",", " ").split()) for name in names):
        if name and len(", ".join([*kept, name])) <= MAX_AUTHORS_LENGTH:
            kept.append(name)
    return ", ".join(kept)


def title_from_heading(body: str) -> tuple[str, str] | None:
    """An Otter Wiki page opens with `# Title`: that line becomes the title."""
    match = HEADING.match(body)
    return (match.group(1), body[match.end():].lstrip("\n")) if match else None


def write_pages(pages: list[ImportedPage], author_label: str,
                progress: Callable[[int], None] = lambda done: None) -> ImportReport:
    """Create the new pages and their files in one transaction; pages already in the wiki stay as they are."""
    begin_write()
    report = ImportReport()
    for done, item in enumerate(pages, 1):
        tags = tagging.normalise_tag_field(", ".join(item.tags))
        existing, _redirected = find_page(item.slug)
        if existing is None:
            page = create_imported_page(item, tags, author_label)
            taken = {}
            for prepared in item.files:  # named as attaching.with_files named them: the page had no files
                attachment = attach(page, prepared, uploader=None, uploader_label=author_label, approved=True,
                                    taken=taken)
                report.files.append(f"{page.slug}/{attachment.name}")
            report.created.append(item.slug)
        elif is_same_page(existing, item, tags):
            report.unchanged.append(item.slug)
        else:
            report.different.append(item.slug)
        progress(done)
    if report.created:
        invalidate_linking_pages(*report.created)  # red links to these pages turn blue
    commit_changes()  # then search indexes the new pages
    return report


def is_same_page(page: Page, item: ImportedPage, tags: str) -> bool:
    """True when the wiki already publishes this text under this name, tags and licence."""
    published = page.published
    return (page.slug == item.slug and not page.deleted and published is not None
            and (published.title, published.body, published.tags, published.licence_code, Event.of(published))
            == (item.title, item.body, tags, item.licence, item.event))


def create_imported_page(item: ImportedPage, tags: str, author_label: str) -> Page:
    """A published page with its first revision, dated as in the bundle (no commit).

    Not editing.create_page: it commits each page, and the bundle must go in whole or not at all."""
    page = Page(slug=item.slug, title=item.title, licence_code=item.licence, visibility="public",
                imported_authors=item.authors, created_at=utcnow(), updated_at=utcnow())
    db.session.add(page)
    db.session.flush()
    revision = add_revision(page, title=item.title, body=item.body, author=None, author_label=author_label,
                           summary=editing.clean_summary(_("Imported from %(name)s", name=item.source)),
                           tags=tags, licence=item.licence, event=item.event)
    if item.updated is not None:
        revision.created_at = item.updated  # publish() dates the page from it
    moderation.publish(page, revision)
    update_links(page, item.body)
    return page
