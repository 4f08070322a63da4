"""Feature functions shared by training (models/opinions/train.py) and extraction.

Kept in one place so the shipped weights and the code that reads them can
never disagree on what a feature means.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence

__all__ = [
    "Lexicon",
    "category_features",
    "pair_features",
    "pair_features_from_key",
    "pair_key",
    "pair_keys",
    "polarity_features",
    "polarity_features_from_key",
    "polarity_key",
    "boundaries",
    "negated_polarity",
    "sentence_ids",
    "unit_features",
]

_CLAUSE = set("，,；;、 ：:")
_SENT_END = set("。！？!?～~\n…")
_NEGATORS = "不没无非别未勿莫"
_CLAUSE_RE = re.compile("[" + re.escape("".join(sorted(_CLAUSE))) + "]")
_SENT_END_RE = re.compile("[" + re.escape("".join(sorted(_SENT_END))) + "]")
_BOUNDARY_RE = re.compile("[" + re.escape("".join(sorted(_CLAUSE | _SENT_END))) + "]")
_CONTRAST = ("但是", "但", "不过", "可是", "却", "就是", "只是", "然而", "可惜")
_CONTRAST_RE = re.compile("|".join(_CONTRAST))
_NEGATOR_SET = frozenset(_NEGATORS)


def _bucket(d: int) -> str:
    if d <= 2:
        return str(d)
    if d <= 4:
        return "3-4"
    if d <= 8:
        return "5-8"
    if d <= 14:
        return "9-14"
    return "15+"


def sentence_ids(text: str) -> list[int]:
    """Sentence number of every character (a sentence ends at 。！？!?～ or a line break)."""
    out, k = [], 0
    for ch in text:
        out.append(k)
        if ch in _SENT_END:
            k += 1
    return out


def pair_key(text: str, a: tuple[int, int], o: tuple[int, int],
             aspects: Sequence[tuple[int, int]], opinions: Sequence[tuple[int, int]]) -> tuple[object, ...]:
    """Everything the pair scorer looks at, as a hashable key (used to memoise scores)."""
    a0, a1 = a
    o0, o1 = o
    if a1 <= o0:
        d, lo, hi = "AO", a1, o0
    elif o1 <= a0:
        d, lo, hi = "OA", o1, a0
    else:
        d, lo, hi = "OV", o0, o0
    gap = text[lo:hi]
    npunct = min(sum(ch in _CLAUSE for ch in gap), 2)
    nend = min(sum(ch in _SENT_END for ch in gap), 1)
    ob = ab = 0
    for s, e in opinions:
        if s >= lo and e <= hi and (s, e) != o:
            ob += 1
    for s, e in aspects:
        if s >= lo and e <= hi and (s, e) != a:
            ab += 1

    def dist(x: tuple[int, int], y: tuple[int, int]) -> int:
        return max(y[0] - x[1], x[0] - y[1], 0)

    nearest_a = min(aspects, key=lambda x: (dist(x, o), x[0] > o[0])) == a
    nearest_o = min(opinions, key=lambda x: (dist(a, x), x[0] < a[0])) == o
    return (d, len(gap), gap if len(gap) <= 3 else None, npunct, nend, min(ob, 2), min(ab, 2),
            nearest_a, nearest_o, text[a0:a1], text[o0:o1])


def pair_keys(text: str, aspects: Sequence[tuple[int, int]],
              opinions: Sequence[tuple[int, int]]) -> list[tuple[object, ...]]:
    """:func:`pair_key` for every ``(a, o)`` in ``[(a, o) for o in opinions for a in aspects]``, fast.

    Spans come sorted and non-overlapping from the tagger; the neighbours and
    the counts between two spans are computed once per text, not per pair
    (``test_features.py`` checks it equals :func:`pair_key`).
    """
    cpos = [m.start() for m in _CLAUSE_RE.finditer(text)]
    epos = [m.start() for m in _SENT_END_RE.finditer(text)]
    bl = bisect.bisect_left
    br = bisect.bisect_right
    a_st = [s for s, _ in aspects]
    a_en = [e for _, e in aspects]
    o_st = [s for s, _ in opinions]
    o_en = [e for _, e in opinions]

    def dist(x: tuple[int, int], y: tuple[int, int]) -> int:
        return max(y[0] - x[1], x[0] - y[1], 0)

    near_a = {o: min(aspects, key=lambda x: (dist(x, o), x[0] > o[0])) for o in opinions}
    near_o = {a: min(opinions, key=lambda x: (dist(a, x), x[0] < a[0])) for a in aspects}
    a_txt = {a: text[a[0]:a[1]] for a in aspects}
    keys = []
    for o in opinions:
        o0, o1 = o
        op = text[o0:o1]
        for a in aspects:
            a0, a1 = a
            if a1 <= o0:
                d, lo, hi = "AO", a1, o0
            elif o1 <= a0:
                d, lo, hi = "OA", o1, a0
            else:
                d, lo, hi = "OV", o0, o0
            n = hi - lo
            ob = br(o_en, hi) - bl(o_st, lo)
            ab = br(a_en, hi) - bl(a_st, lo)
            npunct = bl(cpos, hi) - bl(cpos, lo)
            nend = bl(epos, hi) - bl(epos, lo)
            keys.append((d, n, text[lo:hi] if n <= 3 else None, npunct if npunct < 2 else 2,
                         nend if nend < 1 else 1, (ob if ob < 2 else 2) if ob > 0 else 0,
                         (ab if ab < 2 else 2) if ab > 0 else 0,
                         near_a[o] == a, near_o[a] == o, a_txt[a], op))
    return keys


def pair_features_from_key(key: tuple[object, ...], domain: str) -> list[str]:
    d, n, gap, npunct, nend, ob, ab, nearest_a, nearest_o, asp, op = key
    db = _bucket(n)  # type: ignore[arg-type]
    f = [
        f"d={d}", f"db={d}{db}", f"p={d}{npunct}", f"e={nend}", f"ob={ob}", f"ab={ab}",
        f"dpo={d}{db}{npunct}{ob}", f"dpa={d}{npunct}{ab}", f"na={nearest_a}{d}", f"no={nearest_o}{d}",
        f"nn={nearest_a}{nearest_o}{npunct}{nend}", f"a={asp}", f"o1={op[:1]}", f"a-1={asp[-1:]}",  # type: ignore[index]
        f"ol={min(len(op), 5)}",  # type: ignore[arg-type]
    ]
    if gap is not None:
        f.append(f"g={d}{gap}")
    f.append(f"a|o={asp}|{op}")
    f += [f"{domain}|{x}" for x in f[:11]]
    return f


def pair_features(text: str, a: tuple[int, int], o: tuple[int, int],
                  aspects: Sequence[tuple[int, int]], opinions: Sequence[tuple[int, int]],
                  domain: str) -> list[str]:
    """Features of a candidate (aspect span, opinion span) pair."""
    return pair_features_from_key(pair_key(text, a, o, aspects, opinions), domain)


class Lexicon:
    """Polar words (from the taxonomy's level-3 keywords), matched longest first inside an opinion."""

    def __init__(self, words: Mapping[str, str]) -> None:
        self.words = dict(words)
        alts = sorted(self.words, key=len, reverse=True)
        self._re = re.compile("|".join(re.escape(w) for w in alts)) if alts else None

    def features(self, op: str) -> list[str]:
        if self._re is None:
            return []
        out = []
        for m in self._re.finditer(op):
            # negation scope: the few characters just before the word (不太新鲜, 并不便宜)
            window = op[max(0, m.start() - 3):m.start()]
            neg = sum(window.count(n) for n in _NEGATORS) % 2
            out.append(f"lex={self.words[m.group(0)]}{neg}")
        return out


def boundaries(text: str) -> list[int]:
    """Positions of clause and sentence boundaries (for :func:`polarity_key`)."""
    return [m.start() for m in _BOUNDARY_RE.finditer(text)]


_NEGATED = re.compile(r"^(?:并不|毫不|一点(?:也|都)不|不是很|不怎么|不太|不够|不|没有|没)(?:太|很|够|是)?(.+)$")
_FLIP = {"positive": "negative", "negative": "positive"}


def negated_polarity(op: str, lexicon: Lexicon) -> str | None:
    """Polarity of "negator + one known polar word" (不耐用 → negative, 不贵 → positive), else ``None``.

    A rule over the model: used when the classifier gave the word's own
    polarity, i.e. missed the negation of a word it saw rarely.
    """
    m = _NEGATED.match(op)
    if m is None or lexicon._re is None:
        return None
    rest = m.group(1).rstrip("了的啊呀哦")
    w = lexicon._re.match(rest)
    if w is None or w.end() != len(rest):
        return None
    return _FLIP.get(lexicon.words[w.group(0)])


def polarity_key(text: str, aspect: str, o: tuple[int, int],
                 bounds: list[int] | None = None) -> tuple[object, ...]:
    """Everything the polarity model looks at, as a hashable key (used to memoise).

    ``bounds`` (from :func:`boundaries`) saves rescanning the text for each unit.
    """
    o0, o1 = o
    pre = text[max(0, o0 - 3):o0]
    if bounds is None:
        start = o0
        while start > 0 and text[start - 1] not in _CLAUSE and text[start - 1] not in _SENT_END:
            start -= 1
    else:
        k = bisect.bisect_left(bounds, o0)
        start = bounds[k - 1] + 1 if k else 0
    clause = text[max(0, start - 4):o0]
    after = text[o1:o1 + 3]
    return (text[o0:o1], aspect, pre, text[o1:o1 + 2],
            not _NEGATOR_SET.isdisjoint(pre),
            _CONTRAST_RE.search(clause) is not None,  # "但是包装破损了": a contrast word earlier in the clause
            "吗" in after or "？" in after or "?" in after)


def polarity_features_from_key(key: tuple[object, ...], lexicon: Lexicon | None = None) -> list[str]:
    op, aspect, pre, post, preneg, contrast, question = key
    assert isinstance(op, str) and isinstance(aspect, str) and isinstance(pre, str) and isinstance(post, str)
    f = [f"o={op}", f"a|o={aspect}|{op}", f"a={aspect}"]
    if lexicon is not None:
        f += lexicon.features(op)
    f += [f"c={ch}" for ch in op]
    f += [f"b={op[i:i + 2]}" for i in range(len(op) - 1)]
    f += [f"t={op[i:i + 3]}" for i in range(len(op) - 2)]
    f += [f"a|c={aspect}|{ch}" for ch in op] if aspect else []
    neg = sum(op.count(n) for n in _NEGATORS)
    f.append(f"neg={neg % 2}{min(neg, 2)}")
    f += [f"p1={pre[-1:]}", f"p2={pre[-2:]}", f"n1={post[:1]}", f"n2={post}"]
    if preneg:
        f.append("preneg")
    if contrast:
        f.append("contrast")
    if question:
        f.append("question")
    return f


def polarity_features(text: str, aspect: str, o: tuple[int, int], lexicon: Lexicon | None = None) -> list[str]:
    """Features for the polarity of the opinion at ``o`` about ``aspect`` ("" when implicit)."""
    return polarity_features_from_key(polarity_key(text, aspect, o), lexicon)


def category_features(aspect: str, opinion: str, tax_feats: Sequence[str]) -> list[str]:
    """Features for the level-1 category of an (aspect, opinion) unit."""
    f = [f"a={aspect}", f"o={opinion}", f"a|o={aspect}|{opinion}"] if aspect else ["noasp", f"io={opinion}"]
    f += [f"ac={ch}" for ch in aspect]
    f += [f"ab={aspect[i:i + 2]}" for i in range(len(aspect) - 1)]
    f += [f"ob={opinion[i:i + 2]}" for i in range(len(opinion) - 1)]
    f += [f"oc={ch}" for ch in opinion]
    f += list(tax_feats)
    return f


_PUNCT = _CLAUSE | _SENT_END


def unit_features(text: str, a: tuple[int, int] | None, o: tuple[int, int], polarity: str,
                  n_units: int) -> list[str]:
    """Features of a finished unit for the unit filter: would this annotation style mark it?

    The ASTE restaurant annotators mark some of a review's opinions, not all; a
    filter learned from what the tagger finds and what they marked drops the
    units they tend to leave out (long implicit clauses, hedges).
    """
    s0, s1 = o
    op = text[s0:s1]
    asp = text[a[0]:a[1]] if a else ""
    return [
        f"o={op}", f"o1={op[:1]}", f"o2={op[:2]}", f"oe={op[-1:]}", f"ol={min(len(op), 12)}", f"a={asp}",
        f"pol={polarity}", f"imp={a is None}", f"adj={a is not None and a[1] == s0}",
        f"nx={text[s1:s1 + 1]}", f"pv={text[max(0, s0 - 1):s0]}",
        f"pc={not _PUNCT.isdisjoint(op)}", f"n={min(n_units, 5)}",
        f"end={s1 == len(text) or text[s1] in _PUNCT}", f"st={s0 == 0 or text[s0 - 1] in _PUNCT}",
        f"ae={asp[-1:]}", f"pol|o1={polarity}|{op[:1]}",
    ]
