"""Aggregations behind :func:`voc.report` and :mod:`voc.plot`: plain pandas, no drawing.

Every function takes an *analysed frame* (what :func:`voc.analyze_frame` returns,
joined to the caller's own columns, or a ``voc analyze`` output file read back,
where ``opinions`` holds JSON strings) or the :class:`Prepared` view that
:func:`prepare` builds from one. Call :func:`prepare` once and pass the result
around when computing several figures over a big frame: the ``opinions`` cells
are parsed only once, into a long table with one row per opinion unit.

>>> import pandas as pd
>>> from voc.reporting import aggregate as agg
>>> ops = [[{"aspect": "物流", "opinion": "很快", "polarity": "positive",
...          "category": ["物流配送", "配送速度", "配送快"]}],
...        '[{"aspect": "客服", "opinion": "太差", "polarity": "negative", '
...        '"category": ["客服服务", "客服态度", "服务态度差"]}]']
>>> df = pd.DataFrame({"text_norm": ["物流很快", "客服太差"], "opinions": ops,
...                    "sentiment_label": ["positive", "negative"]})
>>> agg.headline(df)["net_sentiment"]
0.0
>>> [n["name"] for n in agg.opinion_tree(df)]
['客服服务', '物流配送']
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .._input import is_missing
from .._types import Opinion
from ..errors import ConfigError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "POLARITY_COLOURS",
    "SENTIMENTS",
    "UNMAPPED",
    "Prepared",
    "concat",
    "detractor_opinions",
    "guess_score_kind",
    "headline",
    "is_detractor",
    "opinion_nodes",
    "opinion_tree",
    "pick_freq",
    "prepare",
    "score_summary",
    "sentiment_distribution",
    "sentiment_trend",
    "to_opinion_frame",
    "topic_changes",
    "wordcloud_layout",
    "wordcloud_terms",
]

#: Order in which sentiment classes are shown (bad → good).
SENTIMENTS: tuple[str, str, str] = ("negative", "neutral", "positive")
#: One colour per polarity, shared by the HTML report and the plots.
POLARITY_COLOURS: Mapping[str, str] = {"negative": "#d64545", "neutral": "#8c939d", "positive": "#2f9e5b"}
#: Label of a taxonomy level the extractor could not infer (as in ``opinion_table``).
UNMAPPED = "未归类"

ScoreKind = Literal["nps", "csat", "stars"]
_SCORE_KINDS = ("nps", "csat", "stars")
_FREQS = ("D", "W", "M")
_UNIT_COLS = ["row", "level1", "level2", "level3", "polarity", "aspect", "opinion",
              "aspect_start", "aspect_end", "opinion_start", "opinion_end"]


@dataclass(frozen=True)
class Prepared:
    """An analysed frame checked and reshaped for aggregation.

    ``rows``: one row per input row, positional index, columns ``text``
    (what examples show), ``text_norm`` (what opinion spans index),
    ``sentiment_label``, ``sentiment_polarity``, ``failed`` (bool),
    ``error``, and ``time`` / ``score`` when those columns were named.
    ``units``: one row per opinion unit, ``row`` (position in ``rows``),
    ``level1..3`` (``未归类`` where the extractor could not say), ``polarity``,
    ``aspect``, ``opinion`` and the four span offsets (-1 when absent).
    """

    rows: pd.DataFrame
    units: pd.DataFrame
    has_sentiment: bool
    has_opinions: bool
    text_col: str | None = None
    time_col: str | None = None
    score_col: str | None = None

    @property
    def ok(self) -> pd.Series:
        """Boolean mask of the rows that were analysed (not failed)."""
        return ~self.rows["failed"]


# -- parsing ---------------------------------------------------------------------------------
def _loads(s: str) -> Any:
    """JSON, or the Python repr pandas writes for lists of dicts in a csv (read as JSON when it safely can)."""
    if not s.startswith("[{'"):
        try:
            return json.loads(s)
        except ValueError:
            if '"' in s or "\\" in s:
                raise
    elif '"' in s or "\\" in s:
        raise ValueError("not JSON")
    # the repr of str/int/None/list/dict with no quotes or backslashes inside the strings: 20x faster
    # than ast.literal_eval on a million rows; anything else falls back to it (test_report.py)
    return json.loads(s.replace("'", '"').replace(": None", ": null").replace(": True", ": true")
                      .replace(": False", ": false"))


def _parse_cell(cell: Any, pos: int) -> list[Any]:
    if isinstance(cell, (list, tuple)):
        return list(cell)
    if cell is None or (not isinstance(cell, str) and is_missing(cell)):
        return []
    if hasattr(cell, "tolist") and not isinstance(cell, str):  # numpy array from parquet
        return list(cell.tolist())
    if isinstance(cell, str):
        s = cell.strip()
        if not s:
            return []
        try:
            value = _loads(s)
        except ValueError:
            try:  # a csv written with pandas' default repr of lists of dicts
                value = ast.literal_eval(s)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                raise InputError(
                    f"row {pos}: the 'opinions' cell is not a JSON list of opinions ({s[:60]!r}); expected "
                    "what voc.analyze_frame or `voc analyze` writes (a list of dicts with category and polarity)"
                ) from None
        if value is None:
            return []
        if isinstance(value, (list, tuple)):
            return list(value)
    raise InputError(
        f"row {pos}: the 'opinions' cell is {type(cell).__name__}, expected a list of opinion dicts "
        "(or its JSON text); pass the frame voc.analyze_frame returned, or a `voc analyze` output read back"
    )


def _span(v: Any) -> tuple[int, int]:
    if v is None:
        return -1, -1
    if hasattr(v, "start") and hasattr(v, "end"):
        return int(v.start), int(v.end)
    try:
        a, b = v[0], v[1]
        return int(a), int(b)
    except (TypeError, IndexError, ValueError, KeyError):
        return -1, -1


def _units(cells: Sequence[Any]) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    cols: dict[str, list[Any]] = {c: [] for c in _UNIT_COLS}
    seen: dict[str, str] = {}  # one object per distinct name: a million units share a few thousand strings

    def one(v: Any) -> str:
        v = v if isinstance(v, str) else str(v)
        return seen.setdefault(v, v)

    for pos, cell in enumerate(cells):
        for o in _parse_cell(cell, pos):
            if isinstance(o, Opinion):
                cat, pol, asp, opi = tuple(o.category), o.polarity, o.aspect, o.opinion
                a_sp, o_sp = _span(o.aspect_span), _span(o.opinion_span)
            elif isinstance(o, Mapping):
                cat = o.get("category")
                cat = () if cat is None or isinstance(cat, str) else tuple(cat)  # list, tuple or numpy array
                pol, asp, opi = o.get("polarity", "neutral"), o.get("aspect") or "", o.get("opinion") or ""
                a_sp, o_sp = _span(o.get("aspect_span")), _span(o.get("opinion_span"))
            else:
                raise InputError(f"row {pos}: an opinion must be a dict (aspect, opinion, polarity, category) "
                                 f"or a voc.Opinion, got {type(o).__name__}")
            cat = tuple((c or UNMAPPED) for c in cat[:3]) + (UNMAPPED,) * (3 - len(cat[:3]))
            cols["row"].append(pos)
            cols["level1"].append(one(cat[0]))
            cols["level2"].append(one(cat[1]))
            cols["level3"].append(one(cat[2]))
            cols["polarity"].append(one(pol) if pol in SENTIMENTS else "neutral")
            cols["aspect"].append(one(asp))
            cols["opinion"].append(one(opi))
            cols["aspect_start"].append(a_sp[0])
            cols["aspect_end"].append(a_sp[1])
            cols["opinion_start"].append(o_sp[0])
            cols["opinion_end"].append(o_sp[1])
    # object columns built as such keep the shared string objects (pandas 3 would otherwise infer
    # Arrow strings, and astype(object) would then make one new str per unit)
    data: dict[str, Any] = {"row": np.asarray(cols["row"], dtype=np.int64)}
    for c in ("level1", "level2", "level3", "polarity", "aspect", "opinion"):
        data[c] = pd.Series(cols[c], dtype=object)
    for c in ("aspect_start", "aspect_end", "opinion_start", "opinion_end"):
        data[c] = np.asarray(cols[c], dtype=np.int32)
    return pd.DataFrame(data, columns=_UNIT_COLS)


def _compact(s: pd.Series) -> pd.Series:
    """Texts kept for examples, stored compactly (Arrow strings when pyarrow is there, else objects).

    Millions of small Python str objects kept alive between short-lived parse
    results fragment the heap; Arrow buffers keep ``voc report`` on a 1M-row file small.
    """
    import pandas as pd

    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow is optional
        return s.astype(object)
    return s.astype(pd.StringDtype("pyarrow"))


def _times(series: pd.Series, name: str) -> pd.Series:
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        t = pd.to_datetime(series, unit="s", errors="coerce")
    elif pd.api.types.is_datetime64_any_dtype(series):
        t = series
    else:
        s = series.astype(object).where(series.notna(), None)
        try:
            t = pd.to_datetime(s, errors="coerce", format="mixed")
        except (ValueError, TypeError):
            t = pd.to_datetime(s, errors="coerce", utc=True)
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_convert(None)
    t = t.astype("datetime64[ns]")
    if len(series) and t.isna().all() and series.notna().any():
        raise InputError(f"time column {name!r} holds no readable times (e.g. {series.dropna().iloc[0]!r:.40}); "
                         "pass datetimes, epoch seconds, or strings like 2024-05-01 / 2024-05-01 12:30")
    return t.reset_index(drop=True)


def _scores(series: pd.Series, name: str) -> pd.Series:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        raise InputError(f"score column {name!r} is boolean; expected numbers (NPS 0-10, CSAT or stars 1-5)")
    s = pd.to_numeric(series.astype(object).where(series.notna(), None), errors="coerce").astype(float)
    if len(series) and s.isna().all() and series.notna().any():
        raise InputError(f"score column {name!r} holds no numbers (e.g. {series.dropna().iloc[0]!r:.40}); "
                         "expected NPS 0-10, CSAT 1-5 or stars 1-5")
    return s.reset_index(drop=True)


def prepare(
    frame: pd.DataFrame | Prepared,
    *,
    text_col: str | None = None,
    time_col: str | None = None,
    score_col: str | None = None,
) -> Prepared:
    """Check an analysed frame and parse its opinions once (see :class:`Prepared`).

    Parameters
    ----------
    frame
        The analysed frame; needs ``sentiment_label`` or ``opinions`` (both for a full report).
        ``opinions`` cells may be lists of dicts / :class:`voc.Opinion` or their JSON text.
        Rows whose ``voc_error`` is set count as failed.
    text_col
        Column whose text examples show (default ``text_norm``; opinion spans are highlighted
        only in ``text_norm``).
    time_col, score_col
        Optional time column (datetimes, epoch seconds or date strings) and score column
        (NPS 0-10, CSAT / stars 1-5).

    Raises
    ------
    InputError
        Not a DataFrame, required columns missing, a named column missing, unreadable
        ``opinions`` cells, sentiment labels outside negative/neutral/positive, a time or
        score column with nothing readable in it.

    Examples
    --------
    >>> import pandas as pd
    >>> p = prepare(pd.DataFrame({"sentiment_label": ["positive", None], "voc_error": [None, "missing text"]}))
    >>> p.rows["failed"].tolist(), p.has_opinions
    ([False, True], False)
    """
    import pandas as pd

    if isinstance(frame, Prepared):
        return frame
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"expected the pandas DataFrame voc.analyze_frame returns (or a `voc analyze` output read back), "
            f"got {type(frame).__name__}"
        )
    cols = list(frame.columns)
    has_sent = "sentiment_label" in frame.columns
    has_ops = "opinions" in frame.columns
    if not (has_sent or has_ops):
        raise InputError(
            "the frame has neither 'sentiment_label' nor 'opinions'; expected the columns voc.analyze_frame "
            "writes (text_norm, sentiment_label, sentiment_polarity, opinions, voc_error). Run "
            f"voc.analyze_frame(df, text_col=...) or `voc analyze` first; columns here: {cols[:20]}"
        )
    for arg, col in (("text_col", text_col), ("time_col", time_col), ("score_col", score_col)):
        if col is not None and col not in frame.columns:
            raise InputError(f"column {col!r} ({arg}) not in the frame; columns are {cols[:20]}. "
                             f"Pass {arg}=<a column name> or leave it out")
    n = len(frame)
    rows = pd.DataFrame(index=pd.RangeIndex(n))
    if "voc_error" in frame.columns:
        err = frame["voc_error"].astype(object).where(frame["voc_error"].notna(), None).reset_index(drop=True)
        err = err.map(lambda v: None if v is None or (isinstance(v, str) and not v.strip()) else str(v))
    else:
        err = pd.Series([None] * n, dtype=object)
    rows["error"] = err.astype(object)
    rows["failed"] = err.notna().to_numpy(dtype=bool)

    def text_of(col: str) -> pd.Series:
        s = frame[col].reset_index(drop=True).astype(object)
        return _compact(s.map(lambda v: None if is_missing(v) else (v if isinstance(v, str) else str(v))))

    rows["text_norm"] = text_of("text_norm") if "text_norm" in frame.columns else _compact(pd.Series([None] * n))
    tc = text_col or ("text_norm" if "text_norm" in frame.columns else None)
    rows["text"] = text_of(tc) if tc else rows["text_norm"]
    if has_sent:
        lab = frame["sentiment_label"].astype(object).reset_index(drop=True)
        lab = lab.map(lambda v: None if is_missing(v) or v == "" else v)
        bad = lab[lab.notna() & ~lab.isin(SENTIMENTS)]
        if len(bad):
            raise InputError(
                f"sentiment_label holds {bad.iloc[0]!r} (row {int(bad.index[0])}); expected negative, neutral "
                "or positive as voc.analyze_frame writes them"
            )
        lab = lab.where(~rows["failed"], None)
        rows["sentiment_label"] = pd.Categorical(lab, categories=list(SENTIMENTS))
        if "sentiment_polarity" in frame.columns:
            rows["sentiment_polarity"] = pd.to_numeric(
                frame["sentiment_polarity"].astype(object).reset_index(drop=True), errors="coerce").astype(float)
        else:
            rows["sentiment_polarity"] = rows["sentiment_label"].astype(object).map(
                {"negative": -1.0, "neutral": 0.0, "positive": 1.0}).astype(float)
    else:
        rows["sentiment_label"] = pd.Categorical([None] * n, categories=list(SENTIMENTS))
        rows["sentiment_polarity"] = float("nan")
    if time_col is not None:
        rows["time"] = _times(frame[time_col], time_col)
    if score_col is not None:
        rows["score"] = _scores(frame[score_col], score_col)
    if has_ops:
        cells = frame["opinions"].tolist()
        failed = rows["failed"].tolist()
        units = _units([[] if f else c for c, f in zip(cells, failed)])
    else:
        units = _units([])
    return Prepared(rows=rows, units=units, has_sentiment=has_sent, has_opinions=has_ops,
                    text_col=tc, time_col=time_col, score_col=score_col)


def concat(parts: Sequence[Prepared]) -> Prepared:
    """Join :class:`Prepared` pieces (e.g. one per chunk of a big file) into one, rows in order.

    >>> import pandas as pd
    >>> a = prepare(pd.DataFrame({"sentiment_label": ["positive"], "opinions": [[]]}))
    >>> b = prepare(pd.DataFrame({"sentiment_label": ["negative"], "opinions": [[{"polarity": "negative",
    ...             "category": ["价格", "价格水平", "价格偏高"]}]]}))
    >>> concat([a, b]).units["row"].tolist()
    [1]
    """
    import pandas as pd

    if not parts:
        raise InputError("concat needs at least one Prepared piece")
    rows, units, offset = [], [], 0
    for part in parts:
        rows.append(part.rows)
        if len(part.units):
            units.append(part.units.assign(row=part.units["row"] + offset))
        offset += len(part.rows)
    first = parts[0]
    all_rows = pd.concat(rows, ignore_index=True) if len(rows) > 1 else rows[0]
    all_units = pd.concat(units, ignore_index=True) if units else first.units.iloc[:0]
    return Prepared(rows=all_rows, units=all_units,
                    has_sentiment=any(p.has_sentiment for p in parts),
                    has_opinions=any(p.has_opinions for p in parts),
                    text_col=first.text_col, time_col=first.time_col, score_col=first.score_col)


def _need(p: Prepared, what: str) -> None:
    if what == "opinions" and not p.has_opinions:
        raise InputError("the frame has no 'opinions' column; run voc.analyze_frame(df, text_col=...) with the "
                         "opinions step (the default), or `voc analyze` without --steps")
    if what == "sentiment" and not p.has_sentiment:
        raise InputError("the frame has no 'sentiment_label' column; run voc.analyze_frame(df, text_col=...) "
                         "with the sentiment step (the default)")
    if what == "time" and "time" not in p.rows.columns:
        raise InputError("no time column: pass time_col=<the column with dates or times>")
    if what == "score" and "score" not in p.rows.columns:
        raise InputError("no score column: pass score_col=<the NPS / CSAT / stars column>")


def _prep(data: Any, time_col: str | None = None, score_col: str | None = None,
          text_col: str | None = None) -> Prepared:
    if isinstance(data, Prepared):
        if time_col is not None and data.time_col != time_col or score_col is not None and data.score_col != score_col:
            raise InputError("the Prepared data was built with other columns; call prepare(frame, time_col=..., "
                             "score_col=...) again with these")
        return data
    return prepare(data, time_col=time_col, score_col=score_col, text_col=text_col)


# -- headline figures and sentiment ------------------------------------------------------------
def headline(data: pd.DataFrame | Prepared) -> dict[str, Any]:
    """The figures at the top of a report.

    Returns a dict: ``rows``, ``analysed``, ``failed``, ``negative`` / ``neutral`` /
    ``positive`` (row counts), ``share_negative`` / ``share_neutral`` /
    ``share_positive`` (of rows with a sentiment label), ``net_sentiment``
    (share positive − share negative, in [-1, 1]), ``mean_polarity``,
    ``opinion_units`` and ``rows_with_opinions``.
    """
    p = _prep(data)
    r = p.rows
    counts = r["sentiment_label"].value_counts()
    c = {k: int(counts.get(k, 0)) for k in SENTIMENTS}
    labelled = sum(c.values())
    share = {k: (c[k] / labelled if labelled else 0.0) for k in SENTIMENTS}
    pol = r.loc[~r["failed"], "sentiment_polarity"].dropna()
    return {
        "rows": int(len(r)),
        "analysed": int((~r["failed"]).sum()),
        "failed": int(r["failed"].sum()),
        **c,
        **{f"share_{k}": share[k] for k in SENTIMENTS},
        "net_sentiment": share["positive"] - share["negative"],
        "mean_polarity": float(pol.mean()) if len(pol) else float("nan"),
        "opinion_units": int(len(p.units)),
        "rows_with_opinions": int(p.units["row"].nunique()),
    }


def sentiment_distribution(data: pd.DataFrame | Prepared) -> pd.DataFrame:
    """Rows per sentiment label: ``label``, ``count``, ``share`` (negative, neutral, positive order)."""
    import pandas as pd

    p = _prep(data)
    _need(p, "sentiment")
    counts = p.rows["sentiment_label"].value_counts()
    total = int(counts.sum())
    return pd.DataFrame({"label": list(SENTIMENTS),
                         "count": [int(counts.get(k, 0)) for k in SENTIMENTS],
                         "share": [(int(counts.get(k, 0)) / total if total else 0.0) for k in SENTIMENTS]})


def pick_freq(times: pd.Series) -> str:
    """``"D"``, ``"W"`` or ``"M"`` so a trend has a readable number of points.

    Up to 45 days of data → days, up to about 9 months → weeks, longer → months.

    >>> import pandas as pd
    >>> pick_freq(pd.Series(pd.to_datetime(["2024-01-01", "2024-03-01"])))
    'W'
    """
    import pandas as pd

    t = pd.to_datetime(pd.Series(times), errors="coerce").dropna()
    if t.empty:
        return "D"
    span = (t.max() - t.min()).days
    return "D" if span <= 45 else "W" if span <= 270 else "M"


def _check_freq(freq: str) -> str:
    f = str(freq).upper()
    if f in ("ME", "MS"):
        f = "M"
    if f not in _FREQS:
        raise ConfigError(f"freq must be 'D' (day), 'W' (week) or 'M' (month), got {freq!r}")
    return f


def _period_index(p: Prepared, freq: str | None) -> tuple[pd.Series, str, pd.PeriodIndex]:
    """Each row's period (NaT for rows without a time), the frequency, and the full range of periods."""
    import pandas as pd

    t = p.rows["time"]
    f = _check_freq(freq) if freq is not None else pick_freq(t)
    per = t.dt.to_period(f)
    valid = per.dropna()
    full = pd.period_range(valid.min(), valid.max(), freq=f) if len(valid) else pd.PeriodIndex([], freq=f)
    return per, f, full


