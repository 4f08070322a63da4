"""Loading dialogues from frames and JSONL, and batch scoring to frames."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from voc import Dialogue, InputError
from voc.alerts import assess_frame, dialogues_from_frame, dialogues_from_jsonl, load_dialogues

FRAME = pd.DataFrame({
    "sid": ["a", "b", "a", "a", "b"],
    "who": ["用户", "customer", "客服", "买家", 1],
    "text": ["在吗，我要投诉", "请问几点关门", "您好", None, "十点"],
    "t": ["2024-05-01 10:00:00", "2024-05-01 11:00:00", "2024-05-01 10:20:00",
          "2024-05-01 10:05:00", "2024-05-01 11:00:30"],
}, index=[10, 11, 12, 13, 14])


def test_dialogues_from_frame_maps_roles_and_keeps_order():
    ds = dialogues_from_frame(FRAME, dialogue_col="sid", role_col="who", text_col="text")
    assert [d.id for d in ds] == ["a", "b"]
    a, b = ds
    assert [t.role for t in a.turns] == ["customer", "agent", "customer"]
    assert [t.text for t in a.turns] == ["在吗，我要投诉", "您好", ""]
    assert [t.role for t in b.turns] == ["customer", "agent"]


def test_time_column_sorts_turns_and_feeds_the_gap_rule():
    ds = dialogues_from_frame(FRAME, dialogue_col="sid", role_col="who", text_col="text", time_col="t")
    assert [t.text for t in ds[0].turns] == ["在吗，我要投诉", "", "您好"]
    dialogues, flags = assess_frame(FRAME, dialogue_col="sid", role_col="who", text_col="text", time_col="t",
                                    detector=__import__("voc.alerts", fromlist=["x"]).RiskDetector(signals=None))
    gap = flags[flags["rule"] == "slow.reply_gap"]
    assert gap["dialogue_id"].tolist() == ["a"] and gap["row"].tolist() == [12]


def test_bad_rows_are_named():
    bad = FRAME.assign(who=["用户", "客服", "boss", "客户", "客服"])
    with pytest.raises(InputError, match="row 12"):
        dialogues_from_frame(bad, dialogue_col="sid", role_col="who", text_col="text")
    with pytest.raises(InputError, match="column 'nope'"):
        dialogues_from_frame(FRAME, dialogue_col="nope", role_col="who", text_col="text")
    with pytest.raises(InputError, match="row 11"):
        dialogues_from_frame(FRAME.assign(sid=["a", None, "a", "a", "b"]), dialogue_col="sid",
                             role_col="who", text_col="text")
    with pytest.raises(InputError, match="DataFrame"):
        dialogues_from_frame([1, 2], dialogue_col="sid", role_col="who", text_col="text")


def test_float_roles_map_and_a_missing_role_is_named(rules_only):
    """A 0/1 role column with a gap is float in pandas: 0.0/1.0 still map, the gap names its row."""
    df = pd.DataFrame({"sid": [1, 1, 2, 2], "who": [0, 1, 0, 1], "text": ["我要投诉", "抱歉", "谢谢", "好的"]})
    want, _ = assess_frame(df, dialogue_col="sid", role_col="who", text_col="text", detector=rules_only)
    got, _ = assess_frame(df.astype({"who": float}), dialogue_col="sid", role_col="who", text_col="text",
                          detector=rules_only)
    pd.testing.assert_frame_equal(got, want)
    with pytest.raises(InputError, match="row 3 has no role in 'who'"):
        assess_frame(df.assign(who=[0, 1, 0, None]), dialogue_col="sid", role_col="who", text_col="text",
                     detector=rules_only)


def test_assess_frame_rows(rules_only):
    dialogues, flags = assess_frame(FRAME, dialogue_col="sid", role_col="who", text_col="text",
                                    detector=rules_only)
    assert list(dialogues.index) == ["a", "b"]
    assert {"n_turns", "score", "level", "categories", "n_flags", "first_risky_turn", "first_risky_row",
            "severity", "model_score"} <= set(dialogues.columns)
    assert dialogues.loc["a", "categories"] == ["complaint_threat"]
    assert dialogues.loc["a", "first_risky_turn"] == 0 and dialogues.loc["a", "first_risky_row"] == 10
    assert pd.isna(dialogues.loc["b", "first_risky_turn"]) and dialogues.loc["b", "n_flags"] == 0
    row = flags.iloc[0]
    assert (row["dialogue_id"], row["turn"], row["row"], row["role"], row["category"], row["evidence"]) == \
        ("a", 0, 10, "customer", "complaint_threat", "投诉")
    assert FRAME.loc[row["row"], "text"][row["start"]:row["end"]] == row["evidence"]


def test_assess_frame_equals_assess(detector):
    dialogues, flags = assess_frame(FRAME, dialogue_col="sid", role_col="who", text_col="text", detector=detector)
    for d in dialogues_from_frame(FRAME, dialogue_col="sid", role_col="who", text_col="text"):
        rep = detector.assess(d)
        assert dialogues.loc[d.id, "score"] == pytest.approx(rep.score)
        assert dialogues.loc[d.id, "level"] == rep.level
        assert len(flags[flags["dialogue_id"] == d.id]) == len(rep.flags)


def test_empty_frame(rules_only):
    empty = FRAME.iloc[:0]
    dialogues, flags = assess_frame(empty, dialogue_col="sid", role_col="who", text_col="text", detector=rules_only)
    assert len(dialogues) == 0 and len(flags) == 0 and "score" in dialogues.columns


def test_jsonl(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text("\n".join([
        json.dumps({"id": 1, "turns": [{"role": "客户", "text": "我要投诉", "ts": "2024-05-01T10:00:00"},
                                       {"role": "客服", "text": "抱歉", "ts": "2024-05-01T10:30:00"}]},
                   ensure_ascii=False),
        "",
        json.dumps({"id": 2, "turns": [{"role": "user", "text": "谢谢"}]}),
    ]) + "\n", encoding="utf-8")
    ds = list(dialogues_from_jsonl(p))
    assert [d.id for d in ds] == [1, 2] and all(isinstance(d, Dialogue) for d in ds)
    assert ds[0].turns[1].ts.minute == 30
    assert [d.id for d in load_dialogues(p)] == [1, 2]
    p.write_text('{"id": 1, "turns": [{"role": "客户", "text": "x"}]}\n{"id": 2, "turns": [\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"d.jsonl:2"):
        list(dialogues_from_jsonl(p))
    p.write_text('{"id": 1, "turns": [{"role": "老板", "text": "x"}]}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"d.jsonl:1: turns\[0\]"):
        list(dialogues_from_jsonl(p))


def test_load_dialogues_from_tables(tmp_path):
    csv = tmp_path / "t.csv"
    FRAME.to_csv(csv, index=False)
    ds = load_dialogues(csv, dialogue_col="sid", role_col="who", text_col="text")
    assert [len(d) for d in ds] == [3, 2]
    assert [len(d) for d in load_dialogues(FRAME, dialogue_col="sid", role_col="who", text_col="text")] == [3, 2]
    with pytest.raises(InputError, match="dialogue_col"):
        load_dialogues(csv)
    with pytest.raises(InputError, match="format"):
        load_dialogues(tmp_path / "x.docx")
