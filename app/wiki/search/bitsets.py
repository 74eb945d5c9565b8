"""Sets of document numbers as the bits of one Python int: bit d set means document d is in.

At 100,000 pages a common word matches most documents: Python sets of them cost milliseconds to
build, to intersect with each tag and to count, and about 50 bytes a member. An int holds 64
documents in 8 bytes, and its AND, OR, AND NOT and bit_count() run in C. Testing one member of a
big int (`bits >> d & 1`) copies the whole int, so hot loops test a `Lookup` (its bytes) instead."""

import functools
import operator
from collections import deque
from itertools import repeat

ONE = ord("1")
FEW = 64  # fewer numbers than this: OR their single bits (each shift costs only up to its own bit)


def from_numbers(numbers, size: int) -> int:
    """The bits of these document numbers, each below `size`.

    The loop setting one digit per number runs in C (map over bytearray.__setitem__), and int()
    reads base-2 digits in linear time: about 30 ns a number, where set(numbers) costs about as much
    and every later operation on the set costs as much again."""
    if not size:
        return 0
    if len(numbers) < FEW:
        return functools.reduce(operator.or_, map((1).__lshift__, numbers), 0)
    digits = bytearray(b"0") * size
    deque(map(digits.__setitem__, numbers, repeat(ONE)), maxlen=0)
    digits.reverse()  # int() reads the highest digit first
    return int(digits, 2)


def below(size: int) -> int:
    """Every document number below `size`."""
    return (1 << size) - 1


class Lookup:
    """Constant-time membership in a bit set: the int's bytes, read once (O(n) like one AND)."""
    __slots__ = ("raw",)

    def __init__(self, bits: int, size: int):
        self.raw = bits.to_bytes((max(size, bits.bit_length()) + 7) // 8, "little")

    def __contains__(self, docnum: int) -> bool:
        return self.raw[docnum >> 3] >> (docnum & 7) & 1 == 1


def lowest(bits: int, count: int) -> list[int]:
    """The `count` lowest members, in increasing order."""
    found = []
    raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for at, byte in enumerate(raw):
        while byte and len(found) < count:
            low = byte & -byte
            found.append(at * 8 + low.bit_length() - 1)
            byte ^= low
        if len(found) >= count:
            break
    return found


def members(bits: int) -> set[int]:
    """Every member, as a set (for Whoosh's own scorer, which takes sets)."""
    return set(lowest(bits, bits.bit_count()))
