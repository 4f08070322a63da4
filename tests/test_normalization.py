"""voc.normalize: every stage on real examples, offsets, idempotency, bad input, scale."""

from __future__ import annotations

import itertools
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voc._types import Document
from voc.errors import ConfigError, InputError
from voc.normalization import Normalizer, detect_script

from .strategies import SIMPLIFIED, messy_texts

N = Normalizer()
ALL_ON = Normalizer(cantonese=True, emoji="tag", mask=("url", "phone", "order"))
CONFIGS = [
    Normalizer(),
    ALL_ON,
    Normalizer(emoji="remove", max_repeat=2, region="hk"),
    Normalizer(convert="always", region="cn", width=False, html=False),
    Normalizer(convert="never", max_repeat=0),
]


def raw_of(doc: Document, start: int, end: int) -> str:
    a, b = doc.to_raw(start, end)
    return doc.raw[a:b]


# -- script conversion ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("軟體很好用", "软件很好用"),
        ("網路很慢", "网络很慢"),
        ("滑鼠壞了", "鼠标坏了"),
        ("記憶體不夠", "内存不够"),
        ("這個產品質量很差，客服態度也不好", "这个产品质量很差，客服态度也不好"),
    ],
)
def test_taiwan_phrasing(raw, expected):
    assert N.normalize(raw) == expected


def test_hong_kong_text():
    assert N.normalize("呢部手機嘅質素好差") == "这部手机的质素好差"  # script, then Cantonese forms
    assert Normalizer(cantonese=False).normalize("呢部手機嘅質素好差") == "呢部手机嘅质素好差"  # only the script
    assert Normalizer(region="hk").normalize("軟件更新後，網絡連接好慢") == "软件更新后，网络连接好慢"


def test_simplified_text_is_never_converted():
    # 系/后/发/里/台/干 are simplified characters that t2s-style rules might touch
    for text in ("系统后台发货很快，里面干净", "乾隆皇帝", "著名品牌，着急发货", "头发很干"):
        assert N.normalize(text) == text
        assert N(text).alignment.is_identity


def test_mixed_text_converts_only_traditional_clauses():
    text = "这个系统很好，軟體不錯"
    assert detect_script(text) == "mixed"
    assert N.normalize(text) == "这个系统很好，软件不错"


def test_gbk_misconversion_of_me_is_mended():
    doc = N("这幺小的火龙果，那幺贵")
    assert doc.text == "这么小的火龙果，那么贵"
    assert doc.raw[slice(*doc.to_raw(1, 2))] == "幺"  # one for one
    assert N.normalize("老幺很乖，幺妹") == "老幺很乖，幺妹"  # 幺 as a word stays
    assert Normalizer(convert="never").normalize("这幺小") == "这幺小"


def test_convert_never_and_region_cn():
    assert Normalizer(convert="never").normalize("軟體很好") == "軟體很好"
    assert Normalizer(region="cn").normalize("軟體很好") == "软体很好"  # characters only


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("软件很好用", "simplified"),
        ("軟體很好用", "traditional"),
        ("这个很好，軟體不錯", "mixed"),
        ("你好", "none"),
        ("good 123 👍", "none"),
        ("", "none"),
    ],
)
def test_detect_script(text, script):
    assert detect_script(text) == script


def test_detect_script_rejects_non_text():
    with pytest.raises(InputError):
        detect_script(None)  # type: ignore[arg-type]
    assert detect_script("軟體".encode()) == "traditional"


# -- cantonese ------------------------------------------------------------------


def test_cantonese_sentence():
    c = Normalizer(cantonese=True)
    assert c.normalize("佢哋唔係好鍾意呢個產品，冇咗保養") == "他们不是好钟意这个产品，没有了保养"
    assert c.normalize("我哋係咪要等") == "我们是不是要等"
    assert c.normalize("啲嘢好靚") == "些东西好漂亮"
    assert c.normalize("呢度係香港") == "这里是香港"


def test_cantonese_mapping_leaves_mandarin_alone():
    c = Normalizer(cantonese=True)
    for text in ("没关系，系统正常", "沒關係，係數正確", "今日发货，俾使", "你好呢？这个不错", "关系很好"):
        assert c.normalize(text) == N.normalize(text)
    # 係 next to Cantonese markers becomes 是, but never inside 關係
    assert c.normalize("佢話冇關係") == "他话没有关系"