def _period_label(per: Any, freq: str) -> str:
    if freq == "W":
        return per.start_time.strftime("%Y-%m-%d")
    return str(per)


def sentiment_trend(
    data: pd.DataFrame | Prepared,
    *,
    time_col: str | None = None,
    freq: str | None = None,
) -> pd.DataFrame:
    """Sentiment per day / week / month.

    Parameters
    ----------
    data
        Analysed frame (then ``time_col`` is required) or :class:`Prepared` with a time.
    freq
        ``"D"``, ``"W"`` or ``"M"``; default picked from the span (:func:`pick_freq`).

    Returns
    -------
    pandas.DataFrame
        One row per period from the first to the last (empty periods kept, with zeros):
        ``period`` (label: the day, the week's Monday, or the month), ``start`` (Timestamp),
        ``freq``, ``total``, ``negative``, ``neutral``, ``positive``, ``share_negative``,
        ``share_neutral``, ``share_positive``, ``net_sentiment``, ``mean_polarity``.
    """
    import pandas as pd

    p = _prep(data, time_col=time_col)
    _need(p, "time")
    _need(p, "sentiment")
    per, f, full = _period_index(p, freq)
    r = p.rows.assign(_per=per)
    r = r[r["_per"].notna() & r["sentiment_label"].notna()]
    counts = r.groupby(["_per", "sentiment_label"], observed=True).size().unstack(fill_value=0)
    counts = counts.reindex(index=full, columns=list(SENTIMENTS), fill_value=0)
    pol = r.groupby("_per")["sentiment_polarity"].mean().reindex(full)
    out = pd.DataFrame({
        "period": [_period_label(x, f) for x in full],
        "start": [x.start_time for x in full],
        "freq": f,
        **{k: counts[k].astype(int).to_numpy() for k in SENTIMENTS},
    })
    out["total"] = out[list(SENTIMENTS)].sum(axis=1)
    for k in SENTIMENTS:
        out[f"share_{k}"] = (out[k] / out["total"].where(out["total"] > 0)).fillna(0.0)
    out["net_sentiment"] = out["share_positive"] - out["share_negative"]
    out["mean_polarity"] = pol.to_numpy()
    return out[["period", "start", "freq", "total", *SENTIMENTS, *(f"share_{k}" for k in SENTIMENTS),
                "net_sentiment", "mean_polarity"]]


