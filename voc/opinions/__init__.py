"""Opinion units: aspect–opinion–polarity with a three-level category, and drill-down tables.

>>> from voc.opinions import OpinionExtractor
>>> [(o.aspect, o.polarity, o.category[0]) for o in OpinionExtractor.load().extract("物流很快，但是包装破损了")]
[('物流', 'positive', '物流配送'), ('包装', 'negative', '包装')]

- :class:`OpinionExtractor`: the step (``extract(text)``, ``__call__(doc)``, ``pipe(docs)``);
- :class:`Taxonomy` / :func:`load_taxonomy`: the three-level vocabulary (default or your own);
- :func:`opinion_table`, :func:`opinion_links`: counts per node and co-occurring nodes;
- :func:`to_records`: opinions as plain dicts (the ``opinions`` column of a frame).

This module is callable: ``import voc.opinions`` binds the submodule as the
attribute ``voc.opinions``, which would otherwise hide the function
``voc.opinions(text)``; calling the module does what the function does.
"""

from __future__ import annotations

import sys
import threading
import types
from typing import Any

from .._types import Opinion
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

_default_lock = threading.Lock()
_default: list[OpinionExtractor] = []  # built on first call of the fallback below


def _default_extractor() -> OpinionExtractor:
    if not _default:
        with _default_lock:
            if not _default:
                _default.append(OpinionExtractor())
    return _default[0]


class _CallableModule(types.ModuleType):
    def __call__(self, text: str) -> list[Opinion]:
        """``voc.opinions(text)``: the opinion units of one text (default pipeline)."""
        from .. import _api

        func: Any = getattr(_api, "opinions", None)
        if func is not None:
            return func(text)  # type: ignore[no-any-return]
        return _default_extractor().extract(text)


sys.modules[__name__].__class__ = _CallableModule
