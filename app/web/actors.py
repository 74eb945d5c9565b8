"""Who is acting: the session's user (Flask-Login's loader) and current_actor() for the domain."""

from flask import Flask
from flask_login import current_user

from app.extensions import db, login
from app.models import User


def init_app(app: Flask) -> None:
    login.user_loader(load_user)
    login.login_view = "auth.login"


def load_user(session_id: str) -> User | None:
    """The user of a session cookie ("id:version"), if its session version is still current."""
    user_id, _sep, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def current_actor() -> User | None:
    """The signed-in user acting now, or None for an anonymous visitor (what the domain expects)."""
    return current_user._get_current_object() if current_user.is_authenticated else None
