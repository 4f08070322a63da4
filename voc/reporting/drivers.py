"""Key-driver analysis (关键体验驱动因素): which opinion nodes move NPS, CSAT or star ratings.

For every taxonomy node at the chosen level, the documents that mention it are
compared with those that do not: ``effect`` = mean score with − mean score
without, with a Welch confidence interval and p-value, and ``impact`` =
effect × share of documents mentioning the node (how much the overall mean
would move if the node's effect disappeared). This is a comparison of groups,
not a causal estimate: a node mentioned together with another strong driver
inherits part of its effect (see ``voc.opinion_links`` for co-mentions).
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ConfigError, InputError, VocWarning
from . import aggregate as agg

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["drivers"]

_LEVELS = {"level1": 1, "level2": 2, "level3": 3}
_RANGES = {"nps": (0.0, 10.0), "csat": (1.0, 5.0), "stars": (1.0, 5.0)}
_MIN_GROUP = 2  # a variance needs two documents on each side


def _t_quantile_sf(df: float) -> tuple[Any, Any]:
    """(ppf, sf) of Student's t with ``df`` degrees of freedom; a normal approximation without scipy."""
    try:  # scipy.special, not scipy.stats: a quarter of the import time
        from scipy.special import stdtr, stdtrit
    except ImportError:  # pragma: no cover - scipy comes with scikit-learn
        from statistics import NormalDist

        nd = NormalDist()
        return nd.inv_cdf, lambda x: 1.0 - nd.cdf(x)
    return (lambda q: stdtrit(df, q)), (lambda x: stdtr(df, -x))


def _welch(n1: int, m1: float, v1: float, n2: int, m2: float, v2: float,
           confidence: float) -> tuple[float, float, float]:
    """Confidence interval (low, high) of m1 − m2 and the two-sided p-value (Welch's t-test)."""
    diff = m1 - m2
    if n1 < _MIN_GROUP or n2 < _MIN_GROUP:
        return float("nan"), float("nan"), float("nan")
    a, b = v1 / n1, v2 / n2
    se = math.sqrt(a + b)
    if se == 0.0:  # every score equal within each group
        return diff, diff, (1.0 if diff == 0 else 0.0)
    df = (a + b) ** 2 / ((a * a / (n1 - 1) if a else 0.0) + (b * b / (n2 - 1) if b else 0.0))
    ppf, sf = _t_quantile_sf(df)
    half = float(ppf(0.5 + confidence / 2.0)) * se
    p = min(1.0, 2.0 * float(sf(abs(diff) / se)))
    return diff - half, diff + half, p


