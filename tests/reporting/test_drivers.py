"""voc.reporting.drivers: effects, intervals, support filter, input checks."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from voc import InputError, Opinion, Span, VocWarning
from voc.errors import ConfigError
from voc.reporting.drivers import drivers


def _op(l1: str, l2: str, l3: str, polarity: str, aspect: str = "", opinion: str = "") -> dict:
    return {"aspect": aspect, "opinion": opinion, "polarity": polarity, "category": [l1, l2, l3],
            "aspect_span": None, "opinion_span": None}


SLOW = _op("物流配送", "配送速度", "配送慢", "negative", "物流", "太慢")
FAST = _op("物流配送", "配送速度", "配送快", "positive", "物流", "很快")
PACK = _op("包装", "包装质量", "包装好", "positive", "包装", "不错")
RARE = _op("售后服务", "退换货", "退货难", "negative", "退货", "麻烦")
CHEAP = _op("价格", "价格水平", "价格便宜", "positive", "价格", "便宜")


def synthetic(n_pairs: int = 150) -> pd.DataFrame:
    """Documents with a slow-delivery complaint score 4 NPS points lower; 包装 has exactly no effect.

    Documents come in pairs with the same score and the same other opinions, one with a
    包装 mention and one without, so 包装's effect is exactly zero whatever the noise.
    """
    rng = np.random.default_rng(7)
    ops, scores = [], []
    for i in range(n_pairs):
        base = int(rng.integers(6, 11))
        mine = []
        if rng.random() < 0.35:
            mine.append(SLOW)
            base -= 4
        elif rng.random() < 0.3:
            mine.append(FAST)
        if rng.random() < 0.3:
            mine.append(CHEAP)
            base = min(10, base + 1)
        if i < 4:
            mine.append(RARE)
        score = int(np.clip(base + rng.integers(-1, 2), 0, 10))
        ops += [mine + [PACK], list(mine)]
        scores += [score, score]
    return pd.DataFrame({"opinions": ops, "nps": scores})


def test_slow_delivery_is_the_strongest_negative_driver():
    df = synthetic()
    t = drivers(df, score_col="nps", min_support=5)
    assert t.attrs["score_kind"] == "nps"  # guessed from 0-10 values
    worst = t.loc[t["effect"].idxmin()]
    assert worst["node"] == "物流配送 > 配送速度"
    assert worst["ci_high"] < 0 and worst["p_value"] < 1e-6
    assert t.iloc[0]["node"] == "物流配送 > 配送速度"  # largest |impact| first
    # impact = effect × share of documents mentioning the node
    assert worst["impact"] == pytest.approx(worst["effect"] * worst["support"] / len(df))
    # effect is mean_with − mean_without, recomputed from the frame
    mentions = df["opinions"].map(lambda ops: any(o["category"][1] == "配送速度" for o in ops))
    assert worst["mean_with"] == pytest.approx(df.loc[mentions, "nps"].mean())
    assert worst["mean_without"] == pytest.approx(df.loc[~mentions, "nps"].mean())
    assert worst["support"] == int(mentions.sum())
    # negative mentions only (配送慢) hurt more than the node as a whole (which also has 配送快)
    assert worst["effect_negative"] < worst["effect"]
    assert {"nps_with", "nps_without"} <= set(t.columns)


def test_node_without_effect_has_interval_around_zero():
    t = drivers(synthetic(), score_col="nps", min_support=5)
    pack = t.set_index("node").loc["包装 > 包装质量"]
    assert pack["effect"] == pytest.approx(0.0, abs=1e-12)
    assert pack["ci_low"] < 0 < pack["ci_high"]
    assert pack["p_value"] > 0.5


def test_interval_and_p_value_match_welch_t_test():
    stats = pytest.importorskip("scipy.stats")
    df = synthetic()
    t = drivers(df, score_col="nps", min_support=5, confidence=0.9)
    row = t.set_index("node").loc["价格 > 价格水平"]
    mask = df["opinions"].map(lambda ops: CHEAP in ops)
    a, b = df.loc[mask, "nps"].to_numpy(float), df.loc[~mask, "nps"].to_numpy(float)
    res = stats.ttest_ind(a, b, equal_var=False)
    assert row["p_value"] == pytest.approx(res.pvalue, rel=1e-6)
    ci = res.confidence_interval(0.9)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(ci.low, rel=1e-6), pytest.approx(ci.high, rel=1e-6))


def test_min_support_filters_rare_nodes():
    df = synthetic()
    assert "售后服务 > 退换货" not in set(drivers(df, score_col="nps", min_support=20)["node"])
    low = drivers(df, score_col="nps", min_support=8)
    assert low.set_index("node").loc["售后服务 > 退换货", "support"] == 8
    assert (drivers(df, score_col="nps")["support"] >= 20).all()  # default min_support=20


def test_levels_and_columns():
    df = synthetic()
    l1 = drivers(df, score_col="nps", by="level1", min_support=5)
    assert "物流配送" in set(l1["node"]) and "level3" not in l1.columns
    l3 = drivers(df, score_col="nps", by="level3", min_support=5)
    assert list(l3.columns[:4]) == ["node", "level1", "level2", "level3"]
    slow = l3.set_index("node").loc["物流配送 > 配送速度 > 配送慢"]
    assert slow["negative_share"] == 1.0 and slow["ci_high"] < 0
    base = ["node", "level1", "level2", "support", "mean_with", "mean_without", "effect", "ci_low",
            "ci_high", "p_value", "impact"]
    assert list(drivers(df, score_col="nps", min_support=5).columns[:len(base)]) == base


def test_json_strings_and_opinion_objects_give_the_same_result():
    df = synthetic()
    ref = drivers(df, score_col="nps", min_support=5)
    as_json = df.assign(opinions=df["opinions"].map(lambda ops: json.dumps(ops, ensure_ascii=False)))
    pd.testing.assert_frame_equal(drivers(as_json, score_col="nps", min_support=5), ref)

    def to_obj(o: dict) -> Opinion:
        return Opinion(o["aspect"], o["opinion"], o["polarity"], tuple(o["category"]), Span(0, 1, "x"), None)

    as_obj = df.assign(opinions=df["opinions"].map(lambda ops: [to_obj(o) for o in ops]))
    pd.testing.assert_frame_equal(drivers(as_obj, score_col="nps", min_support=5), ref)


def test_stars_guessed_and_validated():
    df = synthetic()
    stars = df.assign(stars=(df["nps"] // 2).clip(1, 5))
    t = drivers(stars, score_col="stars", min_support=5)
    assert t.attrs["score_kind"] == "stars" and "nps_with" not in t.columns
    with pytest.raises(InputError, match=r"'nps'.*outside 1-5"):
        drivers(df, score_col="nps", score_kind="csat", min_support=5)
    with pytest.raises(InputError, match=r"'nps'.*outside 0-10"):
        drivers(df.assign(nps=df["nps"] * 2), score_col="nps", score_kind="nps", min_support=5)
    with pytest.raises(InputError, match=r"'score' ranges from \d+ to 20; expected NPS 0-10"):
        drivers(df.assign(score=df["nps"] * 2), score_col="score", min_support=5)


def test_missing_scores_and_failed_rows_are_counted_not_silent():
    df = synthetic()
    df["voc_error"] = None
    df.loc[[0, 1], "nps"] = np.nan
    df.loc[[2, 3, 4], "voc_error"] = "missing text"
    with pytest.warns(VocWarning) as rec:
        t = drivers(df, score_col="nps", min_support=5)
    text = " ".join(str(w.message) for w in rec)
    assert "2 of 300 rows have no score in column 'nps'" in text and "3 rows failed" in text
    assert t.attrs["n_missing_score"] == 2 and t.attrs["n_failed"] == 3 and t.attrs["n_scored"] == 295
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drivers(synthetic(), score_col="nps", min_support=5)  # nothing to report: no warning


def test_input_errors():
    df = synthetic()
    with pytest.raises(InputError, match="'score'.*not in the frame"):
        drivers(df, score_col="score")
    with pytest.raises(InputError, match="no 'opinions' column"):
        drivers(df.drop(columns="opinions").assign(sentiment_label="positive"), score_col="nps")
    with pytest.raises(InputError, match="holds no numbers"):
        drivers(df.assign(nps="很好"), score_col="nps")
    with pytest.raises(InputError, match="expected the pandas DataFrame"):
        drivers([1, 2, 3], score_col="nps")
    with pytest.raises(InputError, match="not a JSON list"):
        drivers(df.assign(opinions="物流很慢"), score_col="nps")
    with pytest.raises(InputError, match="no row has both"):
        drivers(df.assign(nps=np.nan), score_col="nps")
    for kw in ({"by": "level4"}, {"score_kind": "ces"}, {"min_support": 0}, {"confidence": 1.5},
               {"min_support": 2.5}):
        with pytest.raises(ConfigError):
            drivers(df, score_col="nps", **kw)


def test_on_analysed_reviews():
    """End to end on reviews analysed by voc: delivery complaints go with low stars."""
    import voc

    slow = ["物流太慢了，等了一个星期", "快递慢得要命，差评", "发货太慢了，催了好几次"]
    good = ["质量很好，很满意", "东西不错，做工精细", "质量好，值得购买", "很好用，推荐"]
    texts, stars = [], []
    for i in range(12):
        texts.append(slow[i % 3])
        stars.append(1 + i % 2)
        texts.append(good[i % 4])
        stars.append(5 - (i % 3 == 0))
    frame = voc.analyze_frame(pd.DataFrame({"review": texts}), text_col="review").assign(stars=stars)
    t = drivers(frame, score_col="stars", min_support=5)
    worst = t.loc[t["effect"].idxmin()]
    assert worst["node"] == "物流配送 > 配送速度" and worst["ci_high"] < 0
    assert worst["support"] == 12
    assert t.attrs["score_kind"] == "stars"


def test_prepared_view_and_csv_cells():
    from voc.reporting import aggregate as agg

    df = synthetic()
    ref = drivers(df, score_col="nps", min_support=5)
    prep = agg.prepare(df, score_col="nps")
    pd.testing.assert_frame_equal(drivers(prep, score_col="nps", min_support=5), ref)
    with pytest.raises(InputError, match="without score_col='stars'"):
        drivers(prep, score_col="stars")
    # a CSV read back: JSON text, empty cells for rows without opinions
    cells = df["opinions"].map(lambda ops: json.dumps(ops, ensure_ascii=False) if ops else np.nan)
    pd.testing.assert_frame_equal(drivers(df.assign(opinions=cells), score_col="nps", min_support=5), ref)
