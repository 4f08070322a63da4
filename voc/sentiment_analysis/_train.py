"""Training for :class:`~voc.sentiment_analysis.SentimentModel` (vocabulary, two NB-LR heads, calibration)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._types import Token
from . import _features as F

log = logging.getLogger(__name__)


def _doc_features(text: str, tokens: Sequence[Token], rules: bool) -> tuple[
        np.ndarray, np.ndarray, list[str], list[tuple[str, str]], list[float], int]:
    """One text's valid char-gram codes and their rule factors, word keys, bigram keys,
    the words' and bigrams' factors, and the occurrence count ``n``."""
    from .model import _punct_token
    from .rules import apply_rules

    fx = apply_rules(text, tokens, lexicon=False) if rules and text else None
    if text:
        u = F.char_codes(text)
        p = F.punct_mask(u)
        codes, valid = F.gram_codes(u, p)
        v = np.concatenate(valid)
        allc = np.concatenate(codes)[v]
        if fx is not None:
            n = len(u)
            starts = np.concatenate([np.arange(n), np.arange(max(n - 1, 0)), np.arange(max(n - 2, 0))])
            cf = fx.factor[starts[v]]
        else:
            cf = np.ones(len(allc))
    else:
        allc = np.zeros(0, dtype=np.int64)
        cf = np.ones(0)
    keys = [t.text.lower() for t in tokens]
    content = [not _punct_token(t.text) for t in tokens]
    words = [k for k, c in zip(keys, content) if c]
    pairs = [(a, b) for a, b, ca, cb in zip(keys, keys[1:], content, content[1:]) if ca and cb]
    if fx is not None:
        f = fx.factor
        wf = [float(f[t.start]) for t, c in zip(tokens, content) if c]
        wf += [float(f[t.start]) for t, ca, cb in zip(tokens, content, content[1:]) if ca and cb]
    else:
        wf = [1.0] * (len(words) + len(pairs))
    n_words = len(words)
    n_occ = len(allc) + n_words + max(n_words - 1, 0)
    return allc, cf, words, pairs, wf, max(n_occ, 1)


def _nb_ratio(X: Any, target: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    Xb = X.copy()
    Xb.data[:] = 1.0
    p = alpha + np.asarray(Xb[target].sum(axis=0)).ravel()
    q = alpha + np.asarray(Xb[~target].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum()))


def _fit_head(X: Any, target: np.ndarray, C: float, balanced: bool) -> tuple[np.ndarray, float]:
    """NB-LR: logistic regression on log-count-ratio-scaled features; returns folded weights."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    r = _nb_ratio(X, target)
    Xn = X @ sp.diags(r)
    # primal liblinear (trust region Newton): the dual does not converge on NB-scaled features
    clf = LogisticRegression(C=C, solver="liblinear", max_iter=200,
                             class_weight="balanced" if balanced else None)
    clf.fit(Xn, target.astype(int))
    return clf.coef_.ravel() * r, float(clf.intercept_[0])


def _platt(z: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=1e4, max_iter=1000).fit(z.reshape(-1, 1), target.astype(int))
    return float(clf.coef_[0, 0]), float(clf.intercept_[0])


