"""The search watcher under gunicorn (the project's gunicorn.conf.py): forked by the master beside
its workers, it indexes a save with no query asking; it stops with the master, whether the master
stops cleanly or is killed alone; one that died is started again at the next worker fork; and with
WIKI_SEARCH_WATCHER=0 there is none and the workers index their own saves, as before."""

import os
import signal
import time

from app.wiki import search
from tests.integration.served import Browser, edited, form_fields, own_slug, seed_pages, served_wiki
from tests.integration.test_crash_safety import wait_for

__all__ = ["served_wiki"]  # the fixture, imported for pytest


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too (its parent has not reaped it yet)
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def save_and_wait_until_indexed(wiki, server, word: str) -> None:
    """Save through the form, then wait for the index (read in this process) to hold it: no query asks."""
    browser = Browser(server.base)
    browser.sign_in("Bénévole 00")
    slug = own_slug(0)
    form = form_fields(browser.get(f"/wiki/{slug}/edit").text, f"/wiki/{slug}/edit")
    form.update(body=edited(form["body"], "mot: ", word), summary=word)
    assert browser.post(f"/wiki/{slug}/edit", form).status == 303

    def indexed():
        with wiki.app.app_context():
            return not search.is_behind()

    wait_for(indexed, 20, f"the save of {word} to be indexed")


def ready(wiki) -> None:
    user_id = wiki.add_user("Bénévole 00", trusted=True)
    seed_pages(wiki, user_id, 1)


def test_the_watcher_indexes_saves_and_stops_with_its_master(served_wiki):
    ready(served_wiki)
    server = served_wiki.serve(workers=2)
    watcher = server.watcher()
    assert watcher not in server.workers() and len(server.workers()) == 2
    save_and_wait_until_indexed(served_wiki, server, "motwatcherun")
    assert "motwatcherun" in Browser(server.base).get("/search?q=motwatcherun").text
    server.process.send_signal(signal.SIGTERM)  # the master alone, as systemd's stop does first
    server.process.wait(timeout=30)
    wait_for(lambda: not alive(watcher), 15, "the watcher to stop with its master")
    assert not served_wiki.heartbeat.exists()


def test_a_watcher_whose_master_was_killed_stops_by_itself(served_wiki):
    ready(served_wiki)
    server = served_wiki.serve(workers=1)
    watcher = server.watcher()
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=30)
    wait_for(lambda: not alive(watcher), 15, "the orphaned watcher to stop")


def test_a_dead_watcher_is_started_again_at_the_next_worker_fork(served_wiki):
    ready(served_wiki)
    server = served_wiki.serve(workers=2)
    first = server.watcher()
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: first not in server.children(), 15, "the master to reap the watcher")
    os.kill(server.workers()[0], signal.SIGKILL)  # the master forks a new worker, and before it a watcher
    wait_for(lambda: server.watcher() not in (None, first) and len(server.workers()) == 2, 30, "a new watcher")
    save_and_wait_until_indexed(served_wiki, server, "motwatcherdeux")


def test_without_a_watcher_the_workers_index_their_saves(served_wiki):
    ready(served_wiki)
    server = served_wiki.serve(workers=2, environ={"WIKI_SEARCH_WATCHER": "0"})
    time.sleep(1)
    assert server.watcher() is None and len(server.children()) == 2
    assert not served_wiki.heartbeat.exists()
    save_and_wait_until_indexed(served_wiki, server, "motwatchertrois")  # the worker's after-response catch-up
