"""Run :func:`voc.analyze_frame` over a Spark DataFrame with ``mapInPandas``.

Install with ``pip install "voc[spark]"``. Each Python worker loads the models
once and reuses them for every partition it processes. Example (tested in
``tests/test_distributed.py``)::

    from pyspark.sql import SparkSession
    import voc.spark

    spark = SparkSession.builder.master("local[2]").getOrCreate()
    sdf = spark.createDataFrame([("r1", "物流很快，好评")], ["id", "review"])
    voc.spark.analyze(sdf, text_col="review").select("id", "sentiment_label").collect()
    # [Row(id='r1', sentiment_label='positive')]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, InputError
from .pipeline import Pipeline, _analyze_rows, _check_steps, _worker_pipeline, output_columns, rows_frame

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from pyspark.sql import DataFrame

__all__ = ["analyze", "schema_for"]

def _spark_type(kind: str) -> Any:
    from pyspark.sql import types as T

    opinion = T.StructType([
        T.StructField("aspect", T.StringType()), T.StructField("opinion", T.StringType()),
        T.StructField("polarity", T.StringType()), T.StructField("category", T.ArrayType(T.StringType())),
        T.StructField("aspect_span", T.ArrayType(T.LongType())),
        T.StructField("opinion_span", T.ArrayType(T.LongType())),
    ])
    return {
        "string": T.StringType(),
        "double": T.DoubleType(),
        "long": T.LongType(),
        "list[string]": T.ArrayType(T.StringType()),
        "opinions": T.ArrayType(opinion),
    }[kind]


def schema_for(input_schema: Any, steps: Iterable[str] | str | None = None) -> Any:
    """The output schema: the input's fields, then voc's columns (replacing same-named ones)."""
    from pyspark.sql import types as T

    added = output_columns(steps)
    names = {n for n, _ in added}
    fields = [f for f in input_schema.fields if f.name not in names]
    return T.StructType(fields + [T.StructField(n, _spark_type(k), True) for n, k in added])


def analyze(sdf: DataFrame, *, text_col: str, steps: Iterable[str] | str | None = None,
            pipeline: Pipeline | None = None, batch_size: int = 512) -> DataFrame:
    """Analyse ``text_col`` of a Spark DataFrame; returns a new DataFrame with voc's columns.

    Rows that fail keep their place and say why in ``voc_error``. ``pipeline``
    (optional) is pickled to the workers; by default each worker builds the
    default pipeline once.
    """
    if text_col not in sdf.columns:
        raise InputError(f"column {text_col!r} not in the Spark DataFrame; columns are {sdf.columns}")
    chosen = _check_steps(steps)
    if pipeline is not None and not isinstance(pipeline, Pipeline):
        raise ConfigError(f"pipeline must be a voc.Pipeline, got {type(pipeline).__name__}")
    schema = schema_for(sdf.schema, chosen)
    added = [n for n, _ in output_columns(chosen)]

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        p = _worker_pipeline(chosen, pipeline)
        for frame in batches:
            rows = _analyze_rows(p, frame[text_col].tolist(), chosen, batch_size)
            result = rows_frame(rows, frame.index, added)
            yield pd.concat([frame.drop(columns=[c for c in added if c in frame.columns]), result], axis=1)

    return sdf.mapInPandas(run, schema=schema)
