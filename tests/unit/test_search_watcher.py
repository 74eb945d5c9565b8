"""The search watcher (app/wiki/search/watcher.py): its heartbeat, its round (catching up, or merging
when due and the lock is free), and what a save's request does while it beats (leaves the catch-up
to it) or not (catches up itself); a query finds a saved page either way. gunicorn's part (fork,
stop, restart) is in tests/integration/test_search_watcher.py."""

import os
import time

import pytest

from app.wiki import editing, search
from app.wiki.search import sync, watcher
from tests.web.test_fast_paths import save


def heartbeat():
    return watcher.heartbeat_path(search.current_index().path)


def test_alive_only_while_the_heartbeat_is_fresh(ctx):
    assert not watcher.watcher_alive()
    watcher.beat(heartbeat())
    assert watcher.watcher_alive() and heartbeat().read_text().strip() == str(os.getpid())
    stale = time.time() - watcher.STALE_SECONDS - 1
    os.utime(heartbeat(), (stale, stale))
    assert not watcher.watcher_alive()


def test_one_round_indexes_what_is_behind_then_nothing(ctx):
    editing.create_page(title="Atelier compost", body="lombricomposteur", publish_now=True)
    assert search.is_behind()
    assert watcher.watch_once() is True
    assert not search.is_behind() and watcher.watcher_alive()
    assert watcher.watch_once() is False
    assert [hit.slug for hit in search.query("lombricomposteur", member=False).hits] == ["atelier-compost"]


def test_the_loop_stops_when_its_parent_is_not_the_master_and_takes_its_heartbeat(app):
    with app.app_context():
        path = heartbeat()
    watcher.watch(app, parent=-1)  # never this process's parent: no round at all
    assert not path.exists()
    with app.app_context():
        watcher.beat(path)
    path.write_text("1\n")  # another watcher's now: left alone
    watcher.forget_heartbeat(path)
    assert path.exists()
    path.write_text(f"{os.getpid()}\n")
    watcher.forget_heartbeat(path)
    assert not path.exists()


@pytest.mark.parametrize("beating", [True, False])
def test_a_save_leaves_its_catch_up_to_a_beating_watcher(app, client, editor, beating):
    save(editor, "guide", "Le vélo.")
    with app.app_context():
        search.catch_up()
        if beating:
            watcher.beat(heartbeat())
    answer = editor.post("/wiki/guide/edit", data={"title": "Guide", "body": "Le tramway bleu.", "summary": "",
                                                   "base_revision": "1"})
    assert answer.status_code == 303
    answer.close()  # the WSGI close, where the catch-up runs after the response
    with app.app_context():
        assert search.is_behind() is beating
    assert 'href="/wiki/guide"' in client.get("/search?q=tramway").get_data(as_text=True)  # a query catches up first
    with app.app_context():
        assert not search.is_behind()


def test_a_round_with_nothing_behind_merges_the_small_segments_when_due(ctx):
    for n in range(6):
        editing.create_page(title=f"Fiche {n}", body="Le vélo.", publish_now=True)
        assert watcher.watch_once(merge=True) is True  # behind: indexed, nothing merged
    assert sync.segment_count() > 2
    assert watcher.watch_once() is False and sync.segment_count() > 2  # not due
    assert watcher.watch_once(merge=True) is False
    assert sync.segment_count() <= 2
    assert {hit.slug for hit in search.query("vélo", member=False).hits} == {f"fiche-{n}" for n in range(6)}


def test_a_merge_round_leaves_a_held_lock_alone(ctx):
    for n in range(4):
        editing.create_page(title=f"Fiche {n}", body="Le vélo.", publish_now=True)
        search.catch_up()
    before = sync.segment_count()
    writer = search.current_index().index().writer()  # another process's optimize, say
    try:
        assert watcher.watch_once(merge=True) is False  # no wait, no error
        assert sync.segment_count() == before
    finally:
        writer.cancel()
