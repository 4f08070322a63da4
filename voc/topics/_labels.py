"""Node labels: short key phrases a person would write, chosen per node.

Candidates are runs of one to four words inside one clause that start with a
noun, verb or adjective and end with a content word, and contain a noun or a
two-character verb (屏幕/有/划痕 → 屏幕有划痕; 退款/未/到账 → 退款未到账;
修改/收货/地址 → 修改收货地址), two to eight characters long. Adverbs,
pronouns, particles and numbers never start or end a phrase, so "越来越" and
"还可以" are never labels.

Inside a phrase, degree and linking adverbs are dropped and a degree word
glued to its adjective is cut off (物流也非常快 → 物流快, 发货很慢 → 发货慢),
so the many ways of saying one thing count as one phrase; negations stay
(退款一直没到账 → 退款没到账), and no phrase starts on a predicate right after
a negation (不支持群发 never yields 支持群发) nor on a vague word (问客服,
牌子的洗发水). :func:`opposed` tells phrases that say opposite things
(待机时间长 / 待机时间短), which never share a family below level 1. Generic words (图片, 人生, 楼主, 朋友 …) are
never a label alone, though a phrase may start with them (图片与实物不符);
broad words (质量, 服务, 效果) need a second word.

A phrase scores by how much more often the node's texts use it than the
texts of its siblings: ``p_in · log(p_in / p_out)`` (the phrase's share of
the KL divergence between the node and its context), times a bonus per extra
content word, so "修改地址" beats "地址" when a good part of the node says it.
Below level 1 the lift is capped (at 20×), so coverage decides among
clearly distinctive phrases: what most of a node's texts say names it, not
a phrase three of its hundreds of texts use. :meth:`PhraseTable.focus` measures
how much of a node its commonest distinctive phrase covers; the tree names
nodes where that is a few percent as catch-alls ("<parent>·其他", 其他话题)
instead of with a misleading word.
A one-word winner is then replaced by the most frequent phrase of the node
that starts or ends with it when enough texts use one (头皮屑 → 头皮屑多, 噪音 →
噪音大, 发票 → 修改发票), else joined with the node's next key term when
texts write the pair verbatim (:func:`compose`: 会员 + 续费 → 会员续费), or
followed by a predicate its texts say right after it (:func:`attach`: 平板 +
运行流畅); a piece of an ancestor's label is never a child's label, unless
half the child's texts say it and the best other phrase covers under a
quarter (裤子 under 裤子质量). A phrase never starts on a finished action
(洗完头发 says when, not what).

Consultations ask: a question word followed by a verb or noun is a
candidate too (什么时候 + 发货 → 什么时候发货, 怎么 + 申请退货), and no phrase
ends on a verb that needs more (裤子穿, 衣服收到, 如何申请).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["GENERIC_WORDS", "PhraseTable", "attach", "clause_strings", "compose", "opposed", "opposites",
           "phrases_of", "says"]

MAX_CHARS = 8
MAX_WORDS = 4

_NOUN = ("n", "vn", "nz", "eng", "j", "an", "nr", "ns", "nt", "ng")
_CONTENT = ("n", "v", "a", "vn", "an", "nz", "eng", "i", "l", "j", "ad", "ng", "nr", "ns", "nt", "z", "b")
_NEVER_EDGE = ("d", "r", "u", "p", "c", "m", "q", "f", "t", "y", "e", "o", "x", "w", "uj", "ul", "zg", "s", "k", "h")
_STOP_HEADS = frozenset("""是 有 在 要 会 能 说 用 买 让 给 把 被 对 没 不 好 看 想 去 来 做 到 得 弄 搞 觉得 感觉 知道 希望 觉 就是 还是 可以 应该 不到 不了 出现 发现 结果 几天 第一次 真心 越来越 还可以 出来 起来 下来 上来 过来 多少 一下 差不多 左右 目前 个人 建议 问题 情况 东西 时候 地方 意思 需要 打扰 当时 具体 属于 事情 办法 样子 想要 之前 之后 提前 方面 一点 有点 原因 方式 楼主 朋友 看到 不能 卡是 不想 不要 不会""".split())
# Words too generic to be a label alone, though a phrase may start with them (图片与实物不符).
_GENERIC_ALONE = frozenset("""图片 人生 这家 估计 相信 各位 大家 本人 亲们 下次 第二次 以前 以后 平时 当初 那天
    上次 这次 总体 整体 总的来说 其次 首先 最后 另外 只是 谢谢 中国 中国人 家人 帮别人
    女儿 儿子 老公 老婆 妈妈 同事 别人 车主 亲 楼上 自己人 人们 有人 网友 纠结 考虑 打算 直接""".split())
# Broad words: fine keywords, but a label needs more than the bare word (质量差, 服务态度好).
_BROAD_ALONE = frozenset("孩子 宝宝 时间 价值 实用 材料 各种 所有 一定 不同 很多 更好 足够 显示 效果 质量 服务 收到 使用 购买".split())

# Words that only intensify or link inside a phrase: dropped there, so "物流也很快" and "物流非常快"
# both count as 物流快, and "退款一直没到账" as 退款没到账 (negations stay).
_INNER_DROP = frozenset("就是 很 太 非常 特别 比较 挺 蛮 超 超级 十分 相当 极其 有点 有些 更 最 也 都 还 就 又 真 真的 "
                        "实在 确实 已经 总是 一直 老是 还是 居然 竟然 简直 稍微 略 较 好像 似乎 有些许".split())
# Question words that open a consultation phrase (什么时候发货, 怎么截屏, 如何申请退货), in one spelling each;
# modal verbs right after them are dropped there (什么时候能发货 → 什么时候发货).
_QUESTION = {"什么时候": "什么时候", "啥时候": "什么时候", "几时": "什么时候", "怎么": "怎么", "怎样": "怎么",
             "怎么样": "怎么", "如何": "如何", "多久": "多久", "为什么": "为什么", "为啥": "为什么",
             "哪里": "哪里", "在哪": "哪里", "在哪里": "哪里"}
_MODAL = frozenset("能 可以 会 才能 才 要 需要 能够 可 得".split())
# Words a phrase never ends on: the phrase would stop mid-thought (裤子穿, 衣服收到, 苹果收到), and
# modal and auxiliary verbs (收件地址我能否, 多久钱才能).
_NO_END = (frozenset("收到 收 穿 洗 用 买 购买 拿到 到手 看 吃 感觉 觉得 发现 试 试试 拿 送 穿着 用着 用过 用了".split())
           | _MODAL | frozenset("能否 可否 是否 应该 想 想要".split()))
# Verbs that need their object before a question phrase ends (如何申请 → 如何申请退货).
_LIGHT_VERBS = frozenset("申请 办理 进行 弄 搞 做 办 开 查 改 处理 操作 联系 解决".split())
# Negations: a predicate right after one is never the start of a phrase (不支持群发 ≠ 支持群发).
_NEGATION = frozenset("不 没 没有 无 未 别 不能 不会 不太 不够 并不 从不 从未".split())
# Words that make a vague start: 牌子的洗发水 says no more than 洗发水, 问客服 no more than 客服.
# 人: 没人处理 gives no 人处理; 所谓: 所谓的原厂机油 says no more than 原厂机油
_VAGUE_START = frozenset("问 找 牌子 品牌 这款 那款 人 所谓".split())
# Counted amounts (三个, 一条, 两斤): never a partner in a joined label (三个火龙果).
_NUMERAL = re.compile(r"^[\d一二三四五六七八九十两几半每]+[个只条件斤箱盒瓶袋本次天块元]?$")
# One-character adjectives a degree word is glued to even where the tagger calls the pair a noun (太差).
_ONE_CHAR_ADJ = frozenset("差好快慢贵大小多少烂棒")
# only prefixes that never start a word of their own (not 更/最/超: 更新, 最后, 超市)
_DEGREE_PREFIX = ("非常", "特别", "比较", "超级", "十分", "相当", "有点", "很", "太", "挺", "蛮")


# Opposite predicates: phrases that differ by one of these say opposite things (待机时间长 / 待机时间短).
_ANTONYMS = (("长", "短"), ("快", "慢"), ("好", "差"), ("好", "坏"), ("大", "小"), ("高", "低"), ("多", "少"),
             ("贵", "便宜"), ("新", "旧"), ("强", "弱"), ("厚", "薄"), ("硬", "软"), ("轻", "重"), ("早", "晚"),
             ("真", "假"), ("正品", "假"), ("清晰", "模糊"), ("流畅", "卡"), ("满意", "失望"), ("亮", "暗"))
# Words whose characters are no predicate (快递 is not 快, 小哥 not 小): masked before looking for opposites.
_NOT_PREDICATE = ("快递", "大家", "小哥", "小孩", "小时", "大小", "长短", "多少", "好评", "差评", "差价", "高端",
                  "小米", "长城", "好友", "真的", "正品", "假货", "卡片", "信用卡", "会员卡", "好处", "大概", "早上",
                  "晚上", "重新", "新鲜", "多久")
_NEG_CHARS = "不没无未"
_DROP_RE = re.compile("|".join(sorted(_INNER_DROP | set(_DEGREE_PREFIX), key=len, reverse=True)))
_CLAUSE_RE = re.compile(r"[\s，,。.!！?？~～、；;：:…]+")


def opposed(a: str, b: str) -> bool:
    """Whether two phrases say opposite things: one negated and not the other, or antonym predicates.

    Phrases of one topic that differ this way never join one family
    (待机时间长 and 待机时间短, 物流快 and 物流慢, 有赠品 and 没有赠品).

    >>> opposed("待机时间长", "电池待机时间短"), opposed("物流快", "快递慢"), opposed("物流快", "送货快")
    (True, True, False)
    >>> opposed("支持短信群发", "不支持短信群发"), opposed("快递小哥", "快递员")
    (True, False)
    """
    pa, pb = a, b
    for w in _NOT_PREDICATE:
        pa, pb = pa.replace(w, "\x00"), pb.replace(w, "\x00")
    if any(c in pa for c in _NEG_CHARS) != any(c in pb for c in _NEG_CHARS):
        return True
    for x, y in _ANTONYMS:
        for u, v in ((pa, pb), (pb, pa)):
            if x in u and y in v and x not in v and y not in u:
                return True
    return False


def opposites(predicate: str) -> list[str]:
    """Ways of saying the opposite of ``predicate`` (差 → 好, 不错; 快 → 慢; 有 → 没有).

    >>> opposites("差"), opposites("慢")
    (['好', '不差', '没差', '不错'], ['快', '不慢', '没慢'])
    """
    out = [predicate.replace(x, y) if x in predicate else predicate.replace(y, x)
           for x, y in _ANTONYMS if (x in predicate) != (y in predicate)]
    out = [o for o in dict.fromkeys(out) if o != predicate]
    if predicate[:1] in _NEG_CHARS:
        out.append(predicate.lstrip(_NEG_CHARS + "有"))
    else:
        out += ["不" + predicate, "没" + predicate]
    if predicate.endswith(("差", "坏")):
        out.append("不错")
    return [o for o in out if o]


def says(text: str, phrase: str) -> bool:
    """Whether ``text`` writes ``phrase``, degree and linking words aside (物流快 in "物流也很快").

    >>> says("物流也很快，东西不错", "物流快"), says("物流慢", "物流快"), says("能改下收货地址吗", "收货地址")
    (True, False, True)
    >>> says("屏幕有划痕，太失望了", "屏幕有划痕失望")   # within one clause
    False
    """
    if not phrase:
        return False
    if phrase in text:
        return True
    return any(phrase in _DROP_RE.sub("", c) for c in _CLAUSE_RE.split(text.lower()))


GENERIC_WORDS = _STOP_HEADS | _GENERIC_ALONE  # never keywords
_NOT_ALONE = GENERIC_WORDS | _BROAD_ALONE  # never a one-word label


def _is_content(word: str, pos: str) -> bool:
    return pos.startswith(_CONTENT) and not pos.startswith(_NEVER_EDGE) and word not in _STOP_HEADS


def phrases_of(tokens: Sequence[tuple[str, str]], stop: frozenset[str],
               ends: dict[str, str] | None = None) -> dict[str, int]:
    """Distinct label candidates of one text, from ``(word, pos)`` pairs, with their word counts.

    ``ends``, when given, receives the part of speech of each candidate's
    last word (a predicate ends on an adjective or verb: 运行流畅, 个头小).

    >>> sorted(phrases_of([("屏幕", "n"), ("有", "v"), ("划痕", "n")], frozenset()).items())
    [('划痕', 1), ('屏幕', 1), ('屏幕有划痕', 2)]
    """
    out: dict[str, int] = {}
    clause: list[tuple[str, str]] = []
    for w, p in list(tokens) + [("。", "x")]:
        w = w.strip()
        if not w or p == "x" or not any(c.isalnum() for c in w):
            _clause_phrases(clause, stop, out, ends)
            clause = []
        elif w == "时候" and clause and clause[-1][0] == "什么":
            clause[-1] = ("什么时候", "Q")
        elif w in _QUESTION:
            clause.append((_QUESTION[w], "Q"))
        elif clause and clause[-1][1] == "Q" and w in _MODAL:
            continue
        elif w not in _INNER_DROP:
            clause.append(_compact(w.lower(), p))
    return out


def clause_strings(tokens: Sequence[tuple[str, str]]) -> list[str]:
    """The clauses of one text as phrases see them: degree and linking words dropped, degree cut off.

    >>> clause_strings([("会员", "n"), ("怎么", "r"), ("续费", "v"), ("，", "x"), ("物流", "n"), ("很慢", "d")])
    ['会员怎么续费', '物流慢']
    """
    out: list[str] = []
    clause: list[str] = []
    for w, p in list(tokens) + [("。", "x")]:
        w = w.strip()
        if not w or p == "x" or not any(c.isalnum() for c in w):
            if clause:
                out.append("".join(clause))
            clause = []
        elif w not in _INNER_DROP:
            clause.append(_compact(w.lower(), p)[0])
    return out


def compose(head: str, partners: Sequence[str], clauses: Sequence[Sequence[str]], *,
            min_count: int = 3, min_share: float = 0.15, verbatim: int = 2) -> str | None:
    """The head word joined with the partner that shares most of its clauses, in their usual order.

    For a node whose best phrase is a single word (会员, 火龙果), the node's
    other key terms are tried as partners: the one found in the same clause
    as the head most often (at least ``min_count`` texts and ``min_share`` of
    the texts whose clauses hold the head) joins it, before or after as the
    texts usually put it (会员 + 续费 → 会员续费, 火龙果 + 小 → 火龙果小), and
    only when at least two texts write the joined form verbatim, so two
    unrelated words are never glued together. Words that share a character
    with the head (价格/涨价) are never joined.
    ``clauses`` holds, per text of the node, its :func:`clause_strings`.

    >>> cl = [["会员怎么续费"], ["会员续费多少钱"], ["开通会员"], ["会员续费"]]
    >>> compose("会员", ["续费", "开通"], cl)
    '会员续费'
    >>> compose("会员", ["开通"], cl) is None
    True
    """
    cands = [q for q in dict.fromkeys(partners) if q and q != head and not set(q) & set(head)
             and len(head) + len(q) <= MAX_CHARS and not _NUMERAL.match(q) and q[-1] not in "完过"]
    if not cands:
        return None
    before = dict.fromkeys(cands, 0)
    after = dict.fromkeys(cands, 0)
    n_head = 0
    for text in clauses:
        seen: set[str] = set()
        hit = False
        for c in text:
            h = c.find(head)
            if h < 0:
                continue
            hit = True
            for q in cands:
                k = c.find(q)
                if k >= 0 and q not in seen and not (h <= k < h + len(head) or k <= h < k + len(q)):
                    seen.add(q)
                    (before if k < h else after)[q] += 1
        n_head += hit
    floor = max(min_count, min_share * n_head)
    for q in sorted(cands, key=lambda q: (-(before[q] + after[q]), cands.index(q))):
        if before[q] + after[q] < floor:
            break
        joined = q + head if before[q] > after[q] else head + q
        # only a phrase people actually write: the joined form occurs verbatim in two texts or more
        if sum(any(joined in c for c in text) for text in clauses) >= verbatim:
            return joined
    return None


_PREDICATE = ("a", "v", "i", "l", "z")


def attach(head: str, partners: Sequence[str], texts: Sequence[Mapping[str, int]], ends: Mapping[str, str],
           clauses: Sequence[Sequence[str]], *, min_count: int = 2, min_share: float = 0.3) -> str | None:
    """A topic noun followed by what its texts say of it: 平板 + 运行流畅 → 平板运行流畅.

    When a node's best phrase is a bare noun (平板, 火龙果) and no longer
    phrase starts with it, the first of ``partners`` (the node's other key
    phrases and words, best first) that is a predicate (it ends on an
    adjective or verb: 运行流畅, 太小, 掉色严重) and is said in the same
    texts as the noun (at least ``min_count`` texts and ``min_share`` of the
    texts that say it), right after it in a clause at least once, is appended
    to it. ``texts`` are the node's per-text candidates and words
    (:func:`phrases_of`), ``clauses`` their :func:`clause_strings`, and
    ``ends`` the part of speech of each candidate's (last) word.

    >>> texts = [{"平板": 1, "运行流畅": 2}, {"平板": 1, "运行流畅": 2}, {"运行流畅": 2}, {"平板": 1, "王者荣耀": 2}]
    >>> clauses = [["平板运行流畅"], ["平板好", "运行流畅"], ["运行流畅"], ["平板", "王者荣耀"]]
    >>> ends = {"平板": "n", "运行流畅": "a", "王者荣耀": "n"}
    >>> attach("平板", ["王者荣耀", "运行流畅"], texts, ends, clauses)
    '平板运行流畅'
    >>> attach("平板", ["王者荣耀"], texts, ends, clauses) is None
    True
    """
    if not ends.get(head, "").startswith(_NOUN):
        return None
    for q in partners:
        pos = ends.get(q, "")
        if (q == head or head in q or q in head or set(q) & set(head) or len(head) + len(q) > MAX_CHARS
                or len(q) < 2 or not pos.startswith(_PREDICATE) or q[-1] in "的了" or q in _NO_END
                or q in _STOP_HEADS or q in _INNER_DROP):
            continue
        short = _compact(q, pos)[0]   # as clauses write it: 太小 → 小
        said = [k for k, t in enumerate(texts) if q in t]
        both = [k for k in said if head in texts[k]]
        if (len(said) and len(both) >= max(min_count, min_share * len(said))
                and any(head + short in c for k in both for c in clauses[k])):
            return head + q
    return None


def _compact(w: str, p: str) -> tuple[str, str]:
    """A degree word glued to its adjective ("很慢", "太贵") becomes the adjective.

    >>> _compact("很慢", "d"), _compact("很多", "m"), _compact("好看", "a"), _compact("更新", "v")
    (('慢', 'a'), ('多', 'a'), ('好看', 'a'), ('更新', 'v'))
    >>> _compact("太差", "n"), _compact("太阳", "n")
    (('差', 'a'), ('太阳', 'n'))
    """
    if p.startswith(("d", "m", "a", "v", "z")):
        for pre in _DEGREE_PREFIX:
            if w.startswith(pre) and 0 < len(w) - len(pre) <= 2:
                return w[len(pre):], "a"
    elif len(w) == 2 and w[0] in "很太挺超" and w[1] in _ONE_CHAR_ADJ:   # 太差 tagged as a noun
        return w[1], "a"
    return w, p


def _a_not_a(w: str) -> bool:
    """算不算, 能不能, 有没有: a yes/no question word, never part of a label."""
    return len(w) == 3 and w[0] == w[2] and w[1] in "不没"


def _end(cl: list[tuple[str, str]], j: int, text: str) -> str | None:
    """The phrase ``text`` that ends on word ``j`` of the clause, as a label may end there, or ``None``.

    A one-character verb ends a phrase only at the end of its clause (宽带断) or with the 了
    that follows it (密码忘了); before a complement or an object it is half a thought
    (电话打 of 电话打不通, 营业厅办 of 营业厅办的套餐).

    >>> cl = [("交易", "n"), ("密码", "n"), ("忘", "v"), ("了", "ul"), ("怎么办", "l")]
    >>> _end(cl, 2, "交易密码忘"), _end([("电话", "n"), ("打", "v"), ("不通", "a")], 1, "电话打")
    ('交易密码忘了', None)
    """
    w, p = cl[j]
    if len(w) != 1 or not p.startswith("v") or j + 1 == len(cl):
        return text
    return text + "了" if cl[j + 1][0] == "了" and len(text) < MAX_CHARS else None


def _clause_phrases(cl: list[tuple[str, str]], stop: frozenset[str], out: dict[str, int],
                    ends: dict[str, str] | None = None) -> None:
    n = len(cl)
    ok = [_is_content(w, p) and (w not in stop or len(w) == 1 and p.startswith(("a", "v"))) and not _a_not_a(w)
          for w, p in cl]
    noun = [p.startswith(_NOUN) or (p.startswith("v") and len(w) >= 2 and ok[i]) for i, (w, p) in enumerate(cl)]
    for i in range(n):
        if cl[i][1] == "Q":  # 什么时候 + 发货, 怎么 + 申请退货: a question about a content word
            text, n_content = cl[i][0], 1
            for j in range(i + 1, min(n, i + MAX_WORDS)):
                if not (ok[j] or j > i + 1) or cl[j][1] == "Q":
                    break
                text += cl[j][0]
                if len(text) > MAX_CHARS:
                    break
                n_content += ok[j]
                if (ok[j] and cl[j][1].startswith(("v", "n")) and cl[j][0] not in _NO_END
                        and cl[j][0] not in _LIGHT_VERBS and (full := _end(cl, j, text)) is not None):
                    out[full] = n_content
                    if ends is not None:
                        ends[full] = cl[j][1]
            continue
        if (not ok[i] or (len(cl[i][0]) < 2 and not cl[i][1].startswith("n"))
                or cl[i][1].startswith("v") and cl[i][0][-1] in "完过"):  # 洗完头发 says when, not what
            continue
        if cl[i][0] in _VAGUE_START:
            continue
        if i and cl[i - 1][0] in _NEGATION and cl[i][1].startswith(("v", "a")):
            continue  # 不支持群发 says the opposite of 支持群发: no phrase starts on a negated predicate
        text = cl[i][0]
        has_noun = noun[i]
        n_content = 1
        prep = False  # a preposition inside (被, 把, 给, 对): the phrase must end on its verb (被商家拒绝)
        if has_noun and len(text) >= 2 and text not in stop and text not in _NOT_ALONE and text not in _NO_END:
            out[text] = 1
            if ends is not None:
                ends[text] = cl[i][1]
        for j in range(i + 1, min(n, i + MAX_WORDS)):
            text += cl[j][0]
            if len(text) > MAX_CHARS:
                break
            has_noun = has_noun or noun[j]
            n_content += ok[j]
            prep = prep or cl[j][1] == "p"
            if (ok[j] and has_noun and cl[j][0] not in _NO_END and not (prep and not cl[j][1].startswith(("v", "a")))
                    and (full := _end(cl, j, text)) is not None):
                out[full] = n_content
                if ends is not None:
                    ends[full] = cl[j][1]


class PhraseTable:
    """Phrase counts per node, as sparse matrices, and the ranking of a node's phrases."""

    def __init__(self, sets: list[dict[str, int]]) -> None:
        vocab: dict[str, int] = {}
        nwords: dict[str, int] = {}
        indptr = [0]
        indices: list[int] = []
        for s in sets:
            for p, k in s.items():
                indices.append(vocab.setdefault(p, len(vocab)))
                nwords[p] = k
            indptr.append(len(indices))
        self.terms = np.array(sorted(vocab, key=vocab.get), dtype=object) if vocab else np.zeros(0, object)
        self.words = np.array([nwords[t] for t in self.terms], dtype=np.float64)
        self.lengths = np.array([len(t) for t in self.terms], dtype=np.int64)
        self._index = vocab
        self.matrix = sp.csr_matrix((np.ones(len(indices), np.float32), np.asarray(indices, np.int64),
                                     np.asarray(indptr, np.int64)), shape=(len(sets), len(vocab)))

    def n_words(self, term: str) -> int:
        """Content words in ``term`` (0 when the table does not hold it)."""
        k = self._index.get(term)
        return 0 if k is None else int(self.words[k])

    def counts(self, membership: sp.csr_matrix) -> sp.csr_matrix:
        """Rows of ``membership`` (groups × texts) times the table: phrase counts per group."""
        return (membership @ self.matrix).tocsr()

    def focus(self, cin: sp.csr_matrix, n_in: int, cctx: sp.csr_matrix | None, n_ctx: int, *,
              exclude: set[str] | frozenset[str] = frozenset(), min_lift: float = 1.5) -> float:
        """Share of a group's texts that use its commonest distinctive phrase (0 … 1).

        A phrase counts when at least two of the group's texts use it and
        they use it ``min_lift`` times as often as the rest of the context
        (smoothed as in :meth:`rank`), or when half the group uses it
        whatever the context does. A focused group (屏幕, 发票, 退货 …) has a
        phrase many of its texts share; a diffuse one, where every phrase
        covers a few percent, is a catch-all whatever word wins.

        >>> t = PhraseTable([{"发票": 1}, {"发票": 1}, {"退货": 1}, {"屏幕": 1}])
        >>> m = t.counts(sp.csr_matrix(np.array([[1, 1, 1, 0]], dtype=np.float32)))
        >>> round(t.focus(m, 3, sp.csr_matrix(t.matrix.sum(axis=0)), 4), 2)
        0.67
        """
        if n_in == 0 or cin.nnz == 0:
            return 0.0
        idx = cin.indices
        c_in = cin.data.astype(np.float64)
        c_ctx = np.asarray(cctx[:, idx].todense()).ravel() if cctx is not None else c_in
        p_in = c_in / n_in
        p_out = (np.maximum(c_ctx - c_in, 0) + 0.5) / (max(n_ctx - n_in, 0) + 1.0)
        keep = np.array([self.terms[j] not in exclude for j in idx], dtype=bool) if exclude else c_in > 0
        if keep.any() and p_in[keep].max() >= 0.5:   # most texts say it, siblings too: focused, not a catch-all
            return float(p_in[keep].max())
        ok = keep & (c_in >= 2) & (p_in >= min_lift * p_out)
        return float(p_in[ok].max()) if ok.any() else 0.0

    def rank(self, cin: sp.csr_matrix, n_in: int, cctx: sp.csr_matrix, n_ctx: int, *,
             top: int = 10, phrase_bonus: float = 0.0, exclude: set[str] | frozenset[str] = frozenset(),
             min_count: int = 2, alpha: float = 1.0, min_share: float = 0.0,
             prefer: Sequence[str] = (), expand: float = 0.0,
             within: Sequence[str] = (), max_lift: float = np.inf) -> list[tuple[str, float]]:
        """Top phrases of a group (``cin``, ``n_in`` texts) against its context (which includes it).

        With ``expand`` > 0, a one-word winner is replaced by the group's most
        frequent longer phrase that starts with it (头皮屑 → 头皮屑多, 发货 → 发货慢)
        when that phrase is used by at least ``expand`` times as many texts.
        Phrases inside one of the ``within`` strings (an ancestor's label:
        机油 under 机油机滤) are skipped; an ancestor's label followed by the
        winner (动力 > 不够 → 动力不够) is a valid expansion.
        """
        if n_in == 0 or cin.nnz == 0:
            return []
        idx = cin.indices
        c_in = cin.data.astype(np.float64)
        c_ctx = np.asarray(cctx[:, idx].todense()).ravel() if cctx is not None else c_in
        n_out = max(n_ctx - n_in, 0)
        c_out = np.maximum(c_ctx - c_in, 0)
        p_in = c_in / n_in
        p_out = (c_out + 0.5) / (n_out + 1.0)
        floor = min(min_count, max(1, n_in // 10))
        valid = (c_in >= floor) & (p_in > p_out) & (p_in >= min_share)
        lift = np.minimum(np.log(np.maximum(p_in, 1e-12) / p_out), max_lift)
        score = np.where(valid, p_in ** alpha * lift, -np.inf)
        if phrase_bonus:
            score = score * (1.0 + phrase_bonus * (np.minimum(self.words[idx], 3) - 1))
        if prefer:  # phrases that join the node's own keywords ("动力" + "不够" → 动力不够)
            hits = np.array([sum(1 for k in prefer if k in self.terms[j]) for j in idx], dtype=np.float64)
            score = np.where(score > 0, score * (1.0 + 0.5 * np.minimum(hits, 2)), score)
        order = np.argsort(-score)
        chosen: list[tuple[str, float]] = []
        for o in order:
            s = score[o]
            if not np.isfinite(s):
                break
            t = self.terms[idx[o]]
            if (t in exclude or len(set(t)) == 1 or any(t in q or q in t for q, _ in chosen)
                    or any(t in a for a in within)):
                continue
            chosen.append((t, float(s)))
            if len(chosen) >= top:
                break
        if expand and chosen:
            head = chosen[0][0]
            k0 = np.where(self.terms[idx] == head)[0]
            if len(k0) and self.words[idx[k0[0]]] == 1:
                need = expand * c_in[k0[0]]
                best, best_c = None, 0.0
                longer = self.lengths[idx] > len(head)  # not words >= 2: 取消订单 may be one token
                for o in np.where(longer & (c_in >= max(need, 2)) & (p_in > p_out))[0]:
                    t = self.terms[idx[o]]
                    # head + predicate (噪音 → 噪音大), verb + head (发票 → 修改发票, 发货 → 什么时候发货),
                    # or an ancestor's label + this one (动力 > 不够 → 动力不够)
                    # (not a finished action before it: 洗完头发 says when, not what)
                    if ((t.startswith(head) or t.endswith(head) and t[-len(head) - 1] not in "完过了着"
                         or any(t == a + head for a in within))
                            and t not in exclude and c_in[o] > best_c):
                        best, best_c = t, c_in[o]
                if best is not None:
                    chosen[0] = (best, chosen[0][1])
        return chosen
