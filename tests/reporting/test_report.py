"""voc.report: a self-contained, escaped HTML report of an analysed frame, and the `voc report` command."""

from __future__ import annotations

import functools
import json
import re
from html import escape

import pandas as pd
import pytest

import voc
from voc.cli import main
from voc.errors import ConfigError, InputError, VocWarning
from voc.opinion_mining import opinion_table
from voc.reporting import aggregate as agg
from voc.reporting import report

# hand-written reviews: (text, date, NPS 0-10); the last two try to inject markup
REVIEWS = [
    ("物流很快，第二天就到了，包装也很好", "2024-03-01", 10),
    ("快递太慢了，等了一个星期才到", "2024-03-02", 3),
    ("客服态度很好，耐心解答问题", "2024-03-03", 9),
    ("客服态度太差了，问了半天没人理", "2024-03-04", 1),
    ("质量不错，做工精细，很满意", "2024-03-05", 10),
    ("质量太差了，用了两天就坏了", "2024-03-06", 0),
    ("价格便宜，性价比很高", "2024-03-07", 9),
    ("太贵了，不值这个价", "2024-03-08", 4),
    ("包装破损了，里面的东西都压坏了", "2024-03-09", 2),
    ("外观漂亮，颜色很正", "2024-03-10", 9),
    ("电池不耐用，一天要充三次电", "2024-03-11", 3),
    ("屏幕很清晰，画面细腻", "2024-03-12", 10),
    ("声音太小了，听不清楚", "2024-03-13", 5),
    ("退货很麻烦，客服一直推脱", "2024-03-14", 0),
    ("物流速度快，快递小哥服务好", "2024-03-15", 10),
    ("味道不错，分量也足", "2024-03-16", 8),
    ("菜太咸了，而且上菜很慢", "2024-03-17", 2),
    ("环境干净，服务员很热情", "2024-03-18", 9),
    ("发货太慢了，催了好几次", "2024-03-19", 2),
    ("东西很好用，推荐购买", "2024-03-20", 10),
    ("尺码偏小，穿着不舒服", "2024-03-21", 4),
    ("面料舒服，穿着很透气", "2024-03-22", 9),
    ("手机发热严重，玩游戏很卡", "2024-03-23", 2),
    ("运行流畅，速度很快", "2024-03-24", 10),
    ("客服回复很及时，问题解决了", "2024-03-25", 9),
    ("一般般吧，没有想象中好", "2024-03-26", 6),
    ("还行，凑合用", "2024-03-27", 7),
    ("物流很慢，包装也很简陋", "2024-03-28", 3),
    ("质量很好，已经回购好几次了", "2024-03-29", 10),
    ("价格有点贵，但是质量不错", "2024-03-30", 7),
    ("信号很差，经常断网", "2024-04-01", 1),
    ("网速很快，信号稳定", "2024-04-02", 9),
    ("扣费不明不白，要求退款", "2024-04-03", 0),
    ("优惠活动力度大，很划算", "2024-04-04", 9),
    ("快递太慢了，而且客服态度差", "2024-04-05", 1),
    ("物流很快，包装完好", "2024-04-06", 10),
    ("质量一般，做工粗糙", "2024-04-07", 4),
    ("颜值很高，手感很好", "2024-04-08", 9),
    ("售后服务很差，维修等了一个月", "2024-04-09", 0),
    ("电池很耐用，续航给力", "2024-04-10", 10),
    ("快递送得很慢，外包装也破了", "2024-04-11", 2),
    ("客服态度差，说话很冲", "2024-04-12", 1),
    ("物流太慢了，差评", "2024-04-13", 2),
    ("东西坏了，退货退款很慢", "2024-04-14", 1),
    ("质量太差了，不建议购买", "2024-04-15", 0),
    ("好评，下次还来买", "2024-04-16", 10),
    ("味道很好，服务也周到", "2024-04-17", 9),
    ("做工不错，就是物流有点慢", "2024-04-18", 7),
    ("评论里写</script><script>alert(1)</script>太差了", "2024-04-19", 3),
    ("<img src=x onerror=alert(2)>客服态度太差了", "2024-04-20", 2),
]
HOSTILE = ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>")


