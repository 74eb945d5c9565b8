"""Keeping the index in sync with the database: the watermark, catch_up, rebuild, and the post-commit step.

The database is the truth. Every publish, rename, delete, undelete or visibility change gives the
page the next number of the global change sequence (journal.bump_change_seq). The index holds, in a
meta document committed together with the pages, the highest number it has seen; catch_up() indexes
the pages above it. Writers take the Whoosh lock without waiting: if it is busy, whoever holds it, or
the next query, catches up. A missing or broken index is recreated empty and refilled the same way,
so every worker on every machine converges on the database.

How a save reaches the index: app.wiki.revisions.commit_changes() commits, then calls
schedule_catch_up(), which only marks this process's handle as behind. Serving a request, the search
blueprint (app/search/__init__.py) sees the mark and catches up after the response is sent; anywhere
else the next query catches up first, because it compares the watermark with the database."""

import json
import logging
import time

import sqlalchemy as sa
from flask import current_app, has_app_context
from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from app.extensions import db
from app.models import Page, Revision, Tag, page_tags
from app.wiki.search import posting_files, whoosh_internals
from app.wiki.search.analysis import plain_text
from app.wiki.search.index import (META_ID, NOTHING_INDEXED, PAIR_FIELDS, PAIRS_MARK, SearchIndex, current_index,
                                   meta_fields)
from app.wiki.search.parsing import describe

log = logging.getLogger(__name__)

BATCH_SIZE = 500
MERGE_FACTOR = 8  # a fallback merge (no optimize timer) takes this many segments, smallest first
MAX_SEGMENTS = 24  # past this, a catch-up merges even without the optimize timer (each segment ~0.45 ms a query)
OPTIMIZE_ROUND = 8  # `flask search optimize` merges this many segments per commit, releasing the lock between
REQUEST_BUDGET_SECONDS = 2.0  # a catch-up stops after this (checked after every page) and answers
LOCK_POLL_SECONDS = 0.01  # how often a query waiting for the index's lock tries again
REQUEST_BUDGET = -1.0  # catch_up's default budget: REQUEST_BUDGET_SECONDS as it is when called
REBUILD_LOCK_WAIT_SECONDS = 60.0
CHECKPOINT_PAGES = 2000  # a rebuild commits this often: where an interrupted one resumes


# --- The post-commit step -------------------------------------------------------------------------

def schedule_catch_up() -> None:
    """The save path's post-commit step (called by revisions.commit_changes after db.session.commit()).

    Marks this process's index handle as behind. The search blueprint catches up after the response
    when serving a request; otherwise the next query catches up first. Never touches the index itself."""
    if has_app_context() and "wiki_search" in current_app.extensions:
        current_index().mark_behind()


def take_scheduled_catch_up() -> bool:
    """True (once) if a commit scheduled a catch-up since the last call: the caller runs catch_up_quietly()."""
    return has_app_context() and "wiki_search" in current_app.extensions and current_index().take_behind()


def catch_up_quietly() -> None:
    """Catch up if the index is behind, never raising: the commit stands, and the next query retries.
    Never waits for the lock: whoever holds it indexes what it finds, and a query waits instead."""
    try:
        if is_behind():
            catch_up(wait=False)
    except Exception:  # noqa: BLE001
        log.exception("Search catch-up after a commit failed; the next search will retry")


# --- Catching up ----------------------------------------------------------------------------------

def latest_change() -> int:
    """The highest change_seq in the database (one indexed MAX, cheap)."""
    with db.engine.connect() as connection:
        value = connection.execute(sa.select(sa.func.max(Page.change_seq))).scalar()
    return NOTHING_INDEXED if value is None else value


def is_behind() -> bool:
    return latest_change() > current_index().watermark()


def catch_up(*, budget: float | None = REQUEST_BUDGET, wait: bool = True) -> bool:
    """Index the pages changed since the watermark.

    Returns True when the index is current; False when `budget` seconds (default REQUEST_BUDGET_SECONDS;
    None: no limit) ran out (checked after every page, so one slow page cannot hold a request: what was indexed is
    committed, the rest waits for the next call), or when another writer holds the lock and `wait` is
    False (it, or the next query, finishes the job). With `wait` (a query), a busy lock is waited for
    within the budget: the holder may be indexing an older change, or merging (`flask search
    optimize`), and a query answered meanwhile would miss a page saved before it was asked."""
    index = current_index()
    budget = REQUEST_BUDGET_SECONDS if budget == REQUEST_BUDGET else budget
    deadline = None if budget is None else time.monotonic() + budget
    recovered, waiting = False, False
    while True:
        try:
            left = REBUILD_LOCK_WAIT_SECONDS if deadline is None else max(0.0, deadline - time.monotonic())
            timeout = left if waiting else 0.0
            done = index_next_batch(index, deadline=deadline, timeout=timeout)
        except whoosh_index.LockError:
            if not wait or waiting or (deadline is not None and time.monotonic() >= deadline):
                return False
            waiting = True  # Whoosh polls the lock until it is free or the budget is spent
            continue
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


