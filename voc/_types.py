"""Frozen result types: what voc returns.

Every result is a frozen, slotted dataclass: cheap, hashable where its fields
are, picklable, and shown readably in a notebook. Steps never mutate a result;
they return a copy with :func:`dataclasses.replace`.

>>> from voc import Token
>>> Token("物流", 0, 2, "n")
Token('物流', 0, 2, 'n')
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal

from ._align import Alignment
from ._input import is_missing
from .errors import InputError

__all__ = [
    "Dialogue",
    "Document",
    "Emotion",
    "EmotionLabel",
    "Opinion",
    "Polarity",
    "Role",
    "Sentiment",
    "Span",
    "Token",
    "Turn",
]

Polarity = Literal["negative", "neutral", "positive"]
EmotionLabel = Literal[
    "anger", "disgust", "fear", "happiness", "like", "sadness", "surprise", "none"
]
Role = Literal["customer", "agent"]

POLARITIES: tuple[str, ...] = ("negative", "neutral", "positive")
EMOTIONS: tuple[str, ...] = (
    "anger", "disgust", "fear", "happiness", "like", "sadness", "surprise", "none",
)
ROLES: tuple[str, ...] = ("customer", "agent")


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the normalised text: ``text == doc.text[start:end]``.

    >>> Token("好评", 3, 5, "n").text
    '好评'
    """

    text: str
    start: int
    end: int
    pos: str = ""

    def __repr__(self) -> str:
        return f"Token({self.text!r}, {self.start}, {self.end}, {self.pos!r})"


@dataclass(frozen=True, slots=True)
class Span:
    """A span of the normalised text, with an optional signed weight and label.

    Used for sentiment evidence (weight > 0 pushes towards positive), opinion
    aspects and opinion words, and alert evidence.

    >>> Span(0, 2, "差评", weight=-1.3)
    Span(0, 2, '差评', weight=-1.3)
    """

    start: int
    end: int
    text: str
    weight: float = 0.0
    label: str = ""

    def __repr__(self) -> str:
        extra = f", weight={self.weight:.3g}" if self.weight else ""
        extra += f", label={self.label!r}" if self.label else ""
        return f"Span({self.start}, {self.end}, {self.text!r}{extra})"


@dataclass(frozen=True, slots=True)
class Sentiment:
    """Sentiment of a text.

    ``label`` is negative / neutral / positive, ``score`` in [0, 1] is the
    confidence in ``label``, ``polarity`` in [−1, 1] is direction and strength,
    ``evidence`` the spans that drove it, strongest first.
    """

    label: Polarity
    score: float
    polarity: float
    evidence: tuple[Span, ...] = ()

    def __post_init__(self) -> None:
        if self.label not in POLARITIES:
            raise InputError(f"Sentiment.label must be one of {POLARITIES}, got {self.label!r}")

    def __repr__(self) -> str:
        ev = ", ".join(f"{s.text}{s.weight:+.2f}" for s in self.evidence[:3])
        ev = f", evidence=[{ev}{', …' if len(self.evidence) > 3 else ''}]" if ev else ""
        return f"Sentiment({self.label}, score={self.score:.2f}, polarity={self.polarity:+.2f}{ev})"


@dataclass(frozen=True, slots=True)
class Emotion:
    """Emotion of a text: the top ``label`` and a probability per label."""

    label: EmotionLabel
    scores: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.label not in EMOTIONS:
            raise InputError(f"Emotion.label must be one of {EMOTIONS}, got {self.label!r}")
        object.__setattr__(self, "scores", MappingProxyType(dict(self.scores)))

    def __reduce__(self):
        return (Emotion, (self.label, dict(self.scores)))

    def __hash__(self) -> int:
        return hash((self.label, tuple(sorted(self.scores.items()))))

    def __repr__(self) -> str:
        return f"Emotion({self.label}, score={self.scores.get(self.label, 0.0):.2f})"


@dataclass(frozen=True, slots=True)
class Opinion:
    """One aspect–opinion–polarity unit, e.g. 物流 / 很慢 / negative.

    ``aspect`` is ``""`` when implicit ("太贵了"); ``category`` is the
    ``(level1, level2, level3)`` path in the active taxonomy.
    """

    aspect: str
    opinion: str
    polarity: Polarity
    category: tuple[str, ...] = ()
    aspect_span: Span | None = None
    opinion_span: Span | None = None

    def __repr__(self) -> str:
        cat = " > ".join(self.category)
        return f"Opinion({self.aspect or '∅'}|{self.opinion}|{self.polarity}{', ' + cat if cat else ''})"


