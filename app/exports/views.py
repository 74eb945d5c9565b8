"""Thin view over app.wiki.bundles, imported by the first export: it brings PyYAML and the static site
(1.2 MB) that a worker serving pages never needs (the stand-in pattern of app/api/views.py)."""

import importlib
import tempfile

from flask import send_file

from app.exports import bp

BUNDLES_MODULE = "app.wiki.bundles"
IN_MEMORY_BYTES = 8 * 1024 * 1024  # a larger zip (pictures) is built in a temporary file, not in the worker's memory


@bp.get("/export.zip")
def download():
    """The shareable pages (public, shareable licence, published text) and their files as a zip, for anyone."""
    buffer = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)
    importlib.import_module(BUNDLES_MODULE).export_zip(buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True,
                     download_name="gare-centrale-export.zip")
