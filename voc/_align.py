"""Offset alignment between a raw text and its normalised form.

Normalisation deletes characters (HTML tags, zero-width spaces), replaces
some one-for-one (full width → half width, 體 → 体) and rewrites others as
phrases (記憶體 → 内存, ``<url>`` → ``[URL]``). An :class:`Alignment` records,
for every character of the output, where it came from in the input, compactly:
a list of *pieces*, each covering a run of output characters and either

* **exact**: the run corresponds character by character to an equally long
  run of the input, or
* **block**: the whole run came from one input range (a phrase rewrite); any
  position inside maps to the whole input range.

Input characters that were deleted belong to no piece; a span that encloses
them still covers them when mapped back, because raw offsets are contiguous.
Unchanged text is a single exact piece, so the common case costs nothing.

>>> a = Alignment.from_edits(7, [(0, 3, "")])        # "<b>好评!" → "好评!"
>>> a.to_raw(0, 2)
(3, 5)
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

__all__ = ["Alignment"]


class Alignment:
    """Maps spans of an output string back to spans of the input it came from.

    Parameters
    ----------
    out_len, in_len
        Lengths of the output and input strings.
    pieces
        ``(out_start, raw_start, raw_end, exact)`` tuples, sorted by
        ``out_start``, covering ``[0, out_len)`` without gaps; each piece ends
        where the next begins. Zero-length pieces are not allowed.
    """

    __slots__ = ("_exact", "_out", "_raw_end", "_raw_start", "in_len", "out_len")

    def __init__(
        self, out_len: int, in_len: int, pieces: Iterable[tuple[int, int, int, bool]]
    ) -> None:
        out, rs, re_, ex = [], [], [], []
        for o, s, e, x in pieces:
            out.append(o)
            rs.append(s)
            re_.append(e)
            ex.append(bool(x))
        self.out_len = out_len
        self.in_len = in_len
        self._out = out
        self._raw_start = rs
        self._raw_end = re_
        self._exact = ex

    # -- construction -------------------------------------------------------
    @classmethod
    def identity(cls, n: int) -> Alignment:
        """The alignment of a string with itself."""
        return cls(n, n, [(0, 0, n, True)] if n else [])

    @classmethod
    def from_edits(
        cls, in_len: int, edits: Sequence[tuple[int, int, str]]
    ) -> Alignment:
        """Build the alignment of applying ``edits`` to a string of length ``in_len``.

        ``edits`` are ``(start, end, replacement)`` on the input, sorted and not
        overlapping. A replacement of the same length as its range is exact
        (character by character); any other is a block. Use :func:`apply_edits`
        to get the output string together with its alignment.
        """
        pieces: list[tuple[int, int, int, bool]] = []
        pos = 0  # input position
        out = 0
        for start, end, rep in edits:
            if start > pos:
                pieces.append((out, pos, start, True))
                out += start - pos
            if rep:
                pieces.append((out, start, end, len(rep) == end - start))
                out += len(rep)
            pos = end
        if pos < in_len:
            pieces.append((out, pos, in_len, True))
            out += in_len - pos
        return cls(out, in_len, _merge(pieces))

    # -- queries ------------------------------------------------------------
    def _piece(self, pos: int) -> int:
        return bisect_right(self._out, pos) - 1

    def _raw_of_start(self, pos: int) -> int:
        if pos >= self.out_len:
            return self.in_len if not self._out else self._raw_end[-1]
        i = self._piece(pos)
        if self._exact[i]:
            return self._raw_start[i] + (pos - self._out[i])
        return self._raw_start[i]

    def _raw_of_end(self, pos: int) -> int:
        # raw end of the output character at pos - 1
        i = self._piece(pos - 1)
        if self._exact[i]:
            return self._raw_start[i] + (pos - self._out[i])
        return self._raw_end[i]

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Map the output span ``[start, end)`` to the input span it came from.

        An empty span maps to an empty span at the corresponding input position.
        """
        if not 0 <= start <= end <= self.out_len:
            raise IndexError(
                f"span ({start}, {end}) is outside the normalised text of length {self.out_len}"
            )
        rs = self._raw_of_start(start)
        if end == start:
            return rs, rs
        return rs, self._raw_of_end(end)

    @property
    def is_identity(self) -> bool:
        """True when output and input are the same characters."""
        return self.out_len == self.in_len and (
            not self._out or (len(self._out) == 1 and self._exact[0] and self._raw_start[0] == 0)
        )

    def pieces(self) -> list[tuple[int, int, int, int, bool]]:
        """``(out_start, out_end, raw_start, raw_end, exact)`` for every piece."""
        ends = self._out[1:] + [self.out_len]
        return list(zip(self._out, ends, self._raw_start, self._raw_end, self._exact))

    def compose(self, inner: Alignment) -> Alignment:
        """Chain two stages: ``self`` maps C→B and ``inner`` maps B→A; the result maps C→A."""
        if inner.is_identity:
            return Alignment(self.out_len, inner.in_len, zip(self._out, self._raw_start, self._raw_end, self._exact))
        if self.is_identity:
            return inner
        result: list[tuple[int, int, int, bool]] = []
        for o0, o1, m0, m1, exact in self.pieces():
            if not exact or m1 == m0:
                if m1 > m0:
                    a, b = inner.to_raw(m0, m1)
                elif 0 < m0 < inner.out_len and not inner._exact[j := inner._piece(m0)] \
                        and inner._out[j] < m0:
                    # inserted inside a phrase rewrite of the inner stage: it belongs to that phrase
                    a, b = inner._raw_start[j], inner._raw_end[j]
                else:  # inserted text: anchor to the position it was inserted at
                    a = b = inner._raw_of_start(m0)
                result.append((o0, a, b, False))
                continue
            # exact piece: split it where inner's pieces change
            m = m0
            while m < m1:
                j = inner._piece(m)
                j_end = inner._out[j + 1] if j + 1 < len(inner._out) else inner.out_len
                stop = min(m1, j_end)
                o = o0 + (m - m0)
                if inner._exact[j]:
                    a = inner._raw_start[j] + (m - inner._out[j])
                    result.append((o, a, a + (stop - m), True))
                else:
                    result.append((o, inner._raw_start[j], inner._raw_end[j], False))
                m = stop
        return Alignment(self.out_len, inner.in_len, _merge(result))

    # -- plumbing -----------------------------------------------------------
    def __getstate__(self):
        return (self.out_len, self.in_len, self._out, self._raw_start, self._raw_end, self._exact)

    def __setstate__(self, state) -> None:
        (self.out_len, self.in_len, self._out, self._raw_start, self._raw_end, self._exact) = state

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Alignment):
            return NotImplemented
        return self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash((self.out_len, self.in_len, len(self._out)))

    def __repr__(self) -> str:
        return f"Alignment(out_len={self.out_len}, in_len={self.in_len}, pieces={len(self._out)})"


def _merge(pieces: list[tuple[int, int, int, bool]]) -> list[tuple[int, int, int, bool]]:
    """Join neighbouring exact pieces that continue each other in the input."""
    merged: list[tuple[int, int, int, bool]] = []
    for p in pieces:
        if merged:
            o, s, e, x = merged[-1]
            if x and p[3] and p[1] == e and p[0] - o == e - s:
                merged[-1] = (o, s, p[2], True)
                continue
            if not x and not p[3] and p[1] == s and p[2] == e:
                continue  # same block continues
        merged.append(p)
    return merged


def apply_edits(text: str, edits: Sequence[tuple[int, int, str]]) -> tuple[str, Alignment]:
    """Apply sorted, non-overlapping ``(start, end, replacement)`` edits to ``text``.

    >>> apply_edits("ＡＢ好", [(0, 2, "AB")])[0]
    'AB好'
    """
    if not edits:
        return text, Alignment.identity(len(text))
    parts: list[str] = []
    pos = 0
    for start, end, rep in edits:
        parts.append(text[pos:start])
        parts.append(rep)
        pos = end
    parts.append(text[pos:])
    return "".join(parts), Alignment.from_edits(len(text), edits)
