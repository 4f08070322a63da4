"""The shipped stopword list (``models/segment/stopwords.txt``).

Function words only: pronouns, particles, prepositions, plain conjunctions,
measure words, punctuation and symbols. Words that carry polarity or its
strength are **never** stopwords, because voice-of-customer analysis lives on
them: negators (不, 没, 别, 无 ...), degree words (很, 太, 非常, 有点 ...),
contrast and concession (但是, 不过, 却, 虽然 ...), and rhetorical markers
(难道, 居然, 竟然 ...). ``models/segment/README.md`` says how the list was built.
"""

from __future__ import annotations

from functools import lru_cache

from .._resources import model_path

__all__ = ["stopwords"]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The shipped stopwords, loaded once (an immutable set).

    >>> sw = stopwords()
    >>> "的" in sw, "不" in sw, "很" in sw
    (True, False, False)
    """
    path = model_path("segment", "stopwords.txt")
    words = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            w = line.rstrip("\r\n")
            if w.strip() and not w.startswith("# "):  # "#" alone is a stopword
                words.add(w.strip())
    return frozenset(words)
