"""``voc.report``: one self-contained HTML file that opens offline.

Everything is inline: the CSS, a few lines of vanilla JavaScript, and the
charts as SVG computed here in Python (no CDN, no web fonts, no external
scripts). Every piece of user text goes through :func:`html.escape`, so a
review holding ``</script>`` or ``<img onerror=…>`` shows as text.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import os
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._types import Dialogue
from ..errors import ConfigError, InputError, VocError
from . import aggregate as agg

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["report"]

logger = logging.getLogger(__name__)

NEG, NEU, POS = (agg.POLARITY_COLOURS[k] for k in agg.SENTIMENTS)
_ZH = {"negative": "负面", "neutral": "中性", "positive": "正面"}
_ROLE_ZH = {"customer": "客户", "agent": "客服"}
_LEVEL_ZH = {"high": "高", "medium": "中", "low": "低", "none": "无"}
_RISK_ZH = {
    "complaint_threat": "投诉威胁", "regulator_threat": "监管投诉", "media_exposure": "媒体曝光",
    "legal_threat": "法律威胁", "churn": "流失倾向", "refund_dispute": "退款纠纷", "safety_health": "安全健康",
    "fraud_security": "欺诈安全", "abuse_by_customer": "客户辱骂", "agent_misconduct": "客服失当",
    "repeated_contact": "重复来电", "escalation_request": "要求升级", "slow_response": "响应慢",
    "negative_trend": "情绪恶化",
}
_FREQ_ZH = {"D": "按日", "W": "按周", "M": "按月"}
_FONT = '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif'


def _e(v: Any) -> str:
    return escape("" if v is None else str(v), quote=True)


def _pct(x: float, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{100 * x:.{digits}f}%"


def _signed_pts(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{100 * x:+.1f}"


def _num(n: float) -> str:
    return f"{int(n):,}"


def _net_colour(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or abs(x) < 0.05:
        return NEU
    return POS if x > 0 else NEG


# -- small SVG pieces ----------------------------------------------------------------------
def _svg_donut(dist: pd.DataFrame, *, size: int = 170) -> str:
    total = int(dist["count"].sum())
    r, sw = 60.0, 24.0
    c = 2 * math.pi * r
    parts = [f'<svg class="chart donut" viewBox="0 0 {size} {size}" width="{size}" height="{size}" role="img" '
             f'aria-label="情感分布">']
    cx = cy = size / 2
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="#eef0f3" stroke-width="{sw}"/>')
    offset = 0.0
    for rec in dist.itertuples(index=False):
        if not total or not rec.count:
            continue
        frac = rec.count / total
        length = frac * c
        parts.append(
            f'<circle class="slice slice-{rec.label}" cx="{cx}" cy="{cy}" r="{r}" fill="none" '
            f'stroke="{agg.POLARITY_COLOURS[rec.label]}" stroke-width="{sw}" '
            f'stroke-dasharray="{length:.3f} {c - length:.3f}" stroke-dashoffset="{-offset:.3f}" '
            f'transform="rotate(-90 {cx} {cy})"><title>{_ZH[rec.label]} {rec.count} ({_pct(frac)})</title></circle>')
        offset += length
    neg = dist.set_index("label")["share"]
    net = float(neg.get("positive", 0) - neg.get("negative", 0))
    parts.append(f'<text x="{cx}" y="{cy - 4}" text-anchor="middle" class="donut-big" fill="{_net_colour(net)}">'
                 f'{_signed_pts(net)}</text>')
    parts.append(f'<text x="{cx}" y="{cy + 16}" text-anchor="middle" class="donut-small">净情感值</text>')
    parts.append("</svg>")
    return "".join(parts)


def _nice_max(v: float) -> float:
    """Smallest 'round' axis top >= v whose quarter ticks are whole numbers."""
    if v <= 4:
        return 4.0
    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10):
        top = m * exp
        if top >= v and float(top / 4).is_integer():
            return top
    return 10 * exp  # pragma: no cover


def _svg_trend(trend: pd.DataFrame, *, width: int = 640, height: int = 260) -> str:
    """Stacked bars (rows per sentiment) per period, and the net sentiment as a line on a right axis."""
    left, right, top, bottom = 44, 46, 14, 46
    w, h = width - left - right, height - top - bottom
    n = len(trend)
    ymax = _nice_max(float(trend["total"].max()) if n else 1.0)
    out = [f'<svg class="chart trend" viewBox="0 0 {width} {height}" width="100%" '
           f'preserveAspectRatio="xMidYMid meet" role="img" aria-label="情感趋势">']
    for k in range(5):  # grid and left axis (counts)
        y = top + h - h * k / 4
        out.append(f'<line x1="{left}" x2="{left + w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{_num(ymax * k / 4)}</text>')
        out.append(f'<text x="{left + w + 6}" y="{y + 4:.1f}" class="axis">{-100 + 50 * k:+d}</text>')
    step = w / max(n, 1)
    bw = max(2.0, min(36.0, step * 0.62))
    every = max(1, math.ceil(n / 12))
    pts = []
    for i, rec in enumerate(trend.itertuples(index=False)):
        x = left + step * i + (step - bw) / 2
        y0 = top + h
        for lab in agg.SENTIMENTS:
            v = getattr(rec, lab)
            if v:
                bh = h * v / ymax
                y0 -= bh
                out.append(f'<rect class="bar bar-{lab}" x="{x:.1f}" y="{y0:.1f}" width="{bw:.1f}" height="{bh:.1f}" '
                           f'fill="{agg.POLARITY_COLOURS[lab]}"><title>{_e(rec.period)} {_ZH[lab]} {v}</title></rect>')
        if rec.total:
            pts.append((left + step * i + step / 2, top + h / 2 - (h / 2) * rec.net_sentiment, rec))
        if i % every == 0:
            out.append(f'<text x="{left + step * i + step / 2:.1f}" y="{top + h + 16}" text-anchor="middle" '
                       f'class="axis">{_e(rec.period)}</text>')
    if len(pts) > 1:
        path = " ".join(f"{'M' if j == 0 else 'L'}{x:.1f},{y:.1f}" for j, (x, y, _) in enumerate(pts))
        out.append(f'<path d="{path}" class="netline" fill="none" stroke="#23395d" stroke-width="2"/>')
    for x, y, rec in pts:
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.2" fill="#23395d"><title>{_e(rec.period)} 净情感 '
                   f'{_signed_pts(rec.net_sentiment)}（{rec.total} 条）</title></circle>')
    out.append(f'<text x="{left}" y="{height - 8}" class="axis legend-t">柱：评论数（负面/中性/正面）　线：净情感值'
               f'（右轴，正面% − 负面%）</text>')
    out.append("</svg>")
    return "".join(out)


def _svg_stackbar(pos: int, neu: int, neg: int, *, width: int = 160, height: int = 10) -> str:
    total = pos + neu + neg
    out = [f'<svg class="stack" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'preserveAspectRatio="none" aria-hidden="true">']
    x = 0.0
    for v, lab in ((neg, "negative"), (neu, "neutral"), (pos, "positive")):
        if total and v:
            bw = width * v / total
            out.append(f'<rect x="{x:.2f}" y="0" width="{bw:.2f}" height="{height}" '
                       f'fill="{agg.POLARITY_COLOURS[lab]}"/>')
            x += bw
    if not total:
        out.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#eef0f3"/>')
    out.append("</svg>")
    return "".join(out)


def _svg_wordcloud(layout: pd.DataFrame, *, width: int, height: int) -> str:
    out = [f'<svg class="chart wordcloud" viewBox="0 0 {width} {height}" width="100%" '
           f'preserveAspectRatio="xMidYMid meet" role="img" aria-label="观点词云">']
    for rec in layout.itertuples(index=False):
        colour = getattr(rec, "colour", None) or NEU
        out.append(
            f'<text x="{rec.x:.1f}" y="{rec.y:.1f}" font-size="{rec.size}" fill="{_e(colour)}" '
            f'text-anchor="middle" dominant-baseline="central" class="word">{_e(rec.term)}'
            f'<title>{_e(rec.term)}：{rec.count} 次（正面 {rec.positive} / 中性 {rec.neutral} / 负面 {rec.negative}）'
            f'</title></text>')
    out.append("</svg>")
    return "".join(out)


def _svg_hbar(share: float, colour: str, *, width: int = 120, height: int = 10) -> str:
    bw = max(0.0, min(1.0, share)) * width
    return (f'<svg class="stack" viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-hidden="true">'
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#eef0f3"/>'
            f'<rect x="0" y="0" width="{bw:.2f}" height="{height}" fill="{colour}"/></svg>')


def _svg_score_hist(summary: dict[str, Any], *, width: int = 420, height: int = 170) -> str:
    kind = summary["kind"]
    values = list(range(0, 11)) if kind == "nps" else list(range(1, 6))
    dist = summary["distribution"]
    counts = [int(dist.get(v, 0)) for v in values]
    left, bottom, top = 10, 24, 16
    w, h = width - 2 * left, height - bottom - top
    ymax = max(counts) or 1
    step = w / len(values)
    out = [f'<svg class="chart scorehist" viewBox="0 0 {width} {height}" width="100%" '
           f'preserveAspectRatio="xMidYMid meet" role="img" aria-label="评分分布">']
    for i, (v, c) in enumerate(zip(values, counts)):
        if kind == "nps":
            colour = NEG if v <= 6 else (NEU if v <= 8 else POS)
        else:
            colour = NEG if v <= 2 else (NEU if v == 3 else POS)
        bh = h * c / ymax
        x = left + step * i + step * 0.15
        out.append(f'<rect x="{x:.1f}" y="{top + h - bh:.1f}" width="{step * 0.7:.1f}" height="{max(bh, 0.5):.1f}" '
                   f'fill="{colour}"><title>{v} 分：{c}</title></rect>')
        out.append(f'<text x="{x + step * 0.35:.1f}" y="{height - 8}" text-anchor="middle" class="axis">{v}</text>')
        if c:
            out.append(f'<text x="{x + step * 0.35:.1f}" y="{top + h - bh - 4:.1f}" text-anchor="middle" '
                       f'class="axis">{c}</text>')
    out.append("</svg>")
    return "".join(out)


# -- sections ------------------------------------------------------------------------------
def _card(key: str, label: str, value: str, sub: str = "", *, colour: str | None = None) -> str:
    style = f' style="color:{colour}"' if colour else ""
    sub_html = f'<div class="kpi-sub">{_e(sub)}</div>' if sub else ""
    return (f'<div class="kpi" data-kpi="{key}"><div class="kpi-label">{_e(label)}</div>'
            f'<div class="kpi-value"{style}>{value}</div>{sub_html}</div>')


def _highlight(text: str, spans: Sequence[tuple[int, int] | tuple[int, int, str]], cls: str = "") -> str:
    """Escape ``text`` and wrap the spans in <mark> (overlapping ones are skipped); a span may carry its class."""
    out, pos = [], 0
    for sp in sorted(spans):
        s, e = sp[0], sp[1]
        c = sp[2] if len(sp) > 2 else cls  # type: ignore[misc]
        if s < pos or e <= s or e > len(text):
            continue
        attr = f' class="{c}"' if c else ""
        out.append(_e(text[pos:s]))
        out.append(f"<mark{attr}>{_e(text[s:e])}</mark>")
        pos = e
    out.append(_e(text[pos:]))
    return "".join(out)


def _clip(text: str, spans: list[Any], limit: int = 140) -> tuple[str, list[Any], bool, bool]:
    if len(text) <= limit:
        return text, spans, False, False
    centre = min(sp[0] for sp in spans) if spans else 0
    start = max(0, min(centre - limit // 3, len(text) - limit))
    end = start + limit
    kept = [(sp[0] - start, sp[1] - start, *sp[2:]) for sp in spans if sp[0] >= start and sp[1] <= end]
    return text[start:end], kept, start > 0, end < len(text)


def _example_html(ex: dict[str, Any]) -> str:
    spans: list[Any] = []
    if ex.get("aspect_span"):
        spans.append((*ex["aspect_span"], "m-aspect"))
    if ex.get("opinion_span"):
        spans.append((*ex["opinion_span"], f"m-{ex['polarity']}"))
    text, spans, pre, post = _clip(ex["text"], spans)
    body = _highlight(text, spans)
    return (f'<li class="example ex-{_e(ex["polarity"])}"><span class="dot" style="background:'
            f'{agg.POLARITY_COLOURS.get(ex["polarity"], NEU)}"></span>'
            f'<span class="ex-text">{"…" if pre else ""}{body}{"…" if post else ""}</span></li>')


def _node_stats(n: dict[str, Any]) -> str:
    net = n["net_sentiment"]
    return (f'<span class="n-count" title="观点提及次数">{_num(n["mentions"])}</span>'
            f'<span class="n-share" title="提及该节点的评论占比">{_pct(n["share"])}</span>'
            f'<span class="n-bar">{_svg_stackbar(n["positive"], n["neutral"], n["negative"])}</span>'
            f'<span class="n-net" style="color:{_net_colour(net)}" title="净情感值 (正面 − 负面) / 提及">'
            f'{_signed_pts(net)}</span>')


def _tree_html(tree: list[dict[str, Any]], max_children: int = 12) -> str:
    if not tree:
        return '<p class="muted">没有抽取到观点。</p>'
    out = ['<div class="tree-head"><span>一级 / 二级 / 三级观点</span><span>提及</span><span>覆盖率</span>'
           '<span>负面 · 中性 · 正面</span><span>净情感</span></div>', '<div class="tree">']
    for n1 in tree:
        out.append(f'<details class="node l1" data-node="{_e(n1["node"])}"><summary class="row l1">'
                   f'<span class="n-name"><span class="caret"></span>{_e(n1["name"])}</span>{_node_stats(n1)}</summary>'
                   f'<div class="children l1-children">')
        for n2 in n1["children"][:max_children]:
            out.append(f'<details class="node l2" data-node="{_e(n2["node"])}"><summary class="row l2">'
                       f'<span class="n-name"><span class="caret"></span>{_e(n2["name"])}</span>{_node_stats(n2)}'
                       f'</summary><div class="children l2-children">')
            for n3 in n2["children"][:max_children]:
                exs = "".join(_example_html(ex) for ex in n3["examples"])
                out.append(f'<div class="node l3" data-node="{_e(n3["node"])}"><div class="row l3">'
                           f'<span class="n-name">{_e(n3["name"])}</span>{_node_stats(n3)}</div>'
                           f'<ul class="examples">{exs}</ul></div>')
            if len(n2["children"]) > max_children:
                out.append(f'<div class="muted more">另有 {len(n2["children"]) - max_children} 个三级观点</div>')
            out.append("</div></details>")
        if len(n1["children"]) > max_children:
            out.append(f'<div class="muted more">另有 {len(n1["children"]) - max_children} 个二级观点</div>')
        out.append("</div></details>")
    out.append("</div>")
    return "".join(out)


def _topics_html(topics: pd.DataFrame) -> str:
    if topics.empty:
        return '<p class="muted">没有抽取到观点。</p>'
    has_change = "change" in topics.columns and topics["change"].notna().any()
    head = ["话题（二级观点）", "提及", "提及率", "", "负面占比", "净情感"]
    if has_change:
        p_last, p_prev = topics["period_last"].iloc[0], topics["period_prev"].iloc[0]
        head.append(f"提及率变化<br><small>{_e(p_last)} vs {_e(p_prev)}</small>")
    out = ['<table class="tbl topics"><thead><tr>' + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    rmax = float(topics["mention_rate"].max()) or 1.0
    for rec in topics.itertuples(index=False):
        cells = [
            f'<td class="name">{_e(rec.level1)} › <b>{_e(rec.level2)}</b></td>',
            f"<td class='num'>{_num(rec.mentions)}</td>",
            f"<td class='num'>{_pct(rec.mention_rate)}</td>",
            f"<td>{_svg_hbar(rec.mention_rate / rmax, '#4a72b8')}</td>",
            f"<td class='num'>{_pct(rec.negative_share, 0)}</td>",
            f'<td class="num" style="color:{_net_colour(rec.net_sentiment)}">{_signed_pts(rec.net_sentiment)}</td>',
        ]
        if has_change:
            ch = rec.change
            if ch is None or math.isnan(ch):
                cells.append("<td class='num muted'>–</td>")
            else:
                arrow = "▲" if ch > 0.0005 else ("▼" if ch < -0.0005 else "■")
                # a rising mention rate is bad news for a mostly negative topic, good news for a positive one
                bad = (ch > 0) == (rec.net_sentiment < 0)
                colour = NEU if arrow == "■" else (NEG if bad else POS)
                cells.append(f'<td class="num" style="color:{colour}">{arrow} {_signed_pts(ch)} pt</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _score_section(prep: agg.Prepared, score_kind: str | None) -> tuple[str, dict[str, Any]]:
    s = agg.score_summary(prep, score_kind=score_kind)
    kind = s["kind"]
    if kind == "nps":
        big = f'{s["nps"]:+.0f}'
        label = "NPS 净推荐值"
        parts = [("贬损者 0-6", s["detractors"], NEG), ("被动者 7-8", s["passives"], NEU),
                 ("推荐者 9-10", s["promoters"], POS)]
        note = "NPS = 推荐者% − 贬损者%（0-10 分）"
    else:
        big = f'{s["csat"]:.0f}%'
        label = "CSAT 满意度" if kind == "csat" else f'平均星级 {s["mean"]:.2f} ★'
        neutral = 1.0 - s["satisfied"] - s["dissatisfied"]
        parts = [("不满意 1-2", s["dissatisfied"], NEG), ("一般 3", neutral, NEU), ("满意 4-5", s["satisfied"], POS)]
        note = "CSAT = 4-5 分占比（1-5 分）" if kind == "csat" else "满意率 = 4-5 星占比"
    bar = "".join(f'<div class="seg" style="width:{100 * v:.2f}%;background:{c}" title="{_e(t)} {_pct(v)}"></div>'
                  for t, v, c in parts if v > 0)
    legend = "".join(f'<span class="lg"><i style="background:{c}"></i>{_e(t)} <b>{_pct(v)}</b></span>'
                     for t, v, c in parts)
    colour = _net_colour((s["nps"] / 100) if kind == "nps" else (s["csat"] / 100 - 0.5))
    head = (f'<div class="score-head"><div><div class="kpi-label">{_e(label)}</div>'
            f'<div class="score-big" style="color:{colour}">{big}</div>'
            f'<div class="muted">{_num(s["n"])} 条有评分 · 均分 {s["mean"]:.2f} · {_e(note)}</div></div>'
            f'<div class="score-hist">{_svg_score_hist(s)}</div></div>'
            f'<div class="segbar">{bar}</div><div class="legend">{legend}</div>')
    drivers_html = _drivers_html(prep, kind)
    return head + drivers_html, s


def _scored_view(prep: agg.Prepared) -> agg.Prepared:
    """Only the analysed rows with a score (failed and unscored rows are reported elsewhere)."""
    import dataclasses

    keep = (prep.rows["score"].notna() & ~prep.rows["failed"]).to_numpy()
    new_pos = keep.cumsum() - 1
    units = prep.units[keep[prep.units["row"].to_numpy()]] if len(prep.units) else prep.units
    units = units.assign(row=new_pos[units["row"].to_numpy()]) if len(units) else units
    rows = prep.rows[keep].reset_index(drop=True)
    return dataclasses.replace(prep, rows=rows, units=units.reset_index(drop=True))


def _drivers_html(prep: agg.Prepared, kind: str) -> str:
    title = "<h3>驱动低分的观点</h3>"
    note = ""
    table = None
    fallback = "下表为简单对比：提及该观点的评分者中低分者占比，与未提及者相比。"
    try:
        from .drivers import drivers as _drivers
    except ImportError:
        _drivers = None
        note = "驱动因素分析（voc.drivers）在此安装中不可用，" + fallback
    view = _scored_view(prep)
    n = len(view.rows)
    min_support = min(20, max(5, n // 10))
    if _drivers is not None and n:
        try:
            d = _drivers(view, score_col=view.score_col or "score", by="level2", score_kind=kind,
                         min_support=min_support)
        except VocError as err:
            logger.info("voc.drivers failed: %s", err)
            note = f"驱动因素分析未能运行（{err}），" + fallback
        else:
            if len(d):
                table = _drivers_table(d)
                note = (f"各二级观点：提及者与未提及者的平均分之差（效应）及 95% 置信区间（Welch t 检验），"
                        f"至少 {min_support} 条评分提及；按影响（效应 × 提及占比）排序，拉低评分的在前。")
            else:
                note = f"没有观点达到驱动因素分析所需的最少 {min_support} 条提及，" + fallback
    if table is None:
        table = _detractor_table(agg.detractor_opinions(prep, score_kind=kind))
    return title + (f'<p class="muted note">{_e(note)}</p>' if note else "") + table


def _drivers_table(d: pd.DataFrame) -> str:
    d = d.sort_values("impact", kind="stable").head(10)  # most negative impact first
    emax = float(d["effect"].abs().max()) or 1.0
    rows = []
    for rec in d.itertuples(index=False):
        eff = float(rec.effect)
        colour = NEG if eff < 0 else POS
        rows.append(
            f'<tr><td class="name">{_e(rec.node)}</td><td class="num">{_num(rec.support)}</td>'
            f'<td class="num">{rec.mean_with:.2f}</td><td class="num">{rec.mean_without:.2f}</td>'
            f'<td class="num" style="color:{colour}">{eff:+.2f}</td>'
            f'<td class="num muted">[{rec.ci_low:+.2f}, {rec.ci_high:+.2f}]</td>'
            f'<td class="num">{rec.p_value:.3g}</td>'
            f'<td>{_svg_hbar(abs(eff) / emax, colour)}</td></tr>')
    return ('<table class="tbl drivers"><thead><tr><th>观点节点</th><th>提及</th><th>提及者均分</th><th>未提及者均分</th>'
            '<th>效应</th><th>置信区间</th><th>p 值</th><th></th></tr></thead><tbody>' + "".join(rows) +
            "</tbody></table>")


def _detractor_table(d: pd.DataFrame) -> str:
    if d.empty:
        return '<p class="muted">没有在低分评论中更常见的观点。</p>'
    rows = []
    for rec in d.itertuples(index=False):
        rows.append(
            f'<tr><td class="name">{_e(rec.node)}</td><td class="num">{_num(rec.support)}</td>'
            f'<td class="num" style="color:{NEG}">{_pct(rec.detractor_rate, 0)}</td>'
            f'<td class="num">{_pct(rec.base_rate, 0)}</td>'
            f'<td class="num">{rec.mean_with:.2f}</td><td class="num">{rec.mean_without:.2f}</td>'
            f'<td>{_svg_hbar(rec.detractor_rate, NEG)}</td></tr>')
    return ('<table class="tbl drivers"><thead><tr><th>观点节点</th><th>提及</th><th>提及者低分率</th>'
            '<th>未提及者低分率</th><th>提及者均分</th><th>未提及者均分</th><th></th></tr></thead><tbody>' +
            "".join(rows) + "</tbody></table>")


def _spikes(prep: agg.Prepared, freq: str | None) -> pd.DataFrame | None:
    """Level-1 nodes whose negative share jumps against their own past (voc.alerts.detect_spikes)."""
    import pandas as pd

    from ..alerts import detect_spikes

    if "time" not in prep.rows.columns or prep.units.empty:
        return None
    u = prep.units
    times = prep.rows["time"].to_numpy()[u["row"].to_numpy()]
    frame = pd.DataFrame({"level1": u["level1"].to_numpy(), "time": times, "polarity": u["polarity"].to_numpy()})
    per, f, full = agg._period_index(prep, freq)
    if len(full) < 2:
        return None
    return detect_spikes(frame, by="level1", period=f, time_col="time", negative_col="polarity",
                         negative_value="negative", min_count=10, baseline=4)


def _spikes_html(spikes: pd.DataFrame | None) -> str:
    if spikes is None:
        return '<p class="muted">指标预警需要时间列（time_col）和至少两个时间段。</p>'
    if spikes.empty:
        return '<p class="muted">各一级观点的负面占比均未出现显著突增。</p>'
    rows = []
    for rec in spikes.head(10).itertuples(index=False):
        rows.append(f'<tr><td class="name">{_e(rec.level1)}</td><td>{_e(rec.period)}</td>'
                    f'<td class="num" style="color:{NEG}">{_pct(rec.rate, 0)}</td>'
                    f'<td class="num">{_pct(rec.baseline_rate, 0)}</td><td class="num">×{rec.lift:.1f}</td>'
                    f'<td class="num">{rec.count}</td><td class="num">{rec.p_value:.2g}</td></tr>')
    return ('<table class="tbl"><thead><tr><th>一级观点</th><th>时间段</th><th>负面占比</th><th>基线</th><th>倍数</th>'
            '<th>提及</th><th>p 值</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>")


def _risk_value(rep: Any) -> float:
    # the level comes from the larger of the calibrated score and the rule severity (RiskReport docs)
    return max(float(rep.score), float(rep.severity or 0.0))


def _dialogues_html(scored: list[tuple[Dialogue, Any]], top: int = 8) -> str:
    risky = [(d, r) for d, r in scored if r.level != "none"]
    if not risky:
        return f'<p class="muted">{len(scored)} 个对话中没有风险对话。</p>'
    risky.sort(key=lambda dr: -_risk_value(dr[1]))
    out = [f'<p class="muted">{len(scored)} 个对话，{len(risky)} 个有风险；按风险分数列出前 {min(top, len(risky))} 个，'
           f'证据已高亮。</p>']
    for d, rep in risky[:top]:
        level_colour = {"high": NEG, "medium": "#e08a1e", "low": "#c9a227"}.get(rep.level, NEU)
        badges = "".join(f'<span class="badge">{_e(_RISK_ZH.get(c, c))}</span>' for c in rep.categories)
        out.append(f'<div class="dialogue"><div class="dlg-head"><span class="risk" style="background:{level_colour}">'
                   f'{_e(_LEVEL_ZH.get(rep.level, rep.level))}风险 {_risk_value(rep):.2f}</span>'
                   f'<span class="dlg-id">对话 {_e(d.id if d.id is not None else "")}</span>{badges}</div><ol class="turns">')
        by_turn: dict[int, list[Any]] = {}
        for f in rep.flags:
            by_turn.setdefault(f.turn, []).append(f)
        for i, turn in enumerate(d.turns):
            flags = by_turn.get(i, [])
            spans = []
            for f in flags:
                ev = f.evidence
                if 0 <= ev.start < ev.end <= len(turn.text) and all(ev.end <= s or ev.start >= e for s, e in spans):
                    spans.append((ev.start, ev.end))
            cats = dict.fromkeys(f.category for f in flags)
            tags = "".join(f'<span class="flag">{_e(_RISK_ZH.get(c, c))}</span>' for c in cats)
            role = _ROLE_ZH.get(turn.role, turn.role)
            out.append(f'<li class="turn {_e(turn.role)}{" flagged" if flags else ""}"><span class="role">{_e(role)}</span>'
                       f'<span class="ttext">{_highlight(turn.text, spans, cls="risk-ev")}</span>{tags}</li>')
        out.append("</ol></div>")
    return "".join(out)


# -- page ----------------------------------------------------------------------------------
_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f4f6f9;color:#1f2933;font-family:%(font)s;font-size:14px;line-height:1.55}
header.top{background:#1f3354;color:#fff;padding:22px 32px 18px}
header.top h1{margin:0;font-size:22px;font-weight:600;letter-spacing:.5px}
header.top .meta{opacity:.78;font-size:12.5px;margin-top:4px}
main{max-width:1180px;margin:0 auto;padding:20px 24px 40px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(112px,1fr));gap:12px;margin-bottom:16px}
.kpi{background:#fff;border-radius:10px;padding:14px 16px;box-shadow:0 1px 2px rgba(16,24,40,.06),0 1px 3px rgba(16,24,40,.08)}
.kpi-label{font-size:12.5px;color:#5f6b7a}
.kpi-value{font-size:24px;font-weight:650;margin-top:2px;font-variant-numeric:tabular-nums}
.kpi-sub{font-size:12px;color:#7b8794;margin-top:2px}
.grid2{display:grid;grid-template-columns:minmax(280px,1fr) 2fr;gap:16px}
.card{background:#fff;border-radius:10px;padding:16px 20px 18px;margin-bottom:16px;
 box-shadow:0 1px 2px rgba(16,24,40,.06),0 1px 3px rgba(16,24,40,.08)}
.card h2{font-size:16px;margin:0 0 10px;font-weight:600;color:#1f3354;display:flex;align-items:center;gap:8px}
.card h2 .hint{font-size:12px;font-weight:400;color:#7b8794}
.card h3{font-size:14px;margin:16px 0 6px;color:#1f3354}
.muted{color:#7b8794}.note{font-size:12.5px}
.dist{display:flex;align-items:center;gap:18px;flex-wrap:wrap}
.dist ul{list-style:none;margin:0;padding:0}
.dist li{margin:6px 0;display:flex;align-items:center;gap:8px}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px}
svg.chart text{font-family:%(font)s}
svg .axis{font-size:11px;fill:#7b8794}svg .grid{stroke:#e6e9ee;stroke-width:1}
svg .donut-big{font-size:24px;font-weight:650}svg .donut-small{font-size:11px;fill:#7b8794}
.tree-head,.row{display:grid;grid-template-columns:minmax(180px,1fr) 70px 70px 170px 64px;align-items:center;gap:8px}
.tree-head{font-size:12px;color:#7b8794;padding:0 10px 6px;border-bottom:1px solid #e6e9ee}
.tree-head span:not(:first-child){text-align:right}.tree-head span:nth-child(4){text-align:left}
.row{padding:7px 10px;border-bottom:1px solid #f0f2f5}
summary.row{cursor:pointer;list-style:none}summary.row::-webkit-details-marker{display:none}
summary.row:hover{background:#f6f8fb}
.row.l1{font-weight:600}.row.l2{padding-left:30px}.row.l3{padding-left:52px;color:#3e4c59;border-bottom:none}
.n-count,.n-share,.n-net{text-align:right;font-variant-numeric:tabular-nums}
.caret{display:inline-block;width:14px;color:#7b8794;transition:transform .15s}
.caret::before{content:"▸"}details[open]>summary .caret{transform:rotate(90deg)}
.children{background:#fbfcfd}
.examples{margin:0 0 8px;padding:0 10px 0 64px;list-style:none;font-size:12.5px;color:#52606d}
.example{margin:3px 0;display:flex;gap:6px;align-items:baseline}
.example .dot{flex:none;width:7px;height:7px;border-radius:50%%;display:inline-block;margin-top:6px}
mark{background:#fff1b8;color:inherit;padding:0 1px;border-radius:2px}
mark.m-aspect{background:transparent;border-bottom:2px solid #9db4d9;border-radius:0;font-weight:500}
mark.m-negative{background:#fde2e1}mark.m-positive{background:#dcf3e5}mark.m-neutral{background:#eceff3}
mark.risk-ev{background:#ffd6d6;font-weight:600}
.more{padding:4px 30px;font-size:12px}
.tbl{width:100%%;border-collapse:collapse;font-size:13px}
.tbl th{font-weight:500;color:#5f6b7a;text-align:right;padding:6px 8px;border-bottom:1px solid #e6e9ee;font-size:12.5px}
.tbl th:first-child{text-align:left}
.tbl td{padding:6px 8px;border-bottom:1px solid #f0f2f5}
.tbl td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.tbl td.name{white-space:nowrap}
.wc{background:#fcfdfe;border-radius:8px}
.legend{display:flex;gap:16px;flex-wrap:wrap;font-size:12.5px;color:#52606d;margin-top:6px}
.legend .lg{display:flex;align-items:center;gap:6px}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px}
.score-head{display:flex;gap:24px;align-items:center;flex-wrap:wrap}
.score-head>div:first-child{min-width:220px}.score-hist{flex:1;min-width:280px;max-width:460px}
.score-big{font-size:44px;font-weight:700;line-height:1.1}
.segbar{display:flex;height:14px;border-radius:7px;overflow:hidden;margin-top:10px;background:#eef0f3}
.dialogue{border:1px solid #e6e9ee;border-radius:8px;padding:10px 14px;margin:10px 0}
.dlg-head{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-bottom:6px}
.risk{color:#fff;border-radius:4px;padding:1px 8px;font-size:12px;font-weight:600}
.dlg-id{font-weight:600;color:#1f3354}
.badge,.flag{font-size:11.5px;border-radius:10px;padding:0 8px;background:#fdecec;color:#b42318}
.flag{margin-left:6px}
.turns{list-style:none;margin:0;padding:0;font-size:13px}
.turn{display:flex;gap:8px;padding:3px 0;align-items:baseline}
.turn .role{flex:none;font-size:11.5px;border-radius:4px;padding:0 6px;background:#e8eef8;color:#2b4c7e}
.turn.agent .role{background:#eef0f3;color:#52606d}
.turn.flagged .ttext{color:#1f2933}
.toolbar{margin-left:auto;display:flex;gap:6px}
.toolbar button{font:inherit;font-size:12px;border:1px solid #d3d9e1;background:#fff;border-radius:6px;padding:2px 10px;
 cursor:pointer;color:#1f3354}.toolbar button:hover{background:#f1f4f8}
footer{color:#7b8794;font-size:12px;text-align:center;padding:10px 0 30px}
@media (max-width:820px){.grid2{grid-template-columns:1fr}.row,.tree-head{grid-template-columns:1fr 56px 56px 90px 50px}
 .stack{width:90px}}
@media print{body{background:#fff}.card,.kpi{box-shadow:none;border:1px solid #e6e9ee}.toolbar{display:none}}
"""

