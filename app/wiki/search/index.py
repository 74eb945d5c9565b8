"""The index handle: one process's view of one index folder, its schema, and what it caches per view.

Each app has one SearchIndex (app.extensions["wiki_search"], made by init_app). It opens the folder,
recreates it empty when it is missing, unreadable or of another SCHEMA_VERSION (sync.catch_up then
refills it from the database), hands each thread a searcher on the latest commit, and carries the
`behind` flag that the save path sets after a commit (sync.schedule_catch_up)."""

import logging
import shutil
import threading
from array import array
from collections import OrderedDict
from pathlib import Path

from flask import current_app
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.util.filelock import FileLock

from app.wiki.search import bitsets, impacts, posting_files, whoosh_internals
from app.wiki.search.analysis import PAIR_ANALYZER, TEXT_ANALYZER, prefix_analyzer
from app.wiki.search.parsing import describe, make_parser

log = logging.getLogger(__name__)

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
# (Not bumped for the pair fields: an index without them answers phrases from positions; see PAIRS_MARK.)
SCHEMA_VERSION = 2
META_ID = "meta"  # the id of the document holding the watermark
NOTHING_INDEXED = -1  # watermark of an empty index; pages never published have change_seq 0
MAX_KNOWN_TITLES = 4096  # titles kept per view for search as you type (a few hundred kB at most)
# Posting lists kept decoded per process (12 bytes a posting: at most about 3 MB), the longest only:
# a word in most pages costs milliseconds to unpickle from Whoosh's blocks, a rare word microseconds.
MAX_CACHED_POSTINGS = 262_144
MIN_CACHED_POSTINGS = 1024
# The bits of those lists' documents (bitsets.py), kept the same way: N/8 bytes a list and segment.
MAX_KEPT_BITS_BYTES = 2_000_000
# The pair field of each phrase field: every two adjacent words as one term, frequencies only.
PAIR_FIELDS = {"title": "title_pairs", "body": "body_pairs"}
# Every document written by this code holds this term, the meta document too. A segment whose every
# document (deleted ones included) holds it has the pair fields for all of them; a segment of an index
# built before them, or merged with one, answers phrases from the words' positions instead.
PAIRS_MARK = ("features", "pairs")


def make_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),  # the page id: slugs change on rename
        slug=ID(stored=True, unique=True),
        title=TEXT(analyzer=TEXT_ANALYZER, stored=True, spelling=True, multitoken_query="phrase"),
        title_start=TEXT(analyzer=prefix_analyzer(), phrase=False),
        body=TEXT(analyzer=TEXT_ANALYZER, stored=True, spelling=True, multitoken_query="phrase"),
        # Word pairs: no positions, no spelling; the parser never names them (scoring.py maps phrases).
        title_pairs=TEXT(analyzer=PAIR_ANALYZER, phrase=False),
        body_pairs=TEXT(analyzer=PAIR_ANALYZER, phrase=False),
        features=ID(),  # PAIRS_MARK
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        licence=ID(stored=True),
        visibility=ID(stored=True),  # public, members, or meta for the watermark document
        # Stored only: fewer terms to write on every commit.
        updated=STORED(),
        watermark=STORED(),
        version=STORED(),
    )


