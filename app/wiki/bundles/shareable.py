"""What may leave the wiki: public pages under a shareable licence, as last published.

Pending text never leaves; deleted pages are not counted. The report says how many pages stayed
in the wiki and why, for the README, the site's front page and the `export` command."""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from app.extensions import db
from app.models import Attachment, Licence, Page, Revision
from app.wiki import licensing, pages
from app.wiki.attachments.listing import exported_files


# An SVG may hold script: the wiki serves it only as a download, but a static site put online as it
# is would serve it as a page of its origin. It stays behind (its description shows instead).
LEFT_BEHIND = ("image/svg+xml",)


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
    files: tuple[Attachment, ...] = ()  # what a visitor may fetch that the revision uses (listing.exported_files)

    @property
    def slug(self) -> str:
        return self.page.slug

    @property
    def tags(self) -> list[str]:
        return snapshot_tags(self.revision.tags)


def snapshot_tags(snapshot: str) -> list[str]:
    """Tag names from a revision's snapshot ("A, B"), in stored order."""
    return [name.strip() for name in (snapshot or "").split(",") if name.strip()]


def shareable_pages() -> tuple[list[ExportedPage], ExportReport]:
    """The pages a visitor may read (the one visibility rule) under a shareable licence, and how
    many live pages were left out and why."""
    readable = pages.readable_pages(member=False)
    exported = [exported_page(page) for page in readable if is_shareable(page)]
    readable_ids = {page.id for page in readable}
    hidden = [page for page in pages.all_pages() if page.id not in readable_ids]
    unpublished = sum(1 for page in hidden if page.published is None)
    report = ExportReport(exported=[item.slug for item in exported], internal=len(readable) - len(exported),
                          members_only=len(hidden) - unpublished, unpublished=unpublished)
    return exported, report


def is_shareable(page: Page) -> bool:
    """Published under a licence that lets the text leave the wiki."""
    licence = published_licence(page)
    return licence is not None and licence.shareable


def published_licence(page: Page) -> Licence | None:
    return db.session.get(Licence, page.published.licence_code or page.licence_code)


def exported_page(page: Page) -> ExportedPage:
    credits = licensing.credits(page)
    return ExportedPage(page=page, revision=page.published, licence=published_licence(page),
                        authors=credits.names, anonymous_edits=credits.anonymous_edits,
                        files=tuple(a for a in exported_files(page, page.published) if a.mime_type not in LEFT_BEHIND))


def exported_count(report: ExportReport) -> str:
    return ngettext("%(num)d page may be reused under its licence.",
                    "%(num)d pages may be reused under their licences.", len(report.exported))


def left_out_text(report: ExportReport) -> str:
    """How many pages stayed in the wiki, by reason (deleted pages are not counted)."""
    return _("Left out: %(internal)d under an internal licence, %(members)d visible to members only, "
             "%(unpublished)d waiting for their first review.", internal=report.internal,
             members=report.members_only, unpublished=report.unpublished)
