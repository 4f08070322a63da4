"""The fast feature paths equal their reference versions."""

from __future__ import annotations

import random

import numpy as np

from voc.opinion_mining._features import pair_key, pair_keys
from voc.opinion_mining._tagger import CharTagger, features, features_many, spans_from_tags


def _random_spans(rng: random.Random, n: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    tags = []
    while len(tags) < n:
        k = rng.choice([0, 0, 0, 1, 3])
        tags += [k] + [k + 1] * rng.randint(0, 2) if k else [0]
    return spans_from_tags(tags[:n])


def test_pair_keys_equal_pair_key() -> None:
    rng = random.Random(0)
    alphabet = "物流很快，包装破损了。但是价格贵！好"
    for _ in range(300):
        n = rng.randint(1, 40)
        text = "".join(rng.choice(alphabet) for _ in range(n))
        aspects, opinions = _random_spans(rng, n)
        if not aspects or not opinions:
            continue
        want = [pair_key(text, a, o, aspects, opinions) for o in opinions for a in aspects]
        assert pair_keys(text, aspects, opinions) == want


def test_spans_from_tags() -> None:
    assert spans_from_tags([1, 2, 0, 3, 4, 4, 3, 0, 4]) == ([(0, 2)], [(3, 6), (6, 7), (8, 9)])
    assert spans_from_tags([]) == ([], [])


def test_batched_features_and_decoding_equal_single() -> None:
    texts = ["物流很快，包装差", "", "好", "价格太贵了！！", "ABC 123 很好"]
    for clause in (False, True):
        allf, lens = features_many(texts, 16, 1, clause)
        pos = 0
        for t, n in zip(texts, lens):
            assert n == len(t)
            assert np.array_equal(allf[pos:pos + n], features(t, 16, 1, clause))
            pos += n
    m = CharTagger(bits=12, clause=True)
    m.W = np.random.default_rng(0).normal(size=m.W.shape).astype(np.float32)
    m.T = np.random.default_rng(1).normal(size=m.T.shape).astype(np.float32)
    for dom in (0, 1, 2):
        assert m.tag_many(texts, dom) == [m.tag(t, dom) for t in texts]


def test_polarity_key_with_bounds_equals_scan() -> None:
    from voc.opinion_mining._features import boundaries, polarity_key

    rng = random.Random(1)
    alphabet = "物流很快，包装破损了。但是价格贵！好不吗？"
    for _ in range(300):
        n = rng.randint(1, 30)
        text = "".join(rng.choice(alphabet) for _ in range(n))
        a = rng.randrange(n)
        b = rng.randint(a + 1, n)
        assert polarity_key(text, "物流", (a, b), boundaries(text)) == polarity_key(text, "物流", (a, b))


def test_span_lexicon_batched_with_line_breaks() -> None:
    from voc.opinion_mining._tagger import SpanLexicon

    lex = SpanLexicon(["物流", "包装"], ["很快", "破损", "慢"])
    assert lex.codes("物流很快").tolist() == [5, 15, 1, 3]
    texts = ["物流很快\n包装破损", "", "慢", "包装\n很快"]
    allf, lens = features_many(texts, 16, 2, True, lex)
    pos = 0
    for t, n in zip(texts, lens):
        assert np.array_equal(allf[pos:pos + n], features(t, 16, 2, True, lex))
        pos += n


def test_python_and_batched_viterbi_agree_on_near_ties() -> None:
    m = CharTagger(bits=10)
    rng = np.random.default_rng(3)
    m.T = rng.integers(-2, 3, size=m.T.shape).astype(np.float32)  # integer scores: many exact ties
    m.S = rng.integers(-2, 3, size=m.S.shape).astype(np.float32)
    Es = [rng.integers(-3, 4, size=(n, 5)).astype(np.float32) for n in (1, 2, 7, 30, 0, 12)]
    assert m.viterbi_batch(Es) == [m.viterbi(e) for e in Es]
