"""The normaliser and segmenter a model tokenises with (shared by the sentiment and emotion models)."""

from __future__ import annotations

from typing import Any, TypeVar

from ..errors import ConfigError, NotFittedError

_M = TypeVar("_M", bound="ModelBase")


def build_tools(normalizer: Any = None, segmenter: Any = None) -> tuple[Any, Any]:
    """``(normalizer, segmenter)``: the given ones, or voc's defaults (the pipeline's settings)."""
    if normalizer is None:
        from ..normalization import Normalizer

        normalizer = Normalizer()
    if segmenter is None:
        from ..segmentation import Segmenter

        segmenter = Segmenter()
    return normalizer, segmenter


class ModelBase:
    """What the sentiment and emotion models share: scikit-learn style parameters
    (``_PARAMS``), pickling as parameters + fitted state, the tokenising tools built
    once under ``_lock``, and the fitted state (or :class:`NotFittedError`)."""

    _PARAMS: tuple[str, ...] = ()
    _state: Any
    _tools: Any
    _lock: Any

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments (scikit-learn style)."""
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self: _M, **params: Any) -> _M:
        """Change constructor arguments (``rules`` and ``anger_threshold`` may change on a fitted model)."""
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ConfigError(f"{type(self).__name__} has no parameter {k!r}; valid: {self._PARAMS}")
            setattr(self, k, v)
        if "normalizer" in params or "segmenter" in params:
            self._tools = None
        return self

    def __getstate__(self) -> dict[str, Any]:
        d = self.get_params()
        d["_state"] = self._state
        return d

    def __setstate__(self, d: dict[str, Any]) -> None:
        d = dict(d)
        state = d.pop("_state", None)
        self.__init__(**d)  # type: ignore[misc]
        self._state = state

    def _get_tools(self) -> tuple[Any, Any]:
        tools = self._tools
        if tools is None:
            with self._lock:
                if self._tools is None:
                    self._tools = build_tools(getattr(self, "normalizer", None), getattr(self, "segmenter", None))
                tools = self._tools
        return tools

    def _fitted(self) -> Any:
        st = self._state
        if st is None:
            name = type(self).__name__
            raise NotFittedError(
                f"this {name} is not fitted; call fit(texts, labels) first, or use "
                f"{name}.load() for the shipped model"
            )
        return st
