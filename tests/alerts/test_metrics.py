"""Metric alerts: spikes against a group's own baseline, and low-score feedback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from voc import ConfigError, InputError
from voc.alerts import detect_spikes, feedback_alerts


def reviews(neg_rates: dict[str, list[float]], n: int = 50, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for product, rates in neg_rates.items():
        for day, rate in enumerate(rates):
            for _ in range(n):
                rows.append({"time": pd.Timestamp("2024-05-01") + pd.Timedelta(days=day), "product": product,
                             "sentiment_label": "negative" if rng.random() < rate else "positive"})
    return pd.DataFrame(rows)


def test_a_jump_is_flagged_and_a_steady_group_is_not():
    df = reviews({"A": [0.1] * 9 + [0.5], "B": [0.3] * 10})
    out = detect_spikes(df, by="product", period="D")
    assert out["product"].tolist() == ["A"]
    row = out.iloc[0]
    assert str(row["period"]) == "2024-05-10" and row["count"] == 50
    assert row["rate"] > 2 * row["baseline_rate"] and row["p_value"] < 0.01 and row["lift"] >= 1.5


def test_small_groups_are_not_tested():
    df = reviews({"A": [0.1] * 9 + [0.9]}, n=10)
    assert detect_spikes(df, by="product", period="D", min_count=20).empty
    assert not detect_spikes(df, by="product", period="D", min_count=5).empty


def test_mention_rate_spike():
    rows = [{"time": f"2024-05-0{d}", "topic": "物流" if i < (30 if d == 9 else 5) else "价格"}
            for d in range(1, 10) for i in range(100)]
    out = detect_spikes(pd.DataFrame(rows), by="topic", period="D", metric="mention_rate")
    assert out["topic"].tolist() == ["物流"] and str(out.iloc[0]["period"]) == "2024-05-09"


def test_several_key_columns_and_weekly_periods():
    df = reviews({"A": [0.1] * 20 + [0.6] * 7}, n=20)
    df["store"] = "北京"
    out = detect_spikes(df, by=["store", "product"], period="W", min_count=20)
    assert list(out.columns[:2]) == ["store", "product"] and len(out) >= 1


def test_bad_arguments():
    df = reviews({"A": [0.1] * 3})
    with pytest.raises(InputError, match="columns"):
        detect_spikes(df, by="shop")
    with pytest.raises(ConfigError, match="metric"):
        detect_spikes(df, by="product", metric="volume")
    with pytest.raises(ConfigError, match="period"):
        detect_spikes(df, by="product", period="fortnight")
    with pytest.raises(InputError, match="DataFrame"):
        detect_spikes([1], by="product")


@pytest.mark.parametrize("scale, scores, alerted, high", [
    ("nps", [10, 9, 7, 6, 3, 0], [6, 3, 0], [3, 0]),
    ("csat", [5, 4, 3, 2, 1], [2, 1], [1]),
    ("star", [5, 3, 2, 1], [2, 1], [1]),
])
def test_feedback_alert_thresholds(scale, scores, alerted, high):
    df = pd.DataFrame({"s": scores + [None, "n/a"], "c": ["x"] * (len(scores) + 2)})
    out = feedback_alerts(df, score_col="s", scale=scale, text_col="c", explain=lambda ts: [["r"]] * len(ts))
    assert out["score"].tolist() == alerted
    assert out.loc[out["severity"] == "high", "score"].tolist() == high
    assert out["reasons"].tolist() == [["r"]] * len(alerted)
    assert list(out.index) == [i for i, v in enumerate(scores) if v in alerted]


def test_feedback_threshold_and_explanations():
    df = pd.DataFrame({"nps": [8, 9], "comment": ["物流太慢", "很好"]})
    out = feedback_alerts(df, score_col="nps", threshold=8, text_col="comment",
                          explain=lambda ts: [[t[:2]] for t in ts])
    assert out["reasons"].tolist() == [["物流"]]
    with pytest.raises(ConfigError, match="scale"):
        feedback_alerts(df, score_col="nps", scale="stars")
    with pytest.raises(InputError, match="explain returned"):
        feedback_alerts(df, score_col="nps", threshold=9, explain=lambda ts: [])
