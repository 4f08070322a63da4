"""The fitted text scorer: streaming and batch paths agree with each other and with sklearn."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voc import ModelLoadError
from voc.alerts._rules import fold
from voc.alerts._scorer import TextScorer, _key, gram_keys, grams

TEXTS = ["第三次打电话了，还是没人处理！", "好的，谢谢", "", "  ", "a b\tc\u3000d", "太慢了太慢了太慢了",
         "我要投訴，ＡＢＣ", "宽带 又断了\n什么破服务"]


@given(st.text(alphabet=st.sampled_from(list("投诉慢好ab 1，\t\u3000\n😀")), max_size=30))
@settings(max_examples=200, deadline=None)
def test_gram_keys_are_the_grams(text):
    keys, pos = gram_keys(text)
    assert Counter(keys.tolist()) == Counter(_key(g) for g in grams(text))
    assert len(pos) == len(keys)


@pytest.fixture(scope="module")
def scorer():
    return TextScorer.load()


def test_streaming_and_batch_paths_agree(scorer):
    rng = random.Random(0)
    dialogues = [[fold(rng.choice(TEXTS)) for _ in range(rng.randint(0, 4))] for _ in range(50)]
    batch = scorer.probabilities(dialogues)
    single = [scorer.score_texts(d) for d in dialogues]
    assert batch == pytest.approx(single, abs=1e-9)


def test_matches_a_plain_tfidf_logistic_regression(tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    docs = [["物流太慢了", "还是没到"], ["很好，谢谢"], ["我要投诉"], ["好评"], ["太差了，退款"], ["满意"]]
    y = [1, 0, 1, 0, 1, 0]

    def analyzer(turns):
        return [g for t in turns for g in grams(fold(t))]

    vec = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True)
    X = vec.fit_transform(docs)
    clf = LogisticRegression().fit(X, y)
    sc = TextScorer(vec.get_feature_names_out().tolist(), vec.idf_, clf.coef_[0], clf.intercept_[0])
    ref = clf.predict_proba(vec.transform(docs + [["没见过的字"]]))[:, 1]
    got = [sc.score_texts(d) for d in docs + [["没见过的字"]]]
    assert got == pytest.approx(ref.tolist(), abs=1e-9)
    sc.save(tmp_path / "s")
    again = TextScorer.load(tmp_path / "s")
    assert [again.score_texts(d) for d in docs] == pytest.approx(got[:-1], abs=1e-12)
    assert again.fuse(0.3, {"churn"}, False) == 0.3  # no fusion stored: the text probability


def test_shipped_fusion_is_monotone(scorer):
    fusion = scorer.meta["fusion"]
    assert fusion["model"] > 0
    assert all(w >= 0 for w in fusion["categories"].values())
    base = scorer.fuse(0.2, set(), False)
    for cat in fusion["categories"]:
        assert scorer.fuse(0.2, {cat}, False) >= base
    assert scorer.fuse(0.3, set(), False) > base
    assert 0.0 < scorer.fuse(1.0, set(fusion["categories"]), False) <= 1.0


def test_broken_folder_is_a_load_error(tmp_path, scorer):
    import json

    scorer.save(tmp_path / "s")
    meta = json.loads((tmp_path / "s" / "meta.json").read_text(encoding="utf-8"))
    meta["vocabulary"] = meta["vocabulary"][:-1]
    (tmp_path / "s" / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="disagree"):
        TextScorer.load(tmp_path / "s")
    with pytest.raises(ModelLoadError):
        TextScorer(["a"], np.ones(1), np.ones(2), 0.0)
