"""The examples run and say what they should: the HTTP service, the batch script, quickstart, the notebook."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

import voc

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
DATA = EXAMPLES / "data"
EMOTIONS = {"anger", "disgust", "fear", "happiness", "like", "sadness", "surprise", "none"}


def _run_script(args: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=_env())
    assert proc.returncode == 0, f"{args[0]} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    assert "Warning" not in proc.stderr, proc.stderr[-4000:]
    return proc


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONIOENCODING": "utf-8"}


# -- sample data ---------------------------------------------------------------------------
def test_sample_reviews_look_like_a_real_export():
    df = pd.read_csv(DATA / "reviews.csv", parse_dates=["created_at"])
    assert list(df.columns) == ["review_id", "created_at", "category", "product", "stars", "review"]
    assert len(df) == 200 and df["review_id"].is_unique
    assert df["review"].nunique() >= 195  # only the platform's default text repeats
    assert set(df["stars"]) == {1, 2, 3, 4, 5}
    assert df["created_at"].min() >= pd.Timestamp("2024-07-01")
    assert df["created_at"].max() < pd.Timestamp("2024-10-01")
    assert df["category"].nunique() == 5
    # many different sentences, not a handful of templates
    clauses = {c for text in df["review"] for c in text.replace("。", "，").split("，") if c}
    assert len(clauses) > 250


def test_sample_reviews_are_reproducible(tmp_path):
    spec = importlib.util.spec_from_file_location("make_reviews", DATA / "make_reviews.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rows = mod.make()
    shipped = pd.read_csv(DATA / "reviews.csv", dtype=str)
    assert [r["review"] for r in rows] == shipped["review"].tolist()
    assert [str(r["stars"]) for r in rows] == shipped["stars"].tolist()


# -- examples/service.py -------------------------------------------------------------------
@pytest.fixture(scope="module")
def service():
    pytest.importorskip("fastapi", reason="the service example needs the 'service' extra (fastapi)")
    pytest.importorskip("httpx", reason="fastapi's TestClient needs httpx")
    from fastapi.testclient import TestClient

    spec = importlib.util.spec_from_file_location("voc_example_service", EXAMPLES / "service.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # pydantic resolves the request models' annotations through it
    spec.loader.exec_module(mod)
    with TestClient(mod.create_app()) as client:
        yield client


def test_health(service):
    body = service.get("/health").json()
    assert body["status"] == "ok" and body["voc"] == voc.__version__
    assert "sentiment" in body["steps"]


def test_sentiment_of_a_negative_and_a_positive_review(service):
    neg = service.post("/sentiment", json={"text": "客服态度太差了，问了三次都没人回复，再也不买了"})
    pos = service.post("/sentiment", json={"text": "物流很快，第二天就到了，包装也很严实，好评！"})
    assert neg.status_code == pos.status_code == 200
    neg, pos = neg.json(), pos.json()
    assert neg["label"] == "negative" and neg["polarity"] < 0
    assert pos["label"] == "positive" and pos["polarity"] > 0
    # evidence spans point into the normalised text
    for body in (neg, pos):
        assert body["evidence"]
        for ev in body["evidence"]:
            assert body["text_norm"][ev["start"]:ev["end"]] == ev["text"]
    assert any(ev["weight"] < 0 for ev in neg["evidence"])


def test_sentiment_normalises_traditional_script(service):
    body = service.post("/sentiment", json={"text": "軟體很好用，網路也很穩定"}).json()
    assert body["text_norm"] == voc.normalize("軟體很好用，網路也很穩定")
    assert body["text_norm"].startswith("软件")


def test_analyze_is_batched_and_matches_one_by_one(service):
    texts = ["物流很快，但是包装破损了", "客服态度太差了😡", "軟體很好用", "请问几点发货？"]
    r = service.post("/analyze", json={"texts": texts})
    assert r.status_code == 200
    results = r.json()["results"]
    assert len(results) == len(texts)
    for text, res in zip(texts, results):
        single = service.post("/sentiment", json={"text": text}).json()
        assert res["sentiment"]["label"] == single["label"]
        assert res["sentiment"]["polarity"] == pytest.approx(single["polarity"])
        assert res["emotion"]["label"] in EMOTIONS
        assert res["emotion"]["label"] == voc.emotion(text).label  # the same models as the library's default
    units = {(o["aspect"], o["polarity"]) for o in results[0]["opinions"]}
    assert ("物流", "positive") in units and ("包装", "negative") in units
    assert all(len(o["category"]) == 3 for o in results[0]["opinions"])
    assert results[1]["emotion"]["label"] in {"anger", "disgust"}


@pytest.mark.parametrize(
    ("path", "payload", "expected"),
    [
        ("/sentiment", {"text": 123}, "must be a str"),
        ("/sentiment", {"text": None}, "expected a str"),
        ("/sentiment", {"text": "好" * 20_001}, "split it"),
        ("/analyze", {"texts": ["好评", None, "差评"]}, "texts[1]"),
        ("/analyze", {"texts": ["好评"] * 1001}, "send them in batches"),
        ("/dialogues/d-bad/turns", {"role": "boss", "text": "你好"}, "unknown dialogue role 'boss'"),
        ("/dialogues/d-bad/turns", {"role": "customer", "text": "你好", "ts": "yesterday"}, "ISO time"),
        ("/dialogues/d-bad/turns", {"role": "customer", "text": ["你好"]}, "send the message text as a JSON string"),
    ],
)
def test_bad_input_is_422_with_voc_message(service, path, payload, expected):
    r = service.post(path, json=payload)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "InputError"
    assert expected in body["detail"]


def test_missing_field_is_422(service):
    r = service.post("/sentiment", json={"txt": "好评"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "text"]


def test_rejected_turn_leaves_no_dialogue_behind(service):
    service.post("/dialogues/never-opened/turns", json={"role": "boss", "text": "你好"})
    assert service.get("/dialogues/never-opened").status_code == 404


def test_customer_regulator_threat_is_flagged_at_once(service):
    r = service.post("/dialogues/c-12315/turns",
                     json={"role": "customer", "text": "我要打12315投诉你们", "ts": "2024-09-01T10:00:00"})
    assert r.status_code == 200
    body = r.json()
    flags = {f["category"]: f for f in body["new_flags"]}
    assert "regulator_threat" in flags
    assert flags["regulator_threat"]["evidence"] == "12315"
    assert flags["regulator_threat"]["turn"] == 0
    assert body["level"] == "high"
    # the flag is new only once; the report keeps it
    again = service.post("/dialogues/c-12315/turns",
                         json={"role": "agent", "text": "非常抱歉，马上为您处理", "ts": "2024-09-01T10:00:30"}).json()
    assert again["new_flags"] == [] and again["level"] == "high"
    rep = service.get("/dialogues/c-12315").json()
    assert "regulator_threat" in rep["categories"] and rep["first_turn"] == 0


def test_agent_standard_line_about_12315_is_not_a_threat(service):
    body = service.post("/dialogues/a-12315/turns",
                        json={"role": "agent", "text": "如对处理结果不满意可拨打12315"}).json()
    assert body["new_flags"] == []
    assert body["level"] == "none"
    # a customer who says they will not complain is not a threat either
    body = service.post("/dialogues/a-12315/turns",
                        json={"role": "customer", "text": "我不会投诉的，已经解决了，谢谢"}).json()
    assert body["new_flags"] == [] and body["level"] == "none"


def test_timestamps_give_slow_response_flags(service):
    service.post("/dialogues/slow/turns", json={"role": "客户", "text": "有人吗，订单怎么还没发货", "ts": 1_725_000_000})
    body = service.post("/dialogues/slow/turns",
                        json={"role": "客服", "text": "您好，已为您催促仓库", "ts": 1_725_000_000 + 3600}).json()
    assert [f["category"] for f in body["new_flags"]] == ["slow_response"]


def test_dialogue_report_equals_batch_assessment_and_close_frees_it(service):
    d = voc.alerts.load_dialogues(DATA / "dialogues.jsonl")[3]  # refund dispute, media threat, rude agent
    did = "replay-" + str(d.id)
    for t in d.turns:
        r = service.post(f"/dialogues/{did}/turns", json={"role": t.role, "text": t.text, "ts": t.ts.isoformat()})
        assert r.status_code == 200
    live = service.get(f"/dialogues/{did}").json()
    batch = voc.RiskDetector().assess(d)
    assert live["level"] == batch.level
    assert live["categories"] == list(batch.categories)
    assert live["score"] == pytest.approx(batch.score, abs=1e-3)
    assert [(f["category"], f["turn"], f["evidence"]) for f in live["flags"]] == [
        (f.category, f.turn, f.evidence.text) for f in batch.flags]
    closed = service.delete(f"/dialogues/{did}")
    assert closed.status_code == 200 and closed.json()["level"] == batch.level
    assert service.get(f"/dialogues/{did}").status_code == 404


def test_concurrent_dialogues_keep_their_own_state(service):
    dialogues = voc.alerts.load_dialogues(DATA / "dialogues.jsonl")
    errors: list[BaseException] = []

    def replay(k: int) -> None:
        try:
            for d in dialogues:
                for t in d.turns:
                    r = service.post(f"/dialogues/conc-{k}-{d.id}/turns",
                                     json={"role": t.role, "text": t.text, "ts": t.ts.isoformat()})
                    assert r.status_code == 200, r.text
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=replay, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    det = voc.RiskDetector()
    for d in dialogues:
        want = det.assess(d)
        for k in range(4):
            got = service.get(f"/dialogues/conc-{k}-{d.id}").json()
            assert (got["level"], got["categories"]) == (want.level, list(want.categories)), d.id


def test_service_runs_from_the_command_line(tmp_path):
    """`python examples/service.py --port N` starts uvicorn and answers; terminating it stops it."""
    pytest.importorskip("uvicorn", reason="running the service needs the 'service' extra (uvicorn)")
    httpx = pytest.importorskip("httpx")
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, str(EXAMPLES / "service.py"), "--port", str(port),
                             "--log-level", "warning"], cwd=tmp_path, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.2)
        r = httpx.post(f"http://127.0.0.1:{port}/sentiment", json={"text": "质量很差，再也不买了"}, timeout=30)
        assert r.status_code == 200 and r.json()["label"] == "negative"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err, err[-3000:]


# -- examples/quickstart.py and examples/batch_reviews.py -----------------------------------
def test_quickstart_prints_every_text_with_its_results(tmp_path):
    out = _run_script([str(EXAMPLES / "quickstart.py")], cwd=tmp_path).stdout
    assert out.count("  sentiment  : ") == 12
    assert "客服态度太差了" in out
    assert "normalised : 软件很好用" in out  # traditional script shown normalised
    block = out.split("客服态度太差了，问了三次都没人回复")[1].split("\n\n")[0]
    assert "sentiment  : negative" in block and "emotion    : anger" in block


def test_batch_reviews_writes_parquet_and_report(tmp_path):
    pytest.importorskip("pyarrow", reason="writing parquet needs pyarrow")
    outdir = tmp_path / "out"
    proc = _run_script([str(EXAMPLES / "batch_reviews.py"), "-o", str(outdir)], cwd=tmp_path)
    assert "read 200 reviews" in proc.stdout and "0 failed" in proc.stdout

    frame = pd.read_parquet(outdir / "reviews.analyzed.parquet")
    src = pd.read_csv(DATA / "reviews.csv")
    assert len(frame) == len(src)
    assert frame["review_id"].tolist() == src["review_id"].tolist()  # every row, in order
    for col in ("review", "stars", "created_at", "category", "text_norm", "words", "sentiment_label",
                "sentiment_polarity", "emotion_label", "opinions", "n_opinions", "voc_error"):
        assert col in frame.columns, col
    assert frame["voc_error"].isna().all()
    assert pd.api.types.is_datetime64_any_dtype(frame["created_at"])
    assert set(frame["sentiment_label"]) <= {"positive", "neutral", "negative"}
    # real analysis, not placeholders: stars and sentiment agree on the extremes
    pol = frame.groupby("stars")["sentiment_polarity"].mean()
    assert pol[5] > 0 > pol[1]
    assert frame["n_opinions"].sum() > len(frame)
    first = frame["opinions"].iloc[0]
    assert {"aspect", "opinion", "polarity", "category"} <= set(first[0])

    report = outdir / "report.html"
    html = report.read_text(encoding="utf-8")
    assert str(report) in proc.stdout
    assert "店铺评价月报 2024 Q3" in html
    assert "<script src=" not in html  # self-contained
    # the report's sections (voc/reporting/html.py); the star rating is used as the score
    for heading in ("情感分布", "情感趋势", "观点三级下钻", "热门话题", "观点词云", "风险对话", "驱动低分的观点"):
        assert heading in html, heading
    assert "chat-0901-002" in html  # the riskiest chat is listed


# -- examples/notebook.ipynb ---------------------------------------------------------------
def _outputs(nb, tag: str) -> list[dict]:
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"no cell tagged {tag!r}"
    return cells[0]["outputs"]


def _text(outputs: list[dict]) -> str:
    parts = []
    for o in outputs:
        if o.get("output_type") == "stream":
            parts.append(o["text"])
        elif "data" in o:
            parts.append(o["data"].get("text/plain", ""))
            parts.append(o["data"].get("text/html", ""))
    return "\n".join(parts)


def _has_image(outputs: list[dict]) -> bool:
    return any("image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {})
               or "text/html" in o.get("data", {}) and "<svg" in o["data"]["text/html"] for o in outputs)


def test_notebook_runs_clean_and_shows_its_results(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="running the notebook needs the test extra")
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from nbclient import NotebookClient

    path = EXAMPLES / "notebook.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook cleared"
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(EXAMPLES)}})
    old = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MPLBACKEND")}
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ.pop("MPLBACKEND", None)  # the kernel's own inline backend
    try:
        client.execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    nbformat.write(nb, tmp_path / "notebook.executed.ipynb")  # for a look when it fails

    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o.get("output_type") != "error", o
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                assert "Warning" not in o["text"], o["text"]

    assert "200 reviews, 0 failed" in _text(_outputs(nb, "analyze"))
    assert "negative" in _text(_outputs(nb, "distribution"))
    assert "产品质量" in _text(_outputs(nb, "opinion-table"))
    for tag in ("sentiment-trend", "opinion-tree", "wordcloud", "topics-plot"):
        assert _has_image(_outputs(nb, tag)), f"cell {tag!r} drew nothing"
    assert "effect" in _text(_outputs(nb, "drivers"))
    assert "label" in _text(_outputs(nb, "topics"))
    risk = _text(_outputs(nb, "risk-table"))
    assert "chat-0901-002" in risk and "high" in risk
    monitor = _text(_outputs(nb, "monitor"))
    assert "regulator_threat" in monitor and "12315" in monitor
    roles = _text(_outputs(nb, "roles")).splitlines()
    assert roles[0] == "agent   : []"
    assert "regulator_threat" in roles[1]
