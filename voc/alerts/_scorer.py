"""The fitted text scorer: how likely a dialogue is to end with a very dissatisfied customer.

A logistic regression over TF-IDF character 1–3-grams of the customer's turns
(folded with :func:`voc.alerts._rules.fold`; grams never span two turns or a
whitespace), sublinear term frequency and L2 norm, trained by
``models/alerts/train_scorer.py``.

Speed: a gram is encoded exactly as one integer (code points are < 2**21, so
a trigram fits in 63 bits), every gram of a text is computed at once with
numpy and looked up in the sorted vocabulary keys. The streaming monitor keeps
running sums, so adding a turn costs time proportional to that turn's length;
batch scoring does a whole batch of dialogues in a few array operations.

Saved with :mod:`voc._persist` (JSON + npz, no pickle).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._persist import load_artifact, save_artifact, unpacking
from ..errors import ModelLoadError
from ._rules import fold

__all__ = ["KIND", "VERSION", "TextScorer", "gram_keys", "grams"]

KIND = "voc-alert-scorer"
VERSION = 1
NGRAMS = (1, 2, 3)

_NLOG = 256
_LOG1P = [0.0] + [1.0 + math.log(k) for k in range(1, _NLOG)]  # 1 + log(tf); 0 for tf = 0
_add = str.__add__
# every code point str.isspace() accepts is below U+3001
_WS = np.array([cp for cp in range(0x3001) if chr(cp).isspace()], dtype=np.uint64)
_SHIFT = np.uint64(21)
_SHIFT2 = np.uint64(42)


def grams(text: str) -> list[str]:
    """Character 1–3-grams of a folded text, whitespace runs skipped (the training analyzer).

    >>> grams("太慢了")
    ['太', '慢', '了', '太慢', '慢了', '太慢了']
    """
    out: list[str] = []
    for part in text.split():
        bi = list(map(_add, part, part[1:]))
        out.extend(part)
        out.extend(bi)
        out.extend(map(_add, bi, part[2:]))
    return out


def _key(gram: str) -> int:
    k = 0
    for ch in gram:
        k = (k << 21) | ord(ch)
    return k


def gram_keys(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(keys, start positions) of every 1–3-gram of ``text`` without whitespace.

    The same grams as :func:`grams` (as a multiset), each encoded by :func:`_key`.
    """
    c = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    n = len(c)
    ws = np.isin(c, _WS)
    ok1 = ~ws
    ok2 = ok1[:-1] & ok1[1:]
    ok3 = ok2[:-1] & ok1[2:]
    keys = np.concatenate((
        c[ok1],
        ((c[:-1] << _SHIFT) | c[1:])[ok2],
        ((c[:-2] << _SHIFT2) | (c[1:-1] << _SHIFT) | c[2:])[ok3] if n >= 3 else np.empty(0, np.uint64),
    ))
    pos = np.concatenate((np.flatnonzero(ok1), np.flatnonzero(ok2),
                          np.flatnonzero(ok3) if n >= 3 else np.empty(0, np.intp)))
    return keys, pos