_JS = """
(function(){
  function setAll(open){
    document.querySelectorAll('details.node').forEach(function(d){ d.open = open; });
  }
  var ex = document.getElementById('expand-all'), co = document.getElementById('collapse-all');
  if (ex) ex.addEventListener('click', function(){ setAll(true); });
  if (co) co.addEventListener('click', function(){ setAll(false); });
})();
"""


def _guess_time_col(frame: pd.DataFrame) -> str | None:
    import pandas as pd

    for c in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[c]):
            return str(c)
    return None


def _render(
    prep: agg.Prepared,
    *,
    title: str,
    score_kind: str | None,
    dialogues: Sequence[Dialogue] | None,
    freq: str | None,
) -> str:
    from .. import __version__

    head = agg.headline(prep)
    sections: list[str] = []
    notes: list[str] = []

    # scores and alerts first: their numbers go into the headline cards
    score_html, score = "", None
    if "score" in prep.rows.columns:
        score_html, score = _score_section(prep, score_kind)

    spikes = _spikes(prep, freq)
    scored: list[tuple[Dialogue, Any]] = []
    if dialogues:
        from ..alerts import RiskDetector

        det = RiskDetector()
        scored = list(zip(dialogues, det.pipe(dialogues)))
    n_spikes = 0 if spikes is None else len(spikes)
    n_risky = sum(1 for _, r in scored if r.level in ("high", "medium"))

    cards = [
        _card("rows", "评论数", _num(head["rows"]), f'已分析 {_num(head["analysed"])}'),
        _card("failed", "失败行", _num(head["failed"]),
              f'{_pct(head["failed"] / head["rows"]) if head["rows"] else "–"} 未能分析',
              colour=NEG if head["failed"] else None),
    ]
    if prep.has_sentiment:
        cards += [
            _card("negative", "负面", _pct(head["share_negative"]), f'{_num(head["negative"])} 条', colour=NEG),
            _card("neutral", "中性", _pct(head["share_neutral"]), f'{_num(head["neutral"])} 条', colour=NEU),
            _card("positive", "正面", _pct(head["share_positive"]), f'{_num(head["positive"])} 条', colour=POS),
            _card("net_sentiment", "净情感值", _signed_pts(head["net_sentiment"]), "正面% − 负面%",
                  colour=_net_colour(head["net_sentiment"])),
        ]
    if prep.has_opinions:
        cards.append(_card("opinion_units", "观点数", _num(head["opinion_units"]), f'{_num(head["rows_with_opinions"])} 条评论有观点'))
    alert_sub = f"指标突增 {n_spikes}" + (f" · 风险对话 {n_risky}" if dialogues else "")
    cards.append(_card("alerts", "预警", _num(n_spikes + n_risky), alert_sub, colour=NEG if n_spikes + n_risky else None))
    if score is not None:
        if score["kind"] == "nps":
            cards.append(_card("nps", "NPS", f'{score["nps"]:+.0f}', f'{_num(score["n"])} 条评分',
                               colour=_net_colour(score["nps"] / 100)))
        else:
            cards.append(_card("csat", "CSAT" if score["kind"] == "csat" else "满意率 (4-5★)", f'{score["csat"]:.0f}%',
                               f'均分 {score["mean"]:.2f}'))

    # sentiment: distribution + trend
    if prep.has_sentiment:
        dist = agg.sentiment_distribution(prep)
        items = "".join(f'<li><span class="sw" style="background:{agg.POLARITY_COLOURS[r.label]}"></span>'
                        f'{_ZH[r.label]}<b>{_pct(r.share)}</b><span class="muted">{_num(r.count)}</span></li>'
                        for r in dist.itertuples(index=False))
        dist_html = (f'<section class="card" id="sentiment"><h2>情感分布</h2><div class="dist">{_svg_donut(dist)}'
                     f'<ul>{items}</ul></div></section>')
        if "time" in prep.rows.columns and prep.rows["time"].notna().any():
            trend = agg.sentiment_trend(prep, freq=freq)
            f = trend["freq"].iloc[0] if len(trend) else "D"
            trend_html = (f'<section class="card" id="trend"><h2>情感趋势<span class="hint">{_FREQ_ZH[f]}，'
                          f'{_e(trend["period"].iloc[0])} 至 {_e(trend["period"].iloc[-1])}</span></h2>'
                          f'{_svg_trend(trend)}</section>')
        else:
            trend_html = ('<section class="card" id="trend"><h2>情感趋势</h2><p class="muted">没有时间列：传入 '
                          'time_col=（或 voc report --time-col）即可按日/周/月查看趋势。</p></section>')
        sections.append(f'<div class="grid2">{dist_html}{trend_html}</div>')
    else:
        notes.append("数据没有 sentiment_label 列，情感部分已略去（用 sentiment 步骤重新分析）。")

    if prep.has_opinions:
        tree = agg.opinion_tree(prep, n_examples=3)
        sections.append(
            '<section class="card" id="opinions"><h2>观点三级下钻<span class="hint">点击一级观点展开二级与三级，'
            '附例句</span><span class="toolbar"><button type="button" id="expand-all">全部展开</button>'
            f'<button type="button" id="collapse-all">全部收起</button></span></h2>{_tree_html(tree)}</section>')
        topics = agg.topic_changes(prep, freq=freq, top=15)
        sections.append(f'<section class="card" id="topics"><h2>热门话题<span class="hint">二级观点，按提及数排序；'
                        f'提及率 = 提及该话题的评论 / 已分析评论</span></h2>{_topics_html(topics)}</section>')
        width, height = 1000, 380
        layout = agg.wordcloud_layout(agg.wordcloud_terms(prep, max_words=80), width=width, height=height)
        legend = "".join(f'<span class="lg"><i style="background:{agg.POLARITY_COLOURS[k]}"></i>{_ZH[k]}</span>'
                         for k in agg.SENTIMENTS)
        wc = (_svg_wordcloud(layout, width=width, height=height) if len(layout)
              else '<p class="muted">没有观点词。</p>')
        sections.append(f'<section class="card" id="wordcloud"><h2>观点词云<span class="hint">字号 = 提及次数，颜色 = '
                        f'多数极性</span></h2><div class="wc">{wc}</div><div class="legend">{legend}</div></section>')
    else:
        notes.append("数据没有 opinions 列，观点、话题和词云部分已略去（用 opinions 步骤重新分析）。")

    if score_html:
        sections.append(f'<section class="card" id="scores"><h2>评分（{_e(score["kind"].upper())}）</h2>'
                        f'{score_html}</section>')

    alerts = f'<h3>指标预警（一级观点负面占比突增）</h3>{_spikes_html(spikes)}'
    if dialogues is not None:
        alerts += f'<h3>风险对话</h3>{_dialogues_html(scored)}'
    sections.append(f'<section class="card" id="alerts"><h2>预警</h2>{alerts}</section>')

    span = ""
    if "time" in prep.rows.columns and prep.rows["time"].notna().any():
        t = prep.rows["time"].dropna()
        span = f' · 数据时间 {t.min():%Y-%m-%d} 至 {t.max():%Y-%m-%d}'
    meta = f'{_num(head["rows"])} 条评论{span} · 生成于 {_dt.datetime.now():%Y-%m-%d %H:%M}'
    note_html = "".join(f'<p class="muted note">{_e(n)}</p>' for n in notes)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="voc {_e(__version__)}"><title>{_e(title)}</title>'
        f'<style>{_CSS % {"font": _FONT}}</style></head><body>'
        f'<header class="top"><h1>{_e(title)}</h1><div class="meta">{meta}</div></header><main>'
        f'<div class="kpis" id="headline">{"".join(cards)}</div>{note_html}{"".join(sections)}</main>'
        f'<footer>voc {_e(__version__)} · 净情感值以百分点表示 · 本报告为单一离线文件</footer>'
        f'<script>{_JS}</script></body></html>\n'
    )


