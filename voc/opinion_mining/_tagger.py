"""Character sequence labeller for aspect and opinion spans.

A linear-chain model over the characters of the normalised text with five
tags (``O``, ``B-A``, ``I-A``, ``B-O``, ``I-O``), trained as an averaged
structured perceptron and decoded with constrained Viterbi (an ``I-X`` tag
only after ``B-X`` or ``I-X``).

Features are hashed character n-grams around each position (unigrams at
−3…+3, bigrams and trigrams across the position, the character classes of
the neighbours), computed with vectorised integer arithmetic on the code
points, so there is no vocabulary to ship and unseen characters still get a
(collided) weight: extraction costs a few numpy calls per text. The hash is a
fixed arithmetic mix, identical across processes and platforms (Python's
``hash`` is salted per process and is never used).

Characters, not words: spans then never depend on which segmenter (or user
dictionary) produced ``doc.tokens``, and ``extract(text)`` and
``__call__(doc)`` give the same spans.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np

__all__ = ["TAGS", "CharTagger", "SpanLexicon", "domain_index", "features", "features_many", "spans_from_tags",
           "word_bounds", "word_bounds_many"]

TAGS: tuple[str, ...] = ("O", "B-A", "I-A", "B-O", "I-O")
_O, _BA, _IA, _BO, _IO = range(5)
_NT = len(TAGS)

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_M3 = np.uint64(0x165667B19E3779F9)
_M4 = np.uint64(0xD6E8FEB86659FD93)
_SHIFT = np.uint64(29)

# templates as offsets −3…+3 into a window of 7 code points (column k = offset k − 3)
_UNI = np.arange(7)
_BI = (np.array([1, 2, 3, 4, 2]), np.array([2, 3, 4, 5, 4]))  # (-2,-1) (-1,0) (0,1) (1,2) (-1,1)
_TRI = (np.array([1, 2, 3]), np.array([2, 3, 4]), np.array([3, 4, 5]))  # (-2..0) (-1..1) (0..2)
_N_COLS = 7 + 5 + 3 + 3
_PAD = 3
_BOS = 0x110001  # outside Unicode: never collides with a real character


def _salts(n: int, base: int) -> np.ndarray:
    return (np.arange(base, base + n, dtype=np.uint64) * _M4).astype(np.uint64)


_SALT_U, _SALT_B, _SALT_T = _salts(7, 1), _salts(5, 11), _salts(3, 21)
_SALT_C = _salts(3, 31)


def _allowed() -> tuple[np.ndarray, np.ndarray]:
    """Masks of allowed transitions (prev → cur) and allowed first tags."""
    ok = np.ones((_NT, _NT), dtype=bool)
    for prev in range(_NT):
        if prev not in (_BA, _IA):
            ok[prev, _IA] = False
        if prev not in (_BO, _IO):
            ok[prev, _IO] = False
    first = np.array([True, True, False, True, False])
    return ok, first


_OK, _FIRST = _allowed()
_NEG = np.float32(-1e9)


def _char_class(o: np.ndarray) -> np.ndarray:
    """0 pad, 1 Han, 2 digit, 3 Latin letter, 4 Chinese punctuation, 5 other."""
    cls = np.full(o.shape, 5, dtype=np.uint64)
    cls[(o >= 0x4E00) & (o <= 0x9FFF)] = 1
    cls[(o >= 0x3400) & (o <= 0x4DBF)] = 1
    cls[(o >= 0x30) & (o <= 0x39)] = 2
    low = o | 0x20
    cls[(low >= 0x61) & (low <= 0x7A)] = 3
    cls[((o >= 0x3000) & (o <= 0x303F)) | ((o >= 0xFF00) & (o <= 0xFF65))] = 4
    cls[o >= 0x110000] = 0
    return cls


_CLAUSE_CODES = np.array([ord(c) for c in "，。！？；、,.!?;：:~～ \n…"] + [_BOS], dtype=np.uint64)
_SALT_D = _salts(3, 41)


def _clause_distances(o: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance (capped at 8) from each character to the previous and the next clause boundary."""
    idx = np.arange(len(o), dtype=np.int64)
    is_p = np.isin(o, _CLAUSE_CODES)
    last = np.maximum.accumulate(np.where(is_p, idx, -1))
    nxt = np.minimum.accumulate(np.where(is_p, idx, len(o))[::-1])[::-1]
    prev = last[pos - 1]
    after = nxt[np.minimum(pos + 1, len(o) - 1)]
    return (np.minimum(pos - prev, 8).astype(np.uint64), np.minimum(after - pos, 8).astype(np.uint64))


