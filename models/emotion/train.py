"""Train, evaluate and save voc's shipped emotion model (``models/emotion``).

Run from the repository root, single-threaded (about a minute on one core)::

    OMP_NUM_THREADS=1 .venv/bin/python models/emotion/train.py            # train, report, save
    OMP_NUM_THREADS=1 .venv/bin/python models/emotion/train.py --no-save  # report only

Data: ``../shared/data/emotion/nlpcc2013_weibo.csv`` (NLPCC 2013 Weibo emotion
sentences) plus ``seeds.tsv`` beside this script (customer-service sentences
written by the voc developers). A fixed, seeded, stratified 20 % of the NLPCC
rows is held out (:func:`heldout_split`) and never used for training or tuning;
the anger threshold is tuned on a validation slice of the training rows.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[1].parent / "shared" / "data" / "emotion" / "nlpcc2013_weibo.csv"
SEED = 2013
TEST_SIZE = 0.2
VAL_SIZE = 0.2
#: Effective weight of one seed sentence, whatever its label (the class weighting is undone for
#: seeds, so a rare-class seed does not outweigh a "none" seed: see seed_weights).
SEED_WEIGHT = 3.0
#: Hyper-parameters of the shipped model (chosen on the validation slice; cue_prior on
#: benchmarks/data/emotion_cs_dev.tsv, see README.md).
PARAMS = {"C": 1.0, "min_df": 2, "char_ngrams": (1, 2), "class_weight": "balanced", "cues": True,
          "cue_prior": 1.0}
#: The anger threshold maximises F-beta with this beta on the validation slice (< 1: precision first).
THRESHOLD_BETA = 0.5


def read_nlpcc(path: Path = DEFAULT_DATA) -> pd.DataFrame:
    """The NLPCC 2013 rows with a text and a label (one row has no text)."""
    df = pd.read_csv(path)
    return df.dropna(subset=["text", "label"]).reset_index(drop=True)


def read_seeds(path: Path = HERE / "seeds.tsv") -> pd.DataFrame:
    rows = [line.rstrip("\n").split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return pd.DataFrame(rows, columns=["text", "label"])


def seed_weights(train_labels: list[str], seed_labels: list[str]) -> list[float]:
    """Sample weights that give every seed the same effective weight after class balancing.

    ``EmotionModel(class_weight="balanced")`` multiplies each sample by
    ``n / (k * count[label])``; dividing that out keeps the hand-written seeds
    from pushing customer-service words (发货, 客服) towards the rare classes.
    """
    labels = list(train_labels) + list(seed_labels)
    counts = pd.Series(labels).value_counts()
    n, k = len(labels), len(counts)
    return [SEED_WEIGHT * counts[lab] * k / n for lab in seed_labels]


def heldout_split(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The fixed (train, test) split: stratified by label, seed 2013, 20 % test."""
    from sklearn.model_selection import train_test_split

    return train_test_split(df, test_size=TEST_SIZE, random_state=SEED, stratify=df["label"])


