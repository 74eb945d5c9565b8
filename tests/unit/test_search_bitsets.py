"""Matches, tags and hidden pages counted as bits (bitsets.py): the same hits, order, totals and facets
as the sets they replaced, on an index of several segments with deleted documents, members-only
pages and tags, kept bits included; and the bit set helpers themselves."""

import heapq
import random

import pytest
from whoosh import query as wq

from app.wiki import editing, page_settings, search
from app.wiki.search import bitsets, scoring, top_scoring
from app.wiki.search import index as index_module
from app.wiki.search.whoosh_internals import term_documents


def create(title, body, tags=""):
    return editing.create_page(title=title, body=body, tags=tags, publish_now=True)


def set_facets(tagged: dict[str, set[int]], matched: set[int], documents: int, limit: int = 20):
    """The facets as the set-based code counted them, both of its branches (most documents matched:
    from the unmatched side)."""
    if len(matched) * 2 > documents:
        unmatched = set(range(documents)).difference(matched)
        counts = ((tag, len(pages) - len(pages & unmatched)) for tag, pages in tagged.items())
    else:
        counts = ((tag, len(pages & matched)) for tag, pages in tagged.items())
    return sorted(((tag, n) for tag, n in counts if n), key=lambda pair: (-pair[1], pair[0]))[:limit]


def with_sets(text, member, tag=None, page=1, per_page=20):
    """What the set-based run_query answered: every match scored (ArrayScorer.evaluate), sets of
    document numbers for hidden pages, the tag filter and the facets; Whoosh's own matcher agrees."""
    handle = search.current_index()
    searcher = handle.searcher()
    parsed = search.parse(handle.parser, text) if text else wq.Every()
    hidden = handle.hidden(searcher, member)
    tagged = {t: term_documents(searcher, "tags", t) for t in searcher.reader().field_terms("tags")}
    found = scoring.ArrayScorer(searcher, handle).evaluate(parsed)
    matched = found.keys() - hidden
    if tag:
        matched &= tagged.get(tag, set())
    assert matched == (set(searcher.docs_for_query(parsed)) - hidden) & (tagged.get(tag, set()) if tag else matched)
    wanted = page * per_page
    ranked = heapq.nlargest(wanted, sorted(matched), key=found.__getitem__)[wanted - per_page:]
    facets = set_facets(tagged, matched, searcher.doc_count_all())
    return [searcher.stored_fields(docnum)["slug"] for docnum in ranked], len(matched), facets


def with_bits(text, member, **kwargs):
    found = search.query(text, member=member, **kwargs)
    return [hit.slug for hit in found.hits], found.total, found.facets


@pytest.fixture
def wiki(ctx, monkeypatch):
    """Every list chunked (ArrayScorer.top: top_scoring.py) and every posting list and its bits kept."""
    monkeypatch.setattr(top_scoring, "MIN_CHUNKED_POSTINGS", 1)
    monkeypatch.setattr(top_scoring, "CHUNK", 3)
    monkeypatch.setattr(index_module, "MIN_CACHED_POSTINGS", 1)
    rng = random.Random(11)
    words = "gouvernance partagée budget réunion bureau trésorerie".split()
    for n in range(70):
        body = " ".join(rng.choice(words[:5]) for _ in range(rng.randint(3, 50)))
        if n % 9 == 0:
            body += " trésorerie"
        create(f"Fiche {n}", body, tags=rng.choice(["", "juridique", "vie", "juridique, vie", "finances"]))
    for n in (4, 17, 40):
        page = create(f"Interne {n} gouvernance", "gouvernance trésorerie " * 30, tags="juridique")
        page_settings.set_visibility(page, "members", by=None)
    search.rebuild()
    search.query("gouvernance", member=False)  # bits of the rebuilt segment kept before the changes
    for n in range(3):  # indexed by catch-ups: segments of their own
        create(f"Ajout {n} gouvernance", "gouvernance budget " * (n + 2), tags="vie")
        search.query("gouvernance", member=False)
    for slug in ("fiche-3", "fiche-9", "ajout-1-gouvernance"):  # deleted documents in old segments
        editing.delete_page(editing.find_page(slug)[0])
    page_settings.set_visibility(editing.find_page("fiche-5")[0], "members", by=None)
    searcher = search.current_index().searcher()
    assert len(list(searcher.reader().leaf_readers())) > 2 and searcher.reader().has_deletions()
    return ctx


