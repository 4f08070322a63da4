"""Feature functions shared by training (models/opinions/train.py) and extraction.

Kept in one place so the shipped weights and the code that reads them can
never disagree on what a feature means.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from typing import Any

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
    "memo_put",
    "refine_bounds",
    "refine_candidates",
    "refine_features",
    "boundaries",
    "negated_polarity",
    "sentence_ids",
    "unit_context",
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
_MEMO_MAX = 1 << 17  # entries of each memo (Lexicon, pair_features_from_key): cleared when full


def memo_put(memo: dict[Any, Any], key: Any, value: Any, limit: int = _MEMO_MAX) -> None:
    """Store ``value`` in a bounded memo, emptying it first when it holds more than ``limit`` entries.

    The memos hold values that depend only on their key, so emptying one (or two threads
    storing the same key) never changes a result.
    """
    if len(memo) > limit:
        memo.clear()
    memo[key] = value


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
    the counts between two spans are computed once per call, not per pair
    (``test_features.py`` checks it equals :func:`pair_key`). The punctuation is
    looked for only between the first and the last offset of the spans (every gap
    lies there), so pairing a long text sentence by sentence reads each sentence
    once, not the whole text once per sentence.
    """
    bl = bisect.bisect_left
    br = bisect.bisect_right
    a_st = [s for s, _ in aspects]
    a_en = [e for _, e in aspects]
    o_st = [s for s, _ in opinions]
    o_en = [e for _, e in opinions]
    if not aspects or not opinions:
        cpos: list[int] = []
        epos: list[int] = []
    else:
        lo_all = min(min(a_st), min(o_st))
        hi_all = max(max(a_en), max(o_en))
        cpos = [m.start() for m in _CLAUSE_RE.finditer(text, lo_all, hi_all)]
        epos = [m.start() for m in _SENT_END_RE.finditer(text, lo_all, hi_all)]

    # nearest aspect of each opinion / opinion of each aspect: the first span with the smallest
    # (distance, tie flag), as min(..., key=...) in pair_key picks it; plain loops, no key calls
    near_a: dict[tuple[int, int], tuple[int, int]] = {}
    for o in opinions:
        o0, o1 = o
        best, bk = aspects[0], -1
        for x in aspects:
            d = o0 - x[1] if o0 - x[1] > x[0] - o1 else x[0] - o1
            k = (d if d > 0 else 0) * 2 + (x[0] > o0)
            if bk < 0 or k < bk:
                best, bk = x, k
        near_a[o] = best
    near_o: dict[tuple[int, int], tuple[int, int]] = {}
    for a in aspects:
        a0, a1 = a
        best, bk = opinions[0], -1
        for x in opinions:
            d = x[0] - a1 if x[0] - a1 > a0 - x[1] else a0 - x[1]
            k = (d if d > 0 else 0) * 2 + (x[0] < a0)
            if bk < 0 or k < bk:
                best, bk = x, k
        near_o[a] = best
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


def pair_features_from_key(key: tuple[object, ...], domain: str,
                           memo: dict[tuple[object, ...], tuple[tuple[str, ...], tuple[str, ...]]] | None = None
                           ) -> list[str]:
    """Features of a pair from its :func:`pair_key`.

    ``memo``: a dictionary the caller keeps (bounded here) for the 11 features of the pair's
    layout (direction, distance bucket, counts, nearest flags) and their domain copies: a small
    set of values that recur across texts. The result is the same with or without it.
    """
    d, n, gap, npunct, nend, ob, ab, nearest_a, nearest_o, asp, op = key
    db = _bucket(n)  # type: ignore[arg-type]
    lay = None
    if memo is not None:
        mk = (domain, d, db, npunct, nend, ob, ab, nearest_a, nearest_o)
        lay = memo.get(mk)
    if lay is None:
        base = (f"d={d}", f"db={d}{db}", f"p={d}{npunct}", f"e={nend}", f"ob={ob}", f"ab={ab}",
                f"dpo={d}{db}{npunct}{ob}", f"dpa={d}{npunct}{ab}", f"na={nearest_a}{d}", f"no={nearest_o}{d}",
                f"nn={nearest_a}{nearest_o}{npunct}{nend}")
        lay = (base, tuple(f"{domain}|{x}" for x in base))
        if memo is not None:
            memo_put(memo, mk, lay)
    f = list(lay[0])
    f += (f"a={asp}", f"o1={op[:1]}", f"a-1={asp[-1:]}", f"ol={min(len(op), 5)}")  # type: ignore[index,arg-type]
    if gap is not None:
        f.append(f"g={d}{gap}")
    f.append(f"a|o={asp}|{op}")
    f += lay[1]
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
        # op -> features / op -> polarity features of the opinion alone: opinions repeat
        # ("很好", "不错"). Bounded; a value depends only on its key, so concurrent readers
        # never see a wrong one (a race stores the same value twice).
        self._memo: dict[str, tuple[str, ...]] = {}
        self._op_memo: dict[str, tuple[tuple[str, ...], str]] = {}

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_memo"], state["_op_memo"] = {}, {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_memo", {})
        self.__dict__.setdefault("_op_memo", {})

    def features(self, op: str) -> list[str]:
        v = self._memo.get(op)
        if v is None:
            v = tuple(self._features(op))
            memo_put(self._memo, op, v)
        return list(v)

    def _features(self, op: str) -> list[str]:
        if self._re is None:
            return []
        out = []
        for m in self._re.finditer(op):
            # negation scope: the few characters just before the word (不太新鲜, 并不便宜)
            window = op[max(0, m.start() - 3):m.start()]
            neg = sum(map(window.count, _NEGATORS)) % 2
            out.append(f"lex={self.words[m.group(0)]}{neg}")
        return out

    def op_features(self, op: str) -> tuple[tuple[str, ...], str]:
        """The polarity features of the opinion alone: (lexicon, character, bigram, trigram ones), the negation one.

        What :func:`polarity_features_from_key` puts between ``a=`` and ``a|c=`` and its ``neg=``, memoised.
        """
        v = self._op_memo.get(op)
        if v is None:
            v = (tuple(self.features(op)) + _op_ngrams(op), _neg_feature(op))
            memo_put(self._op_memo, op, v)
        return v


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


