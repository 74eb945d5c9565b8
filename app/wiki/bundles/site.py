"""The static site of an export: one HTML page per exported page and an index, from templates.

The templates (app/templates/bundle/) are rendered by a Jinja environment of their own, with
autoescape on and the site's catalogue, outside any request. Page bodies are the wiki's sanitised
HTML with their links rewritten to stay inside the zip: links to pages left out become plain
text; a page's files that travel with it (files/<slug>/<name>) are shown and linked by relative
paths, and any other upload becomes its alt text."""

import re
from functools import partial
from html import escape, unescape
from pathlib import Path
from urllib.parse import quote, unquote

import jinja2
from flask import current_app
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from app.wiki.bundles.shareable import ExportedPage, ExportReport, exported_count, left_out_text
from app.wiki.pages import find_page
from app.wiki.rendering import page_url_builder, render_markdown

APP_FOLDER = Path(__file__).resolve().parent.parent.parent
STYLESHEET = APP_FOLDER / "static" / "app.css"
TEMPLATES = APP_FOLDER / "templates"  # only bundle/ is used

templates = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                               keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
                               extensions=["jinja2.ext.i18n"])
# Flask-Babel's catalogue for the current locale (the export forces the site's language).
templates.install_gettext_callables(lambda text: get_translations().ugettext(text),
                                    lambda singular, plural, n: get_translations().ungettext(singular, plural, n),
                                    newstyle=True)

# Our sanitiser writes every attribute as name="value" (html5lib serialiser), which these rely on.
ANCHOR = re.compile(r'<a((?:\s+[\w:.-]+="[^"]*")*)\s*>(.*?)</a>', re.S)
IMAGE = re.compile(r'<img((?:\s+[\w:.-]+="[^"]*")*)\s*/?>')
ATTRIBUTE = re.compile(r'([\w:.-]+)="([^"]*)"')
EXTERNAL = ("http://", "https://", "mailto:")
FILE_REFERENCE = re.compile(r"(?:\./)?attachments/([A-Za-z0-9][A-Za-z0-9._-]{0,150})")


class SiteLinks:
    """Where a link of the wiki goes inside the exported site, if it goes anywhere."""

    def __init__(self, exported: set[str], files: dict[str, set[str]] | None = None):
        self.exported = exported
        self.files = files or {}  # slug -> names of the files exported with that page
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

    def file(self, slug: str | None, href: str) -> str | None:
        """`attachments/<name>` of a page, as the path from its site page to the exported copy."""
        match = FILE_REFERENCE.fullmatch(href)
        if slug is None or match is None or match.group(1) not in self.files.get(slug, ()):
            return None
        return f"../{file_path(slug, match.group(1))}"

    def resolve(self, slug: str) -> str | None:
        """The exported page a slug names, following renames."""
        if slug not in self.resolved:
            page = slug if slug in self.exported else None
            if page is None:
                found, _redirected = find_page(slug)
                page = found.slug if found is not None and found.slug in self.exported else None
            self.resolved[slug] = page
        return self.resolved[slug]


def file_path(slug: str, name: str) -> str:
    """Where a page's file lies in the zip (names are safe: [A-Za-z0-9._-])."""
    return f"files/{slug}/{name}"


def local_html(html: str, links: SiteLinks, slug: str | None = None) -> Markup:
    """Sanitised page HTML whose links all stay in the zip; others become plain text. The files of
    page `slug` that travel with the export are shown from there."""
    def image(match):
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        source = unescape(attributes.get("src", ""))
        if source.lower().startswith(("http://", "https://")):
            return match.group(0)
        local = links.file(slug, source)
        if local is None:
            return escape(unescape(attributes.get("alt", "")))  # not exported: its description stays
        attributes["src"] = escape(local)
        return "<img" + "".join(f' {name}="{value}"' for name, value in attributes.items()) + ">"

    def anchor(match):
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        if "href" not in attributes:
            return match.group(0)
        href = links.file(slug, unescape(attributes["href"])) or links.target(unescape(attributes["href"]))
        if href is None:
            return match.group(2)
        attributes["href"] = escape(href)
        opening = "".join(f' {name}="{value}"' for name, value in attributes.items())  # values stay escaped
        return f"<a{opening}>{match.group(2)}</a>"

    return Markup(ANCHOR.sub(anchor, IMAGE.sub(image, str(html))))


def site_files(pages: list[ExportedPage], report: ExportReport) -> dict:
    """The site's files by their name inside the zip; each page is rendered when it is written
    (a callable), so the export's progress follows the work."""
    links = SiteLinks({item.slug for item in pages}, {item.slug: {a.name for a in item.files} for item in pages})
    files = {"site/index.html": site_index(pages, report)}
    files.update({f"site/{item.slug}.html": partial(site_page, item, links) for item in pages})
    files["site/app.css"] = STYLESHEET.read_text(encoding="utf-8")
    return files


def render(template: str, **context) -> str:
    config = current_app.config
    return templates.get_template(template).render(lang=config["WIKI_LANGUAGE"], site=config["WIKI_SITE_NAME"],
                                                   **context)


def site_page(item: ExportedPage, links: SiteLinks) -> str:
    """A page of the static site: the published text, its tags, licence and authors."""
    return render("bundle/page.html", item=item, body=local_html(relative_html(item.revision), links, item.slug),
                  credits=attribution(item))


def relative_html(revision) -> str:
    """The revision's sanitised HTML with its `attachments/<name>` references as the author wrote
    them (pages.rendered_html points them at the wiki's addresses; the zip has its own)."""
    return revision.html if revision.html is not None else str(render_markdown(revision.body))


def attribution(item: ExportedPage) -> str:
    """`Written by A, B, 2 anonymous edits.`, or nothing when nobody is known."""
    names = list(item.authors)
    if item.anonymous_edits:
        names.append(ngettext("%(num)d anonymous edit", "%(num)d anonymous edits", item.anonymous_edits))
    return f"{_('Written by')} {', '.join(names)}." if names else ""


def site_index(pages: list[ExportedPage], report: ExportReport) -> str:
    """The site's front page: every exported page by title, and what was left out."""
    return render("bundle/index.html", pages=sorted(pages, key=lambda item: item.revision.title.lower()),
                  intro=exported_count(report), left_out=left_out_text(report))
