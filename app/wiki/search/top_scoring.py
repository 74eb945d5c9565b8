"""Ranking the best hits of a common word, or of words ANDed, without scoring every match.

At 100,000 pages a common word is in most pages, and two words typed together still match tens of
thousands: scoring each in Python costs tens of milliseconds to show twenty. Here one posting list
(the longest of the rarest word) is read in chunks of CHUNK postings in score order (impacts.py),
best bound first (block-max): a chunk's bound is its best posting's score plus the highest score
every other word could add in the same field, and chunks stop once the `wanted`-th best score is
above the next bound. For several words, documents holding one in another field (titles: few
postings, and boosted) are scored first, whole; for one word, its titles are chunked too.

The matches themselves (the total, the facets) are bits, exact (bitsets.py); only scoring is
skipped. Every score computed is the float `evaluate` gives: a word in two fields is the sum of two
floats (the same in either order), and the words are added in narrowed_and's order, rarest first.
A document is scored by `doc_scorer`, one bisect a term in the segment's arrays."""

import heapq
from bisect import bisect_left, bisect_right

from whoosh import query as wq

from app.wiki.search.analysis import word_pairs
from app.wiki.search.bitsets import Lookup
from app.wiki.search.index import PAIR_FIELDS

CHUNK = 32  # postings a block-max bound covers (at 10,000 pages a common word scores ~700 of 9,955)
MIN_CHUNKED_POSTINGS = 1024  # shorter lists are scored whole
BOUND_MARGIN = 1 + 1e-9  # a bound sums its floats in another grouping than a score: raised by a hair


