"""Dialogues in and out: from a turn-per-row frame or JSONL, and batch scoring to frames."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._input import is_missing
from .._types import Dialogue, Turn
from ..errors import InputError
from ._detector import RiskDetector

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["assess_frame", "dialogues_from_frame", "dialogues_from_jsonl", "load_dialogues"]


def _check_cols(df: Any, **cols: str | None) -> None:
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame with one row per turn, got {type(df).__name__}")
    for arg, col in cols.items():
        if col is not None and col not in df.columns:
            raise InputError(
                f"column {col!r} ({arg}) not in the frame; columns are {list(df.columns)[:20]}. "
                f"Pass {arg}=<the column name>"
            )


def _time_values(series: pd.Series) -> list[Any]:
    """Turn a time column into datetimes / seconds / None per row."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
                for v in series.tolist()]
    if not pd.api.types.is_datetime64_any_dtype(series):
        try:
            series = pd.to_datetime(series, errors="raise")
        except (ValueError, TypeError) as err:
            raise InputError(
                f"time column {series.name!r} could not be read as times ({err}); pass datetimes, "
                "seconds, or strings pandas.to_datetime understands"
            ) from None
    return [None if pd.isna(v) else v.to_pydatetime() for v in series]


def _frame_groups(df: pd.DataFrame, dialogue_col: str, role_col: str, text_col: str,
                  time_col: str | None) -> list[tuple[Any, list[Any], Dialogue]]:
    """(dialogue id, source row labels in turn order, Dialogue), in order of first appearance."""
    ids = df[dialogue_col].tolist()
    roles = df[role_col].tolist()
    texts = df[text_col].tolist()
    times = _time_values(df[time_col]) if time_col is not None else [None] * len(df)
    labels = df.index.tolist()
    groups: dict[Any, list[int]] = {}
    for pos, did in enumerate(ids):
        if is_missing(did):
            raise InputError(f"row {labels[pos]!r} has no dialogue id in {dialogue_col!r}; fill or drop it")
        groups.setdefault(did, []).append(pos)
    out = []
    for did, rows in groups.items():
        if time_col is not None and all(times[r] is not None for r in rows):
            rows = sorted(rows, key=lambda r: times[r])  # stable: ties keep row order
        turns = []
        for r in rows:
            text = texts[r]
            if is_missing(text):
                text = ""
            elif not isinstance(text, str):
                raise InputError(
                    f"row {labels[r]!r}: {text_col!r} must hold text, got {type(text).__name__} ({text!r:.40})"
                )
            if is_missing(roles[r]):
                raise InputError(f"row {labels[r]!r} has no role in {role_col!r}; fill it (customer/agent, "
                                 "客户/客服, 0/1) or drop the row")
            try:
                turns.append(Turn(roles[r], text, times[r]))
            except InputError as err:
                raise InputError(f"row {labels[r]!r}: {err}") from None
        out.append((did, [labels[r] for r in rows], Dialogue(tuple(turns), id=did)))
    return out


def dialogues_from_frame(df: pd.DataFrame, *, dialogue_col: str, role_col: str, text_col: str,
                         time_col: str | None = None) -> list[Dialogue]:
    """Build dialogues from a frame with one row per turn.

    Turns keep row order within a dialogue (sorted by ``time_col`` when every
    turn has a time); dialogues come in order of first appearance. Roles are
    mapped from common spellings (客户/用户/买家/0 → customer, 客服/坐席/商家/1 →
    agent; 0.0/1.0 too, as pandas stores a 0/1 column with a gap); a missing
    text becomes ``""``. A row with no dialogue id or no role, or an unknown
    role, is an InputError naming the row.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sid": [1, 1, 2], "who": ["客户", "客服", "用户"],
    ...                    "text": ["我要投诉", "抱歉", "谢谢"]})
    >>> dialogues_from_frame(df, dialogue_col="sid", role_col="who", text_col="text")
    [Dialogue(id=1, turns=2 [CA]), Dialogue(id=2, turns=1 [C])]
    """
    _check_cols(df, dialogue_col=dialogue_col, role_col=role_col, text_col=text_col, time_col=time_col)
    return [d for _, _, d in _frame_groups(df, dialogue_col, role_col, text_col, time_col)]


