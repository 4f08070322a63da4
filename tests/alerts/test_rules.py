"""Built-in rules: what fires, what the guards stop, roles, and user rule files."""

from __future__ import annotations

import json
import sys

import pytest

from voc import ConfigError
from voc.alerts import CATEGORIES, RiskDetector
from voc.alerts._rules import compile_rules, fold, load_rule_config

from .conftest import dialogue


def cats(det, *turns):
    return set(det.assess(dialogue(*turns)).categories)


@pytest.mark.parametrize("text, category", [
    ("再不处理我就投诉你们", "complaint_threat"),
    ("我已经打了12315", "regulator_threat"),
    ("我要向工信部反映", "regulator_threat"),
    ("我会把这件事发到网上曝光", "media_exposure"),
    ("我已经找了律师，准备起诉", "legal_threat"),
    ("我已经报警了", "legal_threat"),
    ("明天就去携号转网", "churn"),
    ("以后再也不买你们家的东西了", "churn"),
    ("凭什么不给我退款", "refund_dispute"),
    ("话费里乱扣费", "refund_dispute"),
    ("孩子吃了以后上吐下泻住院了", "safety_health"),
    ("充电的时候冒烟起火了", "safety_health"),
    ("我的卡被盗刷了", "fraud_security"),
    ("在我不知情的情况下开通了业务", "fraud_security"),
    ("你们他妈的能不能快点", "abuse_by_customer"),
    ("这是我第三次打电话了", "repeated_contact"),
    ("修了还是没用", "repeated_contact"),
    ("转人工", "escalation_request"),
    ("叫你们经理出来", "escalation_request"),
    ("半天都没人回复", "slow_response"),
])
def test_customer_phrases_fire_their_category(rules_only, text, category):
    assert category in cats(rules_only, ("客户", text))


@pytest.mark.parametrize("text", [
    "我不会投诉的",
    "不用投诉了，已经解决了",
    "本来想投诉的，后来快递送到了",
    "撤销投诉吧，处理得很及时",
    "放心，我不会给差评的",
    "不是要起诉你们，只是问问合同",
    "这个孕妇能用吗？会不会过敏",
    "请问怎么防止账号被盗？",
    "之前漏电的问题已经修好了",
    "我昨天投诉过的问题，今天已经有人联系我解决了",
    "请问退款多久到账",
    "我想申请退货，尺码不合适",
    "你们的服务又快又好",
])
def test_guarded_and_harmless_customer_phrases_do_not_fire(rules_only, text):
    assert cats(rules_only, ("客户", text)) == set()


def test_guard_does_not_swallow_a_conditional_threat(rules_only):
    # "不处理" before 投诉 is a condition, not a negation of the threat
    assert "complaint_threat" in cats(rules_only, ("客户", "你们再不处理我就去投诉"))
    assert "complaint_threat" in cats(rules_only, ("客户", "不要逼我投诉"))


def test_a_later_unguarded_hit_still_fires(rules_only):
    assert "complaint_threat" in cats(rules_only, ("客户", "我本来不会投诉的，但是现在我要投诉"))


@pytest.mark.parametrize("text", [
    "如对处理结果不满意，可拨打12315或向邮政管理局申诉",
    "请勿向他人泄露验证码，谨防诈骗",
    "如发现盗刷请及时报警",
    "清洗前请断电，以免漏电触电",
])
def test_agent_standard_phrases_are_not_threats(rules_only, text):
    assert cats(rules_only, ("客户", "你好"), ("客服", text)) == set()


def test_misconduct_only_on_agent_turns(rules_only):
    assert "agent_misconduct" in cats(rules_only, ("客户", "能换吗"), ("客服", "爱买不买"))
    assert "agent_misconduct" not in cats(rules_only, ("客户", "爱买不买是吧"))
    # the whole 爱X不X family, not only the listed phrases; a question is not a brush-off
    assert "agent_misconduct" in cats(rules_only, ("客户", "能退吗"), ("客服", "爱退不退，随便"))
    assert "agent_misconduct" not in cats(rules_only, ("客服", "您爱吃不吃辣呢"))
    assert "agent_misconduct" not in cats(rules_only, ("客服", "这款大家都爱不释手"))
    assert "agent_misconduct" in cats(rules_only, ("客服", "加我个人微信私下转账给你"))


