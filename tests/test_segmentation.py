"""voc.segment: Segmenter (both backends), user dictionaries, clauses, stopwords."""

from __future__ import annotations

import csv
import json
import pickle
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import voc
from voc._types import Document, Span, Token
from voc.errors import ConfigError, InputError
from voc.segmentation import Segmenter, split_clauses, stopwords

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"
GOLDEN = json.loads((HERE / "segment_golden.json").read_text(encoding="utf-8"))
BACKENDS = ["rjieba", "jieba"]


@pytest.fixture(scope="module", params=BACKENDS)
def seg(request: pytest.FixtureRequest) -> Segmenter:
    return Segmenter(backend=request.param).load()


# ----------------------------------------------------------------------------- goldens
@pytest.mark.parametrize("case", GOLDEN, ids=[c["text"][:12] for c in GOLDEN])
def test_golden_cuts(seg: Segmenter, case: dict) -> None:
    # tests/segment_golden.json: VoC sentences with their reviewed cut; both
    # backends must give it (domain dictionary on, HMM on).
    assert seg.cut(case["text"]) == case["cut"]


@pytest.mark.parametrize("case", GOLDEN[:40], ids=[c["text"][:12] for c in GOLDEN[:40]])
def test_span_lists_equal_tokenize(seg: Segmenter, case: dict) -> None:
    # Segmenter._spans is the sentiment scorer's Token-free path: same words, same offsets
    toks = seg.tokenize(case["text"])
    assert seg._spans(case["text"]) == ([t.text for t in toks], [t.start for t in toks], [t.end for t in toks])


def test_domain_dictionary_words_win(seg: Segmenter) -> None:
    words = seg.cut("差评！客服不理人，我要转人工，七天无理由退货，性价比太低")
    for w in ("差评", "客服", "转人工", "性价比"):
        assert w in words


def test_domain_dict_off_uses_plain_jieba() -> None:
    for backend in BACKENDS:
        plain = Segmenter(backend=backend, domain_dict=False)
        assert "转人工" not in plain.cut("我要转人工")


def test_numbers_are_not_split_by_dictionary_numbers(seg: Segmenter) -> None:
    # 12315 is in the domain dictionary (tag only): phone numbers stay whole
    assert "13912315678" in seg.cut("电话13912315678")
    assert [t.pos for t in seg.tokenize("12315") if t.text == "12315"] == ["m"]


# ----------------------------------------------------------------------------- tokens
def test_tokens_cover_text_with_offsets(seg: Segmenter) -> None:
    text = "𠀀好评😀 物流\t很快\r\n12315，Wi-Fi"
    toks = seg.tokenize(text)
    assert "".join(t.text for t in toks) == text
    for t in toks:
        assert text[t.start:t.end] == t.text
    assert toks[0] == Token("𠀀", 0, 1, "x")  # non-BMP: one Python character
    assert Token("😀", 3, 4, "x") in toks


def test_tokens_are_real_tokens(seg: Segmenter) -> None:
    tok = seg.tokenize("物流很快")[0]
    assert type(tok) is Token
    assert tok == Token("物流", 0, 2, "n") and hash(tok) == hash(Token("物流", 0, 2, "n"))
    with pytest.raises(FrozenInstanceError):
        tok.text = "x"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(tok)) == tok


def test_cut_drops_whitespace_tokenize_keeps_it(seg: Segmenter) -> None:
    text = "客服  态度\n差 "
    assert seg.cut(text) == ["客服", "态度", "差"]
    toks = seg.tokenize(text)
    assert [t.text for t in toks if not t.text.isspace()] == seg.cut(text)
    assert all(t.pos == "x" for t in toks if t.text.isspace())
    assert seg.cut("") == [] and seg.tokenize("") == []
    assert seg.cut(" \n ") == []


def test_pos_tags(seg: Segmenter) -> None:
    tags = {t.text: t.pos for t in seg.tokenize("性价比很高，物流很慢，iPhone不错")}
    assert tags["性价比"] == "n"
    assert tags["很"] == "d"  # jieba's dictionary says zg; fixed by the domain dictionary
    assert tags["iPhone"] == "eng"
    assert tags["，"] == "x"
    assert all(t.pos == "" for t in seg.tokenize("物流很慢", pos=False))