def test_cantonese_on_by_default_and_can_be_turned_off():
    assert N.normalize("佢唔係") == "他不是"
    assert Normalizer(cantonese=False).normalize("佢唔係") == "佢唔系"


@pytest.mark.parametrize("text", [
    "希望能快点解决", "求快点解决，谢谢", "观点解答", "因举报贪污腐败而家破人亡", "而家庭是根本",
    "唔，送货快，包装也很好", "唔…好吧", "但系统显示已签收", "就系统问题",
])
def test_cantonese_guards_keep_mandarin(text):
    assert N.normalize(text) == Normalizer(cantonese=False).normalize(text)


@pytest.mark.parametrize("raw, expected", [
    ("好用唔好用", "好用不好用"),          # 唔好 + a verb of use is "not good", not "don't"
    ("今晚心情唔好", "今晚心情不好"),
    ("唔好意思，想問下", "不好意思，想问下"),
    ("千祈唔好嚟", "千万不要来"),          # 唔好 alone stays "don't"
    ("真係唔多習慣", "真是不太习惯"),
    ("嘥錢，冇咩特別", "浪费钱，没有什么特别"),
])
def test_cantonese_phrases(raw, expected):
    assert N.normalize(raw) == expected


# -- characters, width, unicode ------------------------------------------------


def test_full_width_convention():
    assert N.normalize("ＶＩＰ会员１２３＃＠ａｂｃ") == "VIP会员123#@abc"
    # Chinese sentence punctuation stays full width
    assert N.normalize("好，很好！真的？是；注：（赠品）") == "好，很好！真的？是；注：（赠品）"
    assert N.normalize("价格＜１００．５") == "价格<100.5"
    assert N.normalize("好｡") == "好。"
    assert Normalizer(width=False).normalize("ＡＢＣ") == "ＡＢＣ"


def test_zero_width_and_control_characters_removed():
    assert N.normalize("好\u200b评\ufeff\u200e！\x00\x07") == "好评！"
    assert N.normalize("soft\u00adhyphen") == "softhyphen"
    # a joiner inside an emoji sequence is kept, a stray one is removed
    family = "👨\u200d👩\u200d👧"
    assert N.normalize(f"全家{family}都喜欢") == f"全家{family}都喜欢"
    assert N.normalize("好\u200d评") == "好评"


def test_safe_unicode_normalisation():
    assert N.normalize("cafe\u0301") == "café"
    assert N.normalize("\u2f08们") == "人们"  # Kangxi radical
    assert Normalizer(convert="never").normalize("\ufa10好") == "\u585a好"  # compat ideograph → 塚
    assert N.normalize("①号™") == "①号™"  # no NFKC: these stay


def test_whitespace():
    assert N.normalize("  好  评 \t\n\n 不错  ") == "好 评\n不错"
    assert N.normalize("好\r\n评") == "好\n评"
    assert N.normalize("好\u3000\u00a0评") == "好 评"


# -- html ---------------------------------------------------------------------


def test_html_tags_and_entities():
    assert N.normalize("<p>好评&amp;推荐</p>") == "好评&推荐"
    assert N.normalize("物流快<br/>包装好") == "物流快\n包装好"
    assert N.normalize("<a href='https://x.cn'>链接</a>") == "链接"
    assert N.normalize("价格&lt;100&nbsp;元&#20320;&#x597d;") == "价格<100 元你好"
    assert N.normalize("&amp;lt;3") == "<3"  # double escaped
    assert N.normalize("AT&T 5<6 &foo;") == "AT&T 5<6 &foo;"  # not markup: kept
    assert N.normalize("<!-- 注释 -->好") == "好"
    assert Normalizer(html=False).normalize("<b>好</b>") == "<b>好</b>"


# -- emoji ------------------------------------------------------------------------


def test_emoji_kept_by_default():
    text = "太差了😡[怒]，👍[哈哈]"
    assert N.normalize(text) == text


def test_emoji_tags_from_table():
    t = Normalizer(emoji="tag")
    assert t.normalize("太差了😡😡") == "太差了[怒][怒]"
    assert t.normalize("[发怒]👍❤️") == "[怒][赞][爱心]"
    assert t.normalize("[怒][哈哈]") == "[怒][哈哈]"
    assert t.normalize("[不认识]") == "[不认识]"  # unknown bracket text is not an emoticon
    assert t.normalize("[發怒]") == "[怒]"  # traditional name converted first


