"""Dense word vectors for topics: the shipped PPMI/SVD vectors, loaded once.

The vectors live in ``models/topics/word_vectors`` (``meta.json`` with the
vocabulary + ``arrays.npz``; see ``models/topics/README.md`` and
``models/topics/train_vectors.py``). Words outside the vocabulary get the mean
vector of the in-vocabulary words that share a character with them (a
character vector), so new product names and typos still land near their
relatives instead of on zero.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path

import numpy as np

from .._persist import load_artifact, unpacking
from .._resources import model_path

__all__ = ["KIND", "VERSION", "WordVectors", "default_vectors"]

KIND = "voc.topics.word_vectors"
VERSION = 1

_DEFAULT: dict[str, WordVectors] = {}
_LOCK = threading.Lock()


class WordVectors:
    """A read-only word → unit vector table with a character fallback.

    Parameters
    ----------
    words
        The vocabulary, in row order of ``vectors``.
    vectors
        Array of shape ``(len(words), dim)``; rows are L2-normalised here.
    """

    def __init__(self, words: list[str], vectors: np.ndarray, *, source: str = "") -> None:
        vec = np.asarray(vectors, dtype=np.float32)
        vec = vec / (np.linalg.norm(vec, axis=1, keepdims=True) + 1e-12)
        self.words = list(words)
        self.vectors = vec
        self.index = {w: i for i, w in enumerate(self.words)}
        self.source = source
        chars: dict[str, list[int]] = defaultdict(list)
        for i, w in enumerate(self.words):
            for c in set(w):
                chars[c].append(i)
        cvec = {}
        for c, rows in chars.items():
            v = vec[rows].mean(axis=0)
            n = float(np.linalg.norm(v))
            if n > 0:
                cvec[c] = v / n
        self._chars = cvec

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @classmethod
    def load(cls, path: str | Path) -> WordVectors:
        meta, arrays = load_artifact(path, kind=KIND, version=VERSION)
        with unpacking(path, "word-vector table"):
            return cls(meta["vocab"], arrays["vectors"], source=str(path))

    def vector(self, word: str) -> np.ndarray | None:
        """The unit vector of ``word`` (character fallback), or None when nothing is known."""
        i = self.index.get(word)
        if i is not None:
            return self.vectors[i]
        vs = [self._chars[c] for c in word if c in self._chars]
        if not vs:
            return None
        v = np.mean(vs, axis=0)
        return v / (np.linalg.norm(v) + 1e-12)

    def matrix(self, vocabulary: list[str]) -> np.ndarray:
        """Rows for ``vocabulary`` (zeros where a word is unknown even by characters)."""
        out = np.zeros((len(vocabulary), self.dim), dtype=np.float32)
        for j, w in enumerate(vocabulary):
            v = self.vector(w)
            if v is not None:
                out[j] = v
        return out


def default_vectors() -> WordVectors:
    """The shipped vectors, loaded on first use (thread-safe, read-only afterwards)."""
    wv = _DEFAULT.get("default")
    if wv is None:
        with _LOCK:
            wv = _DEFAULT.get("default")
            if wv is None:
                wv = _DEFAULT["default"] = WordVectors.load(model_path("topics", "word_vectors"))
    return wv