class TextScorer:
    """Linear scorer over TF-IDF character n-grams (read-only after loading)."""

    __slots__ = ("vocabulary", "idf", "coef", "intercept", "meta", "_keys", "_cols", "_index", "_wdot",
                 "_wsq")

    def __init__(self, vocabulary: list[str], idf: np.ndarray, coef: np.ndarray,
                 intercept: float, meta: dict[str, Any] | None = None) -> None:
        self.vocabulary = list(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.meta = dict(meta or {})
        if not len(self.vocabulary) == len(self.idf) == len(self.coef):
            raise ModelLoadError(
                f"scorer arrays disagree: {len(self.vocabulary)} grams, {len(self.idf)} idf, "
                f"{len(self.coef)} coef; retrain with models/alerts/train_scorer.py"
            )
        keys = np.array([_key(g) for g in self.vocabulary], dtype=np.uint64)
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._cols = order.astype(np.intp)
        # the streaming path works on Python objects (numpy's per-call cost dominates for
        # one short turn): gram -> column + 1, so that filter(None, ...) drops misses in C
        self._index = {g: i + 1 for i, g in enumerate(self.vocabulary)}
        self._wdot = [0.0] + (self.coef * self.idf).tolist()  # per column + 1: coef * idf
        self._wsq = [0.0] + (self.idf * self.idf).tolist()  # per column + 1: idf ** 2

    # -- persistence -----------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> TextScorer:
        """Load a scorer folder (default: the shipped ``models/alerts/scorer``)."""
        if path is None:
            from .._resources import model_path

            path = model_path("alerts", "scorer")
        meta, arrays = load_artifact(path, kind=KIND, version=VERSION)
        with unpacking(path, "alert scorer"):
            return cls(meta["vocabulary"], arrays["idf"], arrays["coef"], meta["intercept"],
                       {k: v for k, v in meta.items() if k not in ("vocabulary", "intercept")})

    def save(self, path: str | os.PathLike[str], **meta: Any) -> Path:
        """Write the scorer to folder ``path`` (meta.json + arrays.npz)."""
        return save_artifact(
            path, kind=KIND, version=VERSION,
            meta={**self.meta, **meta, "intercept": self.intercept, "ngrams": list(NGRAMS),
                  "vocabulary": self.vocabulary},
            arrays={"idf": self.idf, "coef": self.coef},
        )

    # -- scoring -----------------------------------------------------------------
    def _lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(feature columns, mask of keys found) for gram keys."""
        pos = np.searchsorted(self._keys, keys)
        pos[pos >= len(self._keys)] = 0
        hit = self._keys[pos] == keys
        return self._cols[pos[hit]], hit

    def update(self, counts: dict[int, int], text: str) -> tuple[float, float]:
        """Add one customer turn (folded) to ``counts`` (keyed by column + 1); return the change in (dot, sq).

        With sublinear tf a feature weighs ``(1 + log tf) * idf``; only the
        features this turn touches change, so the cost is linear in its length.
        """
        hits = Counter(filter(None, map(self._index.get, grams(text))))
        d_dot = d_sq = 0.0
        wdot, wsq = self._wdot, self._wsq
        get = counts.get
        for j, c in hits.items():
            old = get(j, 0)
            new = old + c
            counts[j] = new
            ln = _LOG1P[new] if new < _NLOG else 1.0 + math.log(new)
            lo = _LOG1P[old] if old < _NLOG else 1.0 + math.log(old)
            d_dot += wdot[j] * (ln - lo)
            d_sq += wsq[j] * (ln * ln - lo * lo)
        return d_dot, d_sq

    def probability(self, dot: float, sq: float) -> float:
        """P(high risk) from running sums; the intercept alone when nothing matched."""
        z = self.intercept + (dot / math.sqrt(sq) if sq > 1e-12 else 0.0)
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def probabilities(self, dialogues: Sequence[Sequence[str]]) -> np.ndarray:
        """Probabilities for many dialogues at once, each given as its folded customer turns.

        Vectorised twin of :meth:`update` + :meth:`probability` (the same
        numbers up to float rounding), used by batch scoring.
        """
        n = len(dialogues)
        texts: list[str] = []
        owner: list[int] = []
        for r, turns in enumerate(dialogues):
            for t in turns:
                if t:
                    texts.append(t)
                    owner.append(r)
        dot = np.zeros(n)
        sq = np.zeros(n)
        if texts:
            joined = " ".join(texts)  # the space stops grams from spanning two turns
            keys, pos = gram_keys(joined)
            lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
            owner_of_char = np.repeat(np.asarray(owner, dtype=np.int64), lens)
            cols, hit = self._lookup(keys)
            rows = owner_of_char[pos[hit]]
            width = np.int64(len(self.idf))
            pair, tf = np.unique(rows * width + cols, return_counts=True)
            r, j = np.divmod(pair, width)
            w = (1.0 + np.log(tf)) * self.idf[j]
            dot = np.bincount(r, weights=w * self.coef[j], minlength=n)
            sq = np.bincount(r, weights=w * w, minlength=n)
        safe = sq > 1e-12
        z = self.intercept + np.where(safe, dot / np.sqrt(np.where(safe, sq, 1.0)), 0.0)
        return 1.0 / (1.0 + np.exp(-z))

    def fuse(self, model: float, categories: Iterable[str], resolved: bool) -> float:
        """The calibrated dialogue score: text probability + flagged categories + resolution.

        ``sigmoid(b0 + a·logit(model) + Σ b_category + b_resolved·resolved)``
        with the coefficients fitted by ``train_scorer.py`` (``meta["fusion"]``);
        a scorer without them returns ``model`` unchanged.
        """
        fusion = self.meta.get("fusion")
        if not fusion:
            return model
        p = min(max(model, 1e-9), 1 - 1e-9)
        z = fusion["intercept"] + fusion["model"] * math.log(p / (1 - p))
        weights = fusion["categories"]
        for c in sorted(set(categories)):  # a fixed order: the same sum in every process
            z += weights.get(c, 0.0)
        if resolved:
            z += fusion["resolved"]
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def score_texts(self, texts: Iterable[str]) -> float:
        """Probability for one dialogue given its customer turns (raw text)."""
        counts: dict[int, int] = {}
        dot = sq = 0.0
        for t in texts:
            a, b = self.update(counts, fold(t))
            dot += a
            sq += b
        return self.probability(dot, sq)

    def __repr__(self) -> str:
        return f"TextScorer(features={len(self.vocabulary)})"
