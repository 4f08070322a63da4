"""Speed and memory of voc.segment, single-threaded.

    .venv/bin/python benchmarks/bench_segment.py [--n 5000] [--repeat 3]

Reads reviews from ../shared/data/sentiment (falls back to built-in sentences
when absent) and prints a table. ``bench(texts)`` returns the figures as a
dict, for benchmarks/normalize_segment.py.

Figures (chars per CPU-second, best of ``repeat`` passes over all texts):
- segment_rjieba: ``Segmenter().cut`` (default: rjieba, domain dictionary, HMM)
- rjieba_raw: ``rjieba.Jieba().cut`` alone (the engine without voc's wrapper)
- jieba_raw: ``jieba.Tokenizer().lcut`` alone (plain jieba, default dictionary)
- segment_jieba: ``Segmenter(backend="jieba").cut``
- tokenize_pos / tokenize_nopos: ``Segmenter().tokenize(text, pos=...)``
- speedup_vs_jieba: segment_rjieba / jieba_raw, same run
- load_s, rss_mb: a fresh interpreter that imports voc and loads the default
  Segmenter (RSS of the whole process after one cut).
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

FALLBACK = [
    "物流很快，包装完好，给个好评！",
    "客服态度太差了，打了三次电话都没人处理，我要投诉到12315",
    "东西还行吧，就是价格有点贵，性价比一般😅",
    "外卖送了一个多小时，饭都凉了，差评",
    "申请退款三天了还没到账，转人工也没用",
]


def load_texts(n: int = 5000, seed: int = 0) -> list[str]:
    """Up to ``n`` real reviews (a fixed random sample), or the fallback sentences."""
    rows: list[str] = []
    for name in ("online_shopping_9cats.csv", "waimai.csv"):
        p = DATA / "sentiment" / name
        if p.exists():
            with open(p, encoding="utf-8", newline="") as f:
                rows += [r["review"] for r in csv.DictReader(f) if r.get("review")]
    if not rows:
        return FALLBACK * max(1, n // len(FALLBACK))
    import random

    random.Random(seed).shuffle(rows)
    return rows[:n]


def _rate(fn: Callable[[str], object], texts: Sequence[str], n_chars: int, repeat: int) -> float:
    # CPU time of this process, not wall time: the figure is per core and
    # stays meaningful on a shared machine (the run is single-threaded).
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        for t in texts:
            fn(t)
        best = min(best, time.process_time() - t0)
    return n_chars / best


_RSS_SNIPPET = """
import time, resource
t0 = time.perf_counter()
import voc
from voc.segmentation import Segmenter
s = Segmenter().load()
s.cut("物流很快，给个好评")
load = time.perf_counter() - t0
rss = 0
with open("/proc/self/status") as f:
    for line in f:
        if line.startswith("VmRSS"):
            rss = int(line.split()[1]) / 1024
print(load, rss)
"""


def _load_and_rss() -> tuple[float, float]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", _RSS_SNIPPET], capture_output=True,
                         text=True, check=True, env=env, cwd=ROOT).stdout.split()
    return float(out[0]), float(out[1])


def bench(texts: Sequence[str], *, repeat: int = 3, memory: bool = True) -> dict[str, float]:
    """chars/s of segmentation paths on ``texts`` (see module docstring for keys)."""
    import jieba
    import rjieba

    from voc.segmentation import Segmenter

    texts = list(texts)
    n_chars = sum(map(len, texts))
    seg = Segmenter().load()
    seg_j = Segmenter(backend="jieba").load()
    raw_r = rjieba.Jieba()
    jlog = logging.getLogger("jieba")
    level = jlog.level
    jlog.setLevel(logging.WARNING)  # a script, not the library: hide jieba's load chatter
    try:
        raw_j = jieba.Tokenizer()
        raw_j.initialize()
    finally:
        jlog.setLevel(level)
    res: dict[str, float] = {"n_texts": len(texts), "n_chars": n_chars}
    res["segment_rjieba"] = _rate(seg.cut, texts, n_chars, repeat)
    res["rjieba_raw"] = _rate(raw_r.cut, texts, n_chars, repeat)
    res["jieba_raw"] = _rate(raw_j.lcut, texts, n_chars, max(1, repeat - 1))
    res["segment_jieba"] = _rate(seg_j.cut, texts, n_chars, max(1, repeat - 1))
    res["tokenize_pos"] = _rate(seg.tokenize, texts, n_chars, repeat)
    res["tokenize_nopos"] = _rate(lambda t: seg.tokenize(t, pos=False), texts, n_chars, repeat)
    res["speedup_vs_jieba"] = res["segment_rjieba"] / res["jieba_raw"]
    if memory:
        res["load_s"], res["rss_mb"] = _load_and_rss()
    return res


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    texts = load_texts(args.n)
    res = bench(texts, repeat=args.repeat)
    print(f"{len(texts)} texts, {res['n_chars']:,} chars, one thread")
    print(f"{'path':<20}{'chars/s':>14}")
    for key in ("segment_rjieba", "rjieba_raw", "jieba_raw", "segment_jieba",
                "tokenize_pos", "tokenize_nopos"):
        print(f"{key:<20}{res[key]:>14,.0f}")
    print(f"{'speedup_vs_jieba':<20}{res['speedup_vs_jieba']:>13.1f}x")
    print(f"{'load_s':<20}{res['load_s']:>14.2f}")
    print(f"{'rss_mb':<20}{res['rss_mb']:>14.1f}")


if __name__ == "__main__":
    main()
