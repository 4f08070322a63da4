"""The two segmentation engines behind :class:`~voc.segmentation.Segmenter`.

Both present the same small interface (``cut``, ``tag``, ``add_word``,
``has_word``) over a dictionary that belongs to the engine alone:

- :class:`RJiebaEngine` wraps one ``rjieba.Jieba`` (jieba-rs) instance;
- :class:`JiebaEngine` wraps one ``jieba.Tokenizer`` (never the global
  ``jieba.dt``), the compatibility reference.

Behaviour is aligned on purpose so that ``backend`` changes speed, not output
(``tests/test_segmentation.py::test_backends_agree_on_real_reviews``):

- jieba-rs keeps ASCII runs such as ``Wi-Fi``, ``t.cn`` or ``1.1kg`` whole where
  jieba's HMM splits them (``Wi`` ``-`` ``Fi``); :func:`_resplit_ascii` re-splits
  such tokens with jieba's own rule unless the dictionary knows the whole run.
- POS tags come from the dictionary for every word, in both engines. jieba's
  ``posseg`` re-segments text with a POS-HMM (on about 40% of review texts its
  words differ from ``jieba.cut``), so it is *not* used: tokens always equal
  the words of ``cut``. Words the dictionary lacks (joined by the HMM, about
  1 token in 60 on reviews) are where the backends differ: jieba-rs reports
  the tag of some dictionary record reached while matching (很脆 -> d,
  很差 -> a), which cannot be reproduced cheaply; the jieba engine gives the
  tag of the word's longest dictionary suffix (the head of a Chinese
  compound: 很差 -> a), else ``m`` (digits), ``eng`` (ASCII letters) or ``x``.
- Words made only of ASCII letters and digits (``12315``, ``iPhone14``) are
  never put in the DAG, only their tag is kept: both engines keep such runs
  whole anyway, and a DAG entry would split longer runs (``12315`` inside the
  phone number ``13912315678``).
- POS overrides (domain dictionary and user entries with a tag) are kept in a
  per-engine map, because jieba-rs ignores a new tag for a word it already has.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

__all__ = ["JiebaEngine", "RJiebaEngine", "guess_pos"]

# jieba's finalseg splits non-Han runs inside an HMM buffer with this pattern
# (jieba/finalseg/__init__.py, re_skip); jieba-rs does not.
_JIEBA_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
_ASCII_RUN = re.compile(r"[A-Za-z0-9+#&._%\-]{2,}")
_CLEAN_RUN = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?%?")
_ALNUM = re.compile(r"[A-Za-z0-9]+")
# Cheap whole-text test: only texts with ASCII punctuation next to an ASCII
# letter/digit can hold a token that needs re-splitting. (Written as one character
# class followed by a look-behind, the same language as
# ``[A-Za-z0-9][+#&._%\-]|[+#&._%\-][A-Za-z0-9]``: the regex engine then skips
# ahead to the candidates instead of trying both branches at every character.)
SUSPECT_ASCII = re.compile(r"[A-Za-z0-9+#&._%\-]"
                           r"(?:(?<=[A-Za-z0-9])[+#&._%\-]|(?<=[+#&._%\-])[A-Za-z0-9])")
# Texts whose cut needs any post-processing (ASCII fix or whitespace removal);
# most review texts match neither, and then cut() is the engine's output as is.
# (``\s|`` + SUSPECT_ASCII's language, written the same way.)
NEEDS_CLEAN = re.compile(r"[\sA-Za-z0-9+#&._%\-]"
                         r"(?:(?<=\s)|(?<=[A-Za-z0-9])[+#&._%\-]|(?<=[+#&._%\-])[A-Za-z0-9])")

DEFAULT_NEW_WORD_POS = "nz"


def guess_pos(word: str) -> str:
    """jieba-rs's tag for a word without a dictionary prefix: m, eng or x.

    >>> guess_pos("12315"), guess_pos("iPhone"), guess_pos("😀")
    ('m', 'eng', 'x')
    """
    eng = m = 0
    for ch in word:
        if ch.isascii() and ch.isalnum():
            eng += 1
            if ch.isdigit():
                m += 1
    if eng == 0:
        return "x"
    return "m" if eng == m else "eng"


def _resplit_ascii(words: list[str], known: Callable[[str], bool]) -> list[str]:
    out: list[str] = []
    for w in words:
        if _ASCII_RUN.fullmatch(w) and not _CLEAN_RUN.fullmatch(w) and not known(w):
            out.extend(p for p in _JIEBA_SKIP.split(w) if p)
        else:
            out.append(w)
    return out


# ----------------------------------------------------------------------------- rjieba

def _rjieba_class() -> Any:
    import rjieba  # noqa: PLC0415 - heavy (builds rjieba's own default instance), import late

    return rjieba.Jieba


class RJiebaEngine:
    """One jieba-rs instance with jieba's default dictionary, owned by one Segmenter."""

    def __init__(self, *, hmm: bool) -> None:
        self.hmm = hmm
        self._j = _rjieba_class()()
        self.pos_override: dict[str, str] = {}
        # the engine's own cut, bound once: the hot path of Segmenter.cut
        self.cut_raw: Callable[[str], list[str]] = (
            self._j.cut if hmm else partial(self._j.cut, hmm=False))

    def clean(self, text: str, words: list[str]) -> list[str]:
        """Post-process ``cut_raw`` for a text matching ``NEEDS_CLEAN``: ASCII fix, no spaces."""
        if SUSPECT_ASCII.search(text):
            words = _resplit_ascii(words, self._j.has_word)
        return [w for w in words if not w.isspace()]

    def cut(self, text: str) -> list[str]:
        words: list[str] = self._j.cut(text, self.hmm)
        if SUSPECT_ASCII.search(text):
            words = _resplit_ascii(words, self._j.has_word)
        return words

    def tag(self, text: str) -> tuple[Sequence[str], Iterable[str]]:
        """Words and their tags (the tags possibly as a lazy iterable)."""
        pairs = self._j.tag(text, self.hmm)
        if not pairs:
            return (), ()
        words, tags = zip(*pairs)
        if SUSPECT_ASCII.search(text):
            words, tags = self._fix_tags(words, tags)
        return words, map(self.pos_override.get, words, tags)

    def _fix_tags(self, words: Sequence[str], tags: Sequence[str]) -> tuple[list[str], list[str]]:
        out_w: list[str] = []
        out_t: list[str] = []
        for w, t in zip(words, tags):
            pieces = _resplit_ascii([w], self._j.has_word)
            if len(pieces) == 1:
                out_w.append(w)
                out_t.append(t)
                continue
            for p in pieces:
                tagged = self._j.tag(p, False)
                out_w.append(p)
                out_t.append(tagged[0][1] if len(tagged) == 1 else guess_pos(p))
        return out_w, out_t

    def has_word(self, word: str) -> bool:
        return bool(self._j.has_word(word))

    def add_word(self, word: str, freq: int | None, pos: str | None) -> None:
        if _ALNUM.fullmatch(word):
            self.pos_override[word] = pos or guess_pos(word)
            return
        known = self._j.has_word(word)
        if pos is not None:
            self.pos_override[word] = pos
        if known and freq is None:
            return  # only the tag changes (see module docstring)
        if freq is None:
            freq = max(int(self._j.suggest_freq(word)), 1)
        self._j.add_word(word, freq, pos or (None if known else DEFAULT_NEW_WORD_POS))


