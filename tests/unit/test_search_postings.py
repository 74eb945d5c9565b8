"""The decoded posting lists a process keeps (SearchIndex.postings): the same hits and scores as
reading Whoosh's blocks, never stale after an edit, a delete or a rebuild, and bounded."""

import pytest

from app.wiki import editing, page_settings, search
from app.wiki.search import index as index_module
from app.wiki.search import whoosh_internals


def create(title, body):
    return editing.create_page(title=title, body=body, publish_now=True)


def ranked(text, member=False):
    found = search.query(text, member=member)
    return [hit.slug for hit in found.hits], found.total


@pytest.fixture
def kept(monkeypatch):
    """Every posting list kept, however short (the default keeps only long ones)."""
    monkeypatch.setattr(index_module, "MIN_CACHED_POSTINGS", 1)


@pytest.fixture
def wiki(ctx, kept):
    for n in range(12):
        create(f"Fiche {n}", "La gouvernance partagée. " * (1 + n % 4) + f"Numéro {n}.")
    create("Réunion", "Rien sur ce mot.")
    search.rebuild()  # one segment: each word's postings in one list
    return ctx


def test_kept_postings_equal_whooshs_blocks(wiki):
    handle = search.current_index()
    searcher = handle.searcher()
    word = search.analysed("gouvernance")
    for reader, _offset in searcher.reader().leaf_readers():
        ids, weights = handle.postings(reader, "body", word)
        again = handle.postings(reader, "body", word)
        fresh = whoosh_internals.posting_arrays(reader, "body", word)
        assert again is not None and list(ids) == list(fresh[0]) and list(weights) == list(fresh[1])
        assert list(again[0]) == list(ids)


def test_hits_and_order_are_the_same_with_and_without_kept_postings(wiki, monkeypatch):
    queries = ("gouvernance", "gouvernance partagée", "gouvernance -numéro", "fiche")
    with_cache = [ranked(text) for text in queries]
    with_cache_again = [ranked(text) for text in queries]
    monkeypatch.setattr(index_module, "MIN_CACHED_POSTINGS", 10**9)  # nothing kept from here on
    search.current_index().forget_postings()
    without = [ranked(text) for text in queries]
    assert with_cache == with_cache_again == without
    assert with_cache[0][1] == 12


def test_kept_postings_never_outlive_an_edit_a_delete_or_a_visibility_change(open_wiki, wiki):
    assert ranked("gouvernance")[1] == 12  # the word's postings are now kept
    page = editing.find_page("fiche-3")[0]
    editing.save_edit(page, title=page.head.title, body="Tout autre chose.", author=None,
                      base_revision=page.head.number)
    slugs, total = ranked("gouvernance")
    assert total == 11 and "fiche-3" not in slugs
    create("Nouvelle fiche", "La gouvernance encore.")
    assert "nouvelle-fiche" in ranked("gouvernance")[0]
    page_settings.set_visibility(editing.find_page("fiche-5")[0], "members", by=None)
    assert "fiche-5" not in ranked("gouvernance")[0] and "fiche-5" in ranked("gouvernance", member=True)[0]


def test_a_rebuild_is_never_answered_from_the_old_segments(wiki):
    before = ranked("gouvernance")
    search.rebuild()
    assert ranked("gouvernance") == before


def test_the_kept_postings_stay_within_their_budget_least_recently_used_dropped_first(wiki, monkeypatch):
    monkeypatch.setattr(index_module, "MAX_CACHED_POSTINGS", 20)
    handle = search.current_index()
    handle.forget_postings()
    reader, _offset = next(iter(handle.searcher().reader().leaf_readers()))
    gouvernance, fiche, numero = (search.analysed(word) for word in ("gouvernance", "fiche", "numéro"))
    handle.postings(reader, "body", gouvernance)  # 12 postings
    handle.postings(reader, "title", fiche)  # 12 more: over 20, gouvernance's list goes
    assert [key[1:] for key in handle._postings] == [("title", fiche)]
    handle.postings(reader, "body", numero)
    assert handle._postings_size <= 20 and [key[1:] for key in handle._postings] == [("body", numero)]
