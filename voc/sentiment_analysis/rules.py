"""The rule layer: linguistic corrections that act on the model's own contributions.

A linear model scores a text as a sum of per-feature contributions (see
``_features.py``). The rules do not override that score; they *re-weight* the
contributions and add a few lexicon ones, so the evidence shown to a user is
still exactly what produced the score:

* **negation** (不/没/没有/别/无/非/未/不是/并不/从不/不太/不够/唔/冇 …): every
  feature that *starts* inside the scope (up to three words after the negator,
  stopping at punctuation or a contrast word) is multiplied by
  :data:`NEGATION`; features that start at the negator itself already encode the
  negation ("不好" learned as negative) and are left alone. Scopes nest, so
  double negation cancels: 没有不满意 → positive. A-not-A questions (好不好,
  有没有) and the intensifier 不要太 are not negations.
* **contrast and concession** (但是/不过/可是/然而/只是/可惜/却, 虽然/尽管 …): what
  comes after the contrast word, to the end of its sentence, is weighted by
  :data:`AFTER_CONTRAST`; what came before it by :data:`BEFORE_CONTRAST`; a
  虽然-clause without a following 但是 by :data:`CONCESSION`.
* **rhetorical questions** (难道…吗, 怎么可能…, X是不可能X的, 好在哪里, X个屁,
  这也叫…): the clause is flipped.
* **degree adverbs**: the next word is weighted by :data:`INTENSIFIER`
  (很/非常/太/特别/超 …) or :data:`DIMINISHER` (有点/稍微/略 …).
* **lexicon** (:mod:`voc.sentiment_analysis.lexicon`): emoji, bracket emoticons, kaomoji
  and internet slang add a fixed contribution, itself subject to the factors
  above ("不给力" is negative).

Rules see the normalised text and its tokens; :func:`apply_rules` returns a
:class:`RuleEffects` or ``None`` when nothing fired. Tests:
``tests/sentiment_analysis/test_sentiment_rules.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from operator import itemgetter

import numpy as np

from .lexicon import ASCII_LOWER, LEXICON, first_chars, lexicon_pattern

__all__ = ["RuleEffects", "apply_rules", "apply_rules_spans"]

NEGATION = -0.8
AFTER_CONTRAST = 1.3
BEFORE_CONTRAST = 0.7
CONCESSION = 0.5
RHETORICAL = -1.0
INTENSIFIER = 1.3
DIMINISHER = 0.7
SCOPE = 3

NEGATORS = frozenset(
    "不 没 没有 别 无 非 未 不是 并不 并非 并没有 并没 从不 从没 从没有 从来不 从来没有 毫不 决不 绝不 "
    "绝对不 不太 不怎么 不够 不会 不能 不要 不用 无法 没法 不再 未必 不算 算不上 谈不上 称不上 毫无 "
    "不大 不甚 甭 勿 不曾 未曾 没什么 没啥 不可能 不至于 唔 冇 咪 唔系 冇乜 不怎么样 一点也不 一点都不 "
    "根本不 根本没 根本没有 完全不 完全没有 都不 也不 也没 也没有 还没 还没有 还不".split()
)
CONTRAST = frozenset("但是 但 不过 可是 然而 只是 可惜 却 不料 谁知 结果 偏偏 无奈".split())
CONCESSIVE = frozenset("虽然 虽 虽说 尽管 固然 虽然说".split())
STRONG = frozenset(
    "很 非常 太 特别 超 超级 极其 极 十分 相当 巨 贼 真 真的 最 挺 蛮 格外 尤其 实在 特 太过 极度 无比 "
    "异常 忒 好不 更 更加 越来越 简直 完全 根本 绝对 超级无敌 真心 贼拉 老是 总是".split()
)
WEAK = frozenset("有点 有点儿 有些 稍微 稍 略 略微 略有 一点 一点点 有一点 些许 比较 还算 较".split())
# "怎么可能这么慢" is indignation, not negation, so only the unambiguous openers flip
RHETORICAL_OPEN = frozenset("难道 难不成 岂 岂能".split())
#: a 难道-question in customer text is a reproach: it adds this (logit units) on its opener
RHETORICAL_BIAS = -1.2
QUESTION_END = frozenset("吗 么 嘛 呢 ？ ? 吧".split())
SENTENCE_END = frozenset("。！？!?；;\n")
CLAUSE_END = SENTENCE_END | frozenset("，,、：:~…")

_NOT_NEGATED_AFTER = {"不要": frozenset({"太"})}  # 不要太好吃 = extremely good
_RHETORICAL_RES = (
    # (cheap substring tests, pattern); the pattern flips its group 1
    # 好评是不可能好评的 → flip the first X (the second is in 不可能's scope)
    (("不可能",), re.compile(r"([\u4e00-\u9fff]{1,4})是不可能\1的")),
    # 好在哪里 / 值在哪儿
    (("在哪",), re.compile(r"([\u4e00-\u9fff]{1,3})在哪(?:里|儿)?")),
    # 好个屁 / 满意个鬼
    (("个屁", "个鬼", "个毛线", "个锤子", "个头啊"), re.compile(r"([\u4e00-\u9fff]{1,3})个(?:屁|鬼|毛线|锤子|头啊)")),
    # 这也叫好评 / 这也算快 / 这还叫服务
    (("叫", "算"), re.compile(r"(?:这|那|就这|这样)(?:也|还)?(?:叫|算|配叫|能叫|好意思叫)([\u4e00-\u9fff]{1,6}?)(?:[吗么嘛？?!！]|$)")),
    # 哪里好了 / 哪好了
    (("哪",), re.compile(r"哪(?:里|儿)?([\u4e00-\u9fff]{1,4}?)了")),
)


_TRIGGERS = NEGATORS | CONTRAST | CONCESSIVE | STRONG | WEAK | RHETORICAL_OPEN


_ANY_RHETORICAL_HINT = re.compile("|".join(re.escape(h) for hints, _ in _RHETORICAL_RES for h in hints))


def _maybe_rhetorical(text: str) -> bool:
    """Whether any rhetorical pattern's cheap substring hint occurs in ``text``."""
    return _ANY_RHETORICAL_HINT.search(text) is not None


