"""Bundles of pages: export the shareable commons as a zip, import folders or zips of Markdown.

Export takes only what may leave the wiki: public pages under a shareable licence, as last
published (pending text never leaves). Import reads this wiki's exports, An Otter Wiki folders
and Obsidian vaults; it checks and parses the whole bundle before writing anything, then writes
every page in one transaction, so a refused bundle creates nothing."""

import json
import os
import re
import struct
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape, unescape
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from app.database import begin_write
from app.extensions import db
from app.models import Licence, Page, Revision, utcnow
from app.wiki import editing, licensing, moderation, tagging
from app.wiki.errors import InvalidInput
from app.wiki.rendering import page_url_builder
from app.wiki.slugs import slugify

# Limits on what an import reads: a bundle is notes, not a dump. The zip's own header sizes are
# checked before anything is inflated, and every read is capped in case a header lies.
MAX_FILE_BYTES = 2_000_000
MAX_TOTAL_BYTES = 50_000_000
MAX_ENTRIES = 5_000

MARKDOWN_SUFFIXES = (".md", ".markdown")
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".jar")
UNSAFE_NAME = re.compile(r"^/|^[A-Za-z]:|\\|\x00")
# What zipfile raises on damaged, encrypted or exotic archives (names in bad UTF-8, unknown versions).
UNREADABLE_ZIP = (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, EOFError, OSError,
                  struct.error, zlib.error)
STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "app.css"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


# --- Export ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportReport:
    exported: list[str]  # slugs, by title
    internal: int = 0  # not under a shareable licence
    members_only: int = 0
    unpublished: int = 0  # new pages still waiting for their first review

    @property
    def left_out(self) -> int:
        return self.internal + self.members_only + self.unpublished


@dataclass(frozen=True)
class ExportedPage:
    """One page as it leaves the wiki: its published revision and what to credit."""

    page: Page
    revision: Revision
    licence: Licence
    authors: list[str]
    anonymous_edits: int

    @property
    def slug(self) -> str:
        return self.page.slug

    @property
    def tags(self) -> list[str]:
        return snapshot_tags(self.revision.tags)


def snapshot_tags(snapshot: str) -> list[str]:
    """Tag names from a revision's snapshot ("A, B"), in stored order."""
    return [name.strip() for name in (snapshot or "").split(",") if name.strip()]


def export_zip(target) -> ExportReport:
    """Write the shareable pages as a zip to a path (replaced atomically) or a binary file object."""
    with force_locale(current_app.config["WIKI_LANGUAGE"]):  # the bundle is the site's, not the reader's
        pages, report = shareable_pages()
        files = bundle_files(pages, report)
    stamp = zip_date(pages)
    if not isinstance(target, (str, os.PathLike)):
        write_zip(target, files, stamp)
        return report
    partial = Path(f"{os.fspath(target)}.partial")  # a failed export leaves no half-written zip behind
    try:
        write_zip(partial, files, stamp)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return report


def shareable_pages() -> tuple[list[ExportedPage], ExportReport]:
    """The live pages that may leave the wiki, and how many others were left out and why."""
    pages, left_out = [], Counter()
    for page in editing.all_pages():
        reason = left_out_reason(page)
        if reason:
            left_out[reason] += 1
        else:
            pages.append(exported_page(page))
    report = ExportReport(exported=[item.slug for item in pages], internal=left_out["internal"],
                          members_only=left_out["members_only"], unpublished=left_out["unpublished"])
    return pages, report


def left_out_reason(page: Page) -> str | None:
    """Why a live page stays in the wiki, or None if it may be exported."""
    if page.published is None:
        return "unpublished"
    if page.visibility != "public":
        return "members_only"
    licence = published_licence(page)
    if licence is None or not licence.shareable:
        return "internal"
    return None


def published_licence(page: Page) -> Licence | None:
    return db.session.get(Licence, page.published.licence_code or page.licence_code)


