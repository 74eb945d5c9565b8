"""How much work one rendering may take, judged before rendering, in linear time.

Python-Markdown and bleach are quadratic on some shapes (measured on these machines, 2 cores):
4,000 headings take 1.1 s and 16,000 take 10 s; 4,000 footnotes 4.5 s and 16,000 100 s;
8,000 setext headings 8 s; 8,000 nested `<div>` 16 s in the sanitiser; a table of 8,000 rows 8 s;
many unclosed `[`, `(` or `<` in one paragraph rescan the rest of it. Each bound below keeps its
shape under about a second. A text beyond one is refused when saved or previewed (the editor keeps
it, with the reason) and shown as plain text where it already exists."""

import re

from flask_babel import lazy_gettext as _l

MAX_BYTES = 500_000
MAX_LINES = 8_000
MAX_BLOCK_MARKERS = 1_000  # headings, rules and setext underlines
MAX_FOOTNOTES = 500
MAX_TABLE_ROWS = 1_000
MAX_OPEN_TAGS = 200  # raw HTML elements left open at once
MAX_NESTING_INDENT = re.compile(r"^(?:[ \t]{256}|(?:[ \t]*>){64})", re.MULTILINE)  # cubic re-parsing
UNCLOSED_BUDGET = 2_000_000  # unclosed `[`, `(`, `<` × the length of their paragraph

BLOCK_MARKER = re.compile(r"^ {0,3}(?:#{1,6}(?:[ \t]|$)|(?:[-*_=][ \t]*){3,}$|=+[ \t]*$|-+[ \t]*$)", re.MULTILINE)
FOOTNOTE = re.compile(r"^ {0,3}\[\^", re.MULTILINE)
TABLE_ROW = re.compile(r"^[^\n]*\|[^\n]*$", re.MULTILINE)
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,20})\b[^<>\n]{0,500}?(/?)>")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BLOCKS = re.compile(r"\n\s*\n")


def unclosed(block: str) -> int:
    """How many `[`, `(` and `<` in a block are never closed."""
    total = 0
    for opener, closer in ("[]", "()", "<>"):
        depth = 0
        for char in block:
            if char == opener:
                depth += 1
            elif char == closer and depth:
                depth -= 1
        total += depth
    return total


def deepest_open_tags(text: str) -> int:
    depth = deepest = 0
    for match in TAG.finditer(text):
        closing, name, self_closing = match.groups()
        if name.lower() in VOID or self_closing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def too_complex(text: str) -> str | None:
    """Why rendering this text would take too long, in words a person can act on, or None."""
    if len(text) > MAX_BYTES:
        return _l("The text is too long to show as one page (at most %(n)d kB): split it into several pages.",
                  n=MAX_BYTES // 1000)
    if text.count("\n") >= MAX_LINES:
        return _l("The text has too many lines to show as one page (at most %(n)d): split it into several pages.",
                  n=MAX_LINES)
    if len(BLOCK_MARKER.findall(text)) > MAX_BLOCK_MARKERS:
        return _l("The text has too many titles or separator lines (at most %(n)d).", n=MAX_BLOCK_MARKERS)
    if len(FOOTNOTE.findall(text)) > MAX_FOOTNOTES:
        return _l("The text has too many footnotes (at most %(n)d).", n=MAX_FOOTNOTES)
    if text.count("|") > MAX_TABLE_ROWS and len(TABLE_ROW.findall(text)) > MAX_TABLE_ROWS:
        return _l("The tables have too many rows (at most %(n)d): split them into several pages.", n=MAX_TABLE_ROWS)
    if text.count("<") > MAX_OPEN_TAGS and deepest_open_tags(text) > MAX_OPEN_TAGS:
        return _l("The text leaves too many HTML elements open (at most %(n)d).", n=MAX_OPEN_TAGS)
    if MAX_NESTING_INDENT.search(text):
        return _l("The text is nested too deeply (quotes or indentation).")
    if (text.count("[") + text.count("(") + text.count("<") >= 200
            and sum(unclosed(block) * len(block) for block in BLOCKS.split(text)) > UNCLOSED_BUDGET):
        return _l("The text has too many unclosed brackets, parentheses or angle brackets.")
    return None
