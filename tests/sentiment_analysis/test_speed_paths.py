"""The sentiment scorer's and segmenter's shortcuts give exactly what the plain forms give.

Each test pits a fast path against the straightforward computation it replaces
(``tests/sentiment_analysis/test_sentiment.py`` checks the model's outputs end to end).
"""

from __future__ import annotations

import itertools
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

import voc
from voc import Span
from voc.segmentation import _engines
from voc.sentiment_analysis import SentimentModel
from voc.sentiment_analysis import model as model_mod
from voc.sentiment_analysis import rules as R

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"

TEXTS = [
    "", "好", "。", "不是很好", "没有不满意的地方", "虽然贵，但是质量很好", "物流很快，不过包装破损了",
    "难道这就是你们的服务吗？", "好评是不可能好评的", "好在哪里", "好个屁", "哪里好了", "这也叫服务？",
    "非常非常好👍", "气死了[怒]😡", "客服[怒][怒]", "^_^很满意", "T_T 太失望", "QAQ", "USB 接口松了 sb",
    "YYDS！绝绝子", "Good，NICE，Perfect", "nb 666 无语", "不好不坏吧", "还行吧", "一般般", "凑合",
    "我一般不吃辣，这家还可以", "此用户没有填写评价。", "系统默认好评", "请问几点发货？", "有没有赠品？",
    "请问这款洗发水适合油性头发吗？请问有没有小样？", "凭什么扣我钱？", "还没开始用，用了再评",
    "以前很差，现在好多了", "本来以为很好，结果很差", "有冇得退貨？", "質素唔好，用咗兩日就壞咗，好失望",
    "這個手機很好用，運行流暢，推薦購買", "WiFi信号很差，Not Good", "iPhone14 的 Wi-Fi 1.1kg 99%",
    "  空格  与\t制表符  ", "没有一个工作人员不耐心的", "不要太好吃", "好不好吃都不重要", "能不能快点发货？",
    "东西不错但是物流太慢了，客服也不理人，以后不会再来了", "质量不错，物流也很快。" * 40,
]


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return SentimentModel.load()


@pytest.fixture(scope="module")
def texts(model: SentimentModel) -> list[str]:
    """The texts above, plus a sample of real reviews when the shared data is there; normalised."""
    out = list(TEXTS)
    path = DATA / "sentiment" / "online_shopping_9cats.csv"
    if path.exists():
        import pandas as pd

        reviews = pd.read_csv(path).review.dropna().astype(str).tolist()
        out += reviews[::97][:400]
    norm = model._get_tools()[0]
    return [norm.normalize(t) for t in out]


def _old_lexicon_starts(text: str, words: list[str], starts: list[int]) -> list[int]:
    """The candidate test as the rule layer first wrote it: every token start, one by one."""
    first = R._first_chars_any_case()
    singles, pairs = R._entry_prefixes()
    low = text.translate(voc.sentiment_analysis.lexicon.ASCII_LOWER)
    return [s for w, s in zip(words, starts)
            if w[:1] in first and (low[s] in singles or low[s:s + 2] in pairs)]


def test_lexicon_starts_batch_equals_per_text(model: SentimentModel, texts: list[str]) -> None:
    """The vectorised candidate starts of a whole batch are each text's own."""
    seg = model._get_tools()[1]
    spans = [seg._spans(t) for t in texts]
    lens = np.array([len(t) for t in texts], dtype=np.int64)
    offs = np.concatenate([[0], np.cumsum(lens + 1)[:-1]])
    u = voc.sentiment_analysis._features.char_codes("\x00".join(texts))
    td = np.repeat(np.arange(len(texts)), [len(w) for w, _, _ in spans])
    ts = np.array([s for _, st, _ in spans for s in st], dtype=np.int64) + offs[td]
    te = np.array([e for _, _, en in spans for e in en], dtype=np.int64) + offs[td]
    got = model_mod._lexicon_starts_batch(u, ts, te, td, offs[td], len(texts))
    n_hit = 0
    for i, (t, (w, s, _)) in enumerate(zip(texts, spans)):
        want = R._lexicon_starts(t, w, s)
        assert got.get(i, []) == want == _old_lexicon_starts(t, w, s), t
        n_hit += bool(want)
    assert n_hit >= 10  # the texts exercise the lexicon


def test_rules_into_a_given_array(model: SentimentModel, texts: list[str]) -> None:
    """Writing the factors into a caller's array of ones gives apply_rules_spans' result, and
    leaves the array all ones when nothing fired."""
    seg = model._get_tools()[1]
    fired = 0
    for t in texts:
        w, s, e = seg._spans(t)
        want = R.apply_rules_spans(t, w, s, e)
        out = np.ones(len(t))
        got = R._apply_rules(t, w, s, e, True, R._lexicon_starts(t, w, s) if w else [], out)
        assert (got is None) == (want is None), t
        if want is None:
            assert (out == 1.0).all()
            continue
        fired += 1
        assert got.factor is out and out.tobytes() == want.factor.tobytes()
        assert (got.extra, got.phrases, got.fired, got.neutral) == (want.extra, want.phrases, want.fired,
                                                                     want.neutral)
    assert fired >= 20


def test_neutral_hint_admits_every_gated_text(model: SentimentModel, texts: list[str]) -> None:
    """The one-regex pre-test never hides a text that one of the four neutral gates would pass."""
    seg = model._get_tools()[1]
    gated = 0
    for t in texts:
        w = seg._spans(t)[0]
        gates = (R._asks_something(t, w), R._may_be_filler(t), not R.HEDGE_WORDS.isdisjoint(w),
                 R._DEFERRED_HINT.search(t) is not None)
        if any(gates):
            gated += 1
            assert R._NEUTRAL_HINT.search(t) is not None, t
    assert gated >= 10


