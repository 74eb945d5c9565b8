"""Files on pages: upload, the page's list, and serving each file with its page's visibility."""

from flask import Blueprint

bp = Blueprint("attachments", __name__)
