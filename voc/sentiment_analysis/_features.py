"""Feature extraction for the linear sentiment model: fast, exact, offset-aware.

Two feature families, both looked up in tables the model stores as arrays:

* **character 1–3-grams** of the normalised text (ASCII lower-cased). A gram is
  encoded *exactly* as one ``int64`` (``c0 << 42 | c1 << 21 | c2``: a code point
  needs 21 bits), so the vocabulary is a numpy open-addressing hash table
  (:class:`CodeTable`) and a whole batch is looked up with a few vectorised
  gathers, no Python loop over grams. Grams made only of punctuation or spaces
  are never features (they would only add noise to the evidence).
* **words and word bigrams** from the :class:`voc.segmentation.Segmenter` tokens,
  looked up in plain dicts (``str`` and ``(str, str)`` keys).

Every occurrence of a known feature contributes ``weight / sqrt(n)`` to a text's
score, where ``n`` is the number of feature occurrences the text produced
(known or not): a count vector scaled to unit length for the common case of no
repeats. Because the score is a plain sum of per-occurrence contributions,
each contribution can be attributed to the characters it covers; that is where
:attr:`voc.Sentiment.evidence` comes from (see ``model.py``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

__all__ = ["CodeTable", "char_codes", "gram_codes", "punct_mask"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
EMPTY = np.int64(-1)


@lru_cache(maxsize=1)
def _punct_table() -> np.ndarray:
    """Boolean table over the BMP: True for punctuation, separators, controls, math/modifier symbols."""
    table = np.zeros(0x10000 + 1, dtype=bool)
    for cp in range(0x10000):
        cat = unicodedata.category(chr(cp))
        if cat[0] in "PZC" or cat in ("Sm", "Sk"):
            table[cp] = True
    table[0x10000] = False  # everything above the BMP (emoji) is content
    # surrogates and private use are "C" already; keep CJK symbols such as ★ ♥ (So) as content
    return table


def char_codes(text: str) -> np.ndarray:
    """Code points of ``text`` as int64, ASCII upper case folded to lower case."""
    u = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    upper = (u >= 65) & (u <= 90)
    if upper.any():
        u = u + upper * 32
    return u


def punct_mask(u: np.ndarray) -> np.ndarray:
    """True where the code point is punctuation/space (never part of evidence)."""
    return _punct_table()[np.minimum(u, 0x10000)]


def gram_codes(u: np.ndarray, p: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Exact int64 codes of the 1-, 2- and 3-grams of ``u`` and whether each is a feature.

    Returns ``(codes, valid)``: for order ``n`` (index ``n - 1``), ``codes[n-1][i]``
    encodes ``u[i:i+n]`` and ``valid[n-1][i]`` is False when every character of the
    gram is punctuation (such grams are not features).
    """
    n = len(u)
    c1 = u
    v1 = ~p
    if n >= 2:
        c2 = (u[:-1] << 21) | u[1:]
        v2 = v1[:-1] | v1[1:]
    else:
        c2 = u[:0]
        v2 = v1[:0]
    if n >= 3:
        c3 = (u[:-2] << 42) | (u[1:-1] << 21) | u[2:]
        v3 = v2[:-1] | v1[2:]
    else:
        c3 = u[:0]
        v3 = v1[:0]
    return [c1, c2, c3], [v1, v2, v3]


class CodeTable:
    """An int64 → int32 map as two numpy arrays (open addressing, linear probing).

    Missing codes map to 0 (the model reserves feature 0 as "unknown", weight 0).
    Built once at fit time and saved as arrays, so loading is a plain ``np.load``.
    """

    __slots__ = ("bits", "keys", "max_probe", "vals")

    def __init__(self, keys: np.ndarray, vals: np.ndarray, max_probe: int) -> None:
        self.keys = keys
        self.vals = vals
        self.bits = int(len(keys)).bit_length() - 1
        self.max_probe = int(max_probe)

    @classmethod
    def build(cls, codes: np.ndarray, ids: np.ndarray, *, load: float = 0.2) -> CodeTable:
        """Table mapping ``codes[i]`` (distinct) to ``ids[i]``."""
        bits = max(4, int(np.ceil(np.log2(max(len(codes), 1) / load))))
        size = 1 << bits
        keys = np.full(size, EMPTY, dtype=np.int64)
        vals = np.zeros(size, dtype=np.int32)
        slots = _slots(codes, bits)
        pending = np.arange(len(codes))
        probe = 0
        while len(pending):
            s = (slots[pending] + probe) & (size - 1)
            free = keys[s] == EMPTY
            # among the pending codes that hit a free slot, the first per slot wins
            cand = pending[free]
            cs = s[free]
            _, first = np.unique(cs, return_index=True)
            win = cand[first]
            keys[cs[first]] = codes[win]
            vals[cs[first]] = ids[win]
            placed = np.zeros(len(codes), dtype=bool)
            placed[win] = True
            pending = pending[~placed[pending]]
            probe += 1
        return cls(keys, vals, max(probe, 1))

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        """Feature ids of ``codes`` (0 where absent)."""
        size_mask = (1 << self.bits) - 1
        s = _slots(codes, self.bits)
        keys = self.keys
        # the first probe over all codes (most end there: found, or an empty slot) ...
        k = keys[s]
        hit = k == codes
        out = np.zeros(len(codes), dtype=np.int32)
        out[hit] = self.vals[s[hit]]
        todo = np.flatnonzero(~hit & (k != EMPTY))
        s = (s[todo] + 1) & size_mask
        # ... then the next slots for the codes still looking
        for _ in range(self.max_probe - 1):
            if not len(todo):
                break
            k = keys[s]
            hit = k == codes[todo]
            out[todo[hit]] = self.vals[s[hit]]
            go_on = ~hit & (k != EMPTY)
            todo = todo[go_on]
            s = (s[go_on] + 1) & size_mask
        return out


def _slots(codes: np.ndarray, bits: int) -> np.ndarray:
    # the int64 codes' bits as uint64 (a view, no copy), times the golden ratio (wraps modulo
    # 2**64: array arithmetic never warns), top ``bits`` bits (they fit an int64: a view again)
    h = np.ascontiguousarray(codes, dtype=np.int64).view(np.uint64) * _GOLDEN
    return (h >> np.uint64(64 - bits)).view(np.int64)


def token_keys(words: Sequence[str]) -> list[str]:
    """Word feature keys: lower-cased token texts."""
    return [w.lower() for w in words]
