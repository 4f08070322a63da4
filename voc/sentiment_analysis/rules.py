"""The rule layer: linguistic corrections that act on the model's own contributions.

A linear model scores a text as a sum of per-feature contributions (see
``_features.py``). The rules do not override that score; they *re-weight* the
contributions and add a few lexicon ones, so the evidence shown to a user is
still exactly what produced the score:

* **negation** (不/没/没有/别/无/非/未/不是/并不/从不/不太/不够/唔/冇 …): every
  feature that *starts* inside the scope (up to three words after the negator,
  stopping at punctuation or a contrast word) is multiplied by
  :data:`NEGATION`; features that start at the negator itself already encode the
  negation ("不好" learned as negative) and are left alone, but those starting in its
  tail after the last negation character (有 of 没有, 是 of 不是) are negated too. Scopes nest, so
  double negation cancels: 没有不满意 → positive; a negator inside another's
  scope extends it (没有一个工作人员不耐心的), and a negated quantifier
  (没有一次/没有哪个/没有谁 …) scopes over its whole clause. A-not-A questions
  (好不好, 有没有, 能/不能) and the intensifier 不要太 are not negations; a one-word
  double negation (不能不, 不得不 …) negates nothing after it and its own 不 is flipped.
* **contrast and concession** (但是/不过/可是/然而/只是/可惜/却, 虽然/尽管 …): what
  comes after the contrast word, to the end of its sentence, is weighted by
  :data:`AFTER_CONTRAST`; what came before it by :data:`BEFORE_CONTRAST`; a
  虽然-clause without a following 但是 by :data:`CONCESSION`. A later-state word
  after an expectation or a past state (以前/本来/看着 … 现在/后来/实际 …)
  works like 但是, with the earlier part weighted by :data:`PAST`.
* **rhetorical questions** (难道…吗, 怎么可能…, X是不可能X的, 好在哪里, X个屁,
  这也叫…): the clause is flipped.
* **degree adverbs**: the next word is weighted by :data:`INTENSIFIER`
  (很/非常/太/特别/超 …) or :data:`DIMINISHER` (有点/稍微/略 …).
* **lexicon** (:mod:`voc.sentiment_analysis.lexicon`): emoji, bracket emoticons, kaomoji
  and internet slang add a fixed contribution, itself subject to the factors
  above ("不给力" is negative).
* **neutral text** (at inference only; :func:`_neutral_rules`): a text that only
  asks plain questions (请问…吗？, 几点…？) is damped and pushed towards neutral,
  while a question that reproaches (凭什么, 这是什么道理, 怎么还 …) adds a
  negative contribution; hedges (还行, 一般般, 凑合, 马马虎虎, and balanced verdicts
  over several words: 说不上满意不满意, 也就那样, 没什么亮点 …) lose most of
  their learned weight (binary review labels made 一般 strongly negative and 还行
  strongly positive), keep a small lean and push towards neutral; deferred
  verdicts (还没用, 用了再来评价) and platform filler (此用户没有填写评价,
  系统默认好评, 买家很懒，什么都没写) are neutral. These act through
  :attr:`RuleEffects.neutral`, a shift of the calibrated neutral logit.

Rules see the normalised text and its tokens; :func:`apply_rules` returns a
:class:`RuleEffects` or ``None`` when nothing fired. Tests:
``tests/sentiment_analysis/test_sentiment_rules.py``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from operator import itemgetter

import numpy as np

from .lexicon import ASCII_LOWER, FAULTS, LEXICON, first_chars, lexicon_pattern

__all__ = ["RuleEffects", "apply_rules", "apply_rules_spans"]

NEGATION = -0.8
AFTER_CONTRAST = 1.3
BEFORE_CONTRAST = 0.7
CONCESSION = 0.5
RHETORICAL = -1.0
INTENSIFIER = 1.3
DIMINISHER = 0.7
SCOPE = 3
#: a plain question (consultation) weighs its contributions by this ...
CONSULT_DAMP = 0.3
#: ... and shifts the calibrated neutral logit by this times its share of the text
CONSULT_NEUTRAL = 2.5
#: a hedge (还行, 一般般, 凑合 …) weighs its own contributions by this and shifts the neutral logit
HEDGE_DAMP = 0.3
HEDGE_NEUTRAL = 3.5
#: each hedge's own lean (logit units, added after the damping): 还行 leans positive, 一般 negative
HEDGE_LEAN = 0.3
#: a deferred verdict (还没用, 效果不清楚, 用了再来评价) shifts the neutral logit by this
DEFERRED_NEUTRAL = 2.0
#: 以前/本来 … 现在/后来: what came before the later word is weighted by this (the past state)
PAST = 0.4
#: platform filler ("用户未填写评价", "系统默认好评"): no contributions, neutral shift times its share
FILLER_NEUTRAL = 8.0
#: a question that reproaches (凭什么, 这是什么道理, 怎么还 …) adds this on its marker (logit units)
REPROACH = -1.2
#: a fault word not negated (登录不上, 收不到, 不制冷; ``lexicon.FAULTS``) shifts the neutral logit by
#: this once: a reported fault is an opinion, however plain the turn around it (app一直登录不上)
FAULT_OPINION = -1.5

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

#: one-word double negations (不能不夸 = must praise): the two negations cancel, so the word's own
#: contributions (learned from the 不 in it) are flipped like a negated word's, and nothing after
#: it is negated
DOUBLE_NEGATIVES = frozenset("不能不 不得不 不会不 不可不 无不 莫不 没有不 不可能不 非得".split())
_EXISTENTIAL_NEGATORS = frozenset("没有 没 并没有 从没 从没有 从来没有 无".split())
UNIVERSAL = frozenset("一个 一次 一回 一家 一位 一样 一款 一件 一点 哪次 哪个 哪一个 哪一次 哪回 哪家 谁 任何".split())
_NOT_NEGATED_AFTER = {"不要": frozenset({"太"})}  # 不要太好吃 = extremely good
# 以前/本来/看着 … then 现在/后来/实际 …: the later state or the reality dominates, like 但是
EXPECT_OPEN = frozenset(
    "以前 之前 原来 原先 本来 一开始 刚开始 开始 起初 当初 以为 还以为 看着 看起来 说是 号称 宣传".split()
)
LATER = frozenset("现在 如今 后来 之后 用了之后 实际 实际上 没想到 谁知道".split())
# questions: a sentence asks when it ends in 吗/么, or ends in ？ and holds a question word,
# or holds a consultation opener (请问 …)
QUESTION_PARTICLES = frozenset("吗 么 ？ ?".split())
CONSULT_OPENERS = frozenset("请问 咨询 想问 问下 问一下 想咨询 想了解".split())
_INTERROGATIVE = re.compile(
    "多少|几[点天号个时次位]|多久|多长|什么时候|啥时候|哪|是否|能否|可否|可不可以|能不能|会不会|有没有|是不是|"
    "要不要|需不需要|怎么样|如何|怎样|怎么|什么|啥|吗|呢|还是|"
    "([\u4e00-\u9fff])[不没唔冇]\\1|有冇|几时|点样|边度|边个|咩|乜嘢"  # A-not-A (好不好, 系唔系); Cantonese
)
# what turns a question into a complaint or a reproach (on the sentence's text); only whether
# it matches is used. Every alternative begins with a literal character (也(?:叫…)|还(?:叫…)
# rather than (?:也|还)(?:叫…), ？[？?!！]|… rather than [？?!！]{2}), which lets the regex engine
# skip ahead to where one can match: about 5x faster than the grouped form.
_COMPLAINT_Q = re.compile(
    "为什么|为啥|凭什么|怎么(?:还|又|这么|那么|会|回事|搞的|可能)|到底|究竟|竟然|居然|这么|那么|这样的|"
    "什么(?:意思|道理|情况|鬼|玩意)|图(?:什么|啥)|有(?:什么|啥)用|好意思|这就是|这也|就这|还要等|还没|又|"
    "说好的|不是说|投诉|退款|赔|谁|怎么不|怎么没|也(?:叫|算|配(?!送|置|货|件|套)|能叫)|还(?:叫|算|配(?!送|置|货|件|套)|能叫)|像话|说得过去|过分|"
    "对得起|干嘛|让人|叫人|叫我|让我|好[吗么]|何在|资格|故意|假的|假货|二手|用过的|"
    "？[？?!！]|\\?[？?!！]|![？?!！]|！[？?!！]"
)
# negators that are requests, not complaints, inside a question (能不要放香菜吗)
_REQUEST_NEGATORS = frozenset("不要 不用 别".split())
# markers that make a question a reproach (on the text of a sentence that asks)
_REPROACH = re.compile(
    "凭什么|什么道理|什么意思|这就是|怎么(?:还|又|老是|总是)|为什么(?:还|又|要|不|没)|说好的|不是说|"
    "经过.{0,4}同意|谁(?:受得了|能忍|敢|会)|好意思|像话|说得过去|有(?:你们)?这样|就是这样|图(?:什么|啥)|何在"
)
#: verdicts and their opposites for "neither one nor the other" hedges: 不快不慢, 不算高也不算低,
#: 没有特别好也没有特别差, 好又不是差又不是 (the Cantonese 好又唔係差又唔係). Verdict axes only: on
#: size, amount or taste (不大不小, 不咸不淡) the same form usually means "just right".
OPPOSITES = ("好/差", "好/坏", "快/慢", "贵/便宜", "高/低", "好吃/难吃", "好食/难食", "满意/失望", "喜欢/讨厌")


def _neither_pattern() -> str:
    """The regex of :data:`OPPOSITES`' hedges, one branch per first verdict (cheap to scan)."""
    opposite: dict[str, list[str]] = {}
    for pair in OPPOSITES:
        a, b = pair.split("/")
        opposite.setdefault(a, []).append(b)
        opposite.setdefault(b, []).append(a)
    mod = "(?:算|太|会|是|会太|算太|特别|怎么|很)?"

    def either(neg: str) -> str:
        return "|".join(f"{a}(?:也|亦|又|，|,)?{neg}{mod}(?:{'|'.join(bs)})" for a, bs in opposite.items())
    yes_no = "|".join(f"{a}(?:又|也)不是[，,]?(?:{'|'.join(bs)})" for a, bs in opposite.items())
    return f"不{mod}(?:{either('不')})|没有?{mod}(?:{either('没有?')})|(?:{yes_no})(?:又|也)不是"