text_chars = st.sampled_from(list("物流很快好评差客服转人工不没太的了，。！？ \n\tabcAB1.-9😀👍🏻𠀀ｱ\u3000"))


@given(st.lists(text_chars, max_size=40).map("".join))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_tokens_concatenate_to_text(seg: Segmenter, text: str) -> None:
    toks = seg.tokenize(text)
    assert "".join(t.text for t in toks) == text
    pos = 0
    for t in toks:
        assert (t.start, t.end) == (pos, pos + len(t.text)) and t.text
        pos = t.end
    assert [t.text for t in toks if not t.text.isspace()] == seg.cut(text)


# ----------------------------------------------------------------------------- dictionaries
def test_user_words_file(tmp_path: Path) -> None:
    p = tmp_path / "user.txt"
    p.write_text("\ufeff# my words\n耳机壳 3000 n\n\n充电仓 nz\n漏音\n", encoding="utf-8")
    for backend in BACKENDS:
        seg = Segmenter(backend=backend, user_words=p)
        toks = seg.tokenize("耳机壳裂了，充电仓漏音")
        assert [t.text for t in toks][:3] == ["耳机壳", "裂", "了"]
        tags = {t.text: t.pos for t in toks}
        assert tags["耳机壳"] == "n" and tags["充电仓"] == "nz" and tags["漏音"] == "nz"


def test_user_words_list_and_tuples() -> None:
    for backend in BACKENDS:
        seg = Segmenter(backend=backend, user_words=["耳机壳 3000 n", ("充电仓", None, "n"), ("漏音",)])
        assert seg.cut("耳机壳裂了，充电仓漏音") == ["耳机壳", "裂", "了", "，", "充电仓", "漏音"]
        gen = Segmenter(backend=backend, user_words=(w for w in ["充电仓"]))
        assert "充电仓" in gen.cut("充电仓坏了") and "充电仓" in gen.cut("充电仓坏了")


@pytest.mark.parametrize("line", ["耳机壳 abc n", "耳机壳 3000 n extra", "耳机壳 -5", "耳机壳 0 n",
                                  "耳机壳 3000 名词"])
