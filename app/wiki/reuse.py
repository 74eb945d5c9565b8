""""Réutiliser cette page": ready-to-copy attribution in the terms of the page's licence (issue 13).

Title, authors (from the credits), source address, licence with its link and the date of the
published version, as plain text, HTML and Markdown. Built from the published state only (what
readers may reuse), so a page view's cache key (change_seq moves on every publish) covers it."""

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup

from app.models import Page
from app.wiki import licensing
from app.wiki.dates import format_date

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")


@dataclass(frozen=True)
class Attribution:
    """What to copy to reuse a page; `shareable` False for an internal page (nothing to copy)."""

    shareable: bool
    text: str = ""
    html: str = ""
    markdown: str = ""
    terms: str = ""  # what the licence asks, in plain words
    licence_name: str = ""
    licence_url: str = ""


NOT_SHAREABLE = Attribution(shareable=False)


def attribution(page: Page, *, page_url: str, site_name: str) -> Attribution | None:
    """The attribution of the page's published version; None while it has none (nothing to reuse yet)."""
    licence = page.licence
    if licence is None or not licence.shareable:
        return NOT_SHAREABLE
    revision = page.published
    if revision is None:
        return None
    authors = author_list(licensing.credits(page), site_name)
    date = format_date(revision.created_at, "long")
    plain = _("“%(title)s” by %(authors)s, %(site)s, %(url)s (version of %(date)s). Licence: %(licence)s")
    linked = _("%(title)s by %(authors)s, %(site)s (version of %(date)s). Licence: %(licence)s")
    text = plain % dict(title=revision.title, authors=authors, site=site_name, url=page_url, date=date,
                        licence=f"{licence.name} ({licence.url})" if licence.url else licence.name)
    html = Markup(linked) % dict(
        title=Markup('<a href="%s">%s</a>') % (page_url, revision.title), authors=authors, site=site_name, date=date,
        licence=(Markup('<a rel="license" href="%s">%s</a>') % (licence.url, licence.name)) if licence.url
        else licence.name)
    markdown = linked % dict(
        title=f"[{md(revision.title)}]({md_url(page_url)})", authors=md(authors), site=md(site_name), date=md(date),
        licence=f"[{md(licence.name)}]({md_url(licence.url)})" if licence.url else md(licence.name))
    return Attribution(shareable=True, text=text, html=str(html), markdown=markdown, terms=terms_of(licence.code),
                       licence_name=licence.name, licence_url=licence.url)


def author_list(credits: licensing.Credits, site_name: str) -> str:
    """Every credited name, then anonymous contributors if any; the site's contributors when no one is named."""
    names = list(credits.names)
    if credits.anonymous_edits:
        names.append(_("anonymous contributors"))
    return ", ".join(names) if names else _("the contributors of %(site)s", site=site_name)


def terms_of(code: str) -> str:
    """What the licence asks of someone who reuses the page, in plain words."""
    terms = {
        "CC-BY-SA-4.0": _("You may copy, change and share this page, even commercially, if you credit its authors "
                          "and the source, say whether you changed it, and share the result under the same licence."),
        "CC-BY-4.0": _("You may copy, change and share this page, even commercially, if you credit its authors "
                       "and the source and say whether you changed it."),
        "CC0-1.0": _("No conditions: you may reuse this page freely. Crediting its authors is welcome, not required."),
        "Etalab-2.0": _("You may reuse this page freely, even commercially, if you give its source (authors, link) "
                        "and the date of its last update."),
    }
    return terms.get(code, _("Follow the terms of the licence given by its link."))


def md(text: str) -> str:
    """Text that Markdown shows as it is: its link, emphasis and HTML characters escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def md_url(url: str) -> str:
    """An address safe inside a Markdown link's parentheses."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
