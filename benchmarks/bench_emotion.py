"""Speed of the shipped emotion model on 60-character texts, single-threaded.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_emotion.py [--n 5000] [--repeat 3]

Texts: real reviews from ../shared/data/sentiment cut into 60-character pieces
(built-in sentences when absent). Prints texts/s per row, best of ``repeat``
passes, both wall-clock and CPU time (CPU time is the fairer figure on a busy
machine):

- step (pipe, tokens given): ``EmotionModel.pipe`` on documents that were
  already normalised and segmented (what it costs inside ``voc.Pipeline``)
- step (pipe, no tokens): the same documents without tokens (the model segments)
- predict_batch (raw text): normalise + segment + score
- predict (one by one): ``predict`` called per text
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
FALLBACK = (
    "物流很快，包装完好，给个好评！客服态度太差了，打了三次电话都没人处理，我要投诉到12315。"
    "东西还行吧，就是价格有点贵，性价比一般😅外卖送了一个多小时，饭都凉了，差评[怒]"
)


def load_texts(n: int, length: int = 60) -> list[str]:
    rows: list[str] = []
    p = DATA / "sentiment" / "online_shopping_9cats.csv"
    if p.exists():
        with open(p, encoding="utf-8", newline="") as f:
            rows = [r["review"] for r in csv.DictReader(f) if r.get("review")]
    blob = "".join(rows) if rows else FALLBACK * (n * length // len(FALLBACK) + 1)
    return [blob[i:i + length] for i in range(0, n * length, length)]


def best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from voc.normalization import Normalizer
    from voc.segmentation import Segmenter
    from voc.sentiment_analysis.emotion import EmotionModel

    texts = load_texts(args.n)
    norm, seg = Normalizer(), Segmenter()
    model = EmotionModel.load()
    model.predict("预热")  # build the model's own tools outside the timings
    plain = [norm(t) for t in texts]
    segmented = [seg(d) for d in plain]
    rows = [
        ("step (pipe, tokens given)", lambda: list(model.pipe(segmented))),
        ("step (pipe, no tokens)", lambda: list(model.pipe(plain))),
        ("predict_batch (raw text)", lambda: model.predict_batch(texts)),
        ("predict (one by one)", lambda: [model.predict(t) for t in texts]),
    ]
    print(f"{len(texts)} texts of {len(texts[0])} characters, best of {args.repeat}\n")
    print(f"{'what':<28} {'texts/s (wall)':>15} {'texts/s (CPU)':>14}")
    for name, fn in rows:
        wall, cpu = best(fn, args.repeat)
        print(f"{name:<28} {len(texts) / wall:15,.0f} {len(texts) / max(cpu, 1e-9):14,.0f}")


if __name__ == "__main__":
    main()
