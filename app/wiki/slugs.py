"""Readable, stable, Unicode-aware page slugs."""

import re
import unicodedata

MAX_SLUG_LENGTH = 200
SLUG_PATTERN = re.compile(r"^[^\W_](?:[\w-]*[^\W_])?$")
SEPARATORS = re.compile(r"[\W_]+")


def slugify(title: str) -> str:
    """`Écriture collaborative` -> `ecriture-collaborative`; non-Latin letters are kept as they are."""
    decomposed = unicodedata.normalize("NFKD", title)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = SEPARATORS.sub("-", unicodedata.normalize("NFC", without_marks).lower())
    return words.strip("-")[:MAX_SLUG_LENGTH].strip("-")


def is_valid_slug(slug: str) -> bool:
    """True for a slug slugify() could have produced."""
    return len(slug) <= MAX_SLUG_LENGTH and bool(SLUG_PATTERN.match(slug)) and slug == slugify(slug)
