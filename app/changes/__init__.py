"""Recent changes across the wiki."""

from flask import Blueprint

bp = Blueprint("changes", __name__)