def test_malformed_user_dict_line_names_file_and_line(tmp_path: Path, line: str) -> None:
    p = tmp_path / "bad.txt"
    p.write_text(f"好词 100 n\n# comment\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Segmenter(user_words=p).load()
    assert info.value.path == str(p) and info.value.line == 3
    assert str(p) in str(info.value) and ":3:" in str(info.value)


def test_bad_user_dict_sources(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        Segmenter(user_words=tmp_path / "missing.txt").load()
    bad = tmp_path / "gbk.txt"
    bad.write_bytes("好词 100 n\n耳机壳\n".encode("gb18030"))
    with pytest.raises(ConfigError) as info:
        Segmenter(user_words=bad).load()
    assert info.value.line == 1
    with pytest.raises(ConfigError, match=r"user_words\[1\]"):
        Segmenter(user_words=["好词", ("a b", 3)]).load()
    with pytest.raises(ConfigError, match=r"user_words\[0\]"):
        Segmenter(user_words=[123]).load()
    with pytest.raises(ConfigError):
        Segmenter(user_words=42).load()  # type: ignore[arg-type]


def test_add_word_does_not_leak() -> None:
    import jieba
    import rjieba

    for backend in BACKENDS:
        a, b = Segmenter(backend=backend), Segmenter(backend=backend)
        before = b.cut("耳机壳裂了")
        a.add_word("耳机壳", 3000, "n")
        assert a.cut("耳机壳裂了")[0] == "耳机壳"
        assert b.cut("耳机壳裂了") == before and "耳机壳" not in before
        assert Segmenter(backend=backend).cut("耳机壳裂了") == before
    assert not rjieba.has_word("耳机壳")  # rjieba's module-level instance
    assert "耳机壳" not in jieba.dt.FREQ  # jieba's global tokenizer


def test_add_word_before_and_after_load_and_tag_only() -> None:
    for backend in BACKENDS:
        seg = Segmenter(backend=backend)
        seg.add_word("耳机壳", 3000)  # recorded before the engine exists
        assert seg.cut("耳机壳裂了")[0] == "耳机壳"
        seg.add_word("物流", pos="nz")  # known word, no freq: tag only
        assert seg.tokenize("物流很快")[0] == Token("物流", 0, 2, "nz")
        assert seg.cut("物流很快") == ["物流", "很快"]


@pytest.mark.parametrize("args", [("",), (" 空格",), ("词", -1), ("词", 1.5), ("词", None, "名词"), (None,)])
def test_add_word_bad_input(args: tuple) -> None:
    with pytest.raises(InputError):
        Segmenter().add_word(*args)


# ----------------------------------------------------------------------------- state
def test_pickle_round_trip(tmp_path: Path) -> None:
    p = tmp_path / "user.txt"
    p.write_text("充电仓 3000 n\n", encoding="utf-8")
    text = "耳机壳和充电仓都坏了，要求退货"
    for backend in BACKENDS:
        unbuilt = pickle.loads(pickle.dumps(Segmenter(backend=backend, user_words=p, hmm=False)))
        seg = Segmenter(backend=backend, user_words=p, hmm=False)
        seg.add_word("耳机壳", 3000, "n")
        expected = seg.tokenize(text)
        assert unbuilt.tokenize(text) == Segmenter(backend=backend, user_words=p, hmm=False).tokenize(text)
        p.unlink()  # a built Segmenter pickles the parsed entries, not only the path
        loaded = pickle.loads(pickle.dumps(seg))
        assert loaded._engine is None  # engine rebuilt lazily
        assert loaded.tokenize(text) == expected
        assert (loaded.backend, loaded.hmm, loaded.domain_dict) == (backend, False, True)
        p.write_text("充电仓 3000 n\n", encoding="utf-8")


def test_a_traditional_user_word_matches_normalised_text():
    """Text is segmented after normalisation: 耳機殼 must also be known as 耳机壳 (and still as itself)."""
    seg = Segmenter(user_words=["耳機殼 2000 n"])
    assert "耳机壳" in seg.cut(voc.normalize("我的耳機殼裂了"))
    assert "耳機殼" in seg.cut("我的耳機殼裂了")
    added = Segmenter()
    added.add_word("耳機殼", 2000, "n")
    assert "耳机壳" in added.cut("我的耳机壳裂了")


def test_pickled_before_use_carries_the_user_words(tmp_path: Path) -> None:
    """Pickled before its first use (a Pipeline shipped to Spark workers), a Segmenter with a
    user-word file carries the words, so it segments the same where the file is absent."""
    import voc

    p = tmp_path / "user.txt"
    p.write_text("耳机壳 2000 n\n", encoding="utf-8")
    text = "耳机壳和充电仓都坏了"
    for backend in BACKENDS:
        expected = Segmenter(backend=backend, user_words=p).tokenize(text)
        cold = pickle.dumps(Segmenter(backend=backend, user_words=p))
        pipe = pickle.dumps(voc.Pipeline(steps="segment", components={"segment": Segmenter(backend=backend,
                                                                                           user_words=p)}))
        p.unlink()  # the worker does not have the file
        assert pickle.loads(cold).tokenize(text) == expected
        assert [t.text for t in pickle.loads(pipe)(text).tokens] == [t.text for t in expected]
        # a file missing when pickling keeps the path: the error still names it on use
        with pytest.raises(ConfigError, match="user.txt"):
            pickle.loads(pickle.dumps(Segmenter(backend=backend, user_words=p))).cut(text)
        p.write_text("耳机壳 2000 n\n", encoding="utf-8")


def test_threads_equal_serial(seg: Segmenter) -> None:
    texts = [c["text"] for c in GOLDEN] * 8
    random.Random(0).shuffle(texts)
    serial = [seg.tokenize(t) for t in texts]
    fresh = Segmenter(backend=seg.backend)  # lazy load raced by 8 threads
    with ThreadPoolExecutor(8) as ex:
        assert list(ex.map(seg.tokenize, texts)) == serial
        assert list(ex.map(fresh.tokenize, texts)) == serial


def test_bad_input(seg: Segmenter) -> None:
    for bad in (None, 123, ["物流"], float("nan")):
        with pytest.raises(InputError):
            seg.cut(bad)  # type: ignore[arg-type]
        with pytest.raises(InputError):
            seg.tokenize(bad)  # type: ignore[arg-type]
    assert seg.cut("好评".encode()) == ["好评"]
    with pytest.raises(InputError):
        seg("好评")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        list(seg.pipe("好评"))  # type: ignore[arg-type]
    with pytest.raises(InputError):
        list(seg.pipe([], batch_size=0))


def test_bad_options() -> None:
    with pytest.raises(ConfigError, match="backend"):
        Segmenter(backend="pkuseg").cut("好评")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="hmm"):
        Segmenter(hmm="yes").cut("好评")  # type: ignore[arg-type]


def test_call_and_pipe(seg: Segmenter) -> None:
    docs = [Document.from_text(c["text"], id=i) for i, c in enumerate(GOLDEN[:10])]
    out = list(seg.pipe(iter(docs), batch_size=3))
    assert out == [seg(d) for d in docs]
    assert all(d.tokens is None for d in docs)  # inputs not mutated
    assert list(out[0].tokens) == seg.tokenize(docs[0].text)
    assert out[3].id == 3 and isinstance(out[3].tokens, tuple)


# ----------------------------------------------------------------------------- agreement
def _real_texts(n: int) -> list[str]:
    rows: list[str] = []
    for name in ("online_shopping_9cats.csv", "waimai.csv"):
        with open(DATA / "sentiment" / name, encoding="utf-8", newline="") as f:
            rows += [r["review"] for r in csv.DictReader(f) if r.get("review")]
    random.Random(1).shuffle(rows)
    return rows[:n]


@pytest.mark.data
@pytest.mark.skipif(not (DATA / "sentiment").exists(), reason="needs ../shared/data")
def test_backends_agree_on_real_reviews() -> None:
    texts = _real_texts(3000)
    fast, ref = Segmenter(), Segmenter(backend="jieba")
    same = sum(fast.cut(t) == ref.cut(t) for t in texts)
    assert same / len(texts) >= 0.99, f"{same}/{len(texts)} texts agree"


# ----------------------------------------------------------------------------- clauses
def test_split_clauses_delimiters_attached() -> None:
    text = "物流很快！客服态度差😡\n不会再买了。。。 价格1.5元,1,000个~还行"
    spans = split_clauses(text)
    assert [s.text for s in spans] == ["物流很快！", "客服态度差😡", "不会再买了。。。", "价格1.5元,", "1,000个~", "还行"]
    for s in spans:
        assert isinstance(s, Span) and text[s.start:s.end] == s.text


def test_split_clauses_edges() -> None:
    assert split_clauses("") == [] and split_clauses(" ，，\n ") == []
    assert [s.text for s in split_clauses("，，好评！")] == ["好评！"]
    assert [s.text for s in split_clauses("😡😡垃圾")] == ["😡😡", "垃圾"]
    # a ZWJ family emoji and a skin-toned thumb stay whole
    assert [s.text for s in split_clauses("好👨‍👩‍👧赞👍🏻！再来")] == ["好👨‍👩‍👧", "赞👍🏻！", "再来"]
    assert [s.text for s in split_clauses("t.cn链接;Wi-Fi差? 3~5天")] == ["t.cn链接;", "Wi-Fi差?", "3~5天"]
    assert [s.text for s in split_clauses("好、快、省")] == ["好、", "快、", "省"]
    with pytest.raises(InputError):
        split_clauses(None)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- stopwords
def test_stopwords() -> None:
    sw = stopwords()
    assert isinstance(sw, frozenset) and sw is stopwords()
    assert {"的", "了", "我们", "，", "#"} <= sw
    keep = {"不", "没", "没有", "别", "很", "太", "非常", "有点", "但是", "不过", "却", "难道", "居然", "比"}
    assert not keep & sw
    assert all(w == w.strip() and w for w in sw)
