"""The one place that reads Whoosh's private internals, and only on the Whoosh version it was written for.

Whoosh walks its posting lists one document at a time in Python (about 30 µs a document), so the
bulk scorer (scoring.py) reads whole posting blocks instead: the W3 codec's term table
(`reader._terms`), its block reader (`W3LeafMatcher._read_ids` and friends), the one-byte length
column (`column._dbfile`) and the pickled word positions. These are private and change without
notice, so every function here first asks `fast_path()`: on any Whoosh other than
SUPPORTED_VERSION (Whoosh-Reloaded 2.7.5, pinned in requirements.txt) it logs a warning once and the
callers use Whoosh's public API and its own scorer instead, slower but correct."""

import functools
import logging
import pickle
from bisect import bisect_left
from itertools import accumulate

import whoosh
from whoosh import query as wq
from whoosh.codec import default_codec

try:
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3LeafMatcher
    from whoosh.util.numeric import byte_to_length
except ImportError:  # another Whoosh: fast_path() says no, nothing below that needs these runs
    LENGTHS_COLUMN = W3Codec = W3LeafMatcher = byte_to_length = None

log = logging.getLogger(__name__)

SUPPORTED_VERSION = (2, 7, 5)
_warned: set[tuple] = set()


def installed_version() -> tuple:
    """The installed Whoosh's version, as a tuple such as (2, 7, 5)."""
    return tuple(whoosh.__version__)


def fast_path() -> bool:
    """True when the installed Whoosh is the one whose internals this module knows; otherwise warn once."""
    version = installed_version()
    if version == SUPPORTED_VERSION and W3LeafMatcher is not None:
        return True
    if version not in _warned:
        _warned.add(version)
        log.warning("Whoosh %s is installed, but search's fast scorer reads the internals of Whoosh %s only; "
                    "scoring with Whoosh's own (slower) scorer instead",
                    ".".join(map(str, version)), ".".join(map(str, SUPPORTED_VERSION)))
    return False


def codec():
    """How segments are written: posting blocks uncompressed on the known version.

    The index is about 2.5 times bigger (165 MB for 10,000 pages of 600 words) but queries and
    one-edit updates take about half the time (zlib in pure-Python paths)."""
    return W3Codec(compression=0) if fast_path() else default_codec()


# --- Posting lists --------------------------------------------------------------------------------

def posting_arrays(reader, fieldname: str, text: str, values: bool = False) -> tuple[list, list, list]:
    """(document numbers, term frequencies, encoded positions if `values`) of a term in one segment,
    deleted documents included (the caller drops them with `deleted_documents`)."""
    if (fieldname, text) not in reader:
        return [], [], []
    if not fast_path():
        return _posting_arrays_slowly(reader.postings(fieldname, text), values)
    terms, key = reader._terms, reader._text_to_bytes(fieldname, text)
    info = terms.term_info(fieldname, key)
    if info.is_inlined():
        ids, weights, encoded = info.inlined_postings()
        return list(ids), list(weights) if weights is not None else [1.0] * len(ids), list(encoded or ())
    matcher = terms.matcher(fieldname, key, reader.schema[fieldname].format)
    if not isinstance(matcher, W3LeafMatcher):
        return _posting_arrays_slowly(matcher, values)
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


