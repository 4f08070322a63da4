"""The ASTE reader's implicit-aspect marks and the benchmark's error breakdown (own small fixtures)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from voc import Opinion
from voc._types import Span
from voc.normalization import Normalizer
from voc.opinion_mining import OpinionExtractor
from voc.opinion_mining._corpora import Unit, read_aste

ROOT = Path(__file__).resolve().parents[2]

# written for these tests: a multi-character final token ("…。", "～。") and the plain "。"
ASTE_LINES = [
    "好 吃 到 哭 …。####[((-1, -1), (0, 3), 'POS')]",
    "菜 很 好 吃 ， 就 是 贵 ～。####[((0, 0), (1, 3), 'Positive'), ((-1, -1), (5, 7), 'NEG')]",
    "环 境 一 般 。####[((0, 1), (2, 3), 'NEU'), ((4, 4), (2, 3), 'NEU')]",
]


@pytest.fixture()
def aste_file(tmp_path: Path) -> Path:
    path = tmp_path / "aste.txt"
    path.write_text("\n".join(ASTE_LINES) + "\n", encoding="utf-8")
    return path


def test_aste_implicit_marks_of_any_final_token(aste_file: Path) -> None:
    norm = Normalizer()
    exs = read_aste(aste_file, norm.align)
    assert [e.raw for e in exs] == ["好吃到哭…。", "菜很好吃，就是贵～。", "环境一般。"]
    assert [e.text for e in exs] == [norm.normalize(e.raw) for e in exs]
    assert [len(e.text) for e in exs] == [len(e.raw) for e in exs]  # offsets below need no mapping
    first, second, third = exs
    # (-1, -1) points at the last token, whatever punctuation it holds: an implicit aspect
    assert first.units == [Unit(None, (0, 4), "positive")]
    assert second.units[0] == Unit((0, 1), (1, 4), "positive")
    assert second.units[1] == Unit(None, (5, 8), "negative")
    # an explicit index of a one-character sentence-final mark is implicit too
    assert third.units == [Unit((0, 2), (2, 4), "neutral"), Unit(None, (2, 4), "neutral")]
    for e in exs:
        for u in e.units:
            assert u.aspect is None or e.text[u.aspect[0]:u.aspect[1]].strip("。～~…")


def _benchmark() -> object:
    spec = importlib.util.spec_from_file_location("opinions_eval", ROOT / "benchmarks" / "opinions_eval.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("opinions_eval", mod)
    spec.loader.exec_module(mod)
    return mod


def _op(text: str, a: tuple[int, int] | None, o: tuple[int, int], pol: str) -> Opinion:
    return Opinion(aspect=text[a[0]:a[1]] if a else "", opinion=text[o[0]:o[1]], polarity=pol,  # type: ignore[arg-type]
                   aspect_span=Span(a[0], a[1], text[a[0]:a[1]], label="aspect") if a else None,
                   opinion_span=Span(o[0], o[1], text[o[0]:o[1]], label="opinion"))


def test_breakdown_names_the_first_cause(aste_file: Path) -> None:
    bench = _benchmark()
    ex = read_aste(aste_file, Normalizer().align)[1]  # 菜 / 很好吃 / positive, implicit / 就是贵 / negative
    t = ex.text
    cases = {
        "polarity": [_op(t, (0, 1), (1, 4), "negative"), _op(t, None, (5, 8), "negative")],
        "opinion span (start)": [_op(t, (0, 1), (2, 4), "positive"), _op(t, None, (5, 8), "negative")],
        "implicit aspect, opinion right": [_op(t, None, (1, 4), "positive"), _op(t, None, (5, 8), "negative")],
    }
    for cause, ops in cases.items():
        out = bench.breakdown([SimpleNamespace(opinions=tuple(ops))], [ex])  # type: ignore[attr-defined]
        assert out["missed gold"] == {cause: 1}, (cause, out)
        assert sum(out["wrong predicted"].values()) == 1
    exact = bench.breakdown([SimpleNamespace(opinions=tuple(  # type: ignore[attr-defined]
        [_op(t, (0, 1), (1, 4), "positive"), _op(t, None, (5, 8), "negative")]))], [ex])
    assert exact == {"missed gold": {}, "wrong predicted": {}}


def test_breakdown_accounts_for_every_miss(aste_file: Path) -> None:
    """On real extractor output: causes add up to gold (predicted) minus exact triplet matches."""
    bench = _benchmark()
    norm = Normalizer()
    exs = read_aste(aste_file, norm.align)
    docs = list(OpinionExtractor.load(domain="restaurant").pipe([norm(e.raw) for e in exs]))
    out = bench.breakdown(docs, exs)  # type: ignore[attr-defined]
    hits = 0
    for d, e in zip(docs, exs):
        pred = [((o.aspect_span.start, o.aspect_span.end) if o.aspect_span else None,
                 (o.opinion_span.start, o.opinion_span.end), o.polarity) for o in d.opinions or ()]
        gold = [(u.aspect, u.opinion, u.polarity) for u in e.units]
        for g in gold:
            if g in pred:
                pred.remove(g)
                hits += 1
    n_gold = sum(len(e.units) for e in exs)
    n_pred = sum(len(d.opinions or ()) for d in docs)
    assert sum(out["missed gold"].values()) == n_gold - hits
    assert sum(out["wrong predicted"].values()) == n_pred - hits
