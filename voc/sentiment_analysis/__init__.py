"""Sentiment: the shipped three-class model, its rule layer, training and evaluation.

>>> from voc.sentiment_analysis import SentimentModel
>>> SentimentModel.load().predict("质量很好，物流也快").label
'positive'

Nothing heavy is imported here (no torch); the shipped model loads on first
:meth:`SentimentModel.load`.

The package is ``sentiment_analysis``, not ``sentiment``, so importing it never
hides the plain function ``voc.sentiment(text)`` (``tests/test_package.py``).
"""

from __future__ import annotations

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
    raise AttributeError(f"module 'voc.sentiment_analysis' has no attribute {name!r}")
