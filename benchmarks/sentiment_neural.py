"""Small neural sentiment models against voc's linear model, on the same splits (model selection).

The issue asks to choose the default model by measurement, "a small neural model" among
the candidates. This script trains two on the training split of the sentiment corpus
(``models/sentiment/train.py``: the same texts, labels and MD5 splits as the shipped model),
on one CPU thread, and reports binary accuracy on the dev and test splits, side by side
with voc's linear model trained on the same split and with an ensemble of the two:

* ``fasttext``: a fastText-style classifier (mean of embeddings of hashed character
  1–3-grams and words, one linear layer; Joulin et al. 2017);
* ``cnn``: a character TextCNN (embeddings, convolutions of width 2/3/4, max-pooling,
  dropout; Kim 2014), no pretrained vectors (none exist offline here).

Needs torch (the ``neural`` extra) and ``../shared/data``:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/sentiment_neural.py            # ~15 min on one core
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/sentiment_neural.py --models fasttext --epochs 3

Nothing is written; voc does not ship these models (see models/sentiment/README.md,
"Model selection", for the figures and the decision).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("VOC_DATA", REPO.parent / "shared" / "data"))
BUCKETS = 1 << 21  # hashed n-gram rows of the fastText model


def load_corpus():
    spec = importlib.util.spec_from_file_location("voc_sentiment_train", REPO / "models" / "sentiment" / "train.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod.load_corpus(DATA)


def binary_acc(P: np.ndarray, y: np.ndarray) -> float:
    """Sign of P(positive) − P(negative) against ±1 labels (columns negative, neutral, positive)."""
    return float((np.where(P[:, 2] >= P[:, 0], 1, -1) == y).mean())


# -- features ---------------------------------------------------------------------------------
def fasttext_ids(texts: list[str], words: list[list[str]]) -> list[np.ndarray]:
    """Hashed ids of each text's character 1–3-grams and words (CRC32 mod BUCKETS; 0 = padding)."""
    out = []
    for t, ws in zip(texts, words):
        grams = [t[i:i + k] for k in (1, 2, 3) for i in range(len(t) - k + 1)]
        grams += ["w:" + w for w in ws]
        ids = np.fromiter((1 + zlib.crc32(g.encode("utf-8")) % (BUCKETS - 1) for g in grams), dtype=np.int64,
                          count=len(grams))
        out.append(ids if len(ids) else np.zeros(1, np.int64))
    return out


def char_ids(texts: list[str], vocab: dict[str, int], max_len: int) -> np.ndarray:
    """Character ids, padded/truncated to ``max_len`` (keeping the end: verdicts come last)."""
    X = np.zeros((len(texts), max_len), dtype=np.int64)
    for i, t in enumerate(texts):
        ids = [vocab.get(c, 1) for c in t][-max_len:]
        X[i, :len(ids)] = ids
    return X