@dataclass(slots=True)
class RuleEffects:
    """What the rules did to one text.

    ``factor[i]`` multiplies every feature that starts at character ``i``;
    ``extra`` are lexicon contributions ``(start, end, weight)`` (factors applied);
    ``phrases`` are spans (negator + scope, rhetorical patterns) that evidence
    reports as one phrase; ``fired`` names the rules that changed something.
    """

    factor: np.ndarray
    extra: list[tuple[int, int, float]] = field(default_factory=list)
    phrases: list[tuple[int, int]] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)


def _is_punct_token(w: str) -> bool:
    return not w or w[0] in CLAUSE_END or w.isspace() or (not w[0].isalnum() and w[0] not in LEXICON)


def apply_rules(text: str, tokens: Sequence, *, lexicon: bool = True) -> RuleEffects | None:
    """Apply the rule layer to ``text`` and its tokens (objects with ``text``, ``start``, ``end``).

    >>> from voc import Token
    >>> toks = [Token("不是", 0, 2), Token("很", 2, 3), Token("好", 3, 4)]
    >>> fx = apply_rules("不是很好", toks)
    >>> [round(float(f), 2) for f in fx.factor], fx.fired
    ([1.0, 1.0, -0.8, -1.04], ['negation', 'degree'])
    """
    return apply_rules_spans(text, [t.text for t in tokens], [t.start for t in tokens],
                             [t.end for t in tokens], lexicon=lexicon)


@lru_cache(maxsize=1)
def _first_chars_any_case() -> frozenset[str]:
    """The characters a lexicon entry can begin with, before ASCII lower-casing."""
    first = first_chars()
    return first | frozenset(c.upper() for c in first if "a" <= c <= "z")


_ASCII_UPPER = re.compile("[A-Z]")
_FIRST = itemgetter(slice(0, 1))  # a word's first character ('' for an empty word)