def meta_fields(watermark: int) -> dict:
    """The meta document: the highest change_seq indexed, and the format version."""
    return {"id": META_ID, "visibility": "meta", "watermark": watermark, "version": SCHEMA_VERSION,
            PAIRS_MARK[0]: PAIRS_MARK[1]}


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
        self._lengths: dict[tuple, list[int]] = {}
        self._impacts = impacts.KeptImpacts()  # what ranking from chunks keeps of long lists
        self._has_pairs: dict = {}
        self._postings: OrderedDict[tuple, tuple[array, array]] = OrderedDict()  # least recently used first
        self._postings_size = 0
        self._bits: OrderedDict[tuple, tuple[int, int]] = OrderedDict()  # term_segment_bits, least recently used first
        self._bits_size = 0
        self._postings_lock = threading.Lock()
        self._files = posting_files.PostingFiles(path)  # large segments' long lists, read flat, then kept
        self._behind = threading.Event()  # set after a commit changed pages (see sync.schedule_catch_up)

    # --- The post-commit flag ---

    def mark_behind(self) -> None:
        """Note that a commit changed pages: this process should catch up when convenient."""
        self._behind.set()

    def take_behind(self) -> bool:
        """True once after mark_behind(): whoever takes the flag schedules the catch-up."""
        if not self._behind.is_set():
            return False
        self._behind.clear()
        return True

    # --- Opening, recreating ---

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
            self._files.forget()
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
        # Segment files are read with ordinary file reads, not memory-mapped (Whoosh's default would
        # map them). Whoosh never rewrites a file in place: it writes new segment files and deletes
        # merged ones, so a searcher keeps reading the commit it opened either way. To compare the
        # two, flip this flag and run bench/search.py.
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

    # --- This thread's view ---

    def searcher(self):
        """This thread's searcher, on the latest commit.

        Calling it again may close the previous one (after a commit), so a query takes one searcher
        and passes it along: what it reads per view (tagged, hidden) is asked for that searcher."""
        index, local = self.index(), self._local
        current = getattr(local, "searcher", None)
        if (current is not None and local.generation == self._generation
                and current.reader().generation() == index.latest_generation()):
            return current
        # Open a new searcher rather than refresh(): a refreshed reader reuses old segments with
        # their old deletions, and would still find the previous text of an edited page.
        self.forget_searcher()
        local.searcher, local.generation, local.view = index.searcher(), self._generation, {}
        return local.searcher

    def forget_searcher(self) -> None:
        current = getattr(self._local, "searcher", None)
        self._local.searcher, self._local.view = None, {}
        if current is not None:
            current.close()

    def _view(self, searcher) -> dict:
        """What was read once for this searcher (this thread's current one); nothing kept for another."""
        return self._local.view if getattr(self._local, "searcher", None) is searcher else {}

    def watermark(self) -> int:
        """The highest change_seq that this thread's view of the index holds."""
        searcher = self.searcher()
        view = self._view(searcher)
        if "watermark" not in view:
            view["watermark"] = (searcher.document(id=META_ID) or {}).get("watermark", NOTHING_INDEXED)
        return view["watermark"]

    def live(self, searcher) -> int:
        """The documents of this view not deleted, as bits (bitsets.py), read once per view."""
        view = self._view(searcher)
        if "live" not in view:
            deleted = [offset + docnum for reader, offset in searcher.reader().leaf_readers()
                       for docnum in whoosh_internals.deleted_documents(reader)]
            size = searcher.doc_count_all()
            view["live"] = bitsets.below(size) & ~bitsets.from_numbers(deleted, size)
        return view["live"]

    def term_bits(self, searcher, fieldname: str, text: str) -> int:
        """The live documents holding a term, as bits: each segment's bits kept (term_segment_bits)."""
        found = 0
        for reader, offset in searcher.reader().leaf_readers():
            bits = self.term_segment_bits(reader, fieldname, text)
            if bits:
                found |= bits << offset
        return found & self.live(searcher)

    def tagged(self, searcher) -> dict[str, int]:
        """The documents of each tag in this searcher's view of the index, as bits, read once per view
        (N/8 bytes a tag: 12.5 kB at 100,000 pages, where a set of a tag's thousands cost 100 kB+)."""
        view = self._view(searcher)
        if "tagged" not in view:
            view["tagged"] = {tag: self.term_bits(searcher, "tags", tag)
                              for tag in searcher.reader().field_terms("tags")}
        return view["tagged"]

    def hidden(self, searcher, member: bool) -> set[int]:
        """The documents a reader must never get: the meta document, members-only pages for visitors.
        A set: it is small, and hot loops test membership in it."""
        view = self._view(searcher)
        if "hidden" not in view:
            view["hidden"] = {visibility: whoosh_internals.term_documents(searcher, "visibility", visibility)
                              for visibility in ("meta", "members")}
        hidden = view["hidden"]
        return hidden["meta"] if member else hidden["meta"] | hidden["members"]

    def hidden_bits(self, searcher, member: bool) -> int:
        """hidden() as bits, read once per view."""
        view = self._view(searcher)
        key = ("hidden bits", member)
        if key not in view:
            view[key] = bitsets.from_numbers(self.hidden(searcher, member), searcher.doc_count_all())
        return view[key]

    def titles(self, searcher, docnums) -> dict[int, tuple[str, str]]:
        """(slug, title) of these documents, each read once per view: search as you type asks for
        the same few titles keystroke after keystroke, and a document's stored fields (its whole
        text included) cost far more to read than the lookup. The view, hence this, is dropped at
        the next commit, so a renamed or new title is never missed."""
        view = self._view(searcher)
        known = view.setdefault("titles", {})
        if len(known) > MAX_KNOWN_TITLES:
            known.clear()
        for docnum in docnums:
            if docnum not in known:
                fields = searcher.stored_fields(docnum)
                known[docnum] = (fields["slug"], fields["title"])
        return {docnum: known[docnum] for docnum in docnums}

    def field_lengths(self, reader, fieldname: str) -> list[int]:
        """Each document's length in `fieldname` for one segment, read once per segment (they never change)."""
        key = (whoosh_internals.segment_key(reader), fieldname)
        if key not in self._lengths:
            if len(self._lengths) > 256:  # a few fields of up to ~50 segments (24 before a catch-up merges)
                self._lengths.clear()
            self._lengths[key] = whoosh_internals.read_field_lengths(reader, fieldname)
        return self._lengths[key]

    def has_pairs(self, reader) -> bool:
        """True if every document of this segment was indexed with its word pairs (PAIRS_MARK). The
        count includes deleted documents, and a segment's documents never change: kept per segment."""
        key = whoosh_internals.segment_key(reader)
        found = self._has_pairs.get(key)
        if found is None:
            found = reader.doc_frequency(*PAIRS_MARK) == reader.doc_count_all() > 0
            if len(self._has_pairs) > 1024:
                self._has_pairs.clear()
            self._has_pairs[key] = found
        return found

    def best_pairs(self, reader, fieldname: str, text: str, postings) -> list[tuple[float, int]]:
        """A term's best (frequency, length) pairs in one segment (impacts.KeptImpacts.best_pairs)."""
        return self._impacts.best_pairs((whoosh_internals.segment_key(reader), fieldname, text), postings,
                                        self.field_lengths(reader, fieldname))

    def bound_order(self, reader, fieldname: str, text: str, postings, size: int, constant: float, slope: float):
        """impact_chunks' chunks best bound first (impacts.KeptImpacts.bound_order)."""
        chunks = self.impact_chunks(reader, fieldname, text, postings, size, constant, slope)
        return self._impacts.bound_order((whoosh_internals.segment_key(reader), fieldname, text, size), chunks,
                                         size, constant, slope)

    def impact_chunks(self, reader, fieldname: str, text: str, postings, size: int, constant: float, slope: float):
        """A term's postings in one segment by decreasing score, in chunks (impacts.KeptImpacts.chunks)."""
        return self._impacts.chunks((whoosh_internals.segment_key(reader), fieldname, text, size), postings,
                                    self.field_lengths(reader, fieldname), size, constant, slope)

    def term_segment_bits(self, reader, fieldname: str, text: str) -> int:
        """The documents of one segment holding a term, deleted ones included, as bits (local numbers).
        Built from the postings and kept like them when the list is long (a segment never changes);
        least recently used dropped past MAX_KEPT_BITS_BYTES."""
        key = (whoosh_internals.segment_key(reader), fieldname, text)
        with self._postings_lock:
            kept = self._bits.get(key)
            if kept is not None:
                self._bits.move_to_end(key)
                return kept[0]
        ids = self.postings(reader, fieldname, text)[0]
        found = bitsets.from_numbers(ids, reader.doc_count_all()) if len(ids) else 0
        if len(ids) >= MIN_CACHED_POSTINGS:
            with self._postings_lock:
                if key not in self._bits:
                    self._bits[key] = found, reader.doc_count_all() // 8 + 1
                    self._bits_size += self._bits[key][1]
                    while self._bits_size > MAX_KEPT_BITS_BYTES:
                        _key, (_dropped, size) = self._bits.popitem(last=False)
                        self._bits_size -= size
        return found

    def postings(self, reader, fieldname: str, text: str):
        """(document numbers, term frequencies) of a term in one segment, deleted documents included
        (whoosh_internals.posting_arrays), or from the segment's posting file when it has one
        (posting_files.py: one read instead of unpickling blocks). Long lists are kept decoded, least
        recently used dropped first: a segment's postings never change (deletions are read apart, and
        a merge or a rebuild makes new segments under new keys), so what is kept is never stale;
        document frequencies and lengths, which do change, are read per query by the scorer."""
        key = (whoosh_internals.segment_key(reader), fieldname, text)
        with self._postings_lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        flat = self._files.postings(reader, fieldname, text)
        if flat is not None:
            ids, weights = flat  # arrays already: 4 + 4 bytes a posting
        else:
            ids, weights, _values = whoosh_internals.posting_arrays(reader, fieldname, text)
        if len(ids) < MIN_CACHED_POSTINGS or len(ids) > MAX_CACHED_POSTINGS:
            return ids, weights
        found = flat or (array("I", ids), array("d", weights))  # 4 + 4 bytes a posting from a file, else 4 + 8
        with self._postings_lock:
            if key not in self._postings:
                self._postings[key] = found
                self._postings_size += len(ids)
                while self._postings_size > MAX_CACHED_POSTINGS:
                    _key, (dropped, _weights) = self._postings.popitem(last=False)
                    self._postings_size -= len(dropped)
        return found

    def forget_postings(self) -> None:
        """Drop the kept posting lists (bench/search.py times queries without them too)."""
        with self._postings_lock:
            self._postings.clear()
            self._postings_size = 0
            self._impacts.clear()
            self._bits.clear()
            self._bits_size = 0


def current_index() -> SearchIndex:
    """The current app's index handle."""
    return current_app.extensions["wiki_search"]
