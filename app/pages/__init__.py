"""Pages: reading (views), the editor and previews (editor), the past (history), managing a page
(settings), the language switch (language); load-or-404 helpers (loading) and the page-view cache
(view_cache) beside them."""

from flask import Blueprint

bp = Blueprint("pages", __name__)
