"""The shapes of the API's answers and parameters (pydantic): the views build their answers from
these, and /api/openapi.json is generated from the same classes, so the description cannot drift."""

from datetime import datetime, timezone
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.wiki.search import MAX_QUERY_LENGTH

MAX_PAGE_NUMBER = 10_000
MAX_PER_PAGE = 100


def as_utc(value: datetime) -> datetime:
    """The database keeps naive UTC: say so (RFC 3339 needs an offset)."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


Moment = Annotated[datetime, AfterValidator(as_utc)]


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Error(Schema):
    """Every error answer: a stable code and a sentence for people."""

    error: str = Field(description="A short code: not_found, bad_request, unauthorized, method_not_allowed, ...")
    message: str


class Paging(Query):
    page: int = Field(1, ge=1, le=MAX_PAGE_NUMBER, description="Page number, from 1.")
    per_page: int = Field(50, ge=1, le=MAX_PER_PAGE, description="Items per page.")


class SearchQuery(Query):
    q: str = Field(min_length=1, max_length=MAX_QUERY_LENGTH, description="The search words (the wiki's query language).")
    tag: str | None = Field(None, max_length=60, description="Only pages with this tag.")
    page: int = Field(1, ge=1, le=50)
    per_page: int = Field(20, ge=1, le=50)


class Limit(Query):
    limit: int = Field(50, ge=1, le=MAX_PER_PAGE, description="How many items, newest first.")


class Licence(Schema):
    code: str
    name: str
    url: str


class PageSummary(Schema):
    slug: str
    title: str
    url: str = Field(description="The page on the wiki (HTML).")
    api_url: str
    updated: Moment = Field(description="When the published revision was written (UTC).")
    tags: list[str]
    licence: str = Field(description="The licence's code, e.g. CC-BY-SA-4.0.")


class PageList(Schema):
    items: list[PageSummary]
    page: int
    per_page: int
    total: int
    pages: int = Field(description="How many pages of items there are.")
    next: str | None = Field(description="The next page's address, or null on the last one.")


class File(Schema):
    name: str
    url: str
    size: int


class PageDetail(Schema):
    slug: str
    title: str
    url: str
    updated: Moment
    revision: int = Field(description="The number of the published revision.")
    markdown: str = Field(description="The published Markdown.")
    html: str = Field(description="The published text rendered to sanitised HTML.")
    tags: list[str]
    licence: Licence
    credits: list[str] = Field(description="Contributors of the published revisions, most edits first.")
    anonymous_edits: int
    files: list[File]


class HistoryItem(Schema):
    number: int
    title: str
    summary: str
    author: str
    created: Moment
    status: str = Field(description="approved; members also see pending and rejected revisions.")


class History(Schema):
    slug: str
    items: list[HistoryItem]


class Change(Schema):
    slug: str
    title: str
    url: str
    number: int
    summary: str
    author: str
    created: Moment
    status: str


class Recent(Schema):
    items: list[Change]


class Hit(Schema):
    slug: str
    title: str
    url: str
    excerpt: str = Field(description="HTML: the matched words in <mark>.")
    tags: list[str]
    updated: Moment | None


class SearchAnswer(Schema):
    q: str
    tag: str | None
    total: int
    page: int
    per_page: int
    pages: int
    suggestion: str | None = Field(description="Did you mean: a corrected query, or null.")
    items: list[Hit]


class TagCount(Schema):
    name: str
    slug: str
    count: int
    url: str
    feed: str


class Tags(Schema):
    items: list[TagCount]


class Occurrence(Schema):
    slug: str
    title: str
    url: str
    place: str
    start: Moment = Field(description="With the site's UTC offset.")
    end: Moment | None
    moved: bool


class Agenda(Schema):
    upcoming: list[Occurrence]
    past: list[Occurrence]