@functools.lru_cache(maxsize=1)
def _analysed() -> pd.DataFrame:
    df = pd.DataFrame(REVIEWS, columns=["review", "date", "nps"])
    df["date"] = pd.to_datetime(df["date"])
    df.index = [f"r{i}" for i in range(len(df))]
    return df.join(voc.analyze_frame(df, text_col="review"))


def analysed_frame() -> pd.DataFrame:
    """The 50 reviews analysed by voc.analyze_frame, joined to their date and NPS (built once)."""
    return _analysed().copy()


def dialogues() -> list[voc.Dialogue]:
    return [
        voc.Dialogue([voc.Turn("customer", "我的快递一直没到，已经一周了"), voc.Turn("agent", "抱歉，我们帮您查一下"),
                      voc.Turn("customer", "再不处理我就打12315投诉你们，还要找媒体曝光")], id="d1"),
        voc.Dialogue([voc.Turn("customer", "谢谢，问题解决了"), voc.Turn("agent", "不客气")], id="d2"),
    ]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return analysed_frame()


@pytest.fixture(scope="module")
def page(frame, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("report") / "report.html"
    out = report(frame, path, text_col="review", time_col="date", score_col="nps", dialogues=dialogues(),
                 title="五月评论 <b>报告</b>")
    assert out == path
    return path.read_text(encoding="utf-8")


def _kpi(html: str, key: str) -> str:
    m = re.search(rf'data-kpi="{key}">.*?<div class="kpi-value"[^>]*>([^<]*)</div>', html)
    assert m, f"no {key} card"
    return m.group(1)


def _level1_counts(html: str) -> dict[str, int]:
    found = re.findall(r'<details class="node l1" data-node="([^"]*)"><summary class="row l1">.*?'
                       r'<span class="n-count"[^>]*>([\d,]+)</span>', html)
    return {name: int(n.replace(",", "")) for name, n in found}


def test_report_is_one_self_contained_file(page):
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"<link\b", page, re.I)  # no external stylesheets or fonts
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", page, re.I)
    assert not re.search(r"<script\b[^>]*\bsrc=", page, re.I)
    assert "Noto Sans CJK SC" in page and "Microsoft YaHei" in page
    assert page.count("<svg") >= 5  # donut, trend, word cloud, score histogram, bars


def test_level1_nodes_and_counts_match_opinion_table(frame, page):
    table = opinion_table(frame, levels=[1])
    expected = dict(zip(table["node"], table["mentions"]))
    assert _level1_counts(page) == expected
    # and the level-2 children of the biggest node sit inside it with their counts
    top = table["node"].iloc[0]
    l2 = opinion_table(frame, levels=[2])
    l2 = l2[l2["level1"] == top]
    block = page.split(f'data-node="{top}"', 1)[1].split('<details class="node l1"', 1)[0]
    for node, n in zip(l2["node"], l2["mentions"]):
        m = re.search(rf'data-node="{re.escape(escape(node))}"><summary class="row l2">.*?'
                      r'<span class="n-count"[^>]*>(\d+)</span>', block)
        assert m and int(m.group(1)) == n


def test_headline_figures(frame, page):
    labels = frame["sentiment_label"].value_counts()
    assert _kpi(page, "rows") == "50"
    assert _kpi(page, "failed") == "0"
    assert _kpi(page, "negative") == f"{100 * labels.get('negative', 0) / 50:.1f}%"
    assert _kpi(page, "opinion_units") == str(int(frame["n_opinions"].sum()))
    nps = frame["nps"]
    assert _kpi(page, "nps") == f"{100 * ((nps >= 9).mean() - (nps <= 6).mean()):+.0f}"
    assert int(_kpi(page, "alerts")) >= 1  # dialogue d1 threatens 12315 and the media