def positions_in(reader, fieldname: str, text: str, docnums: list[int]) -> dict[int, list[int]]:
    """The positions of a word in those of `docnums` (sorted, one segment's numbers) that hold it,
    reading and decoding only the posting blocks that contain one of them (a block's header gives its
    highest document number): a long phrase verifies its few candidates without reading every block."""
    if not docnums or (fieldname, text) not in reader:
        return {}
    wanted = set(docnums)
    if not fast_path():
        ids, _weights, encoded = _posting_arrays_slowly(reader.postings(fieldname, text), values=True)
        return {docnum: decode_positions(value) for docnum, value in zip(ids, encoded) if docnum in wanted}
    terms, key = reader._terms, reader._text_to_bytes(fieldname, text)
    info = terms.term_info(fieldname, key)
    if info.is_inlined():
        ids, _weights, encoded = info.inlined_postings()
        return {docnum: decode_positions(value) for docnum, value in zip(ids, encoded) if docnum in wanted}
    matcher = terms.matcher(fieldname, key, reader.schema[fieldname].format)
    if not isinstance(matcher, W3LeafMatcher):
        ids, _weights, encoded = _posting_arrays_slowly(matcher, values=True)
        return {docnum: decode_positions(value) for docnum, value in zip(ids, encoded) if docnum in wanted}
    found, targets, at = {}, docnums, 0
    while matcher.is_active() and at < len(targets):
        if matcher._maxid >= targets[at]:  # this block may hold the next target
            matcher._read_ids()
            ids = matcher._ids
            values = None
            while at < len(targets) and targets[at] <= matcher._maxid:
                place = bisect_left(ids, targets[at])
                if place < len(ids) and ids[place] == targets[at]:
                    if values is None:
                        matcher._read_values()
                        values = matcher._values
                    found[targets[at]] = decode_positions(values[place])
                at += 1
        matcher._next_block()
    return found


def _posting_arrays_slowly(matcher, values: bool) -> tuple[list, list, list]:
    ids, weights, encoded = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if values:
            encoded.append(matcher.value())
        matcher.next()
    return ids, weights, encoded


# Positions format: a 4-byte count, then the gaps pickled (protocol 2) as a list: `]q\x00(`, then
# `K<byte>` for each gap under 256, then `e.`; a single position is `]q\x00K<byte>a.` (or `M` and
# two bytes). When every gap is one byte (almost always: a gap is the words between two
# occurrences), the gaps are every other byte and need no unpickling.
PICKLED_LIST = b"\x80\x02]q\x00"
ONE_BYTE, TWO_BYTES, MARK = ord("K"), ord("M"), ord("(")


def decode_positions(value: bytes) -> list[int]:
    """Word positions from Whoosh's Positions format (a count, then pickled gaps), without its checks."""
    if value.startswith(PICKLED_LIST, 4):
        kind = value[9]
        if kind == MARK and value.endswith(b"e.") and not value[10:-2:2].strip(b"K"):
            return list(accumulate(value[11:-2:2]))
        if kind == ONE_BYTE and len(value) == 13:
            return [value[10]]
        if kind == TWO_BYTES and len(value) == 14:
            return [value[10] | value[11] << 8]
    return list(accumulate(pickle.loads(value[4:] if value.endswith(b".") else value[4:] + b".")))


def deleted_documents(reader) -> frozenset[int]:
    """The deleted document numbers of one segment (local numbers)."""
    if fast_path():
        return reader.deleted_docs_set
    return frozenset(docnum for docnum in range(reader.doc_count_all()) if reader.is_deleted(docnum))


def segment_key(reader):
    """What identifies one segment for caches: a segment's documents never change."""
    return reader.segment().segment_id() if fast_path() else id(reader)


@functools.cache
def length_table() -> tuple[int, ...]:
    """Each of the 256 one-byte lengths Whoosh stores, decoded once."""
    return tuple(byte_to_length(b) for b in range(256))


def read_field_lengths(reader, fieldname: str) -> list[int]:
    """The length of `fieldname` in each document of one segment (Whoosh keeps one byte each)."""
    count = reader.doc_count_all()
    if fast_path():
        try:
            column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            raw = column._dbfile.get(column._basepos, column._count) if column is not None else b""
            table = length_table()  # 256 lengths shared by every list: 8 bytes a document, not 36
            lengths = [table[b] for b in raw]
            return lengths + [0] * (count - len(lengths))
        except AttributeError:  # another codec: ask document by document
            pass
    return [reader.doc_field_length(docnum, fieldname) or 0 for docnum in range(count)]


def term_documents(searcher, fieldname: str, text: str) -> set[int]:
    """The live documents containing a term, as global document numbers."""
    if not fast_path():
        return set(searcher.docs_for_query(wq.Term(fieldname, text)))
    documents = set()
    for reader, offset in searcher.reader().leaf_readers():
        ids = posting_arrays(reader, fieldname, text)[0]
        documents.update(offset + docnum for docnum in ids)
        documents.difference_update(offset + docnum for docnum in reader.deleted_docs_set)
    return documents
