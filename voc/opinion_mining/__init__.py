"""Opinion units: aspect–opinion–polarity with a three-level category, and drill-down tables.

>>> from voc.opinion_mining import OpinionExtractor
>>> [(o.aspect, o.polarity, o.category[0]) for o in OpinionExtractor.load().extract("物流很快，但是包装破损了")]
[('物流', 'positive', '物流配送'), ('包装', 'negative', '包装')]

- :class:`OpinionExtractor`: the step (``extract(text)``, ``__call__(doc)``, ``pipe(docs)``);
- :class:`Taxonomy` / :func:`load_taxonomy`: the three-level vocabulary (default or your own);
- :func:`opinion_table`, :func:`opinion_links`: counts per node and co-occurring nodes;
- :func:`to_records`: opinions as plain dicts (the ``opinions`` column of a frame).

The package is ``opinion_mining``, not ``opinions``, so importing it never
hides the plain function ``voc.opinions(text)`` (``tests/test_package.py``).
"""

from __future__ import annotations

from ._extractor import OpinionExtractor
from ._tables import UNMAPPED, opinion_links, opinion_table, to_records
from ._taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "UNMAPPED",
    "OpinionExtractor",
    "Taxonomy",
    "load_taxonomy",
    "opinion_links",
    "opinion_table",
    "to_records",
]