def test_hostile_text_is_escaped(page):
    for bad in HOSTILE:
        assert bad not in page
    assert page.count("<script") == 1  # the report's own script only
    assert "<img" not in page and "<b>报告</b>" not in page
    assert "&lt;b&gt;报告&lt;/b&gt;" in page  # the title shows as text


def test_hostile_examples_and_dialogues_are_escaped(tmp_path):
    df = pd.DataFrame({"review": ["</script><script>alert(1)</script>质量太差了",
                                  "<img src=x onerror=alert(2)>物流太慢了"]})
    frame = df.join(voc.analyze_frame(df, text_col="review"))
    d = voc.Dialogue([voc.Turn("customer", "<script>alert(3)</script>我要打12315投诉")], id="<i>x</i>")
    html = report(frame, tmp_path / "r.html", text_col="review", dialogues=[d]).read_text(encoding="utf-8")
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html  # shown as an example, as text
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html and "&lt;i&gt;x&lt;/i&gt;" in html
    assert html.count("<script") == 1 and "<img" not in html and "<i>x" not in html


def test_evidence_is_highlighted(page, frame):
    assert re.search(r'<mark class="risk-ev">[^<]*12315', page)
    # opinion examples mark the opinion words inside the verbatim
    assert re.search(r'<li class="example ex-negative">(?:(?!</li>).)*<mark class="m-negative">太差了</mark>', page)
    assert re.search(r'<mark class="m-aspect">电池</mark><mark class="m-negative">不耐用</mark>', page)


def test_frame_read_back_from_json_strings_gives_the_same_report(frame, tmp_path):
    back = frame.copy()
    back["opinions"] = [json.dumps(v, ensure_ascii=False) for v in frame["opinions"]]
    back["date"] = back["date"].dt.strftime("%Y-%m-%d")
    back["nps"] = back["nps"].astype(str)
    html = report(back, tmp_path / "r.html", time_col="date", score_col="nps").read_text(encoding="utf-8")
    table = opinion_table(frame, levels=[1])
    assert _level1_counts(html) == dict(zip(table["node"], table["mentions"]))
    assert 'id="trend"' in html and "按周" in html  # 50 days of data: weekly trend picked


def test_failed_rows_are_counted(tmp_path):
    df = pd.DataFrame({"review": ["物流很快", None, "质量太差了"]})
    with pytest.warns(VocWarning):
        frame = df.join(voc.analyze_frame(df, text_col="review"))
    html = report(frame, tmp_path / "r.html").read_text(encoding="utf-8")
    assert _kpi(html, "rows") == "3" and _kpi(html, "failed") == "1"


def test_cli_round_trip_through_voc_analyze(tmp_path, capsys):
    src = tmp_path / "reviews.csv"
    df = pd.DataFrame(REVIEWS, columns=["review", "date", "nps"])
    df.loc[5, "review"] = ""  # fails in voc analyze, lands in the errors file
    df.insert(0, "id", [f"r{i}" for i in range(len(df))])
    df.to_csv(src, index=False)
    scored = tmp_path / "scored.csv"
    assert main(["analyze", str(src), "-o", str(scored), "--text-col", "review", "--id-col", "id"]) == 1
    out = tmp_path / "report.html"
    code = main(["report", str(scored), "-o", str(out), "--text-col", "review", "--time-col", "date",
                 "--score-col", "nps", "--title", "CLI 报告"])
    assert code == 0
    assert "50 rows (1 failed)" in capsys.readouterr().err
    html = out.read_text(encoding="utf-8")
    back = pd.read_csv(scored)  # opinions come back as text and are parsed by the report
    table = opinion_table(agg.to_opinion_frame(agg.prepare(back)), levels=[1])
    assert _level1_counts(html) == dict(zip(table["node"], table["mentions"]))
    assert _kpi(html, "rows") == "50" and _kpi(html, "failed") == "1"
    assert "<title>CLI 报告</title>" in html and 'id="trend"' in html and 'id="scores"' in html
    # the same file read back by hand and passed to voc.report gives the same tree
    direct = report(back, tmp_path / "direct.html", time_col="date", score_col="nps").read_text(encoding="utf-8")
    assert _level1_counts(direct) == _level1_counts(html)


