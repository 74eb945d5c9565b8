"""Scoring a parsed query: the bulk BM25F scorer, and Whoosh's own scorer when the bulk one cannot run.

Whoosh walks its posting lists one document at a time in Python: about 30 µs a document, so a word
found in 9,000 pages takes hundreds of milliseconds. Boolean queries of words (what people type,
phrases included) are scored here over whole posting lists at once instead, with Whoosh's BM25F
formula. The posting lists come from whoosh_internals; when it says the installed Whoosh is not the
one it knows (fast_path() is False), or the query has a shape the bulk scorer does not handle,
`scores` asks Whoosh's own search instead, which finds the same documents."""

import math
from bisect import bisect_left
from dataclasses import dataclass

from whoosh import query as wq

from app.wiki.search import whoosh_internals
from app.wiki.search.analysis import word_pairs
from app.wiki.search.bitsets import members
from app.wiki.search.index import PAIR_FIELDS, SearchIndex
from app.wiki.search.subset_scoring import SubsetScoring
from app.wiki.search.top_scoring import TopScoring
from app.wiki.search.whoosh_internals import decode_positions, deleted_documents, positions_in, posting_arrays

BM25_B, BM25_K1 = 0.75, 1.2
# A long phrase's candidates (documents holding all its pairs) at least 1/8 of its rarest word's
# postings: read the words' whole lists (as many blocks would be read one by one anyway).
WHOLE_LIST_SHARE = 8


def scores(searcher, index: SearchIndex, parsed, *, limit: int, hidden: set[int],
           within: int | None = None) -> dict[int, float]:
    """Global document number -> score for the documents matching `parsed`.

    Every match is in the answer; the bulk scorer scores them all, Whoosh's scorer (the fallback)
    scores the best `limit` outside `hidden` and inside `within` (bits, if given) and gives the others zero."""
    if whoosh_internals.fast_path():
        found = ArrayScorer(searcher, index).evaluate(parsed)
        if found is not None:
            return found
    return whoosh_scores(searcher, parsed, limit=limit, hidden=hidden,
                         within=members(within) if within is not None else None)


def top_scores(searcher, index: SearchIndex, parsed, *, wanted: int, hidden_bits: int,
               within: int | None = None) -> tuple[int, dict[int, float]] | None:
    """For a word, or words ANDed, on long posting lists (top_scoring.py): (every match this reader
    may see, as bits, and the scores of enough of them to rank the best `wanted`, exactly as `scores`
    would; all are matches). `hidden_bits`, `within`: bits (bitsets.py). None: use `scores`."""
    if not whoosh_internals.fast_path():
        return None
    return ArrayScorer(searcher, index).top(parsed, wanted, hidden_bits, within)


def whoosh_scores(searcher, parsed, *, limit: int, hidden: set[int],
                  within: set[int] | None = None) -> dict[int, float]:
    """Scores from Whoosh's own search: the top `limit` scored, the other matches at zero."""
    results = searcher.search(parsed, limit=limit, mask=set(hidden) or None,
                              filter=set(within) if within is not None else None)
    found = dict.fromkeys(results.docs(), 0.0)
    found.update((hit.docnum, hit.score or 0.0) for hit in results)
    return found


@dataclass(frozen=True)
class TermWeight:
    """BM25F for one term: what a posting scores given its frequency and the document's field length."""
    scale: float
    constant: float
    slope: float
    scorable: bool
    boost: float

    def score(self, frequency: float, length: int) -> float:
        if not self.scorable:
            return self.boost
        return self.scale * frequency / (frequency + self.constant + self.slope * length)


def adjacent_at(postings: list[tuple[list, list, list]], order: list[int], docnum: int) -> list[int] | None:
    """Where `docnum` sits in each word's postings of one segment, if some position p has word k at
    p + k for every word k (words tried in `order`); None as soon as one cannot follow."""
    at, starts = [0] * len(postings), None
    for k in order:
        ids, _weights, values = postings[k]
        at[k] = place = bisect_left(ids, docnum)
        positions = decode_positions(values[place])
        shifted = set(map((-k).__add__, positions)) if k else set(positions)
        if starts is None:
            starts = shifted
        else:
            starts &= shifted
            if not starts:
                return None
    return at


