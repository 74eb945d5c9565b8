"""Following pages and tags, the notifications list and its header counter, the account page's
mail settings and e-mail address, the one-click unsubscribe link; `notify send` (cli)."""

from flask import Blueprint

bp = Blueprint("following", __name__)
