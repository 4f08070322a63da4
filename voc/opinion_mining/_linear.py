"""A small hashed linear classifier (multinomial logistic regression).

Features are strings hashed with CRC-32 (stable across processes, unlike
``hash``) into ``2**bits`` rows of a weight table; a prediction is a sum of
rows plus a bias and a softmax. Training uses scikit-learn's
``LogisticRegression`` (imported only when fitting); the shipped weights are
plain numpy arrays saved with :mod:`voc._persist`.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["HashedLinear"]


class HashedLinear:
    """Multinomial linear model over hashed string features."""

    def __init__(self, classes: Sequence[str], bits: int = 18) -> None:
        self.classes = tuple(classes)
        self.bits = bits
        self.W = np.zeros((1 << bits, len(self.classes)), dtype=np.float32)
        self.b = np.zeros(len(self.classes), dtype=np.float32)

    def index(self, feats: Iterable[str]) -> list[int]:
        mask = (1 << self.bits) - 1
        return [zlib.crc32(f.encode("utf-8")) & mask for f in feats]

    def index_array(self, feats: Sequence[str]) -> np.ndarray:
        """:meth:`index` as an ``intp`` array, built without a Python-level loop (C ``map``)."""
        h = np.fromiter(map(zlib.crc32, map(str.encode, feats)), dtype=np.intp, count=len(feats))
        h &= (1 << self.bits) - 1
        return h

    def rows(self, idx: Sequence[int] | np.ndarray) -> np.ndarray:
        """``W[idx]``: gathered with ``take`` on an integer array (much faster than indexing with a list)."""
        return self.W.take(np.asarray(idx, dtype=np.intp), axis=0)

    def scores(self, feats: Iterable[str]) -> np.ndarray:
        idx = self.index(feats)
        s = self.rows(idx).sum(axis=0) + self.b if idx else self.b.copy()
        return s

    def proba(self, feats: Iterable[str]) -> np.ndarray:
        s = self.scores(feats).astype(np.float64)
        if len(self.classes) == 1:  # binary stored as one logit
            p = 1.0 / (1.0 + np.exp(-s))
            return np.concatenate([1 - p, p])
        e = np.exp(s - s.max())
        return e / e.sum()

    def proba_many(self, feats: Sequence[Sequence[str]]) -> np.ndarray:
        """Probabilities for many feature lists at once, shape ``(n, n_classes)``."""
        if not feats:
            return np.zeros((0, max(2, len(self.classes))))
        lens = [len(f) for f in feats]
        flat = self.index_array([x for f in feats for x in f])
        rows = np.repeat(np.arange(len(feats)), lens)
        S = np.zeros((len(feats), self.W.shape[1]), dtype=np.float64)
        if len(flat):
            # per class, the rows' weights added in feature order from 0.0: what
            # np.add.at(S, rows, W[flat]) computes, several times faster
            Wf = self.rows(flat).astype(np.float64)
            for j in range(S.shape[1]):
                S[:, j] = np.bincount(rows, weights=Wf[:, j], minlength=len(feats))
        S += self.b
        if len(self.classes) == 1:
            p = 1.0 / (1.0 + np.exp(-S))
            return np.concatenate([1 - p, p], axis=1)
        S -= S.max(axis=1, keepdims=True)
        E = np.exp(S)
        return E / E.sum(axis=1, keepdims=True)

    def fit(self, feats: Sequence[Sequence[str]], labels: Sequence[str], *, C: float = 1.0,
            sample_weight: Sequence[float] | None = None) -> HashedLinear:
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression

        mask = (1 << self.bits) - 1
        indptr, indices = [0], []
        for f in feats:
            indices.extend(zlib.crc32(x.encode("utf-8")) & mask for x in f)
            indptr.append(len(indices))
        X = csr_matrix((np.ones(len(indices), dtype=np.float64), indices, indptr),
                       shape=(len(feats), 1 << self.bits))
        X.sum_duplicates()
        y = np.array([self.classes.index(c) if len(self.classes) > 1 else int(c) for c in labels])
        clf = LogisticRegression(C=C, max_iter=2000)
        clf.fit(X, y, sample_weight=sample_weight)
        coef = clf.coef_
        if len(self.classes) > 1 and coef.shape[0] == 1:  # sklearn binary: one row
            coef = np.vstack([-coef / 2, coef / 2])
            inter = np.array([-clf.intercept_[0] / 2, clf.intercept_[0] / 2])
        else:
            inter = clf.intercept_
        present = list(clf.classes_)
        W = np.zeros((1 << self.bits, len(self.classes) if len(self.classes) > 1 else 1), dtype=np.float32)
        b = np.full(W.shape[1], -30.0 if len(self.classes) > 1 else 0.0, dtype=np.float32)
        if len(self.classes) == 1:
            W[:, 0] = coef[0]
            b[0] = inter[0]
        else:
            for j, c in enumerate(present):
                W[:, c] = coef[j]
                b[c] = inter[j]
        self.W, self.b = W, b
        return self
