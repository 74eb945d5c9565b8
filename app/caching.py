"""The one in-process cache: a bounded LRU (cachetools) behind a lock, kept per app.

Per app, not per module, because tests build many apps in one process and ids repeat between
them. Used by the page-view cache (app.pages.view_cache) and the credits (app.wiki.licensing).

Beside it, SharedFileCache: the visitors' page views as bytes, shared by the processes of a machine
(app.pages.fast_path), because a per-process cache big enough for a whole wiki would not fit a worker."""

import hashlib
import os
import tempfile
import threading
import zlib
from contextlib import suppress
from pathlib import Path

from cachetools import LRUCache
from flask import current_app

MISSING = object()


class LockedCache:
    """An LRU cache safe to share between a worker's threads."""

    def __init__(self, maxsize: int):
        self.entries = LRUCache(maxsize=maxsize)
        self.lock = threading.Lock()

    def get(self, key, default=None):
        with self.lock:
            return self.entries.get(key, default)

    def put(self, key, value):
        with self.lock:
            self.entries[key] = value
        return value

    def get_or_compute(self, key, compute):
        """The cached value, or compute() stored under key (computed outside the lock)."""
        value = self.get(key, MISSING)
        if value is MISSING:
            value = self.put(key, compute())
        return value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def __len__(self) -> int:
        return len(self.entries)


def app_cache(name: str, maxsize: int) -> LockedCache:
    """The current app's cache called `name`, created on first use."""
    caches = current_app.extensions.setdefault("gare_caches", {})
    cache = caches.get(name)
    if cache is None:
        cache = caches.setdefault(name, LockedCache(maxsize))
    return cache


class SharedFileCache:
    """Bytes shared by every process of one machine, one file per slot (the page-view fast path).

    A slot (what a value is for: a page, a language...) holds one value and the key it was stored
    under; get() answers only for that same key, so a changed key is a miss, and the cache never
    holds more than one value per slot: no eviction to run. Files are written aside and renamed
    into place, so a reader sees a whole value or none. Values are compressed (zlib, fast level):
    a 10,000-page wiki's views fit in tens of megabytes of the OS's file cache, outside any worker."""

    LEVEL = 1

    def __init__(self, folder):
        self.folder = Path(folder)
        self.prefix = os.path.join(folder, "")

    def path(self, slot: str) -> str:
        """The slot's file, as a string: Python 3.11's pathlib interns every part of a path it parses, and
        a new name interned on each view grew the process's table of interned strings by 1.9 MB (one
        resize, kept: tracemalloc over 500 to 1,500 first views at 10,000 pages, 2.7 MB kept with it,
        0.7 without)."""
        return self.prefix + hashlib.blake2b(slot.encode(), digest_size=16).hexdigest()

    @staticmethod
    def digest(key: str) -> bytes:
        return hashlib.blake2b(key.encode(), digest_size=20).hexdigest().encode()

    def get(self, slot: str, key: str) -> bytes | None:
        try:
            with open(self.path(slot), "rb") as stored_file:
                data = stored_file.read()
        except OSError:
            return None
        stored, _sep, value = data.partition(b"\n")
        if stored != self.digest(key):
            return None
        try:
            return zlib.decompress(value)
        except zlib.error:
            return None

    def put(self, slot: str, key: str, value: bytes) -> None:
        """Store, or do nothing if the folder cannot be written (the next view renders again)."""
        aside = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".tmp-", delete=False) as aside:
                aside.write(self.digest(key) + b"\n" + zlib.compress(value, self.LEVEL))
            os.replace(aside.name, self.path(slot))
        except OSError:
            if aside is not None:
                with suppress(OSError):
                    os.unlink(aside.name)
