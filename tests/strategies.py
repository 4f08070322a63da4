"""Hypothesis strategies shared by the tests: messy customer text."""

from __future__ import annotations

from hypothesis import strategies as st

SIMPLIFIED = "软件网络很好用物流快质量差客服态度不错我们他们的了是系统关系这个发货后来"
TRADITIONAL = "軟體網路記憶體滑鼠很好用物流快質量差客服態度不錯們係統關係這個發貨後來體驗"
CANTONESE = "唔係冇嘅佢哋啲咗嘢喺嚟嗰睇咁點解邊個呢個係咪好似俾"
FULLWIDTH = "ＡＢＣｘｙｚ０１２３４５６７８９！？，。；：（）＜＞＆＃　～．"
PUNCT = "!?.,;:~-—…。，！？、【】「」《》[]()<>&#*=+/ \n\t\r"
ZERO_WIDTH = "\u200b\u200c\u200d\u200e\ufeff\u00ad\u2060\x00\x07\x1b\x7f\u0085\u00a0\u3000\u2028"
EMOJI = ["😡", "👍", "❤️", "😂", "👨\u200d👩\u200d👧", "🇨🇳", "[怒]", "[哈哈]", "[赞]", "[發怒]", "[xyz]"]
HTML_BITS = ["<br>", "<p>", "</p>", "<b>", "<a href='http://x.cn'>", "&amp;", "&lt;", "&gt;",
             "&nbsp;", "&#20320;", "&amp;lt;", "&#x4f60;", "<!-- c -->", "&foo;", "<", ">", "&"]
OTHER = ["e\u0301", "\u2f08", "\uf900", "Å", "①", "™", "13812345678", "010-12345678",
         "https://t.cn/abc?x=1", "www.taobao.com", "订单号123456789012", "400-123-4567",
         "[URL]", "[PHONE]", "[ORDER]", "２０２４", "𠀋", "\U0002f800"]

piece = st.one_of(
    st.text(alphabet=SIMPLIFIED, min_size=1, max_size=6),
    st.text(alphabet=TRADITIONAL, min_size=1, max_size=6),
    st.text(alphabet=CANTONESE, min_size=1, max_size=3),
    st.text(alphabet=FULLWIDTH, min_size=1, max_size=4),
    st.text(alphabet=PUNCT, min_size=1, max_size=3),
    st.text(alphabet=ZERO_WIDTH, min_size=1, max_size=2),
    st.sampled_from(EMOJI),
    st.sampled_from(HTML_BITS),
    st.sampled_from(OTHER),
    # repeated runs: 哈哈哈哈哈, !!!!!, 00000
    st.builds(lambda c, n: c * n, st.sampled_from("哈啊好!！。.~ 0a\n"), st.integers(2, 8)),
    st.text(max_size=3),  # anything at all
)

messy_texts = st.lists(piece, max_size=12).map("".join)
