"""The ``voc`` command: analyse review dumps from the shell.

Exit codes: 0 every row analysed; 1 some rows failed (see the errors file);
2 bad usage or unreadable input; 3 internal error (a bug in voc: one line, and the
traceback with ``VOC_DEBUG=1``); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import VocError

__all__ = ["main"]

EXIT_OK, EXIT_ROWS_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM, as shells report them

EXIT_CODES = """\
exit codes:
  0  every row analysed
  1  some rows failed (voc analyze: see the errors file; the others were written)
  2  bad usage or unreadable input (the message says what was expected)
  3  internal error: a bug in voc (set VOC_DEBUG=1 for the traceback)
  130, 143  interrupted (Ctrl-C), terminated (SIGTERM); voc analyze continues with --resume"""

ANALYZE_EXAMPLE = """\
example:
  voc analyze reviews.csv -o scored.csv --text-col review --id-col id --steps sentiment,emotion
  cat reviews.jsonl | voc analyze - -o - --text-col review > scored.jsonl
rows that cannot be analysed go to OUTPUT.errors.<ext> (or --errors) with their id and reason."""

TOPICS_EXAMPLE = """\
example:
  voc topics questions.csv -o tree.csv --text-col question --paths paths.csv
writes one row per topic node (level, parent, label, keywords, size, share, examples) and,
with --paths, one (l1, l2, l3) label path per input row."""

ALERTS_EXAMPLE = """\
example:
  voc alerts chats.csv -o risk.csv --dialogue-col session_id --role-col role --text-col text --time-col ts
  voc alerts dialogues.jsonl -o risk.csv          # JSON lines: {"id": ..., "turns": [{"role", "text", "ts"}]}
writes one row per dialogue (score, level, categories, first risky turn) and one row per flag
to OUTPUT.flags.<ext>."""

REPORT_EXAMPLE = """\
example:
  voc analyze reviews.csv -o scored.csv --text-col review
  voc report scored.csv -o report.html --text-col review --time-col date --score-col nps --title "5月评论"
  voc report scored.parquet -o report.html --dialogues chats.jsonl   # + riskiest dialogues
