"""The one place user text becomes HTML: Markdown, wiki links, then an allowlist sanitiser.

python-markdown does not sanitise, so its *output* goes through bleach. Extensions that let
authors write attributes (attr_list, md_in_html) are deliberately absent."""

import re
import threading
import xml.etree.ElementTree as etree
from urllib.parse import urlencode

import bleach
import markdown
from markdown.extensions.toc import TocExtension
import sqlalchemy as sa
from bleach.linkifier import LinkifyFilter
from flask import current_app
from markdown.inlinepatterns import InlineProcessor
from markupsafe import Markup, escape

from app.extensions import db
from app.models import Page, Redirect
from app.wiki.render_limits import too_complex
from app.wiki.slugs import slugify

WIKI_LINK = re.compile(r"\[\[([^\[\]\n|#]+)(?:#([^\[\]\n|]*))?(?:\|([^\[\]\n]+))?\]\]")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p",
    "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul",
}
ALLOWED_PROTOCOLS = {"http", "https", "mailto"}
CLASSES = {
    "a": {"wikilink", "new", "footnote-ref", "footnote-backref"},
    "div": {"footnote", "toc"},
    "sup": set(),
}
ID_PREFIXES = ("h-", "fn:", "fnref:")


def allow_attribute(tag: str, name: str, value: str) -> bool:
    """The attribute allowlist. Nothing that can run code or steer htmx gets through."""
    if name in ("title",) and tag in ("a", "img", "abbr"):
        return True
    if tag == "a" and name in ("href", "rel"):
        return True
    if tag == "img" and name in ("src", "alt"):
        return True
    if tag in ("th", "td") and name == "align":
        return value in ("left", "center", "right")
    if name == "lang" and tag in ("span", "p", "blockquote", "div", "li", "td", "th", "em", "strong", "i", "b"):
        return bool(re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}", value))  # a passage in another language (RGAA 8.7)
    if tag == "ol" and name == "start":
        return value.isdigit()
    if tag == "code" and name == "class":
        return bool(re.fullmatch(r"language-[\w+#.-]{1,30}", value))
    if name == "class":
        return all(word in CLASSES.get(tag, ()) for word in value.split())
    if name == "id":
        return value.startswith(ID_PREFIXES) and bool(re.fullmatch(r"[\w:.-]{1,120}", value))
    return False


def heading_id(text: str, separator: str = "-") -> str:
    """Heading anchors get a prefix so user content cannot reuse the page's own element ids."""
    return "h-" + (slugify(text) or "section")


class WikiLinkProcessor(InlineProcessor):
    """`[[Page]]`, `[[Page|label]]`, `[[Page#section]]`; missing pages become red links to the editor."""

    def __init__(self, md, url_for_page):
        super().__init__(WIKI_LINK.pattern, md)
        self.url_for_page = url_for_page

    def handleMatch(self, m, data):
        target, section, label = m.group(1).strip(), m.group(2), m.group(3)
        slug = slugify(target)
        if not slug:
            return None, None, None
        link = etree.Element("a")
        link.text = (label or (f"{target}#{section}" if section else target)).strip()
        if slug in self.md.existing_slugs:
            anchor = "#" + heading_id(section) if section else ""
            link.set("href", self.url_for_page(slug) + anchor)
            link.set("class", "wikilink")
        else:
            link.set("href", self.url_for_page(slug, edit=True) + "?" + urlencode({"title": target}))
            link.set("class", "wikilink new")
            link.set("title", target)
        return link, m.start(0), m.end(0)


class WikiLinkExtension(markdown.Extension):
    def __init__(self, url_for_page):
        super().__init__()
        self.url_for_page = url_for_page

    def extendMarkdown(self, md):
        md.existing_slugs = set()
        # Above links (160) so `[[x]]` is not read as a reference link.
        md.inlinePatterns.register(WikiLinkProcessor(md, self.url_for_page), "wikilink", 175)


