"""The plain functions: ``voc.normalize(text)``, ``voc.sentiment(text)`` …

Each looks the default pipeline up at call time (never binding it at import),
so :func:`voc.set_default_pipeline` takes effect everywhere at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._input import as_text
from ._types import Document, Emotion, Opinion, Sentiment, Token
from .pipeline import get_default_pipeline

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = ["analyze", "emotion", "normalize", "opinions", "segment", "sentiment", "tokenize"]


def normalize(text: str) -> str:
    """Normalise a text: simplified script, half-width letters and digits, cleaned.

    Idempotent: ``normalize(normalize(t)) == normalize(t)``.

    >>> import voc
    >>> voc.normalize("軟體很好用！ＡＢＣ１２３")
    '软件很好用！ABC123'
    """
    return get_default_pipeline().get_normalizer().normalize(as_text(text))


def segment(text: str) -> list[str]:
    """Words of the normalised text.

    >>> import voc
    >>> voc.segment("物流很慢，客服态度差")
    ['物流', '很慢', '，', '客服', '态度', '差']
    """
    p = get_default_pipeline()
    return p.get("segment").cut(p.get_normalizer().normalize(as_text(text)))


def tokenize(text: str) -> list[Token]:
    """Tokens with part-of-speech tags and offsets into the normalised text.

    >>> import voc
    >>> [(t.text, t.start, t.end) for t in voc.tokenize("客服态度差")]
    [('客服', 0, 2), ('态度', 2, 4), ('差', 4, 5)]
    """
    p = get_default_pipeline()
    return p.get("segment").tokenize(p.get_normalizer().normalize(as_text(text)))


def sentiment(text: str) -> Sentiment:
    """Sentiment of a text: label, confidence, polarity in [-1, 1] and evidence.

    >>> import voc
    >>> voc.sentiment("物流很快，质量也很好").label
    'positive'
    """
    doc = get_default_pipeline().run(text, steps=("segment", "sentiment"))
    assert doc.sentiment is not None
    return doc.sentiment


def emotion(text: str) -> Emotion:
    """Emotion of a text (anger, disgust, fear, happiness, like, sadness, surprise, none).

    >>> import voc
    >>> voc.emotion("气死我了，什么垃圾服务！").label
    'anger'
    """
    doc = get_default_pipeline().run(text, steps=("segment", "emotion"))
    assert doc.emotion is not None
    return doc.emotion


def opinions(text: str) -> list[Opinion]:
    """Aspect–opinion–polarity units of a text, each with its three-level category.

    >>> import voc
    >>> [(o.aspect, o.opinion, o.polarity) for o in voc.opinions("物流很快，但是包装破损了")]
    [('物流', '很快', 'positive'), ('包装', '破损', 'negative')]
    """
    doc = get_default_pipeline().run(text, steps=("opinions",))
    assert doc.opinions is not None
    return list(doc.opinions)


def analyze(text: str, *, id: object = None) -> Document:
    """Run the whole default pipeline on one text.

    >>> import voc
    >>> doc = voc.analyze("客服态度很差，再也不买了")
    >>> doc.sentiment.label
    'negative'
    """
    return get_default_pipeline()(text, id=id)
