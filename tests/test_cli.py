"""The voc command and chunked I/O: formats, encodings, failed rows, resume."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from voc import io as vio
from voc.cli import main
from voc.errors import ConfigError, InputError

REVIEWS = ["物流很快，好评！", "客服态度太差了😡", "", "軟體很好用", "请问几点发货？", "质量不错"]


def _csv(tmp_path, texts=REVIEWS, encoding="utf-8", name="in.csv"):
    path = tmp_path / name
    pd.DataFrame({"id": [f"r{i}" for i in range(len(texts))], "review": texts}).to_csv(
        path, index=False, encoding=encoding)
    return path


def test_analyze_csv_keeps_good_rows_in_order_and_reports_failed(tmp_path, capsys):
    src = _csv(tmp_path)
    out = tmp_path / "out.csv"
    code = main(["analyze", str(src), "-o", str(out), "--text-col", "review", "--id-col", "id",
                 "--steps", "segment", "--chunksize", "2"])
    result = pd.read_csv(out)
    errors = pd.read_csv(tmp_path / "out.errors.csv")
    assert code == 1  # one row failed
    assert result["id"].tolist() == ["r0", "r1", "r3", "r4", "r5"]
    assert errors["id"].tolist() == ["r2"] and "missing" in errors.loc[0, "error"]
    assert len(result) + len(errors) == len(REVIEWS)  # nothing lost
    assert "6 rows in, 5 written" in capsys.readouterr().err


def test_analyze_all_good_exits_zero_and_writes_no_errors_file(tmp_path):
    src = _csv(tmp_path, texts=["好评", "差评"])
    out = tmp_path / "out.jsonl"
    assert main(["analyze", str(src), "-o", str(out), "--text-col", "review", "--steps", "segment"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["words"] for r in rows] == [["好评"], ["差评"]]
    assert [r["row"] for r in rows] == [0, 1]
    assert not (tmp_path / "out.errors.jsonl").exists()


@pytest.mark.parametrize("ext", ["csv", "tsv", "jsonl", "parquet", "xlsx"])
def test_every_output_format_round_trips_with_json_opinions(tmp_path, ext):
    src = _csv(tmp_path, texts=["物流很快，客服态度差", "", "质量不错"])
    out = tmp_path / f"out.{ext}"
    code = main(["analyze", str(src), "-o", str(out), "--text-col", "review", "--id-col", "id",
                 "--steps", "segment,opinions"])
    assert code == 1
    frame = pd.concat(vio.read_chunks(out))
    errors = pd.concat(vio.read_chunks(tmp_path / f"out.errors.{ext}"))
    assert frame["id"].tolist() == ["r0", "r2"] and errors["id"].tolist() == ["r1"]
    first = frame["opinions"].iloc[0]
    ops = json.loads(first) if isinstance(first, str) else list(first)  # JSON text in flat formats
    assert [o["aspect"] for o in ops] == ["物流", "客服态度"]
    words = frame["words"].iloc[0]
    assert (json.loads(words) if isinstance(words, str) else list(words))[:2] == ["物流", "很快"]
    assert [int(n) for n in frame["n_opinions"]] == [2, len(json.loads(frame["opinions"].iloc[1]))
                                                     if isinstance(frame["opinions"].iloc[1], str)
                                                     else len(frame["opinions"].iloc[1])]


def test_xlsx_without_openpyxl_says_which_extra(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if it were not installed
    with pytest.raises(ConfigError, match=r"voc\[files\]"):
        vio.ChunkWriter(tmp_path / "out.xlsx").write(pd.DataFrame({"a": [1]}))
    with pytest.raises(ConfigError, match=r"voc\[files\]"):
        next(vio.read_chunks(_csv(tmp_path), fmt="xlsx"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_are_detected(tmp_path, encoding):
    src = _csv(tmp_path, texts=["物流很快", "包装破损"], encoding=encoding)
    assert vio.detect_encoding(src) in {"utf-8-sig", "gb18030"}
    frame = next(vio.read_chunks(src))
    assert frame["review"].tolist() == ["物流很快", "包装破损"]
    assert list(frame.columns) == ["id", "review"]  # no BOM glued to the first header


def test_too_long_text_is_a_failed_row(tmp_path):
    src = _csv(tmp_path, texts=["好评", "长" * 500])
    out = tmp_path / "out.csv"
    assert main(["analyze", str(src), "-o", str(out), "--text-col", "review", "--steps", "segment",
                 "--max-chars", "100"]) == 1
    assert "max-chars" in pd.read_csv(tmp_path / "out.errors.csv").loc[0, "error"]


def test_resume_continues_where_it_stopped(tmp_path):
    texts = [f"第{i}条评论，物流很快" for i in range(10)]
    src = _csv(tmp_path, texts=texts)
    out = tmp_path / "out.csv"
    full = tmp_path / "full.csv"
    main(["analyze", str(src), "-o", str(full), "--text-col", "review", "--steps", "segment"])
    # simulate an interrupted run: a checkpoint after 4 rows and a half-written chunk after it
    main(["analyze", str(_csv(tmp_path, texts=texts[:4], name="head.csv")), "-o", str(out),
          "--text-col", "review", "--steps", "segment"])
    size = out.stat().st_size
    (tmp_path / "out.csv.voc-progress").write_text(json.dumps(
        {"rows": 4, "failed": 0, "output_bytes": size, "errors_bytes": 0}))
    with open(out, "a", encoding="utf-8") as fh:
        fh.write("4,garbage from a chunk cut off half-way")
    assert main(["analyze", str(src), "-o", str(out), "--text-col", "review", "--steps", "segment",
                 "--resume", "--chunksize", "3"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(full))
    assert not (tmp_path / "out.csv.voc-progress").exists()


def test_stdin_to_stdout_jsonl():
    lines = "\n".join(json.dumps({"review": t}, ensure_ascii=False) for t in ["好评", "差评"]) + "\n"
    proc = subprocess.run([sys.executable, "-m", "voc", "analyze", "-", "-o", "-", "--text-col", "review",
                           "--steps", "segment"], input=lines, capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(x)["words"] for x in proc.stdout.splitlines()] == [["好评"], ["差评"]]


def test_usage_errors_exit_2(tmp_path, capsys):
    src = _csv(tmp_path)
    assert main(["analyze", str(src), "-o", str(tmp_path / "o.csv"), "--text-col", "nope"]) == 2
    assert "column 'nope'" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "o.csv"), "--text-col", "x"]) == 2
    assert main(["analyze", str(src), "-o", str(tmp_path / "o.txt"), "--text-col", "review"]) == 2


def test_help_shows_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    assert "example:" in capsys.readouterr().out


def test_format_and_reader_errors(tmp_path):
    with pytest.raises(ConfigError, match="extension"):
        vio.format_of("dump.doc")
    assert vio.format_of("a.tsv") == "tsv" and vio.format_of("-") == "jsonl"
    with pytest.raises(InputError, match="does not exist"):
        next(vio.read_chunks(tmp_path / "nope.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"review\n\xff\xfe\xfa\x80\x81\xfe\n")
    with pytest.raises(InputError, match="neither UTF-8 nor GB18030"):
        vio.detect_encoding(bad)


def test_topics_command_writes_nodes_and_paths(tmp_path):
    texts = (["快递太慢了，一周才到", "物流很慢，还没收到货", "发货速度太慢"] * 10
             + ["屏幕有划痕", "手机屏幕碎了", "屏幕显示不正常"] * 10
             + ["退款一直没到账", "申请退款没人处理", "退款进度查不到"] * 10)
    src = _csv(tmp_path, texts=texts)
    out, paths = tmp_path / "tree.csv", tmp_path / "paths.csv"
    assert main(["topics", str(src), "-o", str(out), "--text-col", "review", "--paths", str(paths)]) == 0
    nodes = pd.read_csv(out)
    assert {"level", "label", "size"} <= set(nodes.columns)
    assert nodes.loc[nodes["level"] == 1, "size"].sum() == len(texts)  # no text lost
    labelled = pd.read_csv(paths)
    assert len(labelled) == len(texts) and labelled["l1"].notna().all()


def test_alerts_command_on_turn_rows(tmp_path):
    df = pd.DataFrame({"sid": ["a", "a", "b", "b"], "who": ["客户", "客服", "客户", "客服"],
                       "text": ["再不退款我就打12315投诉你们", "抱歉给您带来不便", "请问什么时候发货", "今天就发"]})
    src = tmp_path / "chats.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "risk.csv"
    assert main(["alerts", str(src), "-o", str(out), "--dialogue-col", "sid", "--role-col", "who",
                 "--text-col", "text"]) == 0
    risk = pd.read_csv(out).set_index("dialogue_id") if "dialogue_id" in pd.read_csv(out).columns \
        else pd.read_csv(out).set_index(pd.read_csv(out).columns[0])
    assert risk.loc["a", "level"] == "high" and risk.loc["b", "level"] in {"none", "low"}
    flags = pd.read_csv(tmp_path / "risk.flags.csv")
    assert "regulator_threat" in set(flags["category"])


def test_alerts_command_needs_all_column_names(tmp_path, capsys):
    src = tmp_path / "chats.csv"
    pd.DataFrame({"sid": ["a"], "text": ["你好"]}).to_csv(src, index=False)
    assert main(["alerts", str(src), "-o", str(tmp_path / "r.csv"), "--dialogue-col", "sid"]) == 2
    assert "--role-col" in capsys.readouterr().err


def test_eval_command_prints_metrics(tmp_path, capsys):
    src = tmp_path / "labelled.csv"
    pd.DataFrame({"t": ["质量很好，很满意", "太差了，退货", "非常喜欢，推荐购买", "垃圾，千万别买"],
                  "y": [1, 0, 1, 0]}).to_csv(src, index=False)
    assert main(["eval", str(src), "--text-col", "t", "--label-col", "y"]) == 0
    printed = capsys.readouterr().out.lower()
    assert "accuracy" in printed and "f1" in printed


def test_analyze_tunes_the_collector_only_while_it_runs(tmp_path, monkeypatch):
    """voc analyze raises the collector's thresholds and freezes the loaded models while it
    runs, and leaves the collector as it found it (main() may be called in-process)."""
    import gc

    from voc import pipeline

    seen = []
    real = pipeline._analyze_rows

    def spy(*args, **kwargs):
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_analyze_rows", spy)
    before = (gc.get_threshold(), gc.get_freeze_count())
    src = _csv(tmp_path, texts=["物流很快，好评！", "质量不错"])
    assert main(["analyze", str(src), "-o", str(tmp_path / "o.csv"), "--text-col", "review",
                 "--steps", "sentiment"]) == 0
    assert seen and seen[0][0] == pipeline._BATCH_GC_THRESHOLD and seen[0][1] > 0
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def test_a_new_run_leaves_nothing_of_an_earlier_run(tmp_path, capsys):
    """Output, errors and flags files of an earlier run do not survive a new run (QA bug 1)."""
    out, errs = tmp_path / "out.csv", tmp_path / "out.errors.csv"
    args = ["-o", str(out), "--text-col", "review", "--id-col", "id", "--steps", "sentiment"]
    assert main(["analyze", str(_csv(tmp_path, texts=["物流很快", "", "质量很差"], name="a.csv"))] + args) == 1
    assert errs.exists()
    assert main(["analyze", str(_csv(tmp_path, texts=["物流很快", "还行"], name="b.csv"))] + args) == 0
    assert not errs.exists() and len(pd.read_csv(out)) == 2
    assert main(["report", str(out), "-o", str(tmp_path / "r.html")]) == 0
    assert "2 rows (0 failed)" in capsys.readouterr().err
    assert main(["analyze", str(_csv(tmp_path, texts=["", ""], name="c.csv"))] + args) == 1
    assert not out.exists() and len(pd.read_csv(errs)) == 2  # no good row: no rows of run b left over
    # a run that cannot start (missing input) touches nothing
    assert main(["analyze", str(tmp_path / "missing.csv")] + args) == 2
    assert len(pd.read_csv(errs)) == 2

    d1, d2 = tmp_path / "d1.jsonl", tmp_path / "d2.jsonl"
    d1.write_text('{"id": "d1", "turns": [{"role": "customer", "text": "我要打12315投诉你们"}]}\n',
                  encoding="utf-8")
    d2.write_text('{"id": "d2", "turns": [{"role": "customer", "text": "谢谢"}]}\n', encoding="utf-8")
    risk = tmp_path / "risk.csv"
    assert main(["alerts", str(d1), "-o", str(risk)]) == 0 and (tmp_path / "risk.flags.csv").exists()
    assert main(["alerts", str(d2), "-o", str(risk)]) == 0
    assert not (tmp_path / "risk.flags.csv").exists()


def test_output_that_is_the_input_or_the_errors_file_is_refused(tmp_path, capsys):
    """-o equal to the input (by another spelling, or a hard link) or to --errors is a usage error
    and touches nothing (QA bug 5: the input was truncated while read, exit 0)."""
    import os

    src = _csv(tmp_path, texts=["物流很快", "", "质量很差"])
    before = src.read_bytes()
    same = str(tmp_path / "sub" / ".." / "in.csv")
    (tmp_path / "sub").mkdir()
    os.link(src, tmp_path / "link.csv")
    for output in (same, str(tmp_path / "link.csv")):
        assert main(["analyze", str(src), "-o", output, "--text-col", "review", "--steps", "segment"]) == 2
        assert "same file" in capsys.readouterr().err
    out = tmp_path / "o.csv"
    assert main(["analyze", str(src), "-o", str(out), "--errors", str(out), "--text-col", "review",
                 "--steps", "segment"]) == 2
    assert "--errors" in capsys.readouterr().err and not out.exists()
    assert main(["topics", str(src), "-o", str(tmp_path / "t.csv"), "--text-col", "review",
                 "--paths", str(src)]) == 2
    assert main(["alerts", str(src), "-o", str(src), "--dialogue-col", "id", "--role-col", "id",
                 "--text-col", "review"]) == 2
    assert src.read_bytes() == before


@pytest.mark.parametrize("fail_first", [True, False])
def test_resume_writes_the_header_of_a_file_not_written_before_the_stop(tmp_path, fail_first):
    """QA bug 2: resumed after a stop before the first good (or first failed) row, the output
    (or errors) file lacked its header; it is now byte-identical to a clean run."""
    texts = (["", "", "物流很快", "质量很差", "", "还行"] if fail_first
             else ["物流很快", "质量很差", "还行", "", "好", ""])
    src = _csv(tmp_path, texts=texts)
    args = ["--text-col", "review", "--id-col", "id", "--steps", "segment", "--chunksize", "2"]
    full = tmp_path / "full.csv"
    assert main(["analyze", str(src), "-o", str(full)] + args) == 1
    out = tmp_path / "out.csv"
    # the state a run killed after its first chunk leaves: only one of the two files written so far
    assert main(["analyze", str(_csv(tmp_path, texts=texts[:2], name="head.csv")), "-o", str(out)] + args) in (0, 1)
    sizes = {"output_bytes": out.stat().st_size if out.exists() else 0,
             "errors_bytes": (tmp_path / "out.errors.csv").stat().st_size if fail_first else 0}
    assert (sizes["output_bytes"] == 0) == fail_first and (sizes["errors_bytes"] == 0) != fail_first
    (tmp_path / "out.csv.voc-progress").write_text(json.dumps({"rows": 2, "failed": 2 if fail_first else 0, **sizes}))
    assert main(["analyze", str(src), "-o", str(out), "--resume"] + args) == 1
    assert out.read_bytes() == full.read_bytes()
    assert (tmp_path / "out.errors.csv").read_bytes() == (tmp_path / "full.errors.csv").read_bytes()


def test_parquet_output_has_one_schema_whatever_the_chunks_hold(tmp_path):
    """QA bug 4: the first chunk fixed the parquet schema by inference, so a later chunk with
    other inferred types (opinions [] then records; ids 1 then "a2") aborted the run."""
    import pyarrow.parquet as pq

    src = _csv(tmp_path, texts=["嗯", "物流很慢，客服态度差", "质量不错"])
    out = tmp_path / "o.parquet"
    assert main(["analyze", str(src), "-o", str(out), "--text-col", "review", "--id-col", "id",
                 "--steps", "segment,opinions", "--chunksize", "1"]) == 0
    table = pq.read_table(out)
    assert str(table.schema.field("opinions").type).startswith("list<element: struct<aspect: string")
    assert table.column("id").to_pylist() == ["r0", "r1", "r2"]
    assert [len(o) for o in table.column("opinions").to_pylist()][:2] == [0, 2]

    mixed = tmp_path / "mix.jsonl"
    mixed.write_text('{"id": 1, "review": "物流很快", "x": 1.5}\n'
                     '{"id": "a2", "review": "质量很差", "x": true}\n'
                     '{"id": 3, "review": null}\n', encoding="utf-8")
    for chunksize in ("1", "10"):  # the same file whatever the chunks
        out = tmp_path / f"m{chunksize}.parquet"
        assert main(["analyze", str(mixed), "-o", str(out), "--text-col", "review", "--id-col", "id",
                     "--steps", "segment", "--chunksize", chunksize]) == 1
        good = pq.read_table(out).to_pydict()
        assert good["id"] == ["1", "a2"] and good["x"] == ["1.5", "true"]  # input columns of JSON lines: text
        assert pq.read_table(tmp_path / f"m{chunksize}.errors.parquet").to_pydict()["id"] == ["3"]
    out = tmp_path / "rows.parquet"
    assert main(["analyze", str(mixed), "-o", str(out), "--text-col", "review", "--steps", "segment",
                 "--chunksize", "1"]) == 1
    assert pq.read_table(out).schema.field("row").type == "int64"


def test_csv_output_keeps_columns_aligned_when_a_chunk_lacks_a_json_key(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "review": "好", "x": "a"}\n{"id": 2, "review": "差"}\n', encoding="utf-8")
    out = tmp_path / "o.csv"
    assert main(["analyze", str(src), "-o", str(out), "--text-col", "review", "--steps", "segment",
                 "--chunksize", "1"]) == 0
    frame = pd.read_csv(out)
    assert frame["text_norm"].tolist() == ["好", "差"] and frame["x"].isna().tolist() == [False, True]


def _bad_inputs(tmp_path):
    (tmp_path / "ok.csv").write_text("id,review\n1,好\n", encoding="utf-8")
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "rowcol.csv").write_text("row,review\n1,物流很快\n", encoding="utf-8")
    (tmp_path / "unclosed.csv").write_text('id,review\n1,"物流很快\n2,还行\n', encoding="utf-8")
    (tmp_path / "dir.csv").mkdir()
    (tmp_path / "array.json").write_text('[{"review": "好"}]\n', encoding="utf-8")
    (tmp_path / "tclash.csv").write_text("q,l1\n怎么退货,x\n退款多久到账,y\n", encoding="utf-8")
    (tmp_path / "x.parquet").write_text("not parquet", encoding="utf-8")


@pytest.mark.parametrize("argv, says", [
    ("analyze empty.csv -o o.csv --text-col review", "empty"),
    ("analyze ok.csv -o o.csv --text-col review --id-col nope", "--id-col 'nope'"),
    ("analyze rowcol.csv -o o.csv --text-col review", "--id-col row"),
    ("analyze unclosed.csv -o o.csv --text-col review", "never closed"),
    ("analyze array.json -o o.csv --text-col review", "JSON lines"),
    ("analyze ok.csv -o o.csv --text-col review --encoding bogus", "unknown encoding 'bogus'"),
    ("analyze dir.csv -o o.csv --text-col review", "folder"),
    ("analyze ok.csv -o nodir/o.csv --text-col review", "mkdir -p nodir"),
    ("analyze x.parquet -o o.csv --text-col review", "not a readable parquet"),
    ("eval empty.csv --text-col review --label-col label", "empty"),
    ("topics empty.csv -o t.csv --text-col review", "empty"),
    ("topics tclash.csv -o t.csv --text-col q --paths p.csv", "['l1']"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, argv, says):
    """QA bug 6: each of these ended in a pandas/pyarrow/OS traceback with exit 1."""
    _bad_inputs(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(argv.split()) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_malformed_rows_go_to_the_errors_file(tmp_path):
    """A csv row with extra fields, a line that is not JSON: failed rows with their line, the rest analysed."""
    src = tmp_path / "extra.csv"
    src.write_text("id,review\n1,物流很快\n2,质量很差,多余字段\n3,还行\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    assert main(["analyze", str(src), "-o", str(out), "--text-col", "review", "--id-col", "id",
                 "--steps", "segment"]) == 1
    assert pd.read_csv(out)["id"].tolist() == [1, 3]
    errors = pd.read_csv(tmp_path / "o.errors.csv")
    assert errors["id"].tolist() == [2] and "line 3: 3 fields" in errors.loc[0, "error"]

    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": 1, "review": "好"}\n{"id": 2, "review": "坏"\n\n[3]\n{"id": 5, "review": "中"}\n',
                   encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["analyze", str(src), "-o", str(out), "--text-col", "review", "--steps", "segment"]) == 1
    assert [json.loads(x)["row"] for x in out.read_text(encoding="utf-8").splitlines()] == [0, 3]
    errors = [json.loads(x) for x in (tmp_path / "o.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["row"] for e in errors] == [1, 2]
    assert "line 2: not valid JSON" in errors[0]["error"] and "line 4: a JSON list" in errors[1]["error"]


def test_gb18030_after_64k_of_ascii_is_detected(tmp_path):
    src = tmp_path / "late_gb.csv"
    head = "id,review\n" + "".join(f"a{i},ok good product number {i}\n" for i in range(3000))
    src.write_bytes(head.encode() + "x1,质量很差\n".encode("gb18030"))
    assert len(head) > 1 << 16
    assert vio.detect_encoding(src) == "gb18030"
    last = pd.concat(vio.read_chunks(src, chunksize=1000))["review"].iloc[-1]
    assert last == "质量很差"


def test_an_unexpected_error_is_one_line_and_exit_3(tmp_path, monkeypatch, capsys):
    from voc import cli

    def broken(args):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(cli, "_topics", broken)
    assert main(["topics", "x.csv", "-o", "t.csv", "--text-col", "q"]) == 3
    err = capsys.readouterr().err
    assert err == ("voc topics: internal error: RuntimeError: boom second line (a bug in voc; run with VOC_DEBUG=1 "
                   "for the traceback and report it)\n")


def test_help_lists_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    out = capsys.readouterr().out
    assert "exit codes:" in out and "3  internal error" in out


def test_csv_piped_to_stdin_says_stdin_reads_json_lines():
    proc = subprocess.run([sys.executable, "-m", "voc", "analyze", "-", "-o", "-", "--text-col", "review"],
                          input="id,review\n1,好\n", capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "does not look like JSON lines" in proc.stderr and proc.stderr.count("\n") == 1


@pytest.mark.parametrize("encoding, given", [("gb18030", None), ("gb18030", "gb18030"), ("utf-8-sig", None)])
def test_stdin_in_gb18030_or_with_a_bom(tmp_path, encoding, given):
    """QA bug 7: stdin was read as text in the locale's encoding: GB18030 and a UTF-8 BOM crashed and
    --encoding was ignored. It is now detected (or decoded as given) like a file."""
    lines = "".join(json.dumps({"id": i, "review": t}, ensure_ascii=False) + "\n"
                    for i, t in enumerate(["物流很快", "好评"]))
    proc = subprocess.run([sys.executable, "-m", "voc", "analyze", "-", "-o", "-", "--text-col", "review",
                           "--steps", "segment"] + (["--encoding", given] if given else []),
                          input=lines.encode(encoding), capture_output=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert [json.loads(x)["words"] for x in proc.stdout.decode("utf-8").splitlines()] == [["物流", "很快"], ["好评"]]


def test_binary_streams_are_detected_like_files():
    import io

    data = "review\n质量很差\n".encode("gb18030")
    assert next(vio.read_chunks(io.BytesIO(data), fmt="csv"))["review"].tolist() == ["质量很差"]


def test_xlsx_never_stores_a_review_as_a_formula(tmp_path):
    """A review starting with '=' is text in the sheet, not a formula Excel would run."""
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "o.xlsx"
    with vio.ChunkWriter(out) as w:
        w.write(pd.DataFrame({"review": ['=HYPERLINK("http://x.example","点我")', "好评"], "n": [1, 2]}))
        w.write(pd.DataFrame({"review": ["=1+1"], "n": [3]}))
    sheet = openpyxl.load_workbook(out).active
    rows = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]
    assert rows[0] == [("review", "s"), ("n", "s")]
    assert rows[1][0] == ('=HYPERLINK("http://x.example","点我")', "s") and rows[3][0] == ("=1+1", "s")
    assert [r[1][0] for r in rows[1:]] == [1, 2, 3]
    back = pd.read_excel(out)
    assert back["review"].tolist()[1] == "好评"


def test_xlsx_output_survives_control_characters_and_long_cells(tmp_path, capsys):
    """QA bug 8: one control character in any cell lost the whole xlsx (IllegalCharacterError at close).
    Control characters are removed; a cell past Excel's 32,767 characters is cut with a marker."""
    src = tmp_path / "c.jsonl"
    rows = [{"id": 1, "review": "物流很快", "note": "a\x07b"}, {"id": 2, "review": "质量\x07很差", "note": "x" * 40_000}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "o.xlsx"
    assert main(["analyze", str(src), "-o", str(out), "--text-col", "review", "--id-col", "id",
                 "--steps", "segment"]) == 0
    assert "1 cells longer than Excel's" in capsys.readouterr().err
    frame = pd.read_excel(out, dtype=str)
    assert frame["review"].tolist() == ["物流很快", "质量很差"] and frame["note"].iloc[0] == "ab"
    assert len(frame["note"].iloc[1]) == 32_767 and frame["note"].iloc[1].endswith("…[truncated]")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_worker_exits_when_its_parent_is_killed(tmp_path):
    """QA bug 10: after SIGKILL of `voc analyze --workers N` the workers lived on. Workers start a
    watchdog (voc.pipeline._exit_with_parent) that exits when the parent's pipe closes."""
    import os
    import signal
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import multiprocessing as mp, os, sys, time\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from voc.pipeline import _exit_with_parent\n"
        "if __name__ == '__main__':\n"
        "    pool = ProcessPoolExecutor(1, mp_context=mp.get_context('spawn'), initializer=_exit_with_parent)\n"
        "    print(pool.submit(os.getpid).result(), flush=True)\n"
        "    time.sleep(600)\n", encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()

    def alive(pid):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                return fh.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 60  # generous on a loaded machine; the worker normally exits at once
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(worker):
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the worker outlived its killed parent")


@pytest.mark.parametrize("raised, code, says", [(KeyboardInterrupt, 130, "interrupted"),
                                                ("SIGTERM", 143, "terminated")])
def test_interrupt_and_sigterm_are_one_line(tmp_path, monkeypatch, capsys, raised, code, says):
    import os
    import signal

    from voc import cli

    def stopped(args):
        if raised == "SIGTERM":
            os.kill(os.getpid(), signal.SIGTERM)  # the handler main() installs raises here
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_topics", stopped)
    before = signal.getsignal(signal.SIGTERM)
    assert main(["topics", "x.csv", "-o", "t.csv", "--text-col", "q"]) == code
    assert capsys.readouterr().err == f"voc topics: {says}\n"
    assert signal.getsignal(signal.SIGTERM) is before  # restored for an in-process caller


def test_blank_cells_of_a_one_column_csv_are_failed_rows(tmp_path):
    """QA bug 9: pandas skipped blank lines, so empty cells of a one-column csv vanished: not in
    the output, not in the errors file, not counted, and the row numbers after them shifted."""
    src = tmp_path / "a.csv"
    src.write_text("review\n好\n\n差\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    assert main(["analyze", str(src), "-o", str(out), "--text-col", "review", "--steps", "segment"]) == 1
    assert pd.read_csv(out)["row"].tolist() == [0, 2]
    errors = pd.read_csv(tmp_path / "o.errors.csv")
    assert errors["row"].tolist() == [1] and "missing" in errors.loc[0, "error"]
    # with several columns a blank line is no row (as before)
    src.write_text("id,review\n1,好\n\n2,差\n", encoding="utf-8")
    assert pd.concat(vio.read_chunks(src))["id"].tolist() == ["1", "2"]


@pytest.mark.parametrize("ext", ["csv", "jsonl"])
def test_one_undecodable_byte_fails_its_row_not_the_file(tmp_path, ext):
    """QA bug 12: one bad byte in a UTF-8 file rejected the whole file ('neither UTF-8 nor GB18030')."""
    src = tmp_path / f"a.{ext}"
    if ext == "csv":
        src.write_bytes("id,review\n1,物流很快\n2,".encode() + b"\xff\xfe bad\n" + "3,质量很差\n".encode())
    else:
        src.write_bytes('{"id": 1, "review": "物流很快"}\n{"id": 2, "review": "'.encode() + b"\xff\xfe bad\"}\n"
                        + '{"id": 3, "review": "质量很差"}\n'.encode())
    assert vio.detect_encoding(src) == "utf-8-sig"
    out = tmp_path / f"o.{ext}"
    assert main(["analyze", str(src), "-o", str(out), "--text-col", "review", "--id-col", "id",
                 "--steps", "segment"]) == 1
    good = pd.concat(vio.read_chunks(out))
    errors = pd.concat(vio.read_chunks(tmp_path / f"o.errors.{ext}"))
    assert [str(i) for i in good["id"]] == ["1", "3"] and len(errors) == 1
    line = 3 if ext == "csv" else 2  # the csv header is line 1
    assert f"line {line}: bytes b'\\xff\\xfe' are not UTF-8" in errors["error"].iloc[0]
    if ext == "csv":
        assert errors["id"].tolist() == ["2"]  # the id is read from the row's other fields


def test_alerts_writes_turn_numbers_as_integers(tmp_path):
    """QA bug 11: first_risky_turn / first_risky_row came out as 0.0 beside a dialogue without risk."""
    src = tmp_path / "d.jsonl"
    src.write_text('{"id": "d1", "turns": [{"role": "customer", "text": "我要打12315投诉你们"}]}\n'
                   '{"id": "d2", "turns": [{"role": "customer", "text": "谢谢"}]}\n', encoding="utf-8")
    out = tmp_path / "r.csv"
    assert main(["alerts", str(src), "-o", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[1].endswith(",0") and lines[2].endswith(",")
    turns = tmp_path / "t.csv"
    turns.write_text("sid,role,text\ns1,customer,我要投诉\ns2,customer,谢谢\n", encoding="utf-8")
    assert main(["alerts", str(turns), "-o", str(out), "--dialogue-col", "sid", "--role-col", "role",
                 "--text-col", "text"]) == 0
    risk = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("dialogue_id")
    assert risk.loc["s1", "first_risky_turn"] == "0" and risk.loc["s1", "first_risky_row"] == "0"
    assert risk.loc["s2", "first_risky_turn"] == "" and risk.loc["s2", "first_risky_row"] == ""


def test_steps_help_names_every_step_and_max_chars_must_be_positive(tmp_path, capsys):
    from voc.pipeline import STEPS

    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    assert ",".join(STEPS) in " ".join(capsys.readouterr().out.split())
    src = _csv(tmp_path, texts=["好评"])
    for bad in ("0", "-5"):
        assert main(["analyze", str(src), "-o", str(tmp_path / "o.csv"), "--text-col", "review",
                     "--max-chars", bad]) == 2
        assert "--max-chars must be >= 1" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_json_lines_with_a_raw_tab_in_a_string_are_read_as_pandas_read_them():
    import io

    frame = next(vio.read_chunks(io.StringIO('{"review": "a\tb"}\n'), fmt="jsonl"))
    assert frame["review"].tolist() == ["a\tb"]


def test_an_input_column_named_like_an_output_column_is_announced(tmp_path, capsys):
    """A hand-labelled sentiment_label is replaced by voc's: say so rather than drop it silently."""
    src = tmp_path / "in.csv"
    pd.DataFrame({"review": ["物流很快", "太差了"], "sentiment_label": ["positive", "negative"]}).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    assert main(["analyze", str(src), "-o", str(out), "--text-col", "review", "--steps", "sentiment"]) == 0
    assert "sentiment_label" in capsys.readouterr().err
    assert list(pd.read_csv(out).columns).count("sentiment_label") == 1


def test_empty_steps_is_a_usage_error(tmp_path, capsys):
    src = tmp_path / "in.csv"
    pd.DataFrame({"review": ["物流很快"]}).to_csv(src, index=False)
    assert main(["analyze", str(src), "-o", str(tmp_path / "o.csv"), "--text-col", "review", "--steps", ""]) == 2
    assert "--steps is empty" in capsys.readouterr().err

