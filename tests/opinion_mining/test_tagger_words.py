"""The tagger's word features and lexicon marks: batch-independent, taxonomy-aware."""

from __future__ import annotations

import pytest

import voc
from voc.opinion_mining import OpinionExtractor, load_taxonomy
from voc.opinion_mining._extractor import _span_lexicon, taxonomy_words
from voc.opinion_mining._tagger import word_bounds, word_bounds_many

TEXTS = ["物流很快，包装也不错", "", "好", "服务员态度很好\n菜的味道一般", "味道不错\n\n", "USB接口松了 sb",
         "質素唔好", "房山仔菇味道可以，香芋芡实煲味道可以，奶香浓郁偏稀。"]


def test_word_bounds_of_a_batch_are_each_texts_own() -> None:
    alone = [word_bounds(t) for t in TEXTS]
    assert word_bounds_many(TEXTS) == alone
    assert word_bounds_many(list(reversed(TEXTS))) == list(reversed(alone))
    starts, ends = word_bounds("物流很快")
    assert 0 in starts and 4 in ends and starts <= set(range(4)) and ends <= set(range(1, 5))


@pytest.fixture(scope="module")
def ex() -> OpinionExtractor:
    return OpinionExtractor.load()


def test_tags_do_not_depend_on_the_batch(ex: OpinionExtractor) -> None:
    norm = voc.Normalizer()
    texts = [norm.normalize(t) for t in TEXTS]
    assert ex._tags(texts) == [ex._tags([t])[0] for t in texts]


def test_lexicon_marks_follow_the_taxonomy(ex: OpinionExtractor) -> None:
    model = ex._get()[0]
    base = model.tagger.lexicon
    assert base is not None
    # the default taxonomy adds nothing the model was not trained with
    assert _span_lexicon(model, load_taxonomy()) is base
    tax = load_taxonomy().extend({"nodes": {"物流配送": {"配送速度": {"aspects": ["跑腿小哥"]}}}})
    assert "跑腿小哥" in taxonomy_words(tax)[0]
    lex = _span_lexicon(model, tax)
    assert lex is not None and "跑腿小哥" in lex.aspects and "跑腿小哥" not in base.aspects
    codes = lex.codes("跑腿小哥太慢")
    assert [int(c) // 5 for c in codes[:4]] == [1, 2, 2, 3]  # B I I E of an aspect word
    assert int(base.codes("跑腿小哥太慢")[0]) // 5 == 0


def test_extended_taxonomy_extractor_pickles(ex: OpinionExtractor) -> None:
    import pickle

    tax = load_taxonomy().extend({"nodes": {"物流配送": {"配送速度": {"aspects": ["跑腿"]}}}})
    custom = OpinionExtractor.load(taxonomy=tax)
    first = custom.extract("跑腿太慢了")
    again = pickle.loads(pickle.dumps(custom)).extract("跑腿太慢了")
    assert first == again


def test_word_features_are_each_texts_own_and_follow_the_words() -> None:
    """``words=True`` (``models/opinions/train.py --words``) adds four word columns per character,
    the same for a text alone or in a batch (texts with newlines included)."""
    import numpy as np

    from voc.opinion_mining._tagger import features, features_many

    texts = [t for t in TEXTS if t]
    plain, _ = features_many(texts, 18)
    with_words, lens = features_many(texts, 18, words=True)
    assert with_words.shape == (plain.shape[0], plain.shape[1] + 4)
    assert np.array_equal(with_words[:, :plain.shape[1]], plain)  # the other features are unchanged
    alone = [features(t, 18, words=True) for t in texts]
    assert np.array_equal(with_words, np.concatenate(alone))
    assert lens == [len(t) for t in texts]
    # 很快 is one word in 物流很快 and not in 很快乐: the character 很 gets different word features
    a, b = features("物流很快", 18, words=True)[2], features("他很快乐", 18, words=True)[1]
    assert not np.array_equal(a[-4:], b[-4:])
