"""Full-text search with Whoosh: French analysis, one index per machine, kept in sync by a watermark.

The database is the truth. Every publish, rename, delete, undelete or visibility change gives the
page the next number of the global change sequence (moderation.bump_change_seq). The index holds,
in a meta document committed together with the pages, the highest number it has seen; catch_up()
indexes the pages above it. Writers take the Whoosh lock without waiting: if it is busy, whoever
holds it, or the next request, catches up. A missing or broken index is recreated empty and refilled
the same way, so every worker on every machine converges on the database."""

import functools
import heapq
import logging
import math
import os
import pickle
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import accumulate, chain, takewhile
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, after_this_request, current_app, g, has_app_context, has_request_context
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from whoosh import index as whoosh_index
from whoosh import qparser
from whoosh import query as wq
from whoosh.analysis import CharsetFilter, LowercaseFilter, NgramFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3LeafMatcher
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.support.charset import accent_map
from whoosh.reading import SegmentReader
from whoosh.util.filelock import FileLock
from whoosh.util.numeric import byte_to_length
from whoosh.writing import CLEAR

from app.extensions import db
from app.models import Page, Revision, Tag, page_tags
from app.wiki.errors import WikiError
from app.wiki.slugs import slugify

log = logging.getLogger(__name__)

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = 2
META_ID = "meta"  # the id of the document holding the watermark
NOTHING_INDEXED = -1  # watermark of an empty index; pages never published have change_seq 0

MAX_QUERY_LENGTH = 500
MAX_QUERY_WORDS = 32
MAX_NESTING = 8
MAX_PAGE = 50  # deeper pages cost more than anyone reads
TITLE_BOOST = 3.0
BATCH_SIZE = 500
MERGE_FACTOR = 8
MAX_MERGE_TIER = 2  # segments of up to 99 documents
REQUEST_BUDGET_SECONDS = 2.0  # a request refilling a lost index stops after this and answers
REBUILD_LOCK_WAIT_SECONDS = 60.0
PREFIX_MAX = 20
# Posting blocks uncompressed: the index is about 2.5 times bigger (165 MB for 10,000 pages of 600
# words) but queries and one-edit updates take about half the time (zlib in pure-Python paths).
CODEC = W3Codec(compression=0)
EXCERPT_CHARS = 240


class QueryError(WikiError):
    """A query we will not run; the message says what to change."""

    default_message = _l("This search cannot be run. Try simpler words.")


class SearchUnavailable(WikiError):
    status_code = 503
    default_message = _l("Search is unavailable for a moment. Please try again shortly.")


# --- Analysis -------------------------------------------------------------------------------------

FOLDING = {**accent_map, ord("œ"): "oe", ord("æ"): "ae"}  # after lowercasing: only lower-case keys matter

# Articles, prepositions, pronouns and conjunctions, accent-folded. Removed at index and query time
# alike with positions renumbered, so a quoted phrase containing them still matches.
STOP_WORDS = frozenset("""
    a au aux avec c ce ces cet cette d dans de des du elle elles en et il ils j je l la le les leur
    leurs lui m ma mais me mes n ne nos notre nous on ou par pour qu que qui s sa se ses son sur t ta
    te tes ton tu un une vos votre vous y
    an and are for in is it of that the this to with
""".split())


def text_analyzer():
    """Words, lower case, accents folded, stop words out, French stems: `Coopérations` -> `cooper`."""
    return (RegexTokenizer() | LowercaseFilter() | CharsetFilter(FOLDING)
            | StopFilter(stoplist=STOP_WORDS, minsize=1) | StemFilter(lang="fr", cachesize=100_000))


