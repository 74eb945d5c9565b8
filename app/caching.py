"""The one in-process cache: a bounded LRU (cachetools) behind a lock, kept per app.

Per app, not per module, because tests build many apps in one process and ids repeat between
them. Used by the page-view cache (app.pages.view_cache) and the credits (app.wiki.licensing)."""

import threading

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