def index_next_batch(index: SearchIndex, *, deadline: float | None = None, timeout: float = 0.0,
                     merge=None) -> bool:
    """Index up to BATCH_SIZE changed pages in one commit, stopping early at `deadline` (after at least
    one page, so every call makes progress); True when none remain. `merge`: the commit's merge policy
    (default merge_on_request; optimize passes its own and commits even with no page to index)."""
    # LockError if another writer is busy after `timeout` seconds (0: at once).
    writer = index.index().writer(timeout=timeout, delay=LOCK_POLL_SECONDS, codec=whoosh_internals.codec())
    try:
        # Under the lock nobody else commits, so this thread's searcher sees what the writer sees.
        searcher, mark = index.searcher(), index.watermark()
        with db.engine.connect() as connection:
            rows = changed_pages(connection, after=mark, limit=BATCH_SIZE)
            tags = tags_by_page(connection, [row.id for row in rows])
        if not rows and merge is None:
            writer.cancel()
            return True
        done = 0
        for row in rows:
            replace_page(writer, searcher, row, tags.get(row.id, ()))
            done += 1
            if deadline is not None and time.monotonic() > deadline:
                break
        if rows:
            replace_document(writer, searcher, "id", META_ID, meta_fields(rows[done - 1].change_seq))
        writer.commit(mergetype=merge or merge_on_request)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    return done == len(rows) and len(rows) < BATCH_SIZE


def replace_page(writer, searcher, row, tags) -> None:
    """Index the page's published revision in place of the old one, or just remove it if unreadable."""
    replace_document(writer, searcher, "id", str(row.id), page_fields(row, tags) if is_readable(row) else None)


def replace_document(writer, searcher, fieldname: str, key: str, fields: dict | None) -> None:
    """Delete the documents with this key by number (cheaper than Whoosh's update_document, which
    opens a reader on every segment), then add the new one."""
    for docnum in whoosh_internals.term_documents(searcher, fieldname, key):
        writer.delete_document(docnum)
    if fields is not None:
        writer.add_document(**fields)


def merge_on_request(writer, segments):
    """Whoosh merge policy for catch-ups, which run in web workers: no merge. Each edit adds a
    one-page segment (about 70 ms of CPU to write); merging even eight of them costs 300-700 ms of
    Whoosh's per-term Python (measured at 1,000 and 10,000 pages), which the worker that saved spent
    after its response while the next requests waited for a core. Merges are `flask search
    optimize`'s, run by a timer (docs/architecture.md, "Search"). Without a timer, past MAX_SEGMENTS
    a catch-up merges the MERGE_FACTOR smallest segments, so searches never degrade without bound
    and no fallback merge holds the lock long."""
    if len(segments) > MAX_SEGMENTS:
        return merge_smallest(writer, segments, MERGE_FACTOR)
    return segments


def merge_smallest(writer, segments, count: int):
    """Merge the `count` smallest segments, never the largest (usually the rebuild's)."""
    if len(segments) < 3:
        return segments
    by_size = sorted(segments, key=lambda segment: segment.doc_count_all())
    return merge_segments(writer, segments, by_size[:min(count, len(segments) - 1)])


def optimize_round(writer, segments):
    """Merge policy of one `flask search optimize` commit: up to OPTIMIZE_ROUND segments, smallest first."""
    return merge_smallest(writer, segments, OPTIMIZE_ROUND)


def merge_segments(writer, segments, group):
    """Add `group`'s documents to the segment being written; return the segments kept as they are."""
    for segment in group:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in group]


def optimize(*, full: bool = False, lock_wait: float = REBUILD_LOCK_WAIT_SECONDS) -> int:
    """Merge what catch-ups left (`flask search optimize`, run by a timer): every segment but the
    largest, or all of them with `full`. Returns the segments left.

    In rounds of OPTIMIZE_ROUND segments, one commit each, which also indexes the pages changed since
    the watermark: the lock is held for one round at a time (a query waits for it within its budget,
    then finds what was saved meanwhile). `full` merges everything in one commit (a rebuild's time).
    `lock_wait`: seconds to wait for the lock before each commit (LockError after them)."""
    index = current_index()
    if full:
        writer = index.index().writer(timeout=lock_wait, codec=whoosh_internals.codec())
        try:
            writer.commit(optimize=True)
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
    else:
        while segment_count() > 2:
            before = segment_count()
            index_next_batch(index, timeout=lock_wait, merge=optimize_round)
            if segment_count() >= before:
                break
    write_posting_files()
    return segment_count()


def write_posting_files() -> int:
    """Write the flat posting file of each large segment that has none (posting_files.py): after a
    rebuild and each `flask search optimize`, outside the index's lock (a segment never changes).
    Returns how many were written."""
    index = current_index()
    with index.index().searcher() as searcher:
        return len(posting_files.write_missing(index.path, searcher))