def word_analyzer():
    """Words, lower case, accents folded: how titles are matched while typing."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(FOLDING)


def prefix_analyzer():
    """Every beginning of every title word, so search-as-you-type is a term lookup."""
    return word_analyzer() | NgramFilter(minsize=1, maxsize=PREFIX_MAX, at="start")


TEXT_ANALYZER = text_analyzer()
WORD_ANALYZER = word_analyzer()


def make_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),  # the page id: slugs change on rename
        slug=ID(stored=True, unique=True),
        title=TEXT(analyzer=TEXT_ANALYZER, stored=True, spelling=True, multitoken_query="phrase"),
        title_start=TEXT(analyzer=prefix_analyzer(), phrase=False),
        body=TEXT(analyzer=TEXT_ANALYZER, stored=True, spelling=True, multitoken_query="phrase"),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        licence=ID(stored=True),
        visibility=ID(stored=True),  # public, members, or meta for the watermark document
        # Stored only: fewer terms to write on every commit.
        updated=STORED(),
        watermark=STORED(),
        version=STORED(),
    )


@functools.lru_cache(maxsize=100_000)
def analysed(word: str) -> str | None:
    """The indexed form of one word, or None for a stop word."""
    return next((token.text for token in TEXT_ANALYZER(word)), None)


def folded_words(text: str) -> list[str]:
    return [token.text for token in WORD_ANALYZER(text)]


# --- Markdown to plain text -----------------------------------------------------------------------

MARKUP_RULES = [
    (re.compile(r"</?[A-Za-z][^<>\n]{0,300}>"), " "),  # HTML tags
    (re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)"), r"\1"),  # images: their alt text
    (re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)"), r"\1"),  # links: their label
    (re.compile(r"\[\[([^\[\]\n|#]+)(?:#[^\[\]\n|]*)?\|([^\[\]\n]+)\]\]"), r"\2"),  # [[Page|label]]
    (re.compile(r"\[\[([^\[\]\n|#]+)(?:#[^\[\]\n|]*)?\]\]"), r"\1"),  # [[Page]]
    (re.compile(r"^\s{0,3}(?:#{1,6}|>+|[-*+]|\d+[.)])\s+", re.MULTILINE), ""),  # block markers
    (re.compile(r"^\s*(?:[-*_=]\s*){3,}$|^\s*\|?[\s:|-]{3,}\|?\s*$", re.MULTILINE), ""),  # rules, table lines
    (re.compile(r"\[\^[^\]\n]*\]:?|`{3,}\w*|[*_`~|]+"), " "),  # footnote marks, fences, emphasis, pipes
    (re.compile(r"[ \t]+"), " "),
    (re.compile(r"\s*\n\s*"), "\n"),
]


def plain_text(markdown: str) -> str:
    """What a reader sees of a Markdown body, roughly: what we index and quote in excerpts."""
    for pattern, replacement in MARKUP_RULES:
        markdown = pattern.sub(replacement, markdown)
    return markdown.strip()


# --- The index handle -----------------------------------------------------------------------------

class SearchIndex:
    """One process's handle on one index folder: opens it, recreates it, hands out searchers."""

    def __init__(self, path: Path):
        self.path = path
        self.schema = make_schema()
        self.parser = make_parser(self.schema)
        self._index = None
        self._generation = 0  # bumped on every recreate, so threads drop searchers of the old index
        self._lock = threading.Lock()
        self._local = threading.local()
        self._lengths: dict[tuple[str, str], list[int]] = {}

    def index(self):
        with self._lock:
            if self._index is None:
                self._index = self._open_or_create()
            return self._index

    def _open_or_create(self):
        if self.usable():
            return self._storage().open_index(schema=self.schema)
        if self.path.is_dir() and any(self.path.iterdir()):
            log.warning("The search index in %s is unreadable or outdated; rebuilding it from the database",
                        self.path)
        else:
            log.info("Creating the search index in %s", self.path)
        return self._create(force=False)

    def recreate(self, reason: str, *, force: bool = False):
        """Start again from an empty index, which catch_up() refills from the database."""
        log.warning("The search index in %s failed (%s); rebuilding it from the database", self.path, reason)
        self.forget_searcher()
        with self._lock:
            self._index = self._create(force=force)
            return self._index

    def _create(self, *, force: bool):
        """Replace the folder by an empty index, unless another process has just repaired it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        guard = FileLock(str(self.path.parent / f".{self.path.name}.lock"))
        guard.acquire(blocking=True)
        try:
            if force or not self.usable():
                shutil.rmtree(self.path, ignore_errors=True)
                self.path.mkdir(parents=True)
                writer = self._storage().create_index(self.schema).writer()
                writer.add_document(**meta_fields(NOTHING_INDEXED))
                writer.commit()
            index = self._storage().open_index(schema=self.schema)
        finally:
            guard.release()
        self._generation += 1
        return index

    def _storage(self) -> FileStorage:
        # Memory-mapped, as Whoosh defaults to (twice as fast). Whoosh never rewrites a file in place:
        # it writes new ones and deletes old ones, which open mappings survive.
        return FileStorage(str(self.path), supports_mmap=False)

    def usable(self) -> bool:
        """True if the folder holds an index that opens and has this version's format."""
        try:
            if not self.path.is_dir() or not self._storage().index_exists():
                return False
            with self._storage().open_index(schema=self.schema).searcher() as searcher:
                return (searcher.document(id=META_ID) or {}).get("version") == SCHEMA_VERSION
        except Exception:  # noqa: BLE001  (a damaged index raises anything)
            return False

    def searcher(self):
        """This thread's searcher, on the latest commit."""
        index, local = self.index(), self._local
        current = getattr(local, "searcher", None)
        if (current is not None and local.generation == self._generation
                and current.reader().generation() == index.latest_generation()):
            return current
        # Open a new searcher rather than refresh(): a refreshed reader reuses old segments with
        # their old deletions, and would still find the previous text of an edited page.
        self.forget_searcher()
        local.searcher, local.generation = index.searcher(), self._generation
        local.watermark = local.tagged = local.hidden = None
        return local.searcher

    def forget_searcher(self) -> None:
        current = getattr(self._local, "searcher", None)
        self._local.searcher = None
        if current is not None:
            current.close()

    def watermark(self) -> int:
        """The highest change_seq that this thread's view of the index holds."""
        searcher = self.searcher()
        if self._local.watermark is None:
            meta = searcher.document(id=META_ID) or {}
            self._local.watermark = meta.get("watermark", NOTHING_INDEXED)
        return self._local.watermark

    def tagged(self) -> dict[str, set[int]]:
        """The documents of each tag in this thread's view of the index, read once per view."""
        searcher = self.searcher()
        if self._local.tagged is None:
            self._local.tagged = {tag: term_documents(searcher, "tags", tag)
                                  for tag in searcher.reader().field_terms("tags")}
        return self._local.tagged

    def hidden(self, member: bool) -> set[int]:
        """The documents a reader must never get: the meta document, members-only pages for visitors."""
        searcher = self.searcher()
        if self._local.hidden is None:
            self._local.hidden = {visibility: term_documents(searcher, "visibility", visibility)
                                  for visibility in ("meta", "members")}
        hidden = self._local.hidden
        return hidden["meta"] if member else hidden["meta"] | hidden["members"]

    def field_lengths(self, reader, fieldname: str) -> list[int]:
        """Each document's length in `fieldname` for one segment, read once per segment (they never change)."""
        key = (reader.segment().segment_id(), fieldname)
        if key not in self._lengths:
            if len(self._lengths) > 64:
                self._lengths.clear()
            self._lengths[key] = read_field_lengths(reader, fieldname)
        return self._lengths[key]


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:200]


