"""Throughput of normalise, segment and tokenize-with-POS on real reviews; import time; memory.

Run by hand, single core (the numbers in the closing notes come from this script). Rates are
characters per CPU-second of this process (``time.process_time``), best of 3:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/normalize_segment.py [--n 20000]

Side by side in the same run: OpenCC alone and jieba alone. Reviews come from
``../shared/data/sentiment`` (online_shopping_9cats + waimai); traditional text is made from them
with OpenCC s2twp.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DATA = HERE.parent.parent / "shared" / "data" / "sentiment"


def load_reviews(n: int) -> list[str]:
    texts: list[str] = []
    for name in ("online_shopping_9cats.csv", "waimai.csv"):
        with open(DATA / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                t = (row.get("review") or "").strip()
                if t:
                    texts.append(t)
    step = max(1, len(texts) // n)  # spread the sample over both files
    return texts[::step][:n]


def _in_subprocess(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_time(repeats: int = 5) -> float:
    code = "import time, json; t=time.perf_counter(); import voc; print(json.dumps({'s': time.perf_counter()-t}))"
    return min(_in_subprocess(code)["s"] for _ in range(repeats))


def segmenter_rss() -> dict:
    # VmHWM (peak RSS of this process image) from /proc: ru_maxrss of a child started by fork+exec
    # can carry the parent's peak over on Linux, which made an earlier version read 325 MB.
    code = (
        "import json, voc\n"
        "def hwm():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            return int(line.split()[1]) / 1024\n"
        "base = hwm()\n"
        "s = voc.Segmenter(); s.cut('物流很快'); s.tokenize('物流很快')\n"
        "print(json.dumps({'rss_mb': hwm(), 'delta_mb': hwm() - base}))"
    )
    return _in_subprocess(code)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000, help="number of reviews")
    args = ap.parse_args()
    texts = load_reviews(args.n)
    chars = sum(map(len, texts))
    print(f"{len(texts)} reviews, {chars} chars, mean {chars / len(texts):.1f} chars/review\n")

    import bench_normalize
    import bench_segment

    import opencc

    to_tw = opencc.OpenCC("s2twp")  # build the converter once: construction loads its dictionaries
    traditional = [to_tw.convert(t) for t in texts]
    rows = []
    rows += list(bench_normalize.bench(texts, traditional).items())
    t2s = opencc.OpenCC("tw2sp")
    rows.append(("opencc_alone_tw2sp_simplified_chars_per_s", bench_normalize._rate(t2s.convert, texts)))
    rows.append(("opencc_alone_tw2sp_traditional_chars_per_s", bench_normalize._rate(t2s.convert, traditional)))
    import voc

    normalized = [voc.normalize(t) for t in texts]
    rows += list(bench_segment.bench(normalized).items())
    print(f"{'measure':<45} {'value':>14}")
    for name, value in rows:
        print(f"{name:<45} {value:>14,.0f}" if isinstance(value, (int, float)) and value > 100
              else f"{name:<45} {value!s:>14}")
    print(f"{'import voc (s, best of 5)':<45} {import_time():>14.3f}")
    rss = segmenter_rss()
    print(f"{'default Segmenter loaded: peak RSS (MB)':<45} {rss['rss_mb']:>14.1f}")
    print(f"{'  of which loading the segmenter (MB)':<45} {rss['delta_mb']:>14.1f}")


if __name__ == "__main__":
    main()