def _op_ngrams(op: str) -> tuple[str, ...]:
    """Character, bigram and trigram polarity features of an opinion, in that order."""
    return (tuple(f"c={ch}" for ch in op) + tuple(f"b={op[i:i + 2]}" for i in range(len(op) - 1))
            + tuple(f"t={op[i:i + 3]}" for i in range(len(op) - 2)))


def _neg_feature(op: str) -> str:
    neg = sum(map(op.count, _NEGATORS))
    return f"neg={neg % 2}{min(neg, 2)}"


def polarity_features_from_key(key: tuple[object, ...], lexicon: Lexicon | None = None) -> list[str]:
    op, aspect, pre, post, preneg, contrast, question = key
    assert isinstance(op, str) and isinstance(aspect, str) and isinstance(pre, str) and isinstance(post, str)
    f = [f"o={op}", f"a|o={aspect}|{op}", f"a={aspect}"]
    if lexicon is not None:
        block, negf = lexicon.op_features(op)
        f += block
    else:
        f += _op_ngrams(op)
        negf = _neg_feature(op)
    if aspect:
        f += [f"a|c={aspect}|{ch}" for ch in op]
    f += [negf, f"p1={pre[-1:]}", f"p2={pre[-2:]}", f"n1={post[:1]}", f"n2={post}"]
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
_LAST_BOUNDARY_RE = re.compile("(?s:.*)" + _BOUNDARY_RE.pattern)  # ends just after the last boundary
_TRAILING_ENDS = "。！？!?～~…"  # stripped from the text's end before looking for its last boundary


def unit_context(text: str, units: Sequence[tuple[tuple[int, int] | None, tuple[int, int]]]
                 ) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int] | None, int], int, int]:
    """What :func:`unit_features` reads of the whole text and of all its units, computed once per text.

    (units per opinion span, units per aspect span, offset of the text's first boundary
    or ``len(text)``, offset of the last boundary before the trailing 。！？ or -1). With
    it, the features of a text's units cost time linear in their number and the text's
    length instead of (units × units) and (units × length).
    """
    by_o: dict[tuple[int, int], int] = {}
    by_a: dict[tuple[int, int] | None, int] = {}
    for x, y in units:
        by_o[y] = by_o.get(y, 0) + 1
        by_a[x] = by_a.get(x, 0) + 1
    m = _BOUNDARY_RE.search(text)
    last = _LAST_BOUNDARY_RE.match(text.rstrip(_TRAILING_ENDS))
    return by_o, by_a, len(text) if m is None else m.start(), -1 if last is None else last.end() - 1