def meta_fields(watermark: int) -> dict:
    return {"id": META_ID, "visibility": "meta", "watermark": watermark, "version": SCHEMA_VERSION}


def current_index() -> SearchIndex:
    return current_app.extensions["wiki_search"]


# --- Keeping the index in sync --------------------------------------------------------------------

def latest_change() -> int:
    """The highest change_seq in the database (one indexed MAX, cheap)."""
    with db.engine.connect() as connection:
        value = connection.execute(sa.select(sa.func.max(Page.change_seq))).scalar()
    return NOTHING_INDEXED if value is None else value


def is_behind() -> bool:
    return latest_change() > current_index().watermark()


def catch_up(*, budget: float | None = REQUEST_BUDGET_SECONDS) -> bool:
    """Index the pages changed since the watermark.

    Returns True when the index is current; False when another writer holds the lock (it, or the
    next request, finishes the job) or when `budget` seconds ran out while refilling a lost index."""
    index = current_index()
    deadline = None if budget is None else time.monotonic() + budget
    recovered = False
    while True:
        try:
            done = index_next_batch(index)
        except whoosh_index.LockError:
            return False
        except sa.exc.SQLAlchemyError:
            raise
        except Exception as error:  # noqa: BLE001  (the folder vanished or is damaged: once, start again)
            if recovered:
                raise
            index.recreate(describe(error))
            recovered = True
            continue
        if done:
            return True
        if deadline is not None and time.monotonic() > deadline:
            return False


def index_next_batch(index: SearchIndex) -> bool:
    """Index up to BATCH_SIZE changed pages in one commit; True when none remain."""
    # Never wait: LockError if another writer is busy.
    writer = index.index().writer(timeout=0, codec=CODEC)
    try:
        # Under the lock nobody else commits, so this thread's searcher sees what the writer sees.
        searcher, mark = index.searcher(), index.watermark()
        with db.engine.connect() as connection:
            rows = changed_pages(connection, after=mark, limit=BATCH_SIZE)
            tags = tags_by_page(connection, [row.id for row in rows])
        if not rows:
            writer.cancel()
            return True
        for row in rows:
            replace_page(writer, searcher, row, tags.get(row.id, ()))
        replace_document(writer, searcher, "id", META_ID, meta_fields(rows[-1].change_seq))
        writer.commit(mergetype=merge_by_tier)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    return len(rows) < BATCH_SIZE


def replace_page(writer, searcher, row, tags) -> None:
    """Index the page's published revision in place of the old one, or just remove it if unreadable."""
    replace_document(writer, searcher, "id", str(row.id), page_fields(row, tags) if is_readable(row) else None)


def replace_document(writer, searcher, fieldname: str, key: str, fields: dict | None) -> None:
    """Delete the documents with this key by number (cheaper than Whoosh's update_document, which
    opens a reader on every segment), then add the new one."""
    for docnum in term_documents(searcher, fieldname, key):
        writer.delete_document(docnum)
    if fields is not None:
        writer.add_document(**fields)


def merge_by_tier(writer, segments):
    """Whoosh merge policy: once MERGE_FACTOR segments share a size tier (1-9 documents or 10-99),
    merge them into one. Each edit adds a one-page segment; this keeps segments few and merges small
    (Whoosh's default policy soon merges hundreds of pages inside a request). `search rebuild`
    compacts everything into one segment."""
    tiers: dict[int, list] = {}
    for segment in segments:
        tiers.setdefault(len(str(max(segment.doc_count(), 1))), []).append(segment)
    for tier, group in sorted(tiers.items()):
        if tier <= MAX_MERGE_TIER and len(group) >= MERGE_FACTOR:
            for segment in group:
                reader = SegmentReader(writer.storage, writer.schema, segment)
                writer.add_reader(reader)
                reader.close()
            return [segment for segment in segments if segment not in group]
    return segments