class TopScoring:
    """ArrayScorer's methods for the best hits (it provides searcher, index, leaves, offsets,
    doc_count, weight(), term() and match_bits())."""

    def top(self, node, wanted: int, hidden_bits: int, within: int | None):
        """(every match this reader may see, as bits; the scores of enough of them to rank the best
        `wanted`, exactly as `scores` would) for a word, or words ANDed (each a Term, or an Or of one
        word in two fields: what the parser makes of what people type). None for another shape, or
        when the rarest word matches few pages or has short lists (scoring it whole costs less)."""
        nodes = [self.as_pair_term(child) for child in (node.subqueries if isinstance(node, wq.And) else [node])]
        bits = [self.match_bits(child) for child in nodes]
        if not nodes or any(part_bits is None for part_bits in bits):
            return None
        order = sorted(range(len(nodes)), key=lambda k: bits[k].bit_count())  # narrowed_and's order
        if bits[order[0]].bit_count() < MIN_CHUNKED_POSTINGS:
            return None  # a rare word: scoring its matches costs less than the weights asked here again
        parts = [self.word_terms(nodes[k]) for k in order]
        if any(part is None for part in parts):
            return None
        matched = bits[0]
        for part_bits in bits[1:]:
            matched &= part_bits
        matched &= ~hidden_bits
        if within is not None:
            matched &= within
        lists = [[[self.index.postings(reader, term.fieldname, term.text) for reader, _ in self.leaves]
                  for term, _weight in part] for part in parts]
        sizes = [sum(len(ids) for ids, _weights in segments) for segments in lists[0]]
        longest = max(range(len(sizes)), key=sizes.__getitem__)
        if sizes[longest] < MIN_CHUNKED_POSTINGS:
            return None
        visible = Lookup(matched, self.doc_count).raw  # tested inline: these loops are the hot ones
        if len(parts) == 1 and len(parts[0]) == 2:
            return matched, self.top_word(parts, lists, longest, visible, wanted)
        score = self.doc_scorer(parts, lists)
        term, weight = parts[0][longest]
        found: dict[int, float] = {}
        rest = 0.0  # the highest score the other words can add in the chunked list's field
        for n_part, (part, part_lists) in enumerate(zip(parts, lists)):
            highest = 0.0
            for (other, other_weight), segments in zip(part, part_lists):
                if other.fieldname == term.fieldname:
                    if n_part:
                        highest = max(highest, self.highest_score(other, other_weight, segments))
                    continue
                for (ids, _weights), (_reader, offset) in zip(segments, self.leaves):
                    for docnum in ids:
                        key = offset + docnum
                        if key not in found and visible[key >> 3] >> (key & 7) & 1:
                            found[key] = score(key)
            rest += highest
        best = heapq.nlargest(wanted, found.values())
        heapq.heapify(best)
        # Each later word's term in the chunked list's field, with its postings by segment. A word
        # without one is in another field only: all its matches are in `found` already.
        later = [[(weight_, segments) for (term_, weight_), segments in zip(part, part_lists)
                  if term_.fieldname == term.fieldname] for part, part_lists in zip(parts[1:], lists[1:])]
        chunks = self.chunks(term, weight, lists[0][longest], rest) if all(later) else []
        for bound, n, start, _tag in chunks:
            if len(best) >= wanted and best[0] > bound:
                break
            others = [(segments[n], weight_) for ((weight_, segments),) in later]
            for key, value in self.chunk_scores(n, start, term, weight, lists[0][longest][n], others, found, visible):
                found[key] = value
                if len(best) < wanted:
                    heapq.heappush(best, value)
                elif value > best[0]:
                    heapq.heapreplace(best, value)
        return matched, found

    def top_word(self, parts, lists, longest: int, visible: bytes, wanted: int) -> dict[int, float]:
        """One word in two fields (title and body): both lists in chunks, best bound first. A chunk of
        the shorter list (titles) is bounded by its best posting plus the highest score of the other
        field; a chunk of the longer one by its best posting alone, for it scores only documents
        missing from the shorter list (those are the shorter list's to score). A common word in
        10,000 titles at 100,000 pages scored all of them first; now a few hundred."""
        (term, weight), (short, short_weight) = parts[0][longest], parts[0][1 - longest]
        segments, short_segments = lists[0][longest], lists[0][1 - longest]
        in_short = Lookup(self.index.term_bits(self.searcher, short.fieldname, short.text), self.doc_count).raw
        score = self.doc_scorer(parts, lists)
        highest = self.highest_score(term, weight, segments)
        chunks = heapq.merge(self.chunks(term, weight, segments, 0.0, False),
                             self.chunks(short, short_weight, short_segments, highest, True),
                             key=lambda chunk: -chunk[0])
        found: dict[int, float] = {}
        best: list[float] = []
        for bound, n, start, shorter in chunks:
            if len(best) >= wanted and best[0] > bound:
                break
            if shorter:
                reader, offset = self.leaves[n]
                ids = short_segments[n][0]
                order = self.index.impact_chunks(reader, short.fieldname, short.text, short_segments[n], CHUNK,
                                                 short_weight.constant, short_weight.slope)[0]
                keys = (offset + ids[place] for place in order[start:start + CHUNK])
                scored = ((key, score(key)) for key in keys
                          if key not in found and visible[key >> 3] >> (key & 7) & 1)
            else:
                scored = self.chunk_scores(n, start, term, weight, segments[n], [], found, visible, skip=in_short)
            for key, value in scored:
                found[key] = value
                if len(best) < wanted:
                    heapq.heappush(best, value)
                elif value > best[0]:
                    heapq.heapreplace(best, value)
        return found

    def chunk_scores(self, n: int, start: int, term, weight, postings, later, found: dict, visible: bytes,
                     skip: bytes | None = None):
        """(key, score) of the visible documents of one chunk not scored yet. Those hold no query word
        in another field (they would be in `found`), so a document's score is its posting here plus,
        for each later word, that word's posting in this field (`later`: its postings in this segment
        and its weight; a bisect), added in order: each word's other field adds 0.0, no float changes.
        `skip`: bits (as bytes) of documents left to another list's chunks."""
        reader, offset = self.leaves[n]
        lengths = self.index.field_lengths(reader, term.fieldname)
        scale, constant, slope = weight.scale, weight.constant, weight.slope
        others = [(ids, weights, w.scale, w.constant, w.slope) for (ids, weights), w in later]
        ids, weights = postings
        order = self.index.impact_chunks(reader, term.fieldname, term.text, postings, CHUNK, constant, slope)[0]
        for place in order[start:start + CHUNK]:
            docnum = ids[place]
            key = offset + docnum
            if key in found or not visible[key >> 3] >> (key & 7) & 1:
                continue
            if skip is not None and skip[key >> 3] >> (key & 7) & 1:
                continue
            tf = weights[place]
            value = scale * tf / (tf + constant + slope * lengths[docnum])  # term()'s expression
            for other_ids, other_weights, other_scale, other_constant, other_slope in others:
                at = bisect_left(other_ids, docnum)  # there: the document matches that word in this field
                other_tf = other_weights[at]
                value = value + other_scale * other_tf / (other_tf + other_constant + other_slope * lengths[docnum])
            yield key, value

    def chunks(self, term, weight, segments, rest: float, tag=None):
        """(bound, segment, first place, `tag`) of each chunk of `term`'s postings in score order
        (SearchIndex.impact_chunks), best bound first, lazily (a query stops after a few): the score
        of its highest frequency in its shortest document (BM25F grows with the one, falls with the
        other, and so do rounded floats), plus `rest`."""
        scale, constant, slope = weight.scale, weight.constant, weight.slope

        def segment_chunks(n: int, reader, postings):  # a function: each generator keeps its own n
            bounds, starts = self.index.bound_order(reader, term.fieldname, term.text, postings, CHUNK, constant, slope)
            return (((scale * bound + rest) * BOUND_MARGIN, n, start, tag) for bound, start in zip(bounds, starts))

        return heapq.merge(*(segment_chunks(n, reader, postings)
                             for n, ((reader, _offset), postings) in enumerate(zip(self.leaves, segments))),
                           key=lambda chunk: -chunk[0])

    def highest_score(self, term, weight, segments) -> float:
        """At least the highest score of any posting of `term` (SearchIndex.best_pairs)."""
        scale, constant, slope = weight.scale, weight.constant, weight.slope
        return max((scale * top / (top + constant + slope * length)
                    for (reader, _offset), postings in zip(self.leaves, segments)
                    for top, length in self.index.best_pairs(reader, term.fieldname, term.text, postings)), default=0.0)

    def doc_scorer(self, parts, lists):
        """score(key): what `evaluate` gives global document `key`, a match of every part. `parts`:
        the words in narrowed_and's order, each [(term, weight)] of one or two fields; `lists`: their
        postings by segment. One bisect a term in its segment's arrays, no dictionary built."""
        by_segment = [(offset, [[(segments[n][0], segments[n][1], self.index.field_lengths(reader, term.fieldname),
                                  weight.scale, weight.constant, weight.slope)
                                 for (term, weight), segments in zip(part, part_lists)]
                                for part, part_lists in zip(parts, lists)])
                      for n, (reader, offset) in enumerate(self.leaves)]
        offsets = self.offsets

        def score(key: int) -> float:
            offset, words = by_segment[bisect_right(offsets, key) - 1]
            local = key - offset
            total = None
            for fields in words:
                value = None
                for ids, weights, lengths, scale, constant, slope in fields:
                    at = bisect_left(ids, local)
                    if at < len(ids) and ids[at] == local:  # term()'s expression: the same float
                        tf = weights[at]
                        one = scale * tf / (tf + constant + slope * lengths[local])
                    else:
                        one = 0.0  # exact: x + 0.0 == x, as the disjunction adds a missing field
                    value = one if value is None else value + one
                total = value if total is None else total + value
            return total

        return score

    def as_pair_term(self, node):
        """A phrase of two words as the one term it is in the pair field (and an Or of such phrases as
        an Or of those terms), when every segment has the pairs: phrase_by_pairs scores it as that term
        (the same expression on the same postings and lengths), so it ranks like a word. Anything
        else is returned as it is."""
        if isinstance(node, wq.Or) and node.subqueries:
            terms = [self.as_pair_term(child) for child in node.subqueries]
            return wq.Or(terms) if all(isinstance(term, wq.Term) for term in terms) else node
        if not isinstance(node, wq.Phrase) or node.slop != 1 or node.fieldname not in PAIR_FIELDS:
            return node
        words = [word for word in node.words if word]
        if len(words) != 2 or not all(self.index.has_pairs(reader) for reader, _offset in self.leaves):
            return node
        return wq.Term(PAIR_FIELDS[node.fieldname], word_pairs(words)[0], boost=node.boost)

    def word_terms(self, node) -> list | None:
        """[(term, weight)] of a word in one or two fields (a Term, or an Or of one or two), leaving out
        a field no document holds it in; None for another shape or an unscorable field."""
        terms = [node] if isinstance(node, wq.Term) else list(node.subqueries) if isinstance(node, wq.Or) else []
        if not 1 <= len(terms) <= 2 or not all(isinstance(term, wq.Term) for term in terms):
            return None
        if len({term.fieldname for term in terms}) < len(terms):  # one word in two fields, not two words
            return None
        weighted = [(term, self.weight(term.fieldname, term.text, term.boost)) for term in terms]
        weighted = [(term, weight) for term, weight in weighted if weight is not None]
        return weighted if all(weight.scorable for _term, weight in weighted) else None
