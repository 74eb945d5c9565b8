"""Scoring a parsed query: the bulk BM25F scorer, and Whoosh's own scorer when the bulk one cannot run.

Whoosh walks its posting lists one document at a time in Python: about 30 µs a document, so a word
found in 9,000 pages takes hundreds of milliseconds. Boolean queries of words (what people type,
phrases included) are scored here over whole posting lists at once instead, with Whoosh's BM25F
formula. The posting lists come from whoosh_internals; when it says the installed Whoosh is not the
one it knows (fast_path() is False), or the query has a shape the bulk scorer does not handle,
`scores` asks Whoosh's own search instead, which finds the same documents."""

import math

from whoosh import query as wq

from app.wiki.search import whoosh_internals
from app.wiki.search.index import SearchIndex
from app.wiki.search.whoosh_internals import decode_positions, deleted_documents, posting_arrays

BM25_B, BM25_K1 = 0.75, 1.2


def scores(searcher, index: SearchIndex, parsed, *, limit: int, hidden: set[int],
           within: set[int] | None = None) -> dict[int, float]:
    """Global document number -> score for the documents matching `parsed`.

    Every match is in the answer; the bulk scorer scores them all, Whoosh's scorer (the fallback)
    scores the best `limit` outside `hidden` and inside `within` (if given) and gives the others zero."""
    if whoosh_internals.fast_path():
        found = ArrayScorer(searcher, index).evaluate(parsed)
        if found is not None:
            return found
    return whoosh_scores(searcher, parsed, limit=limit, hidden=hidden, within=within)


def whoosh_scores(searcher, parsed, *, limit: int, hidden: set[int],
                  within: set[int] | None = None) -> dict[int, float]:
    """Scores from Whoosh's own search: the top `limit` scored, the other matches at zero."""
    results = searcher.search(parsed, limit=limit, mask=set(hidden) or None,
                              filter=set(within) if within is not None else None)
    found = dict.fromkeys(results.docs(), 0.0)
    found.update((hit.docnum, hit.score or 0.0) for hit in results)
    return found


class ArrayScorer:
    """Scores a Whoosh query of terms, And, Or, Not, AndNot and AndMaybe over whole posting lists."""

    def __init__(self, searcher, index: SearchIndex):
        self.searcher = searcher
        self.index = index
        self.leaves = list(searcher.reader().leaf_readers())
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
        frequency = self.searcher.doc_frequency(fieldname, text)
        if not frequency:
            return {}
        field = self.searcher.schema[fieldname]
        found: dict[int, float] = {}
        idf = math.log(self.doc_count / (frequency + 1)) + 1
        scale = idf * (BM25_K1 + 1) * boost
        constant = BM25_K1 * (1 - BM25_B)
        slope = BM25_K1 * BM25_B / (self.searcher.avg_field_length(fieldname) or 1)
        for reader, offset in self.leaves:
            ids, weights, _values = posting_arrays(reader, fieldname, text)
            if field.scorable:
                lengths = self.index.field_lengths(reader, fieldname)
                found.update({offset + docnum: scale * tf / (tf + constant + slope * lengths[docnum])
                              for docnum, tf in zip(ids, weights)})
            else:
                found.update(dict.fromkeys((offset + docnum for docnum in ids), boost))
            for docnum in deleted_documents(reader):
                found.pop(offset + docnum, None)
        return found

    def phrase(self, node) -> dict[int, float]:
        """Documents where the words follow each other (stop words are not counted as positions)."""
        words = [word for word in node.words if word]
        parts = [self.term(node.fieldname, word, node.boost) for word in words]
        if not parts:
            return {}
        candidates = set(parts[0]).intersection(*parts[1:])
        if len(words) > 1 and candidates:
            candidates &= self.adjacent(node.fieldname, words, candidates)
        return {docnum: sum(part[docnum] for part in parts) for docnum in candidates}

    def adjacent(self, fieldname: str, words: list[str], candidates: set[int]) -> set[int]:
        """The candidates in which some position p has word k at p + k for every word."""
        positions = [self.positions(fieldname, word, candidates) for word in words]
        found = set()
        for docnum in candidates:
            starts = set(positions[0][docnum])
            for shift, later in enumerate(positions[1:], 1):
                starts.intersection_update(p - shift for p in later[docnum])
            if starts:
                found.add(docnum)
        return found

    def positions(self, fieldname: str, word: str, candidates: set[int]) -> dict[int, list[int]]:
        found = {}
        for reader, offset in self.leaves:
            ids, _weights, encoded = posting_arrays(reader, fieldname, word, values=True)
            found.update((offset + docnum, decode_positions(value)) for docnum, value in zip(ids, encoded)
                         if offset + docnum in candidates)
        return found

    def conjunction(self, subqueries) -> dict[int, float] | None:
        excluded = [child.query for child in subqueries if isinstance(child, wq.Not)]
        required = [self.evaluate(child) for child in subqueries if not isinstance(child, wq.Not)]
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
