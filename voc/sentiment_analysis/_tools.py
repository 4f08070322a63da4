"""The normaliser and segmenter a model tokenises with (shared by the sentiment and emotion models)."""

from __future__ import annotations

from typing import Any


def build_tools(normalizer: Any = None, segmenter: Any = None) -> tuple[Any, Any]:
    """``(normalizer, segmenter)``: the given ones, or voc's defaults (the pipeline's settings)."""
    if normalizer is None:
        from ..normalization import Normalizer

        normalizer = Normalizer()
    if segmenter is None:
        from ..segmentation import Segmenter

        segmenter = Segmenter()
    return normalizer, segmenter
