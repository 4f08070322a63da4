"""Spark (local[2]) and Dask (LocalCluster) adapters give the same rows as analyze_frame."""

from __future__ import annotations

import pandas as pd
import pytest

import voc

TEXTS = ["物流很快，好评！", "客服态度太差了😡", None, "軟體很好用", "请问几点发货？", "质量不错"] * 3


@pytest.fixture(scope="module")
def expected():
    df = pd.DataFrame({"id": range(len(TEXTS)), "review": TEXTS})
    with pytest.warns(voc.VocWarning):
        return pd.concat([df, voc.analyze_frame(df, text_col="review")], axis=1)


def test_dask_to_parquet_with_voc_schema(tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    import voc.dask

    df = pd.DataFrame({"id": range(len(TEXTS)), "review": TEXTS})
    out = voc.dask.analyze(dd.from_pandas(df, npartitions=2), text_col="review")
    out.to_parquet(str(tmp_path / "scored"), schema=voc.dask.parquet_schema(out),
                   write_index=False, compute_kwargs={"scheduler": "sync"})
    back = pd.read_parquet(tmp_path / "scored").sort_values("id")
    assert len(back) == len(df)
    first = back.iloc[0]
    assert list(first["words"])[:2] == ["物流", "很快"]
    assert first["opinions"][0]["category"].tolist()[0] == "物流配送"
    # the missing texts are failed rows: kept, with their reason
    assert back["voc_error"].notna().sum() == TEXTS.count(None)


def test_dask_local_cluster(expected):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    import voc.dask

    df = pd.DataFrame({"id": range(len(TEXTS)), "review": TEXTS})
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster):
        ddf = dd.from_pandas(df, npartitions=3)
        lazy = voc.dask.analyze(ddf, text_col="review")
        assert list(lazy.columns) == list(expected.columns)
        got = lazy.compute().sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    import os
    import sys

    from pyspark.sql import SparkSession

    # workers must run this interpreter (the one with voc, pandas and pyarrow), not the system python3
    os.environ["PYSPARK_PYTHON"] = os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable

    session = (SparkSession.builder.master("local[2]").appName("voc-test")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .getOrCreate())
    yield session
    session.stop()


def test_spark_local(spark, expected):
    import voc.spark

    df = pd.DataFrame({"id": range(len(TEXTS)), "review": TEXTS})
    sdf = spark.createDataFrame(df.astype({"review": object}).where(df.notna(), None), schema="id long, review string")
    out = voc.spark.analyze(sdf.repartition(3), text_col="review")
    assert out.columns == list(expected.columns)
    # collect() rather than toPandas(): pyspark's own pandas-3 conversion warns (tests run warnings-as-errors)
    got = pd.DataFrame([r.asDict(recursive=True) for r in out.collect()]).sort_values("id").reset_index(drop=True)
    got["words"] = got["words"].map(lambda w: list(w) if w is not None else None)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_adapters_reject_a_missing_column(spark):
    import voc.spark

    sdf = spark.createDataFrame([("好评",)], "review string")
    with pytest.raises(voc.InputError, match="column 'text'"):
        voc.spark.analyze(sdf, text_col="text")
