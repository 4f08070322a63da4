"""Metric alerts (预警工单): spikes against a group's own baseline, and low-score feedback.

:func:`detect_spikes` compares each (group, period) with the same group's
previous ``baseline`` periods: the *negative share* (negative rows / rows of the
group) or the *mention rate* (rows of the group / all rows in the period). A
spike needs at least ``min_count`` rows, a one-sided two-proportion z-test
p-value below ``alpha`` and a relative lift of at least ``min_lift``.

:func:`feedback_alerts` turns low scores (NPS 0–6, CSAT ≤ 2, stars ≤ 2) into
alert rows with the opinions (or, without the opinions step, the negative
sentiment evidence) that explain them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from .._input import is_missing
from ..errors import ConfigError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["detect_spikes", "feedback_alerts"]

_SCALES = {"nps": (0, 10, 6), "csat": (1, 5, 2), "star": (1, 5, 2)}


def _z_test_greater(k1: float, n1: float, k0: float, n0: float) -> tuple[float, float]:
    """One-sided two-proportion z-test of p1 > p0 (pooled); returns (z, p-value)."""
    if n1 <= 0 or n0 <= 0:
        return 0.0, 1.0
    p = (k1 + k0) / (n1 + n0)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
    if se == 0.0:
        return (math.inf, 0.0) if k1 / n1 > k0 / n0 else (0.0, 1.0)
    z = (k1 / n1 - k0 / n0) / se
    return z, 0.5 * math.erfc(z / math.sqrt(2))


def detect_spikes(
    frame: pd.DataFrame,
    *,
    by: str | Sequence[str],
    period: str = "D",
    time_col: str = "time",
    metric: Literal["negative_share", "mention_rate"] = "negative_share",
    negative_col: str = "sentiment_label",
    negative_value: Any = "negative",
    baseline: int = 8,
    min_count: int = 20,
    min_lift: float = 1.5,
    alpha: float = 0.01,
) -> pd.DataFrame:
    """Flag groups (products, topics, stores …) whose negative share or mention rate jumps.

    Parameters
    ----------
    frame
        One row per review/message with a time column, the ``by`` column(s)
        and, for ``negative_share``, a column saying which rows are negative
        (e.g. ``sentiment_label`` from :func:`voc.analyze_frame`).
    by
        Column(s) that define a group, e.g. ``"product"`` or ``["store", "topic"]``.
    period
        pandas period alias: ``"D"`` day, ``"W"`` week, ``"M"`` month, ``"h"`` hour.
    metric
        ``"negative_share"``: negatives / rows of the group; ``"mention_rate"``:
        rows of the group / all rows in the period.
    negative_col, negative_value
        Which rows count as negative (``frame[negative_col] == negative_value``,
        or a boolean column with ``negative_value=True``).
    baseline
        How many previous periods of the same group form its baseline.
    min_count
        Rows the group needs in the period (and in its baseline) to be tested.
    min_lift
        Smallest ratio current / baseline rate that counts as a spike.
    alpha
        Significance level of the one-sided two-proportion z-test.

    Returns
    -------
    pandas.DataFrame
        One row per spike, most significant first: the ``by`` columns,
        ``period``, ``count`` (rows of the group in the period), ``hits``
        (negatives, or the count for mention_rate), ``rate``,
        ``baseline_rate``, ``lift``, ``z``, ``p_value``.

    Examples
    --------
    >>> import pandas as pd
    >>> days = ["2024-05-0%d" % d for d in range(1, 6)]
    >>> rows = [(d, "A", "negative" if (i % 10 == 0 or (d == days[-1] and i % 2)) else "positive")
    ...         for d in days for i in range(40)]
    >>> df = pd.DataFrame(rows, columns=["time", "product", "sentiment_label"])
    >>> out = detect_spikes(df, by="product", period="D")
    >>> out[["product", "period", "rate", "baseline_rate"]].to_string(index=False)
    'product     period  rate  baseline_rate\\n      A 2024-05-05   0.6            0.1'
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"detect_spikes expects a pandas DataFrame, got {type(frame).__name__}")
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise ConfigError("by= must name at least one column")
    if metric not in ("negative_share", "mention_rate"):
        raise ConfigError(f"metric must be 'negative_share' or 'mention_rate', got {metric!r}")
    need = keys + [time_col] + ([negative_col] if metric == "negative_share" else [])
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise InputError(f"columns {missing} not in the frame; columns are {list(frame.columns)[:20]}")
    if baseline < 1 or min_count < 1 or not 0 < alpha < 1 or min_lift < 1:
        raise ConfigError("need baseline >= 1, min_count >= 1, 0 < alpha < 1 and min_lift >= 1")
    times = pd.to_datetime(frame[time_col], errors="coerce")
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_localize(None)
    try:
        per = times.dt.to_period(period)
    except (ValueError, TypeError) as err:
        raise ConfigError(f"period {period!r} is not a pandas period alias (D, W, M, h …): {err}") from None
    work = frame[keys].copy()
    work["_period"] = per
    if metric == "negative_share":
        work["_hit"] = (frame[negative_col] == negative_value).astype(int)
    else:
        work["_hit"] = 1
    work = work[per.notna()]
    if work.empty:
        return pd.DataFrame(columns=keys + ["period", "count", "hits", "rate", "baseline_rate", "lift", "z", "p_value"])
    grouped = work.groupby(keys + ["_period"], observed=True, sort=True)["_hit"].agg(["size", "sum"]).reset_index()
    totals = work.groupby("_period", observed=True).size()
    periods = pd.period_range(work["_period"].min(), work["_period"].max(), freq=work["_period"].iloc[0].freq)
    pos = {p: i for i, p in enumerate(periods)}
    rows = []
    for gkey, g in grouped.groupby(keys, observed=True, sort=False):
        gkey = gkey if isinstance(gkey, tuple) else (gkey,)
        n = [0] * len(periods)
        k = [0] * len(periods)
        for p, size, hits in zip(g["_period"], g["size"], g["sum"]):
            i = pos[p]
            if metric == "negative_share":
                n[i], k[i] = int(size), int(hits)
            else:
                n[i], k[i] = int(totals[p]), int(size)
        for i in range(1, len(periods)):
            lo = max(0, i - baseline)
            n0, k0 = sum(n[lo:i]), sum(k[lo:i])
            count = n[i] if metric == "negative_share" else k[i]
            if count < min_count or n0 < min_count or n[i] == 0:
                continue
            rate, base = k[i] / n[i], k0 / n0
            lift = rate / base if base > 0 else math.inf
            z, pval = _z_test_greater(k[i], n[i], k0, n0)
            if pval < alpha and lift >= min_lift:
                rows.append({**dict(zip(keys, gkey)), "period": periods[i], "count": count, "hits": k[i],
                             "rate": round(rate, 6), "baseline_rate": round(base, 6), "lift": lift, "z": z,
                             "p_value": pval})
    out = pd.DataFrame(rows, columns=keys + ["period", "count", "hits", "rate", "baseline_rate", "lift", "z", "p_value"])
    return out.sort_values("p_value", kind="stable").reset_index(drop=True)