# hedges: lukewarm verdicts (a whole token, or the start of one such as 一般般), and balanced or
# middling verdicts over several words (说不上满意不满意, 挑不出毛病也没什么亮点, 不快不慢), which are
# not tokens: the cheap gate looks for those in the text
_HEDGE_MULTI = re.compile(
    "(?:说|谈|称|算)不上(?:好坏|好不好|满意不满意|喜欢不喜欢|好也(?:说|谈)?不上(?:差|坏))|"
    "也就那样|就那样吧|没什么亮点|没啥亮点|无功无过|不温不火|" + _neither_pattern()
)
_HEDGE = re.compile(
    "还行|还可以|还算可以|还凑合|凑合|将就|一般般?|马马虎虎|中规中矩|不好不坏|不过不失|普普通通|平平无奇|"
    "过得去|说得过去|没什么特别|" + _HEDGE_MULTI.pattern
)
_HEDGE_POSITIVE = frozenset("还行 还可以 还算可以 还凑合 过得去 说得过去".split())
_HEDGE_NEUTRAL_ONLY = frozenset("中规中矩 不好不坏 不过不失".split())  # and every _HEDGE_MULTI verdict
# deferred verdicts: not used yet, cannot tell yet, will review later
_DEFERRED = re.compile(
    "(?:还|暂时|暂)(?:没|没有|未)(?:开始)?(?:用|使用|穿|吃|试|拆|安装|装|开封|体验|尝)(?![^，,。！!？?]{0,3}就)|"
    "(?:效果|质量|好坏|好不好|怎么样)(?:还|暂时)?不(?:清楚|知道|好说)|不知道(?:效果|质量|好不好|怎么样)|"
    "用(?:了|过|后|完)(?:之后)?再(?:来)?(?:评价|评|追评)|(?:稍后|以后|回头)(?:再)?(?:来)?(?:评价|评论|追评|补)|"
    "先放着|待(?:使用|体验)"
)
HEDGE_WORDS = frozenset(
    "还行 还可以 还算可以 凑合 将就 一般 一般般 马马虎虎 中规中矩 不好不坏 不过不失 普普通通 平平无奇 "
    "过得去 说得过去 没什么 还算".split()
)
# 一般 as an adverb (我一般不吃辣, 一般来说) is not a verdict
_GENERAL_ADVERB = re.compile("一般(?:来说|来讲|而言|情况|都|会|是|要|不|在|用|都是|的话)")
# platform filler: default texts of review sites when the customer wrote nothing
_FILLER = re.compile(
    "(?:此|该|这个|本)?(?:用户|买家|顾客|会员|客户)?(?:未|没有|没)(?:及时)?(?:填写|留下|发表|给出|做出|作出)?"
    "(?:任何)?(?:文字)?(?:评价|评论)(?:内容)?|(?:系统)?默认(?:给出)?(?:好评|评价)|(?:暂|暂时)?无(?:文字)?(?:评价|评论)|"
    # 这个买家很懒，什么也没有留下
    "(?:这个|该|此)?(?:买家|用户|顾客|家伙)?(?:很|太)?懒[，,]?什么(?:都|也)没(?:有)?(?:写|留下|说)"
)
# cheap gates: a question cue, a deferred-verdict cue; sentences; content characters
_CONSULT_HINT = re.compile("请问|咨询|想问|问一?下|想了解")
_DEFERRED_HINT = re.compile("还没|还未|暂|不清楚|不知道|不好说|再(?:来)?(?:追)?评|稍后|以后|回头|先放|待(?:使用|体验)")
# what every neutral-rule gate needs in the text (a superset: a question mark or 吗/么, a
# consultation opener, 评 of filler, a deferred-verdict cue, a hedge word): texts without
# any skip the four gates
# (every alternative begins with a literal, which lets the regex engine skip ahead to them)
_NEUTRAL_HINT = re.compile(
    "？|\\?|吗|么|评|暂|问|咨询|了解|还没|还未|不清楚|不知道|不好说|稍后|以后|回头|先放|待(?:使用|体验)|"
    "还行|还可以|还算|凑合|将就|一般|马马虎虎|中规中矩|不好不坏|不过不失|普普通通|平平无奇|过得去|说得过去|没什么|"
    "不上|就那样|没啥亮点|无功无过|不好也不|不好不差|不算好|不温不火|懒|"
    "不\\w{1,5}?不|没\\w{1,6}?没|[又也]不是"  # _NEITHER: 不快不慢, 没有特别好也没有特别差, 好又不是
)
_SENTENCE = re.compile("[^。！？!?；;\n]*[。！？!?；;\n]*")
_CONTENT = re.compile("[^\\W_]|[\U0001F000-\U0010FFFF]")
_RHETORICAL_RES = (
    # (cheap substring tests, pattern); the pattern flips its group 1
    # 好评是不可能好评的 → flip the first X (the second is in 不可能's scope)
    (("不可能",), re.compile(r"([\u4e00-\u9fff]{1,4})是不可能\1的")),
    # 好在哪里 / 值在哪儿
    (("在哪",), re.compile(r"([\u4e00-\u9fff]{1,3})在哪(?:里|儿)?")),
    # 好个屁 / 满意个鬼
    (("个屁", "个鬼", "个毛线", "个锤子", "个头啊"), re.compile(r"([\u4e00-\u9fff]{1,3})个(?:屁|鬼|毛线|锤子|头啊)")),
    # 这也叫好评 / 这也算快 / 这还叫服务 / 这服务态度也叫五星
    (("叫", "算"), re.compile(r"(?:这|那|就这|这样)(?:[\u4e00-\u9fff]{0,6}?(?:也|还))?(?:叫|算|配叫|能叫|好意思叫)([\u4e00-\u9fff]{1,6}?)(?:[吗么嘛？?!！]|$)")),
    # 哪里好了 / 哪好了
    (("哪",), re.compile(r"哪(?:里|儿)?([\u4e00-\u9fff]{1,4}?)了")),
)


