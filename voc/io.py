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


class ChunkWriter:
    """Append DataFrames to one output file chunk by chunk (csv/tsv/jsonl stream; parquet by row group).

    In csv, tsv and xlsx, list and dict cells (``words``, ``opinions``) are written as JSON text.
    """

    def __init__(self, target: str | os.PathLike[str], *, fmt: str | None = None, append: bool = False) -> None:
        self.target = target
        self.fmt = fmt or format_of(target)
        self.append = append
        self._fh: IO[str] | None = None
        self._parquet: Any = None
        self._frames: list[pd.DataFrame] = []
        # appending to a file that holds nothing yet (a run resumed before its first write there) needs the header
        self._header_written = append and _has_bytes(target)

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
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.target, table.schema)
            self._parquet.write_table(table)
        elif self.fmt == "xlsx":
            _need_openpyxl("writing")
            self._frames.append(_json_cells(frame))
        else:  # pragma: no cover - format_of guards
            raise ConfigError(f"unknown output format {self.fmt!r}")

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
