"""Tags: the index, a tag's pages, rename and merge."""

from flask import Blueprint

bp = Blueprint("tags", __name__, url_prefix="/tags")