_SCOPE_END = CONTRAST | CONCESSIVE | QUESTION_END  # words that end a negation's scope
_TRIGGERS = (NEGATORS | CONTRAST | CONCESSIVE | STRONG | WEAK | RHETORICAL_OPEN | LATER | EXPECT_OPEN
             | HEDGE_WORDS | DOUBLE_NEGATIVES)


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
    reports as one phrase; ``fired`` names the rules that changed something;
    ``neutral`` is added to the calibrated neutral logit (plain questions, hedges,
    platform filler; only at inference).
    """

    factor: np.ndarray
    extra: list[tuple[int, int, float]] = field(default_factory=list)
    phrases: list[tuple[int, int]] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)
    neutral: float = 0.0


def _is_punct_token(w: str) -> bool:
    return not w or w[0] in CLAUSE_END or w.isspace() or (not w[0].isalnum() and w[0] not in LEXICON)


def apply_rules(text: str, tokens: Sequence, *, lexicon: bool = True) -> RuleEffects | None:
    """Apply the rule layer to ``text`` and its tokens (objects with ``text``, ``start``, ``end``).

    >>> from voc import Token
    >>> toks = [Token("不是", 0, 2), Token("很", 2, 3), Token("好", 3, 4)]
    >>> fx = apply_rules("不是很好", toks)
    >>> [round(float(f), 2) for f in fx.factor], fx.fired
    ([1.0, -0.8, -0.8, -1.04], ['negation', 'degree'])
    """
    return apply_rules_spans(text, [t.text for t in tokens], [t.start for t in tokens],
                             [t.end for t in tokens], lexicon=lexicon)


@lru_cache(maxsize=1)
def _first_chars_any_case() -> frozenset[str]:
    """The characters a lexicon entry can begin with, before ASCII lower-casing."""
    first = first_chars()
    return first | frozenset(c.upper() for c in first if "a" <= c <= "z")


@lru_cache(maxsize=1)
def _entry_prefixes() -> tuple[frozenset[str], frozenset[str]]:
    """The one-character lexicon entries and the first two characters of the others (lower case)."""
    keys = [k.lower() for k in LEXICON]
    return frozenset(k for k in keys if len(k) == 1), frozenset(k[:2] for k in keys if len(k) > 1)


_ASCII_UPPER = re.compile("[A-Z]")
_FIRST = itemgetter(slice(0, 1))  # a word's first character ('' for an empty word)


def apply_rules_spans(text: str, words: Sequence[str], starts: Sequence[int], ends: Sequence[int], *,
                      lexicon: bool = True) -> RuleEffects | None:
    """:func:`apply_rules` on tokens given as three parallel lists (texts, starts, ends).

    The batch scorer's form: no token objects needed. Same result as
    ``apply_rules`` on the equivalent tokens. The tokens are ``text``'s
    (``words[i] == text[starts[i]:ends[i]]``, in order).

    >>> fx = apply_rules_spans("不是很好", ["不是", "很", "好"], [0, 2, 3], [2, 3, 4])
    >>> [round(float(f), 2) for f in fx.factor], fx.phrases
    ([1.0, -0.8, -0.8, -1.04], [(0, 4)])
    """
    return _apply_rules(text, words, starts, ends, lexicon,
                        _lexicon_starts(text, words, starts) if words else [], None)


def _lexicon_starts(text: str, words: Sequence[str], starts: Sequence[int]) -> list[int]:
    """The token starts where a lexicon entry may begin: its first character (and, for the
    entries longer than one, its first two) are there, ASCII lower-cased."""
    cands = list(compress(starts, map(_first_chars_any_case().__contains__, map(_FIRST, words))))
    if cands:
        low = text.translate(ASCII_LOWER) if _ASCII_UPPER.search(text) else text
        singles, pairs = _entry_prefixes()
        cands = [hs for hs in cands if low[hs] in singles or low[hs:hs + 2] in pairs]
    return cands


@lru_cache(maxsize=1)
def _lexicon_start_codes() -> tuple[np.ndarray, np.ndarray]:
    """What :func:`_lexicon_starts` tests, as code points for a vectorised test: the
    one-character entries' codes and the first two characters' ``c0 << 21 | c1`` of the
    longer ones (both ASCII lower case, sorted int64)."""
    singles, pairs = _entry_prefixes()
    one = np.array(sorted(map(ord, singles)), dtype=np.int64)
    two = np.array(sorted((ord(p[0]) << 21) | ord(p[1]) for p in pairs), dtype=np.int64)
    return one, two


def _apply_rules(text: str, words: Sequence[str], starts: Sequence[int], ends: Sequence[int],
                 lexicon: bool, lex_starts: Sequence[int], out: np.ndarray | None) -> RuleEffects | None:
    """:func:`apply_rules_spans`, given :func:`_lexicon_starts` (``lex_starts``, ascending).

    ``out``: an array of ``len(text)`` ones to write the factors into (the batch scorer
    passes a view of its own), else a new one is made; it is left all ones when the
    result is ``None``.
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
    if m and lex_starts:
        pat = lexicon_pattern()
        low = text.translate(ASCII_LOWER) if _ASCII_UPPER.search(text) else text
        last_end = 0
        for hs in lex_starts:
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
    # what the neutral-text rules (inference only) could find: cheap tests, most texts pass none
    if lexicon and m and _NEUTRAL_HINT.search(text) is not None:
        gates = (_asks_something(text, words), _may_be_filler(text),
                 any(words[i] in HEDGE_WORDS for i in trig)  # hedge words are triggers
                 or _HEDGE_MULTI.search(text) is not None,
                 _DEFERRED_HINT.search(text) is not None)
        any_gate = any(gates)
    else:
        gates = (False, False, False, False)
        any_gate = False
    maybe_rhet = n >= 3 and _maybe_rhetorical(text)
    if not trig and not hits and not maybe_rhet and not any_gate:
        return None  # nothing can fire
    if out is None:
        factor = np.empty(n, dtype=np.float64)
        factor.fill(1.0)
    else:
        factor = out

    # -- contrast / concession (clause weights) ------------------------------
    seen_but = False
    expect = -1  # index of the first 以前/本来/看着 … word
    for i in trig:
        w = words[i]
        later = w in LATER and 0 <= expect < i
        if w in EXPECT_OPEN and expect < 0:
            expect = i
        if (w in CONTRAST or later) and i > 0:
            if w in ("结果", "只是") and (i + 1 >= m or _is_punct_token(words[i + 1])):
                continue
            s = starts[i]
            e = _sentence_end(text, s)
            factor[:s] *= PAST if later and w not in CONTRAST else BEFORE_CONTRAST
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
    outer: tuple[int, int, int] | None = None  # the last scope: (negator index, scope start, scope end index)
    for i in trig:
        w = words[i]
        if w not in NEGATORS:
            continue
        if _a_not_a(words, i):
            continue  # A-not-A question: 好不好, 有没有, 能 / 不能, 有冇, 系唔系
        if i + 1 < m and words[i + 1] in _NOT_NEGATED_AFTER.get(w, ()):
            continue
        if hits and any(hs <= starts[i] < he for hs, he, _ in hits):
            continue
        j = i + 1
        taken = 0
        # 没有一次… / 没有哪个… / 没有谁…: the negated quantifier's scope is the whole clause
        limit = m if w in _EXISTENTIAL_NEGATORS and j < m and words[j] in UNIVERSAL else SCOPE
        while j < m and taken < limit:
            wj = words[j]
            if not wj[:1].isalnum() or wj in _SCOPE_END:
                break  # punctuation, emoji and emoticons end the scope, as do contrast words and 吗/呢 …
            taken += 1
            j += 1
        if taken:
            # the scope, and the negator's tail after its last negation character (有 of 没有,
            # 是 of 不是, 会 of 不会): features starting there do not hold the negation (有问题 in
            # 没有问题, 会再来 in 不会再来), so they are negated like the scope
            s, e = starts[i] + _NEG_TAIL.get(w, len(w)), ends[j - 1]
            _scale(factor, s, e, NEGATION)
            phrases.append((starts[i], e))
            neg = True
            # a negator inside another's scope (没有一个人不耐心): the outer scope reaches as far
            if outer is not None and outer[0] < i < outer[2]:
                pe = ends[outer[2] - 1]
                if e > pe:
                    _scale(factor, pe, e, NEGATION)
                    phrases.append((starts[outer[0]], e))
                outer = (outer[0], outer[1], max(outer[2], j))
            else:
                outer = (i, s, j)
    for i in trig:
        if words[i] in DOUBLE_NEGATIVES:
            _scale(factor, starts[i], ends[i], NEGATION)
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
                _scale(factor, s, e, RHETORICAL)
                phrases.append((starts[i], e))
                rhet_bias.append((starts[i], ends[i], RHETORICAL_BIAS))
                rhet = True
    if maybe_rhet:
        for hints, rx in _RHETORICAL_RES:
            if not any(h in text for h in hints):
                continue
            for mt in rx.finditer(text):
                s, e = mt.span(1)
                if e > s:
                    _scale(factor, s, e, RHETORICAL)
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
            _scale(factor, starts[i + 1], ends[i + 1], f)
            deg = True
    if deg:
        fired.append("degree")
        changed = True

    # -- plain questions, hedges, platform filler (inference only) ----------------------
    neutral = 0.0
    reproach: list[tuple[int, int, float]] = []
    if any_gate:
        neutral = _neutral_rules(text, words, starts, gates, hits, phrases if rhet else [],
                                 factor, fired, reproach)
        changed = changed or neutral != 0.0

    # -- lexicon -----------------------------------------------------------------
    extra: list[tuple[int, int, float]] = rhet_bias + reproach if lexicon else []
    if lexicon:
        fault = False
        for hs, he, hw in hits:
            f = float(factor[hs])
            extra.append((hs, he, hw * f))
            phrases.append((hs, he))
            fault = fault or (f > 0 and text[hs:he] in FAULTS)
        if hits:
            fired.append("lexicon")
        if fault:
            neutral += FAULT_OPINION
            fired.append("fault")
    changed = changed or bool(extra)

    if not changed:
        return None
    return RuleEffects(factor=factor, extra=extra, phrases=_merge_phrases(phrases), fired=fired,
                       neutral=neutral)


