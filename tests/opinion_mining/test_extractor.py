"""OpinionExtractor: the step contract, spans, polarity per unit, categories, persistence."""

from __future__ import annotations

import json
import pickle
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

import voc
from voc import Document, Opinion
from voc.errors import ConfigError, InputError, ModelLoadError, ModelNotFoundError
from voc.opinion_mining import OpinionExtractor, load_taxonomy

TEXTS = [
    "物流很快，但是包装破损了",
    "太贵了",
    "这款面霜很滋润，味道淡淡的很好闻，就是价格有点贵",
    "客服态度很差，退款拖了一个月还没到账",
    "質量很好，軟體也很好用",
    "",
    "！！！",
    "东西不太新鲜，下次不买了",
]


@pytest.fixture(scope="module")
def ex() -> OpinionExtractor:
    return OpinionExtractor.load()


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    return list(voc.Normalizer().pipe(TEXTS))


def _check_spans(doc: Document) -> None:
    for op in doc.opinions or ():
        assert isinstance(op, Opinion)
        assert op.polarity in ("negative", "neutral", "positive")
        assert op.opinion_span is not None
        assert doc.text[op.opinion_span.start:op.opinion_span.end] == op.opinion == op.opinion_span.text
        if op.aspect:
            assert op.aspect_span is not None
            assert doc.text[op.aspect_span.start:op.aspect_span.end] == op.aspect
        else:
            assert op.aspect_span is None
        assert len(op.category) == 3


def test_spans_point_into_normalised_text(ex: OpinionExtractor, docs: list[Document]) -> None:
    out = list(ex.pipe(docs))
    assert sum(len(d.opinions or ()) for d in out) >= 8
    for d in out:
        _check_spans(d)


def test_polarity_per_unit_not_per_sentence(ex: OpinionExtractor) -> None:
    ops = ex.extract("物流很快，但是包装破损了")
    by_aspect = {o.aspect: o for o in ops}
    assert by_aspect["物流"].polarity == "positive"
    assert by_aspect["包装"].polarity == "negative"
    assert by_aspect["物流"].category[0] == "物流配送"
    assert by_aspect["包装"].category[0] == "包装"


def test_implicit_aspect(ex: OpinionExtractor) -> None:
    (op,) = ex.extract("太贵了")
    assert op.aspect == "" and op.aspect_span is None
    assert op.polarity == "negative"
    assert op.category[0] == "价格"


def test_negation_kept_inside_opinion(ex: OpinionExtractor) -> None:
    ops = ex.extract("东西不太新鲜")
    assert any(o.opinion.startswith("不") and o.polarity == "negative" for o in ops), ops


def test_spans_map_back_to_raw(ex: OpinionExtractor) -> None:
    raw = "質量很好，軟體也很好用"
    doc = ex(voc.Normalizer()(raw))
    assert doc.opinions
    for op in doc.opinions:
        a, b = doc.to_raw(op.opinion_span.start, op.opinion_span.end)
        assert raw[a:b]  # a non-empty raw span behind every opinion
        assert voc.Normalizer().normalize(raw[a:b]) == op.opinion


def test_extract_equals_call_on_normalised_doc(ex: OpinionExtractor) -> None:
    for t in TEXTS:
        assert ex.extract(t) == list(ex(voc.Normalizer()(t)).opinions)


def test_pipe_equals_call_and_keeps_order(ex: OpinionExtractor, docs: list[Document]) -> None:
    one = [ex(d) for d in docs]
    for bs in (1, 3, 256):
        assert list(ex.pipe(iter(docs), batch_size=bs)) == one


def test_call_does_not_mutate(ex: OpinionExtractor, docs: list[Document]) -> None:
    d = replace(docs[0])
    out = ex(d)
    assert d.opinions is None and out.opinions
    assert out.text == d.text and out.raw == d.raw


def test_extract_many(ex: OpinionExtractor) -> None:
    assert list(ex.extract_many(TEXTS, batch_size=2)) == [ex.extract(t) for t in TEXTS]


def test_empty_and_punctuation_only(ex: OpinionExtractor) -> None:
    assert ex.extract("") == []
    assert ex.extract("！！！") == []


def test_pickle_round_trip(ex: OpinionExtractor) -> None:
    clone = pickle.loads(pickle.dumps(ex))
    assert [clone.extract(t) for t in TEXTS] == [ex.extract(t) for t in TEXTS]
    lazy = pickle.loads(pickle.dumps(OpinionExtractor()))
    assert lazy.extract(TEXTS[0]) == ex.extract(TEXTS[0])