def test_emoji_remove():
    r = Normalizer(emoji="remove")
    assert r.normalize("好评 👍 [赞]！") == "好评 ！"
    assert r.normalize("[不认识]😡") == "[不认识]"


# -- masks ---------------------------------------------------------------------------


def test_masks_off_by_default():
    text = "电话13812345678，见https://t.cn/abc"
    assert N.normalize(text) == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("详情见https://item.taobao.com/item.htm?id=123，谢谢", "详情见[URL]，谢谢"),
        ("官网www.example.com。", "官网[URL]。"),
        ("电话13812345678联系", "电话[PHONE]联系"),
        ("打 +86 138-1234-5678 或 010-12345678", "打 [PHONE] 或 [PHONE]"),
        ("客服400-123-4567", "客服[PHONE]"),
        ("订单号：2024052112345678", "订单号：[ORDER]"),
        ("订单号AB12345678CD", "订单号[ORDER]"),
        ("单号 SF1234567890123 已签收", "单号 [ORDER] 已签收"),
        ("编号 123456789012345", "编号 [ORDER]"),
        ("买了3件，共299元，2024年", "买了3件，共299元，2024年"),
        ("电话１３８１２３４５６７８", "电话[PHONE]"),  # full width first
    ],
)
def test_masks(raw, expected):
    assert ALL_ON.normalize(raw) == expected
    assert ALL_ON.normalize(expected) == expected  # tokens survive a second pass


def test_mask_maps_back_to_the_whole_token():
    doc = Normalizer(mask=["url"])("看https://t.cn/abc好")
    i = doc.text.index("[URL]")
    assert raw_of(doc, i, i + 5) == "https://t.cn/abc"
    assert raw_of(doc, i + 1, i + 3) == "https://t.cn/abc"  # inside a block: the whole block


# -- repeats ---------------------------------------------------------------------


def test_repeats_squeezed():
    assert N.normalize("哈哈哈哈哈哈") == "哈哈哈"
    assert N.normalize("好好好") == "好好好"
    assert N.normalize("太慢了！！！！！！") == "太慢了！！！"
    assert N.normalize("wow!!!!!......") == "wow!!!..."
    assert N.normalize("订单100000000号2333333") == "订单100000000号2333333"  # digits never
    assert Normalizer(max_repeat=1).normalize("哈哈哈！！") == "哈！"
    assert Normalizer(max_repeat=0).normalize("哈哈哈哈哈") == "哈哈哈哈哈"


# -- alignment -------------------------------------------------------------------


def test_to_raw_examples():
    doc = N("記憶體太小了！！！！！")
    assert doc.text == "内存太小了！！！"
    assert raw_of(doc, 0, 2) == "記憶體"
    assert raw_of(doc, 0, 1) == "記憶體"  # inside a phrase rewrite: the whole phrase
    assert raw_of(doc, 2, 4) == "太小"
    assert doc.to_raw(5, 8) == (6, 9)  # the kept 3 of 5 repeats

    doc = N("<b>ＡＢＣ</b>軟體")
    assert doc.text == "ABC软件"
    assert raw_of(doc, 1, 2) == "Ｂ"
    assert raw_of(doc, 3, 5) == "軟體"
    assert doc.to_raw(3, 5) == (10, 12)

    doc = N("  好\u200b评  ")
    assert doc.text == "好评"
    assert doc.to_raw(0, 1) == (2, 3) and doc.to_raw(1, 2) == (4, 5)


def test_phrase_rewrites_map_back_as_blocks():
    doc = N("我的隨身碟和記憶體都壞了，這個滑鼠的解析度不夠")
    assert doc.text == "我的U盘和内存都坏了，这个鼠标的分辨率不够"
    t = doc.text
    assert raw_of(doc, t.index("U盘"), t.index("U盘") + 2) == "隨身碟"
    assert raw_of(doc, t.index("存"), t.index("存") + 1) == "記憶體"  # any part: the whole phrase
    assert raw_of(doc, t.index("和"), t.index("和") + 1) == "和"  # between phrases: exact
    assert raw_of(doc, t.index("坏"), t.index("坏") + 1) == "壞"  # character conversion: exact
    assert raw_of(doc, t.index("标"), t.index("标") + 1) == "滑鼠"  # same length, still a phrase
    assert raw_of(doc, t.index("辨"), t.index("辨") + 1) == "解析度"


