"""Merges off the save path: catch-ups never merge (until MAX_SEGMENTS), `flask search optimize` merges
in rounds that also index what was saved, and no document is lost or left stale on the way."""

from app.wiki import editing, search
from app.wiki.search import sync


def found(word: str) -> set[str]:
    return {hit.slug for hit in search.query(word, member=False, per_page=100).hits}


def test_catch_ups_add_one_segment_per_save_and_merge_nothing(ctx):
    for n in range(12):
        editing.create_page(title=f"Page {n}", body=f"Le vélo numéro{n}.", publish_now=True)
        search.catch_up()
    assert sync.segment_count() >= 12  # no merge after a save: each catch-up wrote its own segment
    assert len(found("vélo")) == 12 and found("numéro7") == {"page-7"}


def test_deferred_merges_lose_no_document_and_keep_each_page_current(open_wiki, ctx, runner):  # edits published
    pages = [editing.create_page(title=f"Page {n}", body="Le vélo.", publish_now=True) for n in range(20)]
    search.catch_up()
    for n, page in enumerate(pages[:10]):  # edits and a deletion spread over many segments
        editing.save_edit(page, title=page.title, body=f"Le train{n}.", base_revision=page.head.number)
        search.catch_up()
    editing.delete_page(pages[19])
    search.catch_up()
    before = sync.segment_count()
    result = runner.invoke(args=["search", "optimize"])
    assert result.exit_code == 0, result.output
    assert sync.segment_count() <= 2 < before
    assert found("vélo") == {f"page-{n}" for n in range(10, 19)}
    assert all(found(f"train{n}") == {f"page-{n}"} for n in range(10))
    with search.current_index().searcher() as searcher:  # one document a live page, and the watermark's
        assert searcher.doc_count() == 19 + 1


def test_optimize_indexes_what_was_saved_before_it_in_the_same_commits(ctx):
    for n in range(20):
        editing.create_page(title=f"Page {n}", body="Le vélo.", publish_now=True)
        search.catch_up()
    editing.create_page(title="Nouvelle", body="Le tramway.", publish_now=True)  # not caught up yet
    assert search.is_behind()
    sync.optimize()
    assert not search.is_behind() and sync.segment_count() <= 2
    assert found("tramway") == {"nouvelle"}


def test_without_a_timer_segments_stay_bounded(ctx, monkeypatch):
    monkeypatch.setattr(sync, "MAX_SEGMENTS", 6)
    for n in range(14):
        editing.create_page(title=f"Page {n}", body="Le vélo.", publish_now=True)
        search.catch_up()
        assert sync.segment_count() <= 6 + 1  # a catch-up past the bound merges its smallest segments
    assert len(found("vélo")) == 14