def _neutral_rules(text: str, words: Sequence[str], starts: Sequence[int], gates: tuple[bool, bool, bool, bool],
                   hits: list[tuple[int, int, float]], rhet_spans: list[tuple[int, int]],
                   factor: np.ndarray, fired: list[str], reproach: list[tuple[int, int, float]]) -> float:
    """Damp plain questions, hedges and filler in ``factor``; return the neutral-logit shift.

    ``gates``: whether ``text`` may hold a question, filler, a hedge, a deferred verdict.

    * **filler** (用户未填写评价, 系统默认好评): its contributions are removed and
      :data:`FILLER_NEUTRAL` × its share of the text's characters is added.
    * **plain questions**: a sentence that asks (ends in 吗/么, or in ？ with a question word
      such as 多少, 几点, 能不能, or holds 请问 …) and carries no complaint marker (为什么, 怎么还, 这么 …, a
      negator other than a request's 不要/不用/别, a rhetorical pattern, a negative
      lexicon hit) is weighted by :data:`CONSULT_DAMP`, and :data:`CONSULT_NEUTRAL`
      × its share of the text is added. A question that reproaches (凭什么, 什么道理,
      怎么还 …) instead adds :data:`REPROACH` on its marker (to ``reproach``).
    * **hedges** (还行, 一般般, 凑合, 马马虎虎 …, a whole token or the start of one,
      outside questions): weighted by :data:`HEDGE_DAMP`, plus a lean of ±:data:`HEDGE_LEAN`
      (还行 +, 一般 −, 中规中矩 0; in ``reproach``); :data:`HEDGE_NEUTRAL` is added once.
    * **deferred verdicts** (还没用, 效果不清楚, 用了再来评价): :data:`DEFERRED_NEUTRAL`.
    """
    shift = 0.0
    may_ask, may_fill, may_hedge, may_defer = gates
    # -- filler
    if may_fill:
        for mt in _FILLER.finditer(text):
            s, e = mt.span()
            if e - s >= 3:
                factor[s:e] = 0.0
                shift += FILLER_NEUTRAL * _n_content(text[s:e]) / max(_n_content(text), 1)
                if "filler" not in fired:
                    fired.append("filler")
    # -- plain questions, sentence by sentence
    asked: list[tuple[int, int]] = []  # sentences that ask
    # a consultation holds no complaint marker, negative lexicon hit, rhetorical pattern or
    # negation (other than a request's 不要 or an A-not-A 能不能) anywhere: test the text once
    consult = may_ask and not rhet_spans and _COMPLAINT_Q.search(text) is None and not any(hw < 0 for _, _, hw in hits)
    if consult:
        consult = not any(w[:1] in _NEGATION_CHARS and w not in _REQUEST_NEGATORS and not _a_not_a(words, i)
                          for i, w in enumerate(words))
    reproachful = may_ask and _REPROACH.search(text) is not None
    if consult or reproachful or (may_ask and may_hedge):
        spans: list[tuple[int, int]] = []  # the plain questions
        for sm in _SENTENCE.finditer(text):
            s, e = sm.span()
            sent = sm.group()
            if s == e or _CONTENT.search(sent) is None:
                continue
            j, k = bisect_left(starts, s), bisect_left(starts, e)
            toks = [w for w in words[j:k] if w[:1].isalnum()]
            asks = (any(w in CONSULT_OPENERS for w in toks) or (bool(toks) and toks[-1] in QUESTION_PARTICLES)
                    or (sent.rstrip()[-1:] in ("？", "?") and _INTERROGATIVE.search(sent) is not None))
            if not asks:
                consult = False
                continue
            asked.append((s, e))
            spans.append((s, e))
            if reproachful:
                mt = _REPROACH.search(sent)
                if mt is not None:
                    reproach.append((s + mt.start(), s + mt.end(), REPROACH))
                    if "reproach" not in fired:
                        fired.append("reproach")
        # only a text that does nothing but ask is a consultation: in a review, a question
        # next to statements is part of the verdict (这是正品吗？质量太差)
        if consult and spans:
            for s, e in spans:
                factor[s:e] *= CONSULT_DAMP
            shift += CONSULT_NEUTRAL
            fired.append("question")
    # -- hedges (they begin a token, so a hedge word among the tokens is a precondition)
    if may_hedge:
        hedged = False
        token_start = set(starts)
        for mt in _HEDGE.finditer(text):
            s, e = mt.span()
            if s not in token_start or _GENERAL_ADVERB.match(text, s) or any(a <= s < b for a, b in asked):
                continue
            _scale(factor, s, e, HEDGE_DAMP)
            word = mt.group()
            if word not in _HEDGE_NEUTRAL_ONLY and _HEDGE_MULTI.fullmatch(word) is None:
                reproach.append((s, e, HEDGE_LEAN if word in _HEDGE_POSITIVE else -HEDGE_LEAN))
            hedged = True
        if hedged:
            shift += HEDGE_NEUTRAL
            fired.append("hedge")
    # -- deferred verdicts (还没用, 用了再来评价)
    if may_defer:
        deferred = False
        for mt in _DEFERRED.finditer(text):
            _scale(factor, mt.start(), mt.end(), HEDGE_DAMP)
            deferred = True
        if deferred:
            shift += DEFERRED_NEUTRAL
            fired.append("deferred")
    return shift