def test_thread_safe(ex: OpinionExtractor) -> None:
    fresh = OpinionExtractor()  # loads lazily, from several threads at once
    want = [ex.extract(t) for t in TEXTS * 5]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(fresh.extract, TEXTS * 5))
    assert got == want


def test_save_load_round_trip(ex: OpinionExtractor, tmp_path) -> None:
    ex.save(tmp_path / "m")
    again = OpinionExtractor.load(tmp_path / "m")
    assert [again.extract(t) for t in TEXTS] == [ex.extract(t) for t in TEXTS]


def test_wrong_kind_and_version(tmp_path, ex: OpinionExtractor) -> None:
    folder = ex.save(tmp_path / "m")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["format_version"] = 99
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="upgrade voc"):
        OpinionExtractor.load(folder)
    meta["format"] = "something-else"
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelLoadError):
        OpinionExtractor.load(folder)
    with pytest.raises(ModelNotFoundError):
        OpinionExtractor.load(tmp_path / "nothing-here")


def test_bad_inputs(ex: OpinionExtractor) -> None:
    with pytest.raises(InputError):
        ex.extract(None)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        ex("物流很快")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        list(ex.pipe("物流很快"))  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        list(ex.pipe([], batch_size=0))
    with pytest.raises(ConfigError):
        OpinionExtractor(domain="books").extract("好")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        OpinionExtractor(pair_threshold=1.5).extract("好")


def test_domains_share_spans_format(ex: OpinionExtractor) -> None:
    for domain in ("restaurant", "general"):
        other = OpinionExtractor.load(domain=domain)
        doc = other(voc.Normalizer()("服务员态度很好，菜的味道一般"))
        _check_spans(doc)


def test_custom_taxonomy_is_used(ex: OpinionExtractor) -> None:
    text = "跑腿太慢了"
    assert not any(o.category[:2] == ("物流配送", "配送速度") for o in ex.extract(text))
    tax = load_taxonomy().extend({"nodes": {"物流配送": {"配送速度": {"aspects": ["跑腿"]}}}})
    custom = OpinionExtractor.load(taxonomy=tax)
    ops = custom.extract(text)
    assert any(o.category == ("物流配送", "配送速度", "配送慢") for o in ops), ops


def test_synonym_and_keyword_outrank_the_classifier(ex: OpinionExtractor) -> None:
    # 味道 is a synonym in 气味 (cosmetics) and in 口味 (food); the opinion word decides
    assert [o.category[:2] for o in ex.extract("味道很好吃") if o.aspect] == [("餐饮口味", "口味")]
    assert [o.category[:2] for o in ex.extract("味道很好闻") if o.aspect] == [("产品质量", "气味")]


def test_foreign_taxonomy_uses_rules_only() -> None:
    spec = {"nodes": {"配送": {"速度": {"aspects": ["物流"], "opinions": {
        "快": {"polarity": "positive", "keywords": ["快"]},
        "慢": {"polarity": "negative", "keywords": ["慢"]}}}}}}
    custom = OpinionExtractor.load(taxonomy=spec)
    ops = custom.extract("物流很快")
    assert ops and ops[0].category == ("配送", "速度", "快")


def test_negated_polar_words(ex: OpinionExtractor) -> None:
    pol = {o.opinion: o.polarity for o in ex.extract("电池不耐用，价格不贵")}
    assert pol.get("不耐用") == "negative"
    assert pol.get("不贵") == "positive"


def test_long_text_pairs_within_sentences(ex: OpinionExtractor) -> None:
    sent = "物流很快，包装很好，客服态度差。"
    ops = ex.extract(sent * 40)
    assert len(ops) >= 100
    doc = ex(voc.Normalizer()(sent * 40))
    _check_spans(doc)
    one = ex.extract(sent)
    assert [(o.aspect, o.polarity) for o in ops[:len(one)]] == [(o.aspect, o.polarity) for o in one]


def test_lexicon_fallback_adds_known_complaints(ex: OpinionExtractor) -> None:
    text = "手机发热严重，续航一般"
    without = OpinionExtractor.load(lexicon_fallback=False).extract(text)
    with_fb = ex.extract(text)
    assert not any("发热" in o.opinion for o in without)
    added = [o for o in with_fb if "发热" in o.opinion]
    assert added and added[0].polarity == "negative" and added[0].category[0] == "产品质量"
    assert {o.opinion_span for o in without} <= {o.opinion_span for o in with_fb}
