"""Level-2+ groups built around key phrases (split="phrases"): picking, routing, naming."""

from __future__ import annotations

import random

import numpy as np
import pytest

from voc.errors import ConfigError
from voc.topics import TopicTree
from voc.topics._tree import _central_names, _key_phrases, _phrase_families, _phrase_split

# Two themes written for these tests; each says one of a few key phrases of its theme.
_THEMES = {
    "phone": ["屏幕有划痕", "电池不耐用", "屏幕有划痕", "电池不耐用", "信号很差"],
    "refund": ["退款没到账", "申请退货", "退款没到账", "申请退货", "运费谁出"],
}
_PRODUCTS = {"phone": ["手机", "这台手机", "新手机", "华为手机"], "refund": ["订单", "这个订单", "上次的订单", "我的订单"]}
_TAILS = ["", "，怎么办", "，太失望了", "，请尽快处理", "！", "，麻烦看一下"]


def _texts(n: int = 40, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, said = [], []
    for theme, phrases in _THEMES.items():
        for _ in range(n):
            p = rng.choice(phrases)
            texts.append(rng.choice(_PRODUCTS[theme]) + p + rng.choice(_TAILS))
            said.append(p)
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], [said[i] for i in order]


class _Sets:
    """Stands in for the tree's lazy phrase cache: per-text phrase candidates given by hand."""

    def __init__(self, sets):
        self.sets = sets

    def get(self, idx):
        return [self.sets[int(j)] for j in idx]


def test_key_phrases_cover_texts_greedily_and_skip_bare_words():
    fams = _phrase_families([{"物流快": 2}] * 6 + [{"屏幕有划痕": 3, "物流快": 2}] * 2 + [{"屏幕有划痕": 3}] * 4
                            + [{"屏幕": 1}] * 9, None, min_count=2)
    assert [p for p, _ in fams] == ["物流快", "屏幕有划痕"]     # the bare 屏幕 is no candidate
    chosen = _key_phrases(fams, 21, 5, 3)
    assert [(p, len(r)) for p, r in chosen] == [("物流快", 8), ("屏幕有划痕", 6)]
    # a family that only repeats covered texts is not picked
    assert len(_key_phrases(fams + [("物流很快", np.arange(6))], 21, 5, 3)) == 2


def test_similar_phrases_form_one_family_named_by_the_commonest():
    vec = {"物流快": [1.0, 0.0], "送货快": [0.95, 0.31], "屏幕有划痕": [0.0, 1.0]}
    sets = [{"物流快": 2}] * 5 + [{"送货快": 2}] * 3 + [{"屏幕有划痕": 3}] * 4
    fams = _phrase_families(sets, lambda ps: np.array([vec[p] for p in ps]), min_count=2, similar=0.9)
    assert [(p, len(r)) for p, r in fams] == [("物流快", 8), ("屏幕有划痕", 4)]


def test_phrase_split_builds_groups_around_phrases_and_routes_by_centre():
    rng = np.random.RandomState(0)
    centres = np.eye(3, 8)
    y = np.vstack([centres[j] + 0.05 * rng.randn(30, 8) for j in range(3)]).astype(np.float32)
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    phrase = ["屏幕有划痕", "电池不耐用", "退款没到账"]
    # two thirds of each group say its phrase; the rest say nothing
    sets = [{phrase[i // 30]: 2} if i % 3 else {} for i in range(90)]
    out = _phrase_split(y, np.arange(90), _Sets(sets), 6, 3, np.random.RandomState(0))
    assert out is not None
    labels, cents, names = out
    assert sorted(names) == sorted(phrase)
    for j in range(3):   # every text, saying its phrase or not, is with its group
        assert set(labels[j * 30:(j + 1) * 30]) == {names.index(phrase[j])}
    near = np.argmax(y @ cents.T - 0.5 * (cents * cents).sum(axis=1), axis=1)
    assert np.array_equal(near, labels)             # the routing rule transform applies
    # fewer than two phrases: no phrase split (k-means takes over)
    assert _phrase_split(y, np.arange(90), _Sets([{"屏幕有划痕": 2}] * 90), 6, 3, np.random.RandomState(0)) is None


def test_central_texts_name_a_group_and_a_fuller_phrase_wins():
    ys = np.array([[1.0, 0.0]] * 30 + [[0.0, 1.0]] * 30)
    sets = ([{"屏幕清晰": 2}] * 20 + [{"屏幕大": 2}] * 10
            + [{"收货地址": 2, "修改收货地址": 3}] * 10 + [{"收货地址": 2}] * 20)
    names = _central_names(ys, np.array([0] * 30 + [1] * 30), np.eye(2), sets, ["屏幕大", "收货地址"])
    assert names == ["屏幕清晰", "修改收货地址"]
    # central texts that share no phrase: no name (the usual labelling takes over)
    scattered = [{f"词语{i}": 2} for i in range(30)] + [{"收货地址": 2}] * 30
    assert _central_names(ys, np.array([0] * 30 + [1] * 30), np.eye(2), scattered, ["词语0", "收货地址"])[0] == ""


def test_tree_names_level2_nodes_by_their_phrases_and_transform_matches_fit(tmp_path):
    texts, said = _texts(40)
    tree = TopicTree(levels=2, min_size=3, max_children=(2, 6)).fit(texts)
    assert tree.transform(texts) == tree.paths_
    level1 = [n for n in tree.nodes_ if n.level == 1 and not n.is_other]
    level2 = [n for n in tree.nodes_ if n.level == 2 and not n.is_other]
    assert len(level1) == 2 and all(len(n.children) >= 3 for n in level1)
    # every phrase of the themes names a level-2 node (with the product before it or not),
    # and the texts that say it are in that node
    for phrase in set(_THEMES["phone"] + _THEMES["refund"]):
        nodes = [n for n in level2 if n.label.endswith(phrase.replace("很", ""))]
        assert nodes, phrase
        rows = [i for i, s in enumerate(said) if s == phrase]
        inside = sum(tree.paths_[i][1] in {n.id for n in nodes} for i in rows)
        assert inside >= 0.8 * len(rows)
    tree.save(tmp_path / "t")
    assert TopicTree.load(tmp_path / "t").transform(texts) == tree.paths_
    assert TopicTree.load(tmp_path / "t").split == "phrases"


def test_kmeans_split_is_still_available_and_split_is_checked():
    texts, _ = _texts(30, seed=1)
    tree = TopicTree(levels=2, min_size=3, split="kmeans").fit(texts)
    assert tree.transform(texts) == tree.paths_
    assert TopicTree().get_params()["split"] == "phrases"
    with pytest.raises(ConfigError):
        TopicTree(split="words").fit(texts)


def test_no_phrase_starts_on_a_negated_predicate():
    from voc.topics._labels import phrases_of

    got = phrases_of([("手机", "n"), ("不", "d"), ("支持", "v"), ("群发", "v")], frozenset())
    assert "支持群发" not in got and "手机不支持群发" in got
    assert "支持群发" in phrases_of([("手机", "n"), ("支持", "v"), ("群发", "v")], frozenset())
