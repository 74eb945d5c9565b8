"""First start without a terminal: while no admin exists, a one-time code kept in the instance
folder lets the person who started the server create the first admin at /setup.

The code file is created atomically (written aside, then hard-linked into place, which fails if it
exists), so every worker reads the same code. Using it renames the file away first: of two people
submitting the right code at once, only one gets the admin account."""

import hmac
import os
import secrets
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.database import begin_write
from app.extensions import db
from app.models import LoginFailure, User, utcnow
from app.wiki.accounts import add_user, address_prefix, recent_failures
from app.wiki.errors import SetupClosed, TooManyAttempts, WrongSetupCode
from app.wiki.permissions import ADMIN

CODE_FILE = "setup-code"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand
CODE_LENGTH = 12  # 60 bits: out of reach with a handful of attempts per address and window


def code_path(instance_path: str | None = None) -> Path:
    return Path(instance_path or current_app.instance_path) / CODE_FILE


def admin_exists() -> bool:
    """True once any admin account exists (active or not)."""
    return db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == ADMIN)) > 0


def setup_needed() -> bool:
    """True while the wiki has no admin; a database without tables yet needs `db upgrade` first."""
    try:
        return not admin_exists()
    except sa.exc.DBAPIError:
        db.session.rollback()
        return False


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def ensure_code(instance_path: str | None = None) -> tuple[str, bool]:
    """The one-time code, creating it if absent; (code, created by this call)."""
    path = code_path(instance_path)
    for _attempt in range(3):
        try:
            return path.read_text().strip(), False
        except FileNotFoundError:
            pass
        aside = path.with_name(f".{CODE_FILE}.{secrets.token_hex(6)}")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        code = new_code()
        with os.fdopen(descriptor, "w") as handle:
            handle.write(code + "\n")
        try:
            os.link(aside, path)  # atomic: fails if another worker got there first
            return code, True
        except FileExistsError:
            continue
        finally:
            aside.unlink()
    return path.read_text().strip(), False


def forget_code(instance_path: str | None = None) -> None:
    """Remove the code file (an admin exists now)."""
    code_path(instance_path).unlink(missing_ok=True)


def setup_failure_key(address: str) -> str:
    return f"setup:{address_prefix(address)}"


def create_first_admin(*, name: str, password: str, code: str, address: str) -> User:
    """The first admin account, if the one-time code is right; refused once an admin exists."""
    if admin_exists():
        forget_code()
        raise SetupClosed()
    config = current_app.config
    window = timedelta(seconds=config["WIKI_LOGIN_WINDOW_SECONDS"])
    now = utcnow()
    key = setup_failure_key(address)
    if recent_failures(key, now - window) >= config["WIKI_LOGIN_MAX_FAILURES"]:
        raise TooManyAttempts(max(1, int(window.total_seconds() // 60)))
    path = code_path()
    try:
        expected = path.read_text().strip()
    except FileNotFoundError:
        expected = ""
    if not expected or not hmac.compare_digest(expected.encode(), " ".join((code or "").split()).upper().encode()):
        begin_write()
        db.session.add(LoginFailure(key=key, created_at=now))
        db.session.commit()
        raise WrongSetupCode()
    begin_write()
    if admin_exists():
        db.session.rollback()
        forget_code()
        raise SetupClosed()
    try:
        user = add_user(name=name, password=password, role=ADMIN)
        user.trusted = True
    except Exception:
        db.session.rollback()
        raise
    claimed = path.with_name(f".{CODE_FILE}.used.{secrets.token_hex(6)}")
    try:
        os.rename(path, claimed)  # one winner among concurrent correct submissions
    except FileNotFoundError:
        db.session.rollback()
        raise SetupClosed() from None
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        os.rename(claimed, path)
        raise
    claimed.unlink(missing_ok=True)
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.key == key))
    db.session.commit()
    return user


def banner(code: str, url: str) -> str:
    """The console line that hands the code to whoever started the server."""
    return (f"*** Gare centrale: no administrator yet. Open {url.rstrip('/')}/setup and enter the one-time code "
            f"{code} (or run: flask --app wsgi user create NAME --role admin). ***")