def _default_explain(texts: list[str]) -> list[list[str]]:
    """Negative opinions per text (``voc.opinions``), else negative sentiment evidence, else nothing."""
    from .. import _api

    out: list[list[str]] = []
    for t in texts:
        reasons: list[str] = []
        if t:
            try:
                reasons = [f"{o.aspect}{o.opinion}" for o in _api.opinions(t) if o.polarity == "negative"]
            except Exception:  # noqa: BLE001 - explanation is best effort (step may be missing)
                reasons = []
            if not reasons:
                try:
                    reasons = [sp.text for sp in _api.sentiment(t).evidence if sp.weight < 0][:5]
                except Exception:  # noqa: BLE001 - no sentiment model: no explanation
                    reasons = []
        out.append(reasons)
    return out


def feedback_alerts(
    frame: pd.DataFrame,
    *,
    score_col: str,
    scale: Literal["nps", "csat", "star"] = "nps",
    text_col: str | None = None,
    threshold: float | None = None,
    explain: Callable[[list[str]], list[list[str]]] | None = None,
) -> pd.DataFrame:
    """Alert rows for low-score feedback: NPS 0–6, CSAT ≤ 2, star ≤ 2 (or ``threshold``).

    Parameters
    ----------
    frame
        One row per survey answer / review.
    score_col
        The score column.
    scale
        ``"nps"`` (0–10, detractors 0–6), ``"csat"`` (1–5, alert at ≤ 2) or
        ``"star"`` (1–5, alert at ≤ 2).
    text_col
        Comment column; its opinions explain the alert.
    threshold
        Alert at scores ≤ this instead of the scale's default.
    explain
        ``texts -> list of reasons per text``; default: negative opinions from
        ``voc.opinions`` when available, else negative sentiment evidence.

    Returns
    -------
    pandas.DataFrame
        The alerting rows (input index kept): ``score``, ``scale``,
        ``severity`` (``"high"`` in the lower half of the alert range, e.g. NPS 0–3, else
        ``"medium"``), ``text`` and ``reasons`` (list of str). Rows with a
        missing or non-numeric score are skipped.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"nps": [9, 3, 6, None], "comment": ["很好", "太慢了", "一般", ""]})
    >>> feedback_alerts(df, score_col="nps", text_col="comment", explain=lambda ts: [[] for _ in ts])[["score", "severity"]]
       score severity
    1    3.0     high
    2    6.0   medium
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"feedback_alerts expects a pandas DataFrame, got {type(frame).__name__}")
    if scale not in _SCALES:
        raise ConfigError(f"scale must be one of {sorted(_SCALES)}, got {scale!r}")
    for c in (score_col, text_col):
        if c is not None and c not in frame.columns:
            raise InputError(f"column {c!r} not in the frame; columns are {list(frame.columns)[:20]}")
    lo, hi, default = _SCALES[scale]
    limit = default if threshold is None else threshold
    scores = pd.to_numeric(frame[score_col], errors="coerce")
    mask = scores.notna() & (scores <= limit)
    sub = frame[mask]
    s = scores[mask].astype(float)
    cut = lo + (limit - lo) / 2.0
    severity = ["high" if v <= cut else "medium" for v in s]
    texts = ["" if text_col is None or is_missing(v) else str(v) for v in (sub[text_col] if text_col else [None] * len(sub))]
    fn = explain or _default_explain
    reasons = fn([t for t in texts]) if texts else []
    if len(reasons) != len(texts):
        raise InputError(f"explain returned {len(reasons)} reason lists for {len(texts)} texts")
    return pd.DataFrame({"score": s, "scale": scale, "severity": severity, "text": texts,
                         "reasons": [list(r) for r in reasons]}, index=sub.index)
