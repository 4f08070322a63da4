"""Word segmentation, clause splitting and stopwords for Chinese VoC text.

- :class:`Segmenter`: jieba-rs words, tokens with offsets and POS tags, user
  dictionaries in jieba's format, a shipped customer-service dictionary.
- :func:`split_clauses`: clauses of a text as spans, for clause-level analysis.
- :func:`stopwords`: the shipped stopword list (negators and degree words kept out).

>>> from voc.segmentation import Segmenter, split_clauses
>>> Segmenter().cut("发货太慢了，差评")
['发货', '太慢', '了', '，', '差评']
>>> [s.text for s in split_clauses("发货太慢了，差评")]
['发货太慢了，', '差评']
"""

from __future__ import annotations

from ._segmenter import Segmenter
from .clauses import split_clauses
from .stopwords import stopwords

__all__ = ["Segmenter", "split_clauses", "stopwords"]
