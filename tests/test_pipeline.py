"""Contract suite over every pipeline step, plus the plain functions and analyze_frame."""

from __future__ import annotations

import copy
import pickle
import threading
import warnings

import pytest

import voc
from voc.errors import ConfigError, InputError, VocWarning

TEXTS = [
    "物流很快，第二天就到了，好评！",
    "客服态度太差了，再也不买了😡",
    "軟體很好用，但網路常常斷線",
    "呢部手機真係唔錯",
    "请问几点发货？",
    "",
    "ＡＢＣ１２３  <b>质量</b>不错！！！！！",
    "外卖送到的时候汤都洒了[怒]",
]


@pytest.fixture(scope="module")
def docs(pipeline):
    normalizer = pipeline.get_normalizer()
    return [normalizer(t, id=i) for i, t in enumerate(TEXTS)]


@pytest.mark.parametrize("step", voc.STEPS)
class TestStepContract:
    def _prepared(self, pipeline, docs, step):
        # feed each step what the pipeline would: the output of the steps before it
        before = voc.STEPS[: voc.STEPS.index(step)]
        out = []
        for d in docs:
            for s in before:
                d = pipeline.get(s)(d)
            out.append(d)
        return out

    def test_returns_documents_and_keeps_text(self, pipeline, docs, step):
        comp = pipeline.get(step)
        for d in self._prepared(pipeline, docs, step):
            out = comp(d)
            assert isinstance(out, voc.Document)
            assert (out.raw, out.text, out.id) == (d.raw, d.text, d.id)

    def test_does_not_mutate_input(self, pipeline, docs, step):
        comp = pipeline.get(step)
        inputs = self._prepared(pipeline, docs, step)
        before = copy.deepcopy(inputs)
        for d in inputs:
            comp(d)
        list(comp.pipe(inputs))
        assert inputs == before

    def test_pipe_equals_one_by_one(self, pipeline, docs, step):
        comp = pipeline.get(step)
        inputs = self._prepared(pipeline, docs, step)
        assert list(comp.pipe(inputs, batch_size=3)) == [comp(d) for d in inputs]

    def test_pickle_round_trip(self, pipeline, docs, step):
        comp = pipeline.get(step)
        back = pickle.loads(pickle.dumps(comp))
        inputs = self._prepared(pipeline, docs, step)
        assert [back(d) for d in inputs] == [comp(d) for d in inputs]


def test_normalizer_contract(pipeline):
    n = pipeline.get_normalizer()
    back = pickle.loads(pickle.dumps(n))
    assert [back(t) for t in TEXTS] == [n(t) for t in TEXTS]
    assert list(n.pipe(TEXTS, batch_size=3)) == [n(t) for t in TEXTS]


def test_pipeline_pipe_equals_call_and_keeps_order(pipeline):
    docs = list(pipeline.pipe(TEXTS, batch_size=3))
    assert [d.raw for d in docs] == TEXTS
    assert docs == [pipeline(t) for t in TEXTS]


def test_pipe_as_tuples_carries_ids(pipeline):
    docs = list(pipeline.pipe([(t, f"r{i}") for i, t in enumerate(TEXTS[:3])], as_tuples=True))
    assert [d.id for d in docs] == ["r0", "r1", "r2"]


def test_pipeline_pickles(pipeline):
    back = pickle.loads(pickle.dumps(pipeline))
    assert [back(t) for t in TEXTS] == [pipeline(t) for t in TEXTS]


def test_eight_threads_equal_serial(pipeline):
    texts = TEXTS * 25
    serial = [pipeline(t) for t in texts]
    results: list[list[voc.Document]] = [[] for _ in range(8)]

    def work(k: int) -> None:
        results[k] = [pipeline(t) for t in texts]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == serial for r in results)


def test_default_pipeline_builds_once_across_threads():
    voc.set_default_pipeline(None)
    seen = []
    barrier = threading.Barrier(8)

    def grab() -> None:
        barrier.wait()
        seen.append(voc.get_default_pipeline())

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(p) for p in seen}) == 1