def train(model: Any, texts: list[str], tokens: list[Sequence[Token]], y: np.ndarray) -> Any:
    """Fit the feature tables, both heads and the calibration; returns a ``_Fitted``."""
    import scipy.sparse as sp

    from .model import _Fitted

    t0 = time.perf_counter()
    n = len(texts)
    feats = [_doc_features(t, tk, bool(model.rules)) for t, tk in zip(texts, tokens)]
    # -- vocabulary (document frequency >= min_df) -------------------------------
    uniq_codes = np.concatenate([np.unique(f[0]) for f in feats]) if feats else np.zeros(0, np.int64)
    codes, df = np.unique(uniq_codes, return_counts=True)
    char_vocab = codes[df >= model.min_df]
    n_char = len(char_vocab)
    table = F.CodeTable.build(char_vocab, np.arange(1, n_char + 1, dtype=np.int32))
    wdf: Counter[str] = Counter()
    bdf: Counter[tuple[str, str]] = Counter()
    for f in feats:
        wdf.update(set(f[2]))
        bdf.update(set(f[3]))
    ok = lambda s: "\n" not in s and "\t" not in s  # noqa: E731  (the save format separates with these)
    words = sorted(w for w, c in wdf.items() if c >= model.min_df and ok(w))
    bigrams = sorted(b for b, c in bdf.items() if c >= model.min_df and ok(b[0]) and ok(b[1]))
    widx = {w: n_char + 1 + i for i, w in enumerate(words)}
    bidx = {b: n_char + 1 + len(words) + i for i, b in enumerate(bigrams)}
    n_feat = 1 + n_char + len(words) + len(bigrams)
    # -- matrix: counts / sqrt(n_occ) ---------------------------------------------
    lens = np.fromiter((len(f[0]) for f in feats), dtype=np.int64, count=n)
    all_codes = np.concatenate([f[0] for f in feats]) if n else np.zeros(0, np.int64)
    cid = table.lookup(all_codes)
    rows_c = np.repeat(np.arange(n), lens)
    fac_c = np.concatenate([f[1] for f in feats]) if n else np.zeros(0)
    rows_w: list[int] = []
    ids_w: list[int] = []
    fac_w: list[float] = []
    for i, f in enumerate(feats):
        wf = f[4]
        for k, w in enumerate(f[2]):
            j = widx.get(w)
            if j is not None:
                rows_w.append(i)
                ids_w.append(j)
                fac_w.append(wf[k])
        off = len(f[2])
        for k, b in enumerate(f[3]):
            j = bidx.get(b)
            if j is not None:
                rows_w.append(i)
                ids_w.append(j)
                fac_w.append(wf[off + k])
    rows = np.concatenate([rows_c, np.asarray(rows_w, dtype=np.int64)])
    cols = np.concatenate([cid.astype(np.int64), np.asarray(ids_w, dtype=np.int64)])
    vals = np.concatenate([fac_c, np.asarray(fac_w, dtype=np.float64)])
    keep = cols > 0
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    scale = 1.0 / np.sqrt(np.fromiter((f[5] for f in feats), dtype=np.float64, count=n))
    X = sp.csr_matrix((scale[rows] * vals, (rows, cols)), shape=(n, n_feat))
    X.sum_duplicates()
    # the neutral-vs-opinion head sees rule weights without their sign: a negated
    # opinion ("没有不满意") is still an opinion
    Xs = sp.csr_matrix((scale[rows] * np.abs(vals), (rows, cols)), shape=(n, n_feat)) if model.rules else X
    Xs.sum_duplicates()
    t1 = time.perf_counter()
    log.info("sentiment features: %d texts, %d features in %.1fs", n, n_feat, t1 - t0)

    has_neutral = bool((y == 0).any())
    opinion = y != 0

    def fit_heads(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        W = np.zeros((n_feat, 2), dtype=np.float64)
        bias = np.zeros(2, dtype=np.float64)
        sel = idx[opinion[idx]]
        W[:, 0], bias[0] = _fit_head(X[sel], y[sel] > 0, model.C, balanced=False)
        if has_neutral:
            W[:, 1], bias[1] = _fit_head(Xs[idx], y[idx] == 0, model.C, balanced=True)
        return W, bias

    # -- calibration on a held-out share ---------------------------------------------
    rng = np.random.default_rng(model.random_state)
    cal_mask = np.zeros(n, dtype=bool)
    for cls in (-1, 0, 1):
        members = np.flatnonzero(y == cls)
        if len(members):
            k = max(1, int(round(len(members) * model.calibration_size)))
            cal_mask[rng.choice(members, size=min(k, len(members) - 1) if len(members) > 1 else 0,
                                replace=False)] = True
    fit_idx = np.flatnonzero(~cal_mask)
    cal_idx = np.flatnonzero(cal_mask)
    W, bias = fit_heads(fit_idx)
    Xc = X[cal_idx]
    zp = Xc @ W[:, 0] + bias[0]
    yc = y[cal_idx]
    cal: dict[str, float] = {"a_p": 1.0, "b_p": 0.0, "a_s": 0.0, "m_s": 0.0, "b_s": -50.0}
    info: dict[str, Any] = {"n_texts": int(n), "n_features": int(n_feat), "trained_with_rules": bool(model.rules),
                            "class_counts": {str(k): int((y == k).sum()) for k in (-1, 0, 1)}}
    op = yc != 0
    if op.sum() >= 10 and len(set((yc[op] > 0).tolist())) == 2:
        cal["a_p"], cal["b_p"] = _platt(zp[op], yc[op] > 0)
        info["calibration_binary_accuracy"] = float(((zp[op] * cal["a_p"] + cal["b_p"] > 0) == (yc[op] > 0)).mean())
    if has_neutral:
        from sklearn.linear_model import LogisticRegression

        zs = Xs[cal_idx] @ W[:, 1] + bias[1]
        strength = np.abs(cal["a_p"] * zp + cal["b_p"])
        Z = np.column_stack([zs, strength])
        if len(set((yc == 0).tolist())) == 2:
            clf = LogisticRegression(C=1e4, max_iter=1000).fit(Z, (yc == 0).astype(int))
            cal["a_s"], cal["m_s"] = (float(v) for v in clf.coef_[0])
            cal["b_s"] = float(clf.intercept_[0])
    # -- refit on everything --------------------------------------------------------------
    W, bias = fit_heads(np.arange(n))
    info["train_seconds"] = round(time.perf_counter() - t0, 1)
    log.info("sentiment model trained in %.1fs", info["train_seconds"])
    return _Fitted(char_table=table, n_char=n_char, words=widx, bigrams=bidx,
                   W=W.astype(np.float32), bias=bias, cal=cal, has_neutral=has_neutral, info=info)
