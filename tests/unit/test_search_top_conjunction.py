"""Words ANDed ranked from chunks (top_scoring.py): the same hits, order, totals and facets as
scoring every match, each score the very float `evaluate` gives, on an index of several segments
with deleted documents, members-only pages and tags (the fixture of test_search_bitsets.py), for
two and three words and phrases of two (a pair term), visitors and members, later pages, one hit a
page and a tag filter."""

import random

import pytest

from app.wiki import search
from app.wiki.search import scoring, top_scoring
from tests.unit.test_search_bitsets import wiki, with_bits, with_sets  # noqa: F401  (the fixture)

WORDS = "gouvernance partagée budget réunion bureau trésorerie fiche interne ajout".split()
PAGES = [{}, {"page": 2, "per_page": 5}, {"per_page": 1}, {"page": 3, "per_page": 7}, {"tag": "juridique"},
         {"tag": "vie", "per_page": 3, "page": 2}]


@pytest.fixture
def taken(monkeypatch):
    """How many of the queries of several words `top` answered (not handed back to `scores`)."""
    answered = []
    original = scoring.ArrayScorer.top

    def counting(self, node, *args, **kwargs):
        found = original(self, node, *args, **kwargs)
        if len(getattr(node, "subqueries", ())) > 1 and all(hasattr(c, "subqueries") for c in node.subqueries):
            answered.append(found is not None)
        return found

    monkeypatch.setattr(scoring.ArrayScorer, "top", counting)
    return answered


@pytest.mark.parametrize("member", [False, True])
def test_ranked_from_chunks_as_from_every_match(wiki, taken, member):
    rng = random.Random(7)
    queries = [" ".join(rng.sample(WORDS, 2)) for _ in range(12)] + [" ".join(rng.sample(WORDS, 3)) for _ in range(6)]
    phrases = ['"gouvernance partagée"', '"budget réunion" bureau', '"bureau gouvernance" "partagée budget"']
    for text in queries + phrases + ["gouvernance budget", "gouvernance trésorerie", "budget introuvable"]:
        for kwargs in PAGES:
            assert with_bits(text, member, **kwargs) == with_sets(text, member, **kwargs), (text, kwargs)
    assert sum(taken) >= len(queries) * len(PAGES) // 2  # most went through the chunks


def test_every_score_is_the_float_evaluate_gives_and_most_are_not_computed(wiki):
    skipped = []
    for text in ("gouvernance budget", "budget trésorerie réunion", "partagée bureau", "interne trésorerie",
                 "gouvernance fiche", "budget réunion", "réunion bureau budget", "gouvernance", "budget",
                 '"gouvernance partagée"', '"budget réunion" bureau', '"réunion budget"'):
        check(text, skipped)
    assert sum(skipped) > 0 and max(skipped) >= 10, skipped  # documents matched but never scored


def check(text, skipped):
    handle = search.current_index()
    searcher = handle.searcher()
    parsed = search.parse(handle.parser, text)
    scorer = scoring.ArrayScorer(searcher, handle)
    whole = scorer.evaluate(parsed)
    top = scorer.top(parsed, 4, 0, None)
    assert top is not None, text
    matched, found = top
    assert found and all(found[key] == whole[key] for key in found), text
    assert {n for n in range(searcher.doc_count_all()) if matched >> n & 1} == set(whole)
    best = sorted(whole, key=lambda key: (-whole[key], key))[:4]
    assert sorted(found, key=lambda key: (-found[key], key))[:4] == best, text
    skipped.append(len(whole) - len(found))


def test_short_lists_and_other_shapes_are_left_to_scores(wiki, monkeypatch):
    handle = search.current_index()
    searcher = handle.searcher()
    scorer = scoring.ArrayScorer(searcher, handle)
    for text in ("gouvernance -budget", '"gouvernance partagée budget" bureau', "gouvernance (budget OR bureau OR fiche)",
                 '"gouvernance partagée budget"', "gouvernance OR budget"):
        assert scorer.top(search.parse(handle.parser, text), 10, 0, None) is None, text
    monkeypatch.setattr(top_scoring, "MIN_CHUNKED_POSTINGS", 10**9)
    for text in ("gouvernance budget", "gouvernance"):  # lists shorter than the threshold
        assert scorer.top(search.parse(handle.parser, text), 10, 0, None) is None, text


def test_bounds_hold_when_the_order_was_kept_under_other_parameters(wiki):
    """impact_chunks orders a list with the BM25F parameters of the first query that asked; edits then
    move the average lengths. Kept under parameters far from the real ones (length counting for
    everything, or for nothing), the order is poor but every bound still holds: the same answers."""
    handle = search.current_index()
    queries = ["gouvernance", "budget réunion", '"gouvernance partagée"', "trésorerie gouvernance"]
    search.query("gouvernance", member=False)  # the index caught up first (with_sets reads it as it is)
    expected = {(text, member): with_sets(text, member) for text in queries for member in (False, True)}
    searcher = handle.searcher()
    for constant, slope in ((0.0, 100.0), (100.0, 0.0)):
        handle.forget_postings()
        for reader, _offset in searcher.reader().leaf_readers():
            for fieldname, pair_field in (("title", "title_pairs"), ("body", "body_pairs")):
                for field in (fieldname, pair_field):
                    for text in reader.lexicon(field):
                        text = text.decode() if isinstance(text, bytes) else text
                        postings = handle.postings(reader, field, text)
                        handle.impact_chunks(reader, field, text, postings, top_scoring.CHUNK, constant, slope)
        for (text, member), answer in expected.items():
            assert with_bits(text, member) == answer, (text, member, constant, slope)