def report(model, texts: list[str], labels: list[str], *, name: str) -> dict:
    """Per-class precision/recall/F1, macro-F1, accuracy and the confusion matrix."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    from voc.sentiment_analysis.emotion import LABELS

    pred = [e.label for e in model.predict_batch(texts)]
    p, r, f, n = precision_recall_fscore_support(labels, pred, labels=list(LABELS), zero_division=0)
    cm = confusion_matrix(labels, pred, labels=list(LABELS))
    acc = float(np.mean(np.asarray(pred) == np.asarray(labels)))
    print(f"\n== {name}: {len(texts)} texts, accuracy {acc:.3f}, macro-F1 {np.mean(f):.3f}")
    print(f"{'label':<10} {'P':>6} {'R':>6} {'F1':>6} {'n':>6}")
    for lab, *vals in zip(LABELS, p, r, f, n):
        print(f"{lab:<10} {vals[0]:6.3f} {vals[1]:6.3f} {vals[2]:6.3f} {vals[3]:6d}")
    print("confusion (rows: true, columns: predicted)\n" + " " * 10 + " ".join(f"{lab[:6]:>6}" for lab in LABELS))
    for lab, row in zip(LABELS, cm):
        print(f"{lab:<10}" + " ".join(f"{v:6d}" for v in row))
    return {
        "n": len(texts), "accuracy": round(acc, 4), "macro_f1": round(float(np.mean(f)), 4),
        "per_class": {lab: {"precision": round(float(a), 4), "recall": round(float(b), 4),
                            "f1": round(float(c), 4), "support": int(d)}
                      for lab, a, b, c, d in zip(LABELS, p, r, f, n)},
        "confusion": {"labels": list(LABELS), "matrix": cm.tolist()},
    }


def tune_threshold(p_anger: np.ndarray, is_anger: np.ndarray, *, beta: float) -> float:
    """The threshold on P(anger) with the best F-beta (ties → the higher threshold)."""
    best, best_t = -1.0, 0.5
    for t in np.round(np.arange(0.20, 0.91, 0.01), 2):
        pred = p_anger >= t
        tp = float(np.sum(pred & is_anger))
        if tp == 0:
            continue
        prec, rec = tp / pred.sum(), tp / is_anger.sum()
        fb = (1 + beta**2) * prec * rec / (beta**2 * prec + rec)
        if fb >= best:
            best, best_t = fb, float(t)
    return best_t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)

    from sklearn.model_selection import train_test_split

    from voc.sentiment_analysis.emotion import EmotionModel

    nlpcc = read_nlpcc(args.data)
    seeds = read_seeds()
    train, test = heldout_split(nlpcc)
    print(f"NLPCC rows {len(nlpcc)}: train {len(train)}, held-out test {len(test)}; seeds {len(seeds)}")

    # 1. choose the anger threshold on a validation slice of the training rows
    fit, val = train_test_split(train, test_size=VAL_SIZE, random_state=SEED, stratify=train["label"])
    t0 = time.perf_counter()
    m = EmotionModel(**PARAMS)
    m.fit(list(fit.text) + list(seeds.text), list(fit.label) + list(seeds.label),
          sample_weight=[1.0] * len(fit) + seed_weights(list(fit.label), list(seeds.label)))
    proba = m.predict_proba(list(val.text))
    thr = tune_threshold(proba[:, 0], val["label"].to_numpy() == "anger", beta=THRESHOLD_BETA)
    print(f"validation fit {time.perf_counter() - t0:.1f}s; anger threshold (F{THRESHOLD_BETA}) = {thr:.2f}")
    val_argmax = report(m, list(val.text), list(val.label), name="validation, argmax")

    # 2. refit on all training rows + seeds, evaluate once on the held-out rows
    t0 = time.perf_counter()
    model = EmotionModel(**PARAMS)
    model.fit(list(train.text) + list(seeds.text), list(train.label) + list(seeds.label),
              sample_weight=[1.0] * len(train) + seed_weights(list(train.label), list(seeds.label)))
    fit_s = time.perf_counter() - t0
    print(f"final fit {fit_s:.1f}s, {model.info_['n_features']} features")
    test_argmax = report(model, list(test.text), list(test.label), name="held-out test, argmax")
    model.set_params(anger_threshold=thr)
    test_thr = report(model, list(test.text), list(test.label), name=f"held-out test, anger threshold {thr:.2f}")

    model._state.info.update({  # noqa: SLF001 - the training script owns the info it stores
        "data": "NLPCC 2013 Weibo emotion (train split) + models/emotion/seeds.tsv",
        "split": {"seed": SEED, "test_size": TEST_SIZE, "stratified": True,
                  "n_train": len(train), "n_test": len(test), "n_seeds": len(seeds)},
        "anger_threshold": {"value": thr, "tuned_on": "validation slice of train", "beta": THRESHOLD_BETA},
        "heldout": {"argmax": test_argmax, "thresholded": test_thr},
        "validation_argmax": {"macro_f1": val_argmax["macro_f1"],
                              "anger": val_argmax["per_class"]["anger"]},
    })
    if not args.no_save:
        model.save(args.out)
        print(f"\nsaved to {args.out}")
    print(json.dumps({"anger_argmax": test_argmax["per_class"]["anger"],
                      "anger_thresholded": test_thr["per_class"]["anger"],
                      "macro_f1_argmax": test_argmax["macro_f1"]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
