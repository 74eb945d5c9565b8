"""Three-way merge of an edit made on a stale revision (merge3)."""

from dataclasses import dataclass

from merge3 import Merge3


@dataclass(frozen=True)
class MergeResult:
    text: str
    clean: bool


def merge_texts(base: str, theirs: str, mine: str) -> MergeResult:
    """Merge my edit of `base` with theirs, line by line. Unclean when both changed the same lines."""
    base_lines, their_lines, my_lines = (_lines(t) for t in (base, theirs, mine))
    merger = Merge3(base_lines, their_lines, my_lines)
    merged: list[str] = []
    for region in merger.merge_regions():
        kind = region[0]
        if kind == "conflict":
            return MergeResult(mine, clean=False)
        if kind == "unchanged":
            merged += base_lines[region[1]:region[2]]
        elif kind in ("a", "same"):
            merged += their_lines[region[1]:region[2]]
        elif kind == "b":
            merged += my_lines[region[1]:region[2]]
    return MergeResult("".join(merged), clean=True)


def _lines(text: str) -> list[str]:
    """Lines with their endings, and a final newline so a last-line edit is a whole line."""
    text = text.replace("\r\n", "\n")
    if text and not text.endswith("\n"):
        text += "\n"
    return text.splitlines(keepends=True)