def dialogues_from_jsonl(path: str | os.PathLike[str], *, turns_key: str = "turns", id_key: str = "id",
                         role_key: str = "role", text_key: str = "text",
                         time_key: str = "ts") -> Iterator[Dialogue]:
    """Read dialogues lazily from a JSONL file, one dialogue object per line.

    Each line looks like ``{"id": ..., "turns": [{"role": "customer", "text": ..., "ts": ...}, ...]}``;
    ``ts`` (optional) is seconds or an ISO time string. Blank lines are skipped.
    """
    from datetime import datetime

    p = Path(path)
    if not p.exists():
        raise InputError(f"no such file: {p}; pass the path of a .jsonl file of dialogues")
    with p.open(encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{p}:{lineno}: not valid JSON ({err.msg}); each line must be one dialogue object") from None
            if not isinstance(obj, dict) or not isinstance(obj.get(turns_key), list):
                raise InputError(f"{p}:{lineno}: expected an object with a {turns_key!r} list")
            turns = []
            for k, t in enumerate(obj[turns_key]):
                if not isinstance(t, dict):
                    raise InputError(f"{p}:{lineno}: {turns_key}[{k}] must be an object with {role_key!r} and {text_key!r}")
                ts = t.get(time_key)
                if isinstance(ts, str):
                    try:
                        ts = datetime.fromisoformat(ts)
                    except ValueError:
                        raise InputError(f"{p}:{lineno}: {turns_key}[{k}].{time_key} {ts!r} is not an ISO time") from None
                try:
                    turns.append(Turn(t.get(role_key), t.get(text_key), ts))
                except InputError as err:
                    raise InputError(f"{p}:{lineno}: {turns_key}[{k}]: {err}") from None
            yield Dialogue(tuple(turns), id=obj.get(id_key))


def load_dialogues(source: Any, *, dialogue_col: str | None = None, role_col: str | None = None,
                   text_col: str | None = None, time_col: str | None = None,
                   **jsonl_keys: str) -> list[Dialogue]:
    """Dialogues from a DataFrame, a ``.jsonl`` file, or a ``.csv``/``.tsv``/``.parquet`` turn table.

    Frames and tables need ``dialogue_col``, ``role_col`` and ``text_col``
    (see :func:`dialogues_from_frame`); JSONL takes the keys of
    :func:`dialogues_from_jsonl`.
    """
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        df = source
    elif isinstance(source, (str, os.PathLike)):
        p = Path(source)
        suffix = p.suffix.lower()
        if suffix in (".jsonl", ".ndjson"):
            return list(dialogues_from_jsonl(p, **jsonl_keys))
        if suffix == ".csv":
            df = pd.read_csv(p)
        elif suffix in (".tsv", ".tab"):
            df = pd.read_csv(p, sep="\t")
        elif suffix == ".parquet":
            df = pd.read_parquet(p)
        else:
            raise InputError(f"cannot tell the format of {p}; use .jsonl, .csv, .tsv or .parquet")
    else:
        raise InputError(f"load_dialogues expects a DataFrame or a file path, got {type(source).__name__}")
    if dialogue_col is None or role_col is None or text_col is None:
        raise InputError("a turn table needs dialogue_col=, role_col= and text_col= (the column names)")
    return dialogues_from_frame(df, dialogue_col=dialogue_col, role_col=role_col, text_col=text_col,
                                time_col=time_col)


def assess_frame(df: pd.DataFrame, *, dialogue_col: str, role_col: str, text_col: str,
                 time_col: str | None = None, detector: RiskDetector | None = None,
                 batch_size: int = 256) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score a dump of dialogues (one row per turn).

    Returns
    -------
    (dialogues, flags)
        ``dialogues``: one row per dialogue, indexed by dialogue id, with
        ``n_turns``, ``score``, ``severity``, ``level``, ``categories`` (list), ``n_flags``,
        ``first_risky_turn`` (turn index or <NA>), ``first_risky_row`` (the
        input row label of that turn) and ``model_score``. ``flags``: one row
        per flag with ``dialogue_id``, ``turn``, ``row`` (input row label),
        ``role``, ``category``, ``rule``, ``start``, ``end``, ``evidence``,
        ``weight``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sid": ["a", "a", "b"], "who": ["用户", "客服", "用户"],
    ...                    "text": ["再不处理我就打12315", "抱歉", "谢谢，收到了"]})
    >>> dialogues, flags = assess_frame(df, dialogue_col="sid", role_col="who", text_col="text",
    ...                                 detector=RiskDetector(signals=None))
    >>> dialogues["level"].tolist(), flags["category"].tolist()
    (['high', 'none'], ['regulator_threat'])
    """
    import pandas as pd

    _check_cols(df, dialogue_col=dialogue_col, role_col=role_col, text_col=text_col, time_col=time_col)
    det = detector if detector is not None else RiskDetector()
    groups = _frame_groups(df, dialogue_col, role_col, text_col, time_col)
    reports = det.pipe((d for _, _, d in groups), batch_size=batch_size)
    drows: list[dict[str, Any]] = []
    frows: list[dict[str, Any]] = []
    for (did, labels, d), rep in zip(groups, reports):
        first = rep.first_turn
        drows.append({
            "dialogue_id": did, "n_turns": len(d.turns), "score": rep.score, "severity": rep.severity,
            "level": rep.level,
            "categories": list(rep.categories), "n_flags": len(rep.flags),
            "first_risky_turn": first, "first_risky_row": labels[first] if first is not None else None,
            "model_score": rep.model_score,
        })
        for f in rep.flags:
            frows.append({
                "dialogue_id": did, "turn": f.turn, "row": labels[f.turn], "role": d.turns[f.turn].role,
                "category": f.category, "rule": f.rule, "start": f.evidence.start, "end": f.evidence.end,
                "evidence": f.evidence.text, "weight": f.evidence.weight,
            })
    dcols = ["dialogue_id", "n_turns", "score", "severity", "level", "categories", "n_flags", "first_risky_turn",
             "first_risky_row", "model_score"]
    fcols = ["dialogue_id", "turn", "row", "role", "category", "rule", "start", "end", "evidence", "weight"]
    dialogues = pd.DataFrame(drows, columns=dcols)
    dialogues["first_risky_turn"] = dialogues["first_risky_turn"].astype("Int64")
    dialogues = dialogues.set_index("dialogue_id")
    flags = pd.DataFrame(frows, columns=fcols)
    return dialogues, flags