@pytest.mark.parametrize("text", TEXTS)
def test_sentence_clause_question_ends(text: str) -> None:
    """The regex searches find the first end character, as a character loop does."""
    def first(chars: frozenset[str] | set[str], pos: int) -> int:
        return next((k for k in range(pos, len(text)) if text[k] in chars), len(text))

    for pos in range(len(text) + 1):
        assert R._sentence_end(text, pos) == first(R.SENTENCE_END, pos)
        assert R._clause_end(text, pos) == first(R.CLAUSE_END, pos)
        assert R._question_end(text, pos) == first(R.SENTENCE_END | set("吗么嘛"), pos)


def test_scale_equals_slice_multiplication() -> None:
    rng = np.random.default_rng(0)
    for s, e in [(0, 0), (0, 1), (2, 4), (1, 5), (3, 10), (0, 12)]:
        for f in (R.NEGATION, R.INTENSIFIER, R.DIMINISHER, R.HEDGE_DAMP, -1.0):
            a = rng.normal(size=12)
            b = a.copy()
            R._scale(a, s, e, f)
            b[s:e] *= f
            assert a.tobytes() == b.tobytes()


def test_bigram_table_equals_the_pair_dict(model: SentimentModel, texts: list[str]) -> None:
    """Bigrams found by their words' ids are the (word, word) dict's, and the scores with the
    table are the scores without it (the fallback for models whose bigrams hold non-words)."""
    st = model._fitted()
    table = st.bigram_table()
    assert table is not None
    seg = model._get_tools()[1]
    for t in texts[:60]:
        keys = [w.lower() for w in seg._spans(t)[0]]
        wid = np.array([st.words.get(k, 0) for k in keys], dtype=np.int64)
        if len(wid) < 2:
            continue
        got = table.lookup((wid[:-1] << 32) | wid[1:]).tolist()
        assert got == [st.bigrams.get(p, 0) for p in zip(keys, keys[1:])]
    plain = pickle.loads(pickle.dumps(model))
    plain._fitted()._bi = False  # as for a model with a bigram of non-words: the pair dict only
    toks = [model_mod._Spans(*seg._spans(t)) for t in texts]
    assert plain._score_vec(plain._fitted(), texts, toks) == model._score_vec(st, texts, toks)
    a = np.asarray(plain._score_vec(plain._fitted(), texts, toks, evidence=False, probs=True))
    b = np.asarray(model._score_vec(st, texts, toks, evidence=False, probs=True))
    assert a.tobytes() == b.tobytes()


def test_words_of_unchanged_texts_are_not_lowered(model: SentimentModel) -> None:
    """A batch mixing texts with and without upper case scores each as alone."""
    texts = ["iPhone很好用，NICE", "很好用", "GOOD 不错", "OK"]
    seg = model._get_tools()[1]
    st = model._fitted()
    toks = [model_mod._Spans(*seg._spans(t)) for t in texts]
    together = model._score_vec(st, texts, toks)
    assert together == [model._score_vec(st, [t], [k])[0] for t, k in zip(texts, toks)]


def test_fast_spans_are_spans() -> None:
    s = model_mod._make_span(0, 2, "差评", -1.3)
    assert type(s) is Span and s == Span(0, 2, "差评", weight=-1.3) and s.label == ""
    assert pickle.loads(pickle.dumps(s)) == s
    with pytest.raises(AttributeError):
        s.weight = 1.0  # type: ignore[misc]


def test_ascii_regexes_keep_their_language() -> None:
    """SUSPECT_ASCII and NEEDS_CLEAN match exactly where their two-branch forms do."""
    suspect = re.compile(r"[A-Za-z0-9][+#&._%\-]|[+#&._%\-][A-Za-z0-9]")
    needs = re.compile(r"\s|[A-Za-z0-9][+#&._%\-]|[+#&._%\-][A-Za-z0-9]")
    alphabet = "aZ09+#&._%-好 \t\n，\u3000"
    for n in range(4):
        for chars in itertools.product(alphabet, repeat=n):
            t = "".join(chars)
            assert bool(_engines.SUSPECT_ASCII.search(t)) == bool(suspect.search(t)), t
            assert bool(_engines.NEEDS_CLEAN.search(t)) == bool(needs.search(t)), t


def test_complaint_regex_keeps_its_language() -> None:
    """_COMPLAINT_Q, written with a literal first character in every alternative, matches where
    its grouped form does."""
    grouped = re.compile(R._COMPLAINT_Q.pattern
                         .replace("也(?:叫|算|配|能叫)|还(?:叫|算|配|能叫)", "(?:也|还)(?:叫|算|配|能叫)")
                         .replace("？[？?!！]|\\?[？?!！]|![？?!！]|！[？?!！]", "[？?!！]{2}"))
    assert grouped.pattern != R._COMPLAINT_Q.pattern
    alphabet = "也还叫算配能？?!！好吗"
    for n in range(4):
        for chars in itertools.product(alphabet, repeat=n):
            t = "".join(chars)
            assert bool(grouped.search(t)) == bool(R._COMPLAINT_Q.search(t)), t
    for t in TEXTS:
        assert bool(grouped.search(t)) == bool(R._COMPLAINT_Q.search(t)), t
