"""Speed of voc's normaliser on real reviews, simplified and traditional.

Run by hand, single-threaded (the figures are quoted in notes and in the model card)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_normalize.py [--n 20000]

The traditional texts are the same reviews converted with OpenCC ``s2twp``
(Taiwan phrasing), so both runs normalise the same content. ``normalize``
is the string-only path; ``align`` and ``__call__`` also build the offset
alignment (what ``voc.Pipeline`` uses). ``benchmarks/normalize_segment.py``
calls :func:`bench`.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "sentiment" / "online_shopping_9cats.csv"


def _rate(fn: Callable[[str], object], texts: Sequence[str], repeat: int = 3) -> float:
    """Best-of-``repeat`` characters per second of ``fn`` over ``texts``.

    Timed with ``time.process_time`` (CPU time of this process, one thread):
    on a shared machine wall time mostly measures the neighbours.
    """
    n_chars = sum(map(len, texts))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        for t in texts:
            fn(t)
        best = min(best, time.process_time() - t0)
    return n_chars / best


def bench(texts_simplified: Sequence[str], texts_traditional: Sequence[str]) -> dict[str, float]:
    """Characters per second of the default :class:`voc.normalization.Normalizer`.

    Returns a flat dict: ``{"<script>_<method>_chars_per_s": rate, ...}`` for
    script in simplified/traditional and method in normalize/align/call, plus
    ``"<script>_changed_share"`` (share of texts the normaliser changed) and
    the corpus sizes.
    """
    from voc.normalization import Normalizer

    n = Normalizer()
    n.normalize("預熱")  # build the tables outside the timing
    out: dict[str, float] = {}
    for name, texts in (("simplified", texts_simplified), ("traditional", texts_traditional)):
        texts = list(texts)
        out[f"{name}_texts"] = len(texts)
        out[f"{name}_chars"] = sum(map(len, texts))
        out[f"{name}_normalize_chars_per_s"] = _rate(n.normalize, texts)
        out[f"{name}_align_chars_per_s"] = _rate(n.align, texts)
        out[f"{name}_call_chars_per_s"] = _rate(n, texts)
        out[f"{name}_changed_share"] = sum(n.normalize(t) != t for t in texts) / max(1, len(texts))
    return out


def load_reviews(n: int) -> tuple[list[str], list[str]]:
    """First ``n`` non-empty reviews of the shared corpus and their ``s2twp`` versions."""
    import opencc

    with open(DATA, encoding="utf-8") as fh:
        simp = [r["review"] for r in csv.DictReader(fh) if r.get("review")][:n]
    conv = opencc.OpenCC("s2twp")
    return simp, [conv.convert(t) for t in simp]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000, help="number of reviews (default 20000)")
    args = ap.parse_args(argv)
    if not DATA.exists():
        print(f"needs {DATA}", file=sys.stderr)
        return 1
    simp, trad = load_reviews(args.n)
    res = bench(simp, trad)
    print(f"{'script':<12} {'texts':>7} {'chars':>9} {'normalize':>11} {'align':>11} {'__call__':>11} {'changed':>8}")
    for name in ("simplified", "traditional"):
        print(
            f"{name:<12} {res[name + '_texts']:>7.0f} {res[name + '_chars']:>9.0f} "
            f"{res[name + '_normalize_chars_per_s'] / 1e6:>9.2f}M/s {res[name + '_align_chars_per_s'] / 1e6:>9.2f}M/s "
            f"{res[name + '_call_chars_per_s'] / 1e6:>9.2f}M/s {res[name + '_changed_share']:>8.1%}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