one self-contained HTML file (opens offline): headline figures, sentiment trend, opinion drill-down,
topics, word cloud, alerts, NPS/CSAT. Rows in SCORED.errors.<ext> (written by voc analyze) count as failed."""

EVAL_EXAMPLE = """\
example:
  voc eval labelled.csv --text-col review --label-col label [--model my_model/]"""


def _epilog(example: str) -> str:
    return example + "\n\n" + EXIT_CODES


def _parser() -> argparse.ArgumentParser:
    from . import __version__
    from .pipeline import STEPS

    p = argparse.ArgumentParser(prog="voc", description="Chinese voice-of-customer analytics.", epilog=EXIT_CODES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"voc {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("analyze", help="score every text of a dump", epilog=_epilog(ANALYZE_EXAMPLE),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("input", help="csv, tsv, jsonl, parquet or xlsx file; '-' for JSON lines on stdin")
    a.add_argument("-o", "--output", required=True, help="output file (format by extension); '-' for stdout")
    a.add_argument("--text-col", required=True, help="column holding the texts")
    a.add_argument("--id-col", help="column identifying rows (default: the row number)")
    a.add_argument("--steps", help=f"comma-separated subset of: {','.join(STEPS)} (default: all)")
    a.add_argument("--chunksize", type=int, default=10_000, help="rows per chunk (bounds memory)")
    a.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    a.add_argument("--encoding", help="input encoding (default: detect UTF-8 / GB18030)")
    a.add_argument("--errors", help="where failed rows go (default: beside the output)")
    a.add_argument("--max-chars", type=int, default=100_000,
                   help="texts longer than this are reported as failed rows (default 100000)")
    a.add_argument("--resume", action="store_true",
                   help="continue an interrupted run: keep what OUTPUT already holds and skip those rows")

    t = sub.add_parser("topics", help="cluster texts into a labelled three-level topic tree",
                       epilog=_epilog(TOPICS_EXAMPLE), formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("input", help="csv, tsv, jsonl, parquet or xlsx file")
    t.add_argument("-o", "--output", required=True, help="the nodes table (format by extension)")
    t.add_argument("--text-col", required=True, help="column holding the texts")
    t.add_argument("--paths", help="also write each row's (l1, l2, l3) labels here")
    t.add_argument("--levels", type=int, default=3, help="depth of the tree (default 3)")
    t.add_argument("--encoding", help="input encoding (default: detect UTF-8 / GB18030)")

    r = sub.add_parser("alerts", help="score customer-service dialogues for risk", epilog=_epilog(ALERTS_EXAMPLE),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("input", help="one row per turn (csv/tsv/jsonl/parquet/xlsx), or dialogues as JSON lines")
    r.add_argument("-o", "--output", required=True, help="one row per dialogue (format by extension)")
    r.add_argument("--dialogue-col", help="dialogue id column (turn-per-row input)")
    r.add_argument("--role-col", help="speaker role column: customer/agent, 客户/客服 …")
    r.add_argument("--text-col", help="turn text column")
    r.add_argument("--time-col", help="turn time column (enables slow_response)")
    r.add_argument("--encoding", help="input encoding (default: detect UTF-8 / GB18030)")

    rp = sub.add_parser("report", help="write a self-contained HTML report of an analysed file",
                        epilog=_epilog(REPORT_EXAMPLE), formatter_class=argparse.RawDescriptionHelpFormatter)
    rp.add_argument("input", help="output of `voc analyze` (csv, tsv, jsonl, parquet or xlsx)")
    rp.add_argument("-o", "--output", required=True, help="the .html file to write")
    rp.add_argument("--text-col", help="column shown in example verbatims (default: text_norm)")
    rp.add_argument("--time-col", help="date/time column: sentiment trend and topic changes")
    rp.add_argument("--score-col", help="score column: NPS 0-10, CSAT 1-5 or stars 1-5")
    rp.add_argument("--score-kind", choices=["nps", "csat", "stars"], help="default: guessed from the range")
    rp.add_argument("--dialogues", help="dialogues as JSON lines, scored for risk and listed with their evidence")
    rp.add_argument("--title", default="voc report", help="page title")
    rp.add_argument("--freq", choices=["D", "W", "M"], help="trend by day, week or month (default: from the span)")
    rp.add_argument("--errors", help="failed rows of voc analyze (default: INPUT.errors.<ext> when it exists)")
    rp.add_argument("--encoding", help="input encoding (default: detect UTF-8 / GB18030)")

    e = sub.add_parser("eval", help="evaluate the sentiment model on a labelled file", epilog=_epilog(EVAL_EXAMPLE),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("input", help="labelled csv/tsv/jsonl/parquet/xlsx file")
    e.add_argument("--text-col", required=True)
    e.add_argument("--label-col", required=True)
    e.add_argument("--model", help="folder of a saved SentimentModel (default: the shipped one)")
    return p


def _errors_path(output: str, given: str | None) -> str:
    if given:
        return given
    if output == "-":
        return "voc-errors.jsonl"
    out = Path(output)
    return str(out.with_name(out.stem + ".errors" + out.suffix))


def _count_lines(path: str) -> int | None:
    """Rough row count for the ETA (lines in a text file); None when unknown."""
    if path == "-" or Path(path).suffix.lower() not in {".csv", ".tsv", ".jsonl", ".json", ".ndjson"}:
        return None
    n = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            n += block.count(b"\n")
    return n


class _Checkpoint:
    """``OUTPUT.voc-progress``: rows done and the byte sizes of the output and errors files after them.

    Written after every chunk, once both files are flushed; ``--resume`` truncates the files back
    to those sizes (dropping a chunk cut off half-way) and skips the rows already done.
    """

    def __init__(self, output: str, errors: str) -> None:
        self.path = Path(output + ".voc-progress")
        self.output, self.errors = Path(output), Path(errors)

    def load(self) -> dict[str, int]:
        import json

        if not self.path.exists():
            return {"rows": 0, "failed": 0, "output_bytes": 0, "errors_bytes": 0}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def restore(self) -> dict[str, int]:
        state = self.load()
        for f, size in ((self.output, state["output_bytes"]), (self.errors, state["errors_bytes"])):
            if f.exists():
                with open(f, "r+b") as fh:
                    fh.truncate(size)
        return state

    def save(self, rows: int, failed: int) -> None:
        import json
        import os

        state = {"rows": rows, "failed": failed,
                 "output_bytes": self.output.stat().st_size if self.output.exists() else 0,
                 "errors_bytes": self.errors.stat().st_size if self.errors.exists() else 0}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def _same_file(a: str, b: str) -> bool:
    import os

    if a == "-" or b == "-":
        return False
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:  # hard links, or paths that realpath cannot settle
        return os.path.samefile(a, b)
    except OSError:
        return False


def _check_distinct(written: Sequence[tuple[str, str | None, str]],
                    read: Sequence[tuple[str, str | None]] = ()) -> None:
    """Refuse a file this command writes that is also one it reads or another it writes.

    Writing one would truncate the other: ``-o`` equal to the input destroyed the input.
    ``written``: (what, path, which option to change); ``read``: (what, path).
    """
    from .errors import ConfigError

    w = [x for x in written if x[1]]
    pairs = [(a[:2], b) for i, a in enumerate(w) for b in w[i + 1:]]
    pairs += [(r, x) for r in read if r[1] for x in w]
    for (n1, p1), (n2, p2, fix) in pairs:
        if _same_file(p1, p2):  # type: ignore[arg-type]
            raise ConfigError(f"{n1} and {n2} are the same file ({p2}): writing {n2} would destroy {n1}; {fix}")


def _remove_stale(*paths: str) -> None:
    """Remove what an earlier run left at this run's output paths (``-`` is stdout)."""
    for p in paths:
        if p != "-" and Path(p).is_file():
            Path(p).unlink()


