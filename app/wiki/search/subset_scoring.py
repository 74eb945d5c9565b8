"""Scoring part of a query on the documents another part matched, and counting matches without scoring.

A common word ANDed with a rarer one (two words typed) once scored every posting of both: at 100,000
pages tens of thousands a field for the common word, most of them dropped by the AND. ArrayScorer's
conjunction now scores its smallest part whole and the others on that part's documents only
(`scores_of`), in the same order and with the same expression, so every score is the same float.
Which part is smallest comes from the kept bits (SearchIndex.term_bits), not from scoring."""

import functools
import operator
from bisect import bisect_left

from whoosh import query as wq


class SubsetScoring:
    """ArrayScorer's methods for a subset of the documents (it provides searcher, index, leaves,
    offsets, doc_count, weight() and evaluate())."""

    def match_count(self, node) -> int | None:
        """How many live documents match `node` (a term, or And / Or of terms), from the kept bits,
        without scoring any; None for other shapes."""
        bits = self.match_bits(node)
        return None if bits is None else bits.bit_count()

    def match_bits(self, node) -> int | None:
        if isinstance(node, wq.Term):
            return self.index.term_bits(self.searcher, node.fieldname, node.text)
        if isinstance(node, (wq.And, wq.Or)) and node.subqueries:
            parts = [self.match_bits(child) for child in node.subqueries]
            if None in parts:
                return None
            return functools.reduce(operator.and_ if isinstance(node, wq.And) else operator.or_, parts)
        return None

    def scores_of(self, node, documents: dict[int, float]) -> dict[int, float] | None:
        """`evaluate(node)` for the `documents` only (those of them matching, the same floats): a
        common word ANDed with a rarer one is scored on the rarer one's pages, not on all of its own
        (at 100,000 pages: tens of thousands of postings a field). Terms, And and Or of them; other
        shapes are evaluated whole."""
        if isinstance(node, wq.Term):
            return self.term_of(node, documents)
        if isinstance(node, wq.Or) and node.subqueries:
            sizes = [self.match_count(child) for child in node.subqueries]
            if None not in sizes:  # added in disjunction's order (largest first), for the same sums
                order = sorted(range(len(sizes)), key=sizes.__getitem__, reverse=True)
                parts = [self.scores_of(node.subqueries[k], documents) for k in order]
                if any(part is None for part in parts):
                    return None
                found = dict(parts[0])
                for part in parts[1:]:
                    for docnum, score in part.items():
                        found[docnum] = found.get(docnum, 0.0) + score
                return found
        if isinstance(node, wq.And) and not any(isinstance(child, wq.Not) for child in node.subqueries):
            sizes = [self.match_count(child) for child in node.subqueries]
            if len(sizes) > 1 and None not in sizes:
                return self.narrowed_and(node.subqueries, sizes, documents)
        return self.evaluate(node)

    def narrowed_and(self, nodes, sizes: list[int], documents: dict[int, float] | None = None):
        """The AND of `nodes` (their match counts: `sizes`), the smallest scored first (whole, or on
        `documents` only) and each other one on what is left, in conjunction's order: the same sums."""
        order = sorted(range(len(nodes)), key=sizes.__getitem__)  # stable, as conjunction's sort(key=len)
        first = nodes[order[0]]
        found = self.evaluate(first) if documents is None else self.scores_of(first, documents)
        for k in order[1:]:
            part = None if found is None else self.scores_of(nodes[k], found)
            if part is None:
                return None
            found = {docnum: score + part[docnum] for docnum, score in found.items() if docnum in part}
        return found

    def term_of(self, node, documents) -> dict[int, float]:
        """term() for these global document numbers only (live ones: they come from a scored part)."""
        weight = self.weight(node.fieldname, node.text, node.boost)
        if weight is None or not documents:
            return {}
        wanted = sorted(documents)
        found: dict[int, float] = {}
        bounds = self.offsets[1:] + [self.doc_count]
        for (reader, offset), end in zip(self.leaves, bounds):
            local = [docnum - offset for docnum in wanted[bisect_left(wanted, offset):bisect_left(wanted, end)]]
            if not local:
                continue
            ids, weights = self.index.postings(reader, node.fieldname, node.text)
            if len(local) * 16 < len(ids):  # few documents: find each one's posting
                places = ((docnum, bisect_left(ids, docnum)) for docnum in local)
                frequencies = {docnum: weights[at] for docnum, at in places if at < len(ids) and ids[at] == docnum}
            else:
                every = dict(zip(ids, weights))
                frequencies = {docnum: every[docnum] for docnum in local if docnum in every}
            if weight.scorable:  # weight.score() inlined, the same expression as term()
                lengths = self.index.field_lengths(reader, node.fieldname)
                scale, constant, slope = weight.scale, weight.constant, weight.slope
                found.update({offset + docnum: scale * tf / (tf + constant + slope * lengths[docnum])
                              for docnum, tf in frequencies.items()})
            else:
                found.update(dict.fromkeys((offset + docnum for docnum in frequencies), node.boost))
        return found
