"""Taxonomy: the default's level 1, mapping rules, user files and their errors."""

from __future__ import annotations

import json
import pickle
import sys

import pytest

from voc.errors import ConfigError
from voc.opinion_mining import Taxonomy, load_taxonomy

DESIGN_LEVEL1 = ("产品质量", "使用体验", "外观设计", "价格", "物流配送", "包装", "客服服务",
                 "售后退换", "门店环境", "餐饮口味", "营销活动", "账户支付", "网络信号", "整体评价", "其他")

SPEC = {"name": "tiny", "nodes": {
    "物流配送": {"配送速度": {"aspects": ["物流", "快递"], "implicit": ["发货快"], "opinions": {
        "配送快": {"polarity": "positive", "keywords": ["快", "及时"]},
        "配送慢": {"polarity": "negative", "keywords": ["慢"]}}}},
    "价格": {"价格水平": {"aspects": ["价格"], "implicit": ["太贵", "便宜"], "opinions": {
        "价格偏高": {"polarity": "negative", "keywords": ["贵"]},
        "价格实惠": {"polarity": "positive", "keywords": ["便宜"]}}}},
}}


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return load_taxonomy()


def test_default_level1_is_designs_list(tax: Taxonomy) -> None:
    assert tax.level1 == DESIGN_LEVEL1


def test_default_covers_the_domains(tax: Taxonomy) -> None:
    l2 = {p[1] for p in tax.paths(2)}
    for group in ("配送速度", "包装质量", "客服态度", "退换货", "口味", "环境卫生", "网络质量",
                  "支付交易", "维修保养", "肤感质地", "功效效果"):
        assert group in l2
    assert all(len(p) == 3 for p in tax.paths(3))


@pytest.mark.parametrize("aspect, opinion, polarity, want", [
    ("快递", "太慢了", "negative", ("物流配送", "配送速度", "配送慢")),
    ("", "太贵了", "negative", ("价格", "价格水平", "价格偏高")),
    ("快递小哥", "态度很好", "positive", ("物流配送", "配送员服务", "配送员服务好")),
    ("物流", "不快", "negative", ("物流配送", "配送速度", "配送慢")),  # negated keyword
    ("发货速度嘛", "还可以", "positive", ("物流配送", "配送速度", "配送快")),  # unseen wording
    ("味道", "很好闻", "positive", ("产品质量", "气味", "气味好闻")),  # ambiguous synonym, opinion decides
    ("味道", "太咸了", "negative", ("餐饮口味", "口味", "难吃")),
    ("网速", "很慢", "negative", ("网络信号", "网络质量", "网络差")),
])
def test_categorize(tax: Taxonomy, aspect: str, opinion: str, polarity: str, want: tuple[str, ...]) -> None:
    assert tax.categorize(aspect, opinion, polarity) == want


def test_unmapped_keeps_empty_levels(tax: Taxonomy) -> None:
    assert tax.categorize("", "呵呵", "neutral") == ("", "", "")
    assert tax.categorize("", "呵呵", "neutral", level1="其他")[0] == "其他"


def test_level1_restriction(tax: Taxonomy) -> None:
    assert tax.categorize("味道", "很香", "positive", level1="餐饮口味")[:2] == ("餐饮口味", "口味")


def test_mapping_and_json_file(tmp_path) -> None:
    t = load_taxonomy(SPEC)
    assert t.categorize("快递", "很及时", "positive") == ("物流配送", "配送速度", "配送快")
    f = tmp_path / "tax.json"
    f.write_text(json.dumps(SPEC, ensure_ascii=False, indent=1), encoding="utf-8")
    assert load_taxonomy(f) == t
    assert pickle.loads(pickle.dumps(t)) == t


def test_yaml_file(tmp_path) -> None:
    yaml = pytest.importorskip("yaml")
    f = tmp_path / "tax.yaml"
    f.write_text(yaml.safe_dump(SPEC, allow_unicode=True), encoding="utf-8")
    assert load_taxonomy(f) == load_taxonomy(SPEC)


def test_yaml_without_pyyaml_names_the_fix(tmp_path, monkeypatch) -> None:
    f = tmp_path / "tax.yml"
    f.write_text("nodes: {}\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(ConfigError, match="pip install pyyaml") as err:
        load_taxonomy(f)
    assert err.value.path == str(f)


def test_invalid_json_has_path_and_line(tmp_path) -> None:
    f = tmp_path / "bad.json"
    f.write_text('{\n "nodes": {\n  "价格": [1, 2,]\n }\n}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_taxonomy(f)
    assert err.value.path == str(f) and err.value.line == 3


def test_bad_polarity_has_line(tmp_path) -> None:
    spec = json.loads(json.dumps(SPEC))
    spec["nodes"]["价格"]["价格水平"]["opinions"]["价格偏高"]["polarity"] = "bad"
    f = tmp_path / "tax.json"
    f.write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")
    with pytest.raises(ConfigError, match="polarity must be one of") as err:
        load_taxonomy(f)
    text = f.read_text(encoding="utf-8").splitlines()
    assert "价格偏高" in text[err.value.line - 1]


@pytest.mark.parametrize("spec", [
    [],
    {"nodes": {}},
    {"nodes": {"价格": ["x"]}},
    {"nodes": {"价格": {"价格水平": {"aspects": "价格"}}}},
    {"nodes": {"价格": {"价格水平": {"synonyms": ["价格"]}}}},
])
def test_malformed_specs(spec: object) -> None:
    with pytest.raises(ConfigError):
        load_taxonomy(spec)  # type: ignore[arg-type]


def test_missing_file(tmp_path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_taxonomy(tmp_path / "nope.json")


def test_extend_merges(tax: Taxonomy) -> None:
    t2 = tax.extend({"nodes": {"物流配送": {"配送速度": {"aspects": ["闪送"]}},
                               "其他": {"新组": {"aspects": ["新东西"], "opinions": {
                                   "新好": {"polarity": "positive", "keywords": ["好"]}}}}}})
    assert t2.categorize("闪送", "很慢", "negative") == ("物流配送", "配送速度", "配送慢")
    assert t2.categorize("新东西", "很好", "positive") == ("其他", "新组", "新好")
    assert tax.categorize("闪送", "很慢", "negative") != ("物流配送", "配送速度", "配送慢")  # original untouched
    assert t2.level1 == tax.level1
