"""voc: Chinese voice-of-customer text analytics.

>>> import voc
>>> voc.segment("物流很快，客服态度好")
['物流', '很快', '，', '客服', '态度', '好']

Light to import: the models, OpenCC, jieba, pandas and scikit-learn load on
first use, never at ``import voc`` (torch and transformers only when a
:class:`TransformerSentiment` is used).
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from ._api import analyze, emotion, normalize, opinions, segment, sentiment, tokenize
from ._types import Dialogue, Document, Emotion, Opinion, Sentiment, Span, Token, Turn
from .errors import (
    ConfigError,
    InputError,
    ModelLoadError,
    ModelNotFoundError,
    NotFittedError,
    VocError,
    VocWarning,
)
from .pipeline import STEPS, Pipeline, analyze_frame, get_default_pipeline, set_default_pipeline

if TYPE_CHECKING:  # pragma: no cover
    from .normalization import Normalizer, detect_script
    from .segmentation import Segmenter, split_clauses, stopwords
    from .alerts import RiskDetector, RiskFlag, RiskReport
    from .opinion_mining import OpinionExtractor, Taxonomy, load_taxonomy, opinion_links, opinion_table
    from .sentiment_analysis import EmotionModel, SentimentModel, TransformerSentiment
    from .reporting import drivers, report
    from .topics import TopicNode, TopicTree

__version__ = "0.1.0"

logging.getLogger("voc").addHandler(logging.NullHandler())

# name → module that defines it; imported on first attribute access (PEP 562).
_LAZY = {
    "OpinionExtractor": "voc.opinion_mining",
    "RiskDetector": "voc.alerts",
    "RiskFlag": "voc.alerts",
    "RiskReport": "voc.alerts",
    "Taxonomy": "voc.opinion_mining",
    "TopicNode": "voc.topics",
    "TopicTree": "voc.topics",
    "load_taxonomy": "voc.opinion_mining",
    "opinion_links": "voc.opinion_mining",
    "opinion_table": "voc.opinion_mining",
    "EmotionModel": "voc.sentiment_analysis",
    "Normalizer": "voc.normalization",
    "Segmenter": "voc.segmentation",
    "SentimentModel": "voc.sentiment_analysis",
    "TransformerSentiment": "voc.sentiment_analysis",
    "detect_script": "voc.normalization",
    "drivers": "voc.reporting",
    "report": "voc.reporting",
    "split_clauses": "voc.segmentation",
    "stopwords": "voc.segmentation",
}

__all__ = [
    "ConfigError",
    "Dialogue",
    "Document",
    "Emotion",
    "EmotionModel",
    "InputError",
    "ModelLoadError",
    "ModelNotFoundError",
    "Normalizer",
    "NotFittedError",
    "Opinion",
    "OpinionExtractor",
    "Pipeline",
    "RiskDetector",
    "RiskFlag",
    "RiskReport",
    "STEPS",
    "Segmenter",
    "Sentiment",
    "SentimentModel",
    "Span",
    "Taxonomy",
    "Token",
    "TopicNode",
    "TopicTree",
    "TransformerSentiment",
    "Turn",
    "VocError",
    "VocWarning",
    "__version__",
    "analyze",
    "analyze_frame",
    "detect_script",
    "drivers",
    "emotion",
    "get_default_pipeline",
    "load_taxonomy",
    "normalize",
    "opinion_links",
    "opinion_table",
    "opinions",
    "report",
    "segment",
    "sentiment",
    "set_default_pipeline",
    "split_clauses",
    "stopwords",
    "tokenize",
]


# submodules reachable as attributes without an explicit import (voc.alerts.detect_spikes)
_SUBMODULES = {"alerts", "dask", "io", "plot", "spark", "topics"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"voc.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'voc' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
