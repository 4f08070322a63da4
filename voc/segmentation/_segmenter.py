"""Segmenter: words, tokens with offsets and POS tags, one dictionary per instance."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import accumulate, islice, repeat
from typing import Any, Literal

from .._input import as_text, as_texts
from .._resources import model_path
from .._types import Document, Token, document_with, fast_constructor
from ..errors import ConfigError, InputError
from ._engines import NEEDS_CLEAN as _NEEDS_CLEAN
from ._engines import JiebaEngine, RJiebaEngine
from ._userdict import Entry, UserWords, read_dict_file, read_user_words

__all__ = ["Segmenter"]

Backend = Literal["rjieba", "jieba"]
_BACKENDS = ("rjieba", "jieba")


class _FastToken:
    """Same slot layout as :class:`voc.Token`; becomes one on creation.

    ``Token`` is a frozen dataclass, whose ``__init__`` goes through
    ``object.__setattr__`` per field: about 2.5x the cost of this plain
    ``__init__``. tokenize() builds ~0.65 tokens per character, so that cost
    decides its speed. The objects returned *are* ``Token`` instances
    (``type(t) is Token``; equality, hashing, pickling and frozenness are
    Token's), checked once at import and by ``test_tokens_are_real_tokens``.
    """

    __slots__ = ("text", "start", "end", "pos")

    def __init__(self, text: str, start: int, end: int, pos: str) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.pos = pos
        self.__class__ = Token  # type: ignore[assignment]


_make_token: Any = fast_constructor(_FastToken, Token, ("字", 0, 1, "n"), Token("字", 0, 1, "n")) or Token


@lru_cache(maxsize=4096)
def _normalised_word(word: str) -> str:
    """``word`` as the default normaliser writes it (耳機殼 → 耳机壳, ＡＢＣ → ABC)."""
    if word.isascii():
        return word

    return _default_normalizer().normalize(word)


@lru_cache(maxsize=1)
def _default_normalizer() -> Any:
    from ..normalization import Normalizer

    return Normalizer()


def _with_normalised(entry: Entry) -> list[Entry]:
    """A user word, and its normalised form when that differs: text is segmented after
    normalisation, so a traditional or full-width user word would otherwise never match."""
    norm = _normalised_word(entry.word)
    if norm == entry.word or not norm or any(c.isspace() for c in norm):
        return [entry]
    return [entry, Entry(norm, entry.freq, entry.pos)]


@lru_cache(maxsize=None)
def _domain_entries() -> tuple[Entry, ...]:
    """The shipped VoC dictionary (models/segment/voc_dict.txt), parsed once."""
    return tuple(read_dict_file(model_path("segment", "voc_dict.txt")))


class Segmenter:
    """Chinese word segmenter with POS tags, offsets and its own dictionary.

    jieba-rs (``rjieba``) does the work; ``backend="jieba"`` runs the reference
    Python jieba instead, with the same dictionary and the same output on all
    but rare texts. Each Segmenter owns its dictionary: ``add_word`` on one
    never changes another, nor jieba's global tokenizer.

    Parameters
    ----------
    backend : {"rjieba", "jieba"}
        Engine. ``"rjieba"`` is 10-20x faster; ``"jieba"`` is the reference.
    user_words : path, or iterable of str / tuple, optional
        Extra words in jieba's user-dictionary format: a UTF-8 file of
        ``word [freq] [pos]`` lines, or a list of such lines or of
        ``(word, freq, pos)`` tuples (``freq``/``pos`` may be ``None``).
        Without a frequency a new word gets the smallest one that makes it win
        on its own; without a tag a new word is tagged ``nz`` (jieba says
        ``x``). A known word listed without frequency only gets the new tag.
        A traditional or full-width word (耳機殼) is also added as the default
        :class:`~voc.Normalizer` writes it (耳机壳), since text is segmented
        after normalisation.
    domain_dict : bool
        Load the shipped voice-of-customer dictionary (好评, 差评, 性价比, 转人工,
        12315, 七天无理由 ...; see ``models/segment/README.md``) before
        ``user_words``.
    hmm : bool
        Let the HMM join characters into words the dictionary lacks.

    Notes
    -----
    The engine is built on first use (or by :meth:`load`), under a lock.
    After that ``cut``/``tokenize`` are safe from many threads; call
    ``add_word`` before sharing a Segmenter between threads. Pickling keeps
    the parameters, the user words themselves (a ``user_words`` file is read
    when pickling if it was not yet, so a copy shipped to a worker without
    the file segments the same) and added words, not the engine, which is
    rebuilt on use.

    The backends cut 99.97% of real reviews identically (jieba-rs's habit of
    keeping ``Wi-Fi`` or ``1.1kg`` whole is undone to match jieba). POS tags
    come from the dictionary in both, not from jieba's ``posseg`` (which
    re-segments); they differ only on words the dictionary lacks and the HMM
    joined (see ``voc/segmentation/_engines.py``).

    Examples
    --------
    >>> seg = Segmenter()
    >>> seg.cut("物流很快，给个好评")
    ['物流', '很快', '，', '给', '个', '好评']
    >>> seg.tokenize("性价比高")
    [Token('性价比', 0, 3, 'n'), Token('高', 3, 4, 'a')]
    """

    def __init__(
        self,
        *,
        backend: Backend = "rjieba",
        user_words: UserWords | None = None,
        domain_dict: bool = True,
        hmm: bool = True,
    ) -> None:
        self.backend = backend
        # A one-shot iterator would be consumed by the first build (and cannot
        # be pickled), so it is kept as a tuple; paths and lists stay as given.
        if isinstance(user_words, Iterator):
            user_words = tuple(user_words)
        self.user_words = user_words
        self.domain_dict = domain_dict
        self.hmm = hmm
        self._lock = threading.RLock()
        self._engine: RJiebaEngine | JiebaEngine | None = None
        self._added: list[Entry] = []  # add_word calls, replayed after unpickling
        self._user_entries: list[Entry] | None = None

    # ------------------------------------------------------------------ state
    def __repr__(self) -> str:
        parts = [f"backend={self.backend!r}"]
        if self.user_words is not None:
            uw = self.user_words
            parts.append(f"user_words={uw!r:.60}" if isinstance(uw, (str, os.PathLike))
                         else f"user_words=<{len(self._entries_of_user_words())} words>")
        if not self.domain_dict:
            parts.append("domain_dict=False")
        if not self.hmm:
            parts.append("hmm=False")
        return f"Segmenter({', '.join(parts)})"

    def __getstate__(self) -> dict[str, Any]:
        # Engines (rjieba objects, jieba.Tokenizer with its RLock) do not
        # pickle: keep the parameters and the words, rebuild lazily. A user
        # dictionary file is read now, as the unpickling side may not have it;
        # a missing or bad file keeps only the path (the error comes on use).
        with self._lock:
            entries = self._user_entries
            if entries is None and isinstance(self.user_words, (str, os.PathLike)):
                try:
                    entries = read_user_words(self.user_words)
                except ConfigError:
                    entries = None
            return {
                "backend": self.backend,
                "user_words": self.user_words,
                "domain_dict": self.domain_dict,
                "hmm": self.hmm,
                "user_entries": entries,
                "added": list(self._added),
            }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.backend = state["backend"]
        self.user_words = state["user_words"]
        self.domain_dict = state["domain_dict"]
        self.hmm = state["hmm"]
        self._lock = threading.RLock()
        self._engine = None
        self._added = [Entry(*e) for e in state["added"]]
        ue = state.get("user_entries")
        self._user_entries = None if ue is None else [Entry(*e) for e in ue]

    # ------------------------------------------------------------------ engine
    def _entries_of_user_words(self) -> list[Entry]:
        if self._user_entries is None:
            self._user_entries = read_user_words(self.user_words)
        return self._user_entries

    def load(self) -> Segmenter:
        """Build the engine and dictionaries now (otherwise done on first use).

        Returns ``self``; raises :class:`~voc.errors.ConfigError` for a bad
        backend or user dictionary.
        """
        self._load()
        return self

    def _load(self) -> RJiebaEngine | JiebaEngine:
        engine = self._engine
        if engine is not None:
            return engine
        with self._lock:
            if self._engine is not None:
                return self._engine
            if self.backend not in _BACKENDS:
                raise ConfigError(
                    f"backend must be one of {_BACKENDS}, got {self.backend!r}")
            if not isinstance(self.hmm, bool) or not isinstance(self.domain_dict, bool):
                raise ConfigError("hmm and domain_dict must be True or False, got "
                                  f"hmm={self.hmm!r}, domain_dict={self.domain_dict!r}")
            user = self._entries_of_user_words()
            cls = RJiebaEngine if self.backend == "rjieba" else JiebaEngine
            engine = cls(hmm=self.hmm)
            if self.domain_dict:
                for e in _domain_entries():
                    engine.add_word(*e)
            for e in user:
                for v in _with_normalised(e):
                    engine.add_word(*v)
            for e in self._added:
                for v in _with_normalised(e):
                    engine.add_word(*v)
            self._engine = engine
            return engine

    # ------------------------------------------------------------------ API
    def add_word(self, word: str, freq: int | None = None, pos: str | None = None) -> None:
        """Add ``word`` (or change its frequency/tag) in this Segmenter only.

        >>> seg = Segmenter()
        >>> seg.add_word("耳机壳", 2000, "n")
        >>> seg.cut("耳机壳裂了")
        ['耳机壳', '裂', '了']
        """
        from ._userdict import _check

        try:
            entry = _check(word, freq, pos, "add_word", None, None)
        except ConfigError as err:
            raise InputError(str(err)) from None
        with self._lock:
            if self._engine is not None:
                for v in _with_normalised(entry):
                    self._engine.add_word(*v)
            self._added.append(entry)

    def cut(self, text: str) -> list[str]:
        """Words of ``text`` (assumed normalised), whitespace dropped.

        Joined together the words give ``text`` minus its whitespace: runs of
        spaces, tabs and line breaks separate words but are not returned
        (:meth:`tokenize` keeps them, tagged ``x``).

        >>> Segmenter().cut("客服 态度差，要求转人工")
        ['客服', '态度', '差', '，', '要求', '转人工']
        """
        if text.__class__ is not str:
            text = as_text(text)
        engine = self._engine or self._load()
        words = engine.cut_raw(text)
        if _NEEDS_CLEAN.search(text):
            words = engine.clean(text, words)
        return words

    def tokenize(self, text: str, *, pos: bool = True) -> list[Token]:
        """Tokens with character offsets into ``text`` and POS tags.

        Tokens cover ``text`` exactly (``"".join(t.text for t in tokens) ==
        text``), whitespace included as tokens tagged ``x``. ``pos=False``
        skips tagging (``pos`` is then ``""``) and is about twice as fast.
        Offsets count Python characters, so emoji outside the BMP are one.

        >>> Segmenter().tokenize("好评😀")
        [Token('好评', 0, 2, 'n'), Token('😀', 2, 3, 'x')]
        """
        if text.__class__ is not str:
            text = as_text(text)
        engine = self._engine or self._load()
        if pos:
            words, tags = engine.tag(text)
        else:
            words = engine.cut(text)
            tags = repeat("")
        # Words concatenate to text, so offsets are running sums of lengths
        # (Python characters: an emoji outside the BMP counts one).
        lengths = list(map(len, words))
        return list(map(_make_token, words, accumulate(lengths, initial=0),
                        accumulate(lengths), tags))

    def _spans(self, text: str) -> tuple[list[str], list[int], list[int]]:
        """``(words, starts, ends)``: what ``tokenize`` gives, as three lists, no Token objects.

        For callers that only need each token's text and offsets (the sentiment
        model): building ~40 Token objects costs more than segmenting the text.
        The words are the engine's ``cut``, which ``tag`` returns with its tags
        (``tokenize(pos=False)`` relies on the same equality).
        """
        if not text:
            return [], [], []
        engine = self._engine or self._load()
        words = engine.cut(text)
        starts = list(accumulate(map(len, words), initial=0))
        ends = starts[1:]
        starts.pop()  # the text's length
        return words, starts, ends

    def __call__(self, doc: Document) -> Document:
        """Return ``doc`` with ``tokens`` filled from ``doc.text``."""
        if not isinstance(doc, Document):
            raise InputError(
                f"Segmenter expects a voc.Document, got {type(doc).__name__}; "
                "use Segmenter.tokenize(text) for a plain string")
        return document_with(doc, tokens=tuple(self.tokenize(doc.text)))

    def pipe(self, docs: Iterable[Document], *, batch_size: int = 256) -> Iterator[Document]:
        """Segment many Documents lazily, in order (same as calling one by one)."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise InputError(f"batch_size must be a positive int, got {batch_size!r}")
        it = iter(as_texts(docs, what="docs"))
        self._load()
        while True:
            batch = list(islice(it, batch_size))
            if not batch:
                return
            for doc in batch:
                yield self(doc)