QUERIES = [("gouvernance", {}), ("gouvernance", {"page": 2}), ("budget", {"per_page": 7, "page": 3}),
           ("trésorerie", {}), ("gouvernance budget", {}), ('"gouvernance partagée"', {}),
           ("gouvernance -budget", {}), ("gouvernance OR trésorerie", {}), ("réunion", {"tag": "juridique"}),
           ("trésorerie", {"tag": "vie"}), ("gouvernance", {"tag": "inconnu"}), ("", {"tag": "juridique"}),
           ("", {"tag": "vie", "page": 2, "per_page": 5}), ("Fiche", {}), ("introuvable", {})]


@pytest.mark.parametrize("member", [False, True])
def test_bits_answer_what_sets_answered(wiki, member):
    for text, kwargs in QUERIES:
        assert with_bits(text, member, **kwargs) == with_sets(text, member, **kwargs), (text, kwargs)


def test_both_sizes_of_match_and_the_hidden_pages(wiki):
    documents = search.current_index().searcher().doc_count_all()
    common, rare = with_bits("gouvernance", False), with_bits("trésorerie", False)
    assert common[1] * 2 > documents > rare[1] * 2 > 0  # the two branches of the set-based facets
    visitor, member = with_bits("trésorerie", False, per_page=100), with_bits("trésorerie", True, per_page=100)
    assert not any(slug.startswith("interne") for slug in visitor[0])
    assert member[1] == visitor[1] + 3 and member[0][:3] != visitor[0][:3]
    assert "fiche-3" not in with_bits("", False, tag="juridique", per_page=100)[0] + common[0]


def test_a_tag_alone_ranks_by_document_number_as_scoring_every_page_did(wiki):
    for member in (False, True):
        for tag in ("juridique", "vie", "finances"):
            for page in (1, 2, 9):
                assert with_bits("", member, tag=tag, per_page=6, page=page) == \
                    with_sets("", member, tag=tag, per_page=6, page=page)


def test_kept_bits_stay_within_their_budget(wiki, monkeypatch):
    monkeypatch.setattr(index_module, "MAX_KEPT_BITS_BYTES", 40)
    handle = search.current_index()
    handle.forget_postings()
    before = [with_bits(text, False, **kwargs) for text, kwargs in QUERIES]
    assert handle._bits_size <= 40 and len(handle._bits) >= 1
    assert before == [with_sets(text, False, **kwargs) for text, kwargs in QUERIES]


@pytest.mark.parametrize("size", [0, 1, 7, 8, 63, 64, 65, 1000])
def test_bit_set_helpers(size):
    rng = random.Random(size)
    for count in {0, 1, size // 3, size // 2, size}:
        numbers = sorted(rng.sample(range(size), min(count, size)))
        bits = bitsets.from_numbers(numbers, size)
        assert bits.bit_count() == len(numbers) and bits & ~bitsets.below(size) == 0
        assert bitsets.members(bits) == set(numbers)
        assert bitsets.lowest(bits, 5) == numbers[:5]
        lookup = bitsets.Lookup(bits, size)
        assert [n for n in range(size) if n in lookup] == numbers


def test_did_you_mean_sees_what_the_whole_sets_saw(wiki):
    from app.wiki.search.excerpts import visible_somewhere
    handle = search.current_index()
    searcher = handle.searcher()
    for member in (False, True):
        hidden = handle.hidden(searcher, member)
        for fieldname in ("body", "title"):
            for word in ("gouvernance", "tresorerie", "interne", "ajout", "fiche", "inconnu"):
                stem = search.analysed(word)
                assert visible_somewhere(searcher, fieldname, stem, hidden) == \
                    bool(term_documents(searcher, fieldname, stem) - hidden), (member, fieldname, word)
    assert search.query("gouvernanse", member=False).suggestion == "gouvernance"


@pytest.mark.parametrize("text", [
    "gouvernance budget", "budget trésorerie réunion", "title:fiche budget", "gouvernance (budget OR bureau)",
    "gouvernance budget -trésorerie", '"gouvernance partagée" budget', "partagée bureau", "interne trésorerie",
    "gouvernance introuvable", "budget AND (réunion AND bureau)", "(gouvernance OR partagée) (bureau OR réunion)",
])
def test_a_conjunction_scored_on_its_smallest_parts_documents_gives_the_same_floats(wiki, monkeypatch, text):
    handle = search.current_index()
    searcher = handle.searcher()
    parsed = search.parse(handle.parser, text)
    narrowed = scoring.ArrayScorer(searcher, handle).evaluate(parsed)
    monkeypatch.setattr(scoring.ArrayScorer, "match_count", lambda self, node: None)  # every part scored whole
    whole = scoring.ArrayScorer(searcher, handle).evaluate(parsed)
    assert narrowed is not None and narrowed == whole  # the same documents, each with the very same float
    live = set(searcher.reader().all_doc_ids())
    assert set(narrowed) == set(searcher.docs_for_query(parsed)) & live
