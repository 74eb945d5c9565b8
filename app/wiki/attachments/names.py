"""Files' names on a page: safe names made from what was sent (never a path), and the Markdown that
refers to them (`attachments/<name>`)."""

import re
import unicodedata


SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")
REFERENCE = re.compile(r"(?:(?<=\./)|(?<![\w/.-]))attachments/([A-Za-z0-9][A-Za-z0-9._-]{0,150})")
MAX_STEM = 80


def safe_name(original: str, extension: str) -> str:
    """A name made of ASCII letters, digits, `.`, `_` and `-`, ending with the type's extension.

    Only the last part of a path-like name counts (`../../app.py` gives `app.py`); accents are
    dropped (`réunion.JPG` gives `reunion.jpg`); nothing left gives `fichier.<ext>`."""
    base = re.split(r"[/\\]", original or "")[-1]
    ascii_base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem = ascii_base.rsplit(".", 1)[0] if "." in ascii_base.strip(".") else ascii_base
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem)
    stem = re.sub(r"[-_.]{2,}", "-", stem).strip("-_.")[:MAX_STEM].strip("-_.")
    return f"{stem or 'fichier'}.{extension}"


def numbered(name: str, number: int) -> str:
    """`photo.png`, then `photo-2.png`, `photo-3.png`..."""
    stem, dot, extension = name.rpartition(".")
    return f"{stem}-{number}.{extension}" if dot else f"{name}-{number}"


def is_safe(name: str) -> bool:
    return bool(SAFE.fullmatch(name)) and ".." not in name


def referenced_names(body: str) -> set[str]:
    """The file names a Markdown text refers to as `attachments/<name>` (trailing dots dropped)."""
    return {match.group(1).rstrip(".") for match in REFERENCE.finditer(body or "")}


def markdown_for(name: str, *, picture: bool, description: str = "") -> str:
    """What the editor inserts: a picture with its description, or a link to the file."""
    label = re.sub(r"[\[\]\n\r]", " ", description).strip()
    if picture:
        return f"![{label}](attachments/{name})"
    return f"[{label or name}](attachments/{name})"
