"""`attachments/<name>` in a page's sanitised HTML, pointed at the page's file address.

The HTML cached with a revision keeps the relative form the author wrote; this runs when it is
shown (like rendering.with_section_links), so a renamed page's files follow it. Pictures get a
`srcset` of their narrower copies (the file view serves `?w=480` and `?w=960`, or the picture
itself when it is narrower), `loading="lazy"`, and those without a description are marked."""

import re
from urllib.parse import quote

from markupsafe import Markup

from app.wiki.attachments.images import MAX_SIDE, THUMBNAIL_WIDTHS

# Our sanitiser writes every attribute as name="value" (html5lib serialiser), which these rely on.
IMAGE = re.compile(r'<img((?:\s+[\w:.-]+="[^"]*")*)\s*/?>')
ATTRIBUTE = re.compile(r'([\w:.-]+)="([^"]*)"')
RELATIVE = re.compile(r'(href|src)="(?:\./)?attachments/([A-Za-z0-9][A-Za-z0-9._-]{0,150})"')
MISSING = "needs-description"


def resolve(html: str, page_url: str) -> Markup:
    """Point relative file references at `<page_url>/attachments/<name>`; pictures get their srcset."""
    base = page_url.rstrip("/") + "/attachments/"

    def image(match):
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        source = re.fullmatch(r"(?:\./)?attachments/([A-Za-z0-9][A-Za-z0-9._-]{0,150})", attributes.get("src", ""))
        if source is None:
            return match.group(0)
        url = base + quote(source.group(1))
        attributes["src"] = url
        widths = [f"{url}?w={width} {width}w" for width in THUMBNAIL_WIDTHS]
        attributes["srcset"] = ", ".join([*widths, f"{url} {MAX_SIDE}w"])
        attributes["sizes"] = "(max-width: 60rem) 100vw, 60rem"
        attributes["loading"] = "lazy"
        if not attributes.get("alt", "").strip():
            attributes["class"] = MISSING
        return "<img" + "".join(f' {name}="{value}"' for name, value in attributes.items()) + ">"

    html = IMAGE.sub(image, str(html))
    return Markup(RELATIVE.sub(lambda m: f'{m.group(1)}="{base}{quote(m.group(2))}"', html))


def missing_descriptions(html: str) -> int:
    """How many of the page's pictures have no description (alt text)."""
    return str(html).count(f'class="{MISSING}"')
