"""How text becomes terms: French analysis with accents folded, and Markdown reduced to plain text.

plain_text runs on every published body, so it must stay linear in the body's length whatever its
shape: each pattern below scans a bounded distance from where it starts, and the whitespace clean-up
works line by line instead of with a regex."""

import functools
import re

from whoosh.analysis import (CharsetFilter, Filter, LowercaseFilter, NgramFilter, RegexTokenizer, StemFilter,
                             StopFilter)
from whoosh.support.charset import accent_map

PREFIX_MAX = 20  # the longest title beginning indexed for search as you type
MAX_INDEXED_CHARS = 300_000  # of a body's plain text; beyond, words are not searchable (a long book chapter)

FOLDING = {**accent_map, ord("œ"): "oe", ord("æ"): "ae"}  # after lowercasing: only lower-case keys matter

# Articles, prepositions, pronouns and conjunctions, accent-folded. Removed at index and query time
# alike with positions renumbered, so a quoted phrase containing them still matches.
STOP_WORDS = frozenset("""
    a au aux avec c ce ces cet cette d dans de des du elle elles en et il ils j je l la le les leur
    leurs lui m ma mais me mes n ne nos notre nous on ou par pour qu que qui s sa se ses son sur t ta
    te tes ton tu un une vos votre vous y
    an and are for in is it of that the this to with
""".split())


def text_analyzer():
    """Words, lower case, accents folded, stop words out, French stems: `Coopérations` -> `cooper`."""
    return (RegexTokenizer() | LowercaseFilter() | CharsetFilter(FOLDING)
            | StopFilter(stoplist=STOP_WORDS, minsize=1) | StemFilter(lang="fr", cachesize=100_000))


def word_analyzer():
    """Words, lower case, accents folded: how titles are matched while typing."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(FOLDING)


def prefix_analyzer():
    """Every beginning of every title word, so search-as-you-type is a term lookup."""
    return word_analyzer() | NgramFilter(minsize=1, maxsize=PREFIX_MAX, at="start")


PAIR_SEPARATOR = " "  # never inside a token (the tokenizer splits on it)


class PairFilter(Filter):
    """Each two adjacent analysed words as one term, `assembl general`: a phrase of two words is then
    one term lookup. Adjacent as phrases count them: stop words are already out (positions renumbered)."""

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            text = token.text  # the tokenizer reuses one token object: keep its text, not the token
            if previous is not None:
                token.text = previous + PAIR_SEPARATOR + text
                yield token
            previous = text


def word_pairs(words: list[str]) -> list[str]:
    """The pair terms of a phrase's analysed words, in order."""
    return [first + PAIR_SEPARATOR + second for first, second in zip(words, words[1:])]


TEXT_ANALYZER = text_analyzer()
WORD_ANALYZER = word_analyzer()
PAIR_ANALYZER = TEXT_ANALYZER | PairFilter()  # shares the stemmer's cache


@functools.lru_cache(maxsize=100_000)
def analysed(word: str) -> str | None:
    """The indexed form of one word, or None for a stop word."""
    return next((token.text for token in TEXT_ANALYZER(word)), None)


def folded_words(text: str) -> list[str]:
    return [token.text for token in WORD_ANALYZER(text)]


# --- Markdown to plain text -----------------------------------------------------------------------
#
# Linear by construction: a pattern starts at `<` or `[` (or a line start), and what it scans after
# that excludes the character it starts at, so the stretches scanned from two starts never overlap
# (100 kB of `[` costs 100,000 one-step attempts, not 10^10 steps); every repetition is bounded too.

LABEL, TARGET = r"[^\[\]\n]{0,300}", r"[^)\[\n]{0,2000}"
MARKUP_RULES = [
    (re.compile(r"</?[A-Za-z][^<>\n]{0,300}>"), " "),  # HTML tags
    (re.compile(rf"!\[({LABEL})\]\({TARGET}\)"), r"\1"),  # images: their alt text
    (re.compile(rf"\[({LABEL})\]\({TARGET}\)"), r"\1"),  # links: their label
    (re.compile(r"\[\[([^\[\]\n|#]{1,300})(?:#[^\[\]\n|]{0,300})?\|([^\[\]\n]{1,300})\]\]"), r"\2"),  # [[Page|label]]
    (re.compile(r"\[\[([^\[\]\n|#]{1,300})(?:#[^\[\]\n|]{0,300})?\]\]"), r"\1"),  # [[Page]]
    (re.compile(r"^[ \t]{0,3}(?:#{1,6}|>{1,50}|[-*+]|\d{1,9}[.)])[ \t]+", re.MULTILINE), ""),  # block markers
    (re.compile(rf"\[\^{LABEL}\]:?|`{{3,50}}\w{{0,50}}|[*`~|]+"), " "),  # footnote marks, fences, emphasis, pipes
]
RULE_CHARS = frozenset("-*_= \t")  # a line of three or more of -*_= (spaces between): a rule or an underline
TABLE_CHARS = frozenset(":|- \t")  # a table's delimiter line: | --- | :-: |
UNDERSCORES = re.compile(r"_+")


def is_rule_or_table_line(line: str) -> bool:
    """A horizontal rule, a setext underline or a table delimiter line: markup with no words."""
    stripped = line.strip()
    if len(stripped) < 3:
        return False
    marks = sum(char in "-*_=" for char in stripped)
    return ((set(stripped) <= RULE_CHARS and marks >= 3)
            or (set(stripped) <= TABLE_CHARS and "-" in stripped))


def strip_emphasis_underscores(text: str) -> str:
    """`_word_` and `__word__` lose their underscores; `snake_case` and `WASPUBLICBODY_H1` keep theirs."""
    def replace(match: re.Match) -> str:
        start, end = match.span()
        inside_a_word = (start > 0 and text[start - 1].isalnum() and end < len(text) and text[end].isalnum())
        return match.group() if inside_a_word else " "
    return UNDERSCORES.sub(replace, text)


def plain_text(markdown: str) -> str:
    """What a reader sees of a Markdown body, roughly: what we index and quote in excerpts.

    Linear in the body's length for every shape, and cut at MAX_INDEXED_CHARS."""
    markdown = markdown[:4 * MAX_INDEXED_CHARS]  # markup included; a body is at most 1 MB anyway
    text = "\n".join(line for line in markdown.split("\n") if not is_rule_or_table_line(line))
    for pattern, replacement in MARKUP_RULES:
        text = pattern.sub(replacement, text)
    text = strip_emphasis_underscores(text)
    # Spaces collapsed, lines trimmed, blank lines dropped (was two regexes, one quadratic on long
    # runs of Unicode spaces).
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)[:MAX_INDEXED_CHARS]
