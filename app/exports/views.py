"""Thin view over app.wiki.bundles."""

import tempfile

from flask import send_file

from app.exports import bp
from app.wiki import bundles

IN_MEMORY_BYTES = 8 * 1024 * 1024  # a larger zip (pictures) is built in a temporary file, not in the worker's memory


@bp.get("/export.zip")
def download():
    """The shareable pages (public, shareable licence, published text) and their files as a zip, for anyone."""
    buffer = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)
    bundles.export_zip(buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True,
                     download_name="gare-centrale-export.zip")
