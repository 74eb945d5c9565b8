"""Crashes under gunicorn: workers SIGKILLed during a burst of saves, then the whole server at once,
and the process writing the search index killed while it writes: the search watcher, then (once
no watcher beats) the whole server while a worker's catch-up writes.

After each restart the database holds together (SQLite's integrity_check, gapless revision numbers,
head and published pointing to revisions of their page, no HTML that is not its text's), every save
that was acknowledged is there exactly once, a save whose answer never came is there once or not at
all, and search catches up by itself: the write lock of a killed writer does not block anyone."""

import fcntl
import http.client
import math
import os
import random
import signal
import threading
import time

import sqlalchemy as sa

from app.extensions import db
from app.models import Page, Revision
from app.wiki import editing, journal, search
from app.wiki.search.analysis import TEXT_ANALYZER, plain_text
from app.wiki.search.watcher import STALE_SECONDS
from tests.integration.served import (LOCKED, SHARED, Browser, consistency_problems, edited, flock_holder, form_fields,
                                      marker, own_slug, seed_pages, served_wiki)

__all__ = ["served_wiki"]  # the fixture, imported for pytest

CLIENTS = 8
MAX_EDITS = 150  # per client: the burst is stopped long before, this only bounds the loop
WORKER_KILLS = 6


class Burst:
    """Clients saving without pause until told to stop; what each save became."""

    def __init__(self):
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.acknowledged: list[tuple[str, str]] = []  # (word, slug): answered 303
        self.conflicted: list[str] = []
        self.unanswered: list[str] = []  # sent, but the connection died: saved once or not at all
        self.problems: list[str] = []

    def count(self) -> int:
        with self.lock:
            return len(self.acknowledged)

    def check(self, answer, what: str) -> None:
        if answer.status >= 500 or LOCKED.search(answer.text):
            with self.lock:
                self.problems.append(f"{what}: {answer.status} {LOCKED.search(answer.text) and 'database is locked'}")


def saving(browser: Browser, number: int, burst: Burst, first_edit: int = 0) -> None:
    for edit in range(first_edit, first_edit + MAX_EDITS):
        if burst.stop.is_set():
            return
        word = marker(number, edit)
        slug, prefix = (SHARED, "commun: ") if edit % 3 == 0 else (own_slug(number), "mot: ")
        sent = False
        try:
            editor = browser.get(f"/wiki/{slug}/edit")
            burst.check(editor, f"editor {slug}")
            if editor.status != 200:
                continue
            form = form_fields(editor.text, f"/wiki/{slug}/edit")
            form.update(body=edited(form["body"], prefix, word), summary=f"modif {word}")
            sent = True
            answer = browser.post(f"/wiki/{slug}/edit", form)
            burst.check(answer, f"save {word}")
            with burst.lock:
                if answer.status == 303:
                    burst.acknowledged.append((word, slug))
                elif answer.status == 409:
                    burst.conflicted.append(word)
                else:
                    burst.problems.append(f"save {word}: {answer.status}")
        except (OSError, http.client.HTTPException):  # the worker died under this request, or the server is down
            if sent:
                with burst.lock:
                    burst.unanswered.append(word)
            time.sleep(0.05)


def start_burst(base: str, names: list[str], burst: Burst) -> tuple[list[Browser], list[threading.Thread]]:
    browsers = [Browser(base) for _ in names]
    for browser, name in zip(browsers, names):
        browser.sign_in(name)
    threads = [threading.Thread(target=saving, args=(browser, n, burst)) for n, browser in enumerate(browsers)]
    for thread in threads:
        thread.start()
    return browsers, threads


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def saves_in_database(app) -> dict[str, list[str]]:
    """The bodies of the revisions saved under each summary."""
    with app.app_context():
        rows = db.session.execute(sa.select(Revision.summary, Revision.body)).all()
        db.session.remove()
    found: dict[str, list[str]] = {}
    for summary, body in rows:
        found.setdefault(summary, []).append(body)
    return found


def missing_saves(app, burst: Burst) -> list[str]:
    saved = saves_in_database(app)
    problems = [f"acknowledged {word} is not exactly one revision holding it"
                for word, _slug in burst.acknowledged
                if len(saved.get(f"modif {word}", [])) != 1 or word not in saved[f"modif {word}"][0]]
    problems += [f"refused {word} left a revision" for word in burst.conflicted if f"modif {word}" in saved]
    problems += [f"unanswered {word} was saved twice" for word in burst.unanswered
                 if len(saved.get(f"modif {word}", [])) > 1]
    return problems


