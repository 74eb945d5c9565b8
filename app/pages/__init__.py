"""Pages: view, edit, history, diff, restore, rename, delete."""

from flask import Blueprint

bp = Blueprint("pages", __name__)