def test_set_default_pipeline_takes_effect_for_plain_functions():
    custom = voc.Pipeline(steps="segment")
    try:
        voc.set_default_pipeline(custom)
        assert voc.get_default_pipeline() is custom
        assert voc.analyze("好评").sentiment is None  # only segmentation ran
    finally:
        voc.set_default_pipeline(None)
    with pytest.raises(ConfigError):
        voc.set_default_pipeline("segment")  # type: ignore[arg-type]


def test_plain_functions_agree_with_the_pipeline(pipeline):
    text = "軟體很好用，客服態度也不錯"
    doc = pipeline(text)
    assert voc.normalize(text) == doc.text
    assert voc.segment(text) == [w for w in doc.words if w.strip()]
    assert voc.sentiment(text) == doc.sentiment
    assert voc.emotion(text) == doc.emotion
    assert voc.analyze(text) == doc


@pytest.mark.parametrize("bad", [None, 42, 3.5, ["好评"], {"text": "好评"}, float("nan")])
@pytest.mark.parametrize("fn", ["normalize", "segment", "tokenize", "sentiment", "emotion", "analyze"])
def test_bad_input_gets_a_clear_error(fn, bad):
    with pytest.raises(InputError, match="str"):
        getattr(voc, fn)(bad)


def test_bytes_are_decoded_utf8_or_gb18030():
    assert voc.normalize("好评".encode("utf-8")) == "好评"
    assert voc.normalize("好评".encode("gb18030")) == "好评"
    with pytest.raises(InputError, match="neither UTF-8 nor GB18030"):
        voc.normalize(b"\xff\xfe\xfa\x80\x81")


def test_a_lone_surrogate_becomes_a_replacement_character():
    """Half an emoji (a truncated post read back with json.loads) is no character: U+FFFD, offsets kept."""
    text = "还不错\ud83d"
    doc = voc.analyze(text)
    assert doc.raw == doc.text == "还不错\ufffd"
    assert voc.segment(text)[-1] == "\ufffd"
    assert voc.sentiment(text).label == voc.sentiment("还不错").label


def test_a_str_subclass_comes_back_as_str():
    import numpy as np

    assert type(voc.normalize(np.str_("好评"))) is str
    assert type(voc.analyze(np.str_("好评")).raw) is str


def test_pipe_as_tuples_rejects_bare_strings(pipeline):
    """A two-character review must not unpack as (text, id)."""
    with pytest.raises(InputError, match="pairs"):
        list(pipeline.pipe(["好评", "差评"], as_tuples=True))
    doc = next(iter(pipeline.pipe([("好评", 7)], as_tuples=True)))
    assert doc.id == 7 and doc.text == "好评"


def test_empty_text_is_valid():
    doc = voc.analyze("")
    assert doc.text == "" and doc.words == []
    assert doc.sentiment is not None and doc.sentiment.label == "neutral"
    assert voc.segment("") == []


def test_ten_megabyte_text_does_not_crash():
    """Normalise and segment ~10 MB of UTF-8 in one text (test_normalization.py covers the normaliser alone)."""
    text = ("物流很快，包装完好，客服态度也不错。" * 60_000)[: 1_000_000] * 3 + "差评！"
    assert len(text.encode("utf-8")) >= 9_000_000
    doc = voc.Pipeline(steps="segment")(text)
    assert doc.text.endswith("差评！")
    assert doc.tokens and doc.tokens[-1].end == len(doc.text)


def test_pipe_rejects_a_bare_string(pipeline):
    with pytest.raises(InputError, match="iterable of str"):
        list(pipeline.pipe("好评"))


def test_unknown_step_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown step"):
        voc.Pipeline(steps=["sentiment", "magic"])


@pytest.mark.parametrize("kwargs", [{"steps": 5}, {"components": [1, 2]}, {"normalizer": "x"}])
def test_bad_pipeline_arguments_are_config_errors(kwargs):
    with pytest.raises(ConfigError):
        voc.Pipeline(**kwargs)
    with pytest.raises(ConfigError, match="batch_size"):
        list(voc.Pipeline(steps="segment").pipe(["好"], batch_size="2"))  # type: ignore[arg-type]