@pytest.mark.parametrize("cell", [
    '[{"aspect": "物流", "opinion": "太慢", "polarity": "negative", "category": ["物流配送", "配送速度", "配送慢"]}]',
    "[{'aspect': '物流', 'opinion': '太慢', 'polarity': 'negative', 'category': ['物流配送', '配送速度', '配送慢'], "
    "'aspect_span': None, 'opinion_span': [2, 4]}]",
    # a quote inside a string: pandas' repr switches to double quotes; parsed by the safe literal reader
    """[{'aspect': "物流's", 'opinion': '太慢', 'polarity': 'negative', 'category': ['物流配送', '配送速度', '配送慢']}]""",
])
def test_opinions_cells_as_text_are_parsed(cell):
    p = agg.prepare(pd.DataFrame({"sentiment_label": ["negative", "neutral"], "opinions": [cell, ""]}))
    assert p.units[["row", "level3", "polarity"]].values.tolist() == [[0, "配送慢", "negative"]]


def test_cli_report_with_dialogues_and_parquet(tmp_path, frame):
    pytest.importorskip("pyarrow")
    scored = tmp_path / "scored.parquet"
    frame.drop(columns=["words"]).to_parquet(scored)
    dl = tmp_path / "chats.jsonl"
    dl.write_text("\n".join(json.dumps({"id": d.id, "turns": [{"role": t.role, "text": t.text} for t in d.turns]},
                                       ensure_ascii=False) for d in dialogues()), encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["report", str(scored), "-o", str(out), "--dialogues", str(dl), "--time-col", "date"]) == 0
    html = out.read_text(encoding="utf-8")
    assert 'id="alerts"' in html and "对话 d1" in html and "对话 d2" not in html  # d2 is not risky