# -- models -----------------------------------------------------------------------------------
def build(kind: str, n_chars: int, dim: int):
    import torch
    from torch import nn

    class FastText(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.EmbeddingBag(BUCKETS, dim, mode="mean", padding_idx=0, sparse=True)
            nn.init.uniform_(self.emb.weight, -1.0 / dim, 1.0 / dim)  # fastText's initialisation
            self.out = nn.Linear(dim, 3)

        def forward(self, ids, offsets):
            return self.out(self.emb(ids, offsets))

    class CharCNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(n_chars, dim, padding_idx=0)
            self.convs = nn.ModuleList(nn.Conv1d(dim, 128, k, padding=k // 2) for k in (2, 3, 4))
            self.drop = nn.Dropout(0.5)
            self.out = nn.Linear(3 * 128, 3)

        def forward(self, x):
            e = self.emb(x).transpose(1, 2)
            mask = (x > 0).unsqueeze(1)
            hs = []
            for conv in self.convs:
                h = torch.relu(conv(e))[:, :, : x.shape[1]]
                hs.append(h.masked_fill(~mask, -1e4).max(dim=2).values)
            return self.out(self.drop(torch.cat(hs, dim=1)))

    return FastText() if kind == "fasttext" else CharCNN()


def batches(n: int, size: int, rng: np.random.RandomState | None):
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for s in range(0, n, size):
        yield order[s:s + size]


def run_model(kind: str, data: dict, epochs: int, seed: int, lr: float | None = None
              ) -> tuple[dict[str, np.ndarray], float, float]:
    """Train on data['train'], return probabilities per split, fit seconds, predictions per CPU-second."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    rng = np.random.RandomState(seed)
    tr = data["train"]
    y = torch.as_tensor(tr["y"] + 1)
    counts = np.bincount(tr["y"] + 1, minlength=3)
    weight = torch.as_tensor(len(tr["y"]) / (3 * np.maximum(counts, 1)), dtype=torch.float32)
    model = build(kind, len(data["vocab"]) + 2, 64 if kind == "fasttext" else 128)
    lr = lr or (0.5 if kind == "fasttext" else 1e-3)
    # plain SGD on the sparse embedding gradients: only the rows a batch uses are touched
    opt = (torch.optim.SGD(model.parameters(), lr=lr) if kind == "fasttext"
           else torch.optim.Adam(model.parameters(), lr=lr))
    loss_fn = nn.CrossEntropyLoss(weight=weight)

    def inputs(split: dict, idx: np.ndarray):
        if kind == "fasttext":
            parts = [split["ft"][i] for i in idx]
            offsets = torch.as_tensor(np.concatenate([[0], np.cumsum([len(p) for p in parts])[:-1]]))
            return (torch.as_tensor(np.concatenate(parts)), offsets)
        return (torch.as_tensor(split["cnn"][idx]),)

    t0 = time.process_time()
    n = len(tr["y"])
    steps = epochs * ((n + 63) // 64)
    step = 0
    for _ in range(epochs):
        model.train()
        for idx in batches(n, 64, rng):
            if kind == "fasttext":  # linearly decaying learning rate, as fastText does
                for g in opt.param_groups:
                    g["lr"] = lr * (1 - step / steps)
            opt.zero_grad()
            loss = loss_fn(model(*inputs(tr, idx)), y[idx])
            loss.backward()
            opt.step()
            step += 1
    fit_s = time.process_time() - t0
    model.eval()
    out = {}
    speed = 0.0
    with torch.no_grad():
        for name in ("dev", "test"):
            sp = data[name]
            t1 = time.process_time()
            P = [torch.softmax(model(*inputs(sp, idx)), dim=1).numpy() for idx in batches(len(sp["y"]), 512, None)]
            if name == "test":
                speed = len(sp["y"]) / max(time.process_time() - t1, 1e-9)
            out[name] = np.vstack(P)
    return out, fit_s, speed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="fasttext,cnn")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=None, help="learning rate (default: fasttext 0.5 SGD, cnn 1e-3 Adam)")
    args = ap.parse_args()
    try:
        import torch  # noqa: F401
    except ImportError:
        print("needs torch: pip install -e '.[neural]'")
        return 1
    if not DATA.exists():
        print(f"needs the shared data at {DATA}")
        return 1
    import voc
    from voc.sentiment_analysis import SentimentModel

    df = load_corpus()
    norm, seg = voc.Normalizer(), voc.Segmenter()
    t0 = time.perf_counter()
    clean = [norm.normalize(t) for t in df.text]
    words = [seg.cut(t) for t in clean]
    print(f"data: {len(df)} texts, normalised and segmented in {time.perf_counter() - t0:.0f}s; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    splits = df.split.to_numpy()
    chars: dict[str, int] = {}
    for t, s in zip(clean, splits):
        if s == "train":
            for c in t:
                chars[c] = chars.get(c, 0) + 1
    vocab = {c: i + 2 for i, c in enumerate(sorted(c for c, k in chars.items() if k >= 2))}
    data: dict = {"vocab": vocab}
    ft = fasttext_ids(clean, words) if "fasttext" in args.models else None
    cnn = char_ids(clean, vocab, 160) if "cnn" in args.models else None
    for name in ("train", "dev", "test"):
        idx = np.where(splits == name)[0]
        data[name] = {"y": df.y.to_numpy()[idx].astype(np.int64), "idx": idx,
                      "source": df.source.to_numpy()[idx],
                      "ft": [ft[i] for i in idx] if ft is not None else None,
                      "cnn": cnn[idx] if cnn is not None else None}
    # voc's linear model on the same training split (rules on, as shipped)
    tr = df[df.split == "train"]
    t0 = time.process_time()
    lin = SentimentModel().fit(tr.text.tolist(), tr.y.tolist())
    lin_fit = time.process_time() - t0
    probs = {"voc linear (NB-LR + rules)": ({n: lin.predict_proba(df.text.to_numpy()[data[n]["idx"]].tolist())
                                             for n in ("dev", "test")}, lin_fit, float("nan"))}
    print(f"  voc linear fitted in {lin_fit:.0f} CPU-s", flush=True)
    for kind in args.models.split(","):
        P, fit_s, speed = run_model(kind.strip(), data, args.epochs, args.seed, args.lr)
        probs[kind] = (P, fit_s, speed)
        print(f"  {kind} fitted in {fit_s:.0f} CPU-s", flush=True)
        ens = {n: (P[n] + probs["voc linear (NB-LR + rules)"][0][n]) / 2 for n in ("dev", "test")}
        probs[f"mean of voc linear and {kind}"] = (ens, float("nan"), float("nan"))
    print(f"\n{'model':40s} {'dev shop':>9s} {'dev waimai':>11s} {'test shop':>10s} {'test waimai':>12s} "
          f"{'fit CPU-s':>10s} {'texts/CPU-s':>12s}")
    for name, (P, fit_s, speed) in probs.items():
        cells = []
        for split in ("dev", "test"):
            d = data[split]
            for source in ("online_shopping", "waimai"):
                sel = (d["source"] == source) & (d["y"] != 0)
                cells.append(binary_acc(P[split][sel], d["y"][sel]))
        print(f"{name:40s} {cells[0]:9.4f} {cells[1]:11.4f} {cells[2]:10.4f} {cells[3]:12.4f} "
              f"{fit_s:10.0f} {speed:12,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
