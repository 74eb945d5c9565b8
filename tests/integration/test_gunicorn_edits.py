"""Sixteen people editing at once through gunicorn's four worker processes (the project's
gunicorn.conf.py, SQLite in WAL or PostgreSQL): half of the edits go to one shared page, half to
each person's own page, each sent with the base revision the editor form gave, as a browser does.

Afterwards nothing is lost and nothing is doubled: every accepted save (303) is exactly one
revision, every refused one got the conflict answer (409) with the person's text in it, revision
numbers are gapless, nobody saw a 5xx or "database is locked", and the search index agrees with
the database word for word. `--long` (pytest tests/integration --long) makes ten times the edits."""

import threading
import time

import sqlalchemy as sa

from app.extensions import db
from app.models import Page, Revision
from app.wiki import search
from tests.integration.served import (LOCKED, MARKER, SHARED, Browser, consistency_problems, edited, form_fields, marker,
                                      own_slug, seed_pages, served_wiki, shows_text)

__all__ = ["served_wiki"]  # the fixture, imported for pytest

CLIENTS = 16
EDITS, LONG_EDITS = 400, 4000
MERGED = "les deux modifications ont été combinées"  # the flash after a save merged with another


class Tally:
    """What the clients saw, shared by their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.accepted: list[tuple[str, str, int]] = []  # (word, slug, user id)
        self.conflicted: list[tuple[str, str]] = []
        self.merged = 0
        self.statuses: list[int] = []
        self.problems: list[str] = []
        self.attempted = 0

    def saw(self, answer, what: str) -> None:
        with self.lock:
            self.statuses.append(answer.status)
            if answer.status >= 500:
                self.problems.append(f"{what}: {answer.status}")
            if LOCKED.search(answer.text):
                self.problems.append(f"{what}: 'database is locked' shown")


def client_run(base: str, number: int, user: tuple[int, str], edits: int, start: threading.Barrier,
               tally: Tally) -> None:
    user_id, name = user
    browser = Browser(base)
    try:
        browser.sign_in(name)
        start.wait(timeout=60)
        for edit in range(edits):
            word = marker(number, edit)
            shared = edit % 2 == 0
            slug = SHARED if shared else own_slug(number)
            prefix = ("commun: " if edit % 4 == 0 else f"c{number:02d}: ") if shared else "mot: "
            editor = browser.get(f"/wiki/{slug}/edit")
            tally.saw(editor, f"GET editor {slug}")
            if editor.status != 200:
                with tally.lock:
                    tally.problems.append(f"editor of {slug}: {editor.status}")
                continue
            form = form_fields(editor.text, f"/wiki/{slug}/edit")
            form.update(body=edited(form["body"], prefix, word), summary=f"modif {word}")
            with tally.lock:
                tally.attempted += 1
            answer = browser.post(f"/wiki/{slug}/edit", form)
            tally.saw(answer, f"save {word}")
            if answer.status == 303:
                with tally.lock:
                    tally.accepted.append((word, slug, user_id))
                shown = browser.follow(answer)
                tally.saw(shown, f"page after {word}")
                with tally.lock:
                    tally.merged += MERGED in shown.text
            elif answer.status == 409:
                with tally.lock:
                    tally.conflicted.append((word, slug))
                    if not shows_text(answer.text, form["body"]) or 'class="conflict"' not in answer.text:
                        tally.problems.append(f"conflict on {word}: the answer lacks the text or the notice")
            else:
                with tally.lock:
                    tally.problems.append(f"save {word}: unexpected {answer.status}")
    except Exception as error:  # noqa: BLE001  (reported by the test)
        with tally.lock:
            tally.problems.append(f"client {number}: {type(error).__name__}: {error}")


def published_words(app) -> dict[str, set[str]]:
    """Each readable page's marker words in its published text (what search must find)."""
    with app.app_context():
        rows = db.session.execute(sa.select(Page.slug, Revision.body).join(Revision, Revision.id == Page.published_id)
                                  .where(Page.deleted.is_(False))).all()
        db.session.remove()
    return {slug: set(MARKER.findall(body)) for slug, body in rows}


