"""The machine's search indexer: one process beside the web workers that indexes saves for them.

A catch-up after a save (sync.catch_up_quietly) ran in the web worker that saved: Whoosh's writer,
the new segment and a new searcher each time, a few hundred kB of short-lived objects among
long-lived ones, which left the worker's memory 4-6 MB larger after 100 saves (bench.memory at
10,000 pages; +0.7 to 1.8 MB with the catch-ups taken away). Under gunicorn, the master forks this
watcher before the workers (gunicorn.conf.py): it polls the database's change sequence every
POLL_SECONDS and catches up whenever the index is behind, and it touches a heartbeat file beside
the index on every round. A worker whose save scheduled a catch-up leaves it to the watcher while
the heartbeat is fresh (watcher_alive), and catches up itself otherwise (no watcher under `flask
run` or in tests, or a watcher that died), as before. A query never depends on it: one that finds
the index behind still catches up first (sync.catch_up), waiting for the lock if the watcher holds it.

When nothing is behind, the watcher also runs `flask search optimize`'s merge every OPTIMIZE_SECONDS
if the index has more than two segments, without waiting for the lock (a timer running it too
holds it: the watcher tries again next time), so a machine served by gunicorn needs no timer."""

import logging
import os
import time
from pathlib import Path

from whoosh.index import LockError

from app.extensions import db
from app.wiki.search import sync
from app.wiki.search.index import current_index

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2  # a save is indexed this long after its commit at most, plus the catch-up itself
STALE_SECONDS = 10.0  # a heartbeat older than this: no watcher, the worker catches up itself
PAUSE_AFTER_ERROR_SECONDS = 5.0
OPTIMIZE_SECONDS = 60.0  # as the README's cron line


def heartbeat_path(index_path: Path) -> Path:
    """Beside the index folder, like its rebuild state (Whoosh cleans files inside it)."""
    return index_path.parent / f"{index_path.name}.watcher"


def watcher_alive() -> bool:
    """True if this machine's watcher beat recently: a save's catch-up is left to it."""
    try:
        return time.time() - heartbeat_path(current_index().path).stat().st_mtime < STALE_SECONDS
    except OSError:
        return False


def beat(path: Path) -> None:
    """Write this process's number in the heartbeat file (bench.serving tells the watcher from the workers by it)."""
    aside = path.with_name(f".{path.name}.{os.getpid()}")
    aside.write_text(f"{os.getpid()}\n")
    os.replace(aside, path)


def watch_once(merge: bool = False) -> bool:
    """One round: beat, then catch up if the index is behind (within the request budget, so the
    heartbeat stays fresh through a long catch-up); else, with `merge`, merge the small segments if
    there are any (sync.optimize) unless another process holds the lock. True if it indexed something."""
    beat(heartbeat_path(current_index().path))
    if sync.is_behind():
        sync.catch_up(wait=True)
        return True
    if merge and sync.segment_count() > 2:
        try:
            sync.optimize(lock_wait=0.0)
        except LockError:
            pass
    return False


def watch(app, parent: int) -> None:
    """Rounds every POLL_SECONDS until the parent (gunicorn's master) is gone; never raises."""
    with app.app_context():
        path = heartbeat_path(current_index().path)
        log.info("Search watcher %d indexes saves for the workers of %d", os.getpid(), parent)
        try:
            merged = time.monotonic()
            while os.getppid() == parent:
                try:
                    due = time.monotonic() - merged > OPTIMIZE_SECONDS
                    if not watch_once(merge=due) and due:
                        merged = time.monotonic()
                    pause = POLL_SECONDS
                except Exception:  # noqa: BLE001  (the database or the index failed: try again later)
                    log.exception("The search watcher's catch-up failed; trying again")
                    db.session.remove()
                    pause = PAUSE_AFTER_ERROR_SECONDS
                time.sleep(pause)
        finally:
            forget_heartbeat(path)


def forget_heartbeat(path: Path) -> None:
    """Remove the heartbeat if it is this process's (another watcher may have taken over)."""
    try:
        if path.read_text().strip() == str(os.getpid()):
            path.unlink()
    except OSError:
        pass
