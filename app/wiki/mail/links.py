"""Links in mails: absolute addresses from the site's routes (WIKI_BASE_URL, no request needed),
and the signed unsubscribe token (no sign-in needed to use it)."""

from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

UNSUBSCRIBE_SALT = "gare-centrale-unsubscribe"
DEFAULT_BASE_URL = "http://localhost:5000"


def absolute_url(endpoint: str, **values) -> str:
    """The full address of a route, for a mail read far from any request."""
    base = urlsplit((current_app.config.get("WIKI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"))
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int) -> str:
    return serializer().dumps({"u": user_id})


def user_id_from_token(token: str) -> int | None:
    """The member an unsubscribe token names, or None for a forged or damaged one."""
    try:
        data = serializer().loads(token)
    except BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return user_id if isinstance(user_id, int) else None


def unsubscribe_url(user_id: int) -> str:
    return absolute_url("following.unsubscribe", token=unsubscribe_token(user_id))