class ArrayScorer(SubsetScoring, TopScoring):
    """Scores a Whoosh query of terms, And, Or, Not, AndNot and AndMaybe over whole posting lists."""

    def __init__(self, searcher, index: SearchIndex):
        self.searcher = searcher
        self.index = index
        self.leaves = list(searcher.reader().leaf_readers())
        self.offsets = [offset for _reader, offset in self.leaves]
        self.doc_count = searcher.doc_count_all()

    def evaluate(self, node) -> dict[int, float] | None:
        """Global document number -> score for the documents matching `node`; None if unsupported."""
        if node is wq.NullQuery:
            return {}
        if isinstance(node, wq.Term):
            return self.term(node.fieldname, node.text, node.boost)
        if isinstance(node, wq.Phrase):
            return self.phrase(node) if node.slop == 1 else None
        if isinstance(node, wq.Every):
            return dict.fromkeys(self.everything(), 1.0)
        if isinstance(node, wq.Not):
            return self.without(dict.fromkeys(self.everything(), 0.0), node.query)
        if isinstance(node, wq.AndNot):
            positive = self.evaluate(node.a)
            return None if positive is None else self.without(positive, node.b)
        if isinstance(node, wq.AndMaybe):
            required, optional = self.evaluate(node.a), self.evaluate(node.b)
            if required is None or optional is None:
                return None
            return {docnum: score + optional.get(docnum, 0.0) for docnum, score in required.items()}
        if isinstance(node, wq.And):
            return self.conjunction(node.subqueries)
        if isinstance(node, wq.Or):
            return self.disjunction(node.subqueries)
        return None

    def term(self, fieldname: str, text: str, boost: float) -> dict[int, float]:
        weight = self.weight(fieldname, text, boost)
        if weight is None:
            return {}
        found: dict[int, float] = {}
        for reader, offset in self.leaves:
            ids, weights = self.index.postings(reader, fieldname, text)
            if weight.scorable:  # weight.score() inlined: this loop runs once per posting
                lengths = self.index.field_lengths(reader, fieldname)
                scale, constant, slope = weight.scale, weight.constant, weight.slope
                found.update({offset + docnum: scale * tf / (tf + constant + slope * lengths[docnum])
                              for docnum, tf in zip(ids, weights)})
            else:
                found.update(dict.fromkeys((offset + docnum for docnum in ids), boost))
            for docnum in deleted_documents(reader):
                found.pop(offset + docnum, None)
        return found

    def weight(self, fieldname: str, text: str, boost: float) -> "TermWeight | None":
        """How a posting of `text` scores (BM25F), or None when no document holds it."""
        frequency = self.searcher.doc_frequency(fieldname, text)
        if not frequency:
            return None
        idf = math.log(self.doc_count / (frequency + 1)) + 1
        return TermWeight(scale=idf * (BM25_K1 + 1) * boost, constant=BM25_K1 * (1 - BM25_B),
                          slope=BM25_K1 * BM25_B / (self.searcher.avg_field_length(fieldname) or 1),
                          scorable=self.searcher.schema[fieldname].scorable, boost=boost)

    def phrase(self, node) -> dict[int, float]:
        """Documents where the words follow each other (stop words are not counted as positions).

        Segments indexed with word pairs (SearchIndex.has_pairs) answer from the pair field: two
        words are one pair term, scored like a word; longer phrases intersect their pairs' postings,
        then check the words' positions in those candidates only (holding every pair does not make
        them adjacent in a row), scored as the sum of the pairs' scores. Other segments (an index
        built before the pairs) answer from the words' positions (phrase_by_positions)."""
        words = [word for word in node.words if word]
        if len(words) < 2:
            return self.term(node.fieldname, words[0], node.boost) if words else {}
        pair_field = PAIR_FIELDS.get(node.fieldname)
        with_pairs = [leaf for leaf in self.leaves if pair_field and self.index.has_pairs(leaf[0])]
        found = self.phrase_by_pairs(with_pairs, node, pair_field, words) if with_pairs else {}
        if len(with_pairs) < len(self.leaves):
            found.update(self.phrase_by_positions([leaf for leaf in self.leaves if leaf not in with_pairs],
                                                  node, words))
        return found

    def phrase_by_pairs(self, leaves, node, pair_field: str, words: list[str]) -> dict[int, float]:
        pairs = word_pairs(words)
        weights = [self.weight(pair_field, pair, node.boost) for pair in pairs]
        if any(weight is None for weight in weights):
            return {}
        found: dict[int, float] = {}
        for reader, offset in leaves:
            postings = [self.index.postings(reader, pair_field, pair) for pair in pairs]
            order = sorted(range(len(pairs)), key=lambda k: len(postings[k][0]))  # rarest pair first
            candidates = set(postings[order[0]][0]).intersection(*(postings[k][0] for k in order[1:]))
            candidates.difference_update(deleted_documents(reader))
            if len(words) > 2 and candidates:
                candidates = self.in_a_row(reader, node.fieldname, words, sorted(candidates))
            if not candidates:
                continue
            lengths = self.index.field_lengths(reader, pair_field) if weights[0].scorable else None
            for docnum in candidates:
                length = lengths[docnum] if lengths else 0
                found[offset + docnum] = sum(
                    weight.score(postings[k][1][bisect_left(postings[k][0], docnum)], length)
                    for k, weight in enumerate(weights))
        return found

    @staticmethod
    def in_a_row(reader, fieldname: str, words: list[str], candidates: list[int]) -> set[int]:
        """Those of `candidates` (one segment's, sorted) where some position p has word k at p + k for
        every word k. Few candidates: the words' positions are read for them only (positions_in).
        Candidates in most of the rarest word's blocks: its whole lists are read at once instead
        (as phrase_by_positions does, cheaper than block by block), the rarest word decoded first."""
        sizes = [reader.doc_frequency(fieldname, word) for word in words]
        order = sorted(range(len(words)), key=sizes.__getitem__)
        if len(candidates) * WHOLE_LIST_SHARE >= sizes[order[0]]:
            postings = [posting_arrays(reader, fieldname, word, values=True) for word in words]
            return {docnum for docnum in candidates if adjacent_at(postings, order, docnum) is not None}
        positions = [positions_in(reader, fieldname, word, candidates) for word in words]
        kept = set()
        for docnum in candidates:
            starts = None
            for k in order:
                shifted = set(map((-k).__add__, positions[k].get(docnum, ())))
                starts = shifted if starts is None else starts & shifted
                if not starts:
                    break
            if starts:
                kept.add(docnum)
        return kept

    def phrase_by_positions(self, leaves, node, words: list[str]) -> dict[int, float]:
        """The phrase from the words' positions, scored as the sum of the words' scores.

        Segment by segment, each word's postings are read once (numbers, frequencies and encoded
        positions); only documents holding every word have positions decoded, the rarest word's
        first, and a document is dropped as soon as one word cannot follow."""
        weights = [self.weight(node.fieldname, word, node.boost) for word in words]
        if any(weight is None for weight in weights):
            return {}
        found: dict[int, float] = {}
        for reader, offset in leaves:
            postings = [posting_arrays(reader, node.fieldname, word, values=True) for word in words]
            order = sorted(range(len(words)), key=lambda k: len(postings[k][0]))  # rarest word first
            candidates = set(postings[order[0]][0]).intersection(*(postings[k][0] for k in order[1:]))
            candidates.difference_update(deleted_documents(reader))
            if not candidates:
                continue
            lengths = self.index.field_lengths(reader, node.fieldname) if weights[0].scorable else None
            for docnum in sorted(candidates):
                at = adjacent_at(postings, order, docnum)
                if at is not None:
                    found[offset + docnum] = sum(weight.score(postings[k][1][at[k]], lengths[docnum] if lengths else 0)
                                                 for k, weight in enumerate(weights))
        return found

    def conjunction(self, subqueries) -> dict[int, float] | None:
        excluded = [child.query for child in subqueries if isinstance(child, wq.Not)]
        nodes = [child for child in subqueries if not isinstance(child, wq.Not)]
        sizes = [self.match_count(node) for node in nodes] if len(nodes) > 1 else [None]
        if None not in sizes:  # the smallest part scored whole, the others only on its documents
            found = self.narrowed_and(nodes, sizes)
            if found is None:
                return None
        else:
            required = [self.evaluate(node) for node in nodes]
            if any(part is None for part in required):
                return None
            if not required:
                required = [dict.fromkeys(self.everything(), 0.0)]
            required.sort(key=len)
            found = required[0]
            for part in required[1:]:
                found = {docnum: score + part[docnum] for docnum, score in found.items() if docnum in part}
        for child in excluded:
            found = self.without(found, child)
            if found is None:
                return None
        return found

    def disjunction(self, subqueries) -> dict[int, float] | None:
        parts = [self.evaluate(child) for child in subqueries]
        if any(part is None for part in parts):
            return None
        parts.sort(key=len, reverse=True)
        found = dict(parts[0]) if parts else {}
        for part in parts[1:]:
            for docnum, score in part.items():
                found[docnum] = found.get(docnum, 0.0) + score
        return found

    def without(self, found: dict[int, float], node) -> dict[int, float] | None:
        excluded = self.evaluate(node)
        if excluded is None:
            return None
        return {docnum: score for docnum, score in found.items() if docnum not in excluded}

    def everything(self) -> set[int]:
        documents = set(range(self.doc_count))
        for reader, offset in self.leaves:
            documents.difference_update(offset + docnum for docnum in deleted_documents(reader))
        return documents
