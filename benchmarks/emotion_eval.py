"""Emotion quality: the NLPCC 2013 held-out split and a hand-written customer-service set, in one run.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/emotion_eval.py                 # both sections
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/emotion_eval.py --sections cs   # customer-service set only

Sections (``--sections``, comma-separated):

* ``nlpcc``: the shipped model on the fixed 20 % of ``../shared/data/emotion/nlpcc2013_weibo.csv``
  that ``models/emotion/train.py`` holds out (per-class P/R/F1, confusion), with the
  shipped anger threshold and with plain argmax labels.
* ``cs``: ``benchmarks/data/emotion_cs_blind.tsv``, 300 customer-service texts written blind
  (100 anger; hard negatives such as negated anger, polite complaints, disappointment,
  disgust). Anger precision, recall and F1 (what alerts act on), the same per ``kind`` of
  row, and eight-class accuracy and macro-F1. Only scores are printed, never the rows: it
  is a test set, and reading its errors would spend it. First the same summary on
  ``emotion_cs_dev.tsv``, the development set the anger cues were tuned on (optimistic).
  Then the same two summaries on the Hong Kong Cantonese and Taiwan sets
  (``emotion_regional_dev.tsv``, ``emotion_regional_blind.tsv``: 200 texts each, 70 anger).

The customer-service set measures what the Weibo split cannot: whether anger on the texts voc
is used on (complaints, service chats) is found, and whether calm complaints are left alone.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
CS = HERE / "data" / "emotion_cs_blind.tsv"
CS_DEV = HERE / "data" / "emotion_cs_dev.tsv"
# Hong Kong Cantonese and Taiwan customer-service texts (half each): development and blind sets
REGIONAL_DEV = HERE / "data" / "emotion_regional_dev.tsv"
REGIONAL = HERE / "data" / "emotion_regional_blind.tsv"
NLPCC = REPO.parent / "shared" / "data" / "emotion" / "nlpcc2013_weibo.csv"


def _train_module():
    spec = importlib.util.spec_from_file_location("voc_emotion_train", REPO / "models" / "emotion" / "train.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def _anger_prf(pred: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    tp = float(np.sum(pred & gold))
    p = tp / pred.sum() if pred.sum() else 0.0
    r = tp / gold.sum() if gold.sum() else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def section_nlpcc(args: argparse.Namespace) -> None:
    from voc.sentiment_analysis import EmotionModel

    print("\n== NLPCC 2013 held-out split (Weibo) ==")
    if not NLPCC.exists():
        print(f"  [skipped: {NLPCC} not found]")
        return
    tr = _train_module()
    _, test = tr.heldout_split(tr.read_nlpcc(NLPCC))
    texts, labels = test.text.astype(str).tolist(), test.label.tolist()
    tr.report(EmotionModel.load(), texts, labels, name="shipped (anger threshold)")
    tr.report(EmotionModel.load().set_params(anger_threshold=None), texts, labels, name="argmax")


def _cs_summary(path: Path, title: str, models: dict) -> tuple | None:
    """Print anger P/R/F1, 8-class accuracy and macro-F1 of each model on one set; return
    (frame, gold labels, predicted labels per model), or None when the file is absent."""
    import pandas as pd
    from sklearn.metrics import f1_score

    print(f"\n== Customer-service {title}: {path.name} ==")
    if not path.exists():
        print(f"  [skipped: {path} not found]")
        return None
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=3)
    texts, gold = df.text.tolist(), df.label.to_numpy()
    preds = {k: np.asarray([e.label for e in m.predict_batch(texts)]) for k, m in models.items()}
    print(f"  {len(df)} texts, {int((gold == 'anger').sum())} anger")
    print(f"  {'model':<28} {'anger P':>8} {'anger R':>8} {'anger F1':>9} {'8-class acc':>12} {'macro-F1':>9}")
    for k, pred in preds.items():
        p, r, f = _anger_prf(pred == "anger", gold == "anger")
        acc = float(np.mean(pred == gold))
        mf = f1_score(gold, pred, average="macro", zero_division=0)
        print(f"  {k:<28} {p:8.3f} {r:8.3f} {f:9.3f} {acc:12.3f} {mf:9.3f}")
    return df, gold, preds


def section_cs(args: argparse.Namespace) -> None:
    from voc.sentiment_analysis import EmotionModel

    models = {"shipped (anger threshold)": EmotionModel.load(),
              "argmax": EmotionModel.load().set_params(anger_threshold=None)}
    _cs_summary(CS_DEV, "development set (cues tuned on it)", models)
    blind = _cs_summary(CS, "blind test set; scores only", models)
    if blind is None:
        return
    df, gold, preds = blind
    print("\n  share of rows labelled anger, by kind of row (gold anger share in brackets):")
    print(f"  {'kind':<18} {'n':>4} " + " ".join(f"{k[:14]:>15}" for k in preds))
    for kind, g in df.groupby("kind"):
        idx = g.index.to_numpy()
        share = " ".join(f"{float(np.mean(v[idx] == 'anger')):15.2f}" for v in preds.values())
        print(f"  {kind:<18} {len(g):4d} {share}   ({float(np.mean(gold[idx] == 'anger')):.2f})")
    print("\n  predicted labels of the gold anger rows (shipped):")
    vals, counts = np.unique(preds["shipped (anger threshold)"][gold == "anger"], return_counts=True)
    print("  " + ", ".join(f"{v} {c}" for v, c in sorted(zip(vals, counts), key=lambda x: -x[1])))
    _cs_summary(REGIONAL_DEV, "Hong Kong and Taiwan development set (cues tuned on it)", models)
    _cs_summary(REGIONAL, "Hong Kong and Taiwan blind test set; scores only", models)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", default="nlpcc,cs")
    args = ap.parse_args(argv)
    for name in args.sections.split(","):
        {"nlpcc": section_nlpcc, "cs": section_cs}[name.strip()](args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
