"""Each speed shortcut of the opinion extractor against its plain form: bit-identical results."""

from __future__ import annotations

import pickle
import random
import zlib

import numpy as np

from voc.opinion_mining._features import (
    _NEGATORS,
    Lexicon,
    pair_features_from_key,
    pair_keys,
    polarity_features_from_key,
    polarity_key,
)
from voc.opinion_mining._linear import HashedLinear
from voc.opinion_mining._tagger import CharTagger, _emission_sum, domain_index, spans_from_tags

ALPHABET = "物流很快，包装破损了。但是价格贵！好不没太并质量香味道"
WORDS = {"好": "positive", "很好": "positive", "贵": "negative", "破损": "negative", "快": "positive",
         "香": "positive", "新鲜": "positive"}


def _texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 30))) for _ in range(n)]


def _random_spans(rng: random.Random, n: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    tags: list[int] = []
    while len(tags) < n:
        k = rng.choice([0, 0, 0, 1, 3])
        tags += [k] + [k + 1] * rng.randint(0, 2) if k else [0]
    return spans_from_tags(tags[:n])


# -- the plain forms (as the code read before the shortcuts) ------------------------------
def _plain_index(bits: int, feats: list[str]) -> list[int]:
    return [zlib.crc32(f.encode("utf-8")) & ((1 << bits) - 1) for f in feats]


def _plain_proba_many(lin: HashedLinear, feats: list[list[str]]) -> np.ndarray:
    lens = [len(f) for f in feats]
    flat = _plain_index(lin.bits, [x for f in feats for x in f])
    rows = np.repeat(np.arange(len(feats)), lens)
    S = np.zeros((len(feats), lin.W.shape[1]), dtype=np.float64)
    if flat:
        Wf = lin.W[flat].astype(np.float64)
        for j in range(S.shape[1]):
            S[:, j] = np.bincount(rows, weights=Wf[:, j], minlength=len(feats))
    S += lin.b
    S -= S.max(axis=1, keepdims=True)
    E = np.exp(S)
    return E / E.sum(axis=1, keepdims=True)


def _plain_lexicon_features(lex: Lexicon, op: str) -> list[str]:
    out = []
    assert lex._re is not None
    for m in lex._re.finditer(op):
        window = op[max(0, m.start() - 3):m.start()]
        neg = sum(window.count(n) for n in _NEGATORS) % 2
        out.append(f"lex={lex.words[m.group(0)]}{neg}")
    return out


def _plain_polarity_features(key: tuple[object, ...], lexicon: Lexicon | None) -> list[str]:
    op, aspect, pre, post, preneg, contrast, question = key
    assert isinstance(op, str) and isinstance(aspect, str) and isinstance(pre, str) and isinstance(post, str)
    f = [f"o={op}", f"a|o={aspect}|{op}", f"a={aspect}"]
    if lexicon is not None:
        f += _plain_lexicon_features(lexicon, op)
    f += [f"c={ch}" for ch in op]
    f += [f"b={op[i:i + 2]}" for i in range(len(op) - 1)]
    f += [f"t={op[i:i + 3]}" for i in range(len(op) - 2)]
    f += [f"a|c={aspect}|{ch}" for ch in op] if aspect else []
    neg = sum(op.count(n) for n in _NEGATORS)
    f.append(f"neg={neg % 2}{min(neg, 2)}")
    f += [f"p1={pre[-1:]}", f"p2={pre[-2:]}", f"n1={post[:1]}", f"n2={post}"]
    if preneg:
        f.append("preneg")
    if contrast:
        f.append("contrast")
    if question:
        f.append("question")
    return f


def _plain_pair_features(key: tuple[object, ...], domain: str) -> list[str]:
    d, n, gap, npunct, nend, ob, ab, nearest_a, nearest_o, asp, op = key
    assert isinstance(n, int) and isinstance(asp, str) and isinstance(op, str)
    db = str(n) if n <= 2 else "3-4" if n <= 4 else "5-8" if n <= 8 else "9-14" if n <= 14 else "15+"
    f = [
        f"d={d}", f"db={d}{db}", f"p={d}{npunct}", f"e={nend}", f"ob={ob}", f"ab={ab}",
        f"dpo={d}{db}{npunct}{ob}", f"dpa={d}{npunct}{ab}", f"na={nearest_a}{d}", f"no={nearest_o}{d}",
        f"nn={nearest_a}{nearest_o}{npunct}{nend}", f"a={asp}", f"o1={op[:1]}", f"a-1={asp[-1:]}",
        f"ol={min(len(op), 5)}",
    ]
    if gap is not None:
        f.append(f"g={d}{gap}")
    f.append(f"a|o={asp}|{op}")
    f += [f"{domain}|{x}" for x in f[:11]]
    return f


# -- the tests ---------------------------------------------------------------------------
def _random_linear(bits: int, n_classes: int, seed: int) -> HashedLinear:
    rng = np.random.default_rng(seed)
    lin = HashedLinear([f"c{i}" for i in range(n_classes)], bits=bits)
    lin.W = rng.normal(size=lin.W.shape).astype(np.float32)
    lin.b = rng.normal(size=lin.b.shape).astype(np.float32)
    return lin


def test_index_array_and_rows_equal_plain_index() -> None:
    lin = _random_linear(10, 3, 0)
    feats = [f"o={t}" for t in _texts(200)] + ["", "a|o=物流|很快", "😀", "ascii"]
    assert lin.index(feats) == _plain_index(10, feats)
    assert lin.index_array(feats).tolist() == _plain_index(10, feats)
    assert lin.index_array([]).tolist() == []
    idx = _plain_index(10, feats)
    assert np.array_equal(lin.rows(idx), lin.W[idx])


def test_proba_many_equals_plain_form() -> None:
    rng = random.Random(1)
    for bits, k in ((8, 3), (12, 2), (10, 5)):
        lin = _random_linear(bits, k, bits)
        feats = [[f"x={t}" for t in _texts(rng.randint(0, 40), seed=i)] for i in range(60)]
        got = lin.proba_many(feats)
        assert np.array_equal(got, _plain_proba_many(lin, feats))
        for f, row in zip(feats, got):
            assert np.allclose(lin.proba(f), row)


def test_emission_sum_and_folded_equal_fancy_indexing() -> None:
    rng = np.random.default_rng(0)
    table = rng.normal(size=(1 << 10, 5)).astype(np.float32)
    idx = rng.integers(0, 1 << 10, size=(300, 24))
    want = table[idx[:, 0]]
    for f in range(1, idx.shape[1]):
        want = want + table[idx[:, f]]
    assert np.array_equal(_emission_sum(table, idx), want)
    assert np.array_equal(_emission_sum(table, idx), table[idx].sum(axis=1))
    tg = CharTagger(bits=10)
    tg.W = table
    rows = np.arange(1 << 10)
    assert np.array_equal(tg.folded(2), table + table[domain_index(rows, 2, 10)])


def test_lexicon_memo_and_polarity_features_equal_plain_form() -> None:
    lex = Lexicon(WORDS)
    rng = random.Random(2)
    for text in _texts(400, seed=3) * 2:  # twice: the second pass reads the memos
        assert lex.features(text) == _plain_lexicon_features(lex, text)
        aspects, opinions = _random_spans(rng, len(text))
        for o in opinions:
            for asp in ("", "物流", text[:2]):
                key = polarity_key(text, asp, o)
                assert polarity_features_from_key(key, lex) == _plain_polarity_features(key, lex)
                assert polarity_features_from_key(key) == _plain_polarity_features(key, None)
    # the returned list is the caller's own: changing it leaves the memo intact
    got = lex.features("很好")
    got.append("x")
    assert lex.features("很好") == _plain_lexicon_features(lex, "很好")
    # memos are dropped on pickling, the results stay the same
    lex2 = pickle.loads(pickle.dumps(lex))
    assert lex2._memo == {} and lex2.features("不太好") == _plain_lexicon_features(lex, "不太好")


def test_pair_features_memo_equals_plain_form() -> None:
    rng = random.Random(4)
    memo: dict = {}
    for text in _texts(300, seed=5) * 2:
        aspects, opinions = _random_spans(rng, len(text))
        if not aspects or not opinions:
            continue
        for key in pair_keys(text, aspects, opinions):
            for domain in ("ecommerce", "restaurant"):
                want = _plain_pair_features(key, domain)
                assert pair_features_from_key(key, domain) == want
                assert pair_features_from_key(key, domain, memo) == want
    assert memo


def _plain_add_known_phrases(text: str, aspects: list[tuple[int, int]], opinions: list[tuple[int, int]],
                             tax: object, lexicon: Lexicon) -> list[tuple[int, int]]:
    import bisect

    from voc.opinion_mining._features import boundaries

    rx = tax._imp_re  # type: ignore[attr-defined]
    if rx is None or rx.search(text) is None:
        return opinions
    cuts = [-1, *boundaries(text), len(text)]
    starts = [o0 for o0, _ in opinions]
    extra: list[tuple[int, int]] = []
    for lo, hi in zip(cuts, cuts[1:]):
        lo += 1
        if hi - lo < 2:
            continue
        k = bisect.bisect_left(starts, lo)
        if k < len(starts) and starts[k] < hi:
            continue
        if k and opinions[k - 1][1] > lo:
            continue
        for m in rx.finditer(text, lo, hi):
            s, e = m.span()
            if e - s < 2 or any(x0 < e and s < x1 for x0, x1 in aspects):
                continue
            cues = _plain_lexicon_features(lexicon, m.group(0))
            if any(c in ("lex=negative0", "lex=positive1") for c in cues):
                extra.append((s, e))
    return sorted(opinions + extra) if extra else opinions


def test_add_known_phrases_equals_plain_form() -> None:
    from voc.opinion_mining import OpinionExtractor
    from voc.opinion_mining._extractor import _add_known_phrases
    from voc.opinion_mining._features import boundaries

    ex = OpinionExtractor.load()
    model, tax, _ = ex._get()
    assert tax._imp_re is not None
    phrases = ["发热", "断网", "乱收费", "卡顿", "掉色", "漏液", "很好", "不贵"]
    rng = random.Random(6)
    texts = ["".join(rng.choice(phrases + list("，。！物流快好") * 3) for _ in range(rng.randint(0, 14)))
             for _ in range(400)]
    changed = 0
    for text in texts:
        aspects, opinions = _random_spans(rng, len(text))
        want = _plain_add_known_phrases(text, aspects, opinions, tax, model.lexicon)
        assert _add_known_phrases(text, aspects, opinions, tax, model.lexicon) == want
        assert _add_known_phrases(text, aspects, opinions, tax, model.lexicon, boundaries(text)) == want
        changed += want != opinions
    assert changed  # the recall net did add phrases in some texts


def test_refiner_weight_shortcut_equals_plain_sum() -> None:
    from voc.opinion_mining._features import (
        refine_end_features,
        refine_end_key,
        refine_start_features,
        refine_start_key,
    )

    lin = _random_linear(12, 2, 7)
    W = lin.W
    delta = W[:, 1] - W[:, 0]
    delta64 = delta.astype(np.float64)  # as _refine_units widens it, once per batch
    rng = random.Random(8)
    for text in _texts(200, seed=9):
        o = (0, len(text))
        for k in range(len(text)):
            for feats in (refine_start_features(refine_start_key(text, o, k, rng.random() < 0.5)),
                          refine_end_features(refine_end_key(text, o, k + 1, rng.random() < 0.5))):
                plain = float(delta[lin.index(feats)].astype(np.float64).sum())
                assert float(np.add.reduce(delta64.take(lin.index(feats)))) == plain


# -- long texts: each step reads a text once, not once per sentence / unit / phrase ------------
_LONG_ALPHABET = ALPHABET + "。！？～…\n ，；、：" + "发热断网乱收费"


def _long_text(n: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(_LONG_ALPHABET) for _ in range(n))


def test_pair_keys_by_sentence_equal_pair_key_and_read_each_sentence_once(monkeypatch) -> None:
    import voc.opinion_mining._features as feats
    from voc.opinion_mining._extractor import _pair_groups
    from voc.opinion_mining._features import pair_key

    read = []  # (pos, endpos) of every punctuation scan pair_keys makes

    class _Counting:
        def __init__(self, rx) -> None:
            self.rx = rx

        def finditer(self, text, pos=0, endpos=None):
            read.append((pos, len(text) if endpos is None else endpos))
            return self.rx.finditer(text, pos, len(text) if endpos is None else endpos)

    monkeypatch.setattr(feats, "_CLAUSE_RE", _Counting(feats._CLAUSE_RE))
    monkeypatch.setattr(feats, "_SENT_END_RE", _Counting(feats._SENT_END_RE))
    rng = random.Random(10)
    for n, seed in ((3000, 11), (12000, 12)):
        text = _long_text(n, seed)
        aspects, opinions = _random_spans(rng, n)
        groups = _pair_groups(text, aspects, opinions)
        assert len(groups) > 50  # a long text is paired sentence by sentence
        read.clear()
        for ga, go in groups:
            assert pair_keys(text, ga, go) == [pair_key(text, a, o, ga, go) for o in go for a in ga]
        # two scans (clause marks, sentence ends) per group, each over the group's own stretch:
        # the characters read grow with the text, not with (sentences × text)
        assert len(read) == 2 * len(groups)
        assert sum(hi - lo for lo, hi in read) <= 2 * 2 * n
    # spans anywhere in a short text: the same keys as pair_key (the plain form)
    for text in _texts(300, seed=13):
        aspects, opinions = _random_spans(rng, len(text))
        if aspects and opinions:
            assert pair_keys(text, aspects, opinions) == \
                [pair_key(text, a, o, aspects, opinions) for o in opinions for a in aspects]
    assert pair_keys("物流很快", [], []) == []


def test_unit_context_gives_the_plain_unit_features() -> None:
    from voc.opinion_mining._features import unit_context, unit_features

    rng = random.Random(14)
    texts = [_long_text(4000, 15), _long_text(600, 16), "物流很快" * 40, "物流很快，包装差。。！", "。很好", "好",
             *_texts(300, seed=17), *(t + rng.choice(["。", "！！", "…", "～。", ""]) for t in _texts(100, seed=18))]
    seen = 0
    for text in texts:
        aspects, opinions = _random_spans(rng, len(text))
        if not opinions:
            continue
        # units as the extractor builds them: opinions with one or several aspects, or none; shared spans
        units = [(rng.choice(aspects) if aspects and rng.random() < 0.7 else None, o)
                 for o in opinions for _ in range(rng.choice([1, 1, 2]))]
        ctx = unit_context(text, units)
        for (a, o), pol in zip(units, (rng.choice(["positive", "negative"]) for _ in units)):
            want = unit_features(text, a, o, pol, len(units), units=units)
            assert unit_features(text, a, o, pol, len(units), units=units, context=ctx) == want
            seen += 1
    assert seen > 1000


def test_add_known_phrases_on_a_long_text_equals_plain_form() -> None:
    from voc.opinion_mining import OpinionExtractor
    from voc.opinion_mining._extractor import _add_known_phrases
    from voc.opinion_mining._features import boundaries

    model, tax, _ = OpinionExtractor.load()._get()
    rng = random.Random(19)
    text = _long_text(20000, 20)
    aspects, opinions = _random_spans(rng, len(text))
    # a sparser set of opinions leaves clauses for the recall net
    opinions = [o for o in opinions if rng.random() < 0.3]
    want = _plain_add_known_phrases(text, aspects, opinions, tax, model.lexicon)
    assert want != opinions
    assert _add_known_phrases(text, aspects, opinions, tax, model.lexicon, boundaries(text)) == want
    # aspects in another order (the bisection needs them sorted): the plain scan, the same answer
    shuffled = aspects[:]
    rng.shuffle(shuffled)
    assert _add_known_phrases(text, shuffled, opinions, tax, model.lexicon) == want


def test_a_run_on_sentence_is_paired_in_windows_of_clauses() -> None:
    """A wall of text with no sentence end is paired clause window by clause window: every span in
    exactly one window, in order, no window past the pair budget, and each clause's own pair kept."""
    import voc
    from voc.opinion_mining._extractor import _MAX_PAIRS, _pair_groups

    clause = "物流很快，包装很好，客服态度不错，价格便宜，屏幕清晰，电池不耐用，"
    text = clause * 60                                    # 2,040 characters, commas only
    aspects = [(m, m + 2) for m in range(len(text)) if text.startswith(("物流", "包装", "客服", "价格", "屏幕", "电池"), m)]
    opinions = [(m + 2, m + 4) for m, _ in aspects]
    groups = _pair_groups(text, aspects, opinions)
    assert len(groups) > 1
    assert [sp for ga, _ in groups for sp in ga] == aspects and [sp for _, go in groups for sp in go] == opinions
    assert all(len(ga) * len(go) <= _MAX_PAIRS for ga, go in groups)
    found = {(o.aspect, o.opinion) for o in voc.opinions(text)}
    assert {("物流", "很快"), ("包装", "很好"), ("价格", "便宜")} <= found
    assert len(voc.opinions(text)) == 60 * len(voc.opinions(clause))   # each clause's units, once per clause
