"""Train the word vectors that voc.TopicTree ships (PPMI + truncated SVD).

Reads the customer texts in ../shared/data (no labels are used), cuts them
with voc's own Normalizer + Segmenter and topic-word filter
(``voc.topics._text.Analyzer``), counts co-occurrences of content words
within a window, turns the counts into positive pointwise mutual information
with context-distribution smoothing (Levy, Goldberg & Dagan 2015), and keeps
the top singular vectors. Output: ``models/topics/word_vectors/``
(``meta.json`` + ``arrays.npz``, read with voc._persist; no pickle).

Run from the repository root (single core, about a minute)::

    OMP_NUM_THREADS=1 .venv/bin/python models/topics/train_vectors.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils.extmath import randomized_svd

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))

from voc._persist import save_artifact  # noqa: E402
from voc.topics._text import Analyzer  # noqa: E402
from voc.topics._vectors import KIND, VERSION  # noqa: E402


def corpus() -> dict[str, list[str]]:
    """Every unlabelled text of the shared data, by source (deduplicated)."""
    out: dict[str, list[str]] = {}
    out["online_shopping"] = pd.read_csv(DATA / "sentiment/online_shopping_9cats.csv").review.dropna().astype(str).tolist()
    out["waimai"] = pd.read_csv(DATA / "sentiment/waimai.csv").review.dropna().astype(str).tolist()
    out["weibo"] = pd.read_csv(DATA / "emotion/nlpcc2013_weibo.csv").iloc[:, -1].dropna().astype(str).tolist()
    cos = pd.concat([pd.read_csv(DATA / "opinions/zhijiang_cosmetics_reviews.csv"),
                     pd.read_csv(DATA / "opinions/zhijiang_cosmetics_unlabelled.csv")])
    out["cosmetics"] = cos.Reviews.dropna().astype(str).tolist()
    rest = []
    for part in ("train", "dev", "test"):
        for line in (DATA / f"opinions/aste_restaurant_{part}.txt").read_text(encoding="utf-8").splitlines():
            rest.append(line.split("####")[0].replace(" ", ""))
    out["restaurant"] = rest
    out["car_forum"] = pd.read_csv(DATA / "opinions/car_forum_topics.csv").drop_duplicates("content_id").content.astype(str).tolist()
    turns = []
    with open(DATA / "dialogues/helpdesk_weibo.jsonl", encoding="utf-8") as fh:
        for line in fh:
            turns.extend(t["text"] for t in json.loads(line)["turns"])
    out["helpdesk"] = turns
    jd = pd.read_csv(DATA / "dialogues/jd_chat_sessions.tsv", sep="\t", quoting=3)
    out["jd_chat"] = jd.text.dropna().astype(str).tolist()
    return {k: list(dict.fromkeys(v)) for k, v in out.items()}


def cooccurrence(docs: list[list[int]], n_vocab: int, window: int) -> sp.csr_matrix:
    rows, cols, vals = [], [], []
    for d in range(1, window + 1):
        w = 1.0 / d
        for ids in docs:
            if len(ids) > d:
                a = np.asarray(ids[:-d]); b = np.asarray(ids[d:])
                rows.append(a); cols.append(b); vals.append(np.full(len(a), w, np.float32))
    r = np.concatenate(rows); c = np.concatenate(cols); v = np.concatenate(vals)
    m = sp.coo_matrix((v, (r, c)), shape=(n_vocab, n_vocab)).tocsr()
    m = m + m.T
    m.setdiag(0)
    m.eliminate_zeros()
    return m


def ppmi(m: sp.csr_matrix, alpha: float = 0.75) -> sp.csr_matrix:
    m = m.tocoo()
    total = m.sum()
    row = np.asarray(m.sum(axis=1)).ravel()
    col = np.asarray(m.sum(axis=0)).ravel() ** alpha
    col_total = col.sum()
    pmi = np.log(m.data * col_total / (row[m.row] * col[m.col])) if total else m.data
    keep = pmi > 0
    return sp.csr_matrix((pmi[keep].astype(np.float32), (m.row[keep], m.col[keep])), shape=m.shape)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(REPO / "models/topics/word_vectors"))
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--window", type=int, default=6)
    ap.add_argument("--min-count", type=int, default=4)
    ap.add_argument("--max-vocab", type=int, default=40000)
    args = ap.parse_args()

    t0 = time.time()
    texts = corpus()
    sizes = {k: len(v) for k, v in texts.items()}
    all_texts = [t for v in texts.values() for t in v]
    print(f"{len(all_texts)} texts: {sizes}", flush=True)
    words, _ = Analyzer().analyze(all_texts)
    counts = Counter(w for ws in words for w in ws)
    vocab = [w for w, c in counts.most_common(args.max_vocab) if c >= args.min_count]
    index = {w: i for i, w in enumerate(vocab)}
    docs = [[index[w] for w in ws if w in index] for ws in words]
    print(f"tokenised in {time.time() - t0:.0f}s; vocabulary {len(vocab)}", flush=True)

    m = ppmi(cooccurrence(docs, len(vocab), args.window))
    print(f"PPMI matrix nnz={m.nnz} ({time.time() - t0:.0f}s)", flush=True)
    u, s, _ = randomized_svd(m, n_components=args.dim, n_iter=5, random_state=0)
    vec = u * np.sqrt(s)
    vec /= np.linalg.norm(vec, axis=1, keepdims=True) + 1e-12
    save_artifact(
        args.out, kind=KIND, version=VERSION,
        meta={"vocab": vocab, "dim": args.dim, "window": args.window, "min_count": args.min_count,
              "method": "PPMI (context smoothing 0.75) + truncated SVD, U*sqrt(S), L2-normalised",
              "trained_on": sizes},
        arrays={"vectors": vec.astype(np.float16),
                "counts": np.array([counts[w] for w in vocab], dtype=np.int64)},
    )
    print(f"saved {args.out} in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