# -- opinion tree ---------------------------------------------------------------------------
def _examples(p: Prepared, units: pd.DataFrame, n: int) -> list[dict[str, Any]]:
    """Up to n examples (distinct rows, first seen), preferring units of the node's majority polarity."""
    import pandas as pd

    if n <= 0 or units.empty:
        return []
    major = units["polarity"].value_counts().idxmax()
    pick = units[units["polarity"] == major].drop_duplicates("row").head(n)
    if len(pick) < n:
        rest = units[~units["row"].isin(pick["row"])].drop_duplicates("row").head(n - len(pick))
        pick = pd.concat([pick, rest])
    out = []
    texts, norms = p.rows["text"], p.rows["text_norm"]
    for u in pick.itertuples(index=False):
        text, norm = texts.iat[u.row], norms.iat[u.row]
        text = text if isinstance(text, str) else None
        same = text is not None and isinstance(norm, str) and text == norm
        spans, kinds = [], {}
        if same:
            for kind, s, e in (("aspect", u.aspect_start, u.aspect_end), ("opinion", u.opinion_start, u.opinion_end)):
                if 0 <= s < e <= len(text):
                    spans.append((int(s), int(e)))
                    kinds[kind] = (int(s), int(e))
        out.append({"row": int(u.row), "text": text or "", "polarity": u.polarity,
                    "highlight": sorted(spans), "aspect": u.aspect, "opinion": u.opinion,
                    "aspect_span": kinds.get("aspect"), "opinion_span": kinds.get("opinion")})
    return out