def changed_pages(connection, *, after: int, limit: int, upto: int | None = None) -> list:
    """Pages whose change_seq is above `after` (and at most `upto`), oldest change first, with their
    published title and text."""
    select = (sa.select(Page.id, Page.slug, Page.visibility, Page.licence_code, Page.deleted, Page.change_seq,
                        Page.updated_at, Revision.title, Revision.body)
              .outerjoin(Revision, Revision.id == Page.published_id)
              .where(Page.change_seq > after).order_by(Page.change_seq).limit(limit))
    if upto is not None:
        select = select.where(Page.change_seq <= upto)
    return connection.execute(select).all()


def tags_by_page(connection, page_ids: list[int]) -> dict[int, list[str]]:
    """Tag slugs of each page's published state (publishing bumps change_seq, so tags stay in sync)."""
    if not page_ids:
        return {}
    rows = connection.execute(sa.select(page_tags.c.page_id, Tag.slug).join(Tag, Tag.id == page_tags.c.tag_id)
                              .where(page_tags.c.page_id.in_(page_ids)).order_by(Tag.slug))
    found: dict[int, list[str]] = {}
    for page_id, slug in rows:
        found.setdefault(page_id, []).append(slug)
    return found


def is_readable(row) -> bool:
    return not row.deleted and row.body is not None


def page_fields(row, tags) -> dict:
    return dict(id=str(row.id), slug=row.slug, title=row.title, title_start=row.title, body=plain_text(row.body),
                tags=",".join(tags), licence=row.licence_code, visibility=row.visibility, updated=row.updated_at)


def rebuild() -> int:
    """Index every page again from the database, in one commit; return how many pages are indexed.

    Waits for a running catch-up instead of skipping. Pages changed meanwhile get a change_seq
    above `target`, so the next catch-up indexes them."""
    index = current_index()
    if not index.usable():
        index.recreate("missing or unreadable", force=True)
    writer = index.index().writer(timeout=REBUILD_LOCK_WAIT_SECONDS, codec=CODEC)
    count = 0
    try:
        with db.engine.connect() as connection:
            target = connection.execute(sa.select(sa.func.max(Page.change_seq))).scalar()
            mark = NOTHING_INDEXED
            while rows := changed_pages(connection, after=mark, limit=BATCH_SIZE, upto=target):
                tags = tags_by_page(connection, [row.id for row in rows])
                for row in filter(is_readable, rows):
                    writer.add_document(**page_fields(row, tags.get(row.id, ())))
                    count += 1
                mark = rows[-1].change_seq
        writer.add_document(**meta_fields(NOTHING_INDEXED if target is None else target))
        writer.commit(mergetype=CLEAR)  # the new segment replaces every old one, atomically for readers
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    return count


# --- Array scoring --------------------------------------------------------------------------------
#
# Whoosh walks its posting lists one document at a time in Python: about 30 µs a document, so a word
# found in 9,000 pages takes hundreds of milliseconds. Boolean queries of words (what people type,
# phrases included) are scored here over whole posting lists at once instead, with
# Whoosh's BM25F formula. This reads the block layout of Whoosh 2.7's W3 codec (pinned in
# requirements.txt); anything else falls back to the per-document API, then to Whoosh's search.

BM25_B, BM25_K1 = 0.75, 1.2


def posting_arrays(reader, fieldname: str, text: str, values: bool = False) -> tuple[list, list, list]:
    """(document numbers, term frequencies, encoded positions if `values`) of a term in one segment."""
    if (fieldname, text) not in reader:
        return [], [], []
    terms, key = reader._terms, reader._text_to_bytes(fieldname, text)
    info = terms.term_info(fieldname, key)
    if info.is_inlined():
        ids, weights, encoded = info.inlined_postings()
        return list(ids), list(weights) if weights is not None else [1.0] * len(ids), list(encoded or ())
    matcher = terms.matcher(fieldname, key, reader.schema[fieldname].format)
    if not isinstance(matcher, W3LeafMatcher):
        return posting_arrays_slowly(matcher, values)
    ids, weights, encoded = [], [], []
    while matcher.is_active():  # one block (up to 128 postings) at a time
        matcher._read_ids()
        matcher._read_weights()
        ids.extend(matcher._ids)
        weights.extend(matcher._weights)
        if values:
            matcher._read_values()
            encoded.extend(matcher._values)
        matcher._next_block()
    return ids, weights, encoded


def posting_arrays_slowly(matcher, values: bool) -> tuple[list, list, list]:
    ids, weights, encoded = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if values:
            encoded.append(matcher.value())
        matcher.next()
    return ids, weights, encoded


def read_field_lengths(reader, fieldname: str) -> list[int]:
    """The length of `fieldname` in each document of one segment (Whoosh keeps one byte each)."""
    count = reader.doc_count_all()
    try:
        column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        raw = column._dbfile.get(column._basepos, column._count) if column is not None else b""
        lengths = [byte_to_length(b) for b in raw]
        return lengths + [0] * (count - len(lengths))
    except AttributeError:  # another codec: ask document by document
        return [reader.doc_field_length(docnum, fieldname) or 0 for docnum in range(count)]


def term_documents(searcher, fieldname: str, text: str) -> set[int]:
    """The live documents containing a term, as global document numbers."""
    documents = set()
    for reader, offset in searcher.reader().leaf_readers():
        ids = posting_arrays(reader, fieldname, text)[0]
        documents.update(offset + docnum for docnum in ids)
        documents.difference_update(offset + docnum for docnum in reader.deleted_docs_set)
    return documents


