"""RiskDetector: flags, score/severity/level, sequence rules, model signals, pickling, streaming."""

from __future__ import annotations

import pickle
import threading
from datetime import datetime, timedelta

import pytest

from voc import Dialogue, InputError, Span, Turn
from voc.alerts import RiskDetector, RiskFlag, RiskReport

from .conftest import dialogue

THREAT = dialogue(("客户", "第三次打电话了，还是没人处理"), ("客服", "非常抱歉"),
                  ("客户", "再不解决我就打12315投诉"), id="t1")
CALM = dialogue(("客户", "请问这款手机支持双卡吗"), ("客服", "支持的"), ("客户", "好的，谢谢"), id="c1")


def level_of(x: float, levels) -> str:
    low, med, high = levels
    return "high" if x >= high else "medium" if x >= med else "low" if x >= low else "none"


def test_report_shape_and_reprs(detector):
    rep = detector.assess(THREAT)
    assert isinstance(rep, RiskReport) and rep.dialogue_id == "t1"
    assert rep.level == "high"
    assert {"repeated_contact", "regulator_threat", "complaint_threat"} <= set(rep.categories)
    assert rep.first_turn == 0
    f = rep.flags[0]
    assert isinstance(f, RiskFlag) and isinstance(f.evidence, Span)
    assert "\n" not in repr(f) and f.category in repr(f) and f.rule in repr(f)
    assert repr(rep).startswith("RiskReport(id='t1', high, score=")
    for f in rep.flags:
        assert THREAT.turns[f.turn].text[f.evidence.start:f.evidence.end] == f.evidence.text
        assert f.evidence.label == f.category


def test_score_severity_level_are_consistent(detector, rules_only):
    levels = detector.ruleset.levels
    for d in (THREAT, CALM, dialogue(("客户", "我要投诉")), dialogue(("客服", "您好"))):
        for det in (detector, rules_only):
            rep = det.assess(d)
            assert 0.0 <= rep.score <= 1.0 and 0.0 <= rep.severity <= 1.0
            assert rep.level == level_of(max(rep.score, rep.severity), levels)
        assert rules_only.assess(d).score == rules_only.assess(d).severity
        assert rules_only.assess(d).model_score is None
        assert detector.assess(d).model_score is not None


def test_severity_is_a_noisy_or_of_rule_weights(rules_only):
    rs = rules_only.ruleset
    w = {r.id: r.weight for r in rs.rules}
    rep = rules_only.assess(dialogue(("客户", "我要找律师起诉你们，还要去工信部")))
    assert {f.rule for f in rep.flags} == {"legal.action", "regulator.agency"}
    expected = 1 - (1 - w["legal.action"]) * (1 - w["regulator.agency"])
    assert rep.severity == pytest.approx(expected)
    # the same rule in two turns counts once
    rep2 = rules_only.assess(dialogue(("客户", "我要找律师"), ("客户", "律师函已经写好了")))
    assert len(rep2.flags) == 2 and rep2.severity == pytest.approx(w["legal.action"])


def test_calm_dialogue_is_calm_and_scores_below_a_threat(detector):
    calm, threat = detector.assess(CALM), detector.assess(THREAT)
    assert calm.flags == () and calm.level in ("none", "low")
    assert calm.score < threat.score and calm.model_score < threat.model_score


def test_resolution_discounts_severity(rules_only):
    a = rules_only.assess(dialogue(("客户", "第三次打电话了，快递还是没到")))
    b = rules_only.assess(dialogue(("客户", "第三次打电话了，快递还是没到"), ("客服", "已加急"),
                                   ("客户", "收到了，谢谢")))
    assert b.resolved and not a.resolved
    assert b.severity == pytest.approx(a.severity * rules_only.ruleset.settings["resolved_discount"])
    c = rules_only.assess(dialogue(("客户", "第三次打电话了"), ("客户", "还是没解决，谢谢你们的敷衍")))
    assert not c.resolved


def test_same_problem_repeated_is_repeated_contact(rules_only):
    text = "快递三天没有更新物流信息了，麻烦帮我查一下"
    rep = rules_only.assess(dialogue(("客户", text), ("客服", "好的"), ("客户", text)))
    flags = [f for f in rep.flags if f.rule == "repeat.same_problem"]
    assert len(flags) == 1 and flags[0].turn == 2 and "turn 0" in flags[0].evidence.label
    rep = rules_only.assess(dialogue(("客户", text), ("客服", "好的"), ("客户", "谢谢，收到了")))
    assert not [f for f in rep.flags if f.rule == "repeat.same_problem"]


