"""Split a text into clauses: the unit for clause-level sentiment and opinions.

A clause ends at a run of delimiters: Chinese and ASCII sentence and clause
punctuation (``。！？!?；;，,、…～~``), emoji, or a line break. The delimiter run
**stays attached** to the clause it ends (``"太慢了！！"``, ``"好吃😋"``): "!!"
and "?" carry intensity and rhetorical questions, emoji carry sentiment.
Line breaks are not attached, whitespace at the edges of a clause is left
out, and a piece without any letter, digit, Han character or emoji (a
leading "，，" or a stray bracket) is not a clause.

ASCII ``.``, ``,`` and ``~`` inside numbers and names do not split:
``1.5``, ``1,000``, ``3~5天``, ``t.cn``, ``Wi-Fi``. Spans are
:class:`voc.Span` objects whose offsets index the input string, so
``text[s.start:s.end] == s.text``.
"""

from __future__ import annotations

import re

from .._input import as_text
from .._types import Span

__all__ = ["split_clauses"]

# Pictographs, dingbats, misc symbols and technical signs, plus the joiners
# and modifiers of emoji sequences (ZWJ, VS-16, keycap, tags), so that a ZWJ
# sequence stays in one run.
_EMOJI = (
    "\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF"
    "\u200D\uFE0F\u20E3\U000E0020-\U000E007F"
)
_ALWAYS = "。！？!?；;、…⋯｡︒"
_DELIM = (
    rf"[{_ALWAYS}{_EMOJI}]"
    r"|，"
    r"|(?<!\d),|,(?!\d)"  # 1,000 is a number
    r"|(?<![0-9A-Za-z])\.|\.(?![0-9A-Za-z])"  # 1.5, t.cn
    r"|(?<!\d)[~～]|[~～](?!\d)"  # 3~5天
)
_SPLIT = re.compile(
    rf"(?P<delim>(?:{_DELIM})+(?:[^\S\r\n\u2028\u2029\x85]*(?:{_DELIM})+)*)"
    r"|(?P<newline>[\r\n\u2028\u2029\x0b\x0c\x85]+)"
)
_CONTENT = re.compile(rf"[^\W_]|[{_EMOJI}]")


def _emit(text: str, start: int, end: int, out: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        piece = text[start:end]
        if _CONTENT.search(piece):
            out.append(Span(start, end, piece))


def split_clauses(text: str) -> list[Span]:
    """Clauses of ``text`` with their offsets; delimiters stay attached.

    Parameters
    ----------
    text : str
        A text, normally already normalised (offsets index this string).

    Returns
    -------
    list of Span
        ``Span(start, end, text)`` per clause, in order; ``[]`` for a text
        with no content.

    Examples
    --------
    >>> [s.text for s in split_clauses("物流很快！客服态度差😡\\n不会再买了。。。")]
    ['物流很快！', '客服态度差😡', '不会再买了。。。']
    >>> split_clauses("价格1.5元,还行")
    [Span(0, 7, '价格1.5元,'), Span(7, 9, '还行')]
    """
    if text.__class__ is not str:
        text = as_text(text)
    out: list[Span] = []
    pos = 0
    for m in _SPLIT.finditer(text):
        if m.lastgroup == "newline":
            _emit(text, pos, m.start(), out)
        else:
            _emit(text, pos, m.end(), out)
        pos = m.end()
    _emit(text, pos, len(text), out)
    return out