def search_disagreements(app, server_base: str, words: list[str]) -> list[str]:
    """Where search and the database disagree: first through the served wiki (its workers' index),
    then word by word after a full catch-up: a word is found on exactly the pages publishing it."""
    problems, on_pages = [], published_words(app)
    browser = Browser(server_base)
    for slug, page_words in on_pages.items():
        for word in sorted(page_words):
            answer = browser.get(f"/search?q={word}")
            if answer.status != 200 or f'href="/wiki/{slug}"' not in answer.text:
                problems.append(f"/search?q={word} ({answer.status}) does not list {slug}")
    with app.app_context():
        assert search.catch_up(budget=None) is True
        searcher = search.current_index().searcher()
        if searcher.doc_count() - 1 != len(on_pages):  # less the watermark's document
            problems.append(f"index holds {searcher.doc_count() - 1} pages, the database {len(on_pages)}")
        for word in words:
            found = {hit.slug for hit in search.query(word, member=True, per_page=50).hits}
            expected = {slug for slug, page_words in on_pages.items() if word in page_words}
            if found != expected:
                problems.append(f"search {word}: {sorted(found)}, published on {sorted(expected)}")
        db.session.remove()
    return problems


def test_sixteen_clients_editing_through_four_gunicorn_workers(served_wiki, long_run):
    wiki, total = served_wiki, LONG_EDITS if long_run else EDITS
    users = [(wiki.add_user(f"Facilitatrice {n:02d}", role="facilitator"), f"Facilitatrice {n:02d}")
             if n % 4 == 0 else (wiki.add_user(f"Bénévole {n:02d}", trusted=True), f"Bénévole {n:02d}")
             for n in range(CLIENTS)]
    seed_pages(wiki, users[0][0], CLIENTS)
    words = [marker(n, edit) for n in range(CLIENTS) for edit in range(total // CLIENTS)]
    with wiki.app.app_context():
        assert len({search.analysed(word) for word in words}) == len(words)  # one indexed term per marker
    server = wiki.serve(workers=4)

    tally, start = Tally(), threading.Barrier(CLIENTS)
    threads = [threading.Thread(target=client_run, args=(server.base, n, users[n], total // CLIENTS, start, tally))
               for n in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=1200 if long_run else 300)
    elapsed = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads), "a client is stuck"
    assert server.process.poll() is None, server.log()

    with wiki.app.app_context():
        by_summary = {}
        for summary, author_id, count in db.session.execute(
                sa.select(Revision.summary, Revision.author_id, sa.func.count()).group_by(Revision.summary,
                                                                                           Revision.author_id)):
            by_summary.setdefault(summary, []).append((author_id, count))
        revision_count = db.session.scalar(sa.select(sa.func.count()).select_from(Revision))
        db.session.remove()
    lost = [word for word, _slug, user_id in tally.accepted if by_summary.get(f"modif {word}") != [(user_id, 1)]]
    ghosts = [word for word, _slug in tally.conflicted if f"modif {word}" in by_summary]
    server_errors = [status for status in tally.statuses if status >= 500]
    print(f"\n[proof] {wiki.database.url.split(':')[0]}: {CLIENTS} clients, 4 workers, {elapsed:.1f} s: "
          f"edits attempted {tally.attempted} / accepted {len(tally.accepted)} (merged {tally.merged}) / conflicted "
          f"{len(tally.conflicted)}"
          f" / lost {len(lost)} / 5xx {len(server_errors)}; requests {len(tally.statuses)}")

    assert not tally.problems, tally.problems[:20]
    assert tally.attempted == total == len(tally.accepted) + len(tally.conflicted)
    assert not lost, f"accepted saves that are not exactly one revision by their author: {lost[:10]}"
    assert not ghosts, f"refused saves that left a revision: {ghosts[:10]}"
    assert revision_count == 1 + CLIENTS + len(tally.accepted)  # the seeds and the accepted saves, nothing else
    assert not server_errors
    assert len(tally.accepted) > total / 2  # own pages never conflict: at least half goes through
    assert tally.merged > 0  # stale edits of different lines of the shared page were merged, not refused
    assert not consistency_problems(wiki.app)
    assert not search_disagreements(wiki.app, server.base, words)[:20]