def _scale(factor: np.ndarray, s: int, e: int, f: float) -> None:
    """``factor[s:e] *= f``; a short span element by element (numpy's per-call cost outweighs
    the work; the products are the same doubles)."""
    if e - s > 6:
        factor[s:e] *= f
    else:
        for q in range(s, e):
            factor[q] *= f


_NEGATION_CHARS = frozenset("不没唔冇")
#: where each negator's tail begins: the offset after its last negation character
#: (没有 → 1, 并不 → 2, 算不上 → 2)
_NEG_TAIL = {w: max(w.rfind(c) for c in "不没无非未别甭勿唔冇咪毫莫") + 1 for w in NEGATORS}


def _a_not_a(words: Sequence[str], i: int) -> bool:
    """Whether the negator ``words[i]`` is the middle of an A-not-A question.

    One character between two words that meet in the same character (好 不 好, 系 唔 系),
    or 没/冇 after 有; a longer negator repeating the word before it (能 不能, 有 没有).
    """
    w = words[i]
    prev = words[i - 1] if i > 0 else ""
    if not prev or not w or w[0] not in _NEGATION_CHARS:
        return False
    if len(w) == 1:
        nxt = words[i + 1] if i + 1 < len(words) else ""
        return bool(nxt) and (prev[-1] == nxt[0] or (w in "没冇" and prev == "有"))
    return w[1:] == prev


