"""What a hit shows: an excerpt with the matched words highlighted, and "did you mean" for unknown words."""

import functools
import re
from collections.abc import Iterator
from itertools import chain, takewhile

from markupsafe import Markup, escape
from whoosh import query as wq

from app.wiki.search.analysis import FOLDING, TEXT_ANALYZER, analysed, folded_words
from app.wiki.search.index import current_index
from app.wiki.search.whoosh_internals import deleted_documents

EXCERPT_CHARS = 240


# --- Excerpts -------------------------------------------------------------------------------------

def positive_terms(parsed, fieldname: str) -> set[str]:
    """The words the query asks for in `fieldname` (not the excluded ones): what to highlight."""
    if isinstance(parsed, wq.Not):
        return set()
    if isinstance(parsed, wq.AndNot):
        return positive_terms(parsed.a, fieldname)
    if isinstance(parsed, wq.Term):
        return {parsed.text} if parsed.fieldname == fieldname else set()
    if isinstance(parsed, wq.Phrase):
        return set(parsed.words) if parsed.fieldname == fieldname else set()
    return set(chain.from_iterable(positive_terms(child, fieldname) for child in parsed.children()))


def variants_by_letter() -> dict[str, str]:
    """Each folded letter and the accented letters that fold to it: `e` -> `eéèêë…`."""
    variants: dict[str, set[str]] = {}
    for code, folded in FOLDING.items():
        if len(folded) == 1:
            variants.setdefault(folded, {folded}).add(chr(code))
    return {letter: "".join(sorted(chars)) for letter, chars in variants.items()}


VARIANTS = variants_by_letter()


def excerpt(text: str, stems: set[str], size: int = EXCERPT_CHARS) -> Markup:
    """A window of the text around the first match, matched words in <mark>, all of it escaped."""
    matches = matching_spans(text, stems)
    first = next(matches, None)
    start = max(0, first[0] - size // 3) if first else 0
    start = word_boundary(text, start, backwards=True)
    end = word_boundary(text, min(len(text), start + size))
    spans = [first, *takewhile(lambda span: span[1] <= end, matches)] if first and first[1] <= end else []
    # Every piece of the text is escaped; the marks and ellipses are ours (joined as plain strings:
    # Markup's own formatting costs more than the rest of the excerpt).
    pieces, position = ["… " if start > 0 else ""], start
    for span_start, span_end in spans:
        pieces += [escape(text[position:span_start]), "<mark>", escape(text[span_start:span_end]), "</mark>"]
        position = span_end
    pieces += [escape(text[position:end]), " …" if end < len(text) else ""]
    return Markup("".join(pieces))


def word_boundary(text: str, position: int, backwards: bool = False) -> int:
    """Move `position` to the nearest space so no word is cut in half."""
    if position <= 0 or position >= len(text):
        return position
    found = text.rfind(" ", 0, position) if backwards else text.find(" ", position)
    return position if found == -1 else (found + 1 if backwards else found)


def matching_spans(text: str, stems: set[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of the words of `text` whose indexed form is one of `stems`, in order, lazily."""
    if not stems or not text:
        return iter(())
    if any("oe" in stem or "ae" in stem for stem in stems):  # œ and æ fold to two letters: analyse it all
        return ((t.startchar, t.endchar) for t in TEXT_ANALYZER(text, chars=True) if t.text in stems)
    # A regex finds the words starting like a stem, in any accents or case; the analyzer confirms each.
    candidates = stem_finder(frozenset(stems)).finditer(text)
    return (match.span() for match in candidates if analysed(match.group()) in stems)


@functools.lru_cache(maxsize=256)
def stem_finder(stems: frozenset[str]) -> re.Pattern:
    """The regex of words starting like one of `stems`, built once for a page of hits (twenty excerpts)."""
    return re.compile(r"\b(?:%s)\w*" % "|".join(sorted(map(accent_pattern, stems))), re.IGNORECASE)


def accent_pattern(letters: str) -> str:
    """`ete` -> `[eéèêë][tţ…][eéèêë]`, matching the letters with or without accents."""
    return "".join(f"[{re.escape(VARIANTS[c])}]" if c in VARIANTS else re.escape(c) for c in letters)


# --- Did you mean ---------------------------------------------------------------------------------

PLAIN_WORD = re.compile(r"(?<![\w:-])[^\W\d_]{3,}(?![\w:])")


def did_you_mean(searcher, text: str, hidden: set[int]) -> str | None:
    """The query with unknown words replaced by close words that this reader would find."""
    corrected, changed = text, False
    for word in dict.fromkeys(PLAIN_WORD.findall(text)):
        if word in ("AND", "OR", "NOT", "ET", "OU", "SAUF"):
            continue
        stem = analysed(word)
        if stem is None or searcher.doc_frequency("body", stem) or searcher.doc_frequency("title", stem):
            continue
        replacement = closest_word(searcher, folded_words(word)[0], hidden)
        if replacement:
            corrected, changed = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", replacement, corrected, count=1), True
    return corrected if changed else None


def closest_word(searcher, word: str, hidden: set[int]) -> str | None:
    """The most frequent indexed word within one edit (two for long words) that the reader can see."""
    reader = searcher.reader()
    for distance in (1, 2) if len(word) > 5 else (1,):
        candidates = set(reader.terms_within("spell_body", word, distance, prefix=1))
        candidates |= set(reader.terms_within("spell_title", word, distance, prefix=1))
        ranked = sorted(candidates - {word}, key=lambda c: (-searcher.doc_frequency("body", analysed(c) or c), c))
        for candidate in ranked[:5]:
            stem = analysed(candidate)
            if stem and any(visible_somewhere(searcher, name, stem, hidden) for name in ("body", "title")):
                return candidate
    return None


def visible_somewhere(searcher, fieldname: str, text: str, hidden: set[int]) -> bool:
    """True if a live document outside `hidden` holds the term: stops at the first one, on posting
    lists kept like the scorer's (a common word's whole set cost milliseconds at 100,000 pages)."""
    index = current_index()
    for reader, offset in searcher.reader().leaf_readers():
        deleted = deleted_documents(reader)
        for docnum in index.postings(reader, fieldname, text)[0]:
            if docnum not in deleted and offset + docnum not in hidden:
                return True
    return False