def decode_positions(value: bytes) -> list[int]:
    """Word positions from Whoosh's Positions format (a count, then pickled gaps), without its checks."""
    return list(accumulate(pickle.loads(value[4:] if value.endswith(b".") else value[4:] + b".")))


class ArrayScorer:
    """Scores a Whoosh query of terms, And, Or, Not, AndNot and AndMaybe over whole posting lists."""

    def __init__(self, searcher, index: SearchIndex):
        self.searcher = searcher
        self.index = index
        self.leaves = list(searcher.reader().leaf_readers())
        self.doc_count = searcher.doc_count_all()

    def evaluate(self, node) -> dict[int, float] | None:
        """Global document number -> score for the documents matching `node`; None if unsupported."""
        if node is wq.NullQuery:
            return {}
        if isinstance(node, wq.Term):
            return self.term(node.fieldname, node.text, node.boost)
        if isinstance(node, wq.Phrase):
            return self.phrase(node) if node.slop == 1 else None
        if isinstance(node, wq.Every):
            return dict.fromkeys(self.everything(), 1.0)
        if isinstance(node, wq.Not):
            return self.without(dict.fromkeys(self.everything(), 0.0), node.query)
        if isinstance(node, wq.AndNot):
            positive = self.evaluate(node.a)
            return None if positive is None else self.without(positive, node.b)
        if isinstance(node, wq.AndMaybe):
            required, optional = self.evaluate(node.a), self.evaluate(node.b)
            if required is None or optional is None:
                return None
            return {docnum: score + optional.get(docnum, 0.0) for docnum, score in required.items()}
        if isinstance(node, wq.And):
            return self.conjunction(node.subqueries)
        if isinstance(node, wq.Or):
            return self.disjunction(node.subqueries)
        return None

    def term(self, fieldname: str, text: str, boost: float) -> dict[int, float]:
        frequency = self.searcher.doc_frequency(fieldname, text)
        if not frequency:
            return {}
        field = self.searcher.schema[fieldname]
        scores: dict[int, float] = {}
        idf = math.log(self.doc_count / (frequency + 1)) + 1
        scale = idf * (BM25_K1 + 1) * boost
        constant = BM25_K1 * (1 - BM25_B)
        slope = BM25_K1 * BM25_B / (self.searcher.avg_field_length(fieldname) or 1)
        for reader, offset in self.leaves:
            ids, weights, _values = posting_arrays(reader, fieldname, text)
            if field.scorable:
                lengths = self.index.field_lengths(reader, fieldname)
                scores.update({offset + docnum: scale * tf / (tf + constant + slope * lengths[docnum])
                               for docnum, tf in zip(ids, weights)})
            else:
                scores.update(dict.fromkeys((offset + docnum for docnum in ids), boost))
            for docnum in reader.deleted_docs_set:
                scores.pop(offset + docnum, None)
        return scores

    def phrase(self, node) -> dict[int, float]:
        """Documents where the words follow each other (stop words are not counted as positions)."""
        words = [word for word in node.words if word]
        parts = [self.term(node.fieldname, word, node.boost) for word in words]
        if not parts:
            return {}
        candidates = set(parts[0]).intersection(*parts[1:])
        if len(words) > 1 and candidates:
            candidates &= self.adjacent(node.fieldname, words, candidates)
        return {docnum: sum(part[docnum] for part in parts) for docnum in candidates}

    def adjacent(self, fieldname: str, words: list[str], candidates: set[int]) -> set[int]:
        """The candidates in which some position p has word k at p + k for every word."""
        positions = [self.positions(fieldname, word, candidates) for word in words]
        found = set()
        for docnum in candidates:
            starts = set(positions[0][docnum])
            for shift, later in enumerate(positions[1:], 1):
                starts.intersection_update(p - shift for p in later[docnum])
            if starts:
                found.add(docnum)
        return found

    def positions(self, fieldname: str, word: str, candidates: set[int]) -> dict[int, list[int]]:
        found = {}
        for reader, offset in self.leaves:
            ids, _weights, encoded = posting_arrays(reader, fieldname, word, values=True)
            found.update((offset + docnum, decode_positions(value)) for docnum, value in zip(ids, encoded)
                         if offset + docnum in candidates)
        return found

    def conjunction(self, subqueries) -> dict[int, float] | None:
        excluded = [child.query for child in subqueries if isinstance(child, wq.Not)]
        required = [self.evaluate(child) for child in subqueries if not isinstance(child, wq.Not)]
        if any(part is None for part in required):
            return None
        if not required:
            required = [dict.fromkeys(self.everything(), 0.0)]
        required.sort(key=len)
        scores = required[0]
        for part in required[1:]:
            scores = {docnum: score + part[docnum] for docnum, score in scores.items() if docnum in part}
        for child in excluded:
            scores = self.without(scores, child)
            if scores is None:
                return None
        return scores

    def disjunction(self, subqueries) -> dict[int, float] | None:
        parts = [self.evaluate(child) for child in subqueries]
        if any(part is None for part in parts):
            return None
        parts.sort(key=len, reverse=True)
        scores = dict(parts[0]) if parts else {}
        for part in parts[1:]:
            for docnum, score in part.items():
                scores[docnum] = scores.get(docnum, 0.0) + score
        return scores

    def without(self, scores: dict[int, float], node) -> dict[int, float] | None:
        excluded = self.evaluate(node)
        if excluded is None:
            return None
        return {docnum: score for docnum, score in scores.items() if docnum not in excluded}

    def everything(self) -> set[int]:
        documents = set(range(self.doc_count))
        for reader, offset in self.leaves:
            documents.difference_update(offset + docnum for docnum in reader.deleted_docs_set)
        return documents