def opinion_nodes(
    data: pd.DataFrame | Prepared,
    *,
    levels: Sequence[int] = (1, 2, 3),
    n_examples: int = 3,
) -> pd.DataFrame:
    """One row per taxonomy node: the counts :func:`voc.opinion_table` reports, plus example verbatims.

    Returns
    -------
    pandas.DataFrame
        ``level``, ``level1``, ``level2``, ``level3``, ``node`` (path joined by " > "),
        ``mentions`` (units), ``documents``, ``share`` (of analysed rows), ``positive``,
        ``neutral``, ``negative``, ``net_sentiment`` ((positive − negative) / mentions) and
        ``examples`` (list of dicts: ``row``, ``text``, ``polarity``, ``highlight`` (sorted
        (start, end) spans of ``text`` to mark, empty when ``text`` is not ``text_norm``),
        ``aspect``, ``opinion``, ``aspect_span``, ``opinion_span`` ((start, end) or None)). Sorted by level, then mentions (most first), then node.
    """
    import pandas as pd

    p = _prep(data)
    _need(p, "opinions")
    lv = sorted(set(levels))
    if not lv or any(x not in (1, 2, 3) for x in lv):
        raise ConfigError(f"levels must be a subset of (1, 2, 3), got {list(levels)!r}")
    u = p.units
    n_docs = int((~p.rows["failed"]).sum())
    rows = []
    names = ["level1", "level2", "level3"]
    for level in lv:
        keys = names[:level]
        if u.empty:
            continue
        grouped = u.groupby(keys, sort=False)
        pol = u.groupby(keys + ["polarity"], sort=False).size().unstack(fill_value=0)
        docs = grouped["row"].nunique()
        for key, sub in grouped:
            key = key if isinstance(key, tuple) else (key,)
            path = tuple(key)
            full = path + ("",) * (3 - level)
            pc = pol.loc[key if level > 1 else key[0]]
            cnt = {k: int(pc.get(k, 0)) for k in SENTIMENTS}
            m = len(sub)
            rows.append({
                "level": level, "level1": full[0], "level2": full[1], "level3": full[2],
                "node": " > ".join(path), "mentions": m,
                "documents": int(docs.loc[key if level > 1 else key[0]]),
                "share": int(docs.loc[key if level > 1 else key[0]]) / n_docs if n_docs else 0.0,
                **cnt, "net_sentiment": (cnt["positive"] - cnt["negative"]) / m,
                "examples": _examples(p, sub, n_examples),
            })
    cols = ["level", "level1", "level2", "level3", "node", "mentions", "documents", "share", *SENTIMENTS[::-1],
            "net_sentiment", "examples"]
    out = pd.DataFrame(rows, columns=cols)
    out = out[["level", "level1", "level2", "level3", "node", "mentions", "documents", "share",
               "positive", "neutral", "negative", "net_sentiment", "examples"]]
    return out.sort_values(["level", "mentions", "node"], ascending=[True, False, True],
                           kind="stable").reset_index(drop=True)


