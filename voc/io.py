"""Read and write review dumps in chunks: csv, tsv, jsonl, parquet, xlsx.

Formats are chosen by extension; ``-`` means JSON lines on stdin/stdout.
Text files are read as UTF-8 (a BOM is accepted) or GB18030, detected from
the first bytes unless ``encoding`` is given.

>>> import io, voc.io
>>> next(voc.io.read_chunks(io.StringIO("review\\n好评\\n"), fmt="csv"))["review"].tolist()
['好评']
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import ConfigError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["ChunkWriter", "detect_encoding", "format_of", "read_chunks"]

_FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl",
            ".parquet": "parquet", ".xlsx": "xlsx"}


def format_of(path: str | os.PathLike[str]) -> str:
    """The format name for a path by its extension (``-`` is JSON lines)."""
    if str(path) == "-":
        return "jsonl"
    suffixes = Path(path).suffixes
    ext = suffixes[-2] if suffixes and suffixes[-1] in {".gz", ".bz2", ".zst", ".xz"} and len(suffixes) > 1 else (
        suffixes[-1] if suffixes else "")
    try:
        return _FORMATS[ext.lower()]
    except KeyError:
        raise ConfigError(
            f"cannot tell the format of {str(path)!r} from its extension; use one of "
            f"{sorted(set(_FORMATS))} (or '-' for JSON lines on stdin/stdout)"
        ) from None


def detect_encoding(path: str | os.PathLike[str], sample: int = 1 << 16) -> str:
    """``utf-8-sig`` when the file's first bytes decode as UTF-8, else ``gb18030``."""
    with open(path, "rb") as fh:
        head = fh.read(sample)
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as err:
        if err.start >= len(head) - 3:  # a character cut at the sample's end
            return "utf-8-sig"
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        raise InputError(
            f"{path} is neither UTF-8 nor GB18030; convert it or pass --encoding (e.g. big5)"
        ) from None


def read_chunks(source: str | os.PathLike[str] | IO[str], *, fmt: str | None = None,
                chunksize: int = 10_000, encoding: str | None = None) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of at most ``chunksize`` rows, every column read as text where it can be."""
    import pandas as pd

    if fmt is None:
        if not isinstance(source, (str, os.PathLike)):
            raise ConfigError("read_chunks needs fmt= when reading from a file object")
        fmt = format_of(source)
    if isinstance(source, (str, os.PathLike)) and str(source) == "-":
        source = sys.stdin
    is_path = isinstance(source, (str, os.PathLike))
    if is_path and not Path(source).exists():  # type: ignore[arg-type]
        raise InputError(f"input file {source} does not exist")
    if is_path and encoding is None and fmt in {"csv", "tsv", "jsonl"}:
        encoding = detect_encoding(source)  # type: ignore[arg-type]
    if fmt in {"csv", "tsv"}:
        yield from pd.read_csv(source, sep="," if fmt == "csv" else "\t", dtype=str, keep_default_na=False,
                               na_values=[""], chunksize=chunksize, encoding=encoding)
    elif fmt == "jsonl":
        yield from pd.read_json(source, lines=True, chunksize=chunksize, dtype=False, encoding=encoding)
    elif fmt == "parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise ConfigError("reading parquet needs pyarrow: pip install 'voc[files]'") from None
        pf = pq.ParquetFile(source)
        for batch in pf.iter_batches(batch_size=chunksize):
            yield batch.to_pandas()
    elif fmt == "xlsx":
        _need_openpyxl("reading")
        frame = pd.read_excel(source, dtype=str)  # xlsx cannot be streamed; read once
        for start in range(0, len(frame), chunksize):
            yield frame.iloc[start:start + chunksize]
    else:
        raise ConfigError(f"unknown format {fmt!r}; use one of {sorted(set(_FORMATS.values()))}")


def _need_openpyxl(doing: str) -> None:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise ConfigError(f"{doing} xlsx needs openpyxl: pip install 'voc[files]'") from None


def _json_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists and dicts (``words``, ``opinions``) as JSON text, for formats with flat cells.

    Without this, pandas writes Python reprs (``[{'aspect': ...}]``) that no other tool reads.
    """
    import json

    out = frame
    for col in frame.columns:
        values = frame[col]
        if values.dtype != object:
            continue
        if not any(isinstance(v, (list, tuple, dict)) for v in values):
            continue
        if out is frame:
            out = frame.copy()
        out[col] = [json.dumps(v, ensure_ascii=False) if isinstance(v, (list, tuple, dict)) else v
                    for v in values]
    return out