def page_url_builder():
    """Build page URLs outside a request: rendered HTML is cached and shared by every request."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT", "/"))

    def url_for_page(slug: str, edit: bool = False) -> str:
        return adapter.build("pages.edit" if edit else "pages.show", {"slug": slug})

    return url_for_page


_local = threading.local()


def _markdown() -> markdown.Markdown:
    """One Markdown instance per thread (they are not thread-safe), reset between uses."""
    md = getattr(_local, "md", None)
    if md is None or md.wiki_app is not current_app._get_current_object():
        md = markdown.Markdown(
            extensions=[
                "tables", "fenced_code", "footnotes", "sane_lists", "nl2br",
                TocExtension(slugify=heading_id, toc_depth="2-4"),
                WikiLinkExtension(page_url_builder()),
            ],
            extension_configs={"tables": {"use_align_attribute": True}},
            output_format="html",
        )
        md.wiki_app = current_app._get_current_object()
        _local.md = md
    md.reset()
    return md


def external_links_nofollow(attrs, new=False):
    """Links that leave the wiki get rel=nofollow (spam gains nothing); internal ones stay plain."""
    href = attrs.get((None, "href"), "")
    if href.startswith(("http:", "https:", "//")):
        attrs[(None, "rel")] = "nofollow noopener"
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=allow_attribute,
    protocols=ALLOWED_PROTOCOLS,
    strip=False,
    strip_comments=True,
    filters=[lambda source: LinkifyFilter(source, callbacks=[external_links_nofollow],
                                          skip_tags={"pre", "code"}, parse_email=False)],
)


def sanitise(html: str) -> str:
    """The allowlist sanitiser, behind one function so bleach can be swapped for nh3 later."""
    return _cleaner.clean(html)


def wiki_link_targets(text: str) -> set[str]:
    """The slugs a Markdown text links to with [[...]]."""
    return {slug for slug in (slugify(m.group(1)) for m in WIKI_LINK.finditer(text)) if slug}


def existing_slugs(slugs: set[str]) -> set[str]:
    """Which of these slugs answer: live pages, or old names that redirect to one."""
    if not slugs:
        return set()
    # `deleted` checked here, not in SQL: with it SQLite walked the index on `deleted`, every live page
    # (0.7 ms a render at 10,000 pages), instead of looking the few slugs up. One statement for both.
    live = sa.select(Page.slug, Page.deleted).where(Page.slug.in_(slugs))
    moved = (sa.select(Redirect.slug, Page.deleted).join(Page, Page.id == Redirect.page_id)
             .where(Redirect.slug.in_(slugs)))
    return {slug for slug, deleted in db.session.execute(live.union_all(moved)) if not deleted}


def as_plain_text(text: str) -> str:
    return f"<pre>{escape(text)}</pre>"


def render_markdown(text: str, *, also_existing: frozenset[str] = frozenset()) -> Markup:
    """Render user Markdown to sanitised HTML. Runs inside an app context.

    `also_existing`: slugs to treat as live pages (a page being created links to itself). A text
    beyond the bounds of app.wiki.render_limits is shown as plain text: saving such a text is refused
    before it gets here (editing.clean_body), but old or imported ones must still display."""
    if too_complex(text):
        return Markup(as_plain_text(text))
    md = _markdown()
    md.existing_slugs = existing_slugs(wiki_link_targets(text)) | also_existing
    try:
        html = md.convert(text)
    except RecursionError:  # thousands of nested `>`: show the text rather than fail the page
        html = as_plain_text(text)
    return Markup(sanitise(html))


HEADING = re.compile(r'<(h[1-6]) id="h-[\w:.-]+">.*?</\1>', re.S)


def with_section_links(html: str, edit_url: str, label: str) -> Markup:
    """Put an edit link after each heading the Markdown made (they carry our `h-` ids), numbered in order.

    Runs at view time on sanitised, cached HTML: the links are ours, not the author's."""
    numbers = iter(range(1, 100_000))

    def add_link(match):
        # the heading's words are in the link for screen readers' lists of links (RGAA 6.1): "edit (Contacts)"
        link = Markup('<a class="section-edit" href="{url}?section={n}" data-section="{n}">{label}'
                      '<span class="visually-hidden"> ({heading})</span></a>').format(
            url=edit_url, n=next(numbers), label=label, heading=Markup(match.group(0)).striptags())
        return f'<div class="section-heading">{match.group(0)}{link}</div>'

    return Markup(HEADING.sub(add_link, str(html)))