@dataclass(frozen=True, slots=True)
class Document:
    """One analysed text: the raw input, its normalised form and every result.

    ``text`` is the normalised text; all offsets (tokens, evidence, opinion
    spans) point into it. :meth:`to_raw` maps them back to ``raw`` for
    highlighting. Fields a step has not filled are ``None`` / empty.

    >>> import voc
    >>> doc = voc.analyze("軟體很好用")
    >>> doc.text
    '软件很好用'
    >>> doc.raw[slice(*doc.to_raw(0, 2))]
    '軟體'
    """

    raw: str
    text: str
    alignment: Alignment
    tokens: tuple[Token, ...] | None = None
    sentiment: Sentiment | None = None
    emotion: Emotion | None = None
    opinions: tuple[Opinion, ...] | None = None
    id: Any = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_text(cls, raw: str, text: str | None = None, alignment: Alignment | None = None,
                  **fields: Any) -> Document:
        """A document whose normalised text is ``text`` (default: ``raw`` itself)."""
        if text is None:
            text = raw
        if alignment is None:
            if text != raw:
                raise InputError("Document.from_text needs an alignment when text differs from raw")
            alignment = Alignment.identity(len(raw))
        return cls(raw=raw, text=text, alignment=alignment, **fields)

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Map the span ``text[start:end]`` to the span of ``raw`` it came from."""
        return self.alignment.to_raw(start, end)

    def raw_span(self, span: Span | Token) -> str:
        """The raw characters behind a span or token of the normalised text."""
        if not (isinstance(getattr(span, "start", None), int) and isinstance(getattr(span, "end", None), int)):
            raise InputError(f"raw_span expects a voc Span or Token (with int start and end), got {type(span).__name__}")
        a, b = self.to_raw(span.start, span.end)
        return self.raw[a:b]

    @property
    def words(self) -> list[str]:
        """The token texts (empty before segmentation)."""
        return [t.text for t in self.tokens or ()]

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 40 else self.text[:39] + "…"
        parts = [f"{text!r}"]
        if self.id is not None:
            parts.insert(0, f"id={self.id!r}")
        if self.sentiment is not None:
            parts.append(f"sentiment={self.sentiment.label}({self.sentiment.polarity:+.2f})")
        if self.emotion is not None:
            parts.append(f"emotion={self.emotion.label}")
        if self.opinions:
            parts.append(f"opinions={len(self.opinions)}")
        if self.tokens is not None:
            parts.append(f"tokens={len(self.tokens)}")
        return f"Document({', '.join(parts)})"


class _FastDocument:
    """Same slot layout as :class:`Document`; becomes one on creation (see :func:`fast_constructor`)."""

    __slots__ = ("raw", "text", "alignment", "tokens", "sentiment", "emotion", "opinions", "id", "meta")

    def __init__(self, raw: str, text: str, alignment: Alignment, tokens: Any, sentiment: Any,
                 emotion: Any, opinions: Any, id: Any, meta: Any) -> None:
        self.raw = raw
        self.text = text
        self.alignment = alignment
        self.tokens = tokens
        self.sentiment = sentiment
        self.emotion = emotion
        self.opinions = opinions
        self.id = id
        self.meta = meta
        self.__class__ = Document  # type: ignore[assignment]


_DOCUMENT_FIELDS = frozenset(f.name for f in fields(Document))


def document_with(doc: Document, **changes: Any) -> Document:
    """``dataclasses.replace(doc, **changes)``, about four times faster.

    Every pipeline step returns a new document with one field filled; over a
    batch of millions ``replace``'s generic field walk shows in the profile.
    Falls back to ``replace`` for subclasses and unknown field names (which
    then raise as ``replace`` does).

    >>> d = Document.from_text("好评")
    >>> document_with(d, id=7) == replace(d, id=7)
    True
    """
    if _make_document is None or type(doc) is not Document or not _DOCUMENT_FIELDS.issuperset(changes):
        return replace(doc, **changes)
    g = changes.get
    return _make_document(g("raw", doc.raw), g("text", doc.text), g("alignment", doc.alignment),
                          g("tokens", doc.tokens), g("sentiment", doc.sentiment), g("emotion", doc.emotion),
                          g("opinions", doc.opinions), g("id", doc.id), g("meta", doc.meta))


_ROLE_ALIASES = {
    "customer": "customer", "user": "customer", "client": "customer", "buyer": "customer",
    "c": "customer", "q": "customer", "客户": "customer", "顾客": "customer", "用户": "customer",
    "买家": "customer", "0": "customer",
    "agent": "agent", "staff": "agent", "service": "agent", "seller": "agent", "bot": "agent",
    "assistant": "agent", "a": "agent", "客服": "agent", "坐席": "agent", "商家": "agent",
    "卖家": "agent", "1": "agent",
}


def fast_constructor(fast: type, real: type, sample: tuple[Any, ...], expected: Any) -> type | None:
    """``fast`` if it builds real ``real`` instances (checked on ``sample`` against ``expected``), else None.

    The frozen result dataclasses set each field through ``object.__setattr__``,
    which dominates when millions are built (tokens, evidence spans). A class
    with the same slot layout and a plain ``__init__`` that ends with
    ``self.__class__ = real`` builds the same objects several times faster;
    this check runs once at import, so a layout change falls back to ``real``.
    """
    try:
        obj = fast(*sample)
        if type(obj) is real and obj == expected:
            return fast
    except TypeError:  # the layouts differ: use the dataclass itself
        pass
    return None


_make_document: Any = fast_constructor(
    _FastDocument, Document, ("好", "好", Alignment.identity(1), None, None, None, None, None, {}),
    Document.from_text("好"))


def normalize_role(role: Any) -> str:
    """Map common spellings of a speaker role to ``"customer"`` or ``"agent"``.

    Whole floats count as their integer, so a 0/1 column that pandas made
    float (one missing cell) still maps; a missing role is an InputError.

    >>> normalize_role("客服"), normalize_role(1.0)
    ('agent', 'agent')
    """
    if is_missing(role):
        raise InputError(f"missing dialogue role ({role!r}); give 'customer' or 'agent' (or 客户/客服, 0/1)")
    if isinstance(role, numbers.Real) and not isinstance(role, numbers.Integral) and float(role).is_integer():
        role = int(role)  # 1.0 (a float column) is 1, numpy floats included
    key = str(role).strip().lower()
    try:
        return _ROLE_ALIASES[key]
    except KeyError:
        raise InputError(
            f"unknown dialogue role {role!r}; expected 'customer' or 'agent' "
            f"(or one of {sorted(_ROLE_ALIASES)})"
        ) from None


@dataclass(frozen=True, slots=True)
class Turn:
    """One turn of a dialogue: who spoke, what they said, and when.

    >>> Turn("客户", "我要投诉")
    Turn(customer, '我要投诉')
    """

    role: Role
    text: str
    ts: datetime | float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", normalize_role(self.role))
        if not isinstance(self.text, str):
            if self.text is None or (isinstance(self.text, float) and math.isnan(self.text)):
                object.__setattr__(self, "text", "")
            else:
                raise InputError(f"Turn.text must be str, got {type(self.text).__name__}")

    def __repr__(self) -> str:
        ts = f", ts={self.ts!r}" if self.ts is not None else ""
        return f"Turn({self.role}, {self.text!r}{ts})"


@dataclass(frozen=True, slots=True)
class Dialogue:
    """A customer-service dialogue: turns in order, with an optional id."""

    turns: tuple[Turn, ...]
    id: Any = None

    def __post_init__(self) -> None:
        turns = tuple(self.turns)
        for i, t in enumerate(turns):
            if not isinstance(t, Turn):
                raise InputError(
                    f"Dialogue.turns[{i}] must be a voc.Turn, got {type(t).__name__}; "
                    "build turns with voc.Turn(role, text, ts)"
                )
        object.__setattr__(self, "turns", turns)

    def __len__(self) -> int:
        return len(self.turns)

    def __repr__(self) -> str:
        who = "".join("C" if t.role == "customer" else "A" for t in self.turns[:20])
        return f"Dialogue(id={self.id!r}, turns={len(self.turns)} [{who}{'…' if len(self.turns) > 20 else ''}])"