# --- Running queries ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
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


def make_parser(schema: Schema) -> qparser.QueryParser:
    """Title and body, all words required; phrases, OR, minus, tag: and title:. No wildcards."""
    parser = qparser.MultifieldParser(["title", "body"], schema, fieldboosts={"title": TITLE_BOOST},
                                      group=qparser.AndGroup)
    for plugin in (qparser.WildcardPlugin, qparser.RangePlugin, qparser.BoostPlugin, qparser.EveryPlugin,
                   qparser.SingleQuotePlugin, qparser.FieldsPlugin, qparser.OperatorsPlugin):
        parser.remove_plugin_class(plugin)
    parser.add_plugins([
        qparser.FieldsPlugin(expr=r"(?P<text>tags?|title|titre|licence):"),
        qparser.FieldAliasPlugin({"tags": ["tag"], "title": ["titre"]}),
        qparser.PlusMinusPlugin(),
        qparser.OperatorsPlugin(And=r"(?<=\s)(?:AND|ET)(?=\s)", Or=r"(?<=\s)(?:OR|OU)(?=\s)",
                                Not=r"(^|(?<=(\s|[()])))(?:NOT|SAUF)(?=\s)",
                                AndNot=None, AndMaybe=None, Require=None),
    ])
    return parser


def check_query_text(text: str) -> None:
    """Refuse what would be slow or meaningless, with a message that says what to change."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(_l("Your search is too long (at most %(n)d characters).", n=MAX_QUERY_LENGTH))
    if len(text.split()) > MAX_QUERY_WORDS:
        raise QueryError(_l("Your search has too many words (at most %(n)d).", n=MAX_QUERY_WORDS))
    depth = deepest = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise QueryError(_l("Your search has too many nested parentheses."))


def parse(index: SearchIndex, text: str):
    """The Whoosh query for a user's text, or QueryError."""
    check_query_text(text)
    try:
        parsed = index.parser.parse(text)
    except Exception as error:  # noqa: BLE001  (the parser has no error contract)
        log.info("Unparsable search %r: %s", text, describe(error))
        raise QueryError() from error
    if sum(1 for _leaf in parsed.leaves()) > 4 * MAX_QUERY_WORDS:
        raise QueryError(_l("Your search has too many words (at most %(n)d).", n=MAX_QUERY_WORDS))
    return parsed


def with_recovery(action):
    """Run `action(searcher)` on an up-to-date index; rebuild a missing or broken one, once."""
    index = current_index()
    try:
        if is_behind():
            catch_up()
        return action(index.searcher())
    except (WikiError, sa.exc.SQLAlchemyError):
        raise
    except Exception as error:  # noqa: BLE001  (a damaged index raises anything)
        if index.usable():
            log.exception("A search failed on a readable index")
            raise QueryError() from error
        index.recreate(describe(error))
    try:
        catch_up()
        return action(index.searcher())
    except WikiError:
        raise
    except Exception as error:  # noqa: BLE001
        log.exception("Search is unavailable")
        raise SearchUnavailable() from error


def query(text: str, *, member: bool, tag: str | None = None, page: int = 1, per_page: int = 20) -> SearchResults:
    """Search the published text of the pages this reader may see. Raises QueryError for a bad query."""
    text = " ".join((text or "").split())
    tag = slugify(tag or "") or None
    page = min(max(page, 1), MAX_PAGE)
    empty = SearchResults(text=text, page=page, per_page=per_page, tag=tag)
    if not text and not tag:
        return empty
    parsed = parse(current_index(), text) if text else wq.Every()
    if parsed is wq.NullQuery:  # nothing but stop words
        return empty
    return with_recovery(lambda searcher: run_query(searcher, parsed, empty, member))


def run_query(searcher, parsed, request: SearchResults, member: bool) -> SearchResults:
    """One page of hits, the total, tag counts and a spelling suggestion."""
    index = current_index()
    wanted = (request.page - 1) * request.per_page + request.per_page
    scores = ArrayScorer(searcher, index).evaluate(parsed)
    if scores is None:  # a query shape the array scorer does not know: let Whoosh run it
        scores = whoosh_scores(searcher, parsed, limit=wanted)
    hidden = index.hidden(member)
    matched = scores.keys() - hidden
    if request.tag:
        matched &= index.tagged().get(request.tag, set())
    ranked = heapq.nlargest(wanted, sorted(matched), key=scores.__getitem__)  # ties: lower docnum first
    highlight = positive_terms(parsed, "body")
    hits = [make_hit(searcher.stored_fields(docnum), highlight) for docnum in ranked[wanted - request.per_page:]]
    return replace(request, hits=hits, total=len(matched), facets=tag_facets(index.tagged(), matched),
                   suggestion=did_you_mean(searcher, request.text, hidden) if request.text else None)


