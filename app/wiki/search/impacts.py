"""What ranking from chunks keeps of a long posting list (top_scoring.py), per segment: its postings
in score order, chunked, and its best (frequency, length) pairs. A segment never changes, so what is
kept is never stale; BM25F's parameters do change (the average length moves with each edit), which
only loosens the order, never the bounds built on it."""

import threading
from array import array
from collections import OrderedDict

# Postings in score order, kept per process: 4 bytes a posting and 12 a chunk, least recently used
# dropped past this (at 100,000 pages a common word's body list is 90,000 postings, 0.4 MB).
MAX_KEPT_IMPACT_BYTES = 4_000_000
MAX_KEPT_BOUND_ORDERS = 64  # chunk bounds in order, per list and parameters (12 bytes a chunk)
RUN = 256  # postings a best pair is read from
MAX_KEPT_PAIRS = 4096  # lists whose best pairs are kept (a handful of pairs each)


class KeptImpacts:
    def __init__(self):
        self._orders: OrderedDict[tuple, tuple[array, array, array]] = OrderedDict()  # least recently used first
        self._size = 0
        self._pairs: dict[tuple, list[tuple[float, int]]] = {}
        self._bound_orders: dict[tuple, tuple[array, array]] = {}
        self._lock = threading.Lock()

    def chunks(self, key: tuple, postings, lengths, size: int, constant: float, slope: float):
        """A long list of one segment (`postings`: its numbers and frequencies; `lengths`: the
        segment's field lengths) in chunks of `size` postings by decreasing score: (the postings'
        places in `postings`, in that order; each chunk's highest frequency; each chunk's shortest
        length). In docnum order every chunk of a common word holds some high frequency in some short
        page, so its bound is near the best and most chunks were scored (12,900 of 74,300 matches at
        100,000 pages; 673 in score order). Ordered with the BM25F of the query that asked first
        (`constant`, `slope`)."""
        with self._lock:
            kept = self._orders.get(key)
            if kept is not None:
                self._orders.move_to_end(key)
                return kept
        ids, weights = postings
        impact = [tf / (tf + constant + slope * lengths[docnum]) for docnum, tf in zip(ids, weights)]
        order = array("I", sorted(range(len(impact)), key=impact.__getitem__, reverse=True))
        tops, shortest = array("d"), array("I")
        for start in range(0, len(order), size):
            chunk = order[start:start + size]
            tops.append(max(map(weights.__getitem__, chunk)))
            shortest.append(min(lengths[ids[place]] for place in chunk))
        found = order, tops, shortest
        with self._lock:
            if key not in self._orders:
                self._orders[key] = found
                self._size += 4 * len(order) + 12 * len(tops)
                while self._size > MAX_KEPT_IMPACT_BYTES and len(self._orders) > 1:
                    _key, (dropped, dropped_tops, _shortest) = self._orders.popitem(last=False)
                    self._size -= 4 * len(dropped) + 12 * len(dropped_tops)
        return found

    def bound_order(self, key: tuple, chunks, size: int, constant: float, slope: float) -> tuple[array, array]:
        """The chunks of `chunks` (as `chunks` returns them) best bound first: (each one's bound without
        the word's scale, the place of its first posting), kept per list and parameters: a query
        multiplies them by its scale and stops after a few (sorting 2,800 chunks of a common word
        took 0.5 ms of each query at 100,000 pages). New parameters (an edit moved the average
        length) are ordered again."""
        full = key + (constant, slope)
        found = self._bound_orders.get(full)
        if found is None:
            _order, tops, shortest = chunks
            bounds = [top / (top + constant + slope * length) for top, length in zip(tops, shortest)]
            ranked = sorted(range(len(bounds)), key=bounds.__getitem__, reverse=True)
            found = array("d", map(bounds.__getitem__, ranked)), array("I", (n * size for n in ranked))
            if len(self._bound_orders) > MAX_KEPT_BOUND_ORDERS:
                self._bound_orders.clear()
            self._bound_orders[full] = found
        return found

    def best_pairs(self, key: tuple, postings, lengths) -> list[tuple[float, int]]:
        """The (frequency, length) pairs of a list's postings that no other beats on both (at least as
        frequent, in a document at most as long): the highest score of any posting is one of theirs,
        whatever BM25F's parameters. Read from runs of RUN postings, so a pair may be no posting's,
        but none is below a real one (an upper bound)."""
        found = self._pairs.get(key)
        if found is None:
            ids, weights = postings
            runs = sorted(((max(weights[start:start + RUN]), min(map(lengths.__getitem__, ids[start:start + RUN])))
                           for start in range(0, len(ids), RUN)), key=lambda pair: (-pair[0], pair[1]))
            found, shortest = [], None
            for top, length in runs:  # most frequent first: keep each pair shorter than all before it
                if shortest is None or length < shortest:
                    found.append((top, length))
                    shortest = length
            if len(self._pairs) > MAX_KEPT_PAIRS:
                self._pairs.clear()
            self._bound_orders.clear()
            self._pairs[key] = found
        return found

    def clear(self) -> None:
        with self._lock:
            self._orders.clear()
            self._size = 0
            self._pairs.clear()
            self._bound_orders.clear()
