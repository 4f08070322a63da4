"""Run :func:`voc.analyze_frame` over a Dask DataFrame with ``map_partitions``.

Install with ``pip install "voc[dask]"``. On a distributed cluster each worker
process loads the models once. Example (tested in ``tests/test_distributed.py``)::

    import dask.dataframe as dd, pandas as pd, voc.dask

    ddf = dd.from_pandas(pd.DataFrame({"review": ["物流很快，好评"]}), npartitions=1)
    voc.dask.analyze(ddf, text_col="review").compute()["sentiment_label"].tolist()
    # ['positive']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, InputError
from .pipeline import Pipeline, _analyze_rows, _check_steps, _worker_pipeline, output_columns, rows_frame

if TYPE_CHECKING:  # pragma: no cover
    import dask.dataframe as dd
    import pandas as pd

__all__ = ["analyze", "meta_for", "parquet_schema"]

_DTYPES = {"string": object, "double": "float64", "long": "Int64", "list[string]": object, "opinions": object}


def meta_for(frame: pd.DataFrame, steps: Iterable[str] | str | None = None) -> pd.DataFrame:
    """An empty frame with the output's columns and dtypes (Dask's ``meta``)."""
    import pandas as pd

    added = output_columns(steps)
    base = frame.drop(columns=[n for n, _ in added if n in frame.columns]).iloc[:0]
    extra = pd.DataFrame({n: pd.Series(dtype=_DTYPES[k]) for n, k in added}, index=base.index)
    return pd.concat([base, extra], axis=1)


def parquet_schema(out: dd.DataFrame) -> Any:
    """The Arrow schema of :func:`analyze`'s output, for ``to_parquet(path, schema=...)``.

    Dask infers a parquet schema from ``meta``, which cannot say what the
    list columns (``words``, ``opinions``) hold; pass this instead::

        out = voc.dask.analyze(ddf, text_col="review")
        out.to_parquet("scored/", schema=voc.dask.parquet_schema(out))

    voc's columns get their exact types; the input's text (object) columns
    are strings, its other columns keep the type of their dtype.
    """
    import pandas as pd
    import pyarrow as pa

    from .io import _arrow_type

    ours = {name: _arrow_type(kind) for name, kind in output_columns(None)}
    meta = out._meta
    fields = []
    for name, dtype in meta.dtypes.items():
        if name in ours:
            fields.append(pa.field(name, ours[name]))
        elif dtype == object or pd.api.types.is_string_dtype(dtype):
            fields.append(pa.field(name, pa.string()))
        else:
            fields.append(pa.Schema.from_pandas(meta[[name]], preserve_index=False).field(name))
    return pa.schema(fields)


def _partition(frame: pd.DataFrame, text_col: str, steps: tuple[str, ...], pipeline: Pipeline | None,
               batch_size: int) -> pd.DataFrame:
    import pandas as pd

    p = _worker_pipeline(steps, pipeline)
    added = [n for n, _ in output_columns(steps)]
    rows = _analyze_rows(p, frame[text_col].tolist(), steps, batch_size)
    result = rows_frame(rows, frame.index, added)
    return pd.concat([frame.drop(columns=[c for c in added if c in frame.columns]), result], axis=1)


def analyze(ddf: dd.DataFrame, *, text_col: str, steps: Iterable[str] | str | None = None,
            pipeline: Pipeline | None = None, batch_size: int = 512) -> dd.DataFrame:
    """Analyse ``text_col`` of a Dask DataFrame lazily; returns a Dask DataFrame with voc's columns."""
    if text_col not in ddf.columns:
        raise InputError(f"column {text_col!r} not in the Dask DataFrame; columns are {list(ddf.columns)}")
    if pipeline is not None and not isinstance(pipeline, Pipeline):
        raise ConfigError(f"pipeline must be a voc.Pipeline, got {type(pipeline).__name__}")
    chosen = _check_steps(steps)
    meta = meta_for(ddf._meta, chosen)
    return ddf.map_partitions(_partition, text_col, chosen, pipeline, batch_size, meta=meta)
