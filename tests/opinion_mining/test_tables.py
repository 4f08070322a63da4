"""opinion_table / opinion_links over hand-built opinions (no model involved)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from voc import Document, Opinion, Span
from voc.errors import ConfigError, InputError
from voc.opinion_mining import UNMAPPED, opinion_links, opinion_table, to_records

SLOW = ("物流配送", "配送速度", "配送慢")
FAST = ("物流配送", "配送速度", "配送快")
BROKEN = ("包装", "包装质量", "包装破损或简陋")
PRICEY = ("价格", "价格水平", "价格偏高")


def _op(cat: tuple[str, ...], pol: str) -> Opinion:
    return Opinion("", "x", pol, cat, None, Span(0, 1, "x"))  # type: ignore[arg-type]


def _docs() -> list[Document]:
    units = [
        [_op(SLOW, "negative"), _op(BROKEN, "negative")],
        [_op(SLOW, "negative"), _op(BROKEN, "negative"), _op(PRICEY, "negative")],
        [_op(FAST, "positive")],
        [_op(PRICEY, "negative")],
        [],
        [_op(("其他", "", ""), "neutral")],
    ]
    months = ["2024-01", "2024-01", "2024-01", "2024-02", "2024-02", "2024-02"]
    shops = ["a", "a", "b", "b", "a", "b"]
    return [Document.from_text("x", opinions=tuple(u), id=f"r{i}", meta={"month": m, "shop": s})
            for i, (u, m, s) in enumerate(zip(units, months, shops))]


def _frame() -> pd.DataFrame:
    docs = _docs()
    return pd.DataFrame({
        "opinions": [to_records(d.opinions) for d in docs],
        "month": pd.to_datetime([d.meta["month"] + "-15" for d in docs]),
        "shop": [d.meta["shop"] for d in docs],
    }, index=[d.id for d in docs])


def test_counts_per_level() -> None:
    t = opinion_table(_docs())
    row = t[(t.level == 1) & (t.level1 == "物流配送")].iloc[0]
    assert (row.mentions, row.documents, row.positive, row.negative) == (3, 3, 1, 2)
    assert row.share == pytest.approx(3 / 6)
    assert row.net_sentiment == pytest.approx((1 - 2) / 3)
    assert row.example_ids == ["r0", "r1", "r2"]
    l3 = t[t.level == 3].set_index("node")
    assert l3.loc["物流配送 > 配送速度 > 配送慢", "mentions"] == 2
    # the unit with unknown levels 2–3 is counted, not dropped
    assert l3.loc[f"其他 > {UNMAPPED} > {UNMAPPED}", "mentions"] == 1
    # sorted by level, then frequency
    assert list(t.level) == sorted(t.level)
    for _, g in t.groupby("level"):
        assert list(g.mentions) == sorted(g.mentions, reverse=True)


def test_frame_and_documents_agree() -> None:
    a = opinion_table(_docs(), levels=[2])
    b = opinion_table(_frame(), levels=[2])
    pd.testing.assert_frame_equal(a, b)


def test_frames_read_back_from_files_agree(tmp_path) -> None:
    """Opinions as JSON text (csv written by `voc analyze`) or numpy arrays (parquet) count the same."""
    import json

    frame = _frame()
    as_json = frame.assign(opinions=[json.dumps(o, ensure_ascii=False) for o in frame["opinions"]])
    frame.to_parquet(tmp_path / "x.parquet")
    from_parquet = pd.read_parquet(tmp_path / "x.parquet")
    want = opinion_table(frame)
    pd.testing.assert_frame_equal(opinion_table(as_json), want)
    pd.testing.assert_frame_equal(opinion_table(from_parquet), want)
    with pytest.raises(InputError, match="not JSON"):
        opinion_table(frame.assign(opinions=["[{'aspect': 1}]"] * len(frame)))


def test_period_change() -> None:
    t = opinion_table(_frame(), period="month", levels=[1])
    price = t[t.level1 == "价格"].set_index("month")
    assert price.loc["2024-02", "mentions"] == 1
    assert price.loc["2024-02", "mentions_prev"] == 1
    assert price.loc["2024-02", "mentions_change"] == 0
    assert price.loc["2024-02", "share_change"] == pytest.approx(1 / 3 - 1 / 3)
    assert math.isnan(price.loc["2024-01", "mentions_change"])
    logistics_feb = t[(t.level1 == "物流配送") & (t.month == "2024-02")]
    assert logistics_feb.empty  # nodes absent in a period have no row


def test_periods_in_natural_order_and_missing_ones_apart() -> None:
    """Week numbers order as numbers, dates with a gap still bin by month, a missing period is
    one group of its own (never a later period), NaN in ``by`` is one group."""
    import datetime as dt

    ops = [to_records([_op(SLOW, "negative")])] * 7
    df = pd.DataFrame({"opinions": ops, "week": [1, 2, 2, 2, 9, 10, 10]})
    t = opinion_table(df, period="week", levels=[1]).set_index("week")
    assert list(t.index) == [1, 2, 9, 10]
    assert t.loc[2, "mentions_prev"] == 1 and t.loc[10, "mentions_prev"] == 1  # not week 10 before week 2
    dates = [dt.date(2024, 1, 3), dt.date(2024, 1, 20), dt.date(2024, 2, 1), None,
             dt.date(2024, 2, 5), dt.date(2024, 3, 1), dt.date(2024, 3, 2)]
    for col in (pd.Series(dates, dtype=object), pd.to_datetime(pd.Series(dates))):
        t = opinion_table(df.assign(d=col), period="d", levels=[1])
        assert t["d"].tolist()[:3] == ["2024-01", "2024-02", "2024-03"] and pd.isna(t["d"].iloc[3])
        assert t["mentions"].tolist() == [2, 2, 2, 1]
        assert t["mentions_prev"].iloc[2] == 2 and math.isnan(t["mentions_prev"].iloc[3])
    t = opinion_table(df.assign(g=[1.0, None, None, None, 2.0, 2.0, 1.0]), by="g", levels=[1])
    assert len(t) == 3 and pd.isna(t["g"].iloc[2])
    assert (t["mentions"].iloc[2], t["share"].iloc[2]) == (3, 1.0)


def test_by_group_shares() -> None:
    t = opinion_table(_docs(), by="shop", levels=[1])
    a = t[(t.shop == "a") & (t.level1 == "包装")].iloc[0]
    assert a.share == pytest.approx(2 / 3)  # shop a has 3 documents, 2 mention 包装


def test_links_lift() -> None:
    links = opinion_links(_docs(), polarity="negative", min_count=1)
    top = links.iloc[0]
    assert (top.node_a, top.node_b) == ("包装 > 包装质量", "物流配送 > 配送速度")
    assert top.together == 2
    assert top.lift == pytest.approx(2 * 6 / (2 * 2))
    assert list(links.lift) == sorted(links.lift, reverse=True)
    assert opinion_links(_docs(), min_count=3).empty


def test_table_errors() -> None:
    with pytest.raises(InputError, match="opinions"):
        opinion_table(pd.DataFrame({"text": ["a"]}))
    with pytest.raises(InputError):
        opinion_table(["物流很快"])
    with pytest.raises(InputError):
        opinion_table(_docs(), by="nope")
    with pytest.raises(ConfigError):
        opinion_table(_docs(), levels=[4])
    with pytest.raises(ConfigError):
        opinion_links(_docs(), polarity="bad")


def test_missing_cells_are_empty() -> None:
    df = pd.DataFrame({"opinions": [None, float("nan"), to_records([_op(PRICEY, "negative")])]})
    t = opinion_table(df, levels=[1])
    assert t.iloc[0].mentions == 1 and t.iloc[0].share == pytest.approx(1 / 3)


def test_to_records_round_trip_fields() -> None:
    op = Opinion("物流", "很快", "positive", FAST, Span(0, 2, "物流"), Span(2, 4, "很快"))
    (rec,) = to_records([op])
    assert rec == {"aspect": "物流", "opinion": "很快", "polarity": "positive",
                   "category": list(FAST), "aspect_span": [0, 2], "opinion_span": [2, 4]}
    assert to_records(None) == []
