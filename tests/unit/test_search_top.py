"""A common word scored by chunks, best bound first (ArrayScorer.top, top_scoring.py): the same hits, order,
totals and facets as scoring every posting, and members-only pages never in a visitor's results."""

import random

import pytest

from app.wiki import editing, page_settings, search
from app.wiki.search import bitsets, scoring, top_scoring
from app.wiki.search.results import tag_facets


def create(title, body, tags=""):
    return editing.create_page(title=title, body=body, tags=tags, publish_now=True)


def answer(text, **kwargs):
    found = search.query(text, **kwargs)
    return [hit.slug for hit in found.hits], found.total, found.facets


@pytest.fixture
def chunked(monkeypatch):
    """Every list long enough to be chunked, in chunks of 3 postings: many bounds on a small wiki."""
    monkeypatch.setattr(top_scoring, "MIN_CHUNKED_POSTINGS", 1)
    monkeypatch.setattr(top_scoring, "CHUNK", 3)


@pytest.fixture
def wiki(ctx, chunked):
    rng = random.Random(4)
    words = "gouvernance partagée budget réunion bureau".split()
    for n in range(45):
        body = " ".join(rng.choice(words) for _ in range(rng.randint(3, 60)))
        create(f"Fiche {n}" + (" gouvernance" if n % 7 == 0 else ""), body, tags=rng.choice(["", "juridique", "vie"]))
    for n in (2, 9, 30):  # members-only pages that would rank first: the word alone, many times
        page = create(f"Interne {n} gouvernance", "gouvernance " * 40)
        page_settings.set_visibility(page, "members", by=None)
    search.rebuild()
    return ctx


QUERIES = [("gouvernance", {}), ("budget", {}), ("gouvernance", {"page": 2}), ("gouvernance", {"page": 3}),
           ("réunion", {"tag": "juridique"}), ("bureau", {"per_page": 7, "page": 4}), ("Fiche", {})]


@pytest.mark.parametrize("member", [False, True])
def test_chunked_scoring_answers_exactly_what_scoring_every_posting_answers(wiki, monkeypatch, member):
    chunked = [answer(text, member=member, **kwargs) for text, kwargs in QUERIES]
    calls = []
    monkeypatch.setattr(scoring.ArrayScorer, "top", lambda *args: calls.append(args) or None)
    plain = [answer(text, member=member, **kwargs) for text, kwargs in QUERIES]
    assert calls  # the second run really took the plain path
    assert chunked == plain
    assert chunked[0][1] > 20  # more matches than one page: chunks were skipped


def test_the_chunked_path_is_taken_and_skips_postings(wiki):
    handle = search.current_index()
    searcher = handle.searcher()
    parsed = search.parse(handle.parser, "gouvernance")
    matched, found = scoring.top_scores(searcher, handle, parsed, wanted=5,
                                        hidden_bits=handle.hidden_bits(searcher, False))
    assert len(found) < matched.bit_count()


def test_members_only_pages_never_reach_a_visitor_through_chunks(wiki):
    visitor = search.query("gouvernance", member=False, per_page=100)
    member = search.query("gouvernance", member=True, per_page=100)
    assert not any(hit.slug.startswith("interne") for hit in visitor.hits)
    assert {hit.slug for hit in member.hits[:3]} == {"interne-2-gouvernance", "interne-9-gouvernance",
                                                     "interne-30-gouvernance"}
    assert member.total == visitor.total + 3


def test_facets_from_bits_count_what_set_intersections_count():
    rng = random.Random(2)
    documents = 500
    tagged = {f"t{n}": set(rng.sample(range(documents), rng.randint(0, 200))) for n in range(12)}
    bits = {tag: bitsets.from_numbers(pages, documents) for tag, pages in tagged.items()}
    for size in (0, 10, 249, 251, 490, 500):  # few matches, and most of the documents
        matched = set(rng.sample(range(documents), size))
        expected = sorted(((t, len(p & matched)) for t, p in tagged.items() if p & matched),
                          key=lambda pair: (-pair[1], pair[0]))[:20]
        assert tag_facets(bits, bitsets.from_numbers(matched, documents)) == expected


def test_chunked_scoring_is_exact_across_segments_and_deletions(wiki, monkeypatch):
    for n in range(4):  # indexed by catch-ups after the rebuild: segments of their own
        create(f"Ajout {n} gouvernance", "gouvernance partagée " * (n + 1))
        search.query("gouvernance", member=False)
    editing.delete_page(editing.find_page("fiche-3")[0])
    assert "fiche-3" not in answer("gouvernance", member=False, per_page=100)[0]
    assert len(list(search.current_index().searcher().reader().leaf_readers())) > 1
    chunked = [answer(text, member=False, **kwargs) for text, kwargs in QUERIES]
    monkeypatch.setattr(scoring.ArrayScorer, "top", lambda *args: None)
    assert chunked == [answer(text, member=False, **kwargs) for text, kwargs in QUERIES]
