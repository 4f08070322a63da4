"""Notebook plots of analysed feedback: sentiment trend, opinion tree, topics, word cloud.

Every function takes what :func:`voc.analyze_frame` returns (joined to your own
columns, or a ``voc analyze`` file read back) and returns a
:class:`matplotlib.figure.Figure`, which a notebook shows as the cell's result
and ``fig.savefig("x.png")`` writes to a file. Pass ``ax=`` to draw into an
axes of your own figure instead.

- Chinese renders: labels use a CJK font found on the system or the subset
  shipped with voc (:mod:`voc._fonts`), through per-text font properties;
  matplotlib's global ``rcParams`` are never changed.
- No pyplot: figures are built with :class:`matplotlib.figure.Figure`, so
  nothing is left in pyplot's global figure list and any backend (Agg on a
  server) works.
- matplotlib is imported on first use; it comes with ``pip install 'voc[report]'``.
  The numbers behind each plot come from :mod:`voc.reporting.aggregate`, the
  same aggregations as :func:`voc.report`.

>>> import pandas as pd, voc
>>> df = pd.DataFrame({"review": ["物流太慢了", "质量很好，很满意", "快递很快"]})
>>> fig = voc.plot.wordcloud(voc.analyze_frame(df, text_col="review"))
>>> type(fig).__name__
'Figure'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from . import _fonts
from .errors import ConfigError, InputError, NotFittedError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .topics import TopicTree

__all__ = ["opinion_tree", "sentiment_trend", "topics", "wordcloud"]

_ZH_SENT = {"negative": "负面", "neutral": "中性", "positive": "正面"}
_NET_LABEL = "净情感 (正面 − 负面)"
_INK = "#2b2f36"
_MUTED = "#6b7280"
_GRID = "#e5e7eb"


# -- shared helpers ------------------------------------------------------------------------------
def _agg() -> Any:
    from .reporting import aggregate

    return aggregate


def _figure(ax: Axes | None, figsize: tuple[float, float], *, layout: str | None = "constrained") -> tuple[Figure, Axes]:
    """The caller's axes and its figure, or a new pyplot-free Figure with one axes."""
    _fonts.require_matplotlib()
    if ax is not None:
        try:
            fig = ax.get_figure(root=True)
        except TypeError:  # matplotlib < 3.10
            fig = ax.get_figure()
        if fig is None:
            raise InputError("ax is not attached to a figure; pass an axes from fig.add_subplot() or plt.subplots()")
        return fig, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout=layout, facecolor="white")
    return fig, fig.add_subplot()


def _fp(size: float, **kw: Any) -> Any:
    return _fonts.font_properties(size=size, **kw)


def _style_axes(ax: Axes, fp_ticks: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#9ca3af")
    ax.tick_params(colors=_MUTED, labelsize=fp_ticks.get_size_in_points())
    try:  # matplotlib >= 3.8: every tick label, also those made at draw time
        ax.tick_params(labelfontfamily=fp_ticks.get_family())
    except (TypeError, ValueError, AttributeError):  # pragma: no cover - older matplotlib
        for t in (*ax.get_xticklabels(), *ax.get_yticklabels()):
            t.set_fontproperties(fp_ticks)


def _title(ax: Axes, text: str, sub: str | None = None) -> None:
    ax.set_title(text, loc="left", fontproperties=_fp(13, weight="bold"), color=_INK, pad=10 if not sub else 22)
    if sub:
        ax.text(0, 1.02, sub, transform=ax.transAxes, fontproperties=_fp(8.5), color=_MUTED, va="bottom")


def _empty(ax: Axes, title: str, message: str) -> None:
    ax.set_axis_off()
    _title(ax, title)
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", fontproperties=_fp(11),
            color=_MUTED)


def _net_cmap() -> Any:
    from matplotlib.colors import LinearSegmentedColormap

    c = _agg().POLARITY_COLOURS
    return LinearSegmentedColormap.from_list("voc_net", [c["negative"], "#f4b183", "#eeeae2", "#a8d5b5",
                                                         c["positive"]])


def _text_colour(rgba: Sequence[float]) -> str:
    r, g, b = rgba[:3]
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.55 else _INK


def _check_glyphs(texts: Iterable[str], what: str) -> None:
    _fonts.warn_missing("".join(str(t) for t in texts), what=what)


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%" if abs(v) < 0.1 else f"{100 * v:.0f}%"


