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
   rhetorical questions, degree) and add lexicon ones (emoji, slang).
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
from array import array
from itertools import accumulate, repeat
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np

from .._input import as_text, as_texts
from .._types import Document, Sentiment, Span, Token
from ..errors import ConfigError, InputError, ModelLoadError, NotFittedError
from . import _features as F
from .lexicon import ASCII_LOWER
from .rules import apply_rules, apply_rules_spans

__all__ = ["SentimentModel", "map_labels"]

log = logging.getLogger(__name__)

FORMAT = "voc.sentiment"  # the artefact format's name, fixed across package renames
FORMAT_VERSION = 1
LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")
_MAX_EVIDENCE = 8
_CLIP = 500.0  # |logit| cap before exp
_ONE_TEXT_MAX = 2000  # longer texts are scored by the vectorised path
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
        raise InputError("fit() got no labels; pass one label per text")
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
                 "words")

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
        return {k: getattr(self, k) for k in self.__slots__ if k != "fast"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            setattr(self, k, v)
        self.fast = None

    def fast_tables(self) -> tuple[Any, ...]:
        """Python dict/list copies of the tables: one text scores faster without numpy calls.

        Built once (a race builds two identical copies; either wins)."""
        fast = self.fast
        if fast is None:
            keys = self.char_table.keys
            sel = keys != F.EMPTY
            code_id = dict(zip(keys[sel].tolist(), self.char_table.vals[sel].tolist()))
            W = self.W.astype(np.float64)
            ptab = bytes(F._punct_table()[:0x10000].astype(np.uint8))
            # array('d') holds the float64 weights at 8 bytes each (a list would take 32)
            fast = self.fast = (code_id, array("d", W[:, 0].tobytes()), array("d", W[:, 1].tobytes()), ptab)
        return fast


class SentimentModel:
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

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments (scikit-learn style)."""
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params: Any) -> SentimentModel:
        """Change constructor arguments; ``rules`` can be switched on a fitted model."""
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ConfigError(f"SentimentModel has no parameter {k!r}; valid: {self._PARAMS}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        state = "fitted" if self._state is not None else "not fitted"
        return f"SentimentModel(rules={self.rules}, C={self.C}, min_df={self.min_df}) [{state}]"

    def __getstate__(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self._PARAMS}
        d["_state"] = self._state
        return d

    def __setstate__(self, d: dict[str, Any]) -> None:
        state = d.pop("_state", None)
        self.__init__(**d)  # type: ignore[misc]
        self._state = state

    # -- tools (normaliser and segmenter, built lazily under a lock) ---------------
    def _get_tools(self) -> tuple[Any, Any]:
        tools = self._tools
        if tools is None:
            with self._lock:
                if self._tools is None:
                    from ._tools import build_tools

                    self._tools = build_tools()
                tools = self._tools
        return tools

    def _fitted(self) -> _Fitted:
        st = self._state
        if st is None:
            raise NotFittedError(
                "this SentimentModel is not fitted; call fit(texts, labels) first, or use "
                "SentimentModel.load() for the shipped model"
            )
        return st

    @property
    def classes_(self) -> tuple[str, ...]:
        """The labels the fitted model can predict."""
        st = self._fitted()
        return LABELS if st.has_neutral else ("negative", "positive")

    @property
    def info_(self) -> dict[str, Any]:
        """Training facts stored with the model (data sizes, calibration scores)."""
        return dict(self._fitted().info)

    # -- scoring (one vectorised path for one text or a batch) ------------------------
    def _score_batch(self, st: _Fitted, texts: Sequence[str], token_lists: Sequence[Sequence[Token]], *,
                     evidence: bool = True, probs: bool = False) -> list[Any]:
        """Score normalised texts with their tokens; the same code serves one text and many.

        All texts are joined with NUL separators (the normaliser removes NUL, and a
        gram containing one is never a feature), so the character grams of the whole
        batch are encoded, looked up and summed with a handful of numpy calls.
        """
        B = len(texts)
        if B == 0:
            return []
        lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=B)
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
        for words, starts, ends in views:
            keys += map(str.lower, words)
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
        wget = st.words.get
        bget = st.bigrams.get
        wid = np.fromiter(map(wget, keys, repeat(0)), dtype=np.int32, count=len(keys))
        bid = np.fromiter(map(bget, zip(keys, keys[1:]), repeat(0)), dtype=np.int32,
                          count=max(len(keys) - 1, 0))
        if len(bid):
            bid[td[:-1] != td[1:]] = 0  # no bigram across two texts
        factor = np.ones(L, dtype=np.float64) if self.rules else None
        extras: list[list[tuple[int, int, float]]] = [[] for _ in range(B)]
        phrases: list[Any] = [()] * B
        if factor is not None:
            for i, (text, (words, starts, ends), off) in enumerate(zip(texts, views, offs.tolist())):
                if text:
                    fx = apply_rules_spans(text, words, starts, ends)
                    if fx is not None:
                        factor[off:off + len(text)] = fx.factor
                        extras[i] = fx.extra
                        phrases[i] = fx.phrases
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
        Wf = st.W[ids].astype(np.float64)
        wp = Wf[:, 0] * mult
        extra_p = np.array([sum(w for _, _, w in ex) for ex in extras])
        zp = st.bias[0] + np.bincount(fdoc, wp, minlength=B) + extra_p
        cal = st.cal
        lp = cal["a_p"] * zp + cal["b_p"]
        # logits are clipped before exp: a megabyte of praise must not overflow (test_pipeline.py)
        p_pos = 1.0 / (1.0 + np.exp(-np.clip(lp, -_CLIP, _CLIP)))
        if st.has_neutral:
            ws = Wf[:, 1] * mult_s
            zs = st.bias[1] + np.bincount(fdoc, ws, minlength=B)
            # lexicon hits (emoji, slang) are opinions: they lower the neutral score
            zs -= np.array([sum(abs(w) for _, _, w in ex) for ex in extras])
            arg = cal["a_s"] * zs + cal["m_s"] * np.abs(lp) + cal["b_s"]
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
                  fs: np.ndarray, fe: np.ndarray, extras: list[list[tuple[int, int, float]]],
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
        for i, ex in enumerate(extras):
            off = int(offs[i])
            for s, e, w in ex:
                per_char[off + s:off + e] += w * a_p / max(e - s, 1)
            for s, e in phrases[i]:
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
        cur = -1
        bucket: list[Span] = []
        for j in order.tolist():
            d = int(uda[j])
            if d != cur:
                if cur >= 0:
                    out[cur] = tuple(bucket)
                cur = d
                bucket = []
            if len(bucket) >= _MAX_EVIDENCE:
                continue
            off = int(offs[d])
            s, e = int(usa[j]) - off, int(uea[j]) - off
            bucket.append(Span(s, e, texts[d][s:e], weight=round(float(w[j]), 4)))
        if cur >= 0:
            out[cur] = tuple(bucket)
        return out

    def _score(self, st: _Fitted, text: str, tokens: Sequence[Token], *,
               evidence: bool = True, probs: bool = False) -> Any:
        if probs or len(text) > _ONE_TEXT_MAX:
            # long texts: numpy wins again (both paths give identical results)
            return self._score_batch(st, [text], [tokens], evidence=evidence, probs=probs)[0]
        return self._score_one(st, text, tokens, evidence=evidence)

    def _score_one(self, st: _Fitted, text: str, tokens: Sequence[Token], *,
                   evidence: bool = True) -> Sentiment:
        """One text, in plain Python: the same arithmetic, in the same order, as
        :meth:`_score_batch` (numpy calls cost more than the work for one short text).
        ``test_sentiment.py::test_one_text_path_equals_batch`` pins the equality."""
        code_id, Wp, Ws, ptab = st.fast_tables()
        low = text.translate(ASCII_LOWER)
        o = [ord(c) for c in low]
        L = len(o)
        content = [not (x < 0x10000 and ptab[x]) for x in o]
        cget = code_id.get
        f_id: list[int] = []
        f_s: list[int] = []
        f_e: list[int] = []
        n_valid = 0
        for i, (x, c) in enumerate(zip(o, content)):  # order 1
            if c and x:
                n_valid += 1
                j = cget(x, 0)
                if j:
                    f_id.append(j)
                    f_s.append(i)
                    f_e.append(i + 1)
        for i in range(L - 1):  # order 2
            if (content[i] or content[i + 1]) and o[i] and o[i + 1]:
                n_valid += 1
                j = cget((o[i] << 21) | o[i + 1], 0)
                if j:
                    f_id.append(j)
                    f_s.append(i)
                    f_e.append(i + 2)
        for i in range(L - 2):  # order 3
            if (content[i] or content[i + 1] or content[i + 2]) and o[i] and o[i + 1] and o[i + 2]:
                n_valid += 1
                j = cget((o[i] << 42) | (o[i + 1] << 21) | o[i + 2], 0)
                if j:
                    f_id.append(j)
                    f_s.append(i)
                    f_e.append(i + 3)
        keys = [t.text.lower() for t in tokens]
        tcont = [content[t.start] for t in tokens]
        nw = sum(tcont)
        n_occ = float(n_valid + nw + max(nw - 1, 0))
        wget = st.words.get
        for t, k in zip(tokens, keys):
            j = wget(k, 0)
            if j:
                f_id.append(j)
                f_s.append(t.start)
                f_e.append(t.end)
        bget = st.bigrams.get
        for t1, t2, pair in zip(tokens, tokens[1:], zip(keys, keys[1:])):
            j = bget(pair, 0)
            if j:
                f_id.append(j)
                f_s.append(t1.start)
                f_e.append(t2.end)
        fx = apply_rules(text, tokens) if self.rules and text else None
        scale = 1.0 / math.sqrt(max(n_occ, 1.0))
        if fx is not None:
            fac = fx.factor.tolist()
            mult = [scale * fac[x] for x in f_s]
            mult_s = [scale * abs(fac[x]) for x in f_s]
            extras = fx.extra
        else:
            mult = mult_s = [scale] * len(f_s)
            extras = []
        wp = [Wp[j] * m for j, m in zip(f_id, mult)]
        sp_ = 0.0
        for x in wp:
            sp_ += x
        zp = float(st.bias[0]) + sp_ + sum(w for _, _, w in extras)
        cal = st.cal
        lp = cal["a_p"] * zp + cal["b_p"]
        if st.has_neutral:
            ss = 0.0
            for j, m in zip(f_id, mult_s):
                ss += Ws[j] * m
            zs = float(st.bias[1]) + ss
            zs -= sum(abs(w) for _, _, w in extras)
            e = np.exp(-np.clip(np.array([lp]), -_CLIP, _CLIP))
            p_pos = float(1.0 / (1.0 + e[0]))
            arg = np.array([cal["a_s"] * zs + cal["m_s"] * abs(lp) + cal["b_s"]])
            e2 = np.exp(-np.clip(arg, -_CLIP, _CLIP))
            p_neu = float(1.0 / (1.0 + e2[0]))
        else:
            e = np.exp(-np.clip(np.array([lp]), -_CLIP, _CLIP))
            p_pos = float(1.0 / (1.0 + e[0]))
            p_neu = 0.0
        P = ((1 - p_neu) * (1 - p_pos), p_neu, (1 - p_neu) * p_pos)
        k = 0
        if P[1] > P[k]:
            k = 1
        if P[2] > P[k]:
            k = 2
        ev: tuple[Span, ...] = ()
        if evidence and L:
            a_p = cal["a_p"]
            cum = [0.0, *accumulate(1.0 if c else 0.0 for c in content)]
            per_char = [0.0] * L
            for x, s0, e0 in zip(wp, f_s, f_e):
                kk = cum[e0] - cum[s0]
                if kk > 0:  # (adding share * 0.0 never changes a sum, so it is skipped)
                    share = (x * a_p) / kk
                    if e0 - s0 == 1:
                        per_char[s0] += share
                    else:
                        for q in range(s0, e0):
                            if content[q]:
                                per_char[q] += share
            ps: list[tuple[int, int]] = []
            for s0, e0, w in extras:
                v = w * a_p / max(e0 - s0, 1)
                for q in range(s0, e0):
                    per_char[q] += v
            if fx is not None:
                ps = list(fx.phrases)
            if ps:
                inside = [False] * L
                for s0, e0 in ps:
                    for q in range(s0, e0):
                        inside[q] = True
                units = [(t.start, t.end) for t, c in zip(tokens, tcont) if c and not inside[t.start]]
                units += ps
            else:
                units = [(t.start, t.end) for t, c in zip(tokens, tcont) if c]
            scored = []
            for s0, e0 in units:
                w = 0.0
                for q in range(s0, e0):
                    w += per_char[q]
                if abs(w) >= _MIN_EVIDENCE:
                    scored.append((s0, e0, w))
            scored.sort(key=lambda x: -abs(x[2]))
            ev = tuple(Span(s0, e0, text[s0:e0], weight=round(float(w), 4))
                       for s0, e0, w in scored[:_MAX_EVIDENCE])
        return Sentiment(LABELS[k], round(float(P[k]), 6), round(float(P[2] - P[0]), 6), ev)

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
        return self._score(st, clean, _tokens(seg, clean))

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
        tokens = doc.tokens
        if tokens is None:
            tokens = _tokens(self._get_tools()[1], doc.text)
        return replace(doc, sentiment=self._score(st, doc.text, tokens))

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
                yield replace(d, sentiment=r)

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
        from .._persist import load_artifact
        from .._resources import model_path

        folder = Path(path) if path is not None else model_path("sentiment")
        meta, arrays = load_artifact(folder, kind=FORMAT, version=FORMAT_VERSION)
        try:
            params = dict(meta["params"])
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
        except (KeyError, ValueError, TypeError) as err:
            raise ModelLoadError(f"{folder} is not a complete voc sentiment model ({err}); re-save it") from err
        model = cls(**params)
        model._state = st
        return model


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
