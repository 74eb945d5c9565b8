"""The long posting lists of a large segment, as flat arrays in one file beside Whoosh's.

Whoosh keeps a posting list as blocks of 128 postings, each block a pickled tuple of document
gaps, frequencies and encoded positions, read through a Python file wrapper in many small reads.
At 100,000 pages a common word has about 90,000 postings: decoding them took about two thirds of
a two-word query (cProfile: unpickling, the compound file's `read`, `delta_decode`), and a
process cannot keep many such lists decoded without growing by megabytes. So the commands that
write large segments (`flask search rebuild`, `flask search optimize`) also write, for each segment
of at least MIN_DOCUMENTS documents, `<segment id>.arrays`: for every term of the searched fields
with at least MIN_POSTINGS postings, its document numbers (uint32) and frequencies (float32, as
Whoosh stores them), deleted documents included like whoosh_internals.posting_arrays. Reading a
list is then one `pread` and two `frombytes`.

The name matches Whoosh's pattern for a segment's files, so Whoosh deletes the file with the
segment when a merge replaces it (index.clean_files). A segment never changes, so the file is
never stale; one that is missing, damaged or of another byte order is ignored (the lists are read
from Whoosh's blocks, as before), and a segment without one is looked for again after
RECHECK_SECONDS, since the timer writes it after the commit that made the segment."""

import json
import logging
import os
import struct
import sys
import threading
import time
from array import array
from bisect import bisect_left
from pathlib import Path

from app.wiki.search import whoosh_internals

log = logging.getLogger(__name__)

SUFFIX = "arrays"
MAGIC = b"GCPA2\n"  # bump when the layout changes: a file of another layout is written again
TRAILER = struct.Struct("<Q")  # the directory's length in bytes, at the very end
MIN_DOCUMENTS = 4096  # smaller segments (catch-ups' own, the timer's merges of a few edits) get none
MIN_POSTINGS = 1024  # shorter lists are cheap to decode from Whoosh's blocks (see index.MIN_CACHED_POSTINGS)
RECHECK_SECONDS = 30.0
# Fields a query reads lists of (scoring, pairs, tags and visibility bits); not id or slug, one posting a term.
FIELDS = ("title", "title_start", "body", "title_pairs", "body_pairs", "tags", "visibility", "licence", "features")


def path_of(folder: Path, segment_id: str) -> Path:
    return Path(folder) / f"{segment_id}.{SUFFIX}"


def write(folder: Path, reader) -> Path | None:
    """Write the file of one segment (a SegmentReader) if it is large enough and has none that
    reads (missing, damaged, of an older layout): the path written, or None if nothing was."""
    if not whoosh_internals.fast_path() or reader.doc_count_all() < MIN_DOCUMENTS:
        return None
    target = path_of(folder, reader.segment().segment_id())
    if target.exists() and open_file(folder, reader) is not None:
        return None
    # Whoosh's clean_files skips names starting with a dot: a half-written file is never taken for one.
    aside = Path(folder) / f".{target.name}.{os.getpid()}.tmp"
    directory, offset = {}, 0
    with open(aside, "wb") as out:  # the lists as they are read (63 MB at 100,000 pages), then the directory
        out.write(MAGIC)
        for fieldname in FIELDS:
            if fieldname not in reader.schema:
                continue
            for text, info in reader.iter_field(fieldname):
                if info.doc_frequency() < MIN_POSTINGS:
                    continue
                term = text.decode("utf-8") if isinstance(text, bytes) else text
                ids, weights, _values = whoosh_internals.posting_arrays(reader, fieldname, term)
                out.write(array("I", ids).tobytes() + array("f", weights).tobytes())
                directory[f"{fieldname}\x00{term}"] = [offset, len(ids)]
                offset += 8 * len(ids)
        keys = sorted(directory)  # read back as a sorted list and one array: ~90 bytes a term in memory, not ~230
        head = json.dumps({"documents": reader.doc_count_all(), "byteorder": sys.byteorder, "keys": keys,
                           "places": [n for key in keys for n in directory[key]]},
                          ensure_ascii=False, separators=(",", ":")).encode()
        out.write(head + TRAILER.pack(len(head)))
    os.replace(aside, target)
    return target


