"""What a search answers: hits, one page of them with the total and tag facets, and title matches."""

import math
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup

from app.wiki.search.excerpts import excerpt

MAX_PAGE = 50  # deeper pages cost more than anyone reads


@dataclass(frozen=True)
class Hit:
    page_id: int
    slug: str
    title: str
    excerpt: Markup
    tags: tuple[str, ...]
    updated: datetime | None


@dataclass(frozen=True)
class SearchResults:
    text: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    facets: list[tuple[str, int]] = field(default_factory=list)  # (tag, count), most frequent first
    suggestion: str | None = None  # "did you mean", a whole corrected query
    tag: str | None = None

    @property
    def page_count(self) -> int:
        return min(MAX_PAGE, max(1, math.ceil(self.total / self.per_page)))


@dataclass(frozen=True)
class TitleMatch:
    slug: str
    title: str


def make_hit(fields: dict, highlight: set[str]) -> Hit:
    return Hit(page_id=int(fields["id"]), slug=fields["slug"], title=fields["title"],
               excerpt=excerpt(fields.get("body", ""), highlight),
               tags=tuple(t for t in fields.get("tags", "").split(",") if t), updated=fields.get("updated"))


def tag_facets(tagged: dict[str, int], matched: int, limit: int = 20) -> list[tuple[str, int]]:
    """How many of the matched pages carry each tag, most frequent first. Tags and matches are bits
    (bitsets.py): one AND and one bit count a tag, in C, however many pages match."""
    counts = ((tag, (pages & matched).bit_count()) for tag, pages in tagged.items())
    return sorted(((tag, n) for tag, n in counts if n), key=lambda pair: (-pair[1], pair[0]))[:limit]
