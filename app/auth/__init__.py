"""Signing in and out, joining by invitation."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