def _bh(p: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (NaN kept)."""
    idx = sorted((i for i, v in enumerate(p) if not math.isnan(v)), key=lambda i: p[i])
    m = len(idx)
    out = [float("nan")] * len(p)
    run = 1.0
    for rank in range(m, 0, -1):
        i = idx[rank - 1]
        run = min(run, p[i] * m / rank)
        out[i] = run
    return out


def _nps(scores: Any) -> float:
    n = len(scores)
    if not n:
        return float("nan")
    return 100.0 * (float((scores >= 9).sum()) - float((scores <= 6).sum())) / n


def drivers(
    frame: pd.DataFrame | agg.Prepared,
    *,
    score_col: str,
    by: Literal["level1", "level2", "level3"] = "level2",
    score_kind: Literal["nps", "csat", "stars"] | None = None,
    min_support: int = 20,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Rank opinion nodes by how much they move a score (NPS, CSAT or stars).

    Parameters
    ----------
    frame
        An analysed frame (:func:`voc.analyze_frame` output joined to your columns, or
        a ``voc analyze`` file read back: ``opinions`` cells may be lists of dicts,
        :class:`voc.Opinion` or their JSON text), or :func:`voc.reporting.aggregate.prepare`'s view.
    score_col
        The score column: NPS 0-10, CSAT 1-5 or stars 1-5.
    by
        Taxonomy level of the nodes: ``"level1"`` (category), ``"level2"`` (aspect
        group) or ``"level3"`` (normalised opinion). Nodes the extractor could not
        map at that level (``未归类``) are not reported.
    score_kind
        ``"nps"``, ``"csat"`` or ``"stars"``; default guessed from the values
        (0-10 → NPS, 1-5 → stars, or CSAT when the column name says so).
    min_support
        Report only nodes mentioned in at least this many scored documents.
    confidence
        Level of the confidence interval of ``effect``.

    Returns
    -------
    pandas.DataFrame
        One row per node: ``node`` (path joined by " > "), ``level1``, ``level2``,
        [``level3`` with ``by="level3"``], ``support`` (scored documents mentioning it),
        ``mean_with``, ``mean_without``, ``effect`` (mean_with − mean_without), ``ci_low``,
        ``ci_high`` (Welch t interval), ``p_value`` (Welch's t-test, two-sided), ``impact``
        (effect × support / scored documents), then ``p_adjusted`` (Benjamini-Hochberg over the
        rows returned), ``negative_share`` (share of supporting documents with a negative
        mention of the node), ``support_negative`` and ``effect_negative`` (mean score of
        documents with a negative mention − mean_without), and for NPS ``nps_with`` and
        ``nps_without`` (−100..100). Sorted by ``|impact|``, largest first (NaN last).
        ``attrs`` holds ``score_kind``, ``n_scored``, ``n_missing_score`` (rows without a
        score, left out) and ``n_failed`` (rows with ``voc_error``, left out).

    Raises
    ------
    InputError
        No ``opinions`` column, ``score_col`` missing or not numeric, scores outside the
        range of ``score_kind``, no scored rows.
    ConfigError
        A bad ``by``, ``score_kind``, ``min_support`` or ``confidence``.

    Warns
    -----
    VocWarning
        When rows were left out because their score is missing or their analysis failed.

    Examples
    --------
    >>> import pandas as pd
    >>> from voc.reporting.drivers import drivers
    >>> slow = {"aspect": "物流", "opinion": "太慢", "polarity": "negative",
    ...         "category": ["物流配送", "配送速度", "配送慢"]}
    >>> good = {"aspect": "质量", "opinion": "很好", "polarity": "positive",
    ...         "category": ["产品质量", "质量做工", "质量好"]}
    >>> df = pd.DataFrame({"opinions": [[slow], [good], [good, slow], [good], []] * 8,
    ...                    "stars": [1, 5, 3, 4, 4] * 8})
    >>> t = drivers(df, score_col="stars", min_support=10)
    >>> t[["node", "support", "effect"]].round(2).values.tolist()
    [['物流配送 > 配送速度', 16, -2.33], ['产品质量 > 质量做工', 24, 1.5]]
    >>> bool(t["ci_high"].iloc[0] < 0)
    True
    """
    import numpy as np
    import pandas as pd

    if by not in _LEVELS:
        raise ConfigError(f"by must be 'level1', 'level2' or 'level3', got {by!r}")
    if score_kind is not None and score_kind not in _RANGES:
        raise ConfigError(f"score_kind must be 'nps', 'csat', 'stars' or None (guess from the values), "
                          f"got {score_kind!r}")
    if isinstance(min_support, bool) or not isinstance(min_support, (int, np.integer)) or min_support < 1:
        raise ConfigError(f"min_support must be an int >= 1, got {min_support!r}")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0.0 < confidence < 1.0:
        raise ConfigError(f"confidence must be a number between 0 and 1 (e.g. 0.95), got {confidence!r}")
    if not isinstance(score_col, str):
        raise InputError(f"score_col must be a column name (str), got {type(score_col).__name__}")
    if isinstance(frame, agg.Prepared):
        p = frame
        if "score" not in p.rows.columns or p.score_col not in (None, score_col):
            raise InputError(f"this Prepared view was built without score_col={score_col!r}; call "
                             f"prepare(frame, score_col={score_col!r}) or pass the frame itself")
    else:
        if isinstance(frame, pd.DataFrame) and "opinions" not in frame.columns:
            raise InputError("the frame has no 'opinions' column; run voc.analyze_frame(df, text_col=...) with the "
                             f"opinions step (the default) first; columns here: {list(frame.columns)[:20]}")
        p = agg.prepare(frame, score_col=score_col)
    if not p.has_opinions:
        raise InputError("the frame has no 'opinions' column; run voc.analyze_frame(df, text_col=...) with the "
                         "opinions step (the default) first")
    scores_all = p.rows["score"].to_numpy(dtype=float)
    failed = p.rows["failed"].to_numpy(dtype=bool)
    missing = np.isnan(scores_all) & ~failed
    ok = ~np.isnan(scores_all) & ~failed
    n_failed, n_missing = int(failed.sum()), int(missing.sum())
    if not ok.any():
        raise InputError(f"no row has both a score in {score_col!r} and a successful analysis; expected numbers "
                         "(NPS 0-10, CSAT or stars 1-5)")
    if n_missing:
        warnings.warn(f"{n_missing} of {len(scores_all)} rows have no score in column {score_col!r}; they are "
                      "left out of the driver analysis (see result.attrs['n_missing_score'])",
                      VocWarning, stacklevel=2)
    if n_failed:
        warnings.warn(f"{n_failed} rows failed analysis (voc_error set); they are left out of the driver "
                      "analysis (see result.attrs['n_failed'])", VocWarning, stacklevel=2)
    valid = scores_all[ok]
    if score_kind is None and (valid.min() < 0 or valid.max() > 10):
        raise InputError(f"score column {score_col!r} ranges from {valid.min():g} to {valid.max():g}; expected "
                         "NPS 0-10, CSAT 1-5 or stars 1-5: rescale the column")
    kind = score_kind or agg.guess_score_kind(pd.Series(valid), name=score_col)
    lo, hi = _RANGES[kind]
    bad = valid[(valid < lo) | (valid > hi)]
    if len(bad):
        raise InputError(f"score column {score_col!r} has {len(bad)} values outside {lo:g}-{hi:g} for "
                         f"score_kind={kind!r} (e.g. {bad[0]:g}; range {valid.min():g} to {valid.max():g}); "
                         "expected NPS 0-10, CSAT or stars 1-5: pass the right score_kind or rescale the column")

    level = _LEVELS[by]
    keys = ["level1", "level2", "level3"][:level]
    n = int(ok.sum())
    total, total_sq = float(valid.sum()), float((valid * valid).sum())
    units = p.units
    if len(units):
        units = units[ok[units["row"].to_numpy()]]
        units = units[units[keys[-1]] != agg.UNMAPPED]
    rows: list[dict[str, Any]] = []
    if len(units):
        node = units[keys].agg(" > ".join, axis=1) if level > 1 else units["level1"]
        units = units.assign(node=node.to_numpy())
        for name, sub in units.groupby("node", sort=True):
            r = np.unique(sub["row"].to_numpy())
            k = len(r)
            if k < min_support:
                continue
            s = scores_all[r]
            m1 = float(s.mean())
            v1 = float(s.var(ddof=1)) if k > 1 else 0.0
            k2 = n - k
            m2 = (total - float(s.sum())) / k2 if k2 else float("nan")
            v2 = ((total_sq - float((s * s).sum())) - k2 * m2 * m2) / (k2 - 1) if k2 > 1 else 0.0
            v2 = max(v2, 0.0)
            low, high, pv = _welch(k, m1, v1, k2, m2, v2, confidence)
            neg_rows = np.unique(sub.loc[sub["polarity"] == "negative", "row"].to_numpy())
            first = sub.iloc[0]
            rec: dict[str, Any] = {
                "node": name, "level1": first["level1"], "level2": first["level2"] if level > 1 else "",
                "support": k, "mean_with": m1, "mean_without": m2, "effect": m1 - m2,
                "ci_low": low, "ci_high": high, "p_value": pv, "impact": (m1 - m2) * k / n,
                "negative_share": len(neg_rows) / k, "support_negative": len(neg_rows),
                "effect_negative": (float(scores_all[neg_rows].mean()) - m2) if len(neg_rows) else float("nan"),
            }
            if level == 3:
                rec["level3"] = first["level3"]
            if kind == "nps":
                without = np.ones(len(scores_all), dtype=bool)
                without[r] = False
                rec["nps_with"] = _nps(s)
                rec["nps_without"] = _nps(scores_all[without & ok])
            rows.append(rec)
    cols = ["node", "level1", "level2", *(["level3"] if level == 3 else []), "support", "mean_with",
            "mean_without", "effect", "ci_low", "ci_high", "p_value", "impact", "p_adjusted", "negative_share",
            "support_negative", "effect_negative", *(["nps_with", "nps_without"] if kind == "nps" else [])]
    out = pd.DataFrame(rows, columns=[c for c in cols if c != "p_adjusted"])
    out["p_adjusted"] = _bh(out["p_value"].astype(float).tolist())
    out = out[cols]
    out["support"] = out["support"].astype("int64")
    out["support_negative"] = out["support_negative"].astype("int64")
    order = out.assign(_a=out["impact"].abs()).sort_values(["_a", "support", "node"], ascending=[False, False, True],
                                                           na_position="last", kind="stable")
    out = order.drop(columns="_a").reset_index(drop=True)
    out.attrs.update(score_kind=kind, score_col=score_col, by=by, confidence=confidence, n_scored=n,
                     n_missing_score=n_missing, n_failed=n_failed)
    return out
