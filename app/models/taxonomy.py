"""Licences and tags."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.page import Counter

# Seeded by the first migration and by seed_licences(); code is SPDX-style.
LICENCES = [
    ("CC-BY-SA-4.0", "Creative Commons Attribution – Partage dans les mêmes conditions 4.0",
     "https://creativecommons.org/licenses/by-sa/4.0/deed.fr", True),
    ("CC-BY-4.0", "Creative Commons Attribution 4.0",
     "https://creativecommons.org/licenses/by/4.0/deed.fr", True),
    ("CC0-1.0", "Creative Commons Zéro 1.0 (domaine public)",
     "https://creativecommons.org/publicdomain/zero/1.0/deed.fr", True),
    ("Etalab-2.0", "Licence Ouverte / Open Licence 2.0 (Etalab)",
     "https://www.etalab.gouv.fr/licence-ouverte-open-licence/", True),
    ("internal", "Interne — ne pas diffuser", "", False),
]


class Licence(db.Model):
    __tablename__ = "licences"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str] = mapped_column(sa.String(300), default="")
    shareable: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Licence {self.code}>"


def seed_licences() -> None:
    """Insert what the first migration seeds and a database made by create_all lacks (idempotent):
    the standard licences, and the change_seq counter."""
    existing = set(db.session.scalars(sa.select(Licence.code)))
    for code, name, url, shareable in LICENCES:
        if code not in existing:
            db.session.add(Licence(code=code, name=name, url=url, shareable=shareable))
    if db.session.get(Counter, "change_seq") is None:
        db.session.add(Counter(name="change_seq", value=0))
    db.session.commit()


page_tags = sa.Table(
    "page_tags", db.metadata,
    sa.Column("page_id", sa.ForeignKey("pages.id"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("tags.id"), primary_key=True, index=True),
)


class Tag(db.Model):
    """A tag: `name` keeps how people wrote it, `slug` is the normalised key (case, accents, spaces)."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.slug}>"