def _has_bytes(target: str | os.PathLike[str]) -> bool:
    if str(target) == "-":
        return True
    try:
        return Path(target).stat().st_size > 0
    except OSError:
        return False


def _arrow_type(kind: Any) -> Any:
    """An arrow type for a kind of :func:`voc.pipeline.output_columns` (an arrow type passes through)."""
    import pyarrow as pa

    if isinstance(kind, pa.DataType):
        return kind
    opinion = pa.struct([
        ("aspect", pa.string()), ("opinion", pa.string()), ("polarity", pa.string()),
        ("category", pa.list_(pa.string())), ("aspect_span", pa.list_(pa.int64())),
        ("opinion_span", pa.list_(pa.int64())),
    ])
    kinds = {"string": pa.string(), "double": pa.float64(), "long": pa.int64(),
             "list[string]": pa.list_(pa.string()), "opinions": pa.list_(opinion)}
    try:
        return kinds[kind]
    except (KeyError, TypeError):
        raise ConfigError(f"unknown column kind {kind!r}; use one of {sorted(kinds)} or a pyarrow type") from None


def _is_missing_scalar(v: Any) -> bool:
    import pandas as pd

    if v is None:
        return True
    if isinstance(v, (str, list, tuple, dict)) or getattr(v, "ndim", 0):
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _as_text(v: Any) -> str | None:
    """One cell as parquet text: strings as they are, numbers and booleans as JSON writes them,
    lists and dicts as JSON text, missing as null."""
    import json

    if isinstance(v, str):
        return v
    if _is_missing_scalar(v):
        return None
    if hasattr(v, "item") and not hasattr(v, "__len__"):  # numpy scalar
        v = v.item()
    if isinstance(v, (bool, int, float)):
        return json.dumps(v)
    if isinstance(v, (list, tuple, dict)) or hasattr(v, "tolist"):
        return json.dumps(v, ensure_ascii=False, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))
    return str(v)


