"""Sections of a Markdown text, numbered in heading order, for editing one section at a time."""

import re

ATX_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def heading_lines(lines: list[str]) -> list[int]:
    """Indexes of the lines that start a section (ATX or setext headings, outside fenced code)."""
    starts, fence = [], None
    for index, line in enumerate(lines):
        opening = FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
        elif ATX_HEADING.match(line):
            starts.append(index)
        elif (SETEXT_UNDERLINE.match(line) and index > 0 and lines[index - 1].strip()
              and not ATX_HEADING.match(lines[index - 1]) and (index - 1) not in starts):
            starts.append(index - 1)
    return starts


def section_bounds(text: str, number: int) -> tuple[int, int] | None:
    """Line range [start, end) of section `number` (1-based), up to the next heading, or None."""
    lines = text.split("\n")
    starts = heading_lines(lines)
    if not 1 <= number <= len(starts):
        return None
    start = starts[number - 1]
    end = starts[number] if number < len(starts) else len(lines)
    return start, end


def get_section(text: str, number: int) -> str | None:
    bounds = section_bounds(text, number)
    if bounds is None:
        return None
    return "\n".join(text.split("\n")[bounds[0]:bounds[1]]).rstrip("\n")


def replace_section(text: str, number: int, new_section: str) -> str | None:
    """The text with section `number` replaced, keeping a blank line before the next heading."""
    bounds = section_bounds(text, number)
    if bounds is None:
        return None
    lines = text.split("\n")
    replacement = new_section.rstrip("\n").split("\n")
    if bounds[1] < len(lines):
        replacement.append("")
    return "\n".join(lines[:bounds[0]] + replacement + lines[bounds[1]:])


def count_sections(text: str) -> int:
    return len(heading_lines(text.split("\n")))


def splice_section(base_body: str, number: int | None, text: str) -> str | None:
    """The whole body after editing section `number` of `base_body` (None: the text is the whole body).

    None when the section no longer exists in the base."""
    if number is None:
        return text
    return replace_section(base_body, number, text)
