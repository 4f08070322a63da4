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