def opinion_tree(
    data: pd.DataFrame | Prepared,
    *,
    n_examples: int = 3,
    max_children: int | None = None,
) -> list[dict[str, Any]]:
    """The three-level opinion tree as nested dicts, biggest nodes first.

    Each node: ``name``, ``level``, ``node`` (path), ``mentions``, ``documents``,
    ``share``, ``positive``, ``neutral``, ``negative``, ``net_sentiment``,
    ``examples`` (see :func:`opinion_nodes`) and ``children`` (the next level;
    with ``max_children`` the rest are folded into ``other_children`` /
    ``other_mentions``).
    """
    t = opinion_nodes(data, n_examples=n_examples)
    by_level: dict[int, list[dict[str, Any]]] = {1: [], 2: [], 3: []}
    for rec in t.to_dict("records"):
        lvl = int(rec["level"])
        rec["name"] = rec[f"level{lvl}"]
        rec["children"] = []
        by_level[lvl].append(rec)
    index = {r["node"]: r for lvl in (1, 2) for r in by_level[lvl]}
    for lvl in (2, 3):
        for r in by_level[lvl]:
            parent = r["node"].rsplit(" > ", 1)[0]
            index[parent]["children"].append(r)
    if max_children is not None:
        for r in index.values():
            kids = r["children"]
            if len(kids) > max_children:
                r["other_children"] = len(kids) - max_children
                r["other_mentions"] = sum(k["mentions"] for k in kids[max_children:])
                r["children"] = kids[:max_children]
    return by_level[1]