def exported_page(page: Page) -> ExportedPage:
    credits = licensing.credits(page)
    return ExportedPage(page=page, revision=page.published, licence=published_licence(page),
                        authors=credits.names, anonymous_edits=credits.anonymous_edits)


def bundle_files(pages: list[ExportedPage], report: ExportReport) -> dict[str, str]:
    """Every file of the bundle by its name inside the zip."""
    links = SiteLinks({item.slug for item in pages})
    files = {f"markdown/{item.slug}.md": markdown_file(item) for item in pages}
    files["site/index.html"] = site_index(pages, report)
    files.update({f"site/{item.slug}.html": site_page(item, links) for item in pages})
    files["site/app.css"] = STYLESHEET.read_text(encoding="utf-8")
    files["LICENCES"] = licences_text(pages)
    files["README.txt"] = readme_text(report)
    return files


def zip_date(pages: list[ExportedPage]) -> tuple:
    """The newest publication date: the same wiki always gives the same zip."""
    newest = max((item.revision.created_at for item in pages), default=datetime(1980, 1, 1))
    return max(newest, datetime(1980, 1, 1)).timetuple()[:6]  # zip dates start in 1980


def write_zip(target, files: dict[str, str], stamp: tuple) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # readable files once unzipped
            archive.writestr(info, content.encode("utf-8"))


def timestamp(moment: datetime) -> str:
    """Naive UTC as ISO 8601 to the second, the front matter's `updated`."""
    return moment.strftime(TIMESTAMP_FORMAT)


def as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def markdown_file(item: ExportedPage) -> str:
    """Front matter in YAML's JSON-compatible subset (it reads back exactly), a blank line, the body."""
    revision = item.revision
    lines = [
        "---",
        f"title: {as_json(revision.title)}",
        f"licence: {as_json(item.licence.code)}",
        f"authors: {as_json(item.authors)}",
        f"tags: {as_json(item.tags)}",
        f"updated: {as_json(timestamp(revision.created_at))}",
        "---",
        "",
        revision.body,
    ]
    return "\n".join(lines) + "\n"


# --- The static site ---------------------------------------------------------------------------

