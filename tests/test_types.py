import dataclasses
import pickle

import pytest

import voc
from voc import Dialogue, Document, Emotion, Opinion, Sentiment, Span, Token, Turn
from voc._align import apply_edits


def test_results_are_frozen_and_slotted():
    t = Token("物流", 0, 2, "n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.text = "快递"  # type: ignore[misc]
    for cls in (Token, Span, Sentiment, Emotion, Opinion, Document, Turn, Dialogue):
        assert "__slots__" in cls.__dict__, cls


def test_reprs_are_readable():
    assert repr(Token("物流", 0, 2, "n")) == "Token('物流', 0, 2, 'n')"
    s = Sentiment("negative", 0.9, -0.8, (Span(0, 2, "差评", weight=-1.2),))
    assert repr(s) == "Sentiment(negative, score=0.90, polarity=-0.80, evidence=[差评-1.20])"
    o = Opinion("物流", "很慢", "negative", ("物流配送", "配送速度", "送货慢"))
    assert repr(o) == "Opinion(物流|很慢|negative, 物流配送 > 配送速度 > 送货慢)"
    assert "turns=2 [CA]" in repr(Dialogue([Turn("客户", "在吗"), Turn("客服", "您好")], id=7))


def test_labels_are_checked():
    with pytest.raises(voc.InputError, match="Sentiment.label"):
        Sentiment("good", 0.5, 0.5)  # type: ignore[arg-type]
    with pytest.raises(voc.InputError, match="Emotion.label"):
        Emotion("rage")  # type: ignore[arg-type]


def test_emotion_scores_are_read_only_and_pickle():
    e = Emotion("anger", {"anger": 0.8, "none": 0.2})
    with pytest.raises(TypeError):
        e.scores["anger"] = 0.1  # type: ignore[index]
    assert pickle.loads(pickle.dumps(e)) == e


def test_document_maps_spans_back_to_raw():
    raw = "<p>記憶體太小</p>"
    text, al = apply_edits(raw, [(0, 3, ""), (3, 6, "内存"), (8, 12, "")])
    doc = Document(raw=raw, text=text, alignment=al)
    assert text == "内存太小"
    assert doc.raw[slice(*doc.to_raw(0, 2))] == "記憶體"
    assert doc.raw_span(Token("太小", 2, 4)) == "太小"
    assert pickle.loads(pickle.dumps(doc)) == doc


def test_document_from_text_requires_alignment_when_text_differs():
    assert Document.from_text("好评").to_raw(0, 2) == (0, 2)
    with pytest.raises(voc.InputError):
        Document.from_text("軟體", "软件")


@pytest.mark.parametrize("role,expected", [("客户", "customer"), ("USER", "customer"), ("坐席", "agent"), (1, "agent"),
                                           (0.0, "customer"), (1.0, "agent")])
def test_turn_roles_are_normalised(role, expected):
    assert Turn(role, "你好").role == expected


def test_bad_turns_and_dialogues():
    with pytest.raises(voc.InputError, match="unknown dialogue role"):
        Turn("robot?", "hi")
    with pytest.raises(voc.InputError, match="unknown dialogue role"):
        Turn(0.5, "hi")
    with pytest.raises(voc.InputError, match="missing dialogue role"):
        Turn(float("nan"), "hi")
    with pytest.raises(voc.InputError, match="voc.Turn"):
        Dialogue([("customer", "hi")])  # type: ignore[list-item]
    assert Turn("customer", None).text == ""  # type: ignore[arg-type]


def test_document_with_is_replace():
    """The pipeline steps' fast replace builds the very Document dataclasses.replace would."""
    from voc._types import _make_document, document_with

    assert _make_document is not None  # the fast path is live (its layout check passed)
    doc = voc.Pipeline(steps="segment")("軟體很好用👍", id="r1")
    changes = {"sentiment": Sentiment("positive", 0.9, 0.8), "emotion": None, "id": 5,
               "opinions": (Opinion("软件", "好用", "positive", ("产品", "使用体验", "好用")),),
               "tokens": None, "meta": {"k": 1}}
    for name, value in changes.items():
        new, ref = document_with(doc, **{name: value}), dataclasses.replace(doc, **{name: value})
        assert type(new) is Document and new == ref and getattr(new, name) is value
        assert pickle.loads(pickle.dumps(new)) == ref
        with pytest.raises(dataclasses.FrozenInstanceError):
            new.text = "x"  # type: ignore[misc]
    assert document_with(doc, id=1, meta={}) == dataclasses.replace(doc, id=1, meta={})
    assert doc.id == "r1"  # the input is never changed
    with pytest.raises(TypeError):
        document_with(doc, label="positive")
