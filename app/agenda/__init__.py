"""The agenda: upcoming and past sessions (views), their iCalendar feeds and members' feed tokens
(feeds), the embeddable page for the support body (embed), and page templates (templates)."""

from flask import Blueprint

bp = Blueprint("agenda", __name__)
