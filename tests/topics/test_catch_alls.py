"""Diffuse nodes (catch-alls): detection, merging, honest labels, and labels led by what most texts say."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from voc.topics import TopicTree
from voc.topics import _tree as tree_mod
from voc.topics._labels import PhraseTable, attach, compose, phrases_of
from voc.topics._tree import _diffuse_label, _merge_diffuse, _name_by_majority, _word_matrix
from tests.topics.test_topic_tree import _corpus


def _member(n_rows: int, rows: list[int]) -> sp.csr_matrix:
    m = np.zeros((1, n_rows), np.float32)
    m[0, rows] = 1.0
    return sp.csr_matrix(m)


def test_focus_tells_a_focused_node_from_a_catch_all():
    focused = [{"发票": 1, "修改发票": 2}] * 8 + [{"发票": 1}] * 4
    scattered = [{f"词{i}": 1} for i in range(12)]
    table = PhraseTable(focused + scattered)
    ctx = sp.csr_matrix(table.matrix.sum(axis=0))
    f_in = table.counts(_member(24, list(range(12))))
    s_in = table.counts(_member(24, list(range(12, 24))))
    assert table.focus(f_in, 12, ctx, 24) == 1.0
    assert table.focus(s_in, 12, ctx, 24) == 0.0           # no phrase shared by two of its texts
    # a word most texts say counts even when the siblings say it too (苹果 under 苹果)
    same = PhraseTable([{"苹果": 1}] * 10)
    m = same.counts(_member(10, list(range(5))))
    assert same.focus(m, 5, sp.csr_matrix(same.matrix.sum(axis=0)), 10) == 1.0


def test_only_diffuse_groups_are_merged_into_one_catch_all():
    rows = [["发票"]] * 6 + [["退货"]] * 6 + [[f"a{i}"] for i in range(5)] + [[f"b{i}"] for i in range(5)]
    labels = np.array([0] * 6 + [1] * 6 + [2] * 5 + [3] * 5)
    wm = _word_matrix(rows)
    assert _merge_diffuse(labels, 4, wm) == [[0], [1], [2, 3]]
    # one diffuse group: nothing to merge
    assert _merge_diffuse(labels[:17], 3, wm[:17]) == [[0], [1], [2]]
    # fewer than two focused groups: the split stays as it is
    lab2 = np.array([0] * 12 + [1] * 5 + [2] * 5)
    assert _merge_diffuse(lab2, 3, wm) == [[0], [1], [2]]
    # generic words never make a group focused, though every text of the catch-alls says one
    with_generic = [ws + (["问题"] if i >= 12 else []) for i, ws in enumerate(rows)]
    assert _word_matrix(with_generic).shape == wm.shape
    assert _merge_diffuse(labels, 4, _word_matrix(with_generic)) == [[0], [1], [2, 3]]


def test_a_merged_catch_all_routes_as_fit_did_and_survives_save_and_load(monkeypatch, tmp_path):
    texts, _ = _corpus(30, seed=5)
    merged_any = []

    def merge_all_but_first(labels, k, wm, **kw):  # force a catch-all wherever a split has 3+ groups
        groups = [[0], list(range(1, k))] if k >= 3 else [[j] for j in range(k)]
        merged_any.append(k >= 3)
        return groups

    monkeypatch.setattr(tree_mod, "_merge_diffuse", merge_all_but_first)
    tree = TopicTree(levels=3, min_size=2, max_children=(4, 5, 4)).fit(texts)
    assert any(merged_any) and len(tree._alias_owner) > 0
    owners = set(int(o) for o in tree._alias_owner)
    assert all(tree.nodes_[o].size > 0 for o in owners)
    # every text still has one node per level; sizes add up per level
    for lv in (1, 2, 3):
        assert sum(n.size for n in tree.nodes_ if n.level == lv) == len(texts)
    assert tree.transform(texts) == tree.paths_
    tree.save(tmp_path / "tree")
    loaded = TopicTree.load(tmp_path / "tree")
    assert loaded.transform(texts) == tree.paths_
    assert np.array_equal(loaded._alias_owner, tree._alias_owner)


def test_catch_alls_are_named_as_such():
    assert _diffuse_label("物流", ["快递"], set()) == "物流·其他"
    assert _diffuse_label("", ["区别"], set()) == "其他话题"
    assert _diffuse_label("物流", ["快递", "物流"], {"物流·其他"}) == "其他·快递"


def test_a_theme_is_named_after_the_child_holding_most_of_its_texts():
    # node 0 (level 1) has children 1 (70 texts) and 2 (30 texts)
    members = [np.arange(100), np.arange(70), np.arange(70, 100)]
    children = [[0], [1, 2], [], []]
    other = np.zeros(3, bool)
    labels = {0: "洗发水", 1: "京东快递", 2: "假货"}
    _name_by_majority(labels, members, children, other, set(), {0: 0.2})
    assert labels[0] == "京东快递、洗发水"
    # a theme most of whose texts share its own phrase keeps its name
    labels = {0: "洗发水", 1: "京东快递", 2: "假货"}
    _name_by_majority(labels, members, children, other, set(), {0: 0.8})
    assert labels[0] == "洗发水"
    # nor is it named after a catch-all child
    _name_by_majority(labels, members, children, other, {1}, {0: 0.2})
    assert labels[0] == "洗发水"
    # the largest of several children names it from 40% of the texts on, not below
    for big, expected in ((42, "相信京东、洗发水"), (38, "洗发水")):
        rest = (100 - big) // 2
        members = [np.arange(100), np.arange(big), np.arange(big, big + rest), np.arange(big + rest, 100)]
        labels = {0: "洗发水", 1: "相信京东", 2: "物流快", 3: "头发柔顺"}
        _name_by_majority(labels, members, [[0], [1, 2, 3], [], [], []], np.zeros(4, bool), set(), {0: 0.2})
        assert labels[0] == expected


def test_the_word_all_texts_say_beats_a_rare_phrase_even_inside_the_parents_label():
    node = [{"裤子": 1}] * 9 + [{"裤子": 1, "物流快": 2}]
    siblings = [{"衣服": 1}] * 9 + [{"面料": 1}]
    table = PhraseTable(node + siblings)
    cin = table.counts(_member(20, list(range(10))))
    ctx = sp.csr_matrix(table.matrix.sum(axis=0))
    plain = table.rank(cin, 10, ctx, 20, min_count=1, within=("裤子质量",))
    assert plain[0][0] == "物流快"                          # 裤子 is skipped as a piece of the parent
    got = TopicTree._own_word(table, plain, cin, 10, ctx, 20, set(), ["裤子质量"], prefer=())
    assert got[0][0] == "裤子"


def test_label_phrases_never_start_on_a_finished_action():
    got = phrases_of([("洗完", "v"), ("头发", "n"), ("干", "a")], frozenset())
    assert "洗完头发" not in got and "头发干" in got
    clauses = [["洗完头发"], ["洗完头发干"], ["洗完头发痒"], ["头发干"]]
    assert compose("头发", ["洗完"], clauses) is None


def test_one_token_phrases_still_expand_a_one_word_winner():
    # the segmenter may keep 取消订单 as one token: it still expands 订单
    node = [{"订单": 1, "取消订单": 1}] * 3 + [{"订单": 1}] * 7
    other = [{"发票": 1}] * 10
    table = PhraseTable(node + other)
    cin = table.counts(_member(20, list(range(10))))
    ctx = sp.csr_matrix(table.matrix.sum(axis=0))
    assert table.rank(cin, 10, ctx, 20, expand=0.2)[0][0] == "取消订单"


def test_attach_needs_the_noun_and_its_predicate_in_one_clause():
    texts = [{"平板": 1, "运行流畅": 2}] * 3
    ends = {"平板": "n", "运行流畅": "a"}
    assert attach("平板", ["运行流畅"], texts, ends, [["平板好", "运行流畅"]] * 3) is None
    assert attach("平板", ["运行流畅"], texts, ends, [["平板运行流畅"]] + [["平板好", "运行流畅"]] * 2) == "平板运行流畅"
    # never after a word that is not a noun
    assert attach("好看", ["运行流畅"], texts, {"好看": "a", "运行流畅": "a"}, [["好看运行流畅"]] * 3) is None
