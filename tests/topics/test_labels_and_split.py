"""Label phrases (compaction, generic words, expansion) and the spectral level-1 split."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from voc.topics._labels import PhraseTable, phrases_of
from voc.topics._tree import _spectral_embedding, _split


def test_degree_and_linking_words_are_dropped_inside_phrases():
    slow = phrases_of([("发货", "v"), ("很慢", "d")], frozenset())
    assert "发货慢" in slow
    fast = phrases_of([("物流", "n"), ("也", "d"), ("非常", "d"), ("快", "a")], frozenset())
    assert "物流快" in fast
    # negations stay: the meaning turns on them
    refund = phrases_of([("退款", "v"), ("一直", "d"), ("没", "d"), ("到账", "n")], frozenset())
    assert "退款没到账" in refund


def test_generic_words_are_never_labels_alone_but_may_start_a_phrase():
    got = phrases_of([("图片", "n"), ("与", "p"), ("实物", "n"), ("不符", "v")], frozenset())
    assert "图片" not in got
    assert "图片与实物不符" in got
    assert "人生" not in phrases_of([("人生", "n")], frozenset())


def _table(sets):
    return PhraseTable(sets)


def test_one_word_winner_is_expanded_to_its_common_phrase():
    # a node where 发货 wins, and a good share of its texts say 发货慢
    node = [{"发货": 1, "发货慢": 2}] * 4 + [{"发货": 1}] * 6
    other = [{"屏幕": 1, "屏幕有划痕": 2}] * 10
    table = _table(node + other)
    member = sp.csr_matrix(np.array([[1] * 10 + [0] * 10], dtype=np.float32))
    cin = table.counts(member)
    ctx = sp.csr_matrix(table.matrix.sum(axis=0))
    plain = table.rank(cin, 10, ctx, 20, top=3)
    assert plain[0][0] == "发货"
    expanded = table.rank(cin, 10, ctx, 20, top=3, expand=0.2)
    assert expanded[0][0] == "发货慢"
    # too rare a phrase does not replace the word
    assert table.rank(cin, 10, ctx, 20, top=3, expand=0.5)[0][0] == "发货"
    # a piece of an ancestor's label is skipped
    assert table.rank(cin, 10, ctx, 20, top=3, within=("发货问题",))[0][0] != "发货"


def _rings(n_per: int = 150, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three tight groups of unit vectors in 20 dimensions, with noise."""
    rng = np.random.RandomState(seed)
    centres = np.eye(20)[[0, 5, 10]]
    x = np.vstack([c + 0.25 * rng.randn(n_per, 20) for c in centres])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), np.repeat(np.arange(3), n_per)


def test_spectral_embedding_separates_groups():
    x, truth = _rings()
    emb = _spectral_embedding(x, 4)
    assert emb.shape == (len(x), 4)
    # the second and third eigenvectors are constant within a group (up to noise)
    for g in range(3):
        spread = emb[truth == g, 1:3].std(axis=0).max()
        gap = np.abs(emb[truth == g, 1:3].mean(axis=0) - emb[truth != g, 1:3].mean(axis=0)).max()
        assert spread < gap


def test_level1_split_finds_the_number_of_groups():
    x, truth = _rings()
    y = x - x.mean(axis=0)
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    labels, cents = _split(y, 8, 5, np.random.RandomState(0), 1)
    assert len(cents) == 3
    for g in range(3):
        got = labels[truth == g]
        assert np.bincount(got).max() / len(got) >= 0.9


def test_a_bare_predicate_joins_its_parent_label():
    node = [{"不够": 1, "动力不够": 2}] * 5 + [{"不够": 1}] * 5
    other = [{"加速": 1, "加速快": 2}] * 10
    table = _table(node + other)
    member = sp.csr_matrix(np.array([[1] * 10 + [0] * 10], dtype=np.float32))
    cin = table.counts(member)
    ctx = sp.csr_matrix(table.matrix.sum(axis=0))
    assert table.rank(cin, 10, ctx, 20, top=3, expand=0.1, within=("动力",))[0][0] == "动力不够"
