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

rows/s is wall-clock; rows/CPU-s divides by the CPU time of the processes that did the work (the
per-core rate, which does not depend on what else the machine runs); peak RSS is the largest sum
of resident memory over the process tree (the command and its workers), sampled every 0.2 s.
Spark and Dask run in this process's children (JVM, worker processes): wall-clock only.

Results (2026-11-23, fifth session, after the QA fixes: row-by-row csv reader, clause windows in
opinions; `--steps` now defaults to the issue's sentiment,emotion,opinions, it was
segment,sentiment,emotion). The CPU time per row swings by up to 40 % over an hour on this
machine: the same in-process 30,000-row run took 13.9-21.0 CPU s; run before/after alternately
(this code against the session's first commit, three pairs, all steps: 20.0/21.0, 16.8/17.0,
21.0/22.4 CPU s, no slowdown):

    200,000 rows, mean 62 chars
    cli              134.2 s    1,491 rows/s   1,511 rows/CPU-s   583 MB   199,898 + 102 = 200,000
    cli (sentiment)   40.2 s    4,970 rows/s   4,973 rows/CPU-s   369 MB   199,898 + 102 = 200,000

Results (2026-11-23, after the fast Document replace and the batch collector settings; quiet
machine unless said; the same command twice differs by up to 20 % here):

    200,000 rows, mean 62 chars
    cli              95.5 s     2,095 rows/s   2,097 rows/CPU-s   578 MB   199,898 + 102 = 200,000
    cli              96.0 s     2,084 rows/s   2,085 rows/CPU-s   578 MB   (same command again)
    cli             119.9 s     1,669 rows/s   1,703 rows/CPU-s   576 MB   (same command, first run)
    cli (sentiment)  47.3 s     4,225 rows/s   4,401 rows/CPU-s   359 MB
    1,000,000 rows (the test suite ran beside it for 3 of its 9 minutes)
    cli             559.5 s     1,787 rows/s   1,860 rows/CPU-s   586 MB   999,479 + 521 = 1,000,000

Results (2026-11-22, 2 shared cores, steps sentiment,emotion,opinions unless said):

    1,000,000 rows, mean 62 chars (evening run, retrained sentiment model; another job shared the machine)
    cli              743.6 s    1,345 rows/s   1,356 rows/CPU-s   569 MB   999,479 + 521 = 1,000,000
    cli (sentiment)  255.4 s    3,915 rows/s   4,151 rows/CPU-s   348 MB   999,479 + 521 = 1,000,000
    1,000,000 rows, earlier the same day
    cli              712.9 s    1,403 rows/s   1,410 rows/CPU-s   563 MB   999,479 + 521 = 1,000,000
    cli (sentiment)  252.1 s    3,967 rows/s   4,002 rows/CPU-s   346 MB   999,479 + 521 = 1,000,000
    100,000 rows
    cli               82.8 s    1,207 rows/s   1,212 rows/CPU-s   537 MB
    cli2              43.9 s    2,280 rows/s   1,302 rows/CPU-s  1094 MB   (1.89x cli)
    spark             46.8 s    2,138 rows/s                     1811 MB
    dask              96.0 s    1,042 rows/s                     1104 MB
    apply             56.0 s      357 rows/s     348 rows/CPU-s             (20,000 rows)
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
import threading
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
            # the targets are for ~60-character reviews: keep 35-130 characters (mean about 59)
            base += [r["review"] for r in csv.DictReader(fh) if r.get("review") and 35 <= len(r["review"]) <= 130]
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


def _tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants (MB), from /proc."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total / 1024


class PeakRSS:
    """Samples the summed RSS of a process tree every 0.2 s while in a ``with`` block."""

    def __init__(self, root: int | None = None) -> None:
        self.root = root or os.getpid()
        self.peak = 0.0
        self._stop = threading.Event()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, _tree_rss_mb(self.root))

    def __enter__(self) -> PeakRSS:
        self.peak = _tree_rss_mb(self.root)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_cli(src: Path, out: Path, steps: str, workers: int) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (the command and its workers) and peak RSS (MB, summed over them)."""
    cmd = [sys.executable, "-m", "voc", "analyze", str(src), "-o", str(out), "--text-col", "review",
           "--id-col", "id", "--steps", steps, "--workers", str(workers)]
    cpu0 = _children_cpu()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    with PeakRSS(proc.pid) as rss:
        _, err = proc.communicate()
    elapsed = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(err)
    return elapsed, _children_cpu() - cpu0, rss.peak


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
        out = voc.dask.analyze(ddf, text_col="review", steps=steps)
        out.to_parquet(str(out_dir), schema=voc.dask.parquet_schema(out), write_index=False)
    return time.perf_counter() - t


def run_spark(src: Path, out_dir: Path, steps: str) -> float:
    from pyspark.sql import SparkSession

    import voc.spark

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers need this venv (voc, pyarrow)
    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", "5000").getOrCreate())
    t = time.perf_counter()
    # a multi-line CSV is one split: spread it so both local cores work
    sdf = spark.read.csv(str(src), header=True, multiLine=True, escape='"').repartition(8)
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
    ap.add_argument("--steps", default="sentiment,emotion,opinions")  # the end-to-end target
    ap.add_argument("--modes", default="cli,cli2,apply")
    args = ap.parse_args()
    rows = build_rows(args.n)
    chars = sum(map(len, rows))
    print(f"{len(rows):,} rows, mean {chars / len(rows):.1f} chars, steps={args.steps}\n")
    print(f"{'mode':<12} {'wall s':>8} {'rows/s':>9} {'CPU s':>8} {'rows/CPU-s':>11} {'peak RSS MB':>12}  rows out + errors in")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "reviews.csv"
        write_csv(rows, src)
        for mode in args.modes.split(","):
            out = Path(tmp) / f"out-{mode}.csv"
            rss = cpu = float("nan")
            lost = ""
            if mode in ("cli", "cli2"):
                elapsed, cpu, rss = run_cli(src, out, args.steps, 1 if mode == "cli" else 2)
                n_out, n_err = count_rows(out), count_rows(out.with_name(out.stem + ".errors.csv"))
                lost = f"{n_out:,} + {n_err:,} = {n_out + n_err:,} (in {len(rows):,})"
                n = len(rows)
            elif mode in ("dask", "spark"):
                run = run_dask if mode == "dask" else run_spark
                with PeakRSS() as peak:
                    elapsed, n = run(src, Path(tmp) / f"{mode}-out", args.steps), len(rows)
                rss = peak.peak
            elif mode == "apply":
                sample = rows[: min(len(rows), 20_000)]
                c0 = time.process_time()
                elapsed, n = run_apply(sample, args.steps), len(sample)
                cpu = time.process_time() - c0
            else:
                raise SystemExit(f"unknown mode {mode}")
            print(f"{mode:<12} {elapsed:>8.1f} {n / elapsed:>9,.0f} {cpu:>8.1f} {n / cpu:>11,.0f} {rss:>12.0f}  {lost}",
                  flush=True)


if __name__ == "__main__":
    main()