def test_every_output_character_has_a_raw_source():
    # Taiwan phrasing may insert characters (萊雅 → 欧莱雅 in OpenCC's tables)
    for text in ("好像跟萊雅洗髮水的味道一樣", "我的隨身碟壞了", "程式設計很難"):
        doc = N(text)
        prev = 0
        for i in range(len(doc.text)):
            a, b = doc.to_raw(i, i + 1)
            assert prev <= a < b <= len(text)
            prev = a


# phrases OpenCC rewrites as a whole (記憶體 → 内存, 萊雅 → 欧莱雅; Hong Kong: 傢俱 → 家具, 沈沒 → 沉没)
TW_PHRASES = (
    "軟體", "記憶體", "滑鼠", "網路", "印表機", "螢幕", "硬碟", "隨身碟", "計程車", "視窗", "程式", "伺服器",
    "資訊", "萊雅", "筆記型電腦", "影印機", "介面", "預設", "解析度", "光碟機", "數據機", "部落格", "簡訊",
    "檔案", "資料庫", "行動電話", "桌上型電腦", "網際網路", "登出", "線上", "離線", "駭客", "奈米", "品質",
)
HK_PHRASES = ("拉鍊", "據瞭解", "沈沒", "傢俱", "藉此機會", "擊沈", "鍊子", "藉條", "沈澱", "乾隆", "鍾馗", "死氣沈沈")


@pytest.mark.parametrize(("region", "config", "phrases"),
                         [("tw", "tw2sp", TW_PHRASES), ("hk", "hk2s", HK_PHRASES)])
def test_adjacent_phrase_rewrites_map_back_each_to_its_own(region, config, phrases):
    # 記憶體滑鼠 → 内存鼠标: 内存 → 記憶體 and 鼠标 → 滑鼠 (not 記憶體滑 and 鼠很)
    conv = opencc.OpenCC(config)
    n = Normalizer(region=region)
    checked = 0
    for first, second in itertools.product(phrases, repeat=2):
        for tail in ("", "很好"):
            raw = first + second + tail
            tokens = [conv.convert(first), conv.convert(second)]
            doc = n(raw)
            if doc.text != "".join(tokens) + conv.convert(tail):
                continue  # OpenCC reads another phrase across the two: nothing to check
            checked += 1
            start = end = 0
            for token in tokens:
                a, b = doc.to_raw(start, start + len(token))
                assert conv.convert(raw[a:b]) == token, (raw, token, raw[a:b])
                assert end <= a, (raw, token, raw[a:b])  # in order, never overlapping
                start, end = start + len(token), b
    assert checked > 0.9 * 2 * len(phrases) ** 2


def test_align_matches_call_and_normalize():
    text = "<p>網路&amp;軟體 ＡＢＣ 哈哈哈哈哈</p>"
    out, al = N.align(text)
    doc = N(text, id=7)
    assert out == doc.text == N.normalize(text)
    assert al == doc.alignment
    assert doc.raw == text and doc.id == 7


HYP = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


@HYP
@given(messy_texts, st.sampled_from(range(len(CONFIGS))))
def test_idempotent(text, k):
    n = CONFIGS[k]
    once = n.normalize(text)
    assert n.normalize(once) == once


def _cantonese_chars() -> set[str]:
    """Characters of the Cantonese table's forms: rewritten in context (唔好 → 不要, same length)."""
    from voc._resources import model_path

    lines = model_path("normalize", "cantonese.tsv").read_text(encoding="utf-8").splitlines()
    return {ch for line in lines if line and not line.startswith("#") for ch in line.split("\t")[0]}


# untouched by every stage in any context
STABLE = set(SIMPLIFIED) - set("系关后发了") - _cantonese_chars()


@HYP
@given(messy_texts, st.sampled_from(range(len(CONFIGS))), st.data())
def test_alignment_properties(text, k, data):
    n = CONFIGS[k]
    doc = n(text)
    assert doc.alignment.out_len == len(doc.text) and doc.alignment.in_len == len(text)
    # any span maps to a valid raw range, monotonically
    if doc.text:
        s = data.draw(st.integers(0, len(doc.text)))
        e = data.draw(st.integers(s, len(doc.text)))
        a, b = doc.to_raw(s, e)
        assert 0 <= a <= b <= len(text)
    prev = 0
    for i, ch in enumerate(doc.text):
        a, b = doc.to_raw(i, i + 1)
        assert prev <= a < b <= len(text)
        prev = a
        # a character that no stage rewrites is found at its raw position
        if b - a == 1 and text[a] in STABLE:
            assert ch == text[a]
    # and every stable raw character left in the text is reachable
    assert doc.to_raw(0, len(doc.text))[1] <= len(text)


