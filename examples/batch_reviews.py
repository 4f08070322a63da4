"""A review dump → an analysed Parquet file → a one-file HTML report.

1. Read a CSV export of reviews (default: examples/data/reviews.csv, 200 reviews
   from three months of a small shop: id, time, category, product, stars, text).
2. Analyse every review with voc (normalise, segment, sentiment, emotion,
   opinions) and write the result next to the shop's own columns to
   ``OUTDIR/reviews.analyzed.parquet``; rows voc cannot read are kept and say why
   in ``voc_error``.
3. Read the Parquet file back (what a later job would do) and write
   ``OUTDIR/report.html`` with ``voc.report``: sentiment over time, the opinion
   drill-down, topics, word cloud, star rating drivers, and the riskiest
   customer-service chats of the same weeks.

Run: python examples/batch_reviews.py [REVIEWS.csv] [-o OUTDIR]
Same as the shell commands ``voc analyze reviews.csv -o reviews.analyzed.parquet
--text-col review`` and ``voc report reviews.analyzed.parquet -o report.html``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd

import voc
from voc.alerts import load_dialogues
from voc.opinion_mining import opinion_table

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Analyse a CSV of reviews and write Parquet + an HTML report.")
    ap.add_argument("reviews", nargs="?", default=str(HERE / "data" / "reviews.csv"), help="CSV of reviews")
    ap.add_argument("-o", "--outdir", default="reviews_report", help="output folder (default ./reviews_report)")
    ap.add_argument("--text-col", default="review")
    ap.add_argument("--time-col", default="created_at")
    ap.add_argument("--score-col", default="stars", help="star rating 1-5 (empty string for none)")
    ap.add_argument("--dialogues", default=str(HERE / "data" / "dialogues.jsonl"),
                    help="customer-service chats (JSON lines) to list by risk; empty string for none")
    ap.add_argument("--workers", type=int, default=1, help="worker processes for the analysis")
    args = ap.parse_args(argv)

    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)

    # 1. the dump
    reviews = pd.read_csv(args.reviews, encoding="utf-8")
    if args.time_col:
        reviews[args.time_col] = pd.to_datetime(reviews[args.time_col])
    print(f"read {len(reviews)} reviews from {os.path.relpath(args.reviews)}")

    # 2. analyse → Parquet (the shop's columns first, then voc's)
    t0 = time.perf_counter()
    scored = voc.analyze_frame(reviews, text_col=args.text_col, n_jobs=args.workers)
    analysed = reviews.join(scored)
    parquet = out / "reviews.analyzed.parquet"
    analysed.to_parquet(parquet, index=False)
    failed = int(analysed["voc_error"].notna().sum())
    print(f"analysed in {time.perf_counter() - t0:.1f}s -> {parquet} "
          f"({len(analysed)} rows, {len(analysed.columns)} columns, {failed} failed)")

    dist = analysed["sentiment_label"].value_counts(normalize=True)
    print("sentiment: " + ", ".join(f"{k} {dist.get(k, 0):.0%}" for k in ("positive", "neutral", "negative")))
    if args.score_col:
        print(f"mean {args.score_col}: {analysed[args.score_col].mean():.2f}")
    table = opinion_table(analysed, levels=[2])
    worst = table[table["negative"] > 0].sort_values(["negative", "mentions"], ascending=False).head(5)
    print("most complained-about (level 2): " + "; ".join(
        f"{r.node} {r.negative}/{r.mentions}" for r in worst.itertuples()))

    # 3. read back → report
    frame = pd.read_parquet(parquet)
    dialogues = load_dialogues(args.dialogues) if args.dialogues else None
    path = voc.report(
        frame, out / "report.html",
        text_col=args.text_col,
        time_col=args.time_col or None,
        score_col=args.score_col or None,
        score_kind="stars" if args.score_col else None,
        dialogues=dialogues,
        title="店铺评价月报 2024 Q3",
        freq="W",
    )
    print(f"report -> {path} ({Path(path).stat().st_size / 1024:.0f} KiB, opens offline)")


if __name__ == "__main__":
    main()
