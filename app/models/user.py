"""People who sign in."""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.page import utcnow

ROLES = ("volunteer", "facilitator", "admin")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(20), default="volunteer")
    trusted: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of the session cookie's user id: bumping it signs out every session of this user.
    session_version: Mapped[int] = mapped_column(default=1)
    language: Mapped[str | None] = mapped_column(sa.String(5))  # None: follow the browser

    def set_password(self, password: str) -> None:
        # scrypt by default; the test suite picks a cheap method to stay fast.
        self.password_hash = generate_password_hash(password, current_app.config.get("WIKI_PASSWORD_METHOD", "scrypt"))

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.name} {self.role}>"
