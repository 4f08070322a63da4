"""Sentiment: the shipped three-class model, its rule layer, training and evaluation.

>>> from voc.sentiment import SentimentModel
>>> SentimentModel.load().predict("质量很好，物流也快").label
'positive'

Nothing heavy is imported here (no torch); the shipped model loads on first
:meth:`SentimentModel.load`.

``voc.sentiment`` is both this package and the plain function
``voc.sentiment(text)``: importing the package makes Python bind the name
``sentiment`` on ``voc`` to the package, so the package itself is callable and
forwards to :func:`voc._api.sentiment` (``tests/sentiment/test_sentiment.py``).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .emotion import EmotionModel
from .evaluate import evaluate, evaluate_csv
from .model import SentimentModel, map_labels

__all__ = ["EmotionModel", "SentimentModel", "TransformerSentiment", "evaluate", "evaluate_csv",
           "map_labels"]


def __getattr__(name: str) -> Any:
    # TransformerSentiment is imported on first use; torch itself only when a model is built
    if name == "TransformerSentiment":
        from .transformer import TransformerSentiment

        return TransformerSentiment
    raise AttributeError(f"module 'voc.sentiment' has no attribute {name!r}")


class _CallablePackage(types.ModuleType):
    """``voc.sentiment(text)`` keeps working after ``import voc.sentiment``."""

    def __call__(self, text: Any) -> Any:
        from .._api import sentiment

        return sentiment(text)


sys.modules[__name__].__class__ = _CallablePackage
