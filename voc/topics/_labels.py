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
(退款一直没到账 → 退款没到账). Generic words (图片, 人生, 楼主, 朋友 …) are
never a label alone, though a phrase may start with them (图片与实物不符);
broad words (质量, 服务, 效果) need a second word.

A phrase scores by how much more often the node's texts use it than the
texts of its siblings: ``p_in · log(p_in / p_out)`` (the phrase's share of
the KL divergence between the node and its context), times a bonus per extra
content word, so "修改地址" beats "地址" when a good part of the node says it.
A one-word winner is then replaced by the most frequent phrase of the node
that starts with it when enough texts use one (头皮屑 → 头皮屑多, 噪音 →
噪音大), and a piece of an ancestor's label is never a child's label.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["GENERIC_WORDS", "PhraseTable", "phrases_of"]

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
_INNER_DROP = frozenset("很 太 非常 特别 比较 挺 蛮 超 超级 十分 相当 极其 有点 有些 更 最 也 都 还 就 又 真 真的 "
                        "实在 确实 已经 总是 一直 老是 还是 居然 竟然 简直 稍微 略 较 好像 似乎 有些许".split())
# only prefixes that never start a word of their own (not 更/最/超: 更新, 最后, 超市)
_DEGREE_PREFIX = ("非常", "特别", "比较", "超级", "十分", "相当", "有点", "很", "太", "挺", "蛮")


GENERIC_WORDS = _STOP_HEADS | _GENERIC_ALONE  # never keywords
_NOT_ALONE = GENERIC_WORDS | _BROAD_ALONE  # never a one-word label


def _is_content(word: str, pos: str) -> bool:
    return pos.startswith(_CONTENT) and not pos.startswith(_NEVER_EDGE) and word not in _STOP_HEADS


def phrases_of(tokens: Sequence[tuple[str, str]], stop: frozenset[str]) -> dict[str, int]:
    """Distinct label candidates of one text, from ``(word, pos)`` pairs, with their word counts.

    >>> sorted(phrases_of([("屏幕", "n"), ("有", "v"), ("划痕", "n")], frozenset()).items())
    [('划痕', 1), ('屏幕', 1), ('屏幕有划痕', 2)]
    """
    out: dict[str, int] = {}
    clause: list[tuple[str, str]] = []
    for w, p in list(tokens) + [("。", "x")]:
        w = w.strip()
        if not w or p == "x" or not any(c.isalnum() for c in w):
            _clause_phrases(clause, stop, out)
            clause = []
        elif w not in _INNER_DROP:
            clause.append(_compact(w.lower(), p))
    return out


def _compact(w: str, p: str) -> tuple[str, str]:
    """A degree word glued to its adjective ("很慢", "太贵") becomes the adjective.

    >>> _compact("很慢", "d"), _compact("很多", "m"), _compact("好看", "a"), _compact("更新", "v")
    (('慢', 'a'), ('多', 'a'), ('好看', 'a'), ('更新', 'v'))
    """
    if p.startswith(("d", "m", "a", "v", "z")):
        for pre in _DEGREE_PREFIX:
            if w.startswith(pre) and 0 < len(w) - len(pre) <= 2:
                return w[len(pre):], "a"
    return w, p


def _clause_phrases(cl: list[tuple[str, str]], stop: frozenset[str], out: dict[str, int]) -> None:
    n = len(cl)
    ok = [_is_content(w, p) and (w not in stop or len(w) == 1 and p.startswith(("a", "v"))) for w, p in cl]
    noun = [p.startswith(_NOUN) or (p.startswith("v") and len(w) >= 2 and ok[i]) for i, (w, p) in enumerate(cl)]
    for i in range(n):
        if not ok[i] or (len(cl[i][0]) < 2 and not cl[i][1].startswith("n")):
            continue
        text = cl[i][0]
        has_noun = noun[i]
        n_content = 1
        if has_noun and len(text) >= 2 and text not in stop and text not in _NOT_ALONE:
            out[text] = 1
        for j in range(i + 1, min(n, i + MAX_WORDS)):
            text += cl[j][0]
            if len(text) > MAX_CHARS:
                break
            has_noun = has_noun or noun[j]
            n_content += ok[j]
            if ok[j] and has_noun:
                out[text] = n_content


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
        self.matrix = sp.csr_matrix((np.ones(len(indices), np.float32), np.asarray(indices, np.int64),
                                     np.asarray(indptr, np.int64)), shape=(len(sets), len(vocab)))

    def counts(self, membership: sp.csr_matrix) -> sp.csr_matrix:
        """Rows of ``membership`` (groups × texts) times the table: phrase counts per group."""
        return (membership @ self.matrix).tocsr()

    def rank(self, cin: sp.csr_matrix, n_in: int, cctx: sp.csr_matrix, n_ctx: int, *,
             top: int = 10, phrase_bonus: float = 0.0, exclude: set[str] | frozenset[str] = frozenset(),
             min_count: int = 2, alpha: float = 1.0, min_share: float = 0.0,
             prefer: Sequence[str] = (), expand: float = 0.0,
             within: Sequence[str] = ()) -> list[tuple[str, float]]:
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
        score = np.where(valid, p_in ** alpha * np.log(np.maximum(p_in, 1e-12) / p_out), -np.inf)
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
                for o in np.where((self.words[idx] >= 2) & (c_in >= max(need, 2)) & (p_in > p_out))[0]:
                    t = self.terms[idx[o]]
                    # head + predicate (噪音 → 噪音大), or an ancestor's label + this one (动力 > 不够 → 动力不够)
                    if ((t.startswith(head) or any(t == a + head for a in within))
                            and t not in exclude and c_in[o] > best_c):
                        best, best_c = t, c_in[o]
                if best is not None:
                    chosen[0] = (best, chosen[0][1])
        return chosen
