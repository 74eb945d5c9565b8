"""The export of the commons: the shareable pages as one zip."""

from flask import Blueprint

bp = Blueprint("exports", __name__)
