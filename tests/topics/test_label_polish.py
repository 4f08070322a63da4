"""Level-2 labels across seeds: no antonyms in one family, names with what is said of them,
honest catch-alls under a scattered theme, examples that say the label."""

from __future__ import annotations

import numpy as np

from voc.topics import TopicTree
from voc.topics._labels import opposed, opposites, phrases_of, says
from voc.topics._labels import PhraseTable
from voc.topics._tree import _central_names, _phrase_families, _said_share, _subject_phrases, _with_predicate


def test_opposite_phrases_are_recognised():
    assert opposed("待机时间长", "电池待机时间短")
    assert opposed("物流快", "快递慢")          # 快递 is no predicate: 快 vs 慢 still opposes
    assert opposed("有赠品", "没有赠品")
    assert not opposed("物流快", "送货快")
    assert not opposed("快递小哥", "快递员")
    assert "好" in opposites("差") and "快" in opposites("慢")


def test_families_never_join_antonyms_even_when_their_vectors_agree():
    sets = [{"待机时间长": 2}] * 5 + [{"待机时间短": 2}] * 4 + [{"送货快": 2}] * 3

    def embed(ps):   # every phrase looks alike: only the antonym rule keeps 长 and 短 apart
        return np.ones((len(ps), 4), dtype=np.float32) / 2.0

    fams = dict(_phrase_families(sets, embed))
    assert set(fams) == {"待机时间长", "待机时间短"}      # 送货快 joins 待机时间长 (no opposite), 短 stays apart
    assert len(fams["待机时间短"]) == 4


def test_vague_starts_are_not_phrases():
    out = phrases_of([("一直", "d"), ("用", "p"), ("这个", "r"), ("牌子", "n"), ("的", "uj"), ("洗发水", "nz")],
                     frozenset())
    assert "牌子的洗发水" not in out and "洗发水" in out
    out = phrases_of([("问", "n"), ("客服", "n"), ("没人", "v"), ("回", "v")], frozenset())
    assert not any(p.startswith("问") for p in out)
    out = phrases_of([("所谓", "b"), ("的", "uj"), ("原厂", "n"), ("机油", "n")], frozenset())
    assert "原厂机油" in out and not any(p.startswith("所谓") for p in out)


def test_a_question_on_a_light_verb_needs_its_object():
    """怎么处理 / 怎么联系 ask about nothing yet; 怎么联系快递员 asks about something."""
    out = phrases_of([("这个", "r"), ("怎么", "r"), ("处理", "v")], frozenset())
    assert "怎么处理" not in out
    out = phrases_of([("怎么", "r"), ("联系", "v"), ("快递员", "n")], frozenset())
    assert "怎么联系快递员" in out and "怎么联系" not in out


def test_the_collections_subject_names_no_topic():
    """森林人 on a Forester forum is said across every theme: it names none of them."""
    import scipy.sparse as sp

    themes = ["油耗", "动力", "外观", "空间", "价格"]
    sets = []
    for word in themes:
        sets += [{"森林人": 1, word: 1}] * 5 + [{word: 1}] * 5
    t = PhraseTable(sets)
    member = sp.csr_matrix(np.kron(np.eye(5), np.ones(10)).astype(np.float32))
    assert _subject_phrases(t, t.counts(member), np.full(5, 10), [0, 1, 2, 3, 4]) == {"森林人"}
    # in a tree of few themes a word most of them share is a topic (物流 in 物流慢 and 物流太慢)
    assert _subject_phrases(t, t.counts(member), np.full(5, 10), [0, 1, 2]) == set()


def test_a_phrase_one_text_says_never_names_a_group():
    ys = np.array([[1.0, 0.0]] * 8)
    sets = [{"拍照功能": 2}] * 4 + [{"拍照功能": 2, "拍照功能启动迅速": 4}] + [{"铃声": 1}] * 3
    assert _central_names(ys, np.zeros(8, int), np.eye(2)[:1], sets, ["拍照功能"]) == ["拍照功能"]
    sets[5] = {"拍照功能启动迅速": 4}
    assert _central_names(ys, np.zeros(8, int), np.eye(2)[:1], sets, ["拍照功能"]) == ["拍照功能启动迅速"]


def test_phrases_never_stop_half_way_through_a_thought():
    """Consultation labels used to stop mid-predicate: 电话打 (电话打不通), 收件地址我能否, 退货申请被商家."""
    from voc.topics._text import Analyzer

    def phrases(text):
        return set(phrases_of(Analyzer().tag([text])[0], frozenset()))

    # a one-character verb ends a phrase only at the end of its clause, or with its 了
    assert "电话打" not in phrases("电话打不通啊")
    got = phrases("交易密码忘了怎么办")
    assert "交易密码忘了" in got and "交易密码忘" not in got
    assert "营业厅办" not in phrases("营业厅办的套餐") and "营业厅办的套餐" in phrases("营业厅办的套餐")
    # never on a modal verb, never on a passive agent without its verb, never an A-not-A question word
    assert not any(p.endswith(("能否", "才能")) for p in phrases("收件地址我能否改一下") | phrases("多久钱才能到账"))
    assert "退货申请被商家" not in phrases("退货申请被商家拒绝了")
    assert not any("算不算" in p for p in phrases("这个算不算满减"))
    assert "人处理" not in phrases("没人处理")
    # what stays: clause-final one-character predicates and whole verb-object phrases
    assert "宽带断" in phrases("宽带断") and "修改收货地址" in phrases("修改收货地址")


def test_a_bare_name_takes_the_verdict_its_texts_give_unless_they_disagree():
    name = "京东快递"
    texts = ["京东快递很给力", "京东快递给力，棒", "京东快递也给力", "京东快递到了", "买了京东快递送来的"]
    sets = [{name: 2} for _ in texts]
    ends = {name: "n"}
    assert _with_predicate(name, np.arange(5), sets, ends, texts) == "京东快递给力"
    mixed = texts + ["京东快递太差", "京东快递很差劲", "京东快递差"]
    sets = [{name: 2} for _ in mixed]
    assert _with_predicate(name, np.arange(8), sets, ends, mixed) == name   # 3 say 差 against 3 给力
    # a verdict in another clause is not said of the name
    far = ["京东快递到了，太给力了"] * 5
    assert _with_predicate(name, np.arange(5), [{name: 2}] * 5, ends, far) == name
    assert says("物流也很快，东西不错", "物流快") and not says("屏幕有划痕，太失望了", "屏幕有划痕失望")


def test_said_share_counts_texts_writing_the_label_in_one_clause():
    assert _said_share([["手机闪光灯坏了"], ["价格"], ["手机", "闪光灯"], []], "手机闪光灯") == 0.25


def test_examples_say_the_label_first():
    texts = ["物流很快，包装也好"] * 3 + ["包装完好，送货上门"] * 6 + ["物流快，满意"] * 3
    texts += ["屏幕有划痕，很失望"] * 6 + ["屏幕亮度不够"] * 3 + ["屏幕有划痕"] * 3
    tree = TopicTree(levels=2, min_size=3, max_children=(2, 4)).fit(texts)
    for node in tree.nodes_:
        if node.is_other or "其他" in node.label or not node.examples:
            continue
        sayers = [t for t in texts if says(t, node.label)
                  and any(tree.paths_[i][node.level - 1] == node.id for i, u in enumerate(texts) if u == t)]
        if sayers:   # a text that says the label comes first when the node holds one
            assert says(node.examples[0], node.label), (node.label, node.examples)
    assert tree.transform(texts) == tree.paths_