# -- analyze_frame ------------------------------------------------------------------
pd = pytest.importorskip("pandas")


def test_analyze_frame_columns_index_and_order(pipeline):
    df = pd.DataFrame({"review": TEXTS}, index=[f"id{i}" for i in range(len(TEXTS))])
    original = df.copy()
    out = voc.analyze_frame(df, text_col="review", pipeline=pipeline)
    pd.testing.assert_frame_equal(df, original)  # input untouched
    assert list(out.index) == list(df.index)
    for col in ["text_norm", "sentiment_label", "sentiment_polarity", "sentiment_score", "emotion_label", "voc_error"]:
        assert col in out.columns
    docs = [pipeline(t) for t in TEXTS]
    assert out["sentiment_label"].tolist() == [d.sentiment.label for d in docs]
    assert out["emotion_label"].tolist() == [d.emotion.label for d in docs]
    assert out["voc_error"].isna().all()


def test_analyze_frame_reports_bad_rows_instead_of_dropping(pipeline):
    df = pd.DataFrame({"review": ["好评", None, 12, "差评", float("nan")]})
    with pytest.warns(VocWarning, match="3 of 5 rows"):
        out = voc.analyze_frame(df, text_col="review", steps=["sentiment"], pipeline=pipeline)
    assert len(out) == 5
    assert out["voc_error"].notna().tolist() == [False, True, True, False, True]
    assert out.loc[0, "sentiment_label"] == pipeline("好评").sentiment.label
    assert "missing" in out.loc[1, "voc_error"] and "int" in out.loc[2, "voc_error"]


def test_analyze_frame_steps_subset(pipeline):
    df = pd.DataFrame({"t": ["物流很快"]})
    out = voc.analyze_frame(df, text_col="t", steps="segment", pipeline=pipeline)
    assert out.loc[0, "words"] == ["物流", "很快"]
    assert "sentiment_label" not in out.columns


def test_analyze_frame_bad_arguments(pipeline):
    df = pd.DataFrame({"t": ["好评"]})
    with pytest.raises(InputError, match="column 'text'"):
        voc.analyze_frame(df, text_col="text")
    with pytest.raises(InputError, match="DataFrame"):
        voc.analyze_frame(["好评"], text_col="t")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="n_jobs"):
        voc.analyze_frame(df, text_col="t", n_jobs=0)
    for bad in (0, -1, "5"):
        with pytest.raises(ConfigError, match="batch_size"):
            voc.analyze_frame(df, text_col="t", batch_size=bad)
    with pytest.raises(ConfigError, match="steps"):
        voc.analyze_frame(df, text_col="t", steps=5)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="one column name"):
        voc.analyze_frame(df, text_col=["t"])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="2 columns named 't'"):
        voc.analyze_frame(pd.DataFrame([["好评", "x"]], columns=["t", "t"]), text_col="t")


def test_analyze_frame_on_an_empty_frame_has_the_columns(pipeline):
    """An empty partition (Spark, Dask, a filtered frame) gives an empty frame, not an error."""
    out = voc.analyze_frame(pd.DataFrame({"t": pd.Series([], dtype=object)}), text_col="t",
                            steps=["sentiment"], pipeline=pipeline)
    assert len(out) == 0
    assert list(out.columns) == [c for c, _ in voc.pipeline.output_columns("sentiment")]


def test_analyze_frame_processes_equal_serial(pipeline):
    df = pd.DataFrame({"t": TEXTS * 40})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        serial = voc.analyze_frame(df, text_col="t", steps=["sentiment"], pipeline=pipeline, batch_size=64)
        parallel = voc.analyze_frame(df, text_col="t", steps=["sentiment"], pipeline=pipeline, n_jobs=2,
                                     batch_size=64)
    pd.testing.assert_frame_equal(serial, parallel)
