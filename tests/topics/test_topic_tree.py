"""TopicTree: coverage of every text, recovered groups, labels, transform, persistence, time."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pandas as pd
import pytest

from voc.errors import ConfigError, InputError, NotFittedError, VocWarning
from voc.topics import OTHER_LABEL, TopicNode, TopicTree

# Four topics a help desk would see, written for these tests (no shared data):
# each text joins an opener, a subject and a complaint of its theme.
_TOPICS = {
    "logistics": (["物流", "快递", "发货", "送货", "快递员送货"],
                  ["太慢了", "一直没到", "好几天不更新", "速度太慢", "三天还没到", "催了好几次还没送到"]),
    "screen": (["屏幕", "手机屏幕", "显示屏", "屏幕上"],
               ["有划痕", "碎了", "有坏点", "发黄", "有一道划痕", "亮度不均匀", "有亮点"]),
    "refund": (["退款", "退货退款", "申请的退款", "退的钱"],
               ["一直没到账", "还没退回来", "未到账怎么办", "被拒绝了", "到账要多久", "没人处理"]),
    "address": (["收货地址", "地址", "收件地址", "送货地址"],
                ["填错了想修改", "怎么修改", "能帮我改一下吗", "写错了能改吗", "需要修改", "想改成公司"]),
}
_OPENERS = ["", "你好，", "请问", "我的", "这次", "客服，"]
_ENDINGS = ["", "！", "。", "，谢谢", "，麻烦看一下", "？", "，急"]


def _corpus(n_per: int = 30, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, groups = [], []
    for g, (subjects, complaints) in _TOPICS.items():
        for _ in range(n_per):
            texts.append(rng.choice(_OPENERS) + rng.choice(subjects) + rng.choice(complaints) + rng.choice(_ENDINGS))
            groups.append(g)
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], [groups[i] for i in order]


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[str]]:
    return _corpus()


@pytest.fixture(scope="module")
def tree(corpus) -> TopicTree:
    texts, _ = corpus
    return TopicTree(levels=3, min_size=3).fit(texts + ["", "。。。", "？？"])


def test_every_text_has_one_path_per_level(tree, corpus):
    n = len(corpus[0]) + 3
    assert len(tree.paths_) == n
    assert all(len(p) == 3 for p in tree.paths_)
    by_id = {nd.id: nd for nd in tree.nodes_}
    for path in tree.paths_:
        assert [by_id[i].level for i in path] == [1, 2, 3]
        assert by_id[path[0]].parent is None
        assert by_id[path[1]].parent == path[0] and by_id[path[2]].parent == path[1]
    for level in (1, 2, 3):  # no text is lost: sizes add up at every level
        assert sum(nd.size for nd in tree.nodes_ if nd.level == level) == n
        assert sum(nd.share for nd in tree.nodes_ if nd.level == level) == pytest.approx(1.0)


def test_texts_without_topic_words_go_to_other(tree, corpus):
    n = len(corpus[0])
    other = [nd for nd in tree.nodes_ if nd.level == 1 and nd.is_other]
    assert len(other) == 1 and other[0].label == OTHER_LABEL and other[0].size == 3
    assert all(tree.paths_[i][0] == other[0].id for i in range(n, n + 3))


def _theme_of(tree: TopicTree, groups: list[str], level: int = 1) -> dict[int, str]:
    """The majority theme of each node at ``level`` (fitted texts only)."""
    out = {}
    for nid in {p[level - 1] for p in tree.paths_[: len(groups)]}:
        g = [gg for p, gg in zip(tree.paths_, groups) if p[level - 1] == nid]
        out[nid] = max(set(g), key=g.count)
    return out


def test_known_groups_are_recovered(tree, corpus):
    texts, groups = corpus
    level1 = [p[0] for p in tree.paths_[: len(texts)]]
    # every level-1 node holds one theme, and every theme has its node(s)
    for nid in set(level1):
        g = [gg for l1, gg in zip(level1, groups) if l1 == nid]
        assert max(g.count(x) for x in set(g)) / len(g) >= 0.8, (nid, g)
    assert set(_theme_of(tree, groups).values()) == set(_TOPICS)
    # and the tree is a summary, not one node per text
    assert len(set(level1)) <= len(texts) // 5


def test_labels_are_words_and_distinct_among_siblings(tree):
    for nd in tree.nodes_:
        assert isinstance(nd, TopicNode)
        assert nd.label and (nd.is_other or len(nd.label) >= 2)
    for nd in [None, *tree.nodes_]:
        kids = [k for k in tree.nodes_ if k.parent == (None if nd is None else nd.id)]
        if len(kids) > 1:
            assert len({k.label for k in kids}) == len(kids)
    l1 = {nd.label for nd in tree.nodes_ if nd.level == 1}
    # the level-1 labels name the themes (one of each theme's words is in some label)
    for words in (("物流", "快递", "发货", "送货"), ("屏幕", "划痕"), ("退款", "到账", "退货"), ("地址", "修改", "收货")):
        assert any(w in lab for lab in l1 for w in words), (words, l1)


def test_nodes_have_keywords_and_examples(tree):
    for nd in tree.nodes_:
        if not nd.is_other:
            assert nd.keywords and nd.examples
            assert all(len(k) >= 1 for k in nd.keywords)


def test_transform_reproduces_fit_paths(tree, corpus):
    texts = corpus[0] + ["", "。。。", "？？"]
    assert tree.transform(texts) == tree.paths_
    stream = (t for t in texts)
    assert list(tree.itransform(stream, batch_size=7)) == tree.paths_


def test_transform_routes_new_texts_to_their_theme(tree, corpus):
    texts, groups = corpus
    theme = _theme_of(tree, groups)
    new = {"logistics": "快递怎么还没送到", "screen": "屏幕上全是划痕", "refund": "退款什么时候到账",
           "address": "我要修改收货地址"}
    paths = tree.transform(list(new.values()))
    assert [theme[p[0]] for p in paths] == list(new)


def test_to_frame(tree):
    frame = tree.to_frame()
    assert list(frame["id"]) == [nd.id for nd in tree.nodes_]
    for col in ("level", "parent", "label", "path", "keywords", "size", "share", "examples"):
        assert col in frame.columns
    row = frame[frame.level == 3].iloc[0]
    assert row["path"].count(" > ") == 2


def test_not_fitted():
    t = TopicTree()
    for call in (lambda: t.transform(["物流慢"]), t.to_frame, lambda: t.topics_over_time([]),
                 lambda: t.save("x")):
        with pytest.raises(NotFittedError):
            call()
    with pytest.raises(AttributeError):  # NotFittedError is an AttributeError too
        t.to_frame()


def test_bad_input_and_config():
    with pytest.raises(InputError):
        TopicTree().fit("物流太慢")
    with pytest.raises(InputError):
        TopicTree().fit([])
    with pytest.raises(InputError):
        TopicTree().fit(["物流太慢", 3])
    with pytest.raises(ConfigError):
        TopicTree(levels=0).fit(["物流太慢"])
    with pytest.raises(ConfigError):
        TopicTree(max_children="many").fit(["物流太慢"])


def test_missing_values_count_as_empty():
    texts, _ = _corpus(10)
    tree = TopicTree(levels=2, min_size=2).fit(texts + [None, float("nan")])
    other = next(nd for nd in tree.nodes_ if nd.level == 1 and nd.is_other)
    assert other.size == 2


@pytest.mark.parametrize("levels", [1, 2])
def test_fewer_levels(levels, corpus):
    tree = TopicTree(levels=levels, min_size=3).fit(corpus[0])
    assert all(len(p) == levels for p in tree.paths_)
    assert max(nd.level for nd in tree.nodes_) == levels


def test_small_groups_are_merged(corpus):
    texts = corpus[0]
    tree = TopicTree(levels=2, min_size=3, min_share=(0.1, 0.05)).fit(texts)
    for nd in tree.nodes_:
        if not nd.is_other and nd.size:
            assert nd.size >= (0.1 if nd.level == 1 else 0.05) * len(texts)
    assert TopicTree(levels=1, max_children=2).fit(texts).nodes_[-1].is_other
    assert len([nd for nd in TopicTree(levels=1, max_children=2).fit(texts).nodes_ if not nd.is_other]) <= 2


def test_identical_texts_make_one_group():
    tree = TopicTree(levels=2, min_size=2).fit(["物流太慢"] * 12)
    assert len({p for p in tree.paths_}) == 1


def test_pickle_and_save_load_round_trip(tree, corpus, tmp_path):
    texts = corpus[0][:20]
    clone = pickle.loads(pickle.dumps(tree))
    assert clone.transform(texts) == tree.transform(texts)
    assert clone.nodes_ == tree.nodes_
    tree.save(tmp_path / "tree")
    loaded = TopicTree.load(tmp_path / "tree")
    assert loaded.transform(texts) == tree.transform(texts)
    assert [n.to_dict() for n in loaded.nodes_] == [n.to_dict() for n in tree.nodes_]
    assert loaded.paths_ == tree.paths_
    assert not list(tmp_path.glob("tree/*.pkl"))


def test_damaged_folder_is_a_model_load_error(tree, tmp_path):
    """A missing meta entry, a missing or cut arrays.npz: ModelLoadError naming the folder, not KeyError/BadZipFile."""
    import json
    import shutil

    from voc.errors import ModelLoadError

    good = tree.save(tmp_path / "tree")
    no_nodes = shutil.copytree(good, tmp_path / "no_nodes")
    meta = json.loads((no_nodes / "meta.json").read_text(encoding="utf-8"))
    del meta["nodes"]
    (no_nodes / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="not a complete voc topic tree.*'nodes'"):
        TopicTree.load(no_nodes)
    no_arrays = shutil.copytree(good, tmp_path / "no_arrays")
    (no_arrays / "arrays.npz").unlink()
    with pytest.raises(ModelLoadError, match="arrays.npz is missing"):
        TopicTree.load(no_arrays)
    cut = shutil.copytree(good, tmp_path / "cut")
    with open(cut / "arrays.npz", "r+b") as fh:
        fh.truncate(100)
    with pytest.raises(ModelLoadError, match="arrays.npz could not be read"):
        TopicTree.load(cut)


def test_partial_fit_adds_texts(corpus):
    texts, _ = corpus
    tree = TopicTree(levels=2, min_size=3).fit(texts)
    before = {nd.id: nd.size for nd in tree.nodes_}
    new = ["快递还没到", "屏幕有划痕", "退款没到账"]
    expected = tree.transform(new)
    tree.partial_fit(new)
    assert len(tree.paths_) == len(texts) + 3
    assert tree.paths_[-3:] == expected
    for nd in tree.nodes_:
        gained = sum(1 for p in expected if nd.id in p)
        assert nd.size == before[nd.id] + gained
    assert sum(nd.size for nd in tree.nodes_ if nd.level == 1) == len(texts) + 3
    assert TopicTree.update is TopicTree.partial_fit


def test_sentiment_mix(corpus):
    texts, groups = corpus
    senti = ["negative" if g in ("logistics", "refund") else "neutral" for g in groups]
    tree = TopicTree(levels=1, min_size=3).fit(texts, sentiment=senti)
    for nd in tree.nodes_:
        if nd.size and not nd.is_other:
            assert sum(nd.sentiment.values()) == pytest.approx(1.0)
    with pytest.raises(InputError):
        TopicTree(levels=1).fit(texts, sentiment=senti[:3])
    frame = tree.to_frame()
    assert "sentiment_negative" in frame.columns


def test_topics_over_time_flags_a_rise(corpus):
    texts, groups = corpus
    tree = TopicTree(levels=1, min_size=3).fit(texts)
    # week 1: groups evenly; week 2: the refund theme surges
    dates = ["2024-01-01"] * len(texts)
    surge = ["退款一直没到账", "退款未到账怎么办", "申请退款没人处理"] * 15 + ["物流太慢了"] * 3
    paths = tree.paths_ + tree.transform(surge)
    dates += ["2024-01-09"] * len(surge)
    out = tree.topics_over_time(dates, freq="W", paths=paths)
    assert {"period", "node", "label", "count", "total", "rate", "change", "rising"} <= set(out.columns)
    week2 = out[out.period == out.period.max()]
    theme = _theme_of(tree, groups)
    rising = set(week2[week2.rising].node)
    assert rising and {theme[i] for i in rising} == {"refund"}
    assert week2["count"].sum() == len(surge)
    assert not out[out.period == out.period.min()]["rising"].any()  # nothing to compare with yet
    with pytest.raises(InputError):
        tree.topics_over_time(dates[:5])


def test_one_complaint_repeated_keeps_its_topic():
    """Words in most texts are dropped as uninformative, unless they are all a text says."""
    tree = TopicTree(levels=1).fit(["物流太慢了"] * 50)
    real = [n for n in tree.nodes_ if not n.is_other]
    assert len(real) == 1 and real[0].size == 50 and "物流" in real[0].label


def test_topics_over_time_reads_unix_times_and_leaves_out_missing_dates(corpus):
    texts, _ = corpus
    tree = TopicTree(levels=1, min_size=3).fit(texts)
    n = len(texts)
    secs = [1704067200 + 86400 * (i % 3) for i in range(n)]         # 2024-01-01 .. 03, Unix seconds
    out = tree.topics_over_time(secs, freq="D")
    assert [str(p) for p in out.period.unique()] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    ms = tree.topics_over_time([s * 1000 for s in secs], freq="D")
    pd.testing.assert_frame_equal(out, ms)
    with pytest.warns(VocWarning, match="2 of"):
        part = tree.topics_over_time([None, pd.NaT] + secs[2:], freq="D")
    assert part.groupby("period")["total"].first().sum() == n - 2
    with pytest.raises(InputError, match="all are missing"):
        tree.topics_over_time([None] * n)
    assert tree.topics_over_time([], paths=[]).empty
    with pytest.raises(InputError, match="no topic node"):
        tree.node(-1)
    with pytest.raises(InputError, match="no topic node"):
        tree.label_path([999])


def test_associations(corpus):
    texts, groups = corpus
    tree = TopicTree(levels=1, min_size=3).fit(texts)
    # customers who ask about refunds also ask about addresses
    cust = []
    refund_ids = [i for i, g in enumerate(groups) if g == "refund"]
    address_ids = [i for i, g in enumerate(groups) if g == "address"]
    owner = {}
    for k, (a, b) in enumerate(zip(refund_ids, address_ids)):
        owner[a] = owner[b] = f"c{k}"
    cust = [owner.get(i, f"solo{i}") for i in range(len(texts))]
    out = tree.associations(level=1, groups=cust)
    theme = _theme_of(tree, groups)
    top = out.iloc[0]
    assert {theme[top["a"]], theme[top["b"]]} == {"refund", "address"}
    assert top["lift"] > 1 and top["count"] >= 3
    both = tree.associations(level=1, texts=["物流太慢了，屏幕还有划痕"] * 4, min_count=2)
    assert len(both) == 1
    assert {theme[both.iloc[0]["a"]], theme[both.iloc[0]["b"]]} == {"logistics", "screen"}
    with pytest.raises(InputError):
        tree.associations(level=1)


def test_params_and_repr():
    t = TopicTree(levels=2, max_children=5)
    assert t.get_params()["max_children"] == 5
    assert "levels=2" in repr(t)
    with pytest.raises(ConfigError):
        t.set_params(nonsense=1)


@pytest.mark.data
def test_recovers_product_categories_on_real_reviews():
    from sklearn.metrics import normalized_mutual_info_score

    from tests.conftest import data_path

    d = pd.read_csv(data_path("sentiment", "online_shopping_9cats.csv")).dropna()
    d = d.sample(3000, random_state=1)
    tree = TopicTree(levels=2).fit(d.review.astype(str).tolist())
    level1 = np.array([p[0] for p in tree.paths_])
    # a random split scores ~0; scikit-learn KMeans on TF-IDF scores about 0.3 here
    assert normalized_mutual_info_score(d["cat"], level1) > 0.35
    assert 4 <= len(set(level1)) <= 13


def test_encoder_checkpoint_must_be_a_local_folder(tmp_path, corpus):
    from voc.errors import ModelNotFoundError

    with pytest.raises(ModelNotFoundError):
        TopicTree(levels=1, encoder=str(tmp_path / "no-such-model")).fit(corpus[0])
    # torch may already be loaded by other tests in this process: check in a fresh one
    import subprocess
    import sys

    code = (
        "import sys; from voc.topics import TopicTree\n"
        "try:\n"
        f"    TopicTree(levels=1, encoder={str(tmp_path / 'no-such-model')!r}).fit(['物流很慢'] * 20)\n"
        "except Exception:\n"
        "    pass\n"
        "print('torch' in sys.modules or 'sentence_transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_anchor_names_level1_after_the_taxonomy(tmp_path, corpus):
    import json

    texts, groups = corpus
    tax = {"format": "voc-taxonomy", "version": 1, "nodes": {
        "物流配送": {"配送速度": {"aspects": ["物流", "快递", "发货", "送货"], "implicit": ["物流慢"]}},
        "售后退换": {"退款": {"aspects": ["退款", "退货", "到账"], "implicit": ["退款慢"]}},
        "产品质量": {"屏幕": {"aspects": ["屏幕", "划痕", "坏点"], "implicit": []}},
        "账户支付": {"地址": {"aspects": ["地址", "收货地址", "修改"], "implicit": []}},
    }}
    path = tmp_path / "tax.json"
    path.write_text(json.dumps(tax, ensure_ascii=False), encoding="utf-8")
    tree = TopicTree(levels=2, min_size=3, anchor=str(path)).fit(texts)
    theme = _theme_of(tree, groups)
    expect = {"logistics": "物流配送", "refund": "售后退换", "screen": "产品质量", "address": "账户支付"}
    for nd in tree.nodes_:
        if nd.level == 1 and not nd.is_other:
            assert nd.category == expect[theme[nd.id]]
            assert nd.label.startswith(nd.category)
        if nd.level == 2:
            assert nd.category == tree.nodes_[nd.parent].category
    assert "category" in tree.to_frame().columns
    with pytest.raises(ConfigError):
        TopicTree(levels=1, anchor=str(tmp_path / "missing.json")).fit(texts)


def test_default_taxonomy_anchor(corpus):
    from voc._resources import model_path
    from voc.errors import ModelNotFoundError

    try:
        model_path("opinions", "taxonomy.json")
    except ModelNotFoundError:
        pytest.skip("voc's default taxonomy (voc.opinions) is not installed here")
    tree = TopicTree(levels=1, min_size=3, anchor=True).fit(corpus[0])
    names = {"产品质量", "使用体验", "外观设计", "价格", "物流配送", "包装", "客服服务", "售后退换", "门店环境",
             "餐饮口味", "营销活动", "账户支付", "网络信号", "整体评价", "其他"}
    assert all(nd.category in names for nd in tree.nodes_)


def test_documents_and_opinions_carry_text_and_sentiment(corpus):
    from voc import Document, Opinion, Sentiment

    texts, groups = corpus
    docs = [Document.from_text(t, sentiment=Sentiment("negative" if g == "refund" else "positive", 0.9,
                                                      -0.8 if g == "refund" else 0.8))
            for t, g in zip(texts, groups)]
    tree = TopicTree(levels=1, min_size=3).fit(docs)
    assert tree.paths_ == TopicTree(levels=1, min_size=3).fit(texts).paths_
    theme = _theme_of(tree, groups)
    for nd in tree.nodes_:
        if not nd.is_other:
            assert nd.sentiment["negative"] == (1.0 if theme[nd.id] == "refund" else 0.0)
    ops = [Opinion("物流", "太慢", "negative"), Opinion("屏幕", "有划痕", "negative"),
           Opinion("快递", "很快", "positive")] * 6
    tree = TopicTree(levels=1, min_size=2).fit(ops)
    assert sum(nd.size for nd in tree.nodes_) == len(ops)
    assert tree.transform([Opinion("物流", "太慢", "negative")]) == [tree.paths_[0]]