HTML_DOCUMENT = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="app.css">
</head>
<body>
<header class="site-header"><a class="brand" href="index.html">{site}</a></header>
<main id="main">
{content}
</main>
</body>
</html>
"""

# Our sanitiser writes every attribute as name="value" (html5lib serialiser), which these rely on.
ANCHOR = re.compile(r'<a((?:\s+[\w:.-]+="[^"]*")*)\s*>(.*?)</a>', re.S)
IMAGE = re.compile(r'<img((?:\s+[\w:.-]+="[^"]*")*)\s*/?>')
ATTRIBUTE = re.compile(r'([\w:.-]+)="([^"]*)"')
EXTERNAL = ("http://", "https://", "mailto:")


class SiteLinks:
    """Where a link of the wiki goes inside the exported site, if it goes anywhere."""

    def __init__(self, exported: set[str]):
        self.exported = exported
        page_prefix = page_url_builder()("x")[:-1]  # "/wiki/", or under the app's mount point
        self.page_path = re.compile(re.escape(page_prefix) + r"([^/?#]+)(#[^?]*)?")
        self.resolved: dict[str, str | None] = {}

    def target(self, href: str) -> str | None:
        """The href to keep: external, in-page, or a page of the export; None drops the link."""
        if href.lower().startswith(EXTERNAL) or href.startswith("#"):
            return href
        match = self.page_path.fullmatch(href)
        slug = self.resolve(unquote(match.group(1))) if match else None
        return None if slug is None else quote(slug) + ".html" + (match.group(2) or "")

    def resolve(self, slug: str) -> str | None:
        """The exported page a slug names, following renames."""
        if slug not in self.resolved:
            page = slug if slug in self.exported else None
            if page is None:
                found, _redirected = editing.find_page(slug)
                page = found.slug if found is not None and found.slug in self.exported else None
            self.resolved[slug] = page
        return self.resolved[slug]


def local_html(html: str, links: SiteLinks) -> Markup:
    """Sanitised page HTML whose links all stay in the zip; others become plain text."""
    def image(match):
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        if unescape(attributes.get("src", "")).lower().startswith(("http://", "https://")):
            return match.group(0)
        return escape(unescape(attributes.get("alt", "")))  # uploads do not travel with the export

    def anchor(match):
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        if "href" not in attributes:
            return match.group(0)
        href = links.target(unescape(attributes["href"]))
        if href is None:
            return match.group(2)
        attributes["href"] = escape(href)
        opening = "".join(f' {name}="{value}"' for name, value in attributes.items())  # values stay escaped
        return f"<a{opening}>{match.group(2)}</a>"

    return Markup(ANCHOR.sub(anchor, IMAGE.sub(image, str(html))))


def html_document(title: str, content: Markup) -> str:
    site = current_app.config["WIKI_SITE_NAME"]
    return Markup(HTML_DOCUMENT).format(lang=current_app.config["WIKI_LANGUAGE"], site=site,
                                        title=title, content=content)


def site_page(item: ExportedPage, links: SiteLinks) -> str:
    """A page of the static site: the published text, its tags, licence and authors."""
    content = Markup('<article class="article">\n<h1>{title}</h1>\n<div class="prose">{body}</div>\n'
                     '<footer class="article-footer">\n{tags}{licence}{updated}</footer>\n</article>').format(
        title=item.revision.title, body=local_html(editing.rendered_html(item.revision), links),
        tags=tags_paragraph(item.tags), licence=licence_paragraph(item),
        updated=Markup('<p class="meta">{}</p>\n').format(
            _("Last published on %(date)s.", date=item.revision.created_at.date().isoformat())))
    return html_document(f"{item.revision.title} — {current_app.config['WIKI_SITE_NAME']}", content)


def tags_paragraph(tags: list[str]) -> Markup:
    if not tags:
        return Markup("")
    names = Markup(" ").join(Markup('<span class="tag">{}</span>').format(name) for name in tags)
    return Markup('<p class="page-tags"><span class="tags-label">{label}</span> {names}</p>\n').format(
        label=_("Tags:"), names=names)


def licence_paragraph(item: ExportedPage) -> Markup:
    """The licence with its link, then the attribution line, as at the foot of the wiki's pages."""
    name = item.licence.name
    if item.licence.url:
        name = Markup('<a rel="license" href="{url}">{name}</a>').format(url=item.licence.url, name=name)
    licence = Markup("{text} {name}.").format(text=_("This page is shared under the licence"), name=name)
    return Markup('<p class="licence">{licence} {credits}</p>\n').format(licence=licence,
                                                                        credits=attribution(item))


def attribution(item: ExportedPage) -> str:
    """`Written by A, B, 2 anonymous edits.`, or nothing when nobody is known."""
    names = list(item.authors)
    if item.anonymous_edits:
        names.append(ngettext("%(num)d anonymous edit", "%(num)d anonymous edits", item.anonymous_edits))
    return f"{_('Written by')} {', '.join(names)}." if names else ""


def site_index(pages: list[ExportedPage], report: ExportReport) -> str:
    """The site's front page: every exported page by title, and what was left out."""
    items = Markup("\n").join(
        Markup('<li><a href="{href}">{title}</a></li>').format(href=quote(item.slug) + ".html",
                                                               title=item.revision.title)
        for item in sorted(pages, key=lambda item: item.revision.title.lower()))
    title = _("Shareable pages of %(site)s", site=current_app.config["WIKI_SITE_NAME"])
    content = Markup('<h1>{title}</h1>\n<p>{intro}</p>\n<ul class="page-list">\n{items}\n</ul>\n'
                     '<p class="left-out">{left_out}</p>\n<p>{licences}</p>').format(
        title=title, intro=exported_count(report), items=items, left_out=left_out_text(report),
        licences=Markup('<a href="../LICENCES">{}</a>').format(_("The licences of these pages")))
    return html_document(title, content)


