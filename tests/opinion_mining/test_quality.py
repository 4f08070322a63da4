"""Sanity floors on held-out shared data (skipped when ../shared/data is absent).

The full figures come from benchmarks/opinions_eval.py; these only catch a
broken model or a broken reader on a small held-out slice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from voc.normalization import Normalizer
from voc.opinion_mining import OpinionExtractor
from voc.opinion_mining._corpora import COSMETICS_L1, is_heldout, read_aste, read_cosmetics

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "opinions"
pytestmark = pytest.mark.skipif(not (DATA / "zhijiang_cosmetics_labels.csv").exists(),
                                reason="shared data not available")


def _overlap(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a[0] < b[1] and b[0] < a[1]


def test_cosmetics_heldout_slice() -> None:
    norm = Normalizer()
    exs = [e for e in read_cosmetics(DATA / "zhijiang_cosmetics_reviews.csv",
                                     DATA / "zhijiang_cosmetics_labels.csv", norm.align)
           if is_heldout(e.id)][:150]
    ex = OpinionExtractor.load()
    tp = n_pred = n_gold = pol_ok = cat_ok = 0
    for e, doc in zip(exs, ex.pipe([norm(e.raw) for e in exs])):
        assert doc.text == e.text
        pred = [((o.aspect_span.start, o.aspect_span.end) if o.aspect_span else None,
                 (o.opinion_span.start, o.opinion_span.end), o) for o in doc.opinions or ()]
        gold = [u for u in e.units if u.opinion is not None]
        n_pred += len(pred)
        n_gold += len(gold)
        used: set[int] = set()
        for a, o, op in pred:
            for j, u in enumerate(gold):
                if j not in used and _overlap(a, u.aspect) and _overlap(o, u.opinion):
                    used.add(j)
                    tp += 1
                    pol_ok += op.polarity == u.polarity
                    cat_ok += op.category[0] == COSMETICS_L1[u.category]
                    break
    f1 = 2 * tp / (n_pred + n_gold)
    assert f1 > 0.6, f1
    assert pol_ok / tp > 0.85
    assert cat_ok / tp > 0.75


def test_aste_reader_offsets() -> None:
    exs = read_aste(DATA / "aste_restaurant_test.txt", Normalizer().align)[:200]
    for e in exs:
        for u in e.units:
            assert u.opinion is not None and u.opinion[1] > u.opinion[0]
            if u.aspect is not None:
                assert e.text[u.aspect[0]:u.aspect[1]].strip()