def unit_features(text: str, a: tuple[int, int] | None, o: tuple[int, int], polarity: str,
                  n_units: int, *, units: Sequence[tuple[tuple[int, int] | None, tuple[int, int]]] = (),
                  context: tuple[Any, Any, int, int] | None = None) -> list[str]:
    """Features of a finished unit for the unit filter: would this annotation style mark it?

    The ASTE restaurant annotators mark some of a review's opinions, not all; a
    filter learned from what the tagger finds and what they marked drops the
    units they tend to leave out (long implicit clauses, hedges). ``units``: the
    (aspect, opinion) spans of all the text's units (shared aspects/opinions).
    ``context``: :func:`unit_context` of ``text`` and ``units`` when the caller
    has it (the same features, without rereading the text and the units per unit).
    """
    s0, s1 = o
    op = text[s0:s1]
    asp = text[a[0]:a[1]] if a else ""
    end = s1 == len(text) or text[s1] in _PUNCT
    f = [
        f"o={op}", f"o1={op[:1]}", f"o2={op[:2]}", f"oe={op[-1:]}", f"ol={min(len(op), 12)}", f"a={asp}",
        f"pol={polarity}", f"imp={a is None}", f"adj={a is not None and a[1] == s0}",
        f"nx={text[s1:s1 + 1]}", f"pv={text[max(0, s0 - 1):s0]}",
        f"pc={not _PUNCT.isdisjoint(op)}", f"n={min(n_units, 5)}",
        f"end={end}", f"st={s0 == 0 or text[s0 - 1] in _PUNCT}",
        f"ae={asp[-1:]}", f"pol|o1={polarity}|{op[:1]}",
    ]
    # shared aspects/opinions, direction and distance, the clause's place in the text
    if context is None:
        so = sum(1 for _, x in units if x == o)
        sa = sum(1 for x, _ in units if x == a) if a else 0
        first = _BOUNDARY_RE.search(text, 0, s0) is None
        last = _BOUNDARY_RE.search(text.rstrip(_TRAILING_ENDS), s1) is None
    else:
        by_o, by_a, first_b, last_b = context
        so = by_o.get(o, 0)
        sa = by_a.get(a, 0) if a else 0
        first = first_b >= s0
        last = last_b < s1
    if a is None:
        d = "imp"
    elif a[1] <= s0:
        d = f"ao{_bucket(s0 - a[1])}"
    elif s1 <= a[0]:
        d = f"oa{_bucket(a[0] - s1)}"
    else:
        d = "ov"
    f += [f"so={min(so, 3)}", f"sa={min(sa, 3)}", f"d={d}", f"d|pol={d}|{polarity}", f"cl={first}{last}",
          f"tl={min(len(text) // 20, 5)}", f"ol|end={min(len(op), 12)}|end={end}", f"imp|o={a is None}|{op}"]
    return f


def refine_candidates(text: str, o: tuple[int, int], starts: frozenset[int] | set[int],
                      ends: frozenset[int] | set[int], *, back: int = 6, ahead: int = 4,
                      clauses: int = 2) -> list[tuple[int, int]]:
    """Alternative opinion spans near ``o`` for the span refiner, ``o`` itself first.

    Starts from ``back`` characters before to ``ahead - 1`` after the start of
    ``o``, ends from ``ahead - 1`` before to ``back`` after its end, or just
    before one of the next ``clauses`` punctuation marks (the ASTE style often
    runs an opinion on to the end of the clause or the next one); on word
    boundaries (``starts``/``ends``: offsets where a word starts / ends), never
    starting or ending on punctuation.
    """
    first, last = refine_bounds(text, o, starts, ends, back=back, ahead=ahead, clauses=clauses)
    out = [o]
    for s in first:
        for e in last:
            if s < e and (s, e) != o:
                out.append((s, e))
    return out


def refine_bounds(text: str, o: tuple[int, int], starts: frozenset[int] | set[int],
                  ends: frozenset[int] | set[int], *, back: int = 6, ahead: int = 4,
                  clauses: int = 2) -> tuple[list[int], list[int]]:
    """The candidate starts and the candidate ends (sorted) of :func:`refine_candidates`."""
    s0, e0 = o
    n = len(text)
    first = [s for s in range(max(0, s0 - back), min(n - 1, s0 + ahead - 1) + 1)
             if s in starts and text[s] not in _PUNCT and not text[s].isspace()]
    last = {e for e in range(max(1, e0 - ahead + 1), min(n, e0 + back) + 1)
            if e in ends and text[e - 1] not in _PUNCT and not text[e - 1].isspace()}
    seen = 0
    for i in range(e0, min(n, e0 + 30)):
        if text[i] in _PUNCT:
            if text[i - 1] not in _PUNCT and not text[i - 1].isspace():
                last.add(i)
            seen += 1
            if seen == clauses:
                break
    return first, sorted(last)


def _delta(part: str) -> str:
    """A boundary move's characters: the text when short, else its length and whether it crosses punctuation."""
    if len(part) <= 3:
        return part
    return f"{_bucket(len(part))}{not _PUNCT.isdisjoint(part)}"


