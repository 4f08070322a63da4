"""Checking what callers pass in: one place for the rules, one wording for the errors."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from .errors import InputError

__all__ = ["as_text", "as_texts", "is_missing"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def is_missing(value: Any) -> bool:
    """True for ``None``, float NaN and pandas' ``NA``/``NaT`` (a missing cell)."""
    if value is None or type(value).__name__ in {"NAType", "NaTType"}:
        return True
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:  # pragma: no cover - exotic floats
        return False


def as_text(value: Any, *, what: str = "text") -> str:
    """Return ``value`` as ``str`` or raise :class:`InputError` saying how to fix it.

    ``bytes`` are decoded as UTF-8 (a BOM is dropped), then GB18030, the two
    encodings Chinese dumps come in; anything else that is not a ``str`` is
    rejected rather than guessed at (``str(123)`` is rarely what a caller meant).
    A lone surrogate (half of an emoji cut off by a truncation, read back with
    ``json.loads``) is no character: it becomes U+FFFD, as a decoder with
    ``errors="replace"`` would make it, one for one, so offsets are unchanged.

    >>> as_text("好评".encode("gb18030"))
    '好评'
    >>> as_text("还不错" + chr(0xD83D)) == "还不错\N{REPLACEMENT CHARACTER}"
    True
    """
    if isinstance(value, str):
        if type(value) is not str:  # numpy.str_, a str subclass: the plain str it holds
            value = str.__str__(value)
        if not value.isascii() and _SURROGATE.search(value) is not None:
            return _SURROGATE.sub("\ufffd", value)
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        for enc in ("utf-8-sig", "gb18030"):
            try:
                return raw.decode(enc)
            except UnicodeDecodeError:
                continue
        raise InputError(
            f"{what} is bytes that are neither UTF-8 nor GB18030; decode it yourself "
            "(e.g. data.decode('big5')) and pass a str"
        )
    if is_missing(value):
        raise InputError(
            f"{what} is {value!r}; expected a str. Drop or fill missing values first "
            "(df[col].fillna('')), or use voc.analyze_frame, which reports missing rows "
            "instead of failing"
        )
    if isinstance(value, (list, tuple)) or (
        isinstance(value, Iterable) and not isinstance(value, (dict,))
        and type(value).__name__ in {"Series", "ndarray", "generator"}
    ):
        raise InputError(
            f"{what} must be a single str, got {type(value).__name__}; "
            "for many texts use pipe(texts) or voc.analyze_frame(df, text_col=...)"
        )
    raise InputError(
        f"{what} must be a str, got {type(value).__name__} ({value!r:.40}); "
        "convert it with str() if that is really text"
    )


def as_texts(values: Any, *, what: str = "texts") -> Iterable[Any]:
    """Check that ``values`` is an iterable of texts, not one bare string.

    Elements are checked lazily by the consumer (with :func:`as_text`), so a
    generator stays a generator.
    """
    if isinstance(values, (str, bytes)):
        raise InputError(
            f"{what} must be an iterable of str, got a single {type(values).__name__}; "
            "wrap it in a list, or call the single-text function (e.g. voc.analyze(text))"
        )
    if not isinstance(values, Iterable):
        raise InputError(f"{what} must be an iterable of str, got {type(values).__name__}")
    return values