# -- inputs, options ----------------------------------------------------------


@pytest.mark.parametrize("bad", [None, 123, 1.5, ["好评"], ("a",), float("nan")])
def test_bad_input(bad):
    with pytest.raises(InputError):
        N.normalize(bad)
    with pytest.raises(InputError):
        N(bad)


def test_bytes_and_empty():
    assert N.normalize("軟體".encode()) == "软件"
    assert N.normalize("好评".encode("gb18030")) == "好评"
    assert N.normalize("") == ""
    doc = N("")
    assert doc.text == "" and doc.alignment.out_len == 0
    assert N.normalize(" \u200b ") == ""


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"convert": "sometimes"}, "convert"),
        ({"region": "mo"}, "region"),
        ({"emoji": "drop"}, "emoji"),
        ({"mask": ["email"]}, "mask"),
        ({"mask": 3}, "mask"),
        ({"max_repeat": -1}, "max_repeat"),
        ({"max_repeat": 2.5}, "max_repeat"),
        ({"cantonese": "yes"}, "cantonese"),
    ],
)
def test_bad_options(kwargs, name):
    with pytest.raises(ConfigError, match=name):
        Normalizer(**kwargs)


def test_mask_accepts_a_single_name_and_params_round_trip():
    n = Normalizer(mask="url")
    assert n.mask == ("url",)
    assert Normalizer(**n.get_params()).get_params() == n.get_params()
    assert "mask=('url',)" in repr(n)


def test_pipe_equals_call():
    texts = ["軟體很好", "", "哈哈哈哈哈", "<b>好</b>"]
    docs = list(N.pipe(texts, batch_size=2))
    assert [d.text for d in docs] == [N(t).text for t in texts]
    assert [d.alignment for d in docs] == [N(t).alignment for t in texts]
    with pytest.raises(InputError):
        list(N.pipe("軟體很好"))
    with pytest.raises(InputError):
        list(N.pipe(["好", None]))


def test_pickle():
    n = Normalizer(cantonese=True, mask=["phone"], emoji="tag")
    n.normalize("预热")
    m = pickle.loads(pickle.dumps(n))
    assert m.get_params() == n.get_params()
    text = "佢話電話13812345678😡"
    assert m.normalize(text) == n.normalize(text)
    doc = N("軟體")
    assert pickle.loads(pickle.dumps(doc)) == doc


def test_thread_safety():
    texts = [f"第{i}條：軟體網路{'哈' * (i % 7)}<br>ＡＢＣ{i}😡" for i in range(400)]
    fresh = Normalizer(emoji="tag")
    serial = [Normalizer(emoji="tag").normalize(t) for t in texts]
    barrier = threading.Barrier(8)

    def work(chunk: int) -> list[str]:
        barrier.wait()
        return [fresh.normalize(t) for t in texts[chunk::8]]

    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(work, range(8)))
    for chunk, res in enumerate(results):
        assert res == serial[chunk::8]


def test_ten_megabytes_runs():
    # a review dump glued into one 10 MB string: mostly plain text, some of everything
    plain = "这个产品质量很好，物流也快，客服态度不错，下次还会再来买的。"
    messy = "軟體很好用！！！！！哈哈哈哈 <b>ＡＢＣ</b> 电话13812345678 &amp; 😡\u200b\n"
    unit = plain * 40 + messy
    text = unit * (10_000_000 // len(unit))
    n = Normalizer(mask=["phone"])
    out = n.normalize(text)
    assert out.startswith(plain) and "软件很好用！！！哈哈哈 ABC 电话[PHONE] & 😡" in out
    out2, al = n.align(text)
    assert out2 == out and al.in_len == len(text)
    # pathological markup: unterminated tags and comments stay linear (bounded patterns)
    weird = ("<a " + "x" * 50 + "<!--") * 20_000
    assert N.normalize(weird).startswith("<a x")
