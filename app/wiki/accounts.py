"""Accounts: creation and checks, shared by the CLI and the web."""

import ipaddress
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from werkzeug.security import check_password_hash, generate_password_hash

from app.config import LANGUAGES
from app.database import begin_write
from app.extensions import db
from app.models import Invitation, LoginFailure, User, utcnow
from app.models.user import ROLES
from app.wiki.errors import BadCredentials, InvalidInput, PermissionDenied, TooManyAttempts
from app.wiki.permissions import VOLUNTEER, can, invitable_roles
from app.wiki.personal_tokens import token_hash

MIN_PASSWORD_LENGTH = 8


def find_user(name: str) -> User | None:
    """A user by display name, ignoring case."""
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.name) == name.strip().lower()))


def create_user(*, name: str, password: str, role: str = VOLUNTEER, email: str | None = None,
                trusted: bool = False) -> User:
    begin_write()
    user = add_user(name=name, password=password, role=role, email=email, trusted=trusted)
    db.session.commit()
    return user


def add_user(*, name: str, password: str, role: str, email: str | None = None, trusted: bool = False) -> User:
    """A new account, checked, in the session (no commit)."""
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise InvalidInput(_("The name must have between 1 and 80 characters."))
    if role not in ROLES:
        raise InvalidInput(_("Unknown role."))
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if find_user(name) is not None:
        raise InvalidInput(_("This name is already taken."))
    user = User(name=name, email=email or None, role=role, trusted=trusted)
    user.set_password(password)
    db.session.add(user)
    return user


# --- Sign-in with rate limiting -------------------------------------------------------------

def address_prefix(address: str) -> str:
    """Who a failure is counted against: an IPv4 address, or an IPv6 /64 (one subscriber's
    network, who could otherwise try from 2^64 addresses)."""
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return (address or "unknown")[:60]
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def failure_keys(name: str, address: str) -> tuple[str, str]:
    """The keys a failed sign-in counts under: this name *from this address*, and this address.

    Counting a name's failures per address means nobody can lock an owner out of their account
    from elsewhere: the attacker's own address is blocked, the owner's is not."""
    prefix = address_prefix(address)
    return f"name:{name.strip().lower()[:120]}@{prefix}", f"ip:{prefix}"


def recent_failures(key: str, since) -> int:
    return db.session.scalar(sa.select(sa.func.count(LoginFailure.id))
                             .where(LoginFailure.key == key, LoginFailure.created_at >= since))


def authenticate(name: str, password: str, *, address: str) -> User:
    """The user for these credentials; refuses for a while after repeated failures.

    The same message for an unknown name and a wrong password, so names cannot be probed."""
    config = current_app.config
    window = timedelta(seconds=config["WIKI_LOGIN_WINDOW_SECONDS"])
    now = utcnow()
    name_key, address_key = failure_keys(name, address)
    if (recent_failures(name_key, now - window) >= config["WIKI_LOGIN_MAX_FAILURES"]
            or recent_failures(address_key, now - window) >= config["WIKI_LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        raise TooManyAttempts(max(1, int(window.total_seconds() // 60)))
    user = find_user(name or "")
    # The password check costs the same for an unknown name, so timing does not tell names apart.
    matches = user.check_password(password or "") if user is not None else check_dummy_password(password or "")
    # Hash first (slow, read only), then take the write lock for the few rows written.
    begin_write()
    if user is None or not matches or not user.active:
        db.session.add_all([LoginFailure(key=name_key, created_at=now), LoginFailure(key=address_key, created_at=now)])
        db.session.execute(sa.delete(LoginFailure).where(LoginFailure.created_at < now - 2 * window))
        db.session.commit()
        if user is not None and not user.active and matches:
            raise BadCredentials(_("This account is deactivated. Ask a facilitator."))
        raise BadCredentials()
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.key == name_key))
    db.session.commit()
    return user


def check_dummy_password(password: str) -> bool:
    """Hash as a real check would (same method), against a hash no password matches."""
    method = current_app.config.get("WIKI_PASSWORD_METHOD", "scrypt")
    dummy = current_app.extensions.setdefault("dummy_password_hash", {}).get(method)
    if dummy is None:
        dummy = current_app.extensions["dummy_password_hash"][method] = generate_password_hash(
            secrets.token_hex(16), method)
    check_password_hash(dummy, password)
    return False