@pytest.mark.parametrize("t0, later", [
    (0.0, lambda s: 600.0 + s),
    (datetime(2024, 5, 1, 9, 0), lambda s: datetime(2024, 5, 1, 9, 10) + timedelta(seconds=s)),
])
def test_slow_response_from_timestamps(rules_only, t0, later):
    rep = rules_only.assess(dialogue(("客户", "在吗", t0), ("客服", "您好", later(0))))
    assert [(f.rule, f.turn) for f in rep.flags] == [("slow.reply_gap", 1)]
    assert "reply after 600s" in rep.flags[0].evidence.label
    # a prompt reply is fine, and no timestamps means no gap rule
    assert rules_only.assess(dialogue(("客户", "在吗", t0), ("客服", "您好", t0))).flags == ()
    assert rules_only.assess(dialogue(("客户", "在吗"), ("客服", "您好"))).flags == ()


def test_unanswered_follow_up_flags_when_it_arrives(rules_only):
    mon = rules_only.monitor()
    assert mon.feed(Turn("客户", "在吗", 0.0)) == []
    assert mon.feed(Turn("客户", "你好？", 100.0)) == []
    new = mon.feed(Turn("客户", "请回复", 400.0))
    assert [f.rule for f in new] == ["slow.reply_gap"]
    assert mon.feed(Turn("客服", "抱歉久等", 500.0)) == []  # the stretch is flagged once


def test_bad_timestamp_is_an_input_error(rules_only):
    with pytest.raises(InputError, match="Turn.ts"):
        rules_only.assess(dialogue(("客户", "在吗", "9点")))


def fake_signals(table):
    def signal(text):
        return table.get(text, (0.0, 0.0))
    return signal


def test_negative_trend_and_anger_from_model_signals():
    table = {"你好，问一下宽带": (0.2, 0.0), "怎么又断了": (-0.3, 0.2), "太失望了，气死我了": (-0.8, 0.9)}
    det = RiskDetector(signals=fake_signals(table), scorer=None)
    d = dialogue(("客户", "你好，问一下宽带"), ("客服", "您好"), ("客户", "怎么又断了"), ("客服", "抱歉"),
                 ("客户", "太失望了，气死我了"))
    rep = det.assess(d)
    trend = [f for f in rep.flags if f.category == "negative_trend"]
    assert {f.rule for f in trend} == {"model.negative_trend", "model.anger"}
    assert all(f.turn == 4 for f in trend)
    # streaming raises them on the turn that causes them
    mon = det.monitor()
    got = [mon.feed(t) for t in d.turns]
    assert [f.rule for f in got[4] if f.category == "negative_trend"] == ["model.negative_trend", "model.anger"]
    assert not any(f.category == "negative_trend" for fl in got[:4] for f in fl)
    # a steady mood raises nothing
    flat = RiskDetector(signals=lambda t: (-0.2, 0.1), scorer=None)
    assert not [f for f in flat.assess(d).flags if f.category == "negative_trend"]


def test_bad_options_are_config_errors():
    from voc import ConfigError

    with pytest.raises(ConfigError, match="signals must be"):
        RiskDetector(signals="yes").ruleset
    with pytest.raises(ConfigError, match="scorer must be"):
        RiskDetector(signals=None, scorer=3).ruleset
    with pytest.raises(ConfigError, match="batch_size"):
        list(RiskDetector(signals=None).pipe([CALM], batch_size=0))


def test_inputs_are_checked(detector):
    with pytest.raises(InputError, match="voc.Dialogue"):
        detector.assess("我要投诉")
    with pytest.raises(InputError, match="voc.Turn"):
        detector.monitor().feed("我要投诉")
    with pytest.raises(InputError, match="iterable of voc.Dialogue"):
        list(detector.pipe(THREAT))
    # a plain list of turns is accepted
    assert detector.assess(list(THREAT.turns)).level == "high"


def test_pipe_equals_assess_and_keeps_order(detector):
    ds = [THREAT, CALM, dialogue(("客户", "")), dialogue(), dialogue(("客服", "您好"))] * 3
    piped = list(detector.pipe(ds, batch_size=4))
    single = [detector.assess(d) for d in ds]
    assert [r.flags for r in piped] == [r.flags for r in single]
    assert [r.level for r in piped] == [r.level for r in single]
    assert [r.score for r in piped] == pytest.approx([r.score for r in single])


def test_monitor_matches_assess(detector):
    for d in (THREAT, CALM):
        mon = detector.monitor()
        fed = [f for t in d.turns for f in mon.feed(t, dialogue_id=d.id)]
        rep = mon.report(d.id)
        ref = detector.assess(d)
        assert tuple(fed) == rep.flags == ref.flags
        assert rep.score == pytest.approx(ref.score, abs=1e-9)
        assert rep.level == ref.level


