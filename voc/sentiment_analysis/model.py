"""SentimentModel: a fast linear sentiment classifier with a rule layer and evidence.

How it scores a text (normalised by :class:`voc.Normalizer`, segmented by
:class:`voc.Segmenter`, both at their defaults, in training and at inference):

1. **Features**: character 1–3-grams and word uni-/bigrams (``_features.py``).
   Each occurrence contributes ``weight / sqrt(n)``.
2. **Two linear heads** share the features: *polarity* (positive vs negative,
   trained on the texts labelled negative/positive) and *subjectivity* (neutral
   vs opinionated, trained on all texts when the labels include neutral).
   Weights are NB-SVM style: logistic regression on log-count-ratio-scaled
   features, folded back into one weight per feature.
3. **Rules** (``rules.py``) re-weight contributions (negation, contrast,
   rhetorical questions, degree) and add lexicon ones (emoji, slang); at
   inference they also recognise neutral text (plain questions, hedges such as
   还行/一般般, deferred verdicts, platform filler) and shift the calibrated
   neutral logit by ``RuleEffects.neutral``.
4. **Calibration** on a held-out part of the training data: Platt scaling for
   P(positive | opinionated) and a logistic model of P(neutral) on the
   subjectivity score and the polarity strength. Then
   ``P(neg), P(neu), P(pos)``; ``label`` is the most probable class, ``score``
   its probability, ``polarity = P(pos) − P(neg)`` (its sign is the binary
   decision), and ``evidence`` are the words and phrases with the largest
   contributions, in calibrated logit units.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache, reduce
from itertools import accumulate, compress, repeat
from operator import add, and_, lshift, mul, or_, sub, truediv
from array import array
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np

from .._input import as_text, as_texts
from .._types import Document, Sentiment, Span, Token, document_with, fast_constructor
from ..errors import ConfigError, InputError, ModelLoadError
from . import _features as F
from ._tools import ModelBase
from .lexicon import ASCII_LOWER
from .rules import RuleEffects, _apply_rules, _lexicon_start_codes, apply_rules_spans

__all__ = ["SentimentModel", "map_labels"]

log = logging.getLogger(__name__)

FORMAT = "voc.sentiment"  # the artefact format's name, fixed across package renames
FORMAT_VERSION = 1
LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")
_MAX_EVIDENCE = 8
_CLIP = 500.0  # |logit| cap before exp
_ONE_TEXT_MAX = 3000  # one text up to this long is scored by _score_fast, longer by _score_vec
_PY_MAX = 40  # _score_fast: shorter texts in plain Python (numpy's per-call cost outweighs their work)
_MIN_EVIDENCE = 0.05  # |weight| in calibrated logit units below which a word is not evidence

_NAME_TO_CLASS = {
    "negative": -1, "neg": -1, "负面": -1, "消极": -1, "差评": -1, "bad": -1,
    "neutral": 0, "neu": 0, "中性": 0, "中立": 0, "none": 0,
    "positive": 1, "pos": 1, "正面": 1, "积极": 1, "好评": 1, "good": 1,
}
LabelScheme = Literal["auto", "binary", "three", "stars"]


def map_labels(labels: Sequence[Any], scheme: LabelScheme = "auto") -> np.ndarray:
    """Map user labels to −1 (negative), 0 (neutral), +1 (positive).

    * ``"binary"``: 0/1 or False/True (0 = negative), or −1/1;
    * ``"three"``: −1/0/1, or the names negative/neutral/positive (also neg/neu/pos,
      负面/中性/正面);
    * ``"stars"``: ratings 1–5: 1–2 negative, 3 neutral, 4–5 positive;
    * ``"auto"`` (default): strings by name; numbers: {0, 1} → binary,
      {−1, 0, 1} → three, anything within 1–5 with a value above 2 → stars.

    >>> map_labels([1, 5, 3], "stars").tolist()
    [-1, 1, 0]
    """
    values = list(labels)
    if not values:
        raise InputError("got no labels; pass one label per text")
    if all(isinstance(v, str) for v in values):
        out = []
        for v in values:
            k = _NAME_TO_CLASS.get(v.strip().lower())
            if k is None:
                raise InputError(
                    f"unknown sentiment label {v!r}; expected one of negative/neutral/positive "
                    "(or neg/neu/pos, 负面/中性/正面), or numbers (0/1, -1/0/1, 1-5 stars)"
                )
            out.append(k)
        return np.asarray(out, dtype=np.int8)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(
            "sentiment labels must be all strings or all numbers; got a mix "
            f"(first values: {values[:5]!r})"
        ) from None
    if np.isnan(arr).any():
        raise InputError("sentiment labels contain NaN/None; drop those rows before fit()")
    uniq = set(np.unique(arr).tolist())
    if scheme == "auto":
        if uniq <= {0.0, 1.0}:
            scheme = "binary"
        elif uniq <= {-1.0, 0.0, 1.0}:
            scheme = "three"
        elif uniq <= {1.0, 2.0, 3.0, 4.0, 5.0} and max(uniq) > 2:
            scheme = "stars"
        else:
            raise InputError(
                f"cannot tell the label scheme from the values {sorted(uniq)[:10]}; "
                "use 0/1 (binary), -1/0/1 (three classes) or 1-5 (stars), or pass "
                "SentimentModel(labels='binary'|'three'|'stars')"
            )
    if scheme == "binary":
        if not uniq <= {0.0, 1.0, -1.0}:
            raise InputError(f"binary labels must be 0/1 (or -1/1), got {sorted(uniq)[:10]}")
        return np.where(arr > 0, 1, -1).astype(np.int8)
    if scheme == "three":
        if not uniq <= {-1.0, 0.0, 1.0}:
            raise InputError(f"three-class labels must be -1/0/1, got {sorted(uniq)[:10]}")
        return arr.astype(np.int8)
    if scheme == "stars":
        if not uniq <= {1.0, 2.0, 3.0, 4.0, 5.0}:
            raise InputError(f"star ratings must be 1-5, got {sorted(uniq)[:10]}")
        return np.select([arr <= 2, arr == 3], [-1, 0], 1).astype(np.int8)
    raise ConfigError(f"labels must be 'auto', 'binary', 'three' or 'stars', got {scheme!r}")


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


class _Fitted:
    """The fitted state: feature tables, weights and calibration (read-only after fit/load)."""

    __slots__ = ("bias", "bigrams", "cal", "char_table", "fast", "has_neutral", "info", "n_char", "W",
                 "words", "_bi", "_py")

    def __init__(self, *, char_table: F.CodeTable, n_char: int, words: dict[str, int],
                 bigrams: dict[tuple[str, str], int], W: np.ndarray, bias: np.ndarray,
                 cal: dict[str, float], has_neutral: bool, info: dict[str, Any]) -> None:
        self.char_table = char_table
        self.n_char = n_char
        self.words = words
        self.bigrams = bigrams
        self.W = W
        self.bias = bias
        self.cal = cal
        self.has_neutral = has_neutral
        self.info = info
        self.fast: tuple[Any, ...] | None = None  # pure-Python tables for one text, built on demand

    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if k not in ("fast", "_bi", "_py")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            setattr(self, k, v)
        self.fast = None

    def fast_tables(self) -> tuple[Any, ...]:
        """What :meth:`SentimentModel._score_fast` reads: ``(keys, vals, window, shift, mask, punct)``.

        The character-gram table without grams made only of punctuation (they are
        never features, so every gram of a NUL-free text can be looked up unchecked;
        the shipped table holds none), ``arange(max_probe)`` (a present code sits at
        most that many slots past its home slot: one gather finds it), the slot hash's
        shift and mask, and :func:`_punct_bytes`.
        Built once (a race builds two identical copies; either wins)."""
        fast = self.fast
        if fast is None:
            table = self.char_table
            sel = table.keys != F.EMPTY
            k = table.keys[sel]
            pt = F._punct_table()
            c0, c1, c2 = (pt[np.minimum((k >> sh) & 0x1FFFFF, 0x10000)] for sh in (42, 21, 0))
            all_punct = np.where(k < (1 << 21), c2, np.where(k < (1 << 42), c1 & c2, c0 & c1 & c2))
            if all_punct.any():
                table = F.CodeTable.build(k[~all_punct], table.vals[sel][~all_punct])
            fast = self.fast = (table.keys, table.vals, np.arange(table.max_probe),
                                np.uint64(64 - table.bits), (1 << table.bits) - 1, _punct_bytes())
        return fast

    def bigram_table(self) -> F.CodeTable | None:
        """The word bigrams keyed by their words' ids, ``id1 << 32 | id2`` (a
        :class:`~._features.CodeTable`), so that a batch's bigrams are looked up with a
        few numpy calls once its words are; ``None`` when some bigram holds a word
        that is not itself a word feature (then only the pair of strings finds it).
        Built once (a race builds two identical copies; either wins)."""
        bi = getattr(self, "_bi", None)
        if bi is None:
            wget = self.words.get
            pairs = list(self.bigrams)
            w1 = np.fromiter((wget(a, 0) for a, _ in pairs), dtype=np.int64, count=len(pairs))
            w2 = np.fromiter((wget(b, 0) for _, b in pairs), dtype=np.int64, count=len(pairs))
            if len(pairs) and (w1 > 0).all() and (w2 > 0).all():
                ids = np.fromiter(self.bigrams.values(), dtype=np.int64, count=len(pairs))
                bi = F.CodeTable.build((w1 << 32) | w2, ids)
            else:
                bi = False
            self._bi = bi
        return bi or None

    def py_tables(self) -> tuple[Any, ...]:
        """What :meth:`SentimentModel._score_py` reads: ``(code → feature id, polarity weights,
        subjectivity weights, punctuation flags)`` as a dict, two ``array('d')`` and bytes."""
        py = getattr(self, "_py", None)
        if py is None:
            keys, vals = self.fast_tables()[:2]
            sel = keys != F.EMPTY
            code_id = dict(zip(keys[sel].tolist(), vals[sel].tolist()))
            W = self.W.astype(np.float64)
            py = self._py = (code_id, array("d", W[:, 0].tobytes()), array("d", W[:, 1].tobytes()), _punct_bytes())
        return py


class _FastSpan:
    """Same slot layout as :class:`voc.Span`; becomes one on creation.

    ``Span`` is a frozen dataclass, whose ``__init__`` sets each field through
    ``object.__setattr__``: about 4x the cost of this plain ``__init__``, and
    evidence builds up to eight spans per text. The objects returned *are*
    ``Span`` instances (``type(s) is Span``; equality, hashing, pickling and
    frozenness are Span's), checked once at import (the same device as
    ``voc.segmentation._segmenter._FastToken``).
    """

    __slots__ = ("start", "end", "text", "weight", "label")

    def __init__(self, start: int, end: int, text: str, weight: float) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.weight = weight
        self.label = ""
        self.__class__ = Span  # type: ignore[assignment]


_make_span: Any = (fast_constructor(_FastSpan, Span, (0, 2, "差评", -1.3), Span(0, 2, "差评", weight=-1.3))
                   or (lambda start, end, text, weight: Span(start, end, text, weight=weight)))


@lru_cache(maxsize=1)
def _punct_bytes() -> bytes:
    """``_features.punct_mask`` as one byte per code point (1 = punctuation), all of Unicode."""
    return bytes(F._punct_table()[:0x10000].astype(np.uint8)) + bytes(0x110000 - 0x10000)


class SentimentModel(ModelBase):
    """Three-class sentiment (negative / neutral / positive) with polarity, evidence and rules.

    Parameters
    ----------
    rules
        Apply the rule layer (negation, contrast, rhetorical questions, degree,
        emoji and slang lexicon). Turn off to see the bare model.
    C
        Inverse regularisation strength of the two logistic-regression heads.
    min_df
        Keep features seen in at least this many training texts.
    labels
        How :meth:`fit` reads labels: ``"auto"``, ``"binary"``, ``"three"`` or
        ``"stars"`` (see :func:`map_labels`: stars 1–2 → negative, 3 → neutral,
        4–5 → positive).
    calibration_size
        Share of the training texts held out to calibrate probabilities; the
        heads are then refitted on everything.
    random_state
        Seed of the calibration split.

    Examples
    --------
    >>> from voc import SentimentModel
    >>> m = SentimentModel.load()
    >>> m.predict("物流很快，质量也很好").label
    'positive'
    >>> m.predict("质量太差了，再也不买了").label
    'negative'
    """

    def __init__(self, *, rules: bool = True, C: float = 4.0, min_df: int = 2,
                 labels: LabelScheme = "auto", calibration_size: float = 0.1,
                 random_state: int = 0) -> None:
        self.rules = rules
        self.C = C
        self.min_df = min_df
        self.labels = labels
        self.calibration_size = calibration_size
        self.random_state = random_state
        self._state: _Fitted | None = None
        self._tools: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    # -- scikit-learn style parameters -------------------------------------------
    _PARAMS = ("rules", "C", "min_df", "labels", "calibration_size", "random_state")

    def __repr__(self) -> str:
        state = "fitted" if self._state is not None else "not fitted"
        return f"SentimentModel(rules={self.rules}, C={self.C}, min_df={self.min_df}) [{state}]"

    @property
    def classes_(self) -> tuple[str, ...]:
        """The labels the fitted model can predict."""
        st = self._fitted()
        return LABELS if st.has_neutral else ("negative", "positive")

    @property
    def info_(self) -> dict[str, Any]:
        """Training facts stored with the model (data sizes, calibration scores)."""
        return dict(self._fitted().info)

    # -- scoring (a vectorised path for batches, a plain-Python one for one text) -------------
    def _score_batch(self, st: _Fitted, texts: Sequence[str], token_lists: Sequence[Sequence[Token]], *,
                     evidence: bool = True, probs: bool = False) -> list[Any]:
        """Score normalised texts with their tokens: a :class:`Sentiment` per text, or with
        ``probs=True`` a row ``P(negative), P(neutral), P(positive)`` (a float64 array).

        One text is scored by :meth:`_score_fast` (plain Python: numpy's per-call cost
        outweighs the work for one text), several by :meth:`_score_vec`; the numbers
        are identical (``test_sentiment.py`` pins it).
        """
        if len(texts) == 1 and _fast_ok(texts[0]):
            words, starts, ends = _span_lists(token_lists[0])
            return [self._score_fast(st, texts[0], words, starts, ends, evidence=evidence, probs=probs)]
        return self._score_vec(st, texts, token_lists, evidence=evidence, probs=probs)

    def _score_vec(self, st: _Fitted, texts: Sequence[str], token_lists: Sequence[Sequence[Token]], *,
                   evidence: bool = True, probs: bool = False) -> list[Any]:
        """Score normalised texts with their tokens; the same code serves one text and many.

        All texts are joined with NUL separators (the normaliser removes NUL, and a
        gram containing one is never a feature), so the character grams of the whole
        batch are encoded, looked up and summed with a handful of numpy calls.
        """
        B = len(texts)
        if B == 0:
            return []
        lens = np.fromiter(map(len, texts), dtype=np.int64, count=B)
        offs = np.concatenate([[0], np.cumsum(lens + 1)[:-1]])
        joined = "\x00".join(texts)
        u = F.char_codes(joined)
        L = len(u)
        pm = F.punct_mask(u)
        codes, valid = F.gram_codes(u, pm)
        nz = u != 0
        if L >= 2:
            valid[1] &= nz[:-1] & nz[1:]
        if L >= 3:
            valid[2] &= nz[:-2] & nz[1:-1] & nz[2:]
        cdoc = np.repeat(np.arange(B), lens + 1)[:L]
        starts_c = np.concatenate([np.arange(L), np.arange(max(L - 1, 0)), np.arange(max(L - 2, 0))])
        widths = np.concatenate([np.ones(L, np.int64), np.full(max(L - 1, 0), 2, np.int64),
                                 np.full(max(L - 2, 0), 3, np.int64)])
        v = np.concatenate(valid)
        allc = np.concatenate(codes)[v]
        starts_c = starts_c[v]
        ends_c = starts_c + widths[v]
        n_occ = np.bincount(cdoc[starts_c], minlength=B).astype(np.float64)
        cid = st.char_table.lookup(allc)
        # words and word bigrams (dict lookups), with global offsets
        views = [toks if type(toks) is _Spans else _spans_of(toks) for toks in token_lists]
        keys: list[str] = []
        ts_l: list[int] = []
        te_l: list[int] = []
        # word keys are lower-cased; a text that lower-casing leaves alone has words that it
        # leaves alone, which then keep the hashes they get here (the rules look them up again)
        some_cased = joined.lower() != joined
        for text, (words, starts, ends) in zip(texts, views):
            keys += map(str.lower, words) if some_cased and text.lower() != text else words
            ts_l += starts
            te_l += ends
        counts = np.fromiter(map(len, (v.words for v in views)), dtype=np.int64, count=B)
        td = np.repeat(np.arange(B, dtype=np.int64), counts)
        toff = offs[td]
        ts = np.asarray(ts_l, dtype=np.int64) + toff
        te = np.asarray(te_l, dtype=np.int64) + toff
        tcontent = ~pm[ts] if len(ts) else np.zeros(0, dtype=bool)
        nw = np.bincount(td, tcontent, minlength=B)
        n_occ += nw + np.maximum(nw - 1, 0)
        wid = np.fromiter(map(st.words.get, keys, repeat(0)), dtype=np.int32, count=len(keys))
        bi_table = st.bigram_table()
        if bi_table is not None and len(wid) > 1:  # a pair of word ids is a bigram's code
            w64 = wid.astype(np.int64)
            bid = bi_table.lookup((w64[:-1] << 32) | w64[1:])
        else:
            bid = np.fromiter(map(st.bigrams.get, zip(keys, keys[1:]), repeat(0)), dtype=np.int32,
                              count=max(len(keys) - 1, 0))
        if len(bid):
            bid[td[:-1] != td[1:]] = 0  # no bigram across two texts
        factor = np.ones(L, dtype=np.float64) if self.rules else None
        extras: list[Sequence[tuple[int, int, float]]] = [()] * B  # the rules' lexicon contributions
        phrases: list[Any] = [()] * B
        neutral = np.zeros(B)  # the rules' shifts of the neutral logit (plain questions, hedges, filler)
        if factor is not None:
            lex = _lexicon_starts_batch(u, ts, te, td, toff, B)
            for i, (text, (words, starts, ends), off) in enumerate(zip(texts, views, offs.tolist())):
                if text:  # the rules write into the text's part of ``factor`` (all ones before)
                    fx = _apply_rules(text, words, starts, ends, True, lex.get(i, ()),
                                      factor[off:off + len(text)])
                    if fx is not None:
                        extras[i] = fx.extra
                        phrases[i] = fx.phrases
                        neutral[i] = fx.neutral
        keep = cid > 0
        kw = wid > 0
        kb = bid > 0
        ids = np.concatenate([cid[keep], wid[kw], bid[kb]])
        fs = np.concatenate([starts_c[keep], ts[kw], ts[:-1][kb]])
        fe = np.concatenate([ends_c[keep], te[kw], te[1:][kb]])
        fdoc = np.concatenate([cdoc[starts_c[keep]], td[kw], td[:-1][kb]])
        scale = 1.0 / np.sqrt(np.maximum(n_occ, 1.0))
        mult = scale[fdoc]
        mult_s = mult
        if factor is not None:
            f = factor[fs]
            mult = mult * f
            mult_s = mult_s * np.abs(f)  # a negated opinion is still an opinion (see _train.py)
        Wf = st.W.take(ids.astype(np.intp), axis=0).astype(np.float64)  # take: ~20x faster than W[ids] here
        wp = Wf[:, 0] * mult
        extra_p = np.array([sum(w for _, _, w in ex) if ex else 0.0 for ex in extras])
        zp = st.bias[0] + np.bincount(fdoc, wp, minlength=B) + extra_p
        cal = st.cal
        lp = cal["a_p"] * zp + cal["b_p"]
        # logits are clipped before exp: a megabyte of praise must not overflow (test_pipeline.py)
        p_pos = 1.0 / (1.0 + np.exp(-np.clip(lp, -_CLIP, _CLIP)))
        if st.has_neutral:
            ws = Wf[:, 1] * mult_s
            zs = st.bias[1] + np.bincount(fdoc, ws, minlength=B)
            # lexicon hits (emoji, slang) are opinions: they lower the neutral score
            zs -= np.array([sum(abs(w) for _, _, w in ex) if ex else 0.0 for ex in extras])
            arg = cal["a_s"] * zs + cal["m_s"] * np.abs(lp) + cal["b_s"] + neutral
            p_neu = 1.0 / (1.0 + np.exp(-np.clip(arg, -_CLIP, _CLIP)))
        else:
            p_neu = np.zeros(B)
        P = np.column_stack([(1 - p_neu) * (1 - p_pos), p_neu, (1 - p_neu) * p_pos])
        if probs:
            return list(P)
        ev: list[tuple[Span, ...]] = [()] * B
        if evidence:
            ev = self._evidence(texts, offs, pm, wp * cal["a_p"], fs, fe, extras, phrases,
                                cal["a_p"], ts[tcontent], te[tcontent], td[tcontent])
        # Python floats (the same doubles) make the per-text loop cheaper than numpy scalars
        out = []
        for row, ki, e in zip(P.tolist(), P.argmax(axis=1).tolist(), ev):
            out.append(Sentiment(LABELS[ki], round(row[ki], 6), round(row[2] - row[0], 6), e))
        return out

    def _evidence(self, texts: Sequence[str], offs: np.ndarray, pm: np.ndarray, contrib: np.ndarray,
                  fs: np.ndarray, fe: np.ndarray, extras: list[Sequence[tuple[int, int, float]]],
                  phrases: list[Any], a_p: float, ts: np.ndarray, te: np.ndarray,
                  td: np.ndarray) -> list[tuple[Span, ...]]:
        """Spread each feature's contribution over its non-punctuation characters, sum per word
        (or per rule phrase such as 不是很好), keep the strongest. ``ts/te/td``: the content
        tokens' global start, end and text index."""
        L = len(pm)
        content = (~pm).astype(np.float64)
        cum = np.concatenate([[0.0], np.cumsum(content)])
        k = cum[fe] - cum[fs]
        share = np.divide(contrib, k, out=np.zeros_like(contrib), where=k > 0)
        # every character of every feature gets its share; bincount adds each character's
        # shares in a fixed order, so a text's evidence never depends on its batch-mates
        pos = _expand(fs, fe)
        per_char = np.bincount(pos, np.repeat(share, fe - fs) * content[pos], minlength=L).astype(np.float64)
        ps: list[int] = []
        pe: list[int] = []
        pd: list[int] = []
        for i, (ex, ph, off) in enumerate(zip(extras, phrases, offs.tolist())):
            if not (ex or ph):
                continue
            for s, e, w in ex:
                per_char[off + s:off + e] += w * a_p / max(e - s, 1)
            for s, e in ph:
                ps.append(off + s)
                pe.append(off + e)
                pd.append(i)
        if ps:
            covered = np.zeros(L + 1, dtype=np.int64)
            np.add.at(covered, np.asarray(ps), 1)
            np.add.at(covered, np.asarray(pe), -1)
            inside = np.cumsum(covered)[:L] > 0
            free = ~inside[ts]
            usa = np.concatenate([ts[free], np.asarray(ps, dtype=np.int64)])
            uea = np.concatenate([te[free], np.asarray(pe, dtype=np.int64)])
            uda = np.concatenate([td[free], np.asarray(pd, dtype=np.int64)])
        else:
            usa, uea, uda = ts, te, td
        out: list[tuple[Span, ...]] = [()] * len(texts)
        if not len(usa):
            return out
        upos = _expand(usa, uea)
        w = np.bincount(np.repeat(np.arange(len(usa)), uea - usa), per_char[upos],
                        minlength=len(usa)).astype(np.float64)
        aw = np.abs(w)
        sel = np.flatnonzero(aw >= _MIN_EVIDENCE)
        if not len(sel):
            return out
        order = sel[np.lexsort((-aw[sel], uda[sel]))]
        od = uda[order]
        # each text's strongest _MAX_EVIDENCE (order groups the texts, strongest first)
        n_sel = len(order)
        group_start = np.maximum.accumulate(np.where(np.r_[True, od[1:] != od[:-1]], np.arange(n_sel), 0))
        top = (np.arange(n_sel) - group_start) < _MAX_EVIDENCE
        order, od = order[top], od[top]
        local = offs[od]
        cur = -1
        bucket: list[Span] = []
        for d, s, e, wj in zip(od.tolist(), (usa[order] - local).tolist(), (uea[order] - local).tolist(),
                               w[order].tolist()):
            if d != cur:
                if cur >= 0:
                    out[cur] = tuple(bucket)
                cur = d
                bucket = []
            bucket.append(_make_span(s, e, texts[d][s:e], round(wj, 4)))
        if cur >= 0:
            out[cur] = tuple(bucket)
        return out

    def _score(self, st: _Fitted, text: str, tokens: Sequence[Token], *,
               evidence: bool = True, probs: bool = False) -> Any:
        return self._score_batch(st, [text], [tokens], evidence=evidence, probs=probs)[0]

    def _score_one(self, st: _Fitted, text: str, tokens: Sequence[Token], *,
                   evidence: bool = True) -> Sentiment:
        """One normalised text and its tokens (objects with ``text``/``start``/``end``)."""
        return self._score(st, text, tokens, evidence=evidence)

    def _score_fast(self, st: _Fitted, text: str, words: list[str], starts: list[int], ends: list[int],
                    *, evidence: bool = True, probs: bool = False) -> Any:
        """One NUL-free text, with as few numpy calls as the work allows: the arithmetic
        of :meth:`_score_vec`, operation for operation, every sum over the same terms in
        the same order, so the doubles are identical (``test_sentiment.py`` pins it).
        """
        if len(text) < _PY_MAX:
            return self._score_py(st, text, words, starts, ends, evidence=evidence, probs=probs)
        keys, vals, window, shift, mask, pun = st.fast_tables()
        low = text.translate(ASCII_LOWER)
        p = list(map(pun.__getitem__, map(ord, low)))  # 1 where punctuation or space
        L = len(p)
        pp = list(map(and_, p, p[1:]))
        n_valid = (L - sum(p)) + (len(pp) - sum(pp)) + (max(L - 2, 0) - sum(map(and_, pp, p[2:])))
        # character 1-, 2-, 3-grams (all of them: all-punctuation grams are not in the table)
        u = np.frombuffer(low.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        c2 = (u[:-1] << 21) | u[1:]
        codes = np.concatenate([u, c2, (c2[:-1] << 21) | u[2:]])
        win = (((codes.view(np.uint64) * F._GOLDEN) >> shift).view(np.int64)[:, None] + window) & mask
        g, j = np.nonzero(keys[win] == codes[:, None])  # g ascending: 1-grams, 2-grams, 3-grams
        cid = vals[win[g, j]]
        if not cid.all():
            g, cid = g[cid > 0], cid[cid > 0]
        # words and word bigrams
        lk = words if text.lower() == text else list(map(str.lower, words))  # (see _score_vec)
        tp = list(map(p.__getitem__, starts))  # tokens that begin with punctuation
        nw = len(tp) - sum(tp)
        n_occ = float(n_valid + nw + max(nw - 1, 0))
        wid = list(map(st.words.get, lk, repeat(0)))
        bid = list(map(st.bigrams.get, zip(lk, lk[1:]), repeat(0)))
        n_char = len(cid)
        n1, n2 = g.searchsorted((L, 2 * L - 1)).tolist()
        fs = np.array([*compress(starts, wid), *compress(starts, bid)], dtype=np.intp)
        if len(fs):
            ids = np.concatenate((cid, [*filter(None, wid), *filter(None, bid)]))
            fs = np.concatenate((g, fs))
        else:
            ids, fs = cid, g.copy()
        fs[n1:n2] -= L  # gram index -> start
        fs[n2:n_char] -= 2 * L - 1
        fx = apply_rules_spans(text, words, starts, ends) if self.rules and text else None
        scale = 1.0 / math.sqrt(max(n_occ, 1.0))
        extras: list[tuple[int, int, float]] = []
        mult: Any = scale
        mult_s: Any = scale
        if fx is not None:
            f = fx.factor[fs]
            mult = scale * f
            mult_s = scale * np.abs(f)
            extras = fx.extra
        Wf = st.W.take(ids, axis=0).astype(np.float64)
        wp = Wf[:, 0] * mult
        # cumsum adds left to right, as np.bincount does (np.sum would add pairwise)
        zp = float(st.bias[0]) + (float(wp.cumsum()[-1]) if len(wp) else 0.0)
        zs = 0.0
        if st.has_neutral:
            ws = Wf[:, 1] * mult_s
            zs = float(st.bias[1]) + (float(ws.cumsum()[-1]) if len(ws) else 0.0)
        P, k = _one_text_probs(st, zp, zs, fx)
        if probs:
            return np.array(P)
        cal = st.cal
        ev: tuple[Span, ...] = ()
        if evidence and L:
            ev = _evidence_one(text, p, cal["a_p"], wp, n_char, g, fs[:n_char], (n1, n2), starts, ends, tp,
                               wid, bid, extras, fx.phrases if fx is not None else ())
        return Sentiment(LABELS[k], round(P[k], 6), round(P[2] - P[0], 6), ev)

    def _score_py(self, st: _Fitted, text: str, words: list[str], starts: list[int], ends: list[int],
                    *, evidence: bool = True, probs: bool = False) -> Any:
        """One short NUL-free text in plain Python: the arithmetic of :meth:`_score_vec`,
        operation for operation, every sum over the same terms in the same order, so
        the doubles are identical. The loops over grams run in C (``map``/``compress``
        over lists); ``test_sentiment.py::test_one_text_path_equals_batch`` pins the equality.
        """
        code_id, Wp, Ws, pun = st.py_tables()
        o = list(map(ord, text.translate(ASCII_LOWER)))
        L = len(o)
        p = list(map(pun.__getitem__, o))  # 1 where punctuation or space
        # character 1-, 2-, 3-grams, all looked up (all-punctuation grams are not in code_id)
        cget = code_id.get
        ids1 = list(map(cget, o, repeat(0)))
        c2 = list(map(or_, map(lshift, o, repeat(21)), o[1:]))
        ids2 = list(map(cget, c2, repeat(0)))
        ids3 = list(map(cget, map(or_, map(lshift, c2, repeat(21)), o[2:]), repeat(0)))
        pp = list(map(and_, p, p[1:]))
        n_valid = (L - sum(p)) + (len(pp) - sum(pp)) + (max(L - 2, 0) - sum(map(and_, pp, p[2:])))
        s1 = list(compress(range(L), ids1))
        s2 = list(compress(range(L), ids2))
        s3 = list(compress(range(L), ids3))
        f_id = [*filter(None, ids1), *filter(None, ids2), *filter(None, ids3)]
        n_char = len(f_id)
        # words and word bigrams
        keys = words if text.lower() == text else list(map(str.lower, words))  # (see _score_vec)
        tp = list(map(p.__getitem__, starts))  # tokens that begin with punctuation
        nw = len(tp) - sum(tp)
        n_occ = float(n_valid + nw + max(nw - 1, 0))
        wid = list(map(st.words.get, keys, repeat(0)))
        bid = list(map(st.bigrams.get, zip(keys, keys[1:]), repeat(0)))
        f_id += filter(None, wid)
        f_id += filter(None, bid)
        f_s = [*s1, *s2, *s3, *compress(starts, wid), *compress(starts, bid)]
        fx = apply_rules_spans(text, words, starts, ends) if self.rules and text else None
        scale = 1.0 / math.sqrt(max(n_occ, 1.0))
        extras: list[tuple[int, int, float]] = []
        if fx is not None:
            fac = fx.factor.tolist()
            f = list(map(fac.__getitem__, f_s))
            mult: Any = list(map(mul, repeat(scale), f))
            mult_s: Any = list(map(mul, repeat(scale), map(abs, f)))
            extras = fx.extra
        else:
            mult = mult_s = repeat(scale)
        wp = list(map(mul, map(Wp.__getitem__, f_id), mult))
        # reduce(add, ..., 0.0): left to right from 0.0, as np.bincount sums (builtin sum may compensate)
        zp = float(st.bias[0]) + reduce(add, wp, 0.0)
        zs = 0.0
        if st.has_neutral:
            zs = float(st.bias[1]) + reduce(add, map(mul, map(Ws.__getitem__, f_id), mult_s), 0.0)
        P, k = _one_text_probs(st, zp, zs, fx)
        if probs:
            return np.array(P)
        cal = st.cal
        ev: tuple[Span, ...] = ()
        if evidence and L:
            ev = self._evidence_py(text, p, cal["a_p"], wp, n_char, (s1, s2, s3), ids2, ids3,
                                    starts, ends, tp, wid, bid, extras, fx.phrases if fx is not None else ())
        return Sentiment(LABELS[k], round(P[k], 6), round(P[2] - P[0], 6), ev)

    @staticmethod
    def _evidence_py(text: str, p: list[int], a_p: float, wp: list[float], n_char: int,
                      grams: tuple[list[int], list[int], list[int]], ids2: list[int], ids3: list[int],
                      starts: list[int], ends: list[int], tp: list[int], wid: list[int], bid: list[int],
                      extras: list[tuple[int, int, float]], phrases: Sequence[tuple[int, int]]
                      ) -> tuple[Span, ...]:
        """:meth:`_evidence` for one text, the same sums in the same order.

        A character's share of every feature covering it is added feature by feature,
        in feature order: 1-grams, 2-grams, 3-grams (by start), words, bigrams; here
        the grams are added as whole shifted vectors (each character meets its grams in
        that order; a zero where no gram covers it changes no sum), punctuation
        characters are then set back to zero (they get no share), and words and
        bigrams are added one by one.
        """
        L = len(p)
        s1, s2, s3 = grams
        n1, n2 = len(s1), len(s1) + len(s2)
        # the non-punctuation characters a 2-/3-gram covers (the divisor of its share)
        k2 = list(map(sub, repeat(2), map(add, p, p[1:])))
        k3 = list(map(sub, map(add, k2, repeat(1)), p[2:]))
        g1 = dict(zip(s1, map(mul, wp[:n1], repeat(a_p))))  # (x * a_p) / 1
        g2 = dict(zip(s2, map(truediv, map(mul, wp[n1:n2], repeat(a_p)), map(k2.__getitem__, s2))))
        g3 = dict(zip(s3, map(truediv, map(mul, wp[n2:n_char], repeat(a_p)), map(k3.__getitem__, s3))))
        z = repeat(0.0)
        v1 = list(map(g1.get, range(L), z))
        v2 = list(map(g2.get, range(L - 1), z))
        v3 = list(map(g3.get, range(L - 2), z))
        pc = map(add, map(add, map(add, map(add, map(add, v1, [0.0, *v2]), [*v2, 0.0]),
                                         [0.0, 0.0, *v3]), [0.0, *v3, 0.0]), [*v3, 0.0, 0.0])
        per_char = list(pc)
        for q in compress(range(L), p):
            per_char[q] = 0.0
        return _word_evidence(text, per_char, p, a_p, wp[n_char:], starts, ends, tp, wid, bid, extras, phrases)

    # -- public prediction API -------------------------------------------------------
    def predict(self, text: str) -> Sentiment:
        """Sentiment of one raw text (normalised and segmented here).

        Evidence offsets point into the *normalised* text; use :meth:`__call__`
        on a :class:`~voc.Document` to map them back to the raw text.

        >>> SentimentModel.load().predict("不是很好").label
        'negative'
        """
        st = self._fitted()
        text = as_text(text, what="text")
        norm, seg = self._get_tools()
        clean = norm.normalize(text)
        return self._score(st, clean, _seg_spans(seg, clean))

    def predict_batch(self, texts: Iterable[str], *, evidence: bool = True) -> list[Sentiment]:
        """Sentiment of many raw texts, in order (scored 1,024 at a time).

        ``evidence=False`` skips the evidence spans (about twice the throughput);
        label, score and polarity are the same either way.
        """
        st = self._fitted()
        norm, seg = self._get_tools()
        out: list[Sentiment] = []
        for chunk in _chunks(as_texts(texts), 1024):
            clean = [norm.normalize(as_text(t, what="text")) for t in chunk]
            out.extend(self._score_batch(st, clean, [_seg_spans(seg, c) for c in clean], evidence=evidence))
        return out

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """Rows of ``P(negative), P(neutral), P(positive)`` for raw texts (rules applied)."""
        st = self._fitted()
        norm, seg = self._get_tools()
        rows: list[Any] = []
        for chunk in _chunks(as_texts(texts), 1024):
            clean = [norm.normalize(as_text(t, what="text")) for t in chunk]
            rows.extend(self._score_batch(st, clean, [_seg_spans(seg, c) for c in clean],
                                          evidence=False, probs=True))
        return np.asarray(rows, dtype=np.float64).reshape(-1, 3)

    def __call__(self, doc: Document) -> Document:
        """Pipeline step: score ``doc.text`` (using ``doc.tokens`` when present)."""
        st = self._fitted()
        if not isinstance(doc, Document):
            raise InputError(
                f"SentimentModel() takes a voc.Document, got {type(doc).__name__}; "
                "use predict(text) for a plain string"
            )
        tokens: Any = doc.tokens
        if tokens is None:
            tokens = _seg_spans(self._get_tools()[1], doc.text)
        return document_with(doc, sentiment=self._score(st, doc.text, tokens))

    def pipe(self, docs: Iterable[Document], *, batch_size: int = 1024,
             evidence: bool = True) -> Iterator[Document]:
        """Score a stream of documents; yields exactly what calling one by one would.

        ``evidence=False`` leaves ``Sentiment.evidence`` empty, for throughput.
        """
        if isinstance(docs, (str, bytes, Document)):
            raise InputError("pipe() expects an iterable of voc.Document; use __call__ for one")
        st = self._fitted()
        for chunk in _chunks(docs, max(1, int(batch_size))):
            for d in chunk:
                if not isinstance(d, Document):
                    raise InputError(f"pipe() expects voc.Document items, got {type(d).__name__}")
            toks = [d.tokens if d.tokens is not None else _seg_spans(self._get_tools()[1], d.text)
                    for d in chunk]
            res = self._score_batch(st, [d.text for d in chunk], toks, evidence=evidence)
            for d, r in zip(chunk, res):
                yield document_with(d, sentiment=r)

    # -- training ---------------------------------------------------------------------
    def fit(self, texts: Iterable[str], labels: Iterable[Any]) -> SentimentModel:
        """Train on raw texts and labels (binary, three-class or 1–5 stars; see :func:`map_labels`).

        With binary labels the model never predicts ``"neutral"``. About 30 s for
        50,000 reviews on one core.
        """
        from ._train import train

        texts = [as_text(t, what="texts[i]") for t in as_texts(texts)]
        y = map_labels(list(as_texts(labels, what="labels")), self.labels)
        if len(texts) != len(y):
            raise InputError(f"fit() got {len(texts)} texts but {len(y)} labels; pass one label per text")
        if not (y == 1).any() or not (y == -1).any():
            raise InputError("fit() needs both negative and positive examples")
        few = [name for k, name in zip((-1, 0, 1), LABELS) if 0 < int((y == k).sum()) < 2]
        if few:  # one text of a class: nothing to calibrate on, a model that only repeats its prior
            raise InputError(f"fit() needs at least 2 texts of each label it is given; got one {few[0]} text "
                             "(a useful model needs hundreds per label)")
        if not isinstance(self.C, (int, float)) or self.C <= 0:
            raise ConfigError(f"C must be a positive number, got {self.C!r}")
        if not isinstance(self.min_df, int) or self.min_df < 1:
            raise ConfigError(f"min_df must be an int >= 1, got {self.min_df!r}")
        if not 0 < self.calibration_size < 0.5:
            raise ConfigError(f"calibration_size must be in (0, 0.5), got {self.calibration_size!r}")
        norm, seg = self._get_tools()
        clean = [norm.normalize(t) for t in texts]
        toks = [_tokens(seg, t) for t in clean]
        self._state = train(self, clean, toks, y)
        return self

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted model to folder ``path`` (JSON + npz, no pickle)."""
        from .._persist import save_artifact

        st = self._fitted()
        words = sorted(st.words, key=st.words.__getitem__)
        bigrams = sorted(st.bigrams, key=st.bigrams.__getitem__)
        meta = {
            "params": self.get_params(),
            "labels": list(self.classes_),
            "n_char": st.n_char,
            "n_words": len(words),
            "n_bigrams": len(bigrams),
            "calibration": st.cal,
            "has_neutral": st.has_neutral,
            "max_probe": st.char_table.max_probe,
            "info": st.info,
        }
        arrays = {
            "W": st.W,
            "bias": st.bias,
            "char_keys": st.char_table.keys,
            "char_vals": st.char_table.vals,
            "words": _pack(words),
            "bigrams": _pack(["\t".join(b) for b in bigrams]),
        }
        save_artifact(path, kind=FORMAT, version=FORMAT_VERSION, meta=meta, arrays=arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> SentimentModel:
        """Load a model saved with :meth:`save`; ``None`` loads the shipped default."""
        from .._persist import build, load_artifact, model_folder
        from .._resources import model_path

        folder = model_folder(path) if path is not None else model_path("sentiment")
        meta, arrays = load_artifact(folder, kind=FORMAT, version=FORMAT_VERSION)
        try:
            n_char = int(meta["n_char"])
            words = _unpack(arrays["words"])
            bigrams = _unpack_pairs(arrays["bigrams"])
            if len(words) != meta["n_words"] or len(bigrams) != meta["n_bigrams"]:
                raise ValueError("vocabulary size does not match meta.json")
            W = arrays["W"]
            st = _Fitted(
                char_table=F.CodeTable(arrays["char_keys"], arrays["char_vals"], int(meta["max_probe"])),
                n_char=n_char,
                words=dict(zip(words, range(n_char + 1, n_char + 1 + len(words)))),
                bigrams=dict(zip(bigrams, range(n_char + 1 + len(words),  # type: ignore[arg-type]
                                                n_char + 1 + len(words) + len(bigrams)))),
                W=W, bias=arrays["bias"], cal={k: float(v) for k, v in meta["calibration"].items()},
                has_neutral=bool(meta["has_neutral"]), info=dict(meta.get("info", {})),
            )
            if W.shape[0] != n_char + 1 + len(words) + len(bigrams):
                raise ValueError("weight table size does not match the vocabulary")
        except (KeyError, ValueError, TypeError, AttributeError) as err:
            raise ModelLoadError(f"{folder} is not a complete voc sentiment model ({err}); re-save it") from err
        model = build(cls, meta, folder)
        model._state = st
        return model


def _evidence_one(text: str, p: list[int], a_p: float, wp: np.ndarray, n_char: int, g: np.ndarray,
                  gs: np.ndarray, n12: tuple[int, int], starts: list[int], ends: list[int], tp: list[int],
                  wid: list[int], bid: list[int], extras: list[tuple[int, int, float]],
                  phrases: Sequence[tuple[int, int]]) -> tuple[Span, ...]:
    """``SentimentModel._evidence`` for one text: the same sums in the same order.

    A character gets a share of every feature covering it, added feature by
    feature in feature order (1-grams, 2-grams, 3-grams by start, then words, then
    bigrams). Here the gram shares are added as shifted vectors (a character meets
    its grams in that same order, and a zero where no gram covers it changes no
    sum); punctuation is then set back to zero (it gets no share), and words,
    bigrams and rule lexicon hits are added one by one. ``g``: the hit grams'
    indices in the 1-, 2-, 3-gram sequence (length ``3L - 3``); ``gs``: their starts;
    ``n12``: where the 2-grams and the 3-grams begin among them.
    """
    L = len(p)
    pm = np.array(p, dtype=bool)
    cum = np.concatenate([[0], (~pm).cumsum()])
    n1, n2 = n12
    ge = gs + 1  # gram index -> end
    ge[n1:n2] += 1
    ge[n2:] += 2
    v = np.zeros(max(3 * L - 3, L))
    v[g] = (wp[:n_char] * a_p) / (cum[ge] - cum[gs])
    v1, v2, v3 = v[:L], v[L:2 * L - 1], v[2 * L - 1:3 * L - 3]
    pc = v1.copy()
    pc[1:] += v2
    pc[:L - 1] += v2
    pc[2:] += v3
    pc[1:L - 1] += v3
    pc[:L - 2] += v3
    pc[pm] = 0.0
    return _word_evidence(text, pc.tolist(), p, a_p, wp[n_char:].tolist(), starts, ends, tp, wid, bid,
                          extras, phrases)


def _one_text_probs(st: _Fitted, zp: float, zs: float,
                    fx: RuleEffects | None) -> tuple[tuple[float, float, float], int]:
    """(P(negative), P(neutral), P(positive)) of one text from its positive and subjective
    feature sums (bias included) and the rules' effects: lexicon contributions add to the
    positive sum and lower the subjective one, the neutral shift moves P(neutral) (``zs``
    unused without a neutral class). Also the index of the largest; the vectorised path's
    calibration, number for number."""
    neutral = 0.0
    if fx is not None:
        zp += sum(w for _, _, w in fx.extra)
        zs -= sum(abs(w) for _, _, w in fx.extra)
        neutral = fx.neutral
    cal = st.cal
    lp = cal["a_p"] * zp + cal["b_p"]
    if st.has_neutral:
        arg = cal["a_s"] * zs + cal["m_s"] * abs(lp) + cal["b_s"] + neutral
        # numpy's exp, as the vectorised path (libm's may differ in the last bit)
        e = np.exp(np.array([-min(max(lp, -_CLIP), _CLIP), -min(max(arg, -_CLIP), _CLIP)])).tolist()
        p_pos = 1.0 / (1.0 + e[0])
        p_neu = 1.0 / (1.0 + e[1])
    else:
        p_pos = 1.0 / (1.0 + np.exp(np.array([-min(max(lp, -_CLIP), _CLIP)])).tolist()[0])
        p_neu = 0.0
    P = ((1 - p_neu) * (1 - p_pos), p_neu, (1 - p_neu) * p_pos)
    k = 0
    if P[1] > P[k]:
        k = 1
    if P[2] > P[k]:
        k = 2
    return P, k


def _word_evidence(text: str, per_char: list[float], p: list[int], a_p: float, word_w: list[float],
                   starts: list[int], ends: list[int], tp: list[int], wid: list[int], bid: list[int],
                   extras: list[tuple[int, int, float]], phrases: Sequence[tuple[int, int]]) -> tuple[Span, ...]:
    """The one-text evidence paths' common end: add the words', bigrams' (``word_w``, in
    that order) and rule lexicon hits' shares to the characters' gram shares
    ``per_char``, sum them per content word (or rule phrase), keep the strongest."""
    L = len(p)
    if word_w:
        cum = list(accumulate(map(sub, repeat(1), p), initial=0))  # non-punctuation characters so far
        fs = [*compress(starts, wid), *compress(starts, bid)]
        fe = [*compress(ends, wid), *compress(ends[1:], bid)]
        for x, s0, e0 in zip(word_w, fs, fe):
            kk = cum[e0] - cum[s0]
            if kk <= 0:
                continue
            share = (x * a_p) / kk
            if kk == 1 and e0 - s0 == 1:  # the common cases first: one character, ...
                per_char[s0] += share
            elif kk == e0 - s0:  # ... no punctuation inside
                for q in range(s0, e0):
                    per_char[q] += share
            else:
                for q in range(s0, e0):
                    if not p[q]:
                        per_char[q] += share
    for s0, e0, w in extras:
        val = w * a_p / max(e0 - s0, 1)
        for q in range(s0, e0):
            per_char[q] += val
    units = [(s0, e0) for s0, e0, t in zip(starts, ends, tp) if not t]
    if phrases:
        inside = [False] * L
        for s0, e0 in phrases:
            inside[s0:e0] = [True] * (e0 - s0)
        units = [un for un in units if not inside[un[0]]]
        units += phrases
    scored = []
    for s0, e0 in units:
        # reduce(add, per_char[s0:e0], 0.0), written out for the common one- and two-character units
        if e0 - s0 == 1:
            w = 0.0 + per_char[s0]
        elif e0 - s0 == 2:
            w = 0.0 + per_char[s0] + per_char[s0 + 1]
        else:
            w = reduce(add, per_char[s0:e0], 0.0)
        if abs(w) >= _MIN_EVIDENCE:
            scored.append((s0, e0, w))
    scored.sort(key=lambda x: -abs(x[2]))
    return tuple(_make_span(s0, e0, text[s0:e0], round(w, 4)) for s0, e0, w in scored[:_MAX_EVIDENCE])


def _lexicon_starts_batch(u: np.ndarray, ts: np.ndarray, te: np.ndarray, td: np.ndarray, toff: np.ndarray,
                          B: int) -> dict[int, list[int]]:
    """``rules._lexicon_starts`` of every text of a batch at once: text index -> the
    (non-empty) tokens' starts where a lexicon entry's first one or two characters
    are. ``u``: the joined texts' codes (ASCII lower case); ``ts/te/td/toff``: the
    tokens' global starts, ends, text indices and their texts' offsets."""
    out: dict[int, list[int]] = {}
    if not len(ts):
        return out
    one, two = _lexicon_start_codes()
    c0 = u[ts]
    c1 = np.append(u, 0)[ts + 1]  # the NUL after the last text begins no entry
    cand = (_among(c0, one) | _among((c0 << 21) | c1, two)) & (te > ts)
    idx = np.flatnonzero(cand)
    for k, pos in zip(td[idx].tolist(), (ts[idx] - toff[idx]).tolist()):
        out.setdefault(k, []).append(pos)
    return out


def _among(x: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """``np.isin(x, sorted_values)`` for a sorted, non-empty ``sorted_values`` (without sorting ``x``)."""
    at = np.minimum(sorted_values.searchsorted(x), len(sorted_values) - 1)
    return sorted_values[at] == x


def _punct_token(w: str) -> bool:
    c = w[:1]
    if not c:
        return True
    o = ord(c)
    return o < 0x10000 and bool(F._punct_table()[o])


def _expand(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """All positions of the spans ``[starts[i], ends[i])``, span after span."""
    widths = ends - starts
    total = int(widths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.cumsum(widths) - widths
    return np.repeat(starts - first, widths) + np.arange(total)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    buf: list[Any] = []
    for x in items:
        buf.append(x)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def _tokens(seg: Any, text: str) -> list[Token]:
    return seg.tokenize(text) if text else []


class _Spans(NamedTuple):
    """A text's tokens as three parallel lists: what the batch scorer reads of them."""

    words: list[str]
    starts: list[int]
    ends: list[int]


