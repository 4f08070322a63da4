"""Words for topic modelling: voc's normaliser and segmenter, minus noise.

Topics are about *what* people talk about, so the analyser keeps content
words: it drops punctuation, numbers, voc's stopwords, and single characters
that are particles or pronouns. Negations and degree words (不, 没, 太) are
dropped too: they carry sentiment, not topic (sentiment is reported beside
each node instead). Phrases for labels are built separately from the full
token sequence (:func:`clause_tokens`), where 没 and 不 are kept
("退款没到账").
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

__all__ = ["Analyzer", "clauses"]

_PUNCT_OR_NUM = re.compile(r"^[\W\d_a-zA-Z]*$|^[\d.,%]+\w?$")
_HAS_CJK_OR_ALPHA = re.compile(r"[\u4e00-\u9fffA-Za-z]")
# bracketed placeholders and emoticon tags: masked data ([订单x], [数字x], [PHONE]) and [哈哈]
_BRACKETED = re.compile(r"\[[^\[\]\s]{1,16}\]|【[^【】]{0,16}】")

# Function words that segmenters keep as tokens and that stopword lists often
# miss in customer text ("的话", "一下"); topic-neutral evaluative words that
# dominate reviews of every product ("不错", "很好") are kept out of the
# topic features as well, since they would pull every cluster together.
_EXTRA_STOP = frozenset(
    """的 了 着 过 吗 呢 吧 啊 呀 哦 哈 嘛 啦 哟 喔 噢 嗯 么 之 与 及 和 跟 同 或 而 且 但 但是 不过 可是 然而
    所以 因为 如果 虽然 就是 还是 而且 并且 然后 一下 一点 一些 有点 有些 的话 这个 那个 这样 那样 这么 那么
    什么 怎么 怎么样 为什么 自己 我们 你们 他们 她们 它们 大家 我 你 他 她 它 您 咱 咱们 这 那 哪 谁 是 在 有 也
    都 就 还 又 再 很 太 挺 蛮 非常 特别 比较 真的 真是 实在 确实 十分 极 最 更 好 好好 不 没 没有 别 被 把 给
    让 对 向 从 到 为 以 于 用 等 会 能 可以 要 想 说 看 去 来 做 上 下 里 中 后 前 个 件 次 些 点 这种 那种
    已经 一直 一个 一次 两个 感觉 觉得 知道 应该 可能 一样 还有 比 才 只 只是 总是 东西 问题 时候 现在 之后
    以后 今天 昨天 一般 其他 其实 不是 就是说 而已 哈哈 哈哈哈 呵呵 嘿嘿 亲 您好 你好 谢谢 好的 嗯嗯 请问
    不错 很好 满意 喜欢 好评 差评 推荐 非常好 还好 还行 可以 垃圾 失望 一般般 挺好 很差 好用 不好 不行
    行 对的 是的 OK ok 未 无 非
    明白 多谢 感谢 谢谢您 麻烦 麻烦您 不用 没事 不好意思 抱歉 辛苦 辛苦了 拜拜 再见 美女 老哥 亲亲 在吗 在不在
    有没有 是不是 怎么办 我要 我想 问下 问一下 请问一下 帮忙 帮我 您好 你好呀 好滴 嗯嗯嗯 哦哦 恩 恩恩 okay
    知道了 收到了 好吧 行吧 可以吗 能不能 是吗 对吗 吗 呀 哈哈哈哈 nihao 那个 这边 那边 您 稍等
    太差 很差 差劲 太差劲 不值 不值得 值得 上当 后悔 坑 坑人 骗人 骗子 失望 很失望 太失望 不满意 不怎么样
    很棒 超棒 棒棒 好棒 给力 很赞 赞 点赞 完美 无语 郁闷 生气 气人 恶心 糟糕 差差 不推荐 强烈推荐 再也不 再也
    超级 特别 非常满意 很满意 挺不错 还不错 真不错 不错不错 好好 很好很好 超好 特好 蛮好 挺好的 一般般 凑合 还凑合
    很一般 太一般 好用 很好用 挺好用 不好用 难用 五星 五星好评 一星 好评如潮
    还可以 可以的 不知道 还行吧 还好吧 没问题 没毛病 很不错 不太好 不太 太好了 挺好用的 也好 也不错""".split()
)


class Analyzer:
    """Turns raw texts into topic words with voc's Normalizer and Segmenter.

    Built lazily and shared read-only after construction (the engines are
    loaded once under a lock), so one analyser can serve many threads.
    Picklable: only the options travel.
    """

    def __init__(self, *, min_chars: int = 1, extra_stopwords: Iterable[str] = ()) -> None:
        self.min_chars = min_chars
        self.extra_stopwords = frozenset(extra_stopwords)
        self._lock = threading.Lock()
        self._engines: tuple[Any, Any, frozenset[str]] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"min_chars": self.min_chars, "extra_stopwords": sorted(self.extra_stopwords)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def _load(self) -> tuple[Any, Any, frozenset[str]]:
        engines = self._engines
        if engines is None:
            with self._lock:
                if self._engines is None:
                    from ..normalization import Normalizer

                    from ..segmentation import Segmenter, stopwords

                    seg = Segmenter()
                    stop = frozenset(stopwords())
                    self._engines = (Normalizer(), seg, stop | _EXTRA_STOP | self.extra_stopwords)
                engines = self._engines
        return engines  # type: ignore[return-value]

    @property
    def stopwords(self) -> frozenset[str]:
        """Words never used as topic features."""
        return self._load()[2]

    def normalize(self, text: str) -> str:
        return self._load()[0].normalize(text)

    def cut(self, text: str) -> list[str]:
        """All words of the normalised text (punctuation included)."""
        norm, seg, _ = self._load()
        return seg.cut(norm.normalize(text))

    def analyze(self, texts: Iterable[str], *, keep_tokens: bool = True) -> tuple[list[list[str]], list[list[str]]]:
        """For each text: its content words (topic features) and all its words.

        The per-word keep/drop decision is memoised for the call only (no
        state outlives it), which makes this several times faster than a
        word-by-word filter on large batches.
        """
        norm, seg, stop = self._load()
        keep: dict[str, str | None] = {}
        content: list[list[str]] = []
        allwords: list[list[str]] = []
        for text in texts:
            toks = seg.cut(_BRACKETED.sub("，", norm.normalize(text)))
            ws = []
            for w in toks:
                k = keep.get(w, "")
                if k == "":
                    k = keep[w] = self._keep(w, stop)
                if k is not None:
                    ws.append(k)
            content.append(ws)
            if keep_tokens:
                allwords.append(toks)
        return content, allwords

    def tag(self, texts: Iterable[str]) -> list[list[tuple[str, str]]]:
        """``(word, pos)`` pairs of each normalised text (for label phrases)."""
        norm, seg, _ = self._load()
        return [[(t.text, t.pos) for t in seg.tokenize(_BRACKETED.sub("，", norm.normalize(text)), pos=True)]
                for text in texts]

    def _keep(self, w: str, stop: frozenset[str]) -> str | None:
        w2 = w.strip().lower()
        if (not w2 or w2 in stop or w.strip() in stop or len(w2) < self.min_chars
                or not _HAS_CJK_OR_ALPHA.search(w2) or _PUNCT_OR_NUM.match(w2) and not w2.isalpha()):
            return None
        return w2


def clauses(words: list[str]) -> list[list[str]]:
    """Split a word sequence at punctuation and spaces into clause runs.

    >>> clauses(["物流", "很", "慢", "，", "客服", "不", "理"])
    [['物流', '很', '慢'], ['客服', '不', '理']]
    """
    out: list[list[str]] = [[]]
    for w in words:
        w = w.strip()
        if not w or not _HAS_CJK_OR_ALPHA.search(w):
            if out[-1]:
                out.append([])
            continue
        out[-1].append(w)
    if not out[-1]:
        out.pop()
    return out
