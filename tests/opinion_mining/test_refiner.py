"""The restaurant span refiner: it moves opinion spans, only to nearby candidates, and survives save/load."""

from __future__ import annotations

from pathlib import Path

import pytest

import voc
from voc.opinion_mining import OpinionExtractor
from voc.opinion_mining._extractor import save_model
from voc.opinion_mining._features import refine_candidates
from voc.opinion_mining._tagger import word_bounds

TEXTS = ["菜的味道还不错，一大半都坐满了", "服务员态度也还可以，上菜速度很快", "环境不错，就是价格有点贵",
         "牛肉很嫩，汤也很鲜，下次还会再来", "甜品一般般，咖啡倒是挺香的", "位置有点难找，停车也不方便",
         "烤鸭皮脆肉嫩，非常好吃，服务也很周到", "分量很足，性价比挺高的，推荐",
         "鱼香肉丝偏咸，米饭倒是很香", "服务员上菜很慢，等了半个小时", "装修很有格调，灯光也舒服",
         "水煮鱼辣得过瘾，豆芽也很脆", "价格稍微偏贵，但是分量足", "老板很热情，还送了一盘水果",
         "汤底太淡了，毛肚也不新鲜", "排队排了一个小时，味道一般", "小龙虾个头大，肉质饱满",
         "包间有点小，空调也不够凉"]


def _spans(ex: OpinionExtractor, text: str) -> list[tuple[int, int]]:
    doc = ex(voc.Normalizer()(text))
    return [(o.opinion_span.start, o.opinion_span.end) for o in doc.opinions or () if o.opinion_span]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[OpinionExtractor, OpinionExtractor]:
    """The shipped restaurant extractor, and the same weights saved without the refiner."""
    ex = OpinionExtractor.load(domain="restaurant", unit_filter=False)
    model = ex._get()[0]
    assert set(model.refiner) == {"restaurant"}, "the shipped model has a restaurant refiner"
    folder = save_model(tmp_path_factory.mktemp("bare") / "m", model.tagger, model.domain_ids, model.pair,
                        model.polarity, model.category, {"lexicon": model.meta.get("lexicon", {})})
    bare = OpinionExtractor.load(folder, domain="restaurant", unit_filter=False)
    assert not bare._get()[0].refiner
    return ex, bare


def test_refiner_moves_spans_to_nearby_candidates(pair: tuple[OpinionExtractor, OpinionExtractor]) -> None:
    ex, bare = pair
    norm = voc.Normalizer()
    moved = 0
    for text in TEXTS:
        clean = norm.normalize(text)
        before, after = _spans(bare, text), _spans(ex, text)
        assert len(before) == len(after)
        starts, ends = word_bounds(clean)
        for o, r in zip(before, after):
            assert r in refine_candidates(clean, o, starts, ends)
            moved += r != o
    assert moved > 0


def test_other_styles_are_not_refined(pair: tuple[OpinionExtractor, OpinionExtractor]) -> None:
    ex, bare = pair
    # the same weights with and without the refiner: the ecommerce style's spans do not change
    shipped = OpinionExtractor.load()
    unrefined = OpinionExtractor.load(bare.path)
    assert [_spans(shipped, t) for t in TEXTS] == [_spans(unrefined, t) for t in TEXTS]


def test_refiner_survives_save_and_load(pair: tuple[OpinionExtractor, OpinionExtractor], tmp_path: Path) -> None:
    ex, _ = pair
    folder = ex.save(tmp_path / "m")
    again = OpinionExtractor.load(folder, domain="restaurant", unit_filter=False)
    assert [_spans(again, t) for t in TEXTS] == [_spans(ex, t) for t in TEXTS]