def _spans_of(tokens: Sequence[Token]) -> _Spans:
    return _Spans([t.text for t in tokens], [t.start for t in tokens], [t.end for t in tokens])


def _span_lists(tokens: Sequence[Token]) -> tuple[list[str], list[int], list[int]]:
    """Tokens (or :class:`_Spans`) as (words, starts, ends) lists."""
    if type(tokens) is _Spans:
        return tokens  # type: ignore[return-value]
    return [t.text for t in tokens], [t.start for t in tokens], [t.end for t in tokens]


def _fast_ok(text: str) -> bool:
    """Whether :meth:`SentimentModel._score_fast` takes ``text`` (not too long, no NUL)."""
    return len(text) <= _ONE_TEXT_MAX and "\x00" not in text


def _seg_spans(seg: Any, text: str) -> _Spans:
    """The tokens ``seg.tokenize(text)`` would give, without building Token objects."""
    spans = getattr(seg, "_spans", None)
    if spans is None:  # a segmenter of another kind: its tokens
        return _spans_of(_tokens(seg, text))
    return _Spans(*spans(text))


def _pack(items: list[str]) -> np.ndarray:
    return np.frombuffer("\n".join(items).encode("utf-8"), dtype=np.uint8).copy()


def _unpack(arr: np.ndarray) -> list[str]:
    s = arr.tobytes().decode("utf-8")
    return s.split("\n") if s else []


def _unpack_pairs(arr: np.ndarray) -> list[tuple[str, ...]]:
    """``[tuple(b.split("\\t")) for b in _unpack(arr)]``, in C when every entry is one pair."""
    lines = _unpack(arr)
    if list(map(str.count, lines, repeat("\t"))).count(1) != len(lines):  # a word holding a tab
        return [tuple(b.split("\t")) for b in lines]
    it = iter("\t".join(lines).split("\t") if lines else [])
    return list(zip(it, it))