def apply_rules_spans(text: str, words: Sequence[str], starts: Sequence[int], ends: Sequence[int], *,
                      lexicon: bool = True) -> RuleEffects | None:
    """:func:`apply_rules` on tokens given as three parallel lists (texts, starts, ends).

    The batch scorer's form: no token objects needed. Same result as
    ``apply_rules`` on the equivalent tokens.

    >>> fx = apply_rules_spans("不是很好", ["不是", "很", "好"], [0, 2, 3], [2, 3, 4])
    >>> [round(float(f), 2) for f in fx.factor], fx.phrases
    ([1.0, 1.0, -0.8, -1.04], [(0, 4)])
    """
    n = len(text)
    fired: list[str] = []
    phrases: list[tuple[int, int]] = []
    m = len(words)
    changed = False
    # lexicon hits first: a negator inside one (无 of 无语) is not a negator
    hits: list[tuple[int, int, float]] = []
    # hits are found even when not scored (lexicon=False, in training): they shape negation.
    # An entry must begin a token: 满意 inside 不满意 is not a hit.
    if m:
        # only tokens that begin with a character an entry can begin with are candidates
        cands = list(compress(starts, map(_first_chars_any_case().__contains__, map(_FIRST, words))))
        if cands:
            pat = lexicon_pattern()
            low = text.translate(ASCII_LOWER) if _ASCII_UPPER.search(text) else text
            last_end = 0
            for hs in cands:
                if hs < last_end:
                    continue
                mt = pat.match(low, hs)
                if mt is None:
                    continue
                he = mt.end()
                weight = LEXICON.get(text[hs:he])
                if weight is None:
                    weight = LEXICON.get(mt.group(), 0.0)
                hits.append((hs, he, weight))
                last_end = he
    trig = list(compress(range(m), map(_TRIGGERS.__contains__, words))) if m else []
    if not trig and not hits and (n < 3 or not _maybe_rhetorical(text)):
        return None  # nothing can fire
    factor = np.ones(n, dtype=np.float64)

    # -- contrast / concession (clause weights) ------------------------------
    seen_but = False
    for i in trig:
        w = words[i]
        if w in CONTRAST and i > 0:
            if w in ("结果", "只是") and (i + 1 >= m or _is_punct_token(words[i + 1])):
                continue
            s = starts[i]
            e = _sentence_end(text, s)
            factor[:s] *= BEFORE_CONTRAST
            factor[s:e] *= AFTER_CONTRAST
            seen_but = True
            changed = True
        elif w in CONCESSIVE:
            s = starts[i]
            e = _sentence_end(text, s)
            has_but = any(words[j] in CONTRAST for j in range(i + 1, m) if starts[j] < e)
            if not has_but:
                ce = _clause_end(text, s)
                factor[s:ce] *= CONCESSION
                changed = True
                seen_but = True
    if seen_but:
        fired.append("contrast")

    # -- negation --------------------------------------------------------------
    neg = False
    for i in trig:
        w = words[i]
        if w not in NEGATORS:
            continue
        if w in ("不", "没") and 0 < i < m - 1 and words[i - 1] and words[i + 1] and (
            words[i - 1][-1] == words[i + 1][0] or (w == "没" and words[i - 1] == "有")
        ):
            continue  # A-not-A question: 好不好, 有没有
        if i + 1 < m and words[i + 1] in _NOT_NEGATED_AFTER.get(w, ()):
            continue
        if hits and any(hs <= starts[i] < he for hs, he, _ in hits):
            continue
        j = i + 1
        taken = 0
        while j < m and taken < SCOPE:
            wj = words[j]
            if not wj[:1].isalnum() or wj in CONTRAST or wj in CONCESSIVE or wj in QUESTION_END:
                break  # punctuation, emoji and emoticons end the scope
            taken += 1
            j += 1
        if taken:
            s, e = ends[i], ends[j - 1]
            factor[s:e] *= NEGATION
            phrases.append((starts[i], e))
            neg = True
    if neg:
        fired.append("negation")
        changed = True

    # -- rhetorical questions ---------------------------------------------------
    rhet = False
    rhet_bias: list[tuple[int, int, float]] = []
    for i in trig:
        w = words[i]
        if w in RHETORICAL_OPEN:
            s = ends[i]
            e = _question_end(text, s)
            if e > s:
                factor[s:e] *= RHETORICAL
                phrases.append((starts[i], e))
                rhet_bias.append((starts[i], ends[i], RHETORICAL_BIAS))
                rhet = True
    if n >= 3 and _maybe_rhetorical(text):
        for hints, rx in _RHETORICAL_RES:
            if not any(h in text for h in hints):
                continue
            for mt in rx.finditer(text):
                s, e = mt.span(1)
                if e > s:
                    factor[s:e] *= RHETORICAL
                    phrases.append(mt.span())
                    rhet = True
    if rhet:
        fired.append("rhetorical")
        changed = True

    # -- degree -----------------------------------------------------------------
    deg = False
    for i in trig:
        w = words[i]
        f = INTENSIFIER if w in STRONG else DIMINISHER if w in WEAK else 0.0
        if f and i + 1 < m and not _is_punct_token(words[i + 1]):
            factor[starts[i + 1]:ends[i + 1]] *= f
            deg = True
    if deg:
        fired.append("degree")
        changed = True

    # -- lexicon -----------------------------------------------------------------
    extra: list[tuple[int, int, float]] = list(rhet_bias) if lexicon else []
    if lexicon:
        for hs, he, hw in hits:
            extra.append((hs, he, hw * float(factor[hs])))
            phrases.append((hs, he))
        if hits:
            fired.append("lexicon")
    changed = changed or bool(extra)

    if not changed:
        return None
    return RuleEffects(factor=factor, extra=extra, phrases=_merge_phrases(phrases), fired=fired)


def _sentence_end(text: str, pos: int) -> int:
    for k in range(pos, len(text)):
        if text[k] in SENTENCE_END:
            return k
    return len(text)


def _clause_end(text: str, pos: int) -> int:
    for k in range(pos, len(text)):
        if text[k] in CLAUSE_END:
            return k
    return len(text)


def _question_end(text: str, pos: int) -> int:
    for k in range(pos, len(text)):
        c = text[k]
        if c in SENTENCE_END or c in "吗么嘛":
            return k
    return len(text)


def _merge_phrases(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out