def _asks_something(text: str, words: Sequence[str]) -> bool:
    """A cheap test: could ``text`` hold a question (？, 吗, the particle 么, 请问 …)?"""
    return ("？" in text or "?" in text or "吗" in text or ("么" in text and "么" in words)
            or _CONSULT_HINT.search(text) is not None)


def _may_be_filler(text: str) -> bool:
    """A cheap test: is there a 评 with 未/没/无/默认 shortly before it (用户未填写评价)?"""
    if "懒" in text and "什么" in text:  # 买家很懒，什么都没写
        return True
    i = text.find("评")
    while i >= 0:
        window = text[max(0, i - 10):i]
        if "未" in window or "没" in window or "无" in window or "默认" in window:
            return True
        i = text.find("评", i + 1)
    return False


def _n_content(text: str) -> int:
    """How many content characters (letters, digits, CJK, emoji) ``text`` holds."""
    return len(_CONTENT.findall(text))


def _sentence_end(text: str, pos: int) -> int:
    """The index of the first sentence end (。！？!?；;, line break) at or after ``pos``, else ``len(text)``."""
    mt = _SENTENCE_END_RE.search(text, pos)
    return len(text) if mt is None else mt.start()


def _clause_end(text: str, pos: int) -> int:
    """The index of the first clause end (a sentence end, ，,、：:~…) at or after ``pos``, else ``len(text)``."""
    mt = _CLAUSE_END_RE.search(text, pos)
    return len(text) if mt is None else mt.start()


def _question_end(text: str, pos: int) -> int:
    """The index of the first sentence end or 吗/么/嘛 at or after ``pos``, else ``len(text)``."""
    mt = _QUESTION_END_RE.search(text, pos)
    return len(text) if mt is None else mt.start()


_SENTENCE_END_RE = re.compile("[" + re.escape("".join(sorted(SENTENCE_END))) + "]")
_CLAUSE_END_RE = re.compile("[" + re.escape("".join(sorted(CLAUSE_END))) + "]")
_QUESTION_END_RE = re.compile("[" + re.escape("".join(sorted(SENTENCE_END | set("吗么嘛")))) + "]")


def _merge_phrases(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if len(spans) < 2:
        return list(spans)
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out
