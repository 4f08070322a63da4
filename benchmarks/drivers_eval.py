"""Driver analysis (voc.drivers) on real data with real scores.

Run by hand from the repository root, single core:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/drivers_eval.py [--n 3000] [--by level2] [--top 10]

None of the shared data sets has star ratings. Two stand-ins:

1. Helpdesk (``../shared/data/dialogues/helpdesk_weibo.jsonl``): real customer <-> company
   exchanges on Weibo with 19 annotators' customer-satisfaction scores on -2..2. The score is
   their mean + 3 (a 1-5 CSAT-like scale); the text analysed is the customer's turns joined.
2. Product reviews (``../shared/data/sentiment/online_shopping_9cats.csv``): the binary
   label mapped to stars (positive = 5, negative = 1), so the effect is 4 x the change in
   the share of positive reviews: which opinion nodes separate good from bad reviews.

Prints the top drivers by |impact| with effect, 95% interval, p-value and support, and
how long the analysis and the driver computation took.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data"

import voc  # noqa: E402
from voc.reporting.drivers import drivers  # noqa: E402


def helpdesk(n: int, seed: int) -> pd.DataFrame:
    rows = []
    with open(DATA / "dialogues" / "helpdesk_weibo.jsonl", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            text = "。".join(t["text"] for t in d["turns"] if t["role"] == "customer")
            rows.append({"id": d["id"], "text": text, "csat": float(np.mean(d["satisfaction"])) + 3.0})
    df = pd.DataFrame(rows)
    return df.sample(min(n, len(df)), random_state=seed).reset_index(drop=True)


def reviews(n: int, seed: int) -> pd.DataFrame:
    df = pd.read_csv(DATA / "sentiment" / "online_shopping_9cats.csv").dropna(subset=["review"])
    df = df.sample(min(n, len(df)), random_state=seed).reset_index(drop=True)
    return pd.DataFrame({"text": df["review"].astype(str), "stars": np.where(df["label"] == 1, 5, 1),
                         "cat": df["cat"]})


def show(name: str, src: pd.DataFrame, score_col: str, kind: str, by: str, top: int, min_support: int) -> None:
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rows with empty text are counted in voc_error, reported below
        frame = voc.analyze_frame(src, text_col="text", steps=["opinions"]).join(src[[score_col]])
    t1 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = drivers(frame, score_col=score_col, by=by, score_kind=kind, min_support=min_support)
    t2 = time.perf_counter()
    a = table.attrs
    print(f"\n## {name}: {len(src)} rows, {a['n_scored']} scored, {a['n_failed']} failed, "
          f"{a['n_missing_score']} without score; mean {frame[score_col].mean():.2f} ({kind}); "
          f"rows with opinions {int((frame['n_opinions'] > 0).sum())}; "
          f"analyse {t1 - t0:.1f}s, drivers {1000 * (t2 - t1):.0f} ms; {len(table)} nodes with support >= {min_support}")
    for w in caught:
        print(f"   warning: {w.message}")
    cols = ["node", "support", "mean_with", "mean_without", "effect", "ci_low", "ci_high", "p_value",
            "p_adjusted", "impact", "negative_share", "effect_negative"]
    out = table[cols].head(top).copy()
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in out.itertuples(index=False):
        cells = []
        for c, v in zip(cols, r):
            if c in ("p_value", "p_adjusted"):
                cells.append(f"{v:.1e}")
            elif isinstance(v, float):
                cells.append(f"{v:+.3f}" if c in ("effect", "ci_low", "ci_high", "impact", "effect_negative") else f"{v:.2f}")
            else:
                cells.append(str(v))
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="rows per data set (sampled)")
    ap.add_argument("--by", default="level2", choices=["level1", "level2", "level3"])
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--min-support", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if not DATA.exists():
        raise SystemExit(f"needs {DATA} (the project's shared data)")
    show("Helpdesk satisfaction (mean of 19 annotators, -2..2 -> 1..5)", helpdesk(args.n, args.seed), "csat",
         "csat", args.by, args.top, args.min_support)
    show("Product reviews (label -> 1 or 5 stars)", reviews(args.n, args.seed), "stars", "stars", args.by,
         args.top, args.min_support)


if __name__ == "__main__":
    main()