def whoosh_scores(searcher, parsed, *, limit: int) -> dict[int, float]:
    """Scores from Whoosh's own search: the top `limit` scored, the other matches at zero."""
    results = searcher.search(parsed, limit=limit)
    scores = dict.fromkeys(results.docs(), 0.0)
    scores.update((hit.docnum, hit.score or 0.0) for hit in results)
    return scores


def make_hit(fields: dict, highlight: set[str]) -> Hit:
    return Hit(slug=fields["slug"], title=fields["title"], excerpt=excerpt(fields.get("body", ""), highlight),
               tags=tuple(t for t in fields.get("tags", "").split(",") if t), updated=fields.get("updated"))


def tag_facets(tagged: dict[str, set[int]], matched: set[int], limit: int = 20) -> list[tuple[str, int]]:
    """How many of the matched pages carry each tag, most frequent first."""
    counts = ((tag, len(documents & matched)) for tag, documents in tagged.items())
    return sorted(((tag, n) for tag, n in counts if n), key=lambda pair: (-pair[1], pair[0]))[:limit]


def positive_terms(parsed, fieldname: str) -> set[str]:
    """The words the query asks for in `fieldname` (not the excluded ones): what to highlight."""
    if isinstance(parsed, wq.Not):
        return set()
    if isinstance(parsed, wq.AndNot):
        return positive_terms(parsed.a, fieldname)
    if isinstance(parsed, wq.Term):
        return {parsed.text} if parsed.fieldname == fieldname else set()
    if isinstance(parsed, wq.Phrase):
        return set(parsed.words) if parsed.fieldname == fieldname else set()
    return set(chain.from_iterable(positive_terms(child, fieldname) for child in parsed.children()))


# --- Excerpts -------------------------------------------------------------------------------------

def variants_by_letter() -> dict[str, str]:
    """Each folded letter and the accented letters that fold to it: `e` -> `eéèêë…`."""
    variants: dict[str, set[str]] = {}
    for code, folded in FOLDING.items():
        if len(folded) == 1:
            variants.setdefault(folded, {folded}).add(chr(code))
    return {letter: "".join(sorted(chars)) for letter, chars in variants.items()}


VARIANTS = variants_by_letter()


