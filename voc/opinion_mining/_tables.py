"""Drill-down tables over extracted opinions: counts per taxonomy node, and which nodes come together.

Both functions take either Documents (``voc.Pipeline(...).pipe(texts)``,
``OpinionExtractor.pipe(docs)``) or a frame analysed by
``voc.analyze_frame`` (an ``opinions`` column holding, per row, a list of
:class:`~voc.Opinion` or of the dicts :func:`to_records` makes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._input import is_missing
from .._types import Document, Opinion
from ..errors import ConfigError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["UNMAPPED", "opinion_links", "opinion_table", "to_records"]

#: Label of a taxonomy level the extractor could not infer.
UNMAPPED = "未归类"
_POLS = ("positive", "neutral", "negative")


def to_records(opinions: Iterable[Opinion] | None) -> list[dict[str, Any]]:
    """Opinions as plain dicts (for a DataFrame cell, JSON or Parquet).

    Keys: ``aspect``, ``opinion``, ``polarity``, ``category`` (list of three
    names), ``aspect_span`` (``[start, end]`` or ``None``), ``opinion_span``;
    spans are offsets into the normalised text.

    >>> from voc import Opinion, Span
    >>> to_records([Opinion("物流", "很快", "positive", ("物流配送", "配送速度", "配送快"),
    ...                     Span(0, 2, "物流"), Span(2, 4, "很快"))])[0]["category"]
    ['物流配送', '配送速度', '配送快']
    """
    out = []
    for o in opinions or ():
        out.append({
            "aspect": o.aspect,
            "opinion": o.opinion,
            "polarity": o.polarity,
            "category": list(o.category),
            "aspect_span": [o.aspect_span.start, o.aspect_span.end] if o.aspect_span else None,
            "opinion_span": [o.opinion_span.start, o.opinion_span.end] if o.opinion_span else None,
        })
    return out


def _unit(o: Any) -> tuple[tuple[str, str, str], str]:
    if isinstance(o, Opinion):
        cat, pol = tuple(o.category), o.polarity
    elif isinstance(o, Mapping):
        c = o.get("category")  # a list, or a numpy array in a frame read back from parquet
        cat, pol = (tuple(c) if c is not None else ()), o.get("polarity", "neutral")
    else:
        raise InputError(f"an opinion must be a voc.Opinion or a dict from to_records(), got {type(o).__name__}")
    cat = tuple((c or UNMAPPED) for c in cat[:3]) + (UNMAPPED,) * (3 - len(cat[:3]))
    return cat, str(pol)  # type: ignore[return-value]


def _opinion_list(ops: Any, row: int) -> list[Any]:
    """One frame cell of ``opinions``: a list, a numpy array (parquet), JSON text (csv) or missing."""
    if ops is None:
        return []
    if isinstance(ops, str):
        import json

        try:
            ops = json.loads(ops) if ops.strip() else []
        except json.JSONDecodeError:
            raise InputError(f"row {row}: the opinions cell is not JSON ({ops[:40]!r}); pass the frame "
                             "voc.analyze_frame returned, or a file `voc analyze` wrote") from None
        if not isinstance(ops, list):
            raise InputError(f"row {row}: the opinions cell holds {type(ops).__name__}, expected a list")
        return ops
    if hasattr(ops, "__len__") and not isinstance(ops, Mapping):
        return list(ops)
    if is_missing(ops):
        return []
    raise InputError(f"row {row}: the opinions cell holds {type(ops).__name__}, expected a list of opinions")


def _rows(data: Any, by: str | None, period: str | None, id_col: str | None) -> tuple[list[tuple[Any, ...]], list[tuple[Any, Any, Any]]]:
    """(doc index, id, by, period, opinions) per document, and the list of (id, by, period) per doc."""
    import pandas as pd

    docs: list[tuple[Any, ...]] = []
    if isinstance(data, pd.DataFrame):
        if "opinions" not in data.columns:
            raise InputError("the frame has no 'opinions' column; run voc.analyze_frame(df, text_col=..., "
                             f"steps=[..., 'opinions']) first (columns: {list(data.columns)[:12]})")
        for col in (by, period, id_col):
            if col is not None and col not in data.columns:
                raise InputError(f"column {col!r} not in the frame; columns are {list(data.columns)[:20]}")
        ids = data[id_col].tolist() if id_col else data.index.tolist()
        bys = data[by].tolist() if by else [None] * len(data)
        pers = data[period].tolist() if period else [None] * len(data)
        for i, (ops, ident, b, p) in enumerate(zip(data["opinions"].tolist(), ids, bys, pers)):
            docs.append((i, ident, b, p, _opinion_list(ops, i)))
    else:
        if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
            raise InputError(f"opinion_table expects Documents or an analysed DataFrame, got {type(data).__name__}")
        for i, d in enumerate(data):
            if not isinstance(d, Document):
                raise InputError(f"item {i} is {type(d).__name__}, expected a voc.Document with opinions; "
                                 "run OpinionExtractor().pipe(docs) or voc.Pipeline(...).pipe(texts)")
            meta = d.meta or {}
            for key in (by, period):
                if key is not None and key not in meta:
                    raise InputError(f"document {i} has no meta[{key!r}]; put it in Document.meta or "
                                     "pass an analysed DataFrame with that column")
            ident = d.id if d.id is not None else (meta.get(id_col) if id_col else i)
            docs.append((i, ident, meta.get(by) if by else None, meta.get(period) if period else None,
                         list(d.opinions or ())))
    return docs, [(ident, b, p) for _, ident, b, p, _ in docs]


def _order(values: Iterable[Any]) -> dict[Any, int]:
    """Rank of each distinct value in natural order: numbers as numbers, text as text, mixed types as text."""
    uniq = list(dict.fromkeys(values))
    try:
        ranked = sorted(uniq)
    except TypeError:
        ranked = sorted(uniq, key=str)
    return {v: i for i, v in enumerate(ranked)}


def _periods(values: Sequence[Any], freq: str) -> tuple[list[Any], dict[Any, int]]:
    """Each value's period (``None`` when missing) and the rank of each period in time order.

    Dates (datetime64, or an object column whose present values all are dates)
    are binned with ``freq`` and labelled as text ("2024-01"); other values are
    used as they are.
    """
    import pandas as pd

    s = pd.Series(list(values))
    present = [v for v in values if not is_missing(v)]
    if pd.api.types.is_datetime64_any_dtype(s) or (present and all(hasattr(v, "year") for v in present)):
        try:
            per = pd.to_datetime(s, errors="coerce").dt.to_period(freq)
        except (ValueError, TypeError) as err:
            raise ConfigError(f"freq={freq!r} is not a pandas period alias (D, W, M, Q, Y), or the dates "
                              f"mix time zones ({err})") from err
        labels = [None if pd.isna(p) else str(p) for p in per]
        return labels, {str(p): i for i, p in enumerate(sorted(set(per.dropna())))}
    labels = [None if is_missing(v) else v for v in values]
    return labels, _order(v for v in labels if v is not None)


def opinion_table(
    data: Iterable[Document] | pd.DataFrame,
    by: str | None = None,
    period: str | None = None,
    *,
    freq: str = "M",
    levels: Sequence[int] = (1, 2, 3),
    id_col: str | None = None,
    n_examples: int = 3,
) -> pd.DataFrame:
    """One row per taxonomy node at each level: mentions, share, sentiment, trend and examples.

    Parameters
    ----------
    data
        Documents with ``opinions``, or a frame with an ``opinions`` column.
    by
        Optional grouping (a column, or a ``Document.meta`` key), e.g. a product or store.
        Documents with a missing value (None, NaN) form one group of their own, listed last.
    period
        Optional time column / meta key; dates are binned with ``freq``
        (``"M"`` months, ``"W"`` weeks, ``"D"`` days) and labelled as text
        ("2024-01"), other values (week numbers…) are used as they are.
        Periods follow their natural order (dates as dates, numbers as
        numbers). Adds ``mentions_prev``, ``mentions_change`` and
        ``share_change`` against the previous period (the one before it
        among the documents' periods) of the same node. Documents with a
        missing period are counted in one group with a missing period,
        listed last and without change columns: never in a real period, never dropped.
    levels
        Which levels to report (1, 2, 3).
    id_col
        Column (or meta key) with document ids for ``example_ids``; default the
        frame's index / ``Document.id`` / position.
    n_examples
        How many example ids per node (documents in input order).

    Returns
    -------
    pandas.DataFrame
        Columns: [by], [period], ``level``, ``level1``, ``level2``, ``level3``,
        ``node`` (the path joined with " > "), ``mentions`` (units),
        ``documents`` (documents mentioning it), ``share`` (of the group's
        documents), ``positive``, ``neutral``, ``negative``, ``net_sentiment``
        ((positive − negative) / mentions), [``mentions_prev``,
        ``mentions_change``, ``share_change``], ``example_ids``. Sorted by
        level, then mentions (most first). Levels the extractor could not
        infer are counted under ``未归类``, never dropped.

    Examples
    --------
    >>> import voc
    >>> from voc.opinion_mining import OpinionExtractor, opinion_table
    >>> ex = OpinionExtractor.load()
    >>> docs = ex.pipe(voc.Normalizer().pipe(["物流很快", "物流太慢了", "太贵了"]))
    >>> t = opinion_table(docs, levels=[1])
    >>> t[["node", "mentions", "positive", "negative"]].values.tolist()
    [['物流配送', 2, 1, 1], ['价格', 1, 0, 1]]
    """
    import pandas as pd

    if isinstance(levels, int):
        levels = [levels]
    try:
        lv = sorted(set(levels))
    except TypeError:
        raise ConfigError(f"levels must be a subset of (1, 2, 3), got {levels!r}") from None
    if not lv or any(x not in (1, 2, 3) for x in lv):
        raise ConfigError(f"levels must be a subset of (1, 2, 3), got {list(levels)!r}")
    if not isinstance(n_examples, int) or n_examples < 0:
        raise ConfigError(f"n_examples must be an int >= 0, got {n_examples!r}")
    docs, keys = _rows(data, by, period, id_col)
    pers, p_rank = _periods([k[2] for k in keys], freq) if period else ([None] * len(keys), {})
    bys = [None if is_missing(b) else b for _, _, b, _, _ in docs]  # every missing value is one group
    b_rank = _order(b for b in bys if b is not None)
    rec = []
    for (i, ident, _, _, ops), b, p in zip(docs, bys, pers):
        for o in ops:
            cat, pol = _unit(o)
            rec.append((i, ident, b, p, cat, pol))
    group_cols = [c for c, on in (("by", by), ("period", period)) if on]
    totals: dict[tuple[Any, ...], int] = {}
    for b, p in zip(bys, pers):
        g = tuple(x for x, on in ((b, by), (p, period)) if on)
        totals[g] = totals.get(g, 0) + 1
    stats: dict[tuple[Any, ...], dict[str, Any]] = {}
    for i, ident, b, p, cat, pol in rec:
        g = tuple(x for x, on in ((b, by), (p, period)) if on)
        for level in lv:
            key = (g, level, cat[:level])
            st = stats.get(key)
            if st is None:
                st = stats[key] = {"mentions": 0, "docs": set(), "positive": 0, "neutral": 0,
                                   "negative": 0, "examples": []}
            st["mentions"] += 1
            if pol in _POLS:
                st[pol] += 1
            if i not in st["docs"]:
                st["docs"].add(i)
                if len(st["examples"]) < n_examples:
                    st["examples"].append(ident)
    rows = []
    for (g, level, path), st in stats.items():
        row: dict[str, Any] = dict(zip(group_cols, g))
        row["_by"] = b_rank.get(row.get("by"), len(b_rank))  # natural order, the missing group last
        row["_period"] = p_rank.get(row.get("period"), len(p_rank))
        full = tuple(path) + ("",) * (3 - len(path))
        row.update({
            "level": level, "level1": full[0], "level2": full[1], "level3": full[2],
            "node": " > ".join(path), "mentions": st["mentions"], "documents": len(st["docs"]),
            "share": len(st["docs"]) / totals[g] if totals.get(g) else 0.0,
            "positive": st["positive"], "neutral": st["neutral"], "negative": st["negative"],
            "net_sentiment": (st["positive"] - st["negative"]) / st["mentions"],
            "example_ids": st["examples"],
        })
        rows.append(row)
    cols = [*(by and [by] or []), *(period and [period] or []), "level", "level1", "level2", "level3",
            "node", "mentions", "documents", "share", "positive", "neutral", "negative", "net_sentiment"]
    out = pd.DataFrame(rows, columns=[*group_cols, *cols[len(group_cols):], "example_ids", "_by", "_period"])
    out = out.rename(columns={"by": by, "period": period} if group_cols else {})
    if period:
        out = _add_change(out, by, len(p_rank))
    out = out.sort_values(["level", "mentions", "node"], ascending=[True, False, True], kind="stable")
    lead = [c for c in (by, period) if c]
    if lead:
        ranks = [c for c, on in (("_by", by), ("_period", period)) if on]
        out = out.sort_values([*ranks, "level", "mentions", "node"],
                              ascending=[True] * len(lead) + [True, False, True], kind="stable")
    cols_final = [*lead, "level", "level1", "level2", "level3", "node", "mentions", "documents", "share",
                  "positive", "neutral", "negative", "net_sentiment"]
    if period:
        cols_final += ["mentions_prev", "mentions_change", "share_change"]
    cols_final.append("example_ids")
    return out[cols_final].reset_index(drop=True)


def _add_change(out: pd.DataFrame, by: str | None, n_periods: int) -> pd.DataFrame:
    """Change against the previous period (``_period`` rank - 1) of the same group and node."""
    import pandas as pd

    if out.empty:
        for c in ("mentions_prev", "mentions_change", "share_change"):
            out[c] = pd.Series(dtype=float)
        return out
    key_cols = (["_by"] if by else []) + ["level", "node"]
    look = {tuple(r[c] for c in key_cols) + (r["_period"],): (r["mentions"], r["share"])
            for r in out.to_dict("records")}
    prev_m, d_m, d_s = [], [], []
    for r in out.to_dict("records"):
        if not 0 < r["_period"] < n_periods:  # the first period, or the rows with no period
            prev_m.append(float("nan"))
            d_m.append(float("nan"))
            d_s.append(float("nan"))
            continue
        m, s = look.get(tuple(r[c] for c in key_cols) + (r["_period"] - 1,), (0, 0.0))
        prev_m.append(float(m))
        d_m.append(float(r["mentions"] - m))
        d_s.append(float(r["share"] - s))
    out = out.copy()
    out["mentions_prev"] = prev_m
    out["mentions_change"] = d_m
    out["share_change"] = d_s
    return out


def opinion_links(
    data: Iterable[Document] | pd.DataFrame,
    *,
    level: int = 2,
    polarity: str | None = None,
    min_count: int = 2,
    id_col: str | None = None,
) -> pd.DataFrame:
    """Which nodes are mentioned together: co-occurrence and lift between pairs of nodes.

    Parameters
    ----------
    data
        Documents with ``opinions``, or a frame with an ``opinions`` column.
    level
        Taxonomy level of the nodes (default 2, aspect groups).
    polarity
        Only count units of this polarity, e.g. ``"negative"`` for "which
        complaints come together"; default all.
    min_count
        Drop pairs seen together in fewer documents.

    Returns
    -------
    pandas.DataFrame
        ``node_a``, ``node_b``, ``together`` (documents with both),
        ``count_a``, ``count_b``, ``support`` (together / documents),
        ``confidence_ab`` (together / count_a), ``confidence_ba``, ``lift``
        (support / (p_a · p_b); > 1 means they come together more than by
        chance), sorted by lift then together. ``node_a < node_b``.

    Examples
    --------
    >>> import voc
    >>> from voc.opinion_mining import OpinionExtractor, opinion_links
    >>> ex = OpinionExtractor.load()
    >>> texts = ["物流太慢了，包装破损了", "快递很慢，包装破了", "价格便宜"]
    >>> links = opinion_links(ex.pipe(voc.Normalizer().pipe(texts)), polarity="negative")
    >>> links[["node_a", "node_b", "together"]].values.tolist()
    [['包装 > 包装质量', '物流配送 > 配送速度', 2]]
    """
    import pandas as pd

    if level not in (1, 2, 3):
        raise ConfigError(f"level must be 1, 2 or 3, got {level!r}")
    if polarity is not None and polarity not in _POLS:
        raise ConfigError(f"polarity must be one of {_POLS} or None, got {polarity!r}")
    docs, _ = _rows(data, None, None, id_col)
    n = len(docs)
    sets = []
    for _, _, _, _, ops in docs:
        s = set()
        for o in ops:
            cat, pol = _unit(o)
            if polarity is None or pol == polarity:
                s.add(" > ".join(cat[:level]))
        sets.append(sorted(s))
    count: dict[str, int] = {}
    pair: dict[tuple[str, str], int] = {}
    for s in sets:
        for a in s:
            count[a] = count.get(a, 0) + 1
        for i in range(len(s)):
            for j in range(i + 1, len(s)):
                pair[(s[i], s[j])] = pair.get((s[i], s[j]), 0) + 1
    rows = []
    for (a, b), c in pair.items():
        if c < min_count:
            continue
        ca, cb = count[a], count[b]
        rows.append({"node_a": a, "node_b": b, "together": c, "count_a": ca, "count_b": cb,
                     "support": c / n, "confidence_ab": c / ca, "confidence_ba": c / cb,
                     "lift": (c * n) / (ca * cb)})
    cols = ["node_a", "node_b", "together", "count_a", "count_b", "support", "confidence_ab",
            "confidence_ba", "lift"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["lift", "together", "node_a", "node_b"], ascending=[False, False, True, True],
                           kind="stable").reset_index(drop=True)