class ChunkWriter:
    """Append DataFrames to one output file chunk by chunk (csv/tsv/jsonl stream; parquet by row group).

    In csv, tsv and xlsx, list and dict cells (``words``, ``opinions``) are written as JSON text.

    A parquet file has one schema, set when the first chunk is written; every later chunk is
    converted to it, so a chunk whose values pandas infers differently (an all-empty ``opinions``
    list, ids that are numbers in one chunk and text in the next) cannot abort the run.
    ``types`` maps column names to their type: a kind of :func:`voc.pipeline.output_columns`
    (``"string"``, ``"double"``, ``"long"``, ``"list[string]"``, ``"opinions"``) or a pyarrow
    type. Other columns, with ``other_types="string"``, are text (numbers and booleans as JSON
    writes them, lists and dicts as JSON text); with ``"infer"`` (the default), text and
    all-missing columns are text and the rest keep the type pandas gives them in the first chunk.
    A later value that does not fit its column's type (text in a number column) is a ConfigError.
    """

    def __init__(self, target: str | os.PathLike[str], *, fmt: str | None = None, append: bool = False,
                 types: dict[str, Any] | None = None, other_types: str = "infer") -> None:
        if other_types not in {"infer", "string"}:
            raise ConfigError(f"other_types must be 'infer' or 'string', got {other_types!r}")
        self.target = target
        self.fmt = fmt or format_of(target)
        self.append = append
        self.types = dict(types or {})
        self.other_types = other_types
        self._columns: list[Any] | None = None
        self._fh: IO[str] | None = None
        self._parquet: Any = None
        self._schema: Any = None
        self._frames: list[pd.DataFrame] = []
        # appending to a file that holds nothing yet (a run resumed before its first write there) needs the header
        self._header_written = append and _has_bytes(target)
        if self._header_written and self.fmt in {"csv", "tsv"} and str(target) != "-":
            import csv

            with open(target, encoding="utf-8", newline="") as fh:  # the header an earlier run wrote
                self._columns = next(csv.reader(fh, delimiter="," if self.fmt == "csv" else "\t"), None)

    def write(self, frame: pd.DataFrame) -> None:
        if self.fmt in {"csv", "tsv", "jsonl"}:
            if self._fh is None:
                if str(self.target) == "-":
                    self._fh = sys.stdout
                else:
                    self._fh = open(self.target, "a" if self.append else "w", encoding="utf-8", newline="")
            if self.fmt == "jsonl":
                text = frame.to_json(orient="records", lines=True, force_ascii=False)
                self._fh.write(text if text.endswith("\n") or not text else text + "\n")
            else:
                frame = self._same_columns(frame)
                _json_cells(frame).to_csv(self._fh, sep="," if self.fmt == "csv" else "\t", index=False,
                             header=not self._header_written)
                self._header_written = True
            self._fh.flush()
        elif self.fmt == "parquet":
            try:
                import pyarrow as pa
                import pyarrow.parquet as pq
            except ImportError:
                raise ConfigError("writing parquet needs pyarrow: pip install 'voc[files]'") from None
            if self._schema is None:
                self._schema = self._parquet_schema(frame)
            table = self._arrow_table(frame)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.target, self._schema)
            self._parquet.write_table(table)
        elif self.fmt == "xlsx":
            _need_openpyxl("writing")
            self._frames.append(_json_cells(frame))
        else:  # pragma: no cover - format_of guards
            raise ConfigError(f"unknown output format {self.fmt!r}")

    def _same_columns(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A csv/tsv file has one header: later chunks are aligned to the first chunk's columns
        (a column a chunk lacks, such as a JSON key absent from all its lines, is empty there);
        a column that is new after the header was written is a ConfigError, not a shifted row."""
        if self._columns is None:
            self._columns = list(frame.columns)
            return frame
        if list(frame.columns) == self._columns:
            return frame
        new = [c for c in frame.columns if c not in self._columns]
        if new:
            raise ConfigError(f"column(s) {new} first appear after the header of {self.target} was written "
                              f"(columns {self._columns}); write jsonl instead, or give every row these columns")
        return frame.reindex(columns=self._columns)

    def _parquet_schema(self, frame: pd.DataFrame) -> Any:
        import pandas as pd
        import pyarrow as pa

        fields = []
        for name in frame.columns:
            col = frame[name]
            if name in self.types:
                t = _arrow_type(self.types[name])
            elif (self.other_types == "string" or col.dtype == object or pd.api.types.is_string_dtype(col.dtype)
                  or col.isna().all()):
                t = pa.string()
            else:
                t = pa.Schema.from_pandas(frame[[name]], preserve_index=False).field(name).type
            fields.append(pa.field(str(name), t))
        return pa.schema(fields)

    def _arrow_table(self, frame: pd.DataFrame) -> Any:
        import pandas as pd
        import pyarrow as pa

        names = self._schema.names
        new = [c for c in frame.columns if str(c) not in names]
        if new:
            raise ConfigError(f"column(s) {new} first appear after the first rows written to {self.target}; a parquet "
                              f"file has one set of columns (here {names}): write csv or jsonl instead")
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
        arrays = []
        for field in self._schema:
            values = frame[field.name] if field.name in frame.columns else pd.Series([None] * len(frame), dtype=object)
            if pa.types.is_string(field.type) and not isinstance(values.dtype, pd.StringDtype):
                values = pd.Series([_as_text(v) for v in values], dtype=object)
            try:
                arrays.append(pa.array(values, type=field.type, from_pandas=True))
            except (pa.ArrowException, TypeError, ValueError, OverflowError) as err:
                raise ConfigError(f"column {field.name!r} does not fit parquet type {field.type}, which its first "
                                  f"rows set ({err}); write csv or jsonl instead") from None
        return pa.Table.from_arrays(arrays, schema=self._schema)

    def close(self) -> None:
        if self._fh is not None and self._fh is not sys.stdout:
            self._fh.close()
        if self._parquet is not None:
            self._parquet.close()
        if self.fmt == "xlsx" and self._frames:
            import pandas as pd

            pd.concat(self._frames).to_excel(self.target, index=False)

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