def report(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    text_col: str | None = None,
    time_col: str | None = None,
    score_col: str | None = None,
    score_kind: str | None = None,
    dialogues: Sequence[Dialogue] | None = None,
    title: str = "voc report",
    freq: str | None = None,
) -> Path:
    """Write a self-contained HTML report of an analysed frame; return its path.

    The file opens offline (styles, scripts and SVG charts inline) and holds:
    headline figures; the sentiment distribution and trend; the three-level
    opinion tree as a click-to-expand drill-down with counts, net sentiment and
    example verbatims; top topics with their mention-rate change; an opinion
    word cloud coloured by polarity; metric alerts and, with ``dialogues``, the
    riskiest dialogues with their evidence highlighted; NPS / CSAT / stars with
    the opinions that drive low scores when ``score_col`` is given.

    Parameters
    ----------
    frame
        What :func:`voc.analyze_frame` returns joined to your columns, or a
        ``voc analyze`` output read back (``opinions`` as JSON text is fine).
        Rows with ``voc_error`` set count as failed.
    path
        The ``.html`` file to write (its folder must exist).
    text_col
        Column shown in examples (default ``text_norm``).
    time_col
        Time column for trends; default the first datetime column, if any.
    score_col, score_kind
        Score column and its kind, ``"nps"`` (0-10), ``"csat"`` or ``"stars"``
        (1-5); the kind is guessed from the range when ``None``.
    dialogues
        :class:`voc.Dialogue` objects to score with :class:`voc.RiskDetector`.
    title
        Page title.
    freq
        ``"D"``, ``"W"`` or ``"M"`` for trends; picked from the time span when ``None``.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        The frame lacks the analysed columns, a named column is missing, or a
        column holds the wrong kind of values.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib, voc
    >>> from voc.reporting import report
    >>> df = pd.DataFrame({"review": ["物流很快", "客服态度太差了"]})
    >>> frame = df.join(voc.analyze_frame(df, text_col="review"))
    >>> out = report(frame, pathlib.Path(tempfile.mkdtemp()) / "r.html", title="示例")
    >>> "物流配送" in out.read_text(encoding="utf-8")
    True
    """
    import pandas as pd

    if not isinstance(path, (str, os.PathLike)):
        raise InputError(f"path must be a file path (str or pathlib.Path), got {type(path).__name__}")
    out = Path(path)
    if not out.parent.exists():
        raise InputError(f"the folder {out.parent} does not exist; create it first or write the report elsewhere")
    if not isinstance(title, str):
        raise InputError(f"title must be a str, got {type(title).__name__}")
    if dialogues is not None:
        if isinstance(dialogues, (str, bytes, Dialogue)) or not hasattr(dialogues, "__iter__"):
            raise InputError(f"dialogues must be a list of voc.Dialogue, got {type(dialogues).__name__}; "
                             "read them with voc.alerts.load_dialogues(path)")
        dialogues = list(dialogues)
        bad = next((d for d in dialogues if not isinstance(d, Dialogue)), None)
        if bad is not None:
            raise InputError(f"dialogues must hold voc.Dialogue objects, got {type(bad).__name__}; build them with "
                             "voc.alerts.load_dialogues(...) or voc.Dialogue([voc.Turn(role, text), ...])")
    if freq is not None:
        agg._check_freq(freq)
    if score_kind is not None and score_kind not in ("nps", "csat", "stars", "star"):
        raise ConfigError(f"score_kind must be 'nps', 'csat', 'stars' or None (guess), got {score_kind!r}")
    if isinstance(frame, agg.Prepared):
        prep = frame
    else:
        if isinstance(frame, pd.DataFrame) and time_col is None:
            time_col = _guess_time_col(frame)
        prep = agg.prepare(frame, text_col=text_col, time_col=time_col, score_col=score_col)

    html = _render(prep, title=title, score_kind=score_kind, dialogues=dialogues, freq=freq)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out)
    return out