def segment_count() -> int:
    """How many segments the index's latest commit has (what a search reads one by one)."""
    return len(current_index().searcher().reader().leaf_readers())


# --- Reading the database -------------------------------------------------------------------------

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
    body = plain_text(row.body)
    return {"id": str(row.id), "slug": row.slug, "title": row.title, "title_start": row.title, "body": body,
            PAIR_FIELDS["title"]: row.title, PAIR_FIELDS["body"]: body, PAIRS_MARK[0]: PAIRS_MARK[1],
            "tags": ",".join(tags), "licence": row.licence_code, "visibility": row.visibility,
            "updated": row.updated_at}


# --- Rebuilding -----------------------------------------------------------------------------------

def quiet(done: int, total: int) -> None:
    """The default progress callable: tells no one (app.cli_progress draws a bar on a terminal)."""


def rebuild(*, progress=quiet, restart: bool = False) -> int:
    """Index every page again from the database; return how many pages are indexed.

    Pages are replaced in place, oldest change first, up to the change sequence at the start
    (`target`), in commits of CHECKPOINT_PAGES, so readers always have a whole index (each page is
    its old or its new document) and catch-ups go on between commits; pages changed meanwhile get a
    change_seq above `target` and the next catch-up indexes them. The position is kept beside the
    index after each commit (RebuildState): an interrupted rebuild resumes there, unless `restart`.
    At the end, documents of pages no longer in the database are removed and the index is merged
    into one segment. `progress(done, total)` is told after every batch (app.cli_progress)."""
    index = current_index()
    if not index.usable():
        index.recreate("missing or unreadable", force=True)
    state = RebuildState(index.path)
    if restart or not state.load():
        with db.engine.connect() as connection:
            target = connection.execute(sa.select(sa.func.max(Page.change_seq))).scalar()
        state.start(NOTHING_INDEXED if target is None else target)
    with db.engine.connect() as connection:
        total = connection.execute(sa.select(sa.func.count()).select_from(Page)
                                   .where(Page.change_seq <= state.target)).scalar()
    progress(state.done, total)
    while not rebuild_checkpoint(index, state, progress, total):
        pass
    state.clear()
    write_posting_files()
    return state.indexed


def rebuild_checkpoint(index: SearchIndex, state: "RebuildState", progress, total: int) -> bool:
    """Index up to CHECKPOINT_PAGES more pages in one commit; True once every page is done (then the
    last commit also removes what the database no longer has and merges the index into one segment)."""
    writer = index.index().writer(timeout=REBUILD_LOCK_WAIT_SECONDS, codec=whoosh_internals.codec())
    try:
        searcher, processed, finished = index.searcher(), 0, False
        with db.engine.connect() as connection:
            while processed < CHECKPOINT_PAGES:
                rows = changed_pages(connection, after=state.mark, limit=BATCH_SIZE, upto=state.target)
                if not rows:
                    finished = True
                    break
                tags = tags_by_page(connection, [row.id for row in rows])
                for row in rows:
                    replace_page(writer, searcher, row, tags.get(row.id, ()))
                state.advance(rows[-1].change_seq, len(rows), sum(map(is_readable, rows)))
                processed += len(rows)
                progress(state.done, total)
            if finished:
                known = {str(page_id) for page_id in connection.execute(sa.select(Page.id)).scalars()}
        if finished:
            for key in list(searcher.lexicon("id")):
                if key.decode() not in known and key.decode() != META_ID:
                    writer.delete_by_term("id", key.decode())
            watermark = max(index.watermark(), state.target)
            replace_document(writer, searcher, "id", META_ID, meta_fields(watermark))
            writer.commit(optimize=True)
        else:
            writer.commit(merge=False)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    state.save()
    return finished


class RebuildState:
    """Where a rebuild stands, in a small JSON file beside the index folder (`<index>.rebuild.json`),
    written after each of its commits: the target change_seq, the last one indexed, the counts."""

    def __init__(self, index_path):
        self.path = index_path.parent / f"{index_path.name}.rebuild.json"
        self.target, self.mark, self.done, self.indexed = NOTHING_INDEXED, NOTHING_INDEXED, 0, 0

    def load(self) -> bool:
        try:
            saved = json.loads(self.path.read_text())
            self.target, self.mark, self.done, self.indexed = (int(saved[k]) for k in ("target", "mark", "done", "indexed"))
        except (OSError, ValueError, KeyError, TypeError):
            return False
        return True

    def start(self, target: int) -> None:
        self.target, self.mark, self.done, self.indexed = target, NOTHING_INDEXED, 0, 0
        self.save()

    def advance(self, mark: int, done: int, indexed: int) -> None:
        self.mark, self.done, self.indexed = mark, self.done + done, self.indexed + indexed

    def save(self) -> None:
        aside = self.path.with_suffix(".tmp")
        aside.write_text(json.dumps({"target": self.target, "mark": self.mark, "done": self.done,
                                     "indexed": self.indexed}))
        aside.replace(self.path)

    def resumable(self) -> bool:
        return self.path.exists()

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