def found_by_search(browser: Browser, word: str, slug: str) -> bool:
    answer = browser.get(f"/search?q={word}")
    assert answer.status == 200, answer.status
    return f'href="/wiki/{slug}"' in answer.text


def test_workers_killed_during_a_burst_of_saves_then_the_whole_server(served_wiki):
    wiki = served_wiki
    names = [f"Bénévole {n:02d}" for n in range(CLIENTS)]
    ids = [wiki.add_user(name, trusted=True) for name in names]
    seed_pages(wiki, ids[0], CLIENTS)
    server = wiki.serve(workers=4)
    burst = Burst()
    browsers, threads = start_burst(server.base, names, burst)
    try:
        wait_for(lambda: burst.count() >= 10, 60, "the first saves")
        killed = []
        for _ in range(WORKER_KILLS):
            before = burst.count()
            victim = random.choice(server.workers())
            server.kill_worker(victim)
            killed.append(victim)
            wait_for(lambda: len(server.workers()) == 4 and victim not in server.workers(), 60, "a new worker")
            wait_for(lambda: burst.count() >= before + 3, 60, "saves after a kill")  # noqa: B023
        before = burst.count()
        wait_for(lambda: burst.count() >= before + 10, 60, "more saves")
        server.crash()  # the master and all workers, in the middle of saves
    finally:
        burst.stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    acknowledged_before_crash = len(burst.acknowledged)

    # The database as the crash left it, before anything starts again.
    assert not consistency_problems(wiki.app)
    assert not missing_saves(wiki.app, burst)

    server = wiki.serve(workers=4)
    for n, browser in enumerate(browsers):  # the same people, still signed in (the session cookie survives)
        browser.base = server.base
        word = marker(n, 900)
        editor = browser.get(f"/wiki/{own_slug(n)}/edit")
        assert editor.status == 200
        form = form_fields(editor.text, f"/wiki/{own_slug(n)}/edit")
        form.update(body=edited(form["body"], "mot: ", word), summary=f"modif {word}")
        answer = browser.post(f"/wiki/{own_slug(n)}/edit", form)
        assert answer.status == 303, answer.status
        burst.acknowledged.append((word, own_slug(n)))
    for n in range(CLIENTS):
        wait_for(lambda: found_by_search(browsers[0], marker(n, 900), own_slug(n)), 60,  # noqa: B023
                 f"search to find {marker(n, 900)}")
    server.stop()
    print(f"\n[proof] {wiki.database.url.split(':')[0]}: {WORKER_KILLS} workers SIGKILLed during {CLIENTS} clients' "
          f"saves, then the whole server: acknowledged {acknowledged_before_crash} / present "
          f"{acknowledged_before_crash - len(missing_saves(wiki.app, burst))}; unanswered {len(burst.unanswered)} "
          f"(saved: {sum(f'modif {w}' in saves_in_database(wiki.app) for w in burst.unanswered)}); "
          f"conflicted {len(burst.conflicted)}; database consistent")
    assert not burst.problems, burst.problems[:10]
    assert not missing_saves(wiki.app, burst)
    assert not consistency_problems(wiki.app)


INDEXING_SECONDS = 2.0  # about how long indexing the big pages takes, whatever the machine's speed
WORDS_PER_PAGE = 8000


def seed_big_pages(wiki) -> list[tuple[str, str]]:
    """Published pages long enough that indexing them takes seconds: (slug, a word only it holds).
    Stored as an import would store them (no rendering); the index does not know them yet. How many:
    as many as this machine analyses in about INDEXING_SECONDS, so the kill lands inside a write."""
    rng = random.Random(17)
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrtuvyz") for _ in range(rng.randint(4, 10)))
                  for _ in range(20_000)]
    bodies = [" ".join(rng.choice(vocabulary) for _ in range(WORDS_PER_PAGE))]
    started = time.monotonic()
    assert len(list(TEXT_ANALYZER(plain_text(bodies[0])))) > WORDS_PER_PAGE / 2
    count = max(4, min(40, math.ceil(INDEXING_SECONDS / (time.monotonic() - started))))
    bodies += [" ".join(rng.choice(vocabulary) for _ in range(WORDS_PER_PAGE)) for _ in range(count - 1)]
    made = []
    with wiki.app.app_context():
        for n, text in enumerate(bodies):
            page = editing.create_page(title=f"Gros dossier {n}", body="provisoire", publish_now=True)
            word = marker(90 + n, 0)
            db.session.execute(sa.update(Revision).where(Revision.page_id == page.id)
                               .values(body=f"{text}\n\nfin {word}", html=None))
            journal.bump_change_seq(page)
            db.session.commit()
            made.append((page.slug, word))
        db.session.remove()
    return made


