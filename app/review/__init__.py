"""The review queue: facilitators approve or reject pending changes."""

from flask import Blueprint

bp = Blueprint("review", __name__)
