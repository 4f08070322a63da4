"""Read and write review dumps in chunks: csv, tsv, jsonl, parquet, xlsx.

Formats are chosen by extension; ``-`` means JSON lines on stdin/stdout.
Text files and stdin are read as UTF-8 (a BOM is accepted) or GB18030, detected
from the first non-ASCII bytes (on stdin: from the first 64 KB) unless ``encoding``
is given. csv, tsv and JSON lines
are read row by row (Python's csv and json modules), so a row that cannot be read
(extra fields, a line that is not JSON, bytes not in the file's encoding) is
reported with its line number, by an InputError or, with ``bad_rows="keep"``,
as a row of its chunk whose :data:`READ_ERROR` says why.

>>> import io, voc.io
>>> next(voc.io.read_chunks(io.StringIO("review\\n好评\\n"), fmt="csv"))["review"].tolist()
['好评']
"""

from __future__ import annotations

import codecs
import io
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ._input import _SURROGATE  # one definition of a lone surrogate
from .errors import ConfigError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["READ_ERROR", "ChunkWriter", "detect_encoding", "format_of", "read_chunks"]

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


#: In frames from ``read_chunks(..., bad_rows="keep")``: why a row could not be read (None when it could).
READ_ERROR = "__voc_read_error__"

_FIELD_LIMIT = 1 << 26  # characters in one csv field: past this, an unclosed quote is the likely cause
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _mark_bad_bytes(err: UnicodeError) -> tuple[str, int]:
    """Decode each undecodable byte as a lone surrogate (U+DC00 + byte), so its row can be reported."""
    if isinstance(err, UnicodeDecodeError):
        return chr(0xDC00 + err.object[err.start]), err.start + 1
    raise err


codecs.register_error("voc.badbytes", _mark_bad_bytes)


def _bad_bytes(text: str) -> bytes:
    return bytes(ord(c) - 0xDC00 for c in _SURROGATE.findall(text) if 0xDC00 <= ord(c) <= 0xDCFF)


