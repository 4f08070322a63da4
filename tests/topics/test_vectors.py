"""The shipped word vectors: they load, and related words are near each other."""

from __future__ import annotations

import numpy as np

from voc.topics import WordVectors, default_vectors


def test_shipped_vectors_relate_customer_words():
    wv = default_vectors()
    assert wv.dim >= 50 and len(wv.words) > 10000
    sim = lambda a, b: float(wv.vector(a) @ wv.vector(b))  # noqa: E731
    assert sim("物流", "快递") > sim("物流", "屏幕") + 0.2
    assert sim("退款", "退货") > sim("退款", "口感") + 0.2
    assert default_vectors() is wv  # loaded once


def test_unknown_words_fall_back_to_characters():
    wv = WordVectors(["物流", "快递", "屏幕"], np.eye(3, dtype=np.float32))
    v = wv.vector("物快")  # not in the vocabulary: mean of its characters' vectors
    assert v is not None and v[0] > 0 and v[1] > 0 and v[2] == 0
    assert wv.vector("zzz") is None
    assert wv.matrix(["屏幕", "zzz"]).shape == (2, 3)
