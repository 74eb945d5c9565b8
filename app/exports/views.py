"""Thin view over app.wiki.bundles."""

from io import BytesIO

from flask import send_file

from app.exports import bp
from app.wiki import bundles


@bp.get("/export.zip")
def download():
    """The shareable pages (public, shareable licence, published text) as a zip, for anyone."""
    buffer = BytesIO()
    bundles.export_zip(buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True,
                     download_name="gare-centrale-export.zip")