def test_monitor_keeps_dialogues_apart_and_forgets_on_close(rules_only):
    mon = rules_only.monitor()
    mon.feed(Turn("客户", "我要投诉"), dialogue_id="a")
    mon.feed(Turn("客户", "谢谢"), dialogue_id="b")
    assert mon.report("a").categories == ("complaint_threat",)
    assert mon.report("b").flags == ()
    assert mon.report("never-seen").level == "none"
    assert mon.dialogue_ids == ["a", "b"] and len(mon) == 2
    final = mon.close("a")
    assert final.categories == ("complaint_threat",) and mon.dialogue_ids == ["b"]
    assert mon.report("a").flags == ()


def test_monitor_is_thread_safe_across_dialogues(detector):
    dialogues = [Dialogue(THREAT.turns, id=f"t{i}") if i % 2 else Dialogue(CALM.turns, id=f"c{i}")
                 for i in range(40)]
    mon = detector.monitor()
    errors: list[BaseException] = []

    def work(chunk):
        try:
            for d in chunk:
                for t in d.turns:
                    mon.feed(t, dialogue_id=d.id)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(dialogues[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for d in dialogues:
        ref = detector.assess(d)
        rep = mon.report(d.id)
        assert rep.flags == ref.flags and rep.score == pytest.approx(ref.score, abs=1e-9)


def test_detector_pickles_and_is_lazy(detector):
    fresh = RiskDetector(signals=None)
    assert fresh._engine is None  # __init__ only stores
    clone = pickle.loads(pickle.dumps(detector))
    assert clone._engine is None
    a, b = detector.assess(THREAT), clone.assess(THREAT)
    assert a.flags == b.flags and a.score == b.score
    rep = pickle.loads(pickle.dumps(a))
    assert rep == a


def test_a_monitor_pickles_as_a_checkpoint(detector):
    """A service can checkpoint a monitor mid-stream and go on elsewhere: same flags, same report."""
    turns = [("客户", "你好，请问运费怎么算"), ("客服", "您好，运费十元"), ("客户", "再不退款我就去法院起诉你们")]
    whole = detector.monitor()
    part = detector.monitor()
    for role, text in turns[:2]:
        whole.feed(Turn(role, text), dialogue_id="d1")
        part.feed(Turn(role, text), dialogue_id="d1")
    resumed = pickle.loads(pickle.dumps(part))
    assert resumed.dialogue_ids == ["d1"]
    last = Turn(*turns[2])
    assert resumed.feed(last, dialogue_id="d1") == whole.feed(last, dialogue_id="d1")
    assert resumed.report("d1") == whole.report("d1")


def test_user_rules_survive_pickling(tmp_path):
    det = RiskDetector({"rules": [{"id": "x.vip", "category": "escalation_request", "keywords": ["贵宾"]}]},
                       signals=None, scorer=None)
    clone = pickle.loads(pickle.dumps(det))
    assert clone.assess(dialogue(("客户", "我是贵宾"))).categories == ("escalation_request",)


def test_empty_dialogues(detector):
    rep = detector.assess(Dialogue(()))
    assert rep.flags == () and rep.level in ("none", "low")
    assert detector.assess(dialogue(("客户", None))).flags == ()


def test_short_replies_are_not_read_by_the_models():
    seen: list[str] = []

    def signal(text):
        seen.append(text)
        return (-0.9, 0.0) if "没" in text else (0.3, 0.0)

    det = RiskDetector(signals=signal, scorer=None)
    first, later = "你好，我想问一下退货流程", "为什么还没有人处理我的退货"
    d = dialogue(("客户", first), ("客服", "还有别的问题吗"), ("客户", "没了"), ("客户", later))
    rep = det.assess(d)
    assert sorted(seen) == sorted([first, later])  # never the short reply 没了
    assert [f.rule for f in rep.flags] == ["model.negative_trend"]
    seen.clear()
    mon = det.monitor()
    for t in d.turns:
        mon.feed(t)
    assert seen == [first, later] and mon.report().flags == rep.flags


def test_long_turns_are_read_from_their_last_clauses():
    seen: list[str] = []

    def signal(text):
        seen.append(text)
        return (-0.9, 0.0) if "差" in text else (0.3, 0.0)

    first = "你好，我想问一下退货流程"
    # 39 characters: the last 20 start inside the second clause, so the read starts at the third
    long = "上周买的耳机到了以后一直有杂音，换了手机也一样，客服说要寄回检测，这体验太差了"
    tail = long[long.index("客服"):]
    turns = (("客户", first), ("客服", "好的"), ("客户", long))
    det = RiskDetector({"settings": {"signal_max_chars": 20}}, signals=signal, scorer=None)
    rep = det.assess(dialogue(*turns))
    assert sorted(seen) == sorted([first, tail]) and len(tail) <= 20
    assert [f.rule for f in rep.flags] == ["model.negative_trend"]
    seen.clear()
    mon = det.monitor()
    for role, text in turns:
        mon.feed(Turn(role, text))
    assert seen == [first, tail] and mon.report().flags == rep.flags
    seen.clear()
    RiskDetector({"settings": {"signal_max_chars": 0}}, signals=signal, scorer=None).assess(dialogue(*turns))
    assert sorted(seen) == sorted([first, long])  # 0: whole turns


def test_a_rule_config_without_signal_max_chars_reads_whole_turns():
    from voc.alerts._rules import compile_rules, load_rule_config

    cfg = load_rule_config()
    assert cfg["settings"]["signal_max_chars"] > 0  # the shipped rules cap what the models read
    del cfg["settings"]["signal_max_chars"]  # a file written before the setting existed
    assert compile_rules(cfg).settings["signal_max_chars"] == 0


def test_signals_are_read_only_where_they_can_matter():
    seen: list[str] = []

    def signal(text):
        seen.append(text)
        return (0.3, 0.1) if "你好" in text else (-0.9, 0.2)

    det = RiskDetector(signals=signal, scorer=None)
    # one readable customer turn: nothing to compare it with, so no model is read
    assert det.assess(dialogue(("客户", "为什么还没有人处理我的退货"))).flags == ()
    assert seen == []
    # the first turn is a baseline, read when a later turn is past a rule's threshold
    calm_later = dialogue(("客户", "你好，我想问一下退货流程"), ("客服", "好的"), ("客户", "你好，请问运费谁出呢"))
    det.assess(calm_later)
    assert seen == ["你好，请问运费谁出呢"]


def _random_dialogues(seed, n):
    import random

    rng = random.Random(seed)
    texts = ["你好，我想问一下退货流程", "为什么还没有人处理我的退货", "我真的非常生气，气死我了",
             "好的，谢谢你们的耐心处理", "订单一直显示未发货是怎么回事", "你们这个服务也太差了吧",
             "没了", "在吗"]
    agent = ["您好，请问有什么可以帮您", "非常抱歉，马上为您处理"]
    out = []
    for k in range(n):
        turns = []
        for _ in range(rng.randint(0, 7)):
            if rng.random() < 0.65:
                turns.append(("客户", rng.choice(texts)))
            else:
                turns.append(("客服", rng.choice(agent)))
        out.append(dialogue(*turns, id=k))
    return out


def test_pruned_reads_change_no_report():
    # every customer turn read (the streaming monitor with a plain callable reads them all)
    # against assess/pipe, which read only what can change the report
    import zlib

    def signal(text):
        h = zlib.crc32(text.encode("utf-8"))
        return (round((h % 2001) / 1000 - 1.0, 3), round((h // 2001 % 1001) / 1000, 3))

    det = RiskDetector(signals=signal, scorer=None)
    ds = _random_dialogues(0, 400)
    piped = list(det.pipe(ds, batch_size=64))
    fired = 0
    for d, rep in zip(ds, piped):
        mon = det.monitor()
        for t in d.turns:
            mon.feed(t)
        ref = mon.report()
        assert rep.flags == ref.flags and rep.score == ref.score, d
        fired += any(f.category == "negative_trend" for f in rep.flags)
    assert fired > 20  # the comparison exercised both model rules


@pytest.fixture(scope="module")
def default_signals():
    det = RiskDetector()
    eng = det._get_engine()
    if eng.signal is None:  # pragma: no cover - the shipped models are part of the repo
        pytest.skip("the default sentiment/emotion models do not load here")
    return det


SIGNAL_TEXTS = [
    "你好，我想问一下退货流程", "为什么还没有人处理我的退货？？", "气死我了！！我要投诉你们 😡",
    "物流 太慢了\n 等了一个星期 还没到", "Wi-Fi连不上，1.1kg的包裹丢了", "不是很好，但也不算太差吧",
    "好评" * 60, "客服态度很差，我已经打了三次电话，每次都说会处理，结果到现在还是没有任何进展，"
    "你们到底有没有人管？如果明天还不给我一个说法，我就去12315投诉，再也不会买你们家的东西了",
    "ＶＩＰ會員的問題還沒解決", "[怒][怒] 什么破服务",
]


def test_direct_model_path_equals_the_pipeline(default_signals):
    """The signals read without Documents are exactly the pipeline's polarity and anger."""
    from voc.alerts._detector import _doc_signal, _tail
    from voc.pipeline import get_default_pipeline

    eng = default_signals._get_engine()
    lean = eng.signal.lean()
    assert lean is not None
    p = get_default_pipeline()
    ref = [_doc_signal(p.run(t, steps=eng.signal.steps)) for t in SIGNAL_TEXTS]
    assert [eng.signal(t) for t in SIGNAL_TEXTS] == ref  # one at a time (streaming)
    assert eng.batch_signal(SIGNAL_TEXTS) == ref  # in a batch
    pol_only = eng.batch_signal(SIGNAL_TEXTS, anger=False)
    assert [s[0] for s in pol_only] == [r[0] for r in ref] and {s[1] for s in pol_only} == {0.0}
    anger_only = eng.batch_signal(SIGNAL_TEXTS, polarity=False)
    assert [s[1] for s in anger_only] == [r[1] for r in ref]
    # the engine reads long turns from their last clauses, through the same path
    tails = [_tail(t, eng.max_chars) for t in SIGNAL_TEXTS]
    assert tails != SIGNAL_TEXTS and eng.signals(SIGNAL_TEXTS) == eng.batch_signal(tails)


def test_default_signals_stream_and_batch_agree_with_reading_everything(default_signals):
    """With the shipped models: the monitor (first turn's anger deferred) and pipe (pruned)
    give what a detector that reads every customer turn gives."""
    from voc.alerts._detector import _doc_signal
    from voc.pipeline import get_default_pipeline

    steps = default_signals._get_engine().signal.steps

    def everything(text):
        return _doc_signal(get_default_pipeline().run(text, steps=steps))

    reference = RiskDetector(signals=everything)
    ds = _random_dialogues(1, 120) + [
        dialogue(("客户", "你好，我想问一下退货流程"), ("客服", "您好"), ("客户", SIGNAL_TEXTS[2]),
                 ("客户", SIGNAL_TEXTS[7]), id="angry")]
    ref = list(reference.pipe(ds))
    got = list(default_signals.pipe(ds, batch_size=16))
    assert [r.flags for r in got] == [r.flags for r in ref]
    assert any(f.rule == "model.anger" for r in ref for f in r.flags)
    assert any(f.rule == "model.negative_trend" for r in ref for f in r.flags)
    mon = default_signals.monitor()
    for d in ds:
        fed = [f for t in d.turns for f in mon.feed(t, dialogue_id=d.id)]
        assert tuple(fed) == ref[ds.index(d)].flags


def test_signals_follow_a_custom_default_pipeline(default_signals):
    """A default pipeline with a component of the user's own is run as a pipeline (Documents)."""
    import voc
    from voc.pipeline import get_default_pipeline, set_default_pipeline

    base = get_default_pipeline()

    class MySegmenter:
        def __init__(self, seg):
            self.seg = seg

        def __call__(self, doc):
            return self.seg(doc)

    eng = default_signals._get_engine()
    ref = [eng.signal(t) for t in SIGNAL_TEXTS]
    custom = voc.Pipeline(normalizer=base.get_normalizer(),
                          components={"segment": MySegmenter(base.get("segment")),
                                      "sentiment": base.get("sentiment"), "emotion": base.get("emotion")})
    set_default_pipeline(custom)
    try:
        assert eng.signal.lean() is None
        assert [eng.signal(t) for t in SIGNAL_TEXTS] == ref
        assert eng.batch_signal(SIGNAL_TEXTS) == ref
    finally:
        set_default_pipeline(base)
    assert eng.signal.lean() is not None


def test_direct_model_path_without_the_span_helpers(default_signals, monkeypatch):
    """Where the segmenter has no ``_spans`` and the sentiment scorer reads token objects
    (not its span lists), the direct path still gives the pipeline's numbers."""
    from voc.alerts import _detector
    from voc.segmentation import Segmenter

    eng = default_signals._get_engine()
    ref = eng.batch_signal(SIGNAL_TEXTS)
    ref_one = [eng.signal(t) for t in SIGNAL_TEXTS]
    fast = eng.signal.lean()
    monkeypatch.delattr(Segmenter, "_spans", raising=False)
    lean = _detector._Lean(fast.norm, fast.seg, fast.sen, fast.emo)
    lean.tokens = lambda w, s, e: list(map(_detector._Tok, zip(w, s, e)))
    assert lean.signals(SIGNAL_TEXTS) == ref
    assert [lean.signals([t])[0] for t in SIGNAL_TEXTS] == ref_one
