"""Static files under fingerprinted URLs: a new version is a new URL, so browsers may keep them a year."""

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, url_for


def init_app(app: Flask) -> None:
    # A global, not a context processor, so imported macros see it too.
    app.jinja_env.globals["static_url"] = static_url


@lru_cache(maxsize=64)
def static_fingerprint(static_folder: str, filename: str) -> str:
    return hashlib.sha256((Path(static_folder) / filename).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """A static file's URL with its content hash."""
    version = static_fingerprint(current_app.static_folder, filename)
    return url_for("static", filename=filename, v=version)