# -- sentiment trend ------------------------------------------------------------------------------
def sentiment_trend(
    frame: pd.DataFrame,
    *,
    time_col: str,
    freq: str = "W",
    ax: Axes | None = None,
) -> Figure:
    """Review volume per period, split by sentiment, with the net sentiment line.

    Stacked bars count negative / neutral / positive reviews per day, week or
    month; the line (right axis) is the net sentiment, share positive − share
    negative, from −100% to +100%.

    Parameters
    ----------
    frame
        Analysed frame with ``sentiment_label`` and a time column.
    time_col
        Column with datetimes, epoch seconds or date strings.
    freq
        ``"D"`` (day), ``"W"`` (week, labelled by its Monday) or ``"M"`` (month).
    ax
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd, voc
    >>> df = pd.DataFrame({"review": ["物流太慢了", "很满意"], "date": ["2024-05-01", "2024-05-09"]})
    >>> frame = voc.analyze_frame(df, text_col="review", steps=["sentiment"]).join(df["date"])
    >>> voc.plot.sentiment_trend(frame, time_col="date").axes[0].get_title(loc="left")
    '情感趋势'
    """
    _fonts.require_matplotlib()
    import numpy as np
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    agg = _agg()
    t = agg.sentiment_trend(frame, time_col=time_col, freq=freq)
    fig, ax = _figure(ax, (9.0, 4.2))
    fp_tick = _fp(8.5)
    f = t["freq"].iloc[0] if len(t) else str(freq).upper()
    unit = {"D": "日", "W": "周", "M": "月"}.get(f, "")
    if t.empty or int(t["total"].sum()) == 0:
        _empty(ax, "情感趋势", f"没有带时间和情感的评论（{time_col}）")
        return fig
    x = np.arange(len(t))
    bottom = np.zeros(len(t))
    colours = agg.POLARITY_COLOURS
    width = 0.78 if len(t) < 60 else 0.95
    for k in ("negative", "neutral", "positive"):
        vals = t[k].to_numpy(dtype=float)
        ax.bar(x, vals, bottom=bottom, width=width, color=colours[k], alpha=0.85, label=_ZH_SENT[k], linewidth=0)
        bottom += vals
    ax.set_ylabel("评论数", fontproperties=_fp(9.5), color=_MUTED)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.grid(axis="y", color=_GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_xlim(-0.6, len(t) - 0.4)
    step = max(1, math.ceil(len(t) / 14))
    ax.set_xticks(x[::step], labels=t["period"].iloc[::step].tolist(), rotation=30 if len(t) > 6 else 0,
                  ha="right" if len(t) > 6 else "center")
    _style_axes(ax, fp_tick)

    tw = ax.twinx()
    net = t["net_sentiment"].where(t["total"] > 0).to_numpy(dtype=float)
    tw.plot(x, net, color=_INK, linewidth=1.8, marker="o", markersize=3.5 if len(t) < 40 else 0, label="净情感")
    tw.axhline(0, color="#9ca3af", linewidth=0.8, linestyle=(0, (3, 3)))
    tw.set_ylim(-1.05, 1.05)
    tw.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    tw.set_ylabel(_NET_LABEL, fontproperties=_fp(9.5), color=_MUTED)
    for side in ("top", "left", "bottom"):
        tw.spines[side].set_visible(False)
    tw.spines["right"].set_color("#9ca3af")
    tw.tick_params(colors=_MUTED, labelsize=8.5)

    handles = [*ax.get_legend_handles_labels()[0], *tw.get_legend_handles_labels()[0]]
    labels = [*ax.get_legend_handles_labels()[1], *tw.get_legend_handles_labels()[1]]
    ax.legend(handles, labels, prop=_fp(8.5), ncol=4, frameon=False, loc="lower left",
              bbox_to_anchor=(0.0, 1.0), borderaxespad=0.2)
    ax.set_title("情感趋势", loc="left", fontproperties=_fp(13, weight="bold"), color=_INK, pad=24)
    n = int(t["total"].sum())
    ax.text(1.0, 1.02, f"按{unit}，共 {n:,} 条评论", transform=ax.transAxes, ha="right", va="bottom",
            fontproperties=_fp(8.5), color=_MUTED)
    _check_glyphs(t["period"].tolist(), "period labels")
    return fig


# -- opinion tree -----------------------------------------------------------------------------------
def _flatten(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """(level, start, end, name, net, mentions, node) segments of the tree, fractions of all mentions."""
    total = float(sum(n["mentions"] for n in tree)) or 1.0
    out: list[dict[str, Any]] = []

    def walk(nodes: list[dict[str, Any]], level: int, start: float, parent: dict[str, Any] | None) -> None:
        pos = start
        for n in nodes:
            span = n["mentions"] / total
            out.append({"level": level, "start": pos, "end": pos + span, "name": n["name"],
                        "net": float(n["net_sentiment"]), "mentions": int(n["mentions"]), "node": n["node"],
                        "other": False})
            if n.get("children") and level < 3:
                walk(n["children"], level + 1, pos, n)
            if n.get("other_mentions") and level < 3:
                kids = n["children"]
                used = sum(k["mentions"] for k in kids) / total
                out.append({"level": level + 1, "start": pos + used, "end": pos + used + n["other_mentions"] / total,
                            "name": f"其他 {n['other_children']} 项", "net": float("nan"),
                            "mentions": int(n["other_mentions"]), "node": n["node"] + " > 其他", "other": True})
            pos += span

    walk(tree, 1, 0.0, None)
    return out


def _fit_label(name: str, room_pt: float, size: float) -> str:
    """The name, shortened with … to fit ``room_pt`` points at ``size`` (CJK glyphs are 1 em wide)."""
    def width(s: str) -> float:
        return sum(size * (1.0 if ord(c) > 0x2E80 else 0.6) for c in s)

    if width(name) <= room_pt:
        return name
    for cut in range(len(name) - 1, 1, -1):
        s = name[:cut] + "…"
        if width(s) <= room_pt:
            return s
    return ""


def opinion_tree(
    frame: pd.DataFrame,
    *,
    kind: Literal["sunburst", "icicle"] = "sunburst",
    max_children: int = 8,
    ax: Axes | None = None,
) -> Figure:
    """The three-level opinion tree, sized by mentions and coloured by net sentiment.

    ``kind="sunburst"``: rings from the centre out, level 1 (category) →
    level 2 (aspect group) → level 3 (normalised opinion). ``kind="icicle"``:
    the same as columns, left to right. The angle (height) of a node is its
    share of all opinion mentions; the colour its net sentiment, from red
    (all negative) to green (all positive). Beyond ``max_children`` children
    per node the smallest are folded into a grey "其他 N 项" segment.

    Parameters
    ----------
    frame
        Analysed frame with ``opinions``.
    kind
        ``"sunburst"`` or ``"icicle"``.
    max_children
        Most children drawn per node.
    ax
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd, voc
    >>> frame = voc.analyze_frame(pd.DataFrame({"t": ["物流太慢了", "包装破损了"]}), text_col="t")
    >>> fig = voc.plot.opinion_tree(frame)
    >>> sorted(t.get_text() for t in fig.axes[0].texts if t.get_text() in ("物流配送", "包装"))
    ['包装', '物流配送']
    """
    _fonts.require_matplotlib()
    if kind not in ("sunburst", "icicle"):
        raise ConfigError(f"kind must be 'sunburst' or 'icicle', got {kind!r}")
    if isinstance(max_children, bool) or not isinstance(max_children, int) or max_children < 1:
        raise ConfigError(f"max_children must be an int >= 1, got {max_children!r}")
    agg = _agg()
    tree = agg.opinion_tree(frame, n_examples=0, max_children=max_children)
    fig, ax = _figure(ax, (8.2, 7.0) if kind == "sunburst" else (9.5, 7.0))
    if not tree:
        _empty(ax, "观点树", "没有抽取到观点")
        return fig
    segs = _flatten(tree)
    total = sum(n["mentions"] for n in tree)
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    cmap, norm = _net_cmap(), Normalize(-1.0, 1.0)
    draw = _sunburst if kind == "sunburst" else _icicle
    place_labels = draw(ax, segs, cmap, norm, total)
    cb = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.55, pad=0.02, aspect=25)
    cb.set_label(_NET_LABEL, fontproperties=_fp(9), color=_MUTED)
    cb.ax.tick_params(labelsize=8, colors=_MUTED)
    cb.outline.set_visible(False)
    from matplotlib.ticker import PercentFormatter

    cb.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_title("观点树", loc="left", fontproperties=_fp(13, weight="bold"), color=_INK, pad=20)
    ax.text(0.0, 1.01, f"{total:,} 次观点提及 · 一级 → 二级 → 三级" + (" (由内向外)" if kind == "sunburst" else ""),
            transform=ax.transAxes, fontproperties=_fp(8.5), color=_MUTED, va="bottom")
    engine = fig.get_layout_engine()
    if engine is not None:  # final axes size first: labels are fitted to the space they get
        engine.execute(fig)
    place_labels(*_axes_points(fig, ax))
    _check_glyphs([s["name"] for s in segs], "opinion names")
    return fig


def _axes_points(fig: Figure, ax: Axes) -> tuple[float, float]:
    w, h = fig.get_size_inches()
    pos = ax.get_position()
    return max(pos.width * w * 72.0, 1.0), max(pos.height * h * 72.0, 1.0)


def _seg_colour(s: dict[str, Any], cmap: Any, norm: Any) -> tuple[float, ...]:
    if s["other"] or math.isnan(s["net"]):
        return (0.85, 0.86, 0.88, 1.0)
    r, g, b, _ = cmap(norm(s["net"]))
    if s["name"] == _agg().UNMAPPED:  # unmapped: paler, so mapped nodes stand out
        return (r + (1 - r) * 0.55, g + (1 - g) * 0.55, b + (1 - b) * 0.55, 1.0)
    return (r, g, b, 1.0)


def _text_box(text: str, size: float) -> tuple[float, float]:
    """Approximate (width, height) in points of one line at ``size`` (CJK glyphs are 1 em wide)."""
    return sum(size * (1.0 if ord(c) > 0x2E80 else 0.6) for c in text), size * 1.2


def _in_wedge(x: float, y: float, r0: float, r1: float, a0: float, a1: float) -> bool:
    r = math.hypot(x, y)
    if not r0 <= r <= r1:
        return False
    a = math.degrees(math.atan2(y, x))
    while a < a0:
        a += 360.0
    while a > a0 + 360.0:
        a -= 360.0
    return a <= a1


def _sunburst(ax: Axes, segs: list[dict[str, Any]], cmap: Any, norm: Any, total: int) -> Any:
    from matplotlib.patches import Wedge

    radii = {1: (0.28, 0.56), 2: (0.56, 0.80), 3: (0.80, 1.02)}
    lim = 1.05
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_axis_off()
    for s in segs:
        r0, r1 = radii[s["level"]]
        a0, a1 = 90.0 - 360.0 * s["end"], 90.0 - 360.0 * s["start"]
        ax.add_patch(Wedge((0, 0), r1, a0, a1, width=r1 - r0, facecolor=_seg_colour(s, cmap, norm),
                           edgecolor="white", linewidth=1.4 if s["level"] == 1 else 0.6))
    ax.text(0, 0.045, f"{total:,}", ha="center", va="center", fontproperties=_fp(16, weight="bold"), color=_INK)
    ax.text(0, -0.085, "观点提及", ha="center", va="center", fontproperties=_fp(9), color=_MUTED)
    sizes = {1: 10.5, 2: 8.0, 3: 7.0}

    def place(wpt: float, hpt: float) -> None:
        ppu = min(wpt, hpt) / (2 * lim)  # points per data unit (equal aspect: the short side limits)
        for s in segs:
            r0, r1 = radii[s["level"]]
            a0, a1 = 90.0 - 360.0 * s["end"], 90.0 - 360.0 * s["start"]
            if (a1 - a0) * math.pi / 180 * r1 * ppu < sizes[s["level"]]:
                continue  # too thin for any text
            mid = math.radians((a0 + a1) / 2.0)
            rm = (r0 + r1) / 2.0
            deg = math.degrees(mid) % 360.0
            deg = deg - 360.0 if deg > 180.0 else deg
            radial = deg if -90.0 <= deg <= 90.0 else deg - 180.0
            tangential = deg - 90.0 if deg > 0 else deg + 90.0
            orient = (0.0, tangential, radial) if s["level"] == 1 else (radial, tangential)
            size = sizes[s["level"]]
            name = s["name"]
            best = None
            for cut in range(len(name), 1, -1):
                label = name if cut == len(name) else name[:cut] + "…"
                w, h = _text_box(label, size)
                for rot in orient:
                    c, si = math.cos(math.radians(rot)), math.sin(math.radians(rot))
                    hw, hh = (w / 2 + 2) / ppu, (h / 2 + 1) / ppu
                    cx, cy = rm * math.cos(mid), rm * math.sin(mid)
                    corners = [(cx + dx * c - dy * si, cy + dx * si + dy * c)
                               for dx in (-hw, hw) for dy in (-hh, hh)]
                    if all(_in_wedge(x, y, r0, r1, a0, a1) for x, y in corners):
                        best = (label, rot)
                        break
                if best:
                    break
            if best is None:
                continue
            colour = _seg_colour(s, cmap, norm)
            muted = s["name"] == _agg().UNMAPPED or s["other"]
            ax.text(rm * math.cos(mid), rm * math.sin(mid), best[0], rotation=best[1], rotation_mode="anchor",
                    ha="center", va="center", fontproperties=_fp(size, weight="bold" if s["level"] == 1 else None),
                    color=_MUTED if muted else _text_colour(colour))

    return place


def _icicle(ax: Axes, segs: list[dict[str, Any]], cmap: Any, norm: Any, total: int) -> Any:
    from matplotlib.patches import Rectangle

    cols = {1: (0.0, 0.3), 2: (0.3, 0.65), 3: (0.65, 1.0)}
    ax.set_xlim(0, 1)
    ax.set_ylim(1, 0)
    ax.set_axis_off()
    for s in segs:
        x0, x1 = cols[s["level"]]
        ax.add_patch(Rectangle((x0, s["start"]), x1 - x0, s["end"] - s["start"],
                               facecolor=_seg_colour(s, cmap, norm), edgecolor="white",
                               linewidth=1.4 if s["level"] == 1 else 0.6))
    sizes = {1: 10.5, 2: 8.5, 3: 7.5}

    def place(wpt: float, hpt: float) -> None:
        for s in segs:
            x0, x1 = cols[s["level"]]
            y0, y1 = s["start"], s["end"]
            size = sizes[s["level"]]
            if (y1 - y0) * hpt < 1.3 * size:
                continue
            room = (x1 - x0) * wpt - 10
            label = _fit_label(f"{s['name']}  {s['mentions']:,}", room, size) or _fit_label(s["name"], room, size)
            if not label:
                continue
            muted = s["name"] == _agg().UNMAPPED or s["other"]
            ax.text(x0 + 6 / wpt, (y0 + y1) / 2.0, label, ha="left", va="center",
                    fontproperties=_fp(size, weight="bold" if s["level"] == 1 else None),
                    color=_MUTED if muted else _text_colour(_seg_colour(s, cmap, norm)))

    return place


# -- topics -----------------------------------------------------------------------------------------
def topics(
    data: pd.DataFrame | TopicTree,
    *,
    top: int = 15,
    ax: Axes | None = None,
    time_col: str | None = None,
    freq: str | None = None,
) -> Figure:
    """Top topics as horizontal bars of mention share, with the change since the previous period.

    Parameters
    ----------
    data
        An analysed frame (the topics are its level-2 opinion nodes, e.g.
        物流配送 > 配送速度; bar colour = net sentiment) or a fitted
        :class:`voc.TopicTree` (its level-2 nodes, or level 1 for a one-level
        tree; colour = net sentiment when the tree was fitted with sentiment).
    top
        How many topics to show, most mentioned first.
    ax
        Draw into this axes instead of a new figure.
    time_col, freq
        With a time column (frame only), a tick marks each topic's share in the
        previous period and ▲/▼ labels give the change in percentage points
        between the last two periods (``freq``: ``"D"``, ``"W"``, ``"M"``; default
        picked from the time span).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd, voc
    >>> frame = voc.analyze_frame(pd.DataFrame({"t": ["物流太慢了", "快递很快", "质量很好"]}), text_col="t")
    >>> fig = voc.plot.topics(frame)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()][:1]
    ['物流配送 › 配送速度']
    """
    _fonts.require_matplotlib()
    import numpy as np

    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ConfigError(f"top must be an int >= 1, got {top!r}")
    rows = _topic_rows(data, top=top, time_col=time_col, freq=freq)
    n_rows = len(rows["labels"])
    fig, ax = _figure(ax, (8.6, max(2.6, 0.36 * n_rows + 1.5)))
    title = "热门话题"
    if not n_rows:
        _empty(ax, title, "没有可显示的话题")
        return fig
    cmap, norm = _net_cmap(), None
    from matplotlib.colors import Normalize
    from matplotlib.ticker import PercentFormatter

    norm = Normalize(-1.0, 1.0)
    y = np.arange(n_rows)
    share = np.asarray(rows["share"], dtype=float)
    net = rows["net"]
    colours = [cmap(norm(v)) if v is not None and not math.isnan(v) else (0.55, 0.6, 0.68, 1.0) for v in net]
    ax.barh(y, share, color=colours, height=0.68, edgecolor="white", linewidth=0.6)
    ax.set_yticks(y, labels=rows["labels"], fontproperties=_fp(9.5))
    ax.invert_yaxis()
    xmax = float(max(share.max(), np.nanmax(rows["prev"]) if rows["prev"] is not None else 0.0))
    ax.set_xlim(0, xmax * 1.32 if xmax > 0 else 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(axis="x", color=_GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_xlabel(rows["xlabel"], fontproperties=_fp(9.5), color=_MUTED)
    _style_axes(ax, _fp(8.5))
    ax.tick_params(axis="y", length=0)
    for t in ax.get_yticklabels():
        t.set_color(_INK)
    pad = xmax * 0.015
    for i, v in enumerate(share):
        note = _pct(v)
        colour = _MUTED
        if rows["change"] is not None:
            ch = rows["change"][i]
            prev = rows["prev"][i]
            if prev is not None and not math.isnan(prev):
                ax.plot([prev, prev], [i - 0.42, i + 0.42], color=_INK, linewidth=1.6, solid_capstyle="butt")
            if ch is not None and not math.isnan(ch) and abs(ch) >= 0.0005:
                up = ch > 0
                note += f"  {'▲' if up else '▼'}{abs(100 * ch):.1f}pp"
                colour = "#c2410c" if up else "#1d4ed8"
        right = v
        if rows["prev"] is not None and rows["prev"][i] is not None and not math.isnan(rows["prev"][i]):
            right = max(v, rows["prev"][i])
        ax.text(right + pad, i, note, va="center", ha="left", fontproperties=_fp(8.5), color=colour)
    _title(ax, title, rows["subtitle"])
    _check_glyphs(rows["labels"], "topic labels")
    return fig


def _short(s: str, n: int = 22) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _topic_rows(data: Any, *, top: int, time_col: str | None, freq: str | None) -> dict[str, Any]:
    import pandas as pd

    if isinstance(data, (pd.DataFrame, _agg().Prepared)):
        t = _agg().topic_changes(data, time_col=time_col, freq=freq, level=2, top=None)
        t = (t[t["level2"] != _agg().UNMAPPED] if len(t) else t).head(top)
        labels = [_short(f"{a} › {b}") for a, b in zip(t["level1"], t["level2"])]
        has_change = "change" in t.columns and t["change"].notna().any()
        sub = "二级观点 · 条形 = 提及该话题的评论占比 · 颜色 = 净情感"
        if has_change:
            sub = (f"二级观点 · 条形 = 本期（{t['period_last'].iloc[0]}）提及占比 · 竖线 = 上期"
                   f"（{t['period_prev'].iloc[0]}） · ▲▼ = 变化 · 颜色 = 净情感")
        # with a time column the bar is the last period's rate, so bar, tick and ▲▼ tell one story
        share = t["rate_last"] if has_change else t["mention_rate"]
        return {"labels": labels, "share": share.tolist(), "net": t["net_sentiment"].tolist(),
                "prev": t["rate_prev"].tolist() if has_change else None,
                "change": t["change"].tolist() if has_change else None,
                "xlabel": "提及占比" + (f"（{t['period_last'].iloc[0]}）" if has_change else ""),
                "subtitle": sub}
    from .topics import TopicTree

    if isinstance(data, TopicTree):
        if getattr(data, "nodes_", None) is None:
            raise NotFittedError("this TopicTree is not fitted; call tree.fit(texts) first")
        if time_col is not None:
            raise InputError("time_col works with an analysed frame; for a TopicTree use "
                             "tree.topics_over_time(dates) and plot its rate column")
        nodes = data.nodes_
        level = 2 if any(n.level == 2 for n in nodes) else 1
        by_id = {n.id: n for n in nodes}
        pick = sorted((n for n in nodes if n.level == level and not n.is_other), key=lambda n: -n.size)[:top]
        labels, net = [], []
        for n in pick:
            parent = by_id.get(n.parent) if n.parent is not None else None
            labels.append(_short(f"{parent.label} › {n.label}" if parent is not None else n.label))
            s = dict(n.sentiment)
            net.append(s.get("positive", 0.0) - s.get("negative", 0.0) if s else float("nan"))
        return {"labels": labels, "share": [n.share for n in pick], "net": net, "prev": None, "change": None,
                "xlabel": "文本占比", "subtitle": f"TopicTree 第 {level} 层 · 条形 = 文本占比"
                + (" · 颜色 = 净情感" if any(not math.isnan(v) for v in net) else "")}
    raise InputError(f"topics() expects an analysed DataFrame or a fitted voc.TopicTree, got {type(data).__name__}")


# -- word cloud -------------------------------------------------------------------------------------
def wordcloud(
    frame: pd.DataFrame,
    *,
    max_words: int = 80,
    ax: Axes | None = None,
) -> Figure:
    """A word cloud of opinions: size = mentions, colour = polarity (red negative, grey neutral, green positive).

    The terms are the normalised level-3 opinions (配送慢, 质量好 …), or the
    opinion words where the taxonomy has no level 3; they are placed on a
    spiral without overlapping (:func:`voc.reporting.aggregate.wordcloud_layout`).

    Parameters
    ----------
    frame
        Analysed frame with ``opinions``.
    max_words
        Most terms drawn; the rest (least mentioned) are left out, as are
        terms that do not fit on the canvas.
    ax
        Draw into this axes instead of a new figure (its size sets the canvas).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd, voc
    >>> frame = voc.analyze_frame(pd.DataFrame({"t": ["物流太慢了", "快递很快", "质量很好"]}), text_col="t")
    >>> sorted(t.get_text() for t in voc.plot.wordcloud(frame).axes[0].texts)
    ['满意推荐', '配送快', '配送慢']
    """
    _fonts.require_matplotlib()
    if isinstance(max_words, bool) or not isinstance(max_words, int) or max_words < 1:
        raise ConfigError(f"max_words must be an int >= 1, got {max_words!r}")
    agg = _agg()
    terms = agg.wordcloud_terms(frame, max_words=max_words)
    own = ax is None
    if own:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(9.0, 4.4), facecolor="white")
        ax = fig.add_axes((0.01, 0.01, 0.98, 0.86))
    else:
        fig, ax = _figure(ax, (9.0, 4.4))
    wpt, hpt = _axes_points(fig, ax)
    ax.set_xlim(0, wpt)
    ax.set_ylim(hpt, 0)
    ax.set_axis_off()
    title = "观点词云"
    if terms.empty:
        _empty(ax, title, "没有抽取到观点")
        return fig
    scale = min(wpt / 880.0, hpt / 360.0) * 1.25
    lay = agg.wordcloud_layout(terms, width=int(wpt), height=int(hpt), min_size=max(7.0, 13 * scale),
                               max_size=54 * scale, padding=2.0)
    for rec in lay.itertuples(index=False):
        ax.text(rec.x, rec.y, rec.term, ha="center", va="center", color=rec.colour,
                fontproperties=_fp(float(rec.size), weight="bold" if rec.size > 24 * scale else None))
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="s", linestyle="", markersize=8, color=agg.POLARITY_COLOURS[k])
               for k in ("positive", "neutral", "negative")]
    sub = f"{len(lay)} 个观点 · 字号 = 提及次数"
    if own:
        fig.text(0.015, 0.955, title, fontproperties=_fp(13, weight="bold"), color=_INK, va="center")
        fig.text(0.15, 0.955, sub, fontproperties=_fp(8.5), color=_MUTED, va="center")
        fig.legend(handles, [_ZH_SENT[k] for k in ("positive", "neutral", "negative")], prop=_fp(8.5), ncol=3,
                   frameon=False, loc="center right", bbox_to_anchor=(0.99, 0.955), handletextpad=0.3)
    else:
        ax.set_title(title, loc="left", fontproperties=_fp(13, weight="bold"), color=_INK)
    _check_glyphs(lay["term"].tolist(), "word-cloud terms")
    return fig
