"""Word segmentation, clause splitting and stopwords for Chinese VoC text.

- :class:`Segmenter`: jieba-rs words, tokens with offsets and POS tags, user
  dictionaries in jieba's format, a shipped customer-service dictionary.
- :func:`split_clauses`: clauses of a text as spans, for clause-level analysis.
- :func:`stopwords`: the shipped stopword list (negators and degree words kept out).

>>> from voc.segment import Segmenter, split_clauses
>>> Segmenter().cut("发货太慢了，差评")
['发货', '太慢', '了', '，', '差评']
>>> [s.text for s in split_clauses("发货太慢了，差评")]
['发货太慢了，', '差评']
"""

from __future__ import annotations

import sys
import types

from ._segmenter import Segmenter
from .clauses import split_clauses
from .stopwords import stopwords

__all__ = ["Segmenter", "split_clauses", "stopwords"]


class _CallablePackage(types.ModuleType):
    """This package, callable as the function ``voc.segment(text)``.

    ``voc.segment`` names both the public function and this package. Importing
    the package (``from voc.segment import Segmenter``, done by the pipeline)
    makes Python set the attribute ``voc.segment`` to the package, hiding the
    function; calling the package therefore forwards to it, so
    ``voc.segment(text)`` works whichever object the name holds
    (``tests/test_segment.py::test_voc_segment_stays_callable``).
    """

    def __call__(self, text: str) -> list[str]:
        from .._api import segment

        return segment(text)


sys.modules[__name__].__class__ = _CallablePackage