def _clean(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def _decode_counts(head: bytes, encoding: str) -> tuple[int, int]:
    """(non-ASCII characters decoded, undecodable bytes) of a sample; a character cut at its end is neither."""
    text = codecs.getincrementaldecoder(encoding)(errors="voc.badbytes").decode(head, final=False)
    bad = len(_SURROGATE.findall(text))
    return len(re.findall("[^\x00-\x7f]", text)) - bad, bad


def _guess_encoding(head: bytes, name: str) -> str:
    """UTF-8 when the sample decodes as UTF-8, or nearly: at least 4 valid non-ASCII characters for
    each stray byte (text in GB18030 read as UTF-8 is mostly invalid, about 1 character in 7 valid
    by chance), so one bad byte fails its row and not the file; else GB18030 when it decodes cleanly."""
    ok, bad = _decode_counts(head, "utf-8")
    if not bad or ok >= 4 * bad:
        return "utf-8-sig"
    if not _decode_counts(head, "gb18030")[1]:
        return "gb18030"
    raise InputError(f"{name} is neither UTF-8 nor GB18030; convert it or pass --encoding (e.g. big5)")


def _open_binary(path: str | os.PathLike[str]) -> IO[bytes]:
    suffix = Path(path).suffix.lower()
    if suffix == ".gz":
        import gzip

        return gzip.open(path, "rb")  # type: ignore[return-value]
    if suffix == ".bz2":
        import bz2

        return bz2.open(path, "rb")  # type: ignore[return-value]
    if suffix == ".xz":
        import lzma

        return lzma.open(path, "rb")  # type: ignore[return-value]
    if suffix == ".zst":
        try:
            import zstandard
        except ImportError:
            raise ConfigError(f"reading {path} needs zstandard: pip install zstandard") from None
        return zstandard.open(path, "rb")  # type: ignore[no-any-return]
    return open(path, "rb")


def detect_encoding(path: str | os.PathLike[str], sample: int = 1 << 16) -> str:
    """``utf-8-sig`` when the file's first non-ASCII bytes decode as UTF-8, else ``gb18030``.

    The sample starts at the first non-ASCII byte (a file can hold thousands of ASCII lines
    before its first Chinese character); a file of ASCII only is UTF-8. A few bytes that are
    not UTF-8 among many UTF-8 characters still make it UTF-8: the reader reports the rows
    holding them (decoding with a handler that marks each bad byte, see ``read_chunks``).
    """
    with _open_binary(path) as fh:
        while True:
            block = fh.read(sample)
            if not block:
                return "utf-8-sig"
            if not block.isascii():
                break
        start = re.search(rb"[\x80-\xff]", block).start()  # type: ignore[union-attr]
        head = block[start:] + fh.read(start)
    return _guess_encoding(head, str(path))


def _check_encoding(encoding: str | None) -> None:
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ConfigError(f"unknown encoding {encoding!r}; give a Python codec name such as utf-8, "
                              "gb18030 or big5") from None


def read_chunks(source: str | os.PathLike[str] | IO[str], *, fmt: str | None = None,
                chunksize: int = 10_000, encoding: str | None = None,
                bad_rows: str = "raise") -> Iterator[pd.DataFrame]:
    """Yield DataFrames of at most ``chunksize`` rows, every column read as text where it can be.

    csv/tsv: every cell is text, an empty cell is missing (in a one-column file a blank line
    is such a cell; in others blank lines are skipped); jsonl: one JSON object per line
    (blank lines skipped). A row that cannot be read — more fields than the header, a line
    that is not JSON, bytes that are not in the file's encoding — raises an InputError naming
    its line with ``bad_rows="raise"``; with ``"keep"`` it is a row of its chunk (its cells as
    far as they could be read) whose :data:`READ_ERROR` column says why (that column is None
    on good rows), so a caller can report it and go on. A file that cannot be read at all (an
    empty csv without a header, a first line that is not JSON, an unclosed quote that runs to
    the end) raises an InputError in both modes.
    """
    import pandas as pd

    if fmt is None:
        if not isinstance(source, (str, os.PathLike)):
            raise ConfigError("read_chunks needs fmt= when reading from a file object")
        fmt = format_of(source)
    if bad_rows not in {"raise", "keep"}:
        raise ConfigError(f"bad_rows must be 'raise' or 'keep', got {bad_rows!r}")
    if not isinstance(chunksize, int) or chunksize < 1:
        raise ConfigError(f"chunksize must be an int >= 1, got {chunksize!r}")
    _check_encoding(encoding)
    keep = bad_rows == "keep"
    name = "<stream>"
    if isinstance(source, (str, os.PathLike)) and str(source) == "-":
        source, name = sys.stdin, "stdin"
    is_path = isinstance(source, (str, os.PathLike))
    if is_path:
        name = str(source)
        if not Path(source).exists():  # type: ignore[arg-type]
            raise InputError(f"input file {source} does not exist")
        if Path(source).is_dir():  # type: ignore[arg-type]
            raise InputError(f"{source} is a folder; give a {fmt} file")
    if fmt in {"csv", "tsv", "jsonl"}:
        binary = None if is_path else _binary_of(source)
        if is_path:
            enc = encoding or detect_encoding(source)  # type: ignore[arg-type]
            fh: IO[str] = io.TextIOWrapper(_open_binary(source), encoding=enc,  # type: ignore[arg-type]
                                           errors="voc.badbytes", newline="")
        elif binary is not None:  # stdin, or a binary stream: detected and decoded like a file
            head = binary.read(1 << 16)
            enc = encoding or _guess_encoding(head, name)
            fh = io.TextIOWrapper(io.BufferedReader(_Prefixed(head, binary)), encoding=enc,
                                  errors="voc.badbytes", newline="")
        else:
            enc, fh = encoding or "utf-8", source  # type: ignore[assignment]
        try:
            if fmt == "jsonl":
                yield from _jsonl_chunks(fh, chunksize, name, keep, enc)
            else:
                yield from _csv_chunks(fh, "," if fmt == "csv" else "\t", chunksize, name, keep, enc)
        finally:
            if is_path:
                fh.close()
    elif fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise ConfigError("reading parquet needs pyarrow: pip install 'voc[files]'") from None
        try:
            pf = pq.ParquetFile(source)
            batches = pf.iter_batches(batch_size=chunksize)
            for batch in batches:
                yield _with_read_error(batch.to_pandas(), keep)
        except (pa.ArrowException, OSError) as err:
            raise InputError(f"{name} is not a readable parquet file ({err})") from None
    elif fmt == "xlsx":
        _need_openpyxl("reading")
        try:
            frame = pd.read_excel(source, dtype=str)  # xlsx cannot be streamed; read once
        except Exception as err:  # noqa: BLE001 - zip, xml or openpyxl errors: the file is not readable
            raise InputError(f"{name} is not a readable xlsx file ({type(err).__name__}: {err})") from None
        for start in range(0, max(len(frame), 1), chunksize):  # a sheet with a header only: one empty chunk
            yield _with_read_error(frame.iloc[start:start + chunksize], keep)
    else:
        raise ConfigError(f"unknown format {fmt!r}; use one of {sorted(set(_FORMATS.values()))}")


def _binary_of(stream: Any) -> Any:
    """The byte stream under ``stream`` (stdin's buffer), or None for a text stream such as StringIO."""
    if isinstance(stream, (io.RawIOBase, io.BufferedIOBase)):
        return stream
    buffer = getattr(stream, "buffer", None)
    return buffer if isinstance(buffer, (io.RawIOBase, io.BufferedIOBase)) else None


class _Prefixed(io.RawIOBase):
    """Bytes already read (the sample the encoding was detected from), then the rest of the stream."""

    def __init__(self, head: bytes, rest: Any) -> None:
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self.head:
            n = min(len(b), len(self.head))
            b[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        read = getattr(self.rest, "read1", self.rest.read)
        data = read(len(b))
        b[:len(data)] = data
        return len(data)


def _with_read_error(frame: pd.DataFrame, keep: bool, errors: list[str | None] | None = None) -> pd.DataFrame:
    if keep:
        frame = frame.copy() if errors is None else frame
        frame[READ_ERROR] = errors if errors is not None else [None] * len(frame)
        frame[READ_ERROR] = frame[READ_ERROR].astype(object)
    return frame


class _Lines:
    """The lines a csv reader consumes: counts them, notes undecodable bytes and the end of the file."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh, self.n, self.eof, self.bad = fh, 0, False, b""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.fh.readline()
        if not line:
            self.eof = True
            raise StopIteration
        if self.n == 0:
            line = line.lstrip("\ufeff")  # a BOM the encoding left (utf-8 given for a utf-8-sig file)
        self.n += 1
        if _SURROGATE.search(line):
            self.bad += _bad_bytes(line)
        return line


def _bad_bytes_message(line: int, bad: bytes, enc: str) -> str:
    shown = bad[:8]
    return (f"line {line}: bytes {shown!r}{'…' if len(bad) > 8 else ''} are not {_encoding_name(enc)} "
            "(read as the rest of the file; pass its encoding if the file is in another)")


def _encoding_name(enc: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf8": "UTF-8", "gb18030": "GB18030"}.get(enc.lower(), enc)


def _header(names: list[str]) -> list[str]:
    """Column names as pandas makes them: an empty name is ``Unnamed: i``, a repeated one ``name.1``."""
    out: list[str] = []
    for i, n in enumerate(names):
        n = n if n != "" else f"Unnamed: {i}"
        base, k = n, 0
        while n in out:
            k += 1
            n = f"{base}.{k}"
        out.append(n)
    return out


def _csv_chunks(fh: IO[str], sep: str, chunksize: int, name: str, keep: bool, enc: str) -> Iterator[pd.DataFrame]:
    import csv

    import pandas as pd

    lines = _Lines(fh)
    reader = csv.reader(lines, delimiter=sep)
    old_limit = csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    try:
        header: list[str] | None = None
        rows: list[list[str | None]] = []
        errors: list[str | None] = []
        start = done = 0
        while True:
            first_line = lines.n + 1
            try:
                rec = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                raise InputError(f"line {first_line} of {name}: {err} — an unclosed quote? "
                                 "Close it, or remove the stray '\"'") from None
            if lines.eof:  # the reader needed the end of the file to finish this row: a quote never closed
                raise InputError(f"line {first_line} of {name}: a quoted field is never closed (it runs to the end of "
                                 f"the file, line {lines.n}); close the quote, or remove the stray '\"'")
            bad, lines.bad = lines.bad, b""
            if header is None:
                if not rec:
                    continue  # blank lines before the header
                if bad:
                    raise InputError(f"line {first_line} of {name}, the header: bytes {bad[:8]!r} are not "
                                     f"{_encoding_name(enc)}; pass the file's encoding (--encoding)")
                header = _header(rec)
                continue
            if not rec:
                if len(header) > 1:
                    continue  # a blank line is no row of several fields (pandas skips it too)
                rec = [""]  # in a one-column file it is an empty cell: a row, that fails as empty
            error = None
            if len(rec) > len(header):
                error = (f"line {first_line}: {len(rec)} fields where the header has {len(header)} "
                         "(a separator inside a field that is not quoted?)")
                rec = rec[:len(header)]
            elif len(rec) < len(header):
                rec = rec + [""] * (len(header) - len(rec))
            if bad:
                error = error or _bad_bytes_message(first_line, bad, enc)
                rec = [_clean(v) for v in rec]
            if error is not None and not keep:
                raise InputError(f"{name}, {error}")
            rows.append([v if v != "" else None for v in rec])
            errors.append(error)
            if len(rows) == chunksize:
                yield _csv_frame(rows, header, errors, start, keep)
                start += len(rows)
                done += 1
                rows, errors = [], []
        if header is None:
            raise InputError(f"{name} is empty: a csv or tsv file needs a header line naming its columns")
        if rows or not done:
            yield _csv_frame(rows, header, errors, start, keep)
    finally:
        csv.field_size_limit(old_limit)


def _csv_frame(rows: list[list[str | None]], header: list[str], errors: list[str | None], start: int,
               keep: bool) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=header, dtype=str)
    frame.index = pd.RangeIndex(start, start + len(rows))
    return _with_read_error(frame, keep, errors)


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_SURROGATE.search(value))
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        return {_cleaned(k): _cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


def _jsonl_chunks(fh: IO[str], chunksize: int, name: str, keep: bool, enc: str) -> Iterator[pd.DataFrame]:
    import json

    import pandas as pd

    records: list[dict[str, Any]] = []
    errors: list[str | None] = []
    start = n = 0
    seen = False
    for line in fh:
        n += 1
        text = line.lstrip("\ufeff") if n == 1 else line
        text = text.strip()
        if not text:
            continue  # blank lines are not rows
        error = None
        rec: Any = {}
        if _SURROGATE.search(text):
            error = _bad_bytes_message(n, _bad_bytes(text), enc)
        else:
            try:
                rec = json.loads(text, strict=False)  # raw tabs and other controls in strings, as pandas took them
            except ValueError as err:
                error = f"line {n}: not valid JSON ({getattr(err, 'msg', err)} at column {getattr(err, 'colno', '?')})"
            else:
                if not isinstance(rec, dict):
                    error = f"line {n}: a JSON {type(rec).__name__} where an object {{...}} was expected"
            if error is not None:
                rec = {}
                if not seen:  # the first line already is not a JSON object: not a JSON lines file
                    raise InputError(f"{name} does not look like JSON lines: {error}; expected one JSON object "
                                     'per line, such as {"id": 1, "review": "..."}')
            elif _ESCAPED_SURROGATE.search(text) and _has_surrogate(rec):
                error = f"line {n}: a JSON string holds a lone surrogate escape (\\ud800-\\udfff)"
                rec = _cleaned(rec)
        seen = True
        if error is not None and not keep:
            raise InputError(f"{name}, {error}")
        records.append(rec)
        errors.append(error)
        if len(records) == chunksize:
            yield _json_frame(records, errors, start, keep)
            start += len(records)
            records, errors = [], []
    if records:
        yield _json_frame(records, errors, start, keep)


def _json_frame(records: list[dict[str, Any]], errors: list[str | None], start: int, keep: bool) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(records, index=pd.RangeIndex(start, start + len(records)))
    for col in frame.columns:  # whole numbers with gaps (a line without the key, a line not read) stay whole
        if frame[col].dtype.kind == "f" and frame[col].isna().any():
            values = [r.get(col) for r in records]
            if all(v is None or type(v) is int for v in values):
                try:
                    frame[col] = pd.array(values, dtype="Int64")
                except (TypeError, ValueError, OverflowError):
                    pass
    return _with_read_error(frame, keep, errors)


def _write_xlsx(frames: list[pd.DataFrame], target: Any) -> None:
    """Write frames as one sheet, every text cell as text: a review that starts with ``=``
    (``=HYPERLINK(…)``) is never stored as a formula that Excel would run (CSV injection)."""
    import math

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()

    def cell(v: Any) -> Any:
        if isinstance(v, str):
            if v.startswith("="):
                c = WriteOnlyCell(ws, value=v)
                c.data_type = "s"
                return c
            return v
        if v is None or (isinstance(v, float) and math.isnan(v)) or type(v).__name__ in ("NAType", "NaTType"):
            return None
        return v.item() if hasattr(v, "item") else v

    columns = list(dict.fromkeys(c for f in frames for c in f.columns))  # as pandas.concat aligns them
    ws.append([cell(str(c)) for c in columns])
    for frame in frames:
        if list(frame.columns) != columns:
            frame = frame.reindex(columns=columns)
        for row in frame.itertuples(index=False, name=None):
            ws.append([cell(v) for v in row])
    wb.save(target)


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


_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what openpyxl refuses in a cell
_XLSX_MAX_CHARS = 32_767
_XLSX_MAX_ROWS = 1_048_575  # and the header
_XLSX_TRUNCATED = "…[truncated]"


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
    In xlsx, control characters Excel cannot hold are removed and a cell longer than Excel's
    32,767 characters is cut, ending in ``…[truncated]`` (:attr:`truncated` counts them);
    more rows than a sheet holds is a ConfigError.

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
        self._rows = 0
        #: xlsx cells cut at Excel's 32,767 characters so far
        self.truncated = 0
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
            self._rows += len(frame)
            if self._rows > _XLSX_MAX_ROWS:
                raise ConfigError(f"{self.target}: an xlsx sheet holds at most {_XLSX_MAX_ROWS:,} rows "
                                  "(Excel's limit); write csv, jsonl or parquet instead")
            self._frames.append(self._xlsx_cells(_json_cells(frame)))
        else:  # pragma: no cover - format_of guards
            raise ConfigError(f"unknown output format {self.fmt!r}")

    def _xlsx_cells(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Text that Excel can hold: control characters it refuses (openpyxl raised IllegalCharacterError
        at close and the whole file was lost) are removed; a cell past 32,767 characters is cut there,
        ending in ``…[truncated]`` (counted in :attr:`truncated`)."""
        import pandas as pd

        def cell(v: Any) -> Any:
            if not isinstance(v, str):
                return v
            v = _XLSX_ILLEGAL.sub("", v)
            if len(v) > _XLSX_MAX_CHARS:
                self.truncated += 1
                v = v[:_XLSX_MAX_CHARS - len(_XLSX_TRUNCATED)] + _XLSX_TRUNCATED
            return v

        out = frame.set_axis([cell(c) for c in frame.columns], axis=1)
        for i in range(out.shape[1]):
            values = out.iloc[:, i]
            if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
                texts = [isinstance(v, str) for v in values]
                if any(texts):
                    out.isetitem(i, pd.Series([cell(v) for v in values], index=out.index, dtype=object))
        return out

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
            _write_xlsx(self._frames, self.target)

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