def write_missing(folder: Path, searcher) -> list[Path]:
    """Write the file of each large segment of `searcher`'s commit that has none."""
    written = []
    for reader, _offset in searcher.reader().leaf_readers():
        path = write(folder, reader)
        if path is not None:
            written.append(path)
    return written


class PostingFile:
    """One segment's file, open for reading: its directory in memory, the arrays read on demand."""

    def __init__(self, path: Path, documents: int):
        size = os.path.getsize(path)
        with open(path, "rb") as source:
            if size < len(MAGIC) + TRAILER.size or source.read(len(MAGIC)) != MAGIC:
                raise ValueError("not a posting file")
            source.seek(size - TRAILER.size)
            (length,) = TRAILER.unpack(source.read(TRAILER.size))
            if length > size - len(MAGIC) - TRAILER.size:
                raise ValueError("its directory is cut short")
            source.seek(size - TRAILER.size - length)
            head = json.loads(source.read(length))
        if head["documents"] != documents or head["byteorder"] != sys.byteorder:
            raise ValueError("written for another segment or machine")
        self.keys: list[str] = head["keys"]  # "field\0term", sorted
        self.places = array("Q", head["places"])  # offset, count of each key
        self.base = len(MAGIC)
        if len(self.places) != 2 * len(self.keys) or \
                size != self.base + 8 * sum(self.places[1::2]) + length + TRAILER.size:
            raise ValueError("the file's size is not its directory's")
        # Closed when the last reference goes (PostingFiles.forget drops its own): a thread still
        # reading holds one, so its file number is never reused under it.
        self.file = open(path, "rb", buffering=0)  # noqa: SIM115

    def __del__(self):
        file = getattr(self, "file", None)
        if file is not None:
            file.close()

    def postings(self, fieldname: str, text: str) -> tuple[array, array] | None:
        """(document numbers, frequencies) of a term, or None if the file does not hold it (a short list)."""
        key = f"{fieldname}\x00{text}"
        at = bisect_left(self.keys, key)
        if at == len(self.keys) or self.keys[at] != key:
            return None
        offset, count = self.places[2 * at], self.places[2 * at + 1]
        raw = os.pread(self.file.fileno(), count * 8, self.base + offset)
        if len(raw) != count * 8:
            raise ValueError("posting file cut short")
        ids, weights = array("I"), array("f")
        ids.frombytes(raw[:count * 4])
        weights.frombytes(raw[count * 4:])
        return ids, weights


def open_file(folder: Path, reader) -> PostingFile | None:
    """The file of one segment, or None if it has none or it cannot be read (logged: the lists come from Whoosh)."""
    path = path_of(folder, whoosh_internals.segment_key(reader))
    try:
        return PostingFile(path, reader.doc_count_all())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, struct.error) as error:
        log.warning("Ignoring the search posting file %s (%s); reading Whoosh's lists instead", path, error)
        return None


class PostingFiles:
    """The posting files of one index folder, per segment, for one process (SearchIndex holds one)."""

    MAX_OPEN = 64  # a few segments at a time; past this every entry is dropped

    def __init__(self, folder: Path):
        self.folder = folder
        self.opened: dict = {}  # segment key -> PostingFile, or the monotonic time it was found missing
        self.lock = threading.Lock()

    def postings(self, reader, fieldname: str, text: str) -> tuple[array, array] | None:
        if not whoosh_internals.fast_path():
            return None
        key = whoosh_internals.segment_key(reader)
        found = self.opened.get(key)
        if found is None or (isinstance(found, float) and time.monotonic() - found > RECHECK_SECONDS):
            with self.lock:
                if len(self.opened) >= self.MAX_OPEN:
                    self.forget()
                if reader.doc_count_all() < MIN_DOCUMENTS:
                    found = float("inf")  # never has one
                else:
                    found = open_file(self.folder, reader) or time.monotonic()
                previous = self.opened.get(key)
                if isinstance(previous, PostingFile):  # another thread opened it meanwhile
                    found = previous
                self.opened[key] = found
        if isinstance(found, float):
            return None
        try:
            return found.postings(fieldname, text)
        except (OSError, ValueError) as error:
            log.warning("Ignoring the search posting file of %s (%s)", key, error)
            self.opened[key] = time.monotonic()
            return None

    def forget(self) -> None:
        """Drop every file (each is closed once no thread reads it)."""
        self.opened.clear()