def _check_folders(*paths: str | None) -> None:
    """An output path whose folder does not exist is a usage error before anything runs."""
    from .errors import ConfigError

    for p in paths:
        if p and p != "-" and not Path(p).parent.is_dir():
            raise ConfigError(f"the folder of {p} does not exist; create it first (mkdir -p {Path(p).parent}) "
                              "or give another path")


def _check_columns(args: argparse.Namespace, columns: list[Any]) -> None:
    from .errors import ConfigError

    if args.text_col not in columns:
        raise ConfigError(f"column {args.text_col!r} not in {args.input}; columns: {columns}")
    if args.id_col and args.id_col not in columns:
        raise ConfigError(f"--id-col {args.id_col!r} is not a column of {args.input}; columns: {columns}")
    if not args.id_col and "row" in columns:
        raise ConfigError(f"{args.input} has a column named 'row', the name voc analyze gives the row numbers "
                          "when there is no --id-col; pass --id-col row to use that column as the id "
                          "(or --id-col with another column)")


def _parquet_types(args: argparse.Namespace, steps: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Column types of the output and errors files when they are parquet (one schema per file).

    voc's columns: as :func:`voc.pipeline.output_columns` says; the row numbers: integers; the
    input's columns: the input's own types when it is parquet, else text (see ChunkWriter).
    """
    from .io import format_of
    from .pipeline import output_columns

    given: dict[str, Any] = {}
    if format_of(args.input) == "parquet" and Path(args.input).is_file():
        try:
            import pyarrow.parquet as pq

            given = {f.name: f.type for f in pq.ParquetFile(args.input).schema_arrow}
        except Exception:  # noqa: BLE001 - the reader says what is wrong with the file
            given = {}
    ids = {"row": "long"} if not args.id_col else {args.id_col: given[args.id_col]} if args.id_col in given else {}
    return {**given, **dict(output_columns(steps)), **ids}, {**ids, "error": "string"}


def _analyze(args: argparse.Namespace) -> int:
    import pandas as pd

    from .errors import ConfigError
    from .io import READ_ERROR, ChunkWriter, _check_encoding, format_of, read_chunks
    from .pipeline import STEPS, Pipeline, RowAnalyzer, _check_steps, batch_gc, output_columns, rows_frame

    if args.steps is not None and not args.steps.strip(" ,"):
        raise ConfigError(f"--steps is empty; give a comma-separated subset of {','.join(STEPS)}, or leave it out for all")
    steps = _check_steps(args.steps)
    if args.chunksize < 1 or args.workers < 1:
        raise ConfigError(f"--chunksize and --workers must be >= 1, got {args.chunksize} and {args.workers}")
    if args.max_chars < 1:
        raise ConfigError(f"--max-chars must be >= 1, got {args.max_chars}")
    _check_encoding(args.encoding)
    pipeline = Pipeline(steps=steps)
    err_path = _errors_path(args.output, args.errors)
    for path in (args.input, err_path):  # an unknown extension is a usage error before anything is read
        format_of(path)
    _check_folders(args.output, err_path)
    _check_distinct([("the output", args.output, "give -o another path"),
                     ("the errors file", err_path, "give --errors another path")], [("the input", args.input)])
    streamable = args.output != "-" and format_of(args.output) in {"csv", "tsv", "jsonl"}
    checkpoint = _Checkpoint(args.output, err_path) if streamable else None
    skip = n_failed = 0
    if args.resume:
        if checkpoint is None:
            raise ConfigError("--resume needs a csv, tsv or jsonl OUTPUT file (not '-', parquet or xlsx)")
        state = checkpoint.restore()
        skip, n_failed = state["rows"], state["failed"]
    chunks = read_chunks(args.input, chunksize=args.chunksize, encoding=args.encoding, bad_rows="keep")
    first = next(chunks, None)  # a missing or unreadable input stops here, before any file is touched
    if not args.resume:  # a new run starts from nothing: no rows, failures or checkpoint of an earlier run survive
        _remove_stale(args.output, err_path, args.output + ".voc-progress")
    tty = sys.stderr.isatty()
    total = _count_lines(args.input) if tty else None
    n_in = 0
    start = time.perf_counter()
    out_types, err_types = _parquet_types(args, steps)
    with ChunkWriter(args.output, append=skip > 0, types=out_types, other_types="string") as out, \
            ChunkWriter(err_path, fmt=format_of(err_path), append=skip > 0, types=err_types,
                        other_types="string") as errs, \
            RowAnalyzer(pipeline, steps, n_jobs=args.workers) as analyzer, batch_gc() as models_loaded:
        analyzer.load()
        models_loaded()
        checked = False
        for chunk in itertools.chain([first] if first is not None else [], chunks):
            read_error = chunk.pop(READ_ERROR)
            unread = read_error.notna().to_numpy()
            if not checked and (not len(chunk) or not unread.all()):  # the first chunk with a row read
                _check_columns(args, list(chunk.columns))
                checked = True
                clash = [c for c, _ in output_columns(steps) if c in chunk.columns]
                if clash:  # a hand-labelled sentiment_label would otherwise vanish without a word
                    print(f"voc analyze: the input's column(s) {', '.join(clash)} are replaced by voc's output "
                          "columns of the same name; rename them in the input to keep them", file=sys.stderr)
            if not args.id_col and "row" in chunk.columns:  # a JSON key first seen in a later chunk
                _check_columns(args, list(chunk.columns))
            for col in (args.text_col, args.id_col):
                if col and col not in chunk.columns:  # JSON lines: a key no line of this chunk has
                    chunk[col] = None
            if not len(chunk):  # a header without rows
                continue
            if n_in + len(chunk) <= skip:  # done in an earlier run
                n_in += len(chunk)
                continue
            if n_in < skip:
                cut = skip - n_in
                chunk, read_error, unread = chunk.iloc[cut:], read_error.iloc[cut:], unread[cut:]
                n_in = skip
            id_name = args.id_col or "row"
            ids = chunk[args.id_col] if args.id_col else pd.Series(range(n_in, n_in + len(chunk)), index=chunk.index)
            texts = chunk[args.text_col].tolist()
            too_long = [isinstance(t, str) and len(t) > args.max_chars for t in texts]
            rows = analyzer.analyze([None if tl or ur else t for t, tl, ur in zip(texts, too_long, unread)])
            result = rows_frame(rows, chunk.index)
            result.loc[too_long, "voc_error"] = f"text longer than --max-chars={args.max_chars}"
            result.loc[unread, "voc_error"] = read_error[unread].to_numpy()  # could not be read: why
            failed = result["voc_error"].notna()
            keep = chunk.drop(columns=[c for c in result.columns if c in chunk.columns])
            good = pd.concat([keep, result.drop(columns=["voc_error"])], axis=1)[~failed]
            if not args.id_col:
                good.insert(0, "row", ids[~failed].values)
            if len(good):
                out.write(good)
            if failed.any():
                errs.write(pd.DataFrame({id_name: ids[failed].values, "error": result.loc[failed, "voc_error"].values}))
            n_in += len(chunk)
            n_failed += int(failed.sum())
            if checkpoint is not None:
                checkpoint.save(n_in, n_failed)
            if tty:
                elapsed = max(time.perf_counter() - start, 1e-9)
                rate = (n_in - skip) / elapsed
                eta = f"  ETA {max(total - n_in, 0) / rate:,.0f}s" if total and rate else ""
                print(f"\r{n_in:,} rows  {rate:,.0f} rows/s  {n_failed:,} failed{eta}   ", end="", file=sys.stderr)
    if tty:
        print(file=sys.stderr)
    if out.truncated:
        print(f"voc analyze: note: {out.truncated} cells longer than Excel's 32,767 characters were cut (they end in "
              "…[truncated]); write csv, jsonl or parquet to keep them whole", file=sys.stderr)
    if checkpoint is not None:
        checkpoint.clear()
    print(f"voc analyze: {n_in} rows in, {n_in - n_failed} written to {args.output}, "
          f"{n_failed} failed" + (f" (see {err_path})" if n_failed else ""), file=sys.stderr)
    if not n_failed and Path(err_path).exists() and Path(err_path).stat().st_size == 0:
        Path(err_path).unlink()
    return 1 if n_failed else 0


def _read_all(path: str, encoding: str | None) -> "pd.DataFrame":
    import pandas as pd

    from .io import read_chunks

    parts = list(read_chunks(path, encoding=encoding))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _with_suffix(output: str, tag: str) -> str:
    out = Path(output)
    return str(out.with_name(out.stem + f".{tag}" + out.suffix))


def _topics(args: argparse.Namespace) -> int:
    from .errors import ConfigError
    from .io import ChunkWriter, _check_encoding, format_of
    from .topics import TopicTree

    _check_encoding(args.encoding)
    for path in (args.output, args.paths):  # an unknown extension is found before the slow part
        if path:
            format_of(path)
    _check_folders(args.output, args.paths)
    _check_distinct([("the output", args.output, "give -o another path"),
                     ("the --paths file", args.paths, "give --paths another path")], [("the input", args.input)])
    frame = _read_all(args.input, args.encoding)
    if args.text_col not in frame.columns:
        raise ConfigError(f"column {args.text_col!r} not in {args.input}; columns: {list(frame.columns)}")
    clash = [f"l{k + 1}" for k in range(args.levels) if f"l{k + 1}" in frame.columns] if args.paths else []
    if clash:
        raise ConfigError(f"{args.input} already has column(s) {clash}, where --paths writes each row's topic "
                          "labels; rename them in the input, or leave out --paths")
    texts = frame[args.text_col].fillna("").astype(str).tolist()
    tree = TopicTree(levels=args.levels).fit(texts)
    nodes = tree.to_frame()
    for col in nodes.columns:  # lists and tuples as readable text in csv/xlsx
        if nodes[col].map(lambda v: isinstance(v, (list, tuple))).any():
            nodes[col] = nodes[col].map(lambda v: " | ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    with ChunkWriter(args.output) as out:
        out.write(nodes)
    if args.paths:
        import pandas as pd

        label = {n.id: n.label for n in tree.nodes_}
        paths = pd.DataFrame([[label.get(i, "") for i in p] for p in tree.paths_],
                             columns=[f"l{k + 1}" for k in range(args.levels)])
        with ChunkWriter(args.paths) as out:
            out.write(pd.concat([frame.reset_index(drop=True), paths], axis=1))
    print(f"voc topics: {len(texts)} texts, {len(nodes)} nodes written to {args.output}", file=sys.stderr)
    return 0


def _alerts(args: argparse.Namespace) -> int:
    import pandas as pd

    from .alerts import RiskDetector, assess_frame, dialogues_from_jsonl
    from .errors import ConfigError
    from .io import ChunkWriter, _check_encoding, format_of

    _check_encoding(args.encoding)
    format_of(args.output)
    _check_folders(args.output)
    flags_path = _with_suffix(args.output, "flags")
    _check_distinct([("the output", args.output, "give -o another path"),
                     ("the flags file", flags_path, "give -o another path (flags go to OUTPUT.flags.<ext>)")],
                    [("the input", args.input)])
    detector = RiskDetector()
    if args.dialogue_col or args.role_col or args.text_col:
        if not (args.dialogue_col and args.role_col and args.text_col):
            raise ConfigError("turn-per-row input needs --dialogue-col, --role-col and --text-col together")
        frame = _read_all(args.input, args.encoding)
        dialogues, flags = assess_frame(frame, dialogue_col=args.dialogue_col, role_col=args.role_col,
                                        text_col=args.text_col, time_col=args.time_col, detector=detector)
        dialogues = dialogues.reset_index()
    else:
        if format_of(args.input) != "jsonl":
            raise ConfigError("without --dialogue-col/--role-col/--text-col the input must be JSON lines of "
                              'dialogues: {"id": ..., "turns": [{"role": ..., "text": ...}]}')
        rows, flag_rows = [], []
        for d in dialogues_from_jsonl(args.input):
            rep = detector.assess(d)
            risky = [f.turn for f in rep.flags]
            rows.append({"dialogue_id": d.id, "n_turns": len(d), "score": rep.score, "level": rep.level,
                         "categories": sorted({f.category for f in rep.flags}), "n_flags": len(rep.flags),
                         "first_risky_turn": min(risky) if risky else None})
            flag_rows += [{"dialogue_id": d.id, "turn": f.turn, "category": f.category, "rule": f.rule,
                           "evidence": f.evidence.text} for f in rep.flags]
        dialogues, flags = pd.DataFrame(rows), pd.DataFrame(flag_rows)
    for col in ("first_risky_turn", "first_risky_row"):  # turn numbers and row labels, missing when no risk
        if col in dialogues.columns and dialogues[col].dtype.kind == "f" and (dialogues[col].dropna() % 1 == 0).all():
            dialogues[col] = dialogues[col].astype("Int64")  # 0, not 0.0, beside a missing value
    if "categories" in dialogues.columns:
        dialogues["categories"] = dialogues["categories"].map(lambda v: ",".join(v) if isinstance(v, list) else v)
    with ChunkWriter(args.output) as out:
        out.write(dialogues)
    _remove_stale(flags_path)  # no flags of an earlier run survive
    if len(flags):
        with ChunkWriter(flags_path) as out:
            out.write(flags)
    high = int((dialogues["level"] == "high").sum()) if len(dialogues) else 0
    print(f"voc alerts: {len(dialogues)} dialogues, {high} high risk, {len(flags)} flags"
          + (f" (see {flags_path})" if len(flags) else ""), file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    import pandas as pd

    from .errors import ConfigError, InputError
    from .io import _check_encoding, format_of, read_chunks
    from .reporting import aggregate as agg
    from .reporting import report

    _check_encoding(args.encoding)
    _check_folders(args.output)
    _check_distinct([("the output", args.output, "give -o another path")],
                    [("the input", args.input), ("the --errors file", args.errors),
                     ("the --dialogues file", args.dialogues)])
    wanted = ["opinions", "sentiment_label", "sentiment_polarity", "text_norm", "voc_error",
              args.text_col, args.time_col, args.score_col]
    wanted = list(dict.fromkeys(c for c in wanted if c))
    if format_of(args.input) == "parquet" and Path(args.input).exists():  # read only the needed columns
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise ConfigError("reading parquet needs pyarrow: pip install pyarrow") from None
        pf = pq.ParquetFile(args.input)
        cols = [c for c in wanted if c in pf.schema_arrow.names]
        chunks = (b.to_pandas() for b in pf.iter_batches(batch_size=50_000, columns=cols))
    else:
        chunks = read_chunks(args.input, chunksize=50_000, encoding=args.encoding)
    parts = []
    for chunk in chunks:  # the report aggregates: keep only the columns it needs, parsed once per chunk
        if not parts and not {"opinions", "sentiment_label"} & set(chunk.columns):
            raise InputError(f"{args.input} has no 'sentiment_label' or 'opinions' column (columns: "
                             f"{list(chunk.columns)[:20]}); run `voc analyze {args.input} -o scored.csv "
                             "--text-col <column>` first and report on its output")
        chunk = chunk[[c for c in wanted if c in chunk.columns]]
        parts.append(agg.prepare(chunk, text_col=args.text_col, time_col=args.time_col, score_col=args.score_col))
    if not parts:
        parts.append(agg.prepare(pd.DataFrame(columns=[c for c in wanted if c]), text_col=args.text_col,
                                 time_col=args.time_col, score_col=args.score_col))
    err_path = args.errors or (None if args.input == "-" else _with_suffix(args.input, "errors"))
    n_err = 0
    if err_path and Path(err_path).exists() and Path(err_path).stat().st_size:
        errs = _read_all(err_path, args.encoding)
        reason = errs["error"] if "error" in errs.columns else pd.Series(["failed"] * len(errs))
        n_err = len(errs)
        parts.append(agg.prepare(pd.DataFrame({"sentiment_label": [None] * n_err,
                                               "voc_error": reason.fillna("failed").astype(str).tolist()})))
    elif args.errors:
        raise ConfigError(f"--errors {args.errors} does not exist")
    prep = agg.concat(parts)
    dialogues = None
    if args.dialogues:
        from .alerts import load_dialogues

        if format_of(args.dialogues) != "jsonl":
            raise ConfigError('--dialogues must be JSON lines: {"id": ..., "turns": [{"role": ..., "text": ...}]}; '
                              "for a turn-per-row table use voc.report(frame, path, dialogues=load_dialogues(...))")
        dialogues = load_dialogues(args.dialogues)
    out = report(prep, args.output, score_kind=args.score_kind, dialogues=dialogues,  # type: ignore[arg-type]
                 title=args.title, freq=args.freq)
    n = len(prep.rows)
    print(f"voc report: {n} rows ({int(prep.rows['failed'].sum())} failed) written to {out}", file=sys.stderr)
    return 0


def _eval(args: argparse.Namespace) -> int:
    import pandas as pd

    from .sentiment_analysis import SentimentModel
    from .sentiment_analysis.evaluate import evaluate

    frame = _read_all(args.input, None)
    for col in (args.text_col, args.label_col):
        if col not in frame.columns:
            raise VocError(f"column {col!r} not in {args.input}; columns: {list(frame.columns)}")
    model = SentimentModel.load(args.model)
    labels = frame[args.label_col]
    try:  # files are read as text: "1"/"0"/"5" are numbers (binary or stars), not label names
        labels = pd.to_numeric(labels)
    except (ValueError, TypeError):
        pass
    report = evaluate(model, frame[args.text_col].fillna("").tolist(), labels.tolist())
    print(report)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``voc`` console script."""
    import signal

    args = _parser().parse_args(argv)
    run = {"analyze": _analyze, "eval": _eval, "topics": _topics, "alerts": _alerts, "report": _report}
    try:  # SIGTERM stops the run as Ctrl-C does: worker processes are stopped, files closed
        old_term, installed = signal.signal(signal.SIGTERM, _on_sigterm), True
    except ValueError:  # not the main thread: leave signals alone
        old_term, installed = None, False
    try:
        return run[args.command](args)
    except (KeyboardInterrupt, _Terminated) as err:
        ctrl_c = isinstance(err, KeyboardInterrupt)
        resumable = args.command == "analyze" and Path(args.output + ".voc-progress").is_file()
        print(f"voc {args.command}: " + ("interrupted" if ctrl_c else "terminated")
              + ("; run the same command with --resume to continue" if resumable else ""), file=sys.stderr)
        return EXIT_INTERRUPTED if ctrl_c else EXIT_TERMINATED
    except VocError as err:
        print(f"voc {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:  # a file that cannot be opened or written: permissions, a full disk
        where = f": {err.filename}" if getattr(err, "filename", None) else ""
        print(f"voc {args.command}: error: {err.strerror or err}{where}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:  # noqa: BLE001 - last resort: one line and a code of its own, not a traceback
        import os

        if os.environ.get("VOC_DEBUG"):
            import traceback

            traceback.print_exc()
        text = " ".join(str(err).split())[:500]
        print(f"voc {args.command}: internal error: {type(err).__name__}: {text} (a bug in voc; run with "
              "VOC_DEBUG=1 for the traceback and report it)", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        if installed:  # None: a handler not set from Python, i.e. the default
            signal.signal(signal.SIGTERM, old_term if old_term is not None else signal.SIG_DFL)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt (not an Exception: no row-level
    ``except Exception`` may take it for a failed row)."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
