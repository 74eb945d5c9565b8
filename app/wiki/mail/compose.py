"""One message for one member: the changes to what they follow, the verdicts on their edits and,
for facilitators who chose it, the review digest; plain text and HTML, in the member's language."""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_timedelta, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.extensions import db
from app.models import Notification, Revision, User
from app.wiki.diffing import diff_texts
from app.wiki.mail.digest import ReviewDigest
from app.wiki.mail.links import absolute_url, unsubscribe_url


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str
    unsubscribe_url: str


@dataclass(frozen=True)
class Entry:
    """One line of the message: its text, a link, and an optional quoted comment."""
    text: str
    url: str = ""
    comment: str = ""


def language_of(user: User) -> str:
    return user.language or current_app.config["WIKI_LANGUAGE"]


def change_entries(changes: list[Notification]) -> list[Entry]:
    """One line per page: who changed it, how many times, the latest summary, lines added and removed."""
    by_page = defaultdict(list)
    for notification in changes:
        by_page[notification.page_id].append(notification)
    entries = []
    for group in sorted(by_page.values(), key=lambda g: g[0].page.title.lower()):
        page = group[0].page
        latest = max((n.revision for n in group if n.revision is not None), key=lambda r: r.number, default=None)
        if latest is None:
            continue
        bases = [n.base_number for n in group]
        base_number = None if None in bases else min(bases)
        base = db.session.scalar(sa.select(Revision).where(Revision.page_id == page.id, Revision.number == base_number)) \
            if base_number else None
        diff = diff_texts(base.body if base else "", latest.body)
        names = sorted({n.actor.name if n.actor else _("a visitor") for n in group})
        text = ngettext("“%(title)s”: %(num)d change by %(names)s", "“%(title)s”: %(num)d changes by %(names)s",
                        len(group), title=latest.title, names=", ".join(names))
        text += " " + _("(+%(added)d −%(removed)d lines)", added=diff.added, removed=diff.removed)
        if latest.summary:
            text += " — " + latest.summary
        url = (absolute_url("pages.diff", slug=page.slug, to=latest.number, **{"from": base.number}) if base
               else absolute_url("pages.show", slug=page.slug))
        entries.append(Entry(text=text, url=url))
    return entries


def verdict_entries(verdicts: list[Notification], readable: set[int]) -> list[Entry]:
    entries = []
    for notification in verdicts:
        who = notification.actor.name if notification.actor else _("A facilitator")
        title = notification.revision.title if notification.revision else notification.page.title
        if notification.kind == "approved":
            text = _("%(who)s published your change to “%(title)s”.", who=who, title=title)
        else:
            text = _("%(who)s did not publish your change to “%(title)s”.", who=who, title=title)
        url = absolute_url("pages.show", slug=notification.page.slug) if notification.id in readable else ""
        entries.append(Entry(text=text, url=url, comment=notification.comment))
    return entries


def digest_entries(digest: ReviewDigest) -> tuple[list[Entry], list[Entry]]:
    waiting = [Entry(text=_("“%(title)s”, waiting for %(time)s", title=w.page.head.title,
                            time=format_timedelta(w.waited, granularity="minute")),
                     url=absolute_url("review.queue")) for w in digest.waiting]
    members = [Entry(text=user.name) for user in digest.new_members]
    return waiting, members


def subject_for(changes: int, verdicts: list[Entry], digest: ReviewDigest | None) -> str:
    site = current_app.config["WIKI_SITE_NAME"]
    if digest is not None:
        line = ngettext("Review digest: %(num)d page waiting", "Review digest: %(num)d pages waiting",
                        digest.waiting_total)
    elif changes == 0 and len(verdicts) == 1:
        line = verdicts[0].text.rstrip(".")
    elif changes:
        line = ngettext("%(num)d change on the pages you follow", "%(num)d changes on the pages you follow", changes)
    else:
        line = ngettext("%(num)d decision on your edits", "%(num)d decisions on your edits", len(verdicts))
    return f"[{site}] {line}"


def compose(user: User, notifications: list[Notification], *, readable: set[int],
            digest: ReviewDigest | None = None) -> Composed:
    """The member's message, in their language; `readable` holds the notifications whose page they may open."""
    with force_locale(language_of(user)):
        changes = [n for n in notifications if n.kind == "change"]
        verdicts = verdict_entries([n for n in notifications if n.kind != "change"], readable)
        sections = []
        if verdicts:
            sections.append((_("Your edits"), verdicts))
        if changes:
            sections.append((_("Changes on the pages you follow"), change_entries(changes)))
        if digest is not None:
            waiting, members = digest_entries(digest)
            title = ngettext("%(num)d page waiting for review", "%(num)d pages waiting for review", digest.waiting_total)
            sections.append((title, waiting or [Entry(text=_("Nothing is waiting."))]))
            if members:
                sections.append((_("New members"), members))
        unsubscribe = unsubscribe_url(user.id)
        footer = {
            "why": _("You receive this mail because you follow pages or tags on %(site)s.",
                     site=current_app.config["WIKI_SITE_NAME"]),
            "settings": _("Change how often you receive mail"), "settings_url": absolute_url("api.account"),
            "unsubscribe": _("Stop receiving mail"), "unsubscribe_url": unsubscribe,
            "all": _("All your notifications"), "all_url": absolute_url("following.notifications"),
        }
        greeting = _("Hello %(name)s,", name=user.name)
        subject = subject_for(len(changes), verdicts, digest)
        return Composed(subject=subject, text=as_text(greeting, sections, footer),
                        html=as_html(subject, greeting, sections, footer), unsubscribe_url=unsubscribe)


def as_text(greeting: str, sections, footer: dict) -> str:
    lines = [greeting, ""]
    for title, entries in sections:
        lines += [title, "-" * len(title)]
        for entry in entries:
            lines.append(f"- {entry.text}")
            if entry.comment:
                lines.append(f"  « {entry.comment} »")
            if entry.url:
                lines.append(f"  {entry.url}")
        lines.append("")
    lines += ["-- ", footer["why"]] + [_("%(what)s: %(url)s", what=footer[key], url=footer[f"{key}_url"])
                                       for key in ("all", "settings", "unsubscribe")]
    return "\n".join(lines) + "\n"


def as_html(subject: str, greeting: str, sections, footer: dict) -> str:
    parts = [Markup("<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body>").format(subject),
             Markup("<p>{}</p>").format(greeting)]
    for title, entries in sections:
        parts.append(Markup("<h2>{}</h2><ul>").format(title))
        for entry in entries:
            item = Markup("<a href=\"{}\">{}</a>").format(entry.url, entry.text) if entry.url else escape(entry.text)
            if entry.comment:
                item += Markup("<blockquote>{}</blockquote>").format(entry.comment)
            parts.append(Markup("<li>{}</li>").format(item))
        parts.append(Markup("</ul>"))
    parts.append(Markup("<hr><p>{} <a href=\"{}\">{}</a> · <a href=\"{}\">{}</a> · <a href=\"{}\">{}</a></p></body></html>").format(
        footer["why"], footer["all_url"], footer["all"], footer["settings_url"], footer["settings"],
        footer["unsubscribe_url"], footer["unsubscribe"]))
    return str(Markup("").join(parts))
