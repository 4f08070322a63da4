"""Word reweighting by first-pass groups (refine), question phrases and joined labels."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from voc.errors import ConfigError
from voc.topics import TopicTree
from voc.topics._features import specificity
from voc.topics._labels import clause_strings, compose, phrases_of
from tests.topics.test_topic_tree import _corpus


def test_specificity_favours_words_one_group_uses():
    # column 0: every text; column 1: group 0 only; column 2: group 1 only; column 3: mostly group 1
    a = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 1, 0, 1], [1, 0, 1, 1], [1, 0, 1, 1],
                                [1, 1, 0, 0], [1, 0, 1, 1]], np.float32))
    w = specificity(a, np.array([0, 0, 1, 1, 0, 1]), floor=0.2)
    assert np.isclose(w[0], 0.2)                       # shared by all: floored
    assert w[1] > 0.6 and w[2] > 0.6                    # one group's own words
    w0 = specificity(a, np.array([0, 0, 1, 1, 0, 1]), floor=0.0)
    assert w0[0] < w0[3] < w0[2]                        # in between
    # group sizes do not matter: a word in every text of a small and a big group is shared
    lab = np.array([0] * 2 + [1] * 8)
    b = sp.csr_matrix(np.ones((10, 1), np.float32))
    assert np.isclose(specificity(b, lab, floor=0.0)[0], 0.0, atol=1e-3)
    # one group: nothing to learn
    assert np.allclose(specificity(a, np.zeros(6, int)), 1.0)


def test_refine_keeps_fit_and_transform_consistent_and_can_be_turned_off():
    texts, groups = _corpus(40, seed=3)
    for refine in (True, False):
        tree = TopicTree(levels=2, min_size=3, refine=refine).fit(texts)
        assert tree.transform(texts) == tree.paths_
        first = {}
        for p, g in zip(tree.paths_, groups):
            first.setdefault(g, set()).add(p[0])
        assert len({min(v) for v in first.values()}) >= 3   # the themes stay apart
    with pytest.raises(ConfigError):
        TopicTree(refine="yes").fit(texts)
    assert TopicTree(refine=False).get_params()["refine"] is False


def test_question_words_open_consultation_phrases():
    got = phrases_of([("什么", "r"), ("时候", "n"), ("能", "v"), ("发货", "v"), ("啊", "y")], frozenset())
    assert "什么时候发货" in got
    got = phrases_of([("怎么", "r"), ("申请", "v"), ("退货", "v")], frozenset())
    assert "怎么申请退货" in got
    assert "怎么申请" not in got                        # a light verb waits for its object
    # a phrase never stops on a verb that needs more (裤子穿, 衣服收到)
    assert "裤子穿" not in phrases_of([("裤子", "n"), ("穿", "v")], frozenset())


def test_compose_joins_a_partner_only_when_people_write_the_pair():
    node = [clause_strings([("会员", "n"), ("怎么", "r"), ("续费", "v")]),
            clause_strings([("会员", "n"), ("续费", "v"), ("多少", "m"), ("钱", "n")]),
            clause_strings([("会员", "n"), ("续费", "v")]),
            clause_strings([("开通", "v"), ("会员", "n")])]
    assert compose("会员", ["续费", "开通"], node) == "会员续费"
    # co-occurring but never written together: no glued label
    apart = [["套书好", "孩子喜欢"], ["套书贵", "孩子不看"], ["孩子爱看套书"]]
    assert compose("套书", ["孩子"], apart) is None
    # counted amounts and words sharing a character with the head are never partners
    fruit = [["三个火龙果"], ["三个火龙果"], ["三个火龙果太小"]]
    assert compose("火龙果", ["三个"], fruit) is None
    assert compose("价格", ["涨价"], [["价格涨价"]] * 5) is None