def excerpt(text: str, stems: set[str], size: int = EXCERPT_CHARS) -> Markup:
    """A window of the text around the first match, matched words in <mark>, all of it escaped."""
    matches = matching_spans(text, stems)
    first = next(matches, None)
    start = max(0, first[0] - size // 3) if first else 0
    start = word_boundary(text, start, backwards=True)
    end = word_boundary(text, min(len(text), start + size))
    spans = [first, *takewhile(lambda span: span[1] <= end, matches)] if first and first[1] <= end else []
    pieces, position = [], start
    for span_start, span_end in spans:
        pieces += [escape(text[position:span_start]), Markup("<mark>%s</mark>") % text[span_start:span_end]]
        position = span_end
    pieces.append(escape(text[position:end]))
    return Markup("{}{}{}").format("… " if start > 0 else "", Markup("").join(pieces),
                                   " …" if end < len(text) else "")


def word_boundary(text: str, position: int, backwards: bool = False) -> int:
    """Move `position` to the nearest space so no word is cut in half."""
    if position <= 0 or position >= len(text):
        return position
    found = text.rfind(" ", 0, position) if backwards else text.find(" ", position)
    return position if found == -1 else (found + 1 if backwards else found)


def matching_spans(text: str, stems: set[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of the words of `text` whose indexed form is one of `stems`, in order, lazily."""
    if not stems or not text:
        return iter(())
    if any("oe" in stem or "ae" in stem for stem in stems):  # œ and æ fold to two letters: analyse it all
        return ((t.startchar, t.endchar) for t in TEXT_ANALYZER(text, chars=True) if t.text in stems)
    # A regex finds the words starting like a stem, in any accents or case; the analyzer confirms each.
    candidates = re.compile(r"\b(?:%s)\w*" % "|".join(sorted(map(accent_pattern, stems))), re.IGNORECASE)
    return (match.span() for match in candidates.finditer(text) if analysed(match.group()) in stems)


def accent_pattern(letters: str) -> str:
    """`ete` -> `[eéèêë][tţ…][eéèêë]`, matching the letters with or without accents."""
    return "".join(f"[{re.escape(VARIANTS[c])}]" if c in VARIANTS else re.escape(c) for c in letters)


# --- Did you mean ---------------------------------------------------------------------------------

PLAIN_WORD = re.compile(r"(?<![\w:-])[^\W\d_]{3,}(?![\w:])")


def did_you_mean(searcher, text: str, hidden: set[int]) -> str | None:
    """The query with unknown words replaced by close words that this reader would find."""
    corrected, changed = text, False
    for word in dict.fromkeys(PLAIN_WORD.findall(text)):
        if word in ("AND", "OR", "NOT", "ET", "OU", "SAUF"):
            continue
        stem = analysed(word)
        if stem is None or searcher.doc_frequency("body", stem) or searcher.doc_frequency("title", stem):
            continue
        replacement = closest_word(searcher, folded_words(word)[0], hidden)
        if replacement:
            corrected, changed = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", replacement, corrected, count=1), True
    return corrected if changed else None


def closest_word(searcher, word: str, hidden: set[int]) -> str | None:
    """The most frequent indexed word within one edit (two for long words) that the reader can see."""
    reader = searcher.reader()
    for distance in (1, 2) if len(word) > 5 else (1,):
        candidates = set(reader.terms_within("spell_body", word, distance, prefix=1))
        candidates |= set(reader.terms_within("spell_title", word, distance, prefix=1))
        ranked = sorted(candidates - {word}, key=lambda c: (-searcher.doc_frequency("body", analysed(c) or c), c))
        for candidate in ranked[:5]:
            stem = analysed(candidate)
            if stem and any(term_documents(searcher, name, stem) - hidden for name in ("body", "title")):
                return candidate
    return None


# --- Search as you type ---------------------------------------------------------------------------

def suggest(prefix: str, *, member: bool, limit: int = 8) -> list[TitleMatch]:
    """Titles whose words start with the typed words, for search as you type. Never raises for input."""
    words = [word[:PREFIX_MAX] for word in folded_words((prefix or "")[:100])][:6]
    if not words or sum(map(len, words)) < 2:
        return []
    terms = wq.And([wq.Term("title_start", word) for word in words])
    try:
        return with_recovery(lambda searcher: title_matches(searcher, terms, member, limit))
    except WikiError:
        return []


def title_matches(searcher, terms, member: bool, limit: int) -> list[TitleMatch]:
    index = current_index()
    scores = ArrayScorer(searcher, index).evaluate(terms)
    found = scores.keys() - index.hidden(member)
    titles = {docnum: searcher.stored_fields(docnum) for docnum in
              heapq.nlargest(limit * 4, found, key=lambda docnum: (scores[docnum], -docnum))}
    best = sorted(titles, key=lambda docnum: (-scores[docnum], len(titles[docnum]["title"]), titles[docnum]["title"]))
    return [TitleMatch(slug=titles[d]["slug"], title=titles[d]["title"]) for d in best[:limit]]


# --- Wiring ---------------------------------------------------------------------------------------

search_cli = AppGroup("search", help="Manage the full-text search index.")


@search_cli.command("rebuild")
def rebuild_command():
    """Rebuild this machine's search index from the database."""
    started = time.monotonic()
    count = rebuild()
    click.echo(f"Search index rebuilt: {count} pages indexed in {time.monotonic() - started:.1f} s.")


STALE = "wiki_search_stale"
_listening = False


def init_app(app: Flask) -> None:
    """Give the app its index handle and CLI, and catch up after each commit that changed pages."""
    # The index folder: config, else the environment, else <instance>/search-index.
    path = (app.config.get("WIKI_SEARCH_INDEX") or os.environ.get("WIKI_SEARCH_INDEX")
            or Path(app.instance_path) / "search-index")
    app.extensions["wiki_search"] = SearchIndex(Path(path).resolve())
    app.cli.add_command(search_cli)
    listen_for_page_changes()


def listen_for_page_changes() -> None:
    global _listening
    if _listening:
        return
    sa.event.listen(db.session, "after_flush", note_page_changes)
    sa.event.listen(db.session, "after_commit", catch_up_after_commit)
    sa.event.listen(db.session, "after_rollback", forget_page_changes)
    _listening = True


def note_page_changes(session, _flush_context) -> None:
    if any(isinstance(obj, Page) for obj in chain(session.new, session.dirty, session.deleted)):
        session.info[STALE] = True


def forget_page_changes(session) -> None:
    session.info.pop(STALE, None)


def catch_up_after_commit(session) -> None:
    """Index a commit's page changes: after the response is sent when serving a request (the person
    saving does not wait for Whoosh), at once otherwise. A query catches up first anyway when the
    index is behind, so search is never stale either way."""
    if not session.info.pop(STALE, False) or not has_app_context():
        return
    if "wiki_search" not in current_app.extensions:
        return
    if has_request_context():
        defer_to_response_close(current_app._get_current_object())
        return
    sync_safely()


def defer_to_response_close(app: Flask) -> None:
    """Catch up once, when the server has sent this request's response (WSGI close)."""
    if g.get("search_catch_up_deferred"):
        return
    g.search_catch_up_deferred = True

    @after_this_request
    def catch_up_later(response):
        def run():
            with app.app_context():
                sync_safely()
        response.call_on_close(run)
        return response


def sync_safely() -> None:
    try:
        sync_after_commit()
    except Exception:  # noqa: BLE001  (the commit stands; the next search catches up)
        log.exception("Search catch-up after a commit failed; the next search will retry")


def sync_after_commit() -> None:
    if is_behind():
        catch_up()


def schedule_catch_up() -> None:
    """The save path's post-commit step (app.wiki.revisions.commit_changes). The session listener
    above still does the work; the search package replaces both with an explicit step."""
