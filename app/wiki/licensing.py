"""Licences: which changes an editor may make, and who to credit."""

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app.caching import app_cache
from app.extensions import db
from app.models import Licence, Page, Revision, User
from app.wiki.errors import InvalidInput, PermissionDenied
from app.wiki.permissions import can

# How much a licence lets others do: lower is freer. Share-alike content may not move to a freer
# licence (that would relicense other people's contributions); "internal" leaves the commons.
FREEDOM = {"CC0-1.0": 0, "Etalab-2.0": 1, "CC-BY-4.0": 1, "CC-BY-SA-4.0": 2}
INTERNAL = "internal"


def all_licences() -> list[Licence]:
    return list(db.session.scalars(sa.select(Licence).order_by(Licence.shareable.desc(), Licence.code)))


def check_licence_change(page: Page, new_code: str, *, author, confirmed: bool = False) -> None:
    """Refuse a licence change the page's history does not allow, with a reason people understand."""
    current = current_licence(page)
    if new_code == current:
        return
    if db.session.get(Licence, new_code) is None:
        raise InvalidInput(_("Unknown licence: %(code)s", code=new_code))
    if new_code == INTERNAL or current == INTERNAL:
        if not can(author, "change_internal_licence"):
            raise PermissionDenied(_("Only a facilitator can move a page in or out of the internal licence."))
        if new_code == INTERNAL and not confirmed:
            raise InvalidInput(_("Making this page internal takes it out of the commons: tick the confirmation box."))
        return
    strictest = max((FREEDOM.get(code, 2) for code in licences_in_history(page)), default=0)
    if FREEDOM.get(new_code, 2) < strictest and not is_sole_author(page, author):
        raise InvalidInput(_("Other people wrote this page under a licence that does not allow this change. "
                             "Keep the licence, or ask every author."))


def current_licence(page: Page) -> str | None:
    """The licence the page's text carries now; None for a page still being created."""
    if page.head is not None and page.head.licence_code:
        return page.head.licence_code
    return page.licence_code if page.head is not None else None


def licences_in_history(page: Page) -> set[str]:
    return set(db.session.scalars(sa.select(Revision.licence_code).where(
        Revision.page_id == page.id, Revision.status == "approved", Revision.licence_code.is_not(None))))


def is_sole_author(page: Page, author) -> bool:
    if author is None or not getattr(author, "is_authenticated", False) or page.imported_authors:
        return False
    others = db.session.scalar(sa.select(sa.func.count(Revision.id)).where(
        Revision.page_id == page.id, sa.or_(Revision.author_id.is_(None), Revision.author_id != author.id)))
    return others == 0


@dataclass(frozen=True)
class Credits:
    authors: list[tuple[str, int]]  # display name, number of published edits
    anonymous_edits: int
    imported: list[str]

    @property
    def names(self) -> list[str]:
        return self.imported + [name for name, _count in self.authors if name not in self.imported]


IMPORT_LABEL = "import"


# A page's credits are read again only when the page is rendered again (page views are stored answers):
# 4,096 of them kept 2.6 MB per worker at 10,000 pages for few hits.
CREDITS_CACHE_SIZE = 512


def credits(page: Page) -> Credits:
    """Credits, cached per app and process until the page's next publish (every publish bumps change_seq)."""
    return app_cache("credits", CREDITS_CACHE_SIZE).get_or_compute((page.id, page.change_seq),
                                                                   lambda: compute_credits(page))


def forget_cached_credits() -> None:
    app_cache("credits", CREDITS_CACHE_SIZE).clear()


def compute_credits(page: Page) -> Credits:
    """Contributors of the page's published revisions, most edits first; anonymous edits grouped."""
    # Counted by the database, one row per author: never the revisions' texts (a long-lived page has
    # hundreds of them, and the first view after each publish computes this). Grouped by status rather
    # than filtered on it: with `status = ?` SQLite walked the status index, every approved revision of
    # the wiki (13 ms at 10,000 pages), instead of this page's.
    rows = db.session.execute(
        sa.select(User.name, Revision.author_label, Revision.status, sa.func.count())
        .select_from(Revision).outerjoin(User, User.id == Revision.author_id)
        .where(Revision.page_id == page.id)
        .group_by(User.name, Revision.author_label, Revision.status))
    counts: Counter[str] = Counter()
    anonymous = 0
    for name, label, status, count in rows:
        if status != "approved":
            continue
        if name is not None:
            counts[name] += count
        elif label == IMPORT_LABEL:
            continue
        elif label:
            counts[label] += count
        else:
            anonymous += count
    imported = [name.strip() for name in page.imported_authors.split(",") if name.strip()]
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0].lower()))
    return Credits(authors=ordered, anonymous_edits=anonymous, imported=imported)