# ----------------------------------------------------------------------------- jieba

_JIEBA_LOCK = threading.Lock()
_JIEBA_BASE: tuple[dict[str, int], int, dict[str, str]] | None = None


def _import_jieba() -> Any:
    # jieba 0.42 imports pkg_resources, which warns on new setuptools; the
    # catch is scoped to this import (done once, under _JIEBA_LOCK).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        import jieba  # noqa: PLC0415

    return jieba


def _jieba_base() -> tuple[dict[str, int], int, dict[str, str]]:
    """jieba's default dictionary as (prefix-frequency dict, total, tags), read once.

    Read here rather than with ``Tokenizer.initialize`` so that jieba neither
    logs to stderr nor writes its cache file; the layout is exactly what
    ``Tokenizer.gen_pfdict`` builds. Never mutated: engines copy it.
    """
    global _JIEBA_BASE
    with _JIEBA_LOCK:
        if _JIEBA_BASE is None:
            jieba = _import_jieba()
            path = Path(jieba.__file__).with_name("dict.txt")
            freq: dict[str, int] = {}
            tags: dict[str, str] = {}
            total = 0
            with open(path, encoding="utf-8") as f:
                for line in f:
                    parts = line.split()
                    if len(parts) < 2:
                        continue
                    word, n = parts[0], int(parts[1])
                    freq[word] = n
                    total += n
                    if len(parts) > 2:
                        tags[word] = parts[2]
                    for k in range(1, len(word)):
                        freq.setdefault(word[:k], 0)
            _JIEBA_BASE = (freq, total, tags)
        return _JIEBA_BASE


class JiebaEngine:
    """One ``jieba.Tokenizer`` with its own copy of jieba's default dictionary."""

    def __init__(self, *, hmm: bool) -> None:
        self.hmm = hmm
        jieba = _import_jieba()
        freq, total, tags = _jieba_base()
        tk = jieba.Tokenizer()
        tk.FREQ = dict(freq)
        tk.total = total
        tk.initialized = True  # skip initialize(): no stderr logging, no cache file
        self._tk = tk
        self._base_tags = tags
        self.pos_override: dict[str, str] = {}
        self._new_tags: dict[str, str] = {}
        self.cut_raw: Callable[[str], list[str]] = partial(tk.lcut, cut_all=False, HMM=hmm)

    def clean(self, text: str, words: list[str]) -> list[str]:
        return [w for w in words if not w.isspace()]

    def cut(self, text: str) -> list[str]:
        return self._tk.lcut(text, False, self.hmm)

    def _pos(self, word: str) -> str:
        tag = self.pos_override.get(word) or self._new_tags.get(word) or self._base_tags.get(word)
        if tag is not None:
            return tag
        freq = self._tk.FREQ
        for k in range(1, len(word)):
            suffix = word[k:]
            if freq.get(suffix):
                return (self.pos_override.get(suffix) or self._new_tags.get(suffix)
                        or self._base_tags.get(suffix) or "x")
        return guess_pos(word)

    def tag(self, text: str) -> tuple[Sequence[str], Iterable[str]]:
        words = self.cut(text)
        return words, [self._pos(w) for w in words]

    def has_word(self, word: str) -> bool:
        return bool(self._tk.FREQ.get(word))

    def add_word(self, word: str, freq: int | None, pos: str | None) -> None:
        if _ALNUM.fullmatch(word):
            self.pos_override[word] = pos or guess_pos(word)
            return
        known = self.has_word(word)
        if pos is not None:
            self.pos_override[word] = pos
        if known and freq is None:
            return
        if freq is None:
            freq = max(int(self._tk.suggest_freq(word, False)), 1)
        self._tk.add_word(word, freq)
        if not known and pos is None:
            self._new_tags[word] = DEFAULT_NEW_WORD_POS