def _node_names(u: pd.DataFrame, level: int) -> pd.Series:
    """"l1 > l2 > l3" paths of units, cut at ``level`` (vectorised)."""
    node = u["level1"].astype(object)
    for k in range(2, level + 1):
        node = node + " > " + u[f"level{k}"].astype(object)
    return node


# -- topics ------------------------------------------------------------------------------------
def topic_changes(
    data: pd.DataFrame | Prepared,
    *,
    time_col: str | None = None,
    freq: str | None = None,
    level: int = 2,
    top: int | None = 15,
) -> pd.DataFrame:
    """Top opinion nodes (level 2 by default) with their mention rate and its change.

    ``mention_rate`` = rows mentioning the node / analysed rows. With a time
    column, ``rate_last`` and ``rate_prev`` are the rates in the last and the
    previous period, and ``change`` = ``rate_last − rate_prev`` (NaN without two periods).

    Returns
    -------
    pandas.DataFrame
        ``node``, ``level1``, ``level2``, ``level3``, ``mentions``, ``documents``,
        ``mention_rate``, ``negative_share``, ``net_sentiment`` and, with a time
        column, ``period_last``, ``period_prev``, ``rate_last``, ``rate_prev``,
        ``change``. Most mentioned first.
    """
    import pandas as pd

    p = _prep(data, time_col=time_col)
    _need(p, "opinions")
    if level not in (1, 2, 3):
        raise ConfigError(f"level must be 1, 2 or 3, got {level!r}")
    t = opinion_nodes(p, levels=[level], n_examples=0)
    n_docs = int((~p.rows["failed"]).sum())
    out = pd.DataFrame({
        "node": t["node"], "level1": t["level1"], "level2": t["level2"], "level3": t["level3"],
        "mentions": t["mentions"], "documents": t["documents"],
        "mention_rate": t["documents"] / n_docs if n_docs else 0.0,
        "negative_share": t["negative"] / t["mentions"], "net_sentiment": t["net_sentiment"],
    })
    if "time" in p.rows.columns:
        per, f, full = _period_index(p, freq)
        if len(full) >= 2:
            last, prev = full[-1], full[-2]
            ok = ~p.rows["failed"]
            n_last = int(((per == last) & ok).sum())
            n_prev = int(((per == prev) & ok).sum())
            u = p.units.assign(_per=per.to_numpy()[p.units["row"].to_numpy()] if len(p.units) else [])
            u = u.assign(node=_node_names(u, level))
            d_last = u[u["_per"] == last].groupby("node")["row"].nunique()
            d_prev = u[u["_per"] == prev].groupby("node")["row"].nunique()
            out["period_last"] = _period_label(last, f)
            out["period_prev"] = _period_label(prev, f)
            out["rate_last"] = out["node"].map(d_last).fillna(0).astype(float) / n_last if n_last else float("nan")
            out["rate_prev"] = out["node"].map(d_prev).fillna(0).astype(float) / n_prev if n_prev else float("nan")
            out["change"] = out["rate_last"] - out["rate_prev"]
        else:
            for c in ("period_last", "period_prev"):
                out[c] = None
            for c in ("rate_last", "rate_prev", "change"):
                out[c] = float("nan")
    out = out.sort_values(["mentions", "node"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out.head(top) if top is not None else out


# -- word cloud --------------------------------------------------------------------------------
def wordcloud_terms(data: pd.DataFrame | Prepared, *, max_words: int = 80) -> pd.DataFrame:
    """Opinion terms for a word cloud: the level-3 node, or the opinion words where it is unmapped.

    Returns
    -------
    pandas.DataFrame
        ``term``, ``count``, ``positive``, ``neutral``, ``negative``,
        ``net_sentiment``, ``polarity`` (the majority class) and ``colour``
        (:data:`POLARITY_COLOURS`), most frequent first, at most ``max_words`` rows.
    """
    import pandas as pd

    p = _prep(data)
    _need(p, "opinions")
    if not isinstance(max_words, int) or max_words < 1:
        raise ConfigError(f"max_words must be a positive int, got {max_words!r}")
    u = p.units
    cols = ["term", "count", "positive", "neutral", "negative", "net_sentiment", "polarity", "colour"]
    if u.empty:
        return pd.DataFrame(columns=cols)
    term = u["level3"].where(u["level3"] != UNMAPPED, u["opinion"].str.strip())
    u = u.assign(term=term)
    u = u[u["term"].str.len() > 0]
    pol = u.groupby(["term", "polarity"]).size().unstack(fill_value=0).reindex(columns=list(SENTIMENTS), fill_value=0)
    pol["count"] = pol.sum(axis=1)
    pol = pol.reset_index()
    pol["net_sentiment"] = (pol["positive"] - pol["negative"]) / pol["count"]
    pol["polarity"] = pol[list(SENTIMENTS)].idxmax(axis=1)
    pol["colour"] = pol["polarity"].map(POLARITY_COLOURS)
    pol = pol.sort_values(["count", "term"], ascending=[False, True], kind="stable").head(max_words)
    out = pol[cols].reset_index(drop=True)
    out.columns.name = None
    return out


def _text_width(term: str, size: float) -> float:
    """Approximate rendered width: CJK glyphs are square, Latin ~0.6 em."""
    w = 0.0
    for ch in term:
        w += size * (1.0 if ord(ch) > 0x2E80 else 0.62)
    return w


def wordcloud_layout(
    terms: pd.DataFrame,
    *,
    width: int = 880,
    height: int = 360,
    min_size: float = 13.0,
    max_size: float = 54.0,
    padding: float = 3.0,
) -> pd.DataFrame:
    """Place word-cloud terms on a canvas without overlap (deterministic spiral placement).

    Parameters
    ----------
    terms
        :func:`wordcloud_terms` output (needs ``term`` and ``count``; ``colour`` and
        ``polarity`` carried along when present).

    Returns
    -------
    pandas.DataFrame
        The placed terms with ``x``, ``y`` (centre of the text box, pixels from the
        top-left), ``size`` (font size px), ``w``, ``h`` (box). Terms that do not fit are dropped.

    Examples
    --------
    >>> import pandas as pd
    >>> lay = wordcloud_layout(pd.DataFrame({"term": ["配送快", "质量差", "好"], "count": [9, 4, 1]}))
    >>> lay["term"].tolist(), bool(lay["size"].is_monotonic_decreasing)
    (['配送快', '质量差', '好'], True)
    """
    import pandas as pd

    if not {"term", "count"} <= set(terms.columns):
        raise InputError(f"wordcloud_layout needs columns 'term' and 'count' (from wordcloud_terms); "
                         f"got {list(terms.columns)}")
    if terms.empty:
        return terms.assign(x=[], y=[], size=[], w=[], h=[])
    t = terms.sort_values("count", ascending=False, kind="stable").reset_index(drop=True)
    cmax, cmin = float(t["count"].max()), float(t["count"].min())
    placed: list[tuple[float, float, float, float]] = []
    keep, xs, ys, sizes, ws, hs = [], [], [], [], [], []
    cx, cy = width / 2.0, height / 2.0
    for i, rec in enumerate(t.itertuples(index=False)):
        frac = 1.0 if cmax == cmin else (math.sqrt(rec.count) - math.sqrt(cmin)) / (math.sqrt(cmax) - math.sqrt(cmin))
        size = min_size + (max_size - min_size) * frac
        while True:
            w, h = _text_width(str(rec.term), size) + 2 * padding, size * 1.15 + 2 * padding
            if w <= width and h <= height:
                break
            size *= 0.85
        found = None
        step = 0
        while step < 4000:  # Archimedean spiral, elliptical to fill a wide canvas
            a = 0.35 * step
            r = 1.6 * a
            x = cx + r * math.cos(a) * (width / height) ** 0.5
            y = cy + r * math.sin(a) / (width / height) ** 0.5
            step += 1
            x0, y0 = x - w / 2, y - h / 2
            if x0 < 0 or y0 < 0 or x0 + w > width or y0 + h > height:
                if r > max(width, height):
                    break
                continue
            if all(x0 + w <= a0 or a0 + aw <= x0 or y0 + h <= b0 or b0 + bh <= y0 for a0, b0, aw, bh in placed):
                found = (x0, y0)
                break
        if found is None:
            continue
        placed.append((found[0], found[1], w, h))
        keep.append(i)
        xs.append(found[0] + w / 2)
        ys.append(found[1] + h / 2)
        sizes.append(round(size, 1))
        ws.append(w)
        hs.append(h)
    out = t.iloc[keep].reset_index(drop=True)
    return out.assign(x=xs, y=ys, size=sizes, w=ws, h=hs)


# -- scores ------------------------------------------------------------------------------------
def guess_score_kind(values: Any, *, name: str | None = None) -> ScoreKind:
    """``"nps"`` for 0-10 scores, ``"stars"`` for 1-5 (``"csat"`` when the column name says so).

    >>> guess_score_kind([9, 10, 3, 0]), guess_score_kind([5, 4, 1]), guess_score_kind([5, 4], name="csat")
    ('nps', 'stars', 'csat')
    """
    import pandas as pd

    s = pd.to_numeric(pd.Series(list(values) if not isinstance(values, pd.Series) else values),
                      errors="coerce").dropna()
    low = (name or "").lower()
    if "nps" in low or "推荐" in low:
        return "nps"
    if s.empty:
        raise InputError("the score column holds no numbers; pass score_kind= or fill the column")
    lo, hi = float(s.min()), float(s.max())
    if lo < 0 or hi > 10:
        raise InputError(f"scores range from {lo:g} to {hi:g}; expected NPS 0-10, CSAT 1-5 or stars 1-5 "
                         "(rescale the column, or pass score_kind=)")
    if hi > 5 or lo < 1:
        return "nps"
    if "csat" in low or "满意" in low:
        return "csat"
    return "stars"


def _check_kind(kind: str | None, p: Prepared) -> ScoreKind:
    if kind is None:
        return guess_score_kind(p.rows["score"], name=p.score_col)
    if kind == "star":
        kind = "stars"
    if kind not in _SCORE_KINDS:
        raise ConfigError(f"score_kind must be 'nps', 'csat', 'stars' or None (guess), got {kind!r}")
    return kind  # type: ignore[return-value]


def is_detractor(scores: pd.Series, kind: str) -> pd.Series:
    """Low scores: NPS 0-6, CSAT / stars 1-2 (NaN scores are not detractors)."""
    return scores <= (6 if kind == "nps" else 2)


def score_summary(
    data: pd.DataFrame | Prepared,
    *,
    score_col: str | None = None,
    score_kind: str | None = None,
) -> dict[str, Any]:
    """NPS, CSAT or star summary of a score column.

    Returns a dict: ``kind``, ``n`` (rows with a score), ``mean``, ``distribution``
    (score → count) and, for NPS (0-10): ``promoters``, ``passives``,
    ``detractors`` (shares) and ``nps`` (% promoters − % detractors, −100..100);
    for CSAT / stars (1-5): ``satisfied`` (share 4-5), ``dissatisfied`` (share 1-2)
    and ``csat`` (% satisfied). ``detractors`` is always the low-score share.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"sentiment_label": ["positive"] * 4, "nps": [10, 9, 7, 3]})
    >>> score_summary(df, score_col="nps")["nps"]
    25.0
    """
    p = _prep(data, score_col=score_col)
    _need(p, "score")
    kind = _check_kind(score_kind, p)
    s = p.rows["score"].dropna()
    lo, hi = (0, 10) if kind == "nps" else (1, 5)
    if len(s) and (s.min() < lo or s.max() > hi):
        raise InputError(f"{kind} scores must lie in {lo}-{hi}; got {s.min():g} to {s.max():g}. "
                         "Pass the right score_kind or rescale the column")
    n = int(len(s))
    dist = {int(k) if float(k).is_integer() else float(k): int(v) for k, v in s.value_counts().sort_index().items()}
    out: dict[str, Any] = {"kind": kind, "n": n, "mean": float(s.mean()) if n else float("nan"),
                           "distribution": dist}
    if kind == "nps":
        prom = float((s >= 9).mean()) if n else 0.0
        det = float((s <= 6).mean()) if n else 0.0
        out.update(promoters=prom, passives=(1.0 - prom - det) if n else 0.0, detractors=det,
                   nps=round(100 * (prom - det), 1))
    else:
        sat = float((s >= 4).mean()) if n else 0.0
        det = float((s <= 2).mean()) if n else 0.0
        out.update(satisfied=sat, dissatisfied=det, detractors=det, csat=round(100 * sat, 1))
    return out


def detractor_opinions(
    data: pd.DataFrame | Prepared,
    *,
    score_col: str | None = None,
    score_kind: str | None = None,
    level: int = 2,
    top: int = 10,
    min_support: int = 2,
) -> pd.DataFrame:
    """Opinion nodes over-represented among detractors (a simple, always-available driver view).

    Returns
    -------
    pandas.DataFrame
        ``node``, ``support`` (scored rows mentioning it), ``detractor_rate`` (share of
        those rows that are detractors), ``base_rate`` (share of detractors among scored
        rows not mentioning it), ``lift`` (detractor_rate − base_rate), ``mean_with``,
        ``mean_without``, ``negative_share``; sorted by lift × support, at most ``top`` rows.
    """
    import pandas as pd

    p = _prep(data, score_col=score_col)
    _need(p, "score")
    _need(p, "opinions")
    kind = _check_kind(score_kind, p)
    cols = ["node", "support", "detractor_rate", "base_rate", "lift", "mean_with", "mean_without", "negative_share"]
    scores = p.rows["score"]
    scored = scores.notna() & ~p.rows["failed"]
    n = int(scored.sum())
    u = p.units[scored.to_numpy()[p.units["row"].to_numpy()]] if len(p.units) else p.units
    if u.empty or n == 0:
        return pd.DataFrame(columns=cols)
    u = u.assign(node=_node_names(u, level))
    det = is_detractor(scores, kind)
    total_det = int((det & scored).sum())
    total_sum = float(scores[scored].sum())
    rows = []
    for name, sub in u.groupby("node", sort=False):
        r = sub["row"].unique()
        k = len(r)
        if k < min_support:
            continue
        d_with = int(det.iloc[r].sum())
        rest = n - k
        s_with = float(scores.iloc[r].sum())
        rows.append({
            "node": name, "support": k, "detractor_rate": d_with / k,
            "base_rate": (total_det - d_with) / rest if rest else float("nan"),
            "mean_with": s_with / k, "mean_without": (total_sum - s_with) / rest if rest else float("nan"),
            "negative_share": float((sub["polarity"] == "negative").mean()),
        })
    out = pd.DataFrame(rows, columns=[c for c in cols if c != "lift"])
    out["lift"] = out["detractor_rate"] - out["base_rate"]
    out = out[cols]
    out = out.assign(_k=out["lift"].fillna(0) * out["support"]).sort_values(
        ["_k", "support", "node"], ascending=[False, False, True], kind="stable")
    return out[out["lift"].fillna(0) > 0].drop(columns="_k").head(top).reset_index(drop=True)


def to_opinion_frame(data: pd.DataFrame | Prepared) -> pd.DataFrame:
    """A slim analysed frame rebuilt from :class:`Prepared`: ``opinions`` (lists of dicts),
    ``sentiment_label``, ``voc_error`` and ``score`` / ``time`` when present.

    For functions that want an analysed frame (``voc.drivers``) when only a
    :class:`Prepared` view is at hand (the ``voc report`` command on a big file).
    """
    import pandas as pd

    p = _prep(data)
    r = p.rows
    lists: list[list[dict[str, Any]]] = [[] for _ in range(len(r))]
    for u in p.units.itertuples(index=False):
        lists[u.row].append({"aspect": u.aspect, "opinion": u.opinion, "polarity": u.polarity,
                             "category": [u.level1, u.level2, u.level3]})
    out = pd.DataFrame({"sentiment_label": r["sentiment_label"], "opinions": lists, "voc_error": r["error"]})
    for c in ("score", "time"):
        if c in r.columns:
            out[c] = r[c]
    return out