def test_traditional_and_full_width_text_match_and_evidence_indexes_the_raw_text(rules_only):
    text = "我要投訴，再不退款就打１２３１５"
    rep = rules_only.assess(dialogue(("客户", text)))
    assert {"complaint_threat", "regulator_threat", "refund_dispute"} <= set(rep.categories)
    for f in rep.flags:
        assert text[f.evidence.start:f.evidence.end] == f.evidence.text
    assert any(f.evidence.text == "投訴" for f in rep.flags)
    assert any(f.evidence.text == "１２３１５" for f in rep.flags)


def test_fold_keeps_length():
    for s in ("軟體很好用！ＡＢＣ", "我要投訴", "", "\u3000abc"):
        assert len(fold(s)) == len(s)
    assert fold("投訴ＡＢ") == "投诉ab"


def test_shipped_rules_cover_every_category():
    rs = compile_rules(load_rule_config())
    assert set(rs.weights) == set(CATEGORIES)
    assert {r.category for r in rs.rules} == set(CATEGORIES)
    assert {"repeat", "gap", "trend", "anger"} <= set(rs.special)
    low, med, high = rs.levels
    assert 0 < low < med < high <= 1


# -- user rule files ---------------------------------------------------------------------------
def test_user_dict_adds_and_overrides_and_disables():
    det = RiskDetector({"rules": [
        {"id": "custom.vip", "category": "escalation_request", "keywords": ["我是VIP"], "weight": 0.9},
        {"id": "complaint.intent", "category": "complaint_threat", "keywords": ["要投诉"]},
    ], "disable": ["churn"]}, signals=None, scorer=None)
    assert det.assess(dialogue(("客户", "我是vip，快点处理"))).categories == ("escalation_request",)
    assert det.assess(dialogue(("客户", "我是vip"))).level == "high"
    # the override only knows 要投诉 now
    assert det.assess(dialogue(("客户", "投诉你们"))).flags == ()
    assert det.assess(dialogue(("客户", "我要投诉"))).categories == ("complaint_threat",)
    assert det.assess(dialogue(("客户", "明天就销户"))).flags == ()


def test_user_file_changes_levels_and_settings(tmp_path):
    p = tmp_path / "mine.json"
    p.write_text(json.dumps({"levels": {"high": 0.95}, "settings": {"slow_response_s": 10}}), encoding="utf-8")
    det = RiskDetector(p, signals=None, scorer=None)
    rep = det.assess(dialogue(("客户", "我要找律师"), ("客服", "您好", 100), ("客户", "x", 101)))
    assert rep.level == "medium"  # 0.85 + nothing else: below the raised high threshold
    rep = det.assess(dialogue(("客户", "在吗", 0), ("客服", "在的", 20)))
    assert rep.categories == ("slow_response",)


