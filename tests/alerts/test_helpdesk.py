"""On real helpdesk dialogues (../shared/data; skipped when absent): the score ranks unhappy customers first."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from voc import Dialogue, Turn

from ..conftest import data_path

pytestmark = pytest.mark.data


def test_held_out_auc(detector):
    from sklearn.metrics import roc_auc_score

    path = data_path("dialogues", "helpdesk_weibo.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    test = [r for r in rows if zlib.crc32(r["id"].encode("utf-8")) % 5 == 0]  # never trained on
    ds = [Dialogue(tuple(Turn(t["role"], t["text"] or "") for t in r["turns"]), id=r["id"]) for r in test]
    y = np.array([np.mean(r["satisfaction"]) <= -1 for r in test])
    reports = list(detector.pipe(ds))
    assert roc_auc_score(y, [r.score for r in reports]) > 0.8
    high = np.array([r.level == "high" for r in reports])
    assert y[high].mean() > 2 * y.mean()  # "high" is at least twice as likely to be a very unhappy customer


def test_challenge_set_has_no_negated_or_agent_side_high(detector):
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "alerts_challenge.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        if r["kind"] in ("negated_threat", "agent_phrase"):
            d = Dialogue(tuple(Turn(t["role"], t["text"], t.get("ts")) for t in r["turns"]), id=r["id"])
            assert detector.assess(d).level != "high", r["id"]