def exported_count(report: ExportReport) -> str:
    return ngettext("%(num)d page may be reused under its licence.",
                    "%(num)d pages may be reused under their licences.", len(report.exported))


def left_out_text(report: ExportReport) -> str:
    """How many pages stayed in the wiki, by reason (deleted pages are not counted)."""
    return _("Left out: %(internal)d under an internal licence, %(members)d visible to members only, "
             "%(unpublished)d waiting for their first review.", internal=report.internal,
             members=report.members_only, unpublished=report.unpublished)


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
        _("site/      the same pages as a small website: open site/index.html"),
        _("LICENCES   the licences used, and the pages under each"), "",
        exported_count(report),
        left_out_text(report), "",
    ])


# --- Import ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BundleFile:
    name: str  # path inside the bundle, with forward slashes
    data: bytes


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


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # already there with the same text
    different: list[str] = field(default_factory=list)  # already there with another text: left as it is


def import_bundle(path, *, author_label: str = licensing.IMPORT_LABEL) -> ImportReport:
    """Create pages from a folder, a zip or a Markdown file; existing pages are never changed."""
    pages = parse_bundle(read_bundle(Path(path)))
    try:
        report = write_pages(pages, author_label)
    except sa.exc.IntegrityError as error:  # someone created one of these pages meanwhile
        db.session.rollback()
        raise InvalidInput(_("The wiki changed during the import; nothing was imported. Run it again.")) from error
    except BaseException:
        db.session.rollback()
        raise
    return report


def read_bundle(path: Path) -> list[BundleFile]:
    """The Markdown files of a bundle, read within the size limits."""
    if path.is_dir():
        return read_folder(path)
    if path.is_file() and zipfile.is_zipfile(path):
        return read_zip(path)
    if path.is_file() and is_markdown(path.name):
        return [BundleFile(path.name, read_capped(path, path.name))]
    if not path.exists():
        raise InvalidInput(_("There is no file or folder at %(path)s.", path=str(path)))
    raise InvalidInput(_("%(path)s is not a folder, a zip file or a Markdown file.", path=str(path)))


def is_markdown(name: str) -> bool:
    return name.lower().endswith(MARKDOWN_SUFFIXES)


def is_hidden(name: str) -> bool:
    """Tool folders (.obsidian, .git) and macOS resource forks (__MACOSX, ._note.md) are not notes."""
    return any(part.startswith(".") or part == "__MACOSX" for part in name.split("/") if part)


def too_many_files() -> InvalidInput:
    return InvalidInput(_("The bundle has too many files (at most %(n)d).", n=MAX_ENTRIES))