def test_cli_report_on_an_unanalysed_file_is_a_usage_error(tmp_path, capsys):
    src = tmp_path / "raw.csv"
    pd.DataFrame({"review": ["好评"]}).to_csv(src, index=False)
    assert main(["report", str(src), "-o", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "sentiment_label" in err and "voc analyze" in err


def test_cli_help_shows_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    assert "voc report scored.csv -o report.html" in capsys.readouterr().out


@pytest.mark.parametrize("bad, match", [
    (pd.DataFrame({"review": ["好评"]}), "sentiment_label"),
    ("not a frame", "DataFrame"),
    (pd.DataFrame({"sentiment_label": ["good"], "opinions": [[]]}), "negative, neutral or positive"),
    (pd.DataFrame({"sentiment_label": ["positive"], "opinions": [42]}), "list of opinion"),
    (pd.DataFrame({"sentiment_label": ["positive"], "opinions": ["{not json"]}), "JSON"),
])
def test_bad_input_is_an_input_error(tmp_path, bad, match):
    with pytest.raises(InputError, match=match):
        report(bad, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_bad_columns_and_options(frame, tmp_path):
    with pytest.raises(InputError, match="'when'.*time_col"):
        report(frame, tmp_path / "r.html", time_col="when")
    with pytest.raises(InputError, match="score column 'review' holds no numbers"):
        report(frame, tmp_path / "r.html", score_col="review")
    with pytest.raises(InputError, match="no readable times"):
        report(frame, tmp_path / "r.html", time_col="review")
    with pytest.raises(InputError, match="voc.Dialogue"):
        report(frame, tmp_path / "r.html", dialogues=["hello"])
    with pytest.raises(ConfigError, match="freq"):
        report(frame, tmp_path / "r.html", freq="Q")
    with pytest.raises(InputError, match="does not exist"):
        report(frame, tmp_path / "missing" / "r.html")


# -- aggregations ---------------------------------------------------------------------------------
def test_opinion_nodes_match_opinion_table_at_every_level(frame):
    ours = agg.opinion_nodes(frame)
    ref = opinion_table(frame)
    cols = ["level", "node", "mentions", "documents", "positive", "neutral", "negative"]
    pd.testing.assert_frame_equal(ours[cols], ref[cols], check_dtype=False)
    assert all(1 <= len(ex) <= 3 for ex in ours["examples"])


def test_tree_children_add_up(frame):
    for n1 in agg.opinion_tree(frame):
        assert sum(c["mentions"] for c in n1["children"]) == n1["mentions"]
        for n2 in n1["children"]:
            assert sum(c["mentions"] for c in n2["children"]) == n2["mentions"]


def test_sentiment_trend_counts_every_labelled_row(frame):
    trend = agg.sentiment_trend(frame, time_col="date", freq="D")
    assert trend["total"].sum() == frame["sentiment_label"].notna().sum()
    assert len(trend) == 51  # 2024-03-01 .. 2024-04-20, empty days kept
    assert agg.sentiment_trend(frame, time_col="date")["freq"].iloc[0] == "W"


def test_topic_change_is_last_period_minus_previous(frame):
    t = agg.topic_changes(frame, time_col="date", freq="M")
    assert set(t[["period_last", "period_prev"]].iloc[0]) == {"2024-04", "2024-03"}
    row = t.iloc[0]
    dates = frame["date"].dt.to_period("M")
    for period, col in (("2024-04", "rate_last"), ("2024-03", "rate_prev")):
        sub = frame[dates == pd.Period(period)]
        hits = sum(any(" > ".join(o["category"][:2]) == row["node"] for o in ops) for ops in sub["opinions"])
        assert row[col] == pytest.approx(hits / len(sub))
    assert row["change"] == pytest.approx(row["rate_last"] - row["rate_prev"])


def test_wordcloud_layout_has_no_overlap_and_colours_by_polarity(frame):
    terms = agg.wordcloud_terms(frame)
    lay = agg.wordcloud_layout(terms, width=700, height=300)
    assert len(lay) >= 0.8 * len(terms)
    boxes = list(zip(lay["x"] - lay["w"] / 2, lay["y"] - lay["h"] / 2, lay["w"], lay["h"]))
    for i, (x, y, w, h) in enumerate(boxes):
        assert 0 <= x and 0 <= y and x + w <= 700 + 1e-6 and y + h <= 300 + 1e-6
        for x2, y2, w2, h2 in boxes[i + 1:]:
            assert x + w <= x2 + 1e-6 or x2 + w2 <= x + 1e-6 or y + h <= y2 + 1e-6 or y2 + h2 <= y + 1e-6
    assert set(lay["colour"]) <= set(agg.POLARITY_COLOURS.values())
    slow = terms.set_index("term").loc["配送慢"]
    assert slow["polarity"] == "negative" and slow["colour"] == agg.POLARITY_COLOURS["negative"]


def test_score_summaries():
    nps = pd.DataFrame({"sentiment_label": ["neutral"] * 5, "nps": [10, 9, 8, 6, 0]})
    s = agg.score_summary(nps, score_col="nps")
    assert s["kind"] == "nps" and s["nps"] == pytest.approx(0.0) and s["passives"] == pytest.approx(0.2)
    csat = pd.DataFrame({"sentiment_label": ["neutral"] * 4, "csat": [5, 4, 3, 1]})
    c = agg.score_summary(csat, score_col="csat")
    assert c["kind"] == "csat" and c["csat"] == 50.0 and c["dissatisfied"] == 0.25
    with pytest.raises(InputError, match="1-5"):
        agg.score_summary(nps, score_col="nps", score_kind="stars")


def test_report_with_stars_and_without_time(frame, tmp_path):
    f = frame.drop(columns=["date"]).assign(stars=[(i % 5) + 1 for i in range(len(frame))])
    html = report(f, tmp_path / "r.html", score_col="stars").read_text(encoding="utf-8")
    assert "满意率 (4-5★)" in html and "没有时间列" in html
    assert _kpi(html, "csat") == f"{100 * (f['stars'] >= 4).mean():.0f}%"
