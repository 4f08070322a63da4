"""Bad arguments across the public API raise a voc error saying what was expected, never a raw
TypeError/ValueError/OverflowError from deep inside (cases found by a QA sweep)."""

from __future__ import annotations

import pandas as pd
import pytest

import voc
from voc.alerts import RiskDetector
from voc.errors import ConfigError, InputError
from voc.opinion_mining import opinion_table


def _frame():
    df = pd.DataFrame({"t": ["物流很快", "太贵了"]})
    fr = voc.analyze_frame(df, text_col="t", steps=["opinions"])
    return fr.assign(d=pd.to_datetime(["2024-01-01", "2024-02-01"]))


def test_opinion_table_arguments():
    fr = _frame()
    with pytest.raises(ConfigError, match="freq='fortnight'"):
        opinion_table(fr, period="d", freq="fortnight")
    with pytest.raises(ConfigError, match="levels"):
        opinion_table(fr, levels=None)  # type: ignore[arg-type]
    assert set(opinion_table(fr, levels=1)["level"]) == {1}  # one level as a bare int


def test_alerts_arguments():
    turn = voc.Turn("customer", "我很生气，太差了，还没解决")
    with pytest.raises(ConfigError, match="batch_size"):
        list(RiskDetector(signals=None).pipe([], batch_size="1"))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="two numbers"):
        RiskDetector(signals=lambda text: 5).assess([turn, turn])
    with pytest.raises(InputError, match="hashable"):
        RiskDetector(signals=None).monitor().feed(turn, dialogue_id=[1])
    # a callable that answers right is used as it is
    report = RiskDetector(signals=lambda text: (-0.9, 0.8)).assess([turn, turn])
    assert 0.0 <= report.score <= 1.0


def test_segmenter_user_word_frequency_range():
    with pytest.raises(ConfigError, match="below 2\\*\\*31"):
        voc.Segmenter(user_words=[("耳机壳", 10**30, "n")]).cut("耳机壳")


def test_model_paths(tmp_path):
    with pytest.raises(ConfigError, match="str or os.PathLike"):
        voc.SentimentModel.load(123)  # type: ignore[arg-type]
    a_file = tmp_path / "model.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError, match="is a file"):
        voc.SentimentModel.load().save(a_file)


def test_raw_span_needs_a_span():
    doc = voc.analyze("好")
    with pytest.raises(InputError, match="Span or Token"):
        doc.raw_span(None)  # type: ignore[arg-type]
    assert doc.raw_span(doc.tokens[0]) == "好"