def sign_out_everywhere(user: User) -> None:
    """Invalidate every session cookie of this user (logout, password change, deactivation)."""
    begin_write()
    user.session_version += 1
    db.session.commit()


def set_language(user: User, code: str) -> None:
    """Remember the interface language a member chose."""
    if code not in LANGUAGES:
        raise InvalidInput(_("Unknown language."))
    begin_write()
    user.language = code
    db.session.commit()


# --- Invitations ------------------------------------------------------------------------------

def create_invitation(*, created_by: User, role: str = VOLUNTEER, days: int = 14, max_uses: int | None = None,
                      note: str = "") -> tuple[Invitation, str]:
    """A new invitation and its secret token (shown once; only its hash is kept)."""
    if role not in invitable_roles(created_by):
        raise PermissionDenied(_("You cannot invite people with this role."))
    if not 1 <= days <= 365 or (max_uses is not None and not 1 <= max_uses <= 1000):
        raise InvalidInput(_("Choose between 1 and 365 days, and between 1 and 1000 uses."))
    token = secrets.token_urlsafe(24)
    begin_write()
    invitation = Invitation(token_hash=token_hash(token), role=role, created_by=created_by, note=note[:200],
                            expires_at=utcnow() + timedelta(days=days), max_uses=max_uses)
    db.session.add(invitation)
    db.session.commit()
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    """A usable invitation for this token, or None (expired, used up, revoked or unknown)."""
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == token_hash(token or "")))
    return invitation if invitation is not None and invitation.is_usable(utcnow()) else None


def join(token: str, *, name: str, password: str, email: str | None = None) -> User:
    """Create the account an invitation offers."""
    invitation = find_invitation(token)
    if invitation is None:
        raise InvalidInput(_("This invitation link has expired or was already used. Ask for a new one."))
    role = invitation.role
    begin_write()
    # One atomic use: two people joining at once on a one-use link cannot both get in.
    used = db.session.execute(sa.update(Invitation).where(
        Invitation.id == invitation.id, Invitation.revoked.is_(False), Invitation.expires_at > utcnow(),
        sa.or_(Invitation.max_uses.is_(None), Invitation.uses < Invitation.max_uses),
    ).values(uses=Invitation.uses + 1))
    if used.rowcount != 1:
        db.session.rollback()
        raise InvalidInput(_("This invitation link has expired or was already used. Ask for a new one."))
    try:
        user = add_user(name=name, password=password, role=role, email=email)
    except InvalidInput:
        db.session.rollback()
        raise
    db.session.commit()
    return user


def active_invitations() -> list[Invitation]:
    now = utcnow()
    return [i for i in db.session.scalars(sa.select(Invitation).where(Invitation.revoked.is_(False))
                                          .order_by(Invitation.created_at.desc())) if i.is_usable(now)]


def revoke_invitation(invitation_id: int) -> None:
    begin_write()
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise InvalidInput(_("This invitation does not exist."))
    invitation.revoked = True
    db.session.commit()


# --- Managing people --------------------------------------------------------------------------

def update_user(user: User, *, by: User, role: str | None = None, trusted: bool | None = None,
                active: bool | None = None) -> User:
    """Change a user's role (admins), trust (facilitators) or activation (admins)."""
    begin_write()
    if role is not None and role != user.role:
        require_admin(by)
        if role not in ROLES:
            raise InvalidInput(_("Unknown role."))
        if user.id == by.id:
            raise InvalidInput(_("You cannot change your own role."))
        user.role = role
    if trusted is not None:
        if not can(by, "trust"):
            raise PermissionDenied()
        user.trusted = trusted
    if active is not None and active != user.active:
        require_admin(by)
        if user.id == by.id:
            raise InvalidInput(_("You cannot deactivate yourself."))
        user.active = active
        user.session_version += 1
    db.session.commit()
    return user


def require_admin(user: User) -> None:
    if not can(user, "manage_users"):
        raise PermissionDenied()


def all_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(sa.func.lower(User.name))))