_SALT_L = _salts(3, 51)


def _trie_regex(words: Sequence[str]) -> re.Pattern[str] | None:
    """One regex matching the longest word at each position, as a trie of nested groups.

    ``re`` tries the branches of a plain alternation one after another; a trie
    lets it follow one branch per character (about 2.5x faster on 800 words).
    """
    trie: dict[str, Any] = {}
    for w in words:
        d = trie
        for ch in w:
            d = d.setdefault(ch, {})
        d[""] = True

    def build(d: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(d.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return "(?:" + body + ")?" if "" in d else body

    return re.compile(build(trie)) if trie else None


_SPAN = re.Match.span  # (start, end) of a match, called from C in map()

_SALT_W = _salts(4, 61)
_BOS_WORD = np.uint64(0x5BD1E9955BD1E995)  # the "word" before a text's first and after its last word
_ENGINE_LOCK = threading.Lock()
_ENGINE: list[Any] = []  # one private rjieba instance, built on first use and never changed after


def _word_engine() -> Any:
    """A private ``rjieba.Jieba`` with the default dictionary (user words added elsewhere never reach it)."""
    with _ENGINE_LOCK:
        if not _ENGINE:
            import rjieba  # noqa: PLC0415 - builds its own default instance: import late

            _ENGINE.append(rjieba.Jieba())
        return _ENGINE[0]


def word_bounds(text: str) -> tuple[set[int], set[int]]:
    """Offsets where a jieba word of ``text`` starts, and where one ends (default dictionary)."""
    return word_bounds_many([text])[0]


def word_bounds_many(texts: Sequence[str]) -> list[tuple[set[int], set[int]]]:
    """:func:`word_bounds` of many texts, with one segmenter call (texts joined by newlines, which end a word)."""
    if not texts:
        return []
    out: list[tuple[set[int], set[int]]] = []
    starts: set[int] = set()
    ends: set[int] = set()
    k = at = 0
    n = len(texts[0])
    for w in _word_engine().cut("\n".join(texts)):
        if at == n and w == "\n":  # the separator after text k
            out.append((starts, ends))
            starts, ends = set(), set()
            k += 1
            n = len(texts[k])
            at = 0
            continue
        starts.add(at)
        at += len(w)
        ends.add(at)
    out.append((starts, ends))
    return out


def _word_codes(texts: Sequence[str], lens: Sequence[int], c: np.ndarray) -> np.ndarray:
    """Per character of the concatenated ``texts`` (code points ``c``): hashed word features.

    Columns: (word, position B/M/E/S), (previous word, position), (next word,
    position), (position and word length, character). Segmented with jieba's
    default dictionary, once for the whole batch (texts joined by newlines,
    which always end a word), so a text gets the same words alone or in a batch.
    """
    if not len(c):
        return np.zeros((0, 4), dtype=np.uint64)
    joined = "\n".join(texts)
    n = len(joined)
    words = _word_engine().cut(joined)
    wl = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    start = np.zeros(n + 1, dtype=bool)
    if int(wl.sum()) == n:
        start[np.cumsum(wl)[:-1]] = True
    else:  # never seen: fall back to characters
        start[:] = True
    start[0] = True
    sep = np.cumsum(np.asarray(lens[:-1], dtype=np.int64) + 1) - 1
    start[sep] = True
    start[sep + 1] = True
    start = start[:n]
    cj = np.zeros(n, dtype=np.uint64)
    keep = np.ones(n, dtype=bool)
    keep[sep] = False
    cj[keep] = c
    cj[sep] = 10
    starts = np.nonzero(start)[0]
    wid = np.cumsum(start) - 1
    off = np.arange(n) - starts[wid]
    wlen = np.diff(np.append(starts, n))
    with np.errstate(over="ignore"):
        v = (cj + off.astype(np.uint64) * np.uint64(0x10FFFF)) * _M1
        v ^= v >> _SHIFT
        v *= _M2
        wh = np.add.reduceat(v, starts)
        wh[wid[sep]] = _BOS_WORD  # the separators are not words
        whp = np.concatenate([[_BOS_WORD], wh, [_BOS_WORD]]).astype(np.uint64)
        ln = wlen[wid]
        pos = np.where(ln == 1, 3, np.where(off == 0, 0, np.where(off == ln - 1, 2, 1))).astype(np.uint64)
        out = np.stack([whp[wid + 1] ^ pos, whp[wid] ^ pos, whp[wid + 2] ^ pos,
                        ((pos * np.uint64(16) + np.minimum(ln, 15).astype(np.uint64)) << np.uint64(24)) ^ cj], axis=1)
        out = (out ^ _SALT_W) * _M3
    return out[keep]


class SpanLexicon:
    """Known aspect words and opinion words, marked B/I/E/S on the characters they cover.

    Gives the tagger what the taxonomy knows about words it never saw labelled
    (压坏, 网速, 到账慢), so spans generalise beyond the training domains.
    """

    def __init__(self, aspects: Sequence[str], opinions: Sequence[str]) -> None:
        self.aspects = sorted(set(aspects))
        self.opinions = sorted(set(opinions))
        self._res = (_trie_regex(self.aspects), _trie_regex(self.opinions))

    def codes(self, text: str) -> np.ndarray:
        """Per character: 5 * aspect position + opinion position (0 none, 1 B, 2 I, 3 E, 4 S)."""
        n = len(text)
        out = np.zeros(n, dtype=np.uint64)
        for rx, mult in zip(self._res, (5, 1)):
            if rx is None:
                continue
            spans = np.fromiter(chain.from_iterable(map(_SPAN, rx.finditer(text))), dtype=np.int64).reshape(-1, 2)
            if not len(spans):
                continue
            st, en = spans[:, 0], spans[:, 1]
            one = en - st == 1
            code = np.zeros(n + 1, dtype=np.int64)
            inside = np.zeros(n + 1, dtype=np.int64)  # +1 / -1 marks, summed: inside a long match
            np.add.at(inside, st[~one] + 1, 1)
            np.add.at(inside, en[~one] - 1, -1)
            code[:n] = np.where(np.cumsum(inside)[:n] > 0, 2, 0)
            code[st[~one]] = 1
            code[en[~one] - 1] = 3
            code[st[one]] = 4
            out += code[:n].astype(np.uint64) * np.uint64(mult)
        return out


def features_many(texts: Sequence[str], bits: int, domain: int = 0,
                  clause: bool = False, lexicon: SpanLexicon | None = None,
                  words: bool = False) -> tuple[np.ndarray, list[int]]:
    """Hashed feature indices of all characters of ``texts``, stacked, and each text's length.

    One pass over the concatenation (texts separated by padding wide enough
    that no window sees two texts), so a batch costs a handful of numpy calls.
    With ``domain`` > 0 every feature also gets a domain-specific copy (feature
    augmentation, Daumé 2007): shared weights learn what the annotation styles
    agree on, the copies learn where they differ.
    """
    lens = [len(t) for t in texts]
    c = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    # each text's characters land after (k + 1) paddings of width _PAD
    pos = np.arange(len(c)) + _PAD * (1 + np.repeat(np.arange(len(texts)), lens))
    o = np.full(len(c) + _PAD * (len(texts) + 1) + 1, _BOS, dtype=np.uint64)
    o[pos] = c
    rows = pos - _PAD
    O = np.lib.stride_tricks.sliding_window_view(o, 7)[rows]  # row r = code points r … r+6, centre r+3
    cls = np.lib.stride_tricks.sliding_window_view(_char_class(o), 7)[rows]
    shift = np.uint64(64 - bits)
    with np.errstate(over="ignore"):
        U = (O ^ _SALT_U) * _M1
        B = ((O[:, _BI[0]] ^ _SALT_B) * _M1 ^ O[:, _BI[1]]) * _M2
        T = (((O[:, _TRI[0]] ^ _SALT_T) * _M1 ^ O[:, _TRI[1]]) * _M2 ^ O[:, _TRI[2]]) * _M3
        c5 = (cls[:, 1] * np.uint64(4096) + cls[:, 2] * np.uint64(512) + cls[:, 3] * np.uint64(64)
              + cls[:, 4] * np.uint64(8) + cls[:, 5])
        C = np.stack([c5, cls[:, 3], np.zeros_like(c5)], axis=1)
        C = (C ^ _SALT_C) * _M3
        parts = [U, B, T, C]
        if clause:  # where the character sits in its clause (opinions often run to a comma)
            dp, dn = _clause_distances(o, pos)
            ch = O[:, 3]
            D = np.stack([dp * np.uint64(16) + dn, (dp << np.uint64(24)) ^ ch, (dn << np.uint64(24)) ^ ch], axis=1)
            parts.append((D ^ _SALT_D) * _M3)
        if lexicon is not None:
            # texts joined by "\n" (never inside a lexicon word); drop the separators after
            codes = lexicon.codes("\n".join(texts))
            if len(texts) > 1:
                keep = np.ones(len(codes), dtype=bool)
                keep[np.cumsum(np.asarray(lens[:-1]) + 1) - 1] = False  # the separators
                codes = codes[keep]
            lo = np.zeros(len(o), dtype=np.uint64)
            lo[pos] = codes
            LW = np.lib.stride_tricks.sliding_window_view(lo, 7)[rows]
            ch = O[:, 3]
            Lx = np.stack([LW[:, 3], (LW[:, 3] << np.uint64(24)) ^ ch,
                           LW[:, 2] * np.uint64(625) + LW[:, 3] * np.uint64(25) + LW[:, 4]], axis=1)
            parts.append((Lx ^ _SALT_L) * _M3)
        if words:  # the word each character is in (word boundaries, word identity)
            parts.append(_word_codes(texts, lens, c))
        f = np.concatenate(parts, axis=1)
        f ^= f >> _SHIFT
        f *= _M2
    idx = (f >> shift).astype(np.int64)
    if domain:
        idx = np.concatenate([idx, domain_index(idx, domain, bits)], axis=1)
    return idx, lens


def domain_index(idx: np.ndarray, domain: int, bits: int) -> np.ndarray:
    """Row of the domain-specific copy of the features at rows ``idx``.

    A function of the row alone, so for a fixed domain the two copies fold into
    one table (:meth:`CharTagger.folded`) and decoding reads each feature once.
    """
    with np.errstate(over="ignore"):
        g = (idx.astype(np.uint64) ^ (np.uint64(domain) * _M3)) * _M1
        g ^= g >> _SHIFT
        g *= _M2
    return (g >> np.uint64(64 - bits)).astype(np.int64)


def features(text: str, bits: int, domain: int = 0, clause: bool = False,
             lexicon: SpanLexicon | None = None, words: bool = False) -> np.ndarray:
    """Hashed feature indices of one text, shape ``(len(text), n_features)``, in ``[0, 2**bits)``."""
    return features_many([text], bits, domain, clause, lexicon, words)[0]


def _emission_sum(table: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``table[idx].sum(axis=1)``: the rows of each character's features, added in feature order.

    Column by column, so the ``(n, n_features, n_tags)`` gather is never built (about twice
    as fast); the additions are the ones ``sum(axis=1)`` makes, in the same order.
    """
    if idx.ndim != 2 or idx.shape[1] == 0:
        return table[idx].sum(axis=1)
    # take() on a column: the same rows as table[idx[:, f]], gathered about 2.5x faster
    acc = table.take(idx[:, 0], axis=0)
    for f in range(1, idx.shape[1]):
        acc += table.take(idx[:, f], axis=0)
    return acc


class CharTagger:
    """Weights of the sequence labeller (emission table + transitions)."""

    def __init__(self, bits: int = 20, domain: int = 0, clause: bool = False,
                 lexicon: SpanLexicon | None = None, words: bool = False) -> None:
        self.bits = bits
        self.words = words
        self.domain = domain
        self.clause = clause
        self.lexicon = lexicon
        self.W = np.zeros((1 << bits, _NT), dtype=np.float32)
        self.T = np.zeros((_NT, _NT), dtype=np.float32)
        self.S = np.zeros(_NT, dtype=np.float32)

    # -- decoding ------------------------------------------------------------
    def folded(self, domain: int) -> np.ndarray:
        """The emission table with the domain's copies added in: ``W[i] + W[domain_index(i)]``."""
        if domain == 0:
            return self.W
        cache = self.__dict__.setdefault("_folded", {})
        table = cache.get(domain)
        if table is None:
            rows = np.arange(self.W.shape[0], dtype=np.int64)
            table = self.W + self.W.take(domain_index(rows, domain, self.bits), axis=0)
            cache[domain] = table  # a race computes the same table twice; either wins
        return table

    def emissions(self, text: str, domain: int | None = None, lexicon: SpanLexicon | None = None) -> np.ndarray:
        """Emission scores ``(len(text), 5)``; ``lexicon`` replaces the trained one (when there is one)."""
        dom = self.domain if domain is None else domain
        lex = lexicon if lexicon is not None and self.lexicon is not None else self.lexicon
        return _emission_sum(self.folded(dom), features(text, self.bits, 0, self.clause, lex, self.words))

    def viterbi(self, E: np.ndarray) -> list[int]:
        """Best tag sequence for one emission matrix ``(n, 5)``.

        Plain Python over 5 × 5 floats: for one short text this beats a numpy
        call per character. Float64 in the same order of operations as
        :meth:`viterbi_batch`, so both give the same tags (test_features.py).
        """
        n = E.shape[0]
        if n == 0:
            return []
        T = np.where(_OK, self.T.astype(np.float64), float(_NEG)).tolist()
        rows = E.astype(np.float64).tolist()
        S = self.S.astype(np.float64).tolist()
        neg = float(_NEG)
        first = rows[0]
        score = [S[j] + first[j] if _FIRST[j] else neg for j in range(_NT)]
        back = []
        rng = range(_NT)
        for i in range(1, n):
            e = rows[i]
            new = []
            arg = []
            for j in rng:
                best = score[0] + T[0][j]
                bk = 0
                for k in range(1, _NT):
                    v = score[k] + T[k][j]
                    if v > best:
                        best, bk = v, k
                new.append(best + e[j])
                arg.append(bk)
            back.append(arg)
            score = new
        cur = 0
        for j in range(1, _NT):
            if score[j] > score[cur]:
                cur = j
        tags = [cur]
        for arg in reversed(back):
            cur = arg[cur]
            tags.append(cur)
        tags.reverse()
        return tags

    def viterbi_batch(self, Es: Sequence[np.ndarray]) -> list[list[int]]:
        """Viterbi over many sequences at once (padded; same result as one by one)."""
        if not Es:
            return []
        lens = np.array([e.shape[0] for e in Es])
        B, L = len(Es), int(lens.max()) if len(Es) else 0
        if L == 0:
            return [[] for _ in Es]
        # longest first: at step i the sequences still running are a prefix, and only
        # they are computed (no work on padding); each row's arithmetic is unchanged
        order = np.argsort(-lens, kind="stable")
        lens_s = lens[order]
        E = np.zeros((B, L, _NT), dtype=np.float64)
        for b, j in enumerate(order.tolist()):
            E[b, : lens_s[b]] = Es[j]
        T = np.where(_OK, self.T.astype(np.float64), float(_NEG))
        score = np.where(_FIRST, self.S.astype(np.float64) + E[:, 0], float(_NEG))
        # finished sequences carry their score and point to themselves
        back = np.empty((B, L, _NT), dtype=np.int64)
        back[:] = np.arange(_NT)
        alive = np.searchsorted(-lens_s, -np.arange(L), side="left")  # rows with length > i
        for i in range(1, L):
            k = int(alive[i])
            cand = score[:k, :, None] + T
            arg = cand.argmax(axis=1)
            score[:k] = np.take_along_axis(cand, arg[:, None, :], axis=1)[:, 0] + E[:k, i]
            back[:k, i] = arg
        # backtrack all sequences at once (finished ones point to themselves past their end)
        tags = np.empty((B, L), dtype=np.int64)
        cur = score.argmax(axis=1)
        tags[:, L - 1] = cur
        rows = np.arange(B)
        for i in range(L - 1, 0, -1):
            cur = back[rows, i, cur]
            tags[:, i - 1] = cur
        out: list[list[int]] = [[]] * B
        for b, j in enumerate(order.tolist()):
            out[j] = tags[b, : lens_s[b]].tolist()
        return out

    def tag(self, text: str, domain: int | None = None, lexicon: SpanLexicon | None = None) -> list[int]:
        return self.viterbi(self.emissions(text, domain, lexicon))

    def tag_many(self, texts: Sequence[str], domain: int | None = None,
                 lexicon: SpanLexicon | None = None) -> list[list[int]]:
        if not texts:
            return []
        dom = self.domain if domain is None else domain
        lex = lexicon if lexicon is not None and self.lexicon is not None else self.lexicon
        allf, lens = features_many(texts, self.bits, 0, self.clause, lex, self.words)
        E = _emission_sum(self.folded(dom), allf)
        Es, pos = [], 0
        for n in lens:
            Es.append(E[pos:pos + n])
            pos += n
        return self.viterbi_batch(Es)

    # -- training (averaged structured perceptron) ------------------------------
    def fit(self, texts: Sequence[str], tags: Sequence[Sequence[int]], *, epochs: int = 8,
            seed: int = 0, weights: Sequence[float] | None = None,
            domains: Sequence[int] | None = None) -> CharTagger:
        rng = np.random.default_rng(seed)
        doms = [0] * len(texts) if domains is None else list(domains)
        feats = [features(t, self.bits, d, self.clause, self.lexicon, self.words) for t, d in zip(texts, doms)]
        gold = [np.asarray(g, dtype=np.int64) for g in tags]
        wts = np.ones(len(texts)) if weights is None else np.asarray(weights, dtype=float)
        W, T, S = self.W, self.T, self.S
        Wu = np.zeros_like(W)
        Tu = np.zeros_like(T)
        Su = np.zeros_like(S)
        c = 1.0
        order = np.arange(len(texts))
        for _ in range(epochs):
            rng.shuffle(order)
            for j in order:
                f, g = feats[j], gold[j]
                if len(g) == 0:
                    continue
                E = W[f].sum(axis=1)
                p = np.asarray(self.viterbi(E), dtype=np.int64)
                diff = np.nonzero(p != g)[0]
                if len(diff):
                    step = float(wts[j])
                    rows = f[diff]
                    k = rows.shape[1]
                    gi = np.repeat(g[diff], k)
                    pi = np.repeat(p[diff], k)
                    r = rows.ravel()
                    np.add.at(W, (r, gi), step)
                    np.add.at(W, (r, pi), -step)
                    np.add.at(Wu, (r, gi), c * step)
                    np.add.at(Wu, (r, pi), -c * step)
                    if g[0] != p[0]:
                        S[g[0]] += step
                        S[p[0]] -= step
                        Su[g[0]] += c * step
                        Su[p[0]] -= c * step
                    for i in range(1, len(g)):
                        if g[i] != p[i] or g[i - 1] != p[i - 1]:
                            T[g[i - 1], g[i]] += step
                            T[p[i - 1], p[i]] -= step
                            Tu[g[i - 1], g[i]] += c * step
                            Tu[p[i - 1], p[i]] -= c * step
                c += 1
        W -= Wu / c
        T -= Tu / c
        S -= Su / c
        self.__dict__.pop("_folded", None)
        return self


def spans_from_tags(tags: Sequence[int]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Aspect spans and opinion spans ``(start, end)`` from a tag sequence.

    A stray inside tag (which constrained Viterbi never outputs) opens a span.
    """
    t = list(tags)
    n = len(t)
    aspects: list[tuple[int, int]] = []
    opinions: list[tuple[int, int]] = []
    i = 0
    while i < n:
        k = t[i]
        if k == _O:
            i += 1
            continue
        begin = k if k in (_BA, _BO) else k - 1
        j = i + 1
        while j < n and t[j] == begin + 1:
            j += 1
        (aspects if begin == _BA else opinions).append((i, j))
        i = j
    return aspects, opinions