def _write(tmp_path, text, name="rules.json"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_invalid_json_names_file_and_line(tmp_path):
    p = _write(tmp_path, '{\n "rules": [\n  {"id": "a", "category": "churn",}\n ]\n}\n')
    with pytest.raises(ConfigError) as ei:
        RiskDetector(p, signals=None).ruleset
    assert ei.value.path == str(p) and ei.value.line == 3
    assert f"{p}:3:" in str(ei.value)


@pytest.mark.parametrize("rule, key, message", [
    ('{"id": "x.one", "category": "nope", "keywords": ["a"]}', "category", "unknown category"),
    ('{"id": "x.one", "category": "churn", "regex": ["(unclosed"]}', "(unclosed", "invalid regular expression"),
    ('{"id": "x.one", "category": "churn", "keyword": ["a"]}', "keyword", "unknown key"),
    ('{"id": "x.one", "category": "churn", "role": "boss", "keywords": ["a"]}', "role", "role must be"),
    ('{"id": "x.one", "category": "churn"}', "x.one", "needs 'keywords' or 'regex'"),
    ('{"id": "x.one", "category": "churn", "keywords": ["a"], "guards": ["nope"]}', "nope", "unknown guard"),
    ('{"id": "x.one", "category": "churn", "keywords": ["a"], "weight": 2}', "weight", "weight must be"),
])
def test_invalid_rule_names_file_and_line(tmp_path, rule, key, message):
    lines = ['{', ' "rules": [', '  {"id": "x.zero", "category": "churn", "keywords": ["b"]},',
             '  ' + rule.replace(", ", ",\n   "), ' ]', '}']
    text = "\n".join(lines)
    p = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as ei:
        RiskDetector(p, signals=None).ruleset
    assert ei.value.path == str(p)
    expected = next(i for i, line in enumerate(text.splitlines(), 1)
                    if key in line and i >= 4)
    assert ei.value.line == expected, (ei.value, text)


def test_invalid_top_level_names_line(tmp_path):
    p = _write(tmp_path, '{\n "levels": {"low": 0.5, "medium": 0.4, "high": 0.7}\n}\n')
    with pytest.raises(ConfigError, match="levels must satisfy") as ei:
        RiskDetector(p, signals=None).ruleset
    assert (ei.value.path, ei.value.line) == (str(p), 2)
    p = _write(tmp_path, '{\n "settings": {\n  "slow_response": 5\n }\n}\n')
    with pytest.raises(ConfigError, match="unknown setting") as ei:
        RiskDetector(p, signals=None).ruleset
    assert ei.value.line == 3
    p = _write(tmp_path, '{"disable": ["no.such.rule"]}')
    with pytest.raises(ConfigError, match="neither a rule id nor a category"):
        RiskDetector(p, signals=None).ruleset


def test_missing_file_and_bad_type():
    with pytest.raises(ConfigError, match="not found"):
        RiskDetector("/no/such/rules.json", signals=None).ruleset
    with pytest.raises(ConfigError, match="rules must be None"):
        RiskDetector(42, signals=None).ruleset


def test_yaml_rules(tmp_path):
    pytest.importorskip("yaml")
    p = _write(tmp_path, "rules:\n  - id: y.vip\n    category: escalation_request\n    keywords: [大客户]\n"
                         "  - id: y.bad\n    category: nope\n    keywords: [x]\n", "r.yaml")
    with pytest.raises(ConfigError, match="unknown category") as ei:
        RiskDetector(p, signals=None).ruleset
    assert (ei.value.path, ei.value.line) == (str(p), 6)  # the "category: nope" line


def test_yaml_without_pyyaml_says_how_to_fix(tmp_path, monkeypatch):
    p = _write(tmp_path, "rules: []\n", "r.yml")
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(ConfigError, match="pip install pyyaml"):
        RiskDetector(p, signals=None).ruleset


def test_rhetorical_accusation_is_not_a_negation(rules_only):
    # "这不是骗人吗" asserts the fraud; only 不是要/不是想 + threat reads as a negation
    assert "fraud_security" in cats(rules_only, ("客户", "扣了钱又不给服务，这不是骗人吗"))


def test_real_questions_stay_guarded(rules_only):
    assert cats(rules_only, ("客户", "这个牛奶是不是过期了？")) == set()
    assert cats(rules_only, ("客户", "这个短信是不是诈骗？")) == set()


@pytest.mark.parametrize("text", ["帮我操作一下", "现在能不能退货", "京东无假货", "我要退货"])
def test_everyday_chat_lines_do_not_fire(rules_only, text):
    assert cats(rules_only, ("客户", text)) == set()


def test_repeat_needs_an_agent_reply_and_ignores_order_cards(rules_only):
    card = "[订单编号:[订单x]，订单金额:[金额x]，下单时间:[日期x]] 你好"
    assert cats(rules_only, ("客户", card), ("客服", "您好"), ("客户", card)) == set()
    q = "这个空调安装要怎么联系厂家呢"
    assert cats(rules_only, ("客户", q), ("客户", q)) == set()  # a double send, not yet answered
    assert cats(rules_only, ("客户", q), ("客服", "您好"), ("客户", q)) == {"repeated_contact"}


# -- fast scanners ------------------------------------------------------------------------
def _finditer_spans(rx, text):
    return [m.span() for m in rx.finditer(text)]


def _scanner_spans(sc, text):
    out, pos = [], 0
    while (m := sc.search(text, pos)) is not None:
        out.append(m.span(1))
        pos = m.end(1)
    return out


def _rule_alphabet():
    """Characters of the shipped rules' keywords and literals, digits, punctuation and filler."""
    cfg = load_rule_config(None)
    chars = set("0123456789abcsx，。！？ 我你的了是不没")
    for r in cfg["rules"]:
        for k in r.get("keywords", []):
            chars.update(fold(k))
        for p in r.get("regex", []):
            chars.update(c for c in p if "\u4e00" <= c <= "\u9fff")
    return sorted(chars)


_ALPHABET = _rule_alphabet()
_RULESET = compile_rules(load_rule_config(None))


def test_every_shipped_pattern_rule_gets_a_scanner():
    assert all(r.scan is not None for r in _RULESET.rules if r.kind == "pattern")


@pytest.mark.parametrize("rule", [r for r in _RULESET.rules if r.scan is not None], ids=lambda r: r.id)
def test_scanner_finds_exactly_the_rule_matches(rule):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @given(st.text(alphabet=_ALPHABET, max_size=60))
    @settings(max_examples=150, deadline=None, database=None)
    def check(text):
        assert _scanner_spans(rule.scan, text) == _finditer_spans(rule.regex, text)

    check()
    # and on every keyword of the rule file glued together: matches touching each other
    glued = "".join(_ALPHABET)
    assert _scanner_spans(rule.scan, glued * 2) == _finditer_spans(rule.regex, glued * 2)


@pytest.mark.parametrize("pattern, fast", [
    ("投诉|举报", True),
    ("(?:给|打)(?:个)?差评", True),
    ("(?<![0-9])110(?![0-9])", True),
    ("[0-9一二三]+次", True),
    ("第[二三四五六七八九十两几0-9]+次", True),
    ("(投诉)", False),  # a group: the scanner's group 1 would shift it
    ("(?P<x>投诉)", False),
    ("(?i)sb", False),  # flags
    ("(?:再次)?", False),  # can match the empty string
    ("^投诉", False),  # anchored
    (r"\d+次", False),  # a category class: first characters unknown
    ("[^好]差", False),  # negated class
    (".投诉", False),
])
def test_scanner_only_where_it_is_safe(pattern, fast):
    import re

    from voc.alerts._rules import fast_scanner

    rx = re.compile(pattern)
    sc = fast_scanner(rx)
    assert (sc is not None) == fast
    if sc is not None:
        for text in ("我要投诉和举报，给个差评，报警110，第三次了，三次", "1101 110 0110 又又又投投诉诉"):
            assert _scanner_spans(sc, text) == _finditer_spans(rx, text)


def test_user_rule_without_a_scanner_still_matches():
    det = RiskDetector({"rules": [{"id": "x.grp", "category": "churn", "regex": ["(销户|退网)了"]}]},
                       signals=None, scorer=None)
    rule = next(r for r in det.ruleset.rules if r.id == "x.grp")
    assert rule.scan is None
    rep = det.assess(dialogue(("客户", "我已经退网了")))
    assert ("x.grp", "退网了") in [(f.rule, f.evidence.text) for f in rep.flags]


def test_fold_is_the_same_with_the_list_table():
    assert fold("我要投訴！ＡＢＣ　ｘ😡") == "我要投诉!abc x😡"
    assert fold("") == ""


@pytest.mark.parametrize("text, category", [
    ("再唔處理我就去消委會", "regulator_threat"),              # Hong Kong consumer council
    ("我已經打1950消費者專線了", "regulator_threat"),          # Taiwan consumer hotline
    ("再不處理我就找消保官", "regulator_threat"),
    ("我會將成件事放上連登", "media_exposure"),
    ("訂金不退我就入紙小額錢債審裁處", "legal_threat"),
    ("我要complain你們分行個經理", "complaint_threat"),
    ("我會上Google把你們的評論刷成一星", "complaint_threat"),
])
def test_hong_kong_and_taiwan_threats(rules_only, text, category):
    assert category in cats(rules_only, ("customer", text))


@pytest.mark.parametrize("text", [
    "唔使驚我投訴，我只係想改返個航班日期",
    "我冇諗過要complain，淨係想話你知房門鎖有啲鬆",
    "我不是來客訴的，只是提醒一下燈壞了",
])
def test_cantonese_and_taiwan_negated_complaints(rules_only, text):
    assert "complaint_threat" not in cats(rules_only, ("customer", text))


@pytest.mark.parametrize("text, churn", [
    ("小区换了新电梯，再也不用爬楼了，开心", False),   # relief, not leaving
    ("有了这个功能再也不用担心忘记缴费", False),
    ("再也不用你们家的宽带了", True),
])
def test_no_longer_needing_to_is_not_churn(rules_only, text, churn):
    assert ("churn" in cats(rules_only, ("customer", text))) is churn
