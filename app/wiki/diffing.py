"""Line diffs with word-level highlights inside changed lines, ready for a template."""

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

WORDS = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "removed", "added"
    old_number: int | None
    new_number: int | None
    html: Markup  # escaped text with <del>/<ins> around changed words


@dataclass(frozen=True)
class Diff:
    lines: list[DiffLine]

    @property
    def added(self) -> int:
        return sum(line.kind == "added" for line in self.lines)

    @property
    def removed(self) -> int:
        return sum(line.kind == "removed" for line in self.lines)

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed)


def word_highlights(old: str, new: str) -> tuple[Markup, Markup]:
    """Mark the words that differ between two versions of one line."""
    old_words, new_words = WORDS.findall(old), WORDS.findall(new)
    old_html, new_html = [], []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        before, after = escape("".join(old_words[i1:i2])), escape("".join(new_words[j1:j2]))
        if op == "equal":
            old_html.append(before)
            new_html.append(after)
            continue
        if before:
            old_html.append(Markup("<del>%s</del>") % before)
        if after:
            new_html.append(Markup("<ins>%s</ins>") % after)
    return Markup("").join(old_html), Markup("").join(new_html)


def diff_texts(old: str, new: str, context: int | None = 3) -> Diff:
    """Diff two texts line by line; `context` lines of unchanged text around changes (None: all)."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    groups = [matcher.get_opcodes()] if context is None else list(matcher.get_grouped_opcodes(context))
    lines: list[DiffLine] = []
    for group in groups:
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                lines += [DiffLine("same", i + 1, j + 1, escape(old_lines[i]))
                          for i, j in zip(range(i1, i2), range(j1, j2))]
                continue
            lines += changed_block(old_lines, new_lines, i1, i2, j1, j2)
    return Diff(lines)


def changed_block(old_lines, new_lines, i1, i2, j1, j2) -> list[DiffLine]:
    """Removed then added lines; lines paired one to one get word-level highlights."""
    removed = [DiffLine("removed", i + 1, None, escape(old_lines[i])) for i in range(i1, i2)]
    added = [DiffLine("added", None, j + 1, escape(new_lines[j])) for j in range(j1, j2)]
    for k in range(min(len(removed), len(added))):
        old_html, new_html = word_highlights(old_lines[i1 + k], new_lines[j1 + k])
        removed[k] = DiffLine("removed", i1 + k + 1, None, old_html)
        added[k] = DiffLine("added", None, j1 + k + 1, new_html)
    return removed + added
