"""Flat posting files (posting_files.py): written for large segments by rebuild and optimize, the same
lists as Whoosh's blocks, the same answers with and without them, removed with their segment, and a
damaged or missing one never breaks a query."""

import logging
import random

import pytest

from app.wiki import editing, search
from app.wiki.search import index as index_module
from app.wiki.search import posting_files, sync
from app.wiki.search.whoosh_internals import posting_arrays

WORDS = "gouvernance partagée budget réunion bureau trésorerie adhérents".split()
QUERIES = [("gouvernance", {}), ("budget", {"page": 2, "per_page": 5}), ("gouvernance budget", {}),
           ('"gouvernance partagée"', {}), ('"budget réunion bureau"', {}), ("gouvernance -budget", {}),
           ("réunion OR trésorerie", {}), ("bureau", {"tag": "vie"}), ("", {"tag": "juridique"}),
           ("Fiche", {}), ("gouvernence", {})]


def answers(member=False):
    found = [search.query(text, member=member, **kwargs) for text, kwargs in QUERIES]
    return [([(hit.slug, hit.title) for hit in result.hits], result.total, result.facets) for result in found]


@pytest.fixture
def wiki(ctx, monkeypatch):
    """A rebuilt segment large enough for a file once the thresholds are lowered; every list read from
    Whoosh's blocks is kept decoded (so a list read from a file, which is not, shows)."""
    monkeypatch.setattr(index_module, "MIN_CACHED_POSTINGS", 1)
    monkeypatch.setattr(posting_files, "MIN_DOCUMENTS", 20)
    monkeypatch.setattr(posting_files, "MIN_POSTINGS", 4)
    rng = random.Random(5)
    for n in range(60):
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 40)))
        editing.create_page(title=f"Fiche {n}", body=body, tags=rng.choice(["", "juridique", "vie"]),
                            publish_now=True)
    search.rebuild()
    return ctx


def segment_files(handle):
    return sorted(path.name for path in handle.path.iterdir() if path.suffix == f".{posting_files.SUFFIX}")


def test_rebuild_writes_one_file_holding_whooshs_lists(wiki):
    handle = search.current_index()
    searcher = handle.searcher()
    [(reader, _offset)] = list(searcher.reader().leaf_readers())
    assert segment_files(handle) == [f"{reader.segment().segment_id()}.{posting_files.SUFFIX}"]
    flat = posting_files.open_file(handle.path, reader)
    assert len(flat.keys) > 10
    for key in flat.keys:
        fieldname, text = key.split("\x00")
        ids, weights = flat.postings(fieldname, text)
        expected = posting_arrays(reader, fieldname, text)
        assert (list(ids), list(weights)) == (expected[0], expected[1]) and len(ids) >= 4
    assert flat.postings("body", "introuvable") is None


def test_a_query_reads_the_file_not_whooshs_blocks(wiki, monkeypatch):
    handle = search.current_index()
    handle.forget_postings()
    asked, original = [], index_module.whoosh_internals.posting_arrays
    monkeypatch.setattr(index_module.whoosh_internals, "posting_arrays",
                        lambda reader, fieldname, *args, **kwargs: asked.append(fieldname)
                        or original(reader, fieldname, *args, **kwargs))
    found = search.query("gouvernance budget", member=False)
    assert found.total > 10 and "body" not in asked
    reader = next(iter(handle.searcher().reader().leaf_readers()))[0]
    assert isinstance(handle._files.opened[reader.segment().segment_id()], posting_files.PostingFile)
    assert [key for key in handle._postings if key[1] == "body"]  # kept like the lists read from Whoosh
    for path in handle.path.glob(f"*.{posting_files.SUFFIX}"):
        path.unlink()
    handle._files.forget()
    handle.forget_postings()
    assert search.query("gouvernance budget", member=False).total == found.total and "body" in asked


@pytest.mark.parametrize("member", [False, True])
def test_the_same_answers_with_and_without_the_files(wiki, member):
    handle = search.current_index()
    for n in range(3):  # segments of their own, and deleted documents in the big one
        page = editing.find_page(f"fiche-{n}")[0]
        editing.save_edit(page, title=page.head.title, body=page.head.body + " gouvernance budget",
                          summary="", author=None, base_revision=page.head.number)
        search.query("gouvernance", member=False)
    editing.delete_page(editing.find_page("fiche-7")[0])
    with_files = answers(member)
    for path in handle.path.glob(f"*.{posting_files.SUFFIX}"):
        path.unlink()
    handle._files.forget()
    handle.forget_postings()
    assert answers(member) == with_files


def test_a_merge_removes_the_old_file_and_optimize_writes_the_new_one(wiki):
    handle = search.current_index()
    before = segment_files(handle)
    page = editing.find_page("fiche-4")[0]
    editing.save_edit(page, title=page.head.title, body="trésorerie " * 5, summary="", author=None,
                      base_revision=page.head.number)
    search.query("trésorerie", member=False)
    expected = answers()
    sync.optimize(full=True)
    after = segment_files(handle)
    assert len(after) == 1 and after != before  # Whoosh deleted the merged segment's file with it
    assert answers() == expected


def test_optimize_writes_a_missing_file_and_leaves_small_segments_without(wiki):
    handle = search.current_index()
    for path in handle.path.glob(f"*.{posting_files.SUFFIX}"):
        path.unlink()
    editing.create_page(title="Petite", body="gouvernance", publish_now=True)
    search.query("gouvernance", member=False)
    assert sync.write_posting_files() == 1
    assert sync.write_posting_files() == 0
    assert len(segment_files(handle)) == 1


@pytest.mark.parametrize("damage", ["magic", "cut", "other segment", "empty"])
def test_a_damaged_file_is_ignored_with_a_warning(wiki, damage, caplog):
    handle = search.current_index()
    expected = answers()
    [path] = handle.path.glob(f"*.{posting_files.SUFFIX}")
    data = path.read_bytes()
    if damage == "magic":
        path.write_bytes(b"XXXXXX" + data[6:])
    elif damage == "cut":
        path.write_bytes(data[:len(data) - 200])
    elif damage == "other segment":
        path.write_bytes(data.replace(b'"documents":', b'"documents":1', 1))
    else:
        path.write_bytes(b"")
    handle._files.forget()
    handle.forget_postings()
    with caplog.at_level(logging.WARNING, logger="app.wiki.search.posting_files"):
        assert answers() == expected
    assert "Ignoring the search posting file" in caplog.text
    assert sync.write_posting_files() == 1  # the timer (or the watcher) writes it again
    assert path.read_bytes() == data


def test_a_file_written_after_a_reader_looked_is_found_later(wiki, monkeypatch):
    handle = search.current_index()
    [path] = handle.path.glob(f"*.{posting_files.SUFFIX}")
    kept = path.read_bytes()
    path.unlink()
    handle._files.forget()
    search.query("gouvernance", member=False)
    reader = next(iter(handle.searcher().reader().leaf_readers()))[0]
    key = reader.segment().segment_id()
    assert isinstance(handle._files.opened[key], float)
    path.write_bytes(kept)
    monkeypatch.setattr(posting_files, "RECHECK_SECONDS", 0.0)
    search.query("budget", member=False)
    assert isinstance(handle._files.opened[key], posting_files.PostingFile)
