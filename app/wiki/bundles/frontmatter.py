"""Front matter: the `---` block of `key: value` lines that opens a Markdown file.

Written in YAML's JSON-compatible subset (every value a JSON string or list of strings), so an
export reads back exactly. Read with PyYAML's safe loader, every plain scalar kept as text: our
fields are all text, and YAML 1.1 would otherwise read `yes` as true and `1:30` as 90. A block
that is not a small YAML mapping (a thematic break, broken YAML, absurd nesting) is not front
matter: it stays in the body, so nothing of the text is lost."""

import json
import re
from datetime import datetime, timezone

import yaml

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Real front matter is a few lines; these bound the parser's work on hostile files.
MAX_BLOCK_CHARS = 64_000
MAX_NESTING = 20
# Characters JSON leaves as they are but YAML cannot read back: C1 controls (U+0085 would even
# become a line break), DEL, and the two non-characters at the end of the BMP.
NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\ufffe\uffff]")


class TextLoader(yaml.SafeLoader):
    """PyYAML's safe loader with no implicit types: plain scalars stay strings."""

    yaml_implicit_resolvers = {}


# --- Writing -----------------------------------------------------------------------------------

def front_matter(fields: dict) -> str:
    """The `---` block for these fields, in order, each value as JSON (a YAML flow scalar or list)."""
    lines = ["---", *(f"{key}: {yaml_json(value)}" for key, value in fields.items()), "---"]
    return "\n".join(lines) + "\n"


def yaml_json(value) -> str:
    """JSON that YAML reads back as the same value."""
    text = json.dumps(value, ensure_ascii=False)
    return NOT_YAML_PRINTABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def timestamp(moment: datetime) -> str:
    """Naive UTC as ISO 8601 to the second, the front matter's `updated`."""
    return moment.strftime(TIMESTAMP_FORMAT)


# --- Reading -----------------------------------------------------------------------------------

def split_front_matter(text: str) -> tuple[dict, str]:
    """(fields, body) for a text that opens with a `---` block holding a YAML mapping; else ({}, text)."""
    lines = text.split("\n")  # not splitlines(): U+2028 in a JSON string is not a line break
    if lines[0].rstrip() != "---":
        return {}, text
    end = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() in ("---", "...")), None)
    fields = None if end is None else read_fields("\n".join(lines[1:end]))
    if fields is None:
        return {}, text
    body = "\n".join(lines[end + 1:])
    return fields, body.removeprefix("\n")  # the blank line after the block


def read_fields(block: str) -> dict | None:
    """The block's mapping with lower-case keys, or None if it is not one we can read."""
    if len(block) > MAX_BLOCK_CHARS or nesting(block) > MAX_NESTING:
        return None
    try:
        data = yaml.load(block, Loader=TextLoader)  # noqa: S506 (a SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    if data is None:
        return {}  # an empty block
    if not isinstance(data, dict):
        return None  # `this is a thematic break`: a scalar, not fields
    return {key.lower(): value for key, value in data.items() if isinstance(key, str)}


def nesting(block: str) -> int:
    """The deepest run of open brackets and braces, quotes ignored (so it may over-count)."""
    depth = deepest = 0
    for char in block:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def text_value(value) -> str:
    """A scalar field as text; lists and mappings are not text."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip()
    return ""


def list_value(value) -> list[str]:
    """A list field, written as a list or as comma-separated text."""
    if isinstance(value, list):
        return [text for text in map(text_value, value) if text]
    return [part.strip() for part in text_value(value).split(",") if part.strip()]


def parse_timestamp(text: str) -> datetime | None:
    """ISO 8601 as naive UTC to the second; a date without a zone is taken as UTC; junk is ignored."""
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    return moment.replace(microsecond=0)