def refine_start_key(text: str, o0: tuple[int, int], s: int, single: bool) -> tuple[object, ...]:
    """What the refiner's start features see of a candidate starting at ``s`` (``single``: one character long)."""
    ds = s - o0[0]
    b = text[s - 1] if s else "^"
    pre = ("+" + _delta(text[s:o0[0]])) if ds < 0 else ("-" + _delta(text[o0[0]:s])) if ds > 0 else "0"
    return (max(-6, min(ds, 6)), b, text[s], text[s] if single else text[s:s + 2], b == "^" or b in _PUNCT, pre)


def refine_end_key(text: str, o0: tuple[int, int], e: int, single: bool) -> tuple[object, ...]:
    """What the refiner's end features see of a candidate ending at ``e``."""
    de = e - o0[1]
    nx = text[e] if e < len(text) else "$"
    suf = ("+" + _delta(text[o0[1]:e])) if de > 0 else ("-" + _delta(text[e:o0[1]])) if de < 0 else "0"
    return (max(-6, min(de, 6)), text[e - 1], text[e - 1] if single else text[e - 2:e], nx,
            nx == "$" or nx in _PUNCT, suf)


def refine_pair_key(a: tuple[int, int] | None, o: tuple[int, int], start_key: tuple[object, ...],
                    end_key: tuple[object, ...], n_punct: int) -> tuple[object, ...]:
    """What the refiner's features of both ends see (``n_punct``: punctuation marks inside the candidate)."""
    s, e = o
    return (start_key[0], end_key[0], min(e - s, 16), aspect_relation(a, s, e), min(n_punct, 2),
            start_key[2], start_key[5])


_BEFORE = ("bef0", "bef1", "bef2", "bef3", "bef4")


def aspect_relation(a: tuple[int, int] | None, s: int, e: int) -> str:
    """Where the aspect ``a`` lies relative to the candidate opinion ``[s, e)``: implicit, adjacent
    before (``adj``), up to 4+ characters before (``bef1`` …), adjacent after, further after, inside, across."""
    if a is None:
        return "imp"
    if a[1] <= s:
        return "adj" if a[1] == s else _BEFORE[min(s - a[1], 4)]
    if e <= a[0]:
        return "aft" if e == a[0] else "aftg"
    if a[0] >= s and a[1] <= e:
        return "in"
    return "x"


def refine_start_features(k: tuple[object, ...]) -> list[str]:
    dsb, b, f, f2, stc, pre = k
    return [f"ds={dsb}", f"b={b}", f"f={f}", f"f2={f2}", f"bf={b}{f}", f"stc={stc}", f"ds|f={dsb}|{f}",
            f"ds|b={dsb}|{b}", f"stc|ds={stc}|{dsb}", f"pre={pre}"]


def refine_end_features(k: tuple[object, ...]) -> list[str]:
    deb, l1, l2, nx, endc, suf = k
    return [f"de={deb}", f"l={l1}", f"l2={l2}", f"n={nx}", f"ln={l1}{nx}", f"endc={endc}", f"de|l={deb}|{l1}",
            f"de|n={deb}|{nx}", f"endc|de={endc}|{deb}", f"suf={suf}", f"suf|endc={suf}|{endc}"]


def refine_pair_features(k: tuple[object, ...]) -> list[str]:
    dsb, deb, ln, rel, npc, f, pre = k
    return [f"dd={dsb}|{deb}", f"len={ln}", f"rel={rel}", f"rel|f={rel}|{f}", f"rel|ds={rel}|{dsb}",
            f"pc={npc}", f"pre|rel={pre}|{rel}", f"pc|len={npc}|{ln}"]


def refine_features(text: str, a: tuple[int, int] | None, o0: tuple[int, int], o: tuple[int, int]) -> list[str]:
    """Features of the candidate opinion span ``o`` of a unit whose tagger span was ``o0``.

    Span-level cues a character tagger cannot see: where the candidate starts
    and ends relative to the tagger's span and to the aspect, the characters it
    adds or drops at each end, its length, whether it runs to the end of the
    clause or across a comma, the characters on both sides of each boundary.
    Three groups: of the start alone, of the end alone, of both (extraction
    scores each start and end once per unit, and memoises the groups).
    """
    s, e = o
    single = e - s == 1
    ks = refine_start_key(text, o0, s, single)
    ke = refine_end_key(text, o0, e, single)
    kp = refine_pair_key(a, o, ks, ke, sum(ch in _PUNCT for ch in text[s:e]))
    return refine_start_features(ks) + refine_end_features(ke) + refine_pair_features(kp)
