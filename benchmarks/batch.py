"""Batch throughput and memory: the `voc analyze` command, worker processes, Spark, Dask, pandas.apply.

Builds N synthetic-but-realistic rows from the reviews in ``../shared/data/sentiment`` (sampled with
replacement; 15 % turned traditional with OpenCC s2twp, some with emoji or an appended question, 0.1 %
empty or non-text cells so the error path is exercised), writes them to a CSV, then times each mode
end to end (reading and writing included) and reports rows/s and peak RSS of the process that did it.

    .venv/bin/python benchmarks/batch.py --n 100000                      # quick
    .venv/bin/python benchmarks/batch.py --n 1000000 --modes cli,cli2    # the 1M-row memory check
    .venv/bin/python benchmarks/batch.py --steps sentiment               # sentiment only

Modes: cli (voc analyze, 1 process), cli2 (--workers 2), spark (local[2]), dask (LocalCluster, 2
workers), apply (pandas.apply over voc.analyze, in this process, on a sample of min(N, 20000)).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = REPO.parent / "shared" / "data" / "sentiment"


def build_rows(n: int, seed: int = 7) -> list[str]:
    import opencc

    base: list[str] = []
    for name in ("online_shopping_9cats.csv", "waimai.csv"):
        with open(DATA / name, encoding="utf-8") as fh:
            base += [r["review"] for r in csv.DictReader(fh) if r.get("review")]
    rng = random.Random(seed)
    to_tw = opencc.OpenCC("s2twp")
    extras = ["", "", "", "👍", "😡", "[怒]", "！！！", " 请问什么时候发货？", "，客服也不回复"]
    rows = []
    for i in range(n):
        r = rng.random()
        if r < 0.0005:
            rows.append("")
            continue
        t = rng.choice(base) + rng.choice(extras)
        if r < 0.15:
            t = to_tw.convert(t)
        rows.append(t)
    return rows


def write_csv(rows: list[str], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "review"])
        for i, t in enumerate(rows):
            w.writerow([f"r{i}", t])


def run_cli(src: Path, out: Path, steps: str, workers: int) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "voc", "analyze", str(src), "-o", str(out), "--text-col", "review",
           "--id-col", "id", "--steps", steps, "--workers", str(workers)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    elapsed = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def count_rows(path: Path) -> int:
    import pandas as pd

    return sum(len(c) for c in pd.read_csv(path, chunksize=200_000, usecols=[0])) if path.exists() else 0


def run_dask(src: Path, out_dir: Path, steps: str) -> float:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import voc.dask

    t = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster):
        ddf = dd.read_csv(str(src), dtype=str, blocksize="16MB")
        voc.dask.analyze(ddf, text_col="review", steps=steps).to_parquet(str(out_dir))
    return time.perf_counter() - t


def run_spark(src: Path, out_dir: Path, steps: str) -> float:
    from pyspark.sql import SparkSession

    import voc.spark

    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", "5000").getOrCreate())
    t = time.perf_counter()
    sdf = spark.read.csv(str(src), header=True, multiLine=True, escape='"')
    voc.spark.analyze(sdf, text_col="review", steps=steps).write.mode("overwrite").parquet(str(out_dir))
    elapsed = time.perf_counter() - t
    spark.stop()
    return elapsed


def run_apply(rows: list[str], steps: str) -> float:
    import pandas as pd

    import voc

    p = voc.Pipeline(steps=steps)
    p("预热")
    df = pd.DataFrame({"review": rows})
    t = time.perf_counter()

    def one(text: object) -> object:
        try:
            return p(text)  # type: ignore[arg-type]
        except voc.VocError as err:
            return err

    df["doc"] = df["review"].apply(one)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--steps", default="segment,sentiment,emotion")
    ap.add_argument("--modes", default="cli,cli2,apply")
    args = ap.parse_args()
    rows = build_rows(args.n)
    chars = sum(map(len, rows))
    print(f"{len(rows):,} rows, mean {chars / len(rows):.1f} chars, steps={args.steps}\n")
    print(f"{'mode':<28} {'seconds':>9} {'rows/s':>10} {'peak RSS MB':>12}  rows out + errors")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "reviews.csv"
        write_csv(rows, src)
        for mode in args.modes.split(","):
            out = Path(tmp) / f"out-{mode}.csv"
            rss = float("nan")
            lost = ""
            if mode in ("cli", "cli2"):
                elapsed, rss = run_cli(src, out, args.steps, 1 if mode == "cli" else 2)
                n_out, n_err = count_rows(out), count_rows(out.with_name(out.stem + ".errors.csv"))
                lost = f"{n_out:,} + {n_err:,} = {n_out + n_err:,} (in {len(rows):,})"
                n = len(rows)
            elif mode == "dask":
                elapsed, n = run_dask(src, Path(tmp) / "dask-out", args.steps), len(rows)
            elif mode == "spark":
                elapsed, n = run_spark(src, Path(tmp) / "spark-out", args.steps), len(rows)
            elif mode == "apply":
                sample = rows[: min(len(rows), 20_000)]
                elapsed, n = run_apply(sample, args.steps), len(sample)
            else:
                raise SystemExit(f"unknown mode {mode}")
            print(f"{mode:<28} {elapsed:>9.1f} {n / elapsed:>10,.0f} {rss:>12.0f}  {lost}")


if __name__ == "__main__":
    main()
