"""Full-text search pages: results with excerpts and tag facets, and title suggestions while typing."""

from flask import Blueprint

bp = Blueprint("search", __name__)
