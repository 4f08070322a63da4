"""The per-style unit filter stored in a model folder (restaurant style)."""

from __future__ import annotations

from pathlib import Path

import pickle

import numpy as np
import pytest

import voc
from voc.opinion_mining import OpinionExtractor
from voc.errors import ConfigError
from voc.opinion_mining._extractor import _load_model, save_model
from voc.opinion_mining._features import unit_features
from voc.opinion_mining._linear import HashedLinear

TEXTS = ["服务员态度很好，菜的味道一般", "环境不错，就是价格有点贵。", "翡翠鳕鱼羹非常清淡，朋友不太喜欢"]


def _implicit_dropper() -> HashedLinear:
    lin = HashedLinear(("no", "yes"), bits=16)
    # every unit scores 0.5, implicit ones (the feature imp=True) about 0.007
    lin.W[lin.index(["imp=True"])[0]] = np.array([0.0, -5.0], dtype=np.float32)
    return lin


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shipped weights with three restaurant unit filters: keep all, keep none, drop implicit."""
    model = OpinionExtractor.load()._get()[0]
    extra = {"lexicon": model.meta.get("lexicon", {})}
    flat = HashedLinear(("no", "yes"), bits=8)  # all-zero weights: every unit scores 0.5
    root = tmp_path_factory.mktemp("filters")
    out = {}
    for name, lin, threshold in (("all", flat, 0.4), ("none", flat, 0.6), ("explicit", _implicit_dropper(), 0.2)):
        out[name] = save_model(root / name, model.tagger, model.domain_ids, model.pair, model.polarity,
                               model.category, extra, (lin, threshold, ["restaurant"]))
    return out


def _units(ex: OpinionExtractor, text: str) -> list[tuple[object, ...]]:
    return [(o.aspect, o.opinion, o.polarity, o.category) for o in ex.extract(text)]


def test_filter_applies_to_its_style_only(folders: dict[str, Path]) -> None:
    every = OpinionExtractor.load(folders["all"], domain="restaurant")
    none = OpinionExtractor.load(folders["none"], domain="restaurant")
    shipped = OpinionExtractor.load()
    for text in TEXTS:
        assert _units(every, text)  # the texts have opinions
        assert _units(none, text) == []
        # the other styles in the same folder are never filtered
        assert _units(OpinionExtractor.load(folders["none"]), text) == _units(shipped, text)
        assert _units(OpinionExtractor.load(folders["none"], domain="general"), text) == \
            _units(OpinionExtractor.load(domain="general"), text)


def test_filter_keeps_per_unit_decisions_and_pipe_equals_calls(folders: dict[str, Path]) -> None:
    ex = OpinionExtractor.load(folders["explicit"], domain="restaurant")
    ref = OpinionExtractor.load(folders["all"], domain="restaurant")
    norm = voc.Normalizer()
    docs = list(norm.pipe(TEXTS + ["太贵了，不会再来", "菜很好吃", "很失望，不知道评价为什么都那么好"]))
    piped = list(ex.pipe(docs))
    n_implicit = 0
    for d, p in zip(docs, piped):
        assert p == ex(d)
        everything = list(ref(d).opinions or ())
        n_implicit += sum(not o.aspect for o in everything)
        assert list(p.opinions or ()) == [o for o in everything if o.aspect]
    assert n_implicit  # the check above removed something


def test_unit_filter_false_keeps_every_unit(folders: dict[str, Path]) -> None:
    every = OpinionExtractor.load(folders["all"], domain="restaurant")
    off = OpinionExtractor.load(folders["none"], domain="restaurant", unit_filter=False)
    for text in TEXTS:
        assert _units(off, text) == _units(every, text)
    back = pickle.loads(pickle.dumps(off))
    assert back.get_params()["unit_filter"] is False
    assert _units(back, TEXTS[0]) == _units(every, TEXTS[0])
    with pytest.raises(ConfigError):
        OpinionExtractor(unit_filter="no").extract("好")  # type: ignore[arg-type]


def test_filter_survives_save_and_load(folders: dict[str, Path], tmp_path: Path) -> None:
    again = OpinionExtractor.load(folders["explicit"], domain="restaurant").save(tmp_path / "again")
    a, b = _load_model(folders["explicit"]), _load_model(again)
    assert list(a.unit_filter) == list(b.unit_filter) == ["restaurant"]
    assert a.unit_filter["restaurant"][1] == b.unit_filter["restaurant"][1] == pytest.approx(0.2)
    for text in TEXTS:
        assert _units(OpinionExtractor.load(again, domain="restaurant"), text) == \
            _units(OpinionExtractor.load(folders["explicit"], domain="restaurant"), text)


def test_unit_features_describe_the_unit() -> None:
    text = "环境不错，就是价格有点贵。"
    f = unit_features(text, (0, 2), (2, 4), "positive", 2)
    assert "adj=True" in f and "imp=False" in f and "o=不错" in f and "nx=，" in f and "end=True" in f
    g = unit_features(text, None, (7, 12), "negative", 2)
    assert "imp=True" in g and "a=" in g and "pc=False" in g