def too_large_bundle() -> InvalidInput:
    return InvalidInput(_("The bundle is too large (at most %(n)d MB once unpacked).", n=MAX_TOTAL_BYTES // 1_000_000))


def too_large_file(name: str) -> InvalidInput:
    return InvalidInput(_("%(name)s is too large (at most %(n)d MB per file).",
                          name=name, n=MAX_FILE_BYTES // 1_000_000))


def read_folder(root: Path) -> list[BundleFile]:
    files, seen, total = [], 0, 0
    for folder, subfolders, names in os.walk(root):  # does not follow links to folders
        subfolders[:] = sorted(name for name in subfolders if not is_hidden(name))
        for name in sorted(names):
            seen += 1
            if seen > MAX_ENTRIES:
                raise too_many_files()
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if is_hidden(name) or not is_markdown(name):
                continue
            if path.is_symlink():
                raise InvalidInput(_("%(name)s is a link; copy the file itself into the folder.", name=relative))
            files.append(BundleFile(relative, read_capped(path, relative)))
            total += len(files[-1].data)
            if total > MAX_TOTAL_BYTES:
                raise too_large_bundle()
    return files


def read_capped(path: Path, name: str) -> bytes:
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise InvalidInput(_("%(name)s cannot be read.", name=name)) from error
    if len(data) > MAX_FILE_BYTES:
        raise too_large_file(name)
    return data


def read_zip(path: Path) -> list[BundleFile]:
    """The Markdown members of a zip, after checking every name and declared size."""
    if path.stat().st_size > MAX_TOTAL_BYTES:
        raise too_large_bundle()
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            check_members(members)
            wanted = [info for info in members if not info.is_dir() and is_markdown(info.filename)
                      and not is_hidden(info.filename)]
            files = [BundleFile(info.filename, read_member(archive, info)) for info in wanted]
    except UNREADABLE_ZIP as error:
        raise InvalidInput(_("This zip file is damaged and cannot be read.")) from error
    if sum(len(file.data) for file in files) > MAX_TOTAL_BYTES:
        raise too_large_bundle()
    return files


def check_members(members: list[zipfile.ZipInfo]) -> None:
    """Refuse unsafe names, nested archives, and declared sizes over the limits, before inflating anything."""
    if len(members) > MAX_ENTRIES:
        raise too_many_files()
    for info in members:
        check_name(info.filename)
        if info.filename.lower().endswith(ARCHIVE_SUFFIXES):
            raise InvalidInput(_("%(name)s is an archive inside the bundle; unpack it first.", name=info.filename))
        if is_markdown(info.filename) and info.file_size > MAX_FILE_BYTES:
            raise too_large_file(info.filename)
    if sum(info.file_size for info in members) > MAX_TOTAL_BYTES:
        raise too_large_bundle()


def check_name(name: str) -> None:
    """Refuse names that climb out of the bundle: `../x.md`, `/etc/x.md`, `C:x.md`, backslashes."""
    if UNSAFE_NAME.search(name) or ".." in name.split("/"):
        raise InvalidInput(_("The bundle holds an unsafe file name: %(name)s", name=name))


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, capped: a header that lies about the size cannot inflate past the limit."""
    try:
        with archive.open(info) as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except UNREADABLE_ZIP as error:
        raise InvalidInput(_("%(name)s cannot be read from the zip file (damaged or encrypted).",
                             name=info.filename)) from error
    if len(data) > MAX_FILE_BYTES:
        raise too_large_file(info.filename)
    return data


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
    except InvalidInput as error:
        raise InvalidInput(_("%(name)s: %(problem)s", name=file.name, problem=error.message)) from error
    code = text_value(fields.get("licence") or fields.get("license")).lower()
    return ImportedPage(source=file.name, slug=slugify(title), title=title, body=body, tags=tags,
                        licence=licences.get(code) or current_app.config["WIKI_DEFAULT_LICENCE"],
                        authors=authors_field(list_value(fields.get("authors") or fields.get("author"))),
                        updated=parse_timestamp(text_value(fields.get("updated"))))


def decode(file: BundleFile) -> str:
    try:
        text = file.data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(_("%(name)s is not UTF-8 text.", name=file.name)) from error
    if "\x00" in text:
        raise InvalidInput(_("%(name)s is not a text file.", name=file.name))
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Keys may hold spaces (Obsidian properties such as `date created`); only unindented lines are read.
FIELD = re.compile(r"([^\s:#-][^:]*?)[ \t]*:(?:[ \t]+(.*?))?[ \t]*")
ITEM = re.compile(r"[ \t]*-[ \t]+(.*?)[ \t]*")
HEADING = re.compile(r"\A\n*#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*(?:\n|\Z)")
MAX_AUTHORS_LENGTH = 500  # Page.imported_authors


def split_front_matter(text: str) -> tuple[dict, str]:
    """(fields, body) for a text that opens with a `---` block of `key: value` lines; else ({}, text)."""
    lines = text.split("\n")  # not splitlines(): U+2028 in a JSON string is not a line break
    if lines[0].rstrip() != "---":
        return {}, text
    end = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() in ("---", "...")), None)
    if end is None or not looks_like_fields(lines[1:end]):
        return {}, text  # a thematic break, not front matter
    body = "\n".join(lines[end + 1:])
    return parse_fields(lines[1:end]), body.removeprefix("\n")  # the blank line after the block


def looks_like_fields(lines: list[str]) -> bool:
    """Every unindented line is a `key:` line, a list item or a comment."""
    return all(not line.strip() or line[0] in " \t#" or FIELD.fullmatch(line) or ITEM.fullmatch(line)
               for line in lines)


def parse_fields(lines: list[str]) -> dict:
    """`key: value` (JSON when it parses, else a bare string) and `key:` followed by `- item` lines."""
    fields, current = {}, None
    for line in lines:
        if match := FIELD.fullmatch(line):
            key, raw = match.group(1).lower(), match.group(2)
            fields[key] = parse_value(raw) if raw else []
            current = key if not raw else None
        elif (match := ITEM.fullmatch(line)) and current is not None:
            fields[current].append(parse_value(match.group(1)))
    return fields


def parse_value(raw: str):
    """JSON if it parses; a YAML flow list `[a, b]`; otherwise the bare string, quotes removed."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        pass
    if raw.startswith("[") and raw.endswith("]"):
        return [unquote_yaml(item) for item in raw[1:-1].split(",") if item.strip()]
    return unquote_yaml(raw)


def unquote_yaml(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def text_value(value) -> str:
    """A scalar field as text; lists and mappings are not text."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip()
    return ""


def list_value(value) -> list[str]:
    """A list field, written as a list or as comma-separated text."""
    if isinstance(value, list):
        return [text for text in map(text_value, value) if text]
    return [part.strip() for part in text_value(value).split(",") if part.strip()]


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


def parse_timestamp(text: str) -> datetime | None:
    """ISO 8601 as naive UTC to the second; a date without a zone is taken as UTC; junk is ignored."""
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    return moment.replace(microsecond=0)


def write_pages(pages: list[ImportedPage], author_label: str) -> ImportReport:
    """Create the new pages in one transaction; pages already in the wiki stay as they are."""
    begin_write()
    report = ImportReport()
    for item in pages:
        tags = tagging.normalise_tag_field(", ".join(item.tags))
        existing, _redirected = editing.find_page(item.slug)
        if existing is None:
            create_imported_page(item, tags, author_label)
            report.created.append(item.slug)
        elif is_same_page(existing, item, tags):
            report.unchanged.append(item.slug)
        else:
            report.different.append(item.slug)
    if report.created:
        editing.invalidate_linking_pages(*report.created)  # red links to these pages turn blue
    db.session.commit()
    return report


def is_same_page(page: Page, item: ImportedPage, tags: str) -> bool:
    """True when the wiki already publishes this text under this name, tags and licence."""
    published = page.published
    return (page.slug == item.slug and not page.deleted and published is not None
            and (published.title, published.body, published.tags, published.licence_code)
            == (item.title, item.body, tags, item.licence))


def create_imported_page(item: ImportedPage, tags: str, author_label: str) -> Page:
    """A published page with its first revision, dated as in the bundle (no commit).

    Not editing.create_page: it commits each page, and the bundle must go in whole or not at all."""
    page = Page(slug=item.slug, title=item.title, licence_code=item.licence, visibility="public",
                imported_authors=item.authors, created_at=utcnow(), updated_at=utcnow())
    db.session.add(page)
    db.session.flush()
    revision = editing.add_revision(page, title=item.title, body=item.body, author=None, author_label=author_label,
                                    summary=editing.clean_summary(_("Imported from %(name)s", name=item.source)),
                                    tags=tags, licence=item.licence)
    if item.updated is not None:
        revision.created_at = item.updated  # publish() dates the page from it
    moderation.publish(page, revision)
    editing.update_links(page, item.body)
    return page