def heartbeat_fresh(wiki) -> bool:
    try:
        age = time.time() - wiki.heartbeat.stat().st_mtime
    except OSError:
        return False
    return age < STALE_SECONDS


def kill_the_index_writer(server, browser: Browser, index_lock, number: int, word: str, *, whole_server: bool,
                          writer: str) -> int:
    """Save, then SIGKILL the process indexing it (`writer`: the search watcher, or a worker's
    after-response catch-up once no watcher beats), or the whole server, while it holds Whoosh's
    write lock. Returns the pid that held it."""
    slug = own_slug(number)
    form = form_fields(browser.get(f"/wiki/{slug}/edit").text, f"/wiki/{slug}/edit")
    form.update(body=edited(form["body"], "mot: ", word), summary=f"modif {word}")
    assert browser.post(f"/wiki/{slug}/edit", form).status == 303
    deadline, holder = time.monotonic() + 30, None
    while holder is None:
        assert time.monotonic() < deadline, "no worker took the index's write lock after the save"
        holder = flock_holder(index_lock)
        time.sleep(0.005)
    writers = [server.watcher()] if writer == "watcher" else server.workers()
    assert holder in writers, (holder, writer, writers)
    time.sleep(0.2)  # well inside the write
    assert flock_holder(index_lock) == holder, "the catch-up ended before the kill: make the pages bigger"
    if whole_server:
        server.crash()
    else:
        os.kill(holder, signal.SIGKILL)
    return holder


def test_killed_while_writing_the_search_index(served_wiki):
    wiki = served_wiki
    user_id = wiki.add_user("Bénévole 00", trusted=True)
    seed_pages(wiki, user_id, 1)
    big = seed_big_pages(wiki)
    index_lock = wiki.instance / "search-index" / "MAIN_WRITELOCK"
    server = wiki.serve(workers=2)
    browser = Browser(server.base)
    browser.sign_in("Bénévole 00")

    first = kill_the_index_writer(server, browser, index_lock, 0, marker(0, 1), whole_server=False, writer="watcher")
    # Its heartbeat goes stale: the workers index their saves again (the next worker fork starts a watcher).
    wait_for(lambda: not heartbeat_fresh(wiki), 60, "the dead watcher's heartbeat to go stale")
    assert first not in server.children() and len(server.workers()) == 2
    kill_the_index_writer(server, browser, index_lock, 0, marker(0, 2), whole_server=True, writer="worker")

    server = wiki.serve(workers=2)
    browser.base = server.base
    # Every search catches up within its time budget: a few searches later, everything is found.
    started = time.monotonic()
    wait_for(lambda: found_by_search(browser, marker(0, 2), own_slug(0)) and found_by_search(browser, *big[-1][::-1]),
             120, "search to catch up after the kills")
    caught_up = time.monotonic() - started
    assert found_by_search(browser, marker(0, 2), own_slug(0)) and not found_by_search(browser, marker(0, 1),
                                                                                        own_slug(0))
    assert flock_holder(index_lock) is None  # nobody holds the lock now
    with open(index_lock, "a") as lock:  # ... and it can be taken, at once
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(lock, fcntl.LOCK_UN)
    server.stop()
    assert not consistency_problems(wiki.app)
    with wiki.app.app_context():
        assert search.catch_up(budget=None) is True
        readable = db.session.scalar(sa.select(sa.func.count()).select_from(Page).where(Page.published_id.is_not(None)))
        assert search.current_index().searcher().doc_count() - 1 == readable
        for slug, word in big:
            assert [hit.slug for hit in search.query(word, member=True).hits] == [slug]
        db.session.remove()
    print(f"\n[proof] {wiki.database.url.split(':')[0]}: a worker, then the whole server, SIGKILLed while "
          f"holding the index's write lock: search caught up {caught_up:.1f} s after the restart, "
          f"{readable} pages indexed ({len(big)} big ones), lock free, database consistent")
