"""Text → vector for topic clustering, fitted on the corpus and kept for transform.

A text's vector joins three views, each L2-normalised, then weighted:

* ``vectors``: the TF-IDF-weighted mean of voc's shipped word vectors
  (PPMI/SVD, ``models/topics``): synonyms and related words meet
  (快递/物流/送货), which TF-IDF alone cannot see in short texts;
* ``lsa``: a truncated SVD of the corpus's own TF-IDF matrix: the corpus's
  vocabulary, including words the shipped vectors never saw;
* ``encoder`` (optional): a local sentence-transformers / transformers
  checkpoint, loaded lazily, never downloaded.

Everything is stored as plain arrays, so a fitted tree saves with
:mod:`voc._persist` and transform needs no refit.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import ConfigError, ModelLoadError, ModelNotFoundError

__all__ = ["Featurizer", "LocalEncoder", "specificity"]


def _l2(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return x / n


class Featurizer:
    """Fitted TF-IDF + LSA + word-vector features (arrays only, see module doc)."""

    def __init__(self, *, n_components: int = 100, weights: dict[str, float] | None = None,
                 min_df: int = 2, max_df: float = 0.5, max_features: int = 50000,
                 random_state: int = 0) -> None:
        self.n_components = n_components
        self.weights = dict(weights or {"vectors": 1.0, "lsa": 1.0, "encoder": 1.0})
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------------
    def fit(self, words: Sequence[list[str]], wordvecs: Any | None) -> Featurizer:
        n = len(words)
        df: Counter[str] = Counter()
        for ws in words:
            df.update(set(ws))
        min_df = self.min_df if n >= 20 * self.min_df else 1
        max_df = max(1, int(self.max_df * n)) if n >= 20 else n
        vocab = [w for w, c in df.most_common() if min_df <= c <= max_df][: self.max_features]
        # a word in most texts says little, unless it is all some texts say: 物流太慢了 fifty times over
        # (or one complaint ruling a batch) must not vanish into 其他 because its words are common
        kept = set(vocab)
        common = {w for w, c in df.items() if c > max_df and c >= min_df}
        rescued = {w for ws in words if ws and kept.isdisjoint(ws) for w in ws if w in common}
        if rescued:
            vocab += sorted(rescued)
        vocab.sort()
        self.vocabulary_ = vocab
        self.index_ = {w: i for i, w in enumerate(vocab)}
        d = np.array([df[w] for w in vocab], dtype=np.float64)
        self.idf_ = (np.log((1 + n) / (1 + d)) + 1.0).astype(np.float32)
        a = self._fit_tfidf = self.tfidf(words)
        if wordvecs is not None and vocab:
            self.wv_ = wordvecs.matrix(vocab)
        else:
            self.wv_ = np.zeros((len(vocab), 0), dtype=np.float32)
        k = min(self.n_components, max(0, len(vocab) - 1), max(0, n - 1))
        if k >= 2:
            from sklearn.decomposition import TruncatedSVD

            rows = a
            if n > 20000:  # a sample fixes the subspace as well as all rows, at a fraction of the cost
                pick = np.random.RandomState(self.random_state).choice(n, 20000, replace=False)
                rows = a[np.sort(pick)]
            svd = TruncatedSVD(k, algorithm="randomized", n_iter=4, random_state=self.random_state)
            svd.fit(rows)
            self.svd_ = svd.components_.astype(np.float32)
        else:
            self.svd_ = np.zeros((0, len(vocab)), dtype=np.float32)
        return self

    def tfidf(self, words: Sequence[list[str]]) -> sp.csr_matrix:
        """Sublinear TF-IDF rows, L2-normalised (empty rows stay zero)."""
        index = self.index_
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for ws in words:
            c = Counter(index[w] for w in ws if w in index)
            indices.extend(c.keys())
            data.extend(1.0 + math.log(v) for v in c.values())
            indptr.append(len(indices))
        m = sp.csr_matrix((np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32),
                           np.asarray(indptr, dtype=np.int64)), shape=(len(words), len(index)))
        m = m.multiply(self.idf_[None, :]).tocsr() if m.nnz else m
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.diags((1.0 / norms).astype(np.float32)) @ m

    def fit_transform(self, words: Sequence[list[str]], wordvecs: Any | None,
                      encoded: np.ndarray | None = None, *,
                      groups: Callable[[np.ndarray], np.ndarray | None] | None = None) -> np.ndarray:
        """:meth:`fit`, then :meth:`transform` of the same texts (TF-IDF computed once).

        With ``groups`` (joined vectors → one group per text, −1 for none, or
        None), the words are reweighted once by how specific they are to
        those first-pass groups (:func:`specificity`), and the vectors are
        recomputed: words every group uses (快递, 京东, 客服 in product
        reviews) stop pulling texts together, the words that tell groups
        apart (洗发水, 屏幕, 裤子) decide. The weights are folded into
        ``idf_``, so :meth:`transform` applies them to new texts too.
        """
        self.fit(words, wordvecs)
        a = self.__dict__.pop("_fit_tfidf")
        x = self.transform(words, encoded, _tfidf=a)
        lab = groups(x) if groups is not None else None
        if lab is None:
            return x
        lab = np.asarray(lab)
        rows = np.where(lab >= 0)[0]
        if len(rows) == 0 or len(np.unique(lab[rows])) < 2:
            return x
        g = specificity(a[rows], lab[rows]).astype(np.float32)
        self.idf_ = (self.idf_ * g).astype(np.float32)
        a = a @ sp.diags(g)
        norms = np.sqrt(np.asarray(a.multiply(a).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        a = (sp.diags((1.0 / norms).astype(np.float32)) @ a).tocsr()
        return self.transform(words, encoded, _tfidf=a)

    def transform(self, words: Sequence[list[str]], encoded: np.ndarray | None = None, *,
                  _tfidf: sp.csr_matrix | None = None) -> np.ndarray:
        """Joined, weighted, L2-normalised vectors (a zero row = nothing known)."""
        a = self.tfidf(words) if _tfidf is None else _tfidf
        parts = []
        if self.wv_.shape[1]:
            parts.append(self.weights.get("vectors", 1.0) * _l2(np.asarray(a @ self.wv_)))
        if self.svd_.shape[0]:
            parts.append(self.weights.get("lsa", 1.0) * _l2(np.asarray(a @ self.svd_.T)))
        if encoded is not None:
            parts.append(self.weights.get("encoder", 1.0) * _l2(np.asarray(encoded, dtype=np.float32)))
        if not parts:
            return np.zeros((len(words), 1), dtype=np.float32)
        x = np.hstack(parts).astype(np.float32)
        x[a.getnnz(axis=1) == 0 if encoded is None else np.zeros(len(words), bool)] = 0.0
        return _l2(x)

    # -- persistence -----------------------------------------------------------
    def to_arrays(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {"n_components": self.n_components, "weights": self.weights, "min_df": self.min_df,
                "max_df": self.max_df, "max_features": self.max_features,
                "random_state": self.random_state, "vocabulary": self.vocabulary_}
        return meta, {"idf": self.idf_, "wv": self.wv_, "svd": self.svd_}

    @classmethod
    def from_arrays(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Featurizer:
        f = cls(n_components=meta["n_components"], weights=meta["weights"], min_df=meta["min_df"],
                max_df=meta["max_df"], max_features=meta["max_features"],
                random_state=meta["random_state"])
        f.vocabulary_ = list(meta["vocabulary"])
        f.index_ = {w: i for i, w in enumerate(f.vocabulary_)}
        f.idf_, f.wv_, f.svd_ = arrays["idf"], arrays["wv"], arrays["svd"]
        return f


def specificity(a: sp.csr_matrix, labels: np.ndarray, *, floor: float = 0.3,
                smooth: float = 0.1) -> np.ndarray:
    """Per-column weight in [``floor``, 1]: how concentrated a word is in few groups.

    ``a`` holds one row per text (any non-negative weights; only presence
    counts), ``labels`` one group per row. A word's share of each group's
    texts is normalised over the groups (so group size does not matter), and
    the weight is one minus the normalised entropy of that distribution: 1
    for a word only one group uses, near 0 for a word every group uses as
    often (raised to ``floor``, so no word is silenced).

    >>> a = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1], [1, 0, 1]], np.float32))
    >>> w = specificity(a, np.array([0, 0, 1, 1]))
    >>> bool(np.isclose(w[0], 0.3) and w[1] > 0.7 and w[2] > 0.7)
    True
    """
    _, lab = np.unique(labels, return_inverse=True)
    k = int(lab.max()) + 1 if len(lab) else 0
    if k < 2:
        return np.ones(a.shape[1], dtype=np.float64)
    b = a.tocsr(copy=True)
    b.data[:] = 1.0
    member = sp.csr_matrix((np.ones(len(lab)), (lab, np.arange(len(lab)))), shape=(k, len(lab)))
    counts = np.asarray((member @ b).todense(), dtype=np.float64)        # groups × words
    sizes = np.bincount(lab, minlength=k).astype(np.float64)
    q = (counts + smooth) / sizes[:, None]
    q /= q.sum(axis=0, keepdims=True)
    h = -(q * np.log(q)).sum(axis=0) / math.log(k)
    return np.maximum(1.0 - h, floor)


class LocalEncoder:
    """A local sentence-transformers or transformers checkpoint (mean pooling), loaded lazily.

    Nothing is downloaded: the folder must exist. ``sentence_transformers``
    is tried first, then plain ``transformers`` with mean pooling. Picklable
    (only the path travels; the model reloads on first use).
    """

    def __init__(self, path: str | Path, *, batch_size: int = 64, max_length: int = 128) -> None:
        self.path = str(path)
        self.batch_size = batch_size
        self.max_length = max_length
        self._lock = threading.Lock()
        self._model: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "batch_size": self.batch_size, "max_length": self.max_length}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state.pop("path"), **state)  # type: ignore[misc]

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    if not Path(self.path).is_dir():
                        raise ModelNotFoundError(
                            f"encoder checkpoint {self.path!r} is not a folder; pass the path of a "
                            "local sentence-transformers or transformers model (voc never downloads)"
                        )
                    try:
                        from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]

                        self._model = ("st", SentenceTransformer(self.path, device="cpu"))
                    except ImportError:
                        try:
                            from transformers import AutoModel, AutoTokenizer  # type: ignore[import-not-found]
                        except ImportError as err:
                            raise ConfigError(
                                "encoder= needs sentence-transformers or transformers; "
                                "install them with pip install 'voc[neural]'"
                            ) from err
                        try:
                            tok = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
                            mod = AutoModel.from_pretrained(self.path, local_files_only=True).eval()
                        except Exception as err:  # noqa: BLE001 - any loader failure means a bad folder
                            raise ModelLoadError(f"could not load encoder from {self.path}: {err}") from err
                        self._model = ("hf", (tok, mod))
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        kind, model = self._load()
        if kind == "st":
            return np.asarray(model.encode(texts, batch_size=self.batch_size, show_progress_bar=False,
                                           convert_to_numpy=True), dtype=np.float32)
        import torch  # type: ignore[import-not-found]

        tok, mod = model
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), self.batch_size):
                enc = tok(texts[i:i + self.batch_size], padding=True, truncation=True,
                          max_length=self.max_length, return_tensors="pt")
                hidden = mod(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                out.append(((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)).numpy())
        return np.vstack(out).astype(np.float32) if out else np.zeros((0, 1), np.float32)
