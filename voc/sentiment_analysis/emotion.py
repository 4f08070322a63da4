"""Emotion: eight classes (anger, disgust, fear, happiness, like, sadness, surprise, none).

:class:`EmotionModel` is a multinomial logistic regression over sparse binary
features of the normalised text:

* **words** from :class:`voc.segmentation.Segmenter` (``w:`` + word),
* **character 1–2-grams** of the lower-cased text (``c:`` + gram),
* **emoticons** (``x:e:`` + tag): Weibo bracket emoticons (``[怒]``) and emoji,
  both mapped through the shipped table ``models/normalize/emoticons.tsv`` to
  one tag, so ``😡`` and ``[怒]`` share the feature ``x:e:怒``,
* **punctuation runs** (``x:p:!!``, ``x:p:??``, ``x:p:?!``),
* **cue features** (``x:cue:``): hits of a small hand-written anger lexicon (气死, 垃圾,
  投诉, 骗子, 滚, 无语, 恶心 …) and of anger emoticons, with a separate
  feature when a negator comes just before (``不生气``). They let the model
  generalise from Weibo anger to customer-service anger, whose vocabulary
  (投诉, 退钱, 12315) the training data barely holds.

Prediction is a table lookup: each known feature is one row of a weight table,
a text's scores are the sum of its rows plus a bias, and a softmax gives the
probabilities. No scikit-learn at prediction time.

An optional ``anger_threshold`` turns anger into a thresholded decision
(``label == "anger"`` iff ``P(anger) >= anger_threshold``, otherwise the most
likely other label; when anger was the likeliest, the likeliest of none, disgust,
sadness and fear), which is how alerting trades recall for precision.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .._input import as_text, as_texts
from .._types import EMOTIONS, Document, Emotion, document_with
from ..errors import ConfigError, InputError, ModelLoadError, ModelNotFoundError
from ._tools import ModelBase

if TYPE_CHECKING:  # pragma: no cover
    from ..normalization import Normalizer
    from ..segmentation import Segmenter

__all__ = ["ANGER_CUES", "EmotionModel", "emotion_features"]

FORMAT = "voc-emotion"
FORMAT_VERSION = 1
LABELS: tuple[str, ...] = EMOTIONS
_ANGER = LABELS.index("anger")
#: what a text whose likeliest emotion is anger, below ``anger_threshold``, is labelled instead:
#: the likeliest of these (我好生气呀 at P(anger) 0.61 is not happiness, its second guess)
_ANGER_FALLBACK = tuple(LABELS.index(x) for x in ("none", "disgust", "sadness", "fear"))

#: Hand-written anger cues (substrings of the normalised, lower-cased text).
#: Customer-service words (投诉, 退钱, 12315, 曝光) sit beside Weibo swearing:
#: the training data has plenty of the latter and almost none of the former.
ANGER_CUES: tuple[str, ...] = (
    "气死", "气炸", "生气", "愤怒", "火大", "恼火", "发火", "来气", "窝火", "怒了",
    "投诉", "举报", "12315", "消协", "媒体曝光", "曝光你们", "找媒体", "起诉", "告你们",
    "骗子", "骗人", "骗钱", "欺骗", "坑人", "坑爹", "黑心", "奸商", "忽悠", "耍流氓",
    "垃圾", "破玩意", "什么玩意", "烂透", "差劲", "恶心", "无语", "受够了",
    "忍无可忍", "太过分", "欺人太甚", "岂有此理", "凭什么", "有病吧", "敷衍", "踢皮球",
    "退钱", "赔钱", "给个说法", "混蛋", "王八蛋", "他妈", "妈的", "tmd", "尼玛", "你妹",
    "卧槽", "我靠", "操蛋", "傻逼", "脑残", "去死", "滚蛋", "给我滚", "滚!", "滚！",
    "烦死", "讨厌死", "什么破", "破服务", "态度恶劣",
    # customer-service anger (added with benchmarks/data/emotion_cs_dev.tsv): fury idioms and
    # Cantonese 嬲, escalation to regulators, hotlines and courts, reproach of the company
    "火冒三丈", "气得", "气的我", "激嬲", "好嬲", "嬲死", "客诉", "律师函", "法院见", "法律途径",
    "打官司", "监管局", "银保监", "工信部", "住建局", "市长热线", "打12345", "12345热线", "街道办",
    "打315", "315晚会", "当傻子", "吃相难看", "抢钱", "搞什么鬼", "在搞什么", "到底搞什么", "还好意思",
    "已读不回", "这叫服务", "就叫服务", "也叫服务", "欺负人", "耍我", "死不承认", "翻脸不认",
    # Hong Kong and Taiwan (added with benchmarks/data/emotion_regional_dev.tsv; after the
    # Normalizer: simplified script, 冇 → 没有): swearing and fury words, consumer councils
    # and regulators (消委会, 通讯办, 消保官, 公平会, the 1950 hotline), escalation
    "食屎", "扑街", "仆街", "收皮", "火滚", "谷气", "激死", "屈机", "离晒谱", "顶你个肺", "顶不顺",
    "有没有搞错", "搞乜鬼", "凭咩", "玩我", "过分到", "气到不行", "气到爆", "气到炸", "气到发抖",
    "消委会", "通讯办", "小额钱债", "上连登", "complain", "escalate",
    "靠北", "靠杯", "赌烂", "超不爽", "很不爽", "真不爽", "火很大", "消保官", "公平会", "打1950", "1950消费",
    "1950专线", "消费者专线", "爆料公社",
    "好欺负", "诈骗集团", "在哈啰", "找律师",
)
# Left out on purpose: "sb" (matches "usb"), "曝光" alone (camera exposure), "再也不" (再也不用担心),
# bare "12345" / "315" / "1950" (order numbers, prices), "叫服务" (叫服务员), "什么服务" (有什么服务),
# bare "不爽" (不爽口, 清爽).
#: Emoticon tags (after the emoticon table) that signal anger.
ANGER_TAGS: frozenset[str] = frozenset({"怒", "怒骂", "抓狂", "生气", "愤怒", "骂", "哼", "鄙视", "吐"})
_NEGATORS = frozenset("不没别勿未莫")

_ZERO = np.zeros(1, dtype=np.intp)  # reduceat over one whole slice (read, never written)
_BRACKET = re.compile(r"\[([^\[\]\s]{1,8})\]")
_PUNCT_RUN = re.compile(r"[!！?？]{2,}")
_NEG_WINDOW = 4
_A_NOT_A = re.compile(r"(.)[不没]\1")
_CLAUSE_SPLIT = re.compile(r"[，,。.！!？?；;、\s]")
_CUE_RE = re.compile("|".join(re.escape(c) for c in sorted(ANGER_CUES, key=len, reverse=True)))


@lru_cache(maxsize=1)
def _emoticon_tags() -> dict[str, str]:
    """Emoji / bracket emoticon → tag, from the shipped normaliser table (empty if absent)."""
    from .._resources import model_path

    table: dict[str, str] = {}
    try:
        path = model_path("normalize", "emoticons.tsv")
    except ModelNotFoundError:
        return table
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[0] and parts[1]:
                key, tag = parts[0], parts[1]
                table[key] = tag
                if len(key) == 2 and key[1] == "\ufe0f":  # ❤️ → also ❤ alone
                    table.setdefault(key[0], tag)
    return table


def _text_keys(text: str, words: Sequence[str], cues: bool) -> tuple[str, list[str], list[str]]:
    """The lower-cased text (NUL → space), and its word and extra keys (deduplicated, in order)."""
    low = text.lower()
    if low != text:
        words = [w.lower() for w in words]
    if "\x00" in low:
        low = low.replace("\x00", " ")
    tags = _emoticon_tags()
    found = [t for t in map(tags.get, low) if t]
    if "[" in low:
        found += [tags.get(m.group(0), m.group(1)) for m in _BRACKET.finditer(low)]
    extras = ["e:" + t for t in found]
    if "!" in low or "?" in low or "！" in low or "？" in low:
        for m in _PUNCT_RUN.finditer(low):
            run = set(m.group(0).replace("！", "!").replace("？", "?"))
            extras.append("p:!!" if run == {"!"} else "p:??" if run == {"?"} else "p:?!")
    if cues:
        for m in _CUE_RE.finditer(low):
            # a negator up to four characters before, in the same clause: 不生气, 不是来投诉的;
            # not the 不 of an A-not-A question (你们是不是食屎, 有没有搞错)
            before = _CLAUSE_SPLIT.split(low[max(0, m.start() - _NEG_WINDOW):m.start()])[-1]
            before = _A_NOT_A.sub("", before)
            neg = not _NEGATORS.isdisjoint(before)
            extras.append("cue:anger_neg" if neg else "cue:anger")
        if not ANGER_TAGS.isdisjoint(found):
            extras.append("cue:anger_emo")
    return low, list(dict.fromkeys(words)), list(dict.fromkeys(extras))


def _gram_keys(low: str, lo: int, hi: int) -> list[str]:
    """Character n-grams of ``low``, orders ``lo``..``hi``, deduplicated in order."""
    n = len(low)
    grams = list(low) if lo == 1 else []
    for k in range(max(lo, 2), hi + 1):
        grams += [low[i:i + k] for i in range(n - k + 1)]
    return list(dict.fromkeys(grams))


def _keys(text: str, words: Sequence[str], lo: int, hi: int,
          cues: bool) -> tuple[list[str], list[str], list[str]]:
    """Feature keys of one text in three namespaces: char grams, words, extras (deduplicated)."""
    low, ws, extras = _text_keys(text, words, cues)
    return _gram_keys(low, lo, hi), ws, extras


def _gram_code(gram: str) -> int:
    """The exact int64 code of a 1–3-character gram (21 bits per code point, never 0)."""
    code = 0
    for c in gram:
        code = (code << 21) | ord(c)
    return code


def _char_codes(lows: Sequence[str], lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """(text index, gram code) of every distinct gram of every text, sorted by text then code.

    The vectorised twin of :func:`_gram_keys` (``_gram_code`` of each gram), a few
    NumPy passes per batch instead of a Python loop per gram.
    """
    joined = "\x00".join(lows) + "\x00"  # NUL never occurs in a text: it separates them
    u = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    lens = np.fromiter(map(len, lows), dtype=np.int64, count=len(lows))
    doc = np.repeat(np.arange(len(lows), dtype=np.int64), lens + 1)
    ok = u != 0
    codes, docs = [], []
    for k in range(lo, hi + 1):
        m = len(u) - k + 1
        c = u[:m].copy()
        v = ok[:m].copy()
        for j in range(1, k):
            c = (c << 21) | u[j:j + m]
            v &= ok[j:j + m]
        codes.append(c[v])
        docs.append(doc[:m][v])
    c = np.concatenate(codes)
    d = np.concatenate(docs)
    if hi <= 2:  # codes < 2**42: text index and code fit in one int64 key
        key = np.unique((d << 43) | c)
        return key >> 43, key & ((1 << 43) - 1)
    order = np.lexsort((c, d))
    c, d = c[order], d[order]
    keep = np.ones(len(c), dtype=bool)
    keep[1:] = (c[1:] != c[:-1]) | (d[1:] != d[:-1])
    return d[keep], c[keep]


def emotion_features(text: str, words: Sequence[str], *, char_ngrams: tuple[int, int] = (1, 2),
                     cues: bool = True) -> list[str]:
    """The features of one normalised text and its words, as the model names them.

    ``c:`` character grams, ``w:`` words, ``x:`` extras (``x:e:`` emoticon
    tags, ``x:p:`` punctuation runs, ``x:cue:`` anger cues).

    >>> [f for f in emotion_features("气死了[怒]", ["气死", "了", "[", "怒", "]"]) if f.startswith("x:")]
    ['x:e:怒', 'x:cue:anger', 'x:cue:anger_emo']
    """
    grams, ws, extras = _keys(text, words, char_ngrams[0], char_ngrams[1], cues)
    return ["c:" + g for g in grams] + ["w:" + w for w in ws] + ["x:" + x for x in extras]


class _Fitted:
    """The fitted tables; never mutated after construction (safe to share between threads).

    ``chars``, ``words`` and ``extras`` map a feature key of each namespace to
    its row of ``W``; the last row of ``W`` is all zeros (padding).
    """

    __slots__ = ("W", "bias", "char_codes", "char_rows", "chars", "extras", "info", "words")

    def __init__(self, *, chars: dict[str, int], words: dict[str, int], extras: dict[str, int],
                 W: np.ndarray, bias: np.ndarray, info: dict[str, Any]) -> None:
        self.chars = chars
        self.words = words
        self.extras = extras
        self.W = W
        self.bias = bias
        self.info = info
        codes = np.fromiter(map(_gram_code, chars), dtype=np.int64, count=len(chars))
        rows = np.fromiter(chars.values(), dtype=np.int64, count=len(chars))
        order = np.argsort(codes, kind="stable")
        self.char_codes = codes[order]  # sorted: looked up with np.searchsorted
        self.char_rows = rows[order]

    def names(self) -> list[str]:
        """Feature names in row order (``c:``/``w:``/``x:`` prefixes)."""
        out = [""] * (self.W.shape[0] - 1)
        for prefix, table in (("c:", self.chars), ("w:", self.words), ("x:", self.extras)):
            for k, i in table.items():
                out[i] = prefix + k
        return out


class EmotionModel(ModelBase):
    """Eight-class emotion of customer text: the label and a probability per label.

    Parameters
    ----------
    C
        Inverse L2 regularisation strength of the logistic regression.
    min_df
        Keep features seen in at least this many training texts.
    char_ngrams
        ``(lowest, highest)`` order of the character n-gram features.
    class_weight
        ``"balanced"`` (each class weighs the same in training), ``"sqrt"``
        (weights ∝ 1/√count: a middle way) or ``None`` (plain counts).
    cues
        Add the anger-lexicon and anger-emoticon cue features.
    cue_prior
        Added to the anger weight of the cue features after training (logit units).
        Training text with few customer-service complaints (Weibo) learns a small
        weight for 投诉, 12315 or 律师函; the shipped model uses 1.0, chosen on
        ``benchmarks/data/emotion_cs_dev.tsv``. ``0`` keeps the learned weights.
    anger_threshold
        When set, the label is ``"anger"`` exactly when ``P(anger)`` reaches this
        value (otherwise the most likely other label; when anger was the most likely,
        the most likely of none, disgust, sadness and fear, never a positive or
        surprised label); ``None`` takes the most likely label. Scores are probabilities either way.
    max_iter
        Iterations of the L-BFGS solver in :meth:`fit`.
    normalizer, segmenter
        Tools for raw text; default ``Normalizer()`` and ``Segmenter()``, built
        on first use. They are not saved with the model.

    Examples
    --------
    >>> from voc.sentiment_analysis.emotion import EmotionModel
    >>> m = EmotionModel.load()
    >>> m.predict("气死我了，我要投诉！").label
    'anger'
    >>> m.predict("明天的航班几点登机？").label
    'none'
    """

    _PARAMS = ("C", "min_df", "char_ngrams", "class_weight", "cues", "cue_prior", "anger_threshold",
               "max_iter", "normalizer", "segmenter")
    _SAVED = ("C", "min_df", "char_ngrams", "class_weight", "cues", "cue_prior", "anger_threshold", "max_iter")

    def __init__(self, *, C: float = 1.0, min_df: int = 2, char_ngrams: tuple[int, int] = (1, 2),
                 class_weight: Literal["balanced", "sqrt"] | None = "balanced", cues: bool = True,
                 cue_prior: float = 0.0, anger_threshold: float | None = None, max_iter: int = 1000,
                 normalizer: Normalizer | None = None, segmenter: Segmenter | None = None) -> None:
        self.C = C
        self.min_df = min_df
        self.char_ngrams = char_ngrams
        self.class_weight = class_weight
        self.cues = cues
        self.cue_prior = cue_prior
        self.anger_threshold = anger_threshold
        self.max_iter = max_iter
        self.normalizer = normalizer
        self.segmenter = segmenter
        self._state: _Fitted | None = None
        self._tools: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    # -- parameters, repr, pickling ---------------------------------------------------
    def __repr__(self) -> str:
        state = "fitted" if self._state is not None else "not fitted"
        thr = f", anger_threshold={self.anger_threshold}" if self.anger_threshold is not None else ""
        return f"EmotionModel(C={self.C}, min_df={self.min_df}{thr}) [{state}]"

    @property
    def classes_(self) -> tuple[str, ...]:
        """The eight labels, in the column order of the weight table."""
        self._fitted()
        return LABELS

    @property
    def info_(self) -> dict[str, Any]:
        """Training facts stored with the model (data sizes, class counts)."""
        return dict(self._fitted().info)

    def _keys(self, text: str, words: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
        lo, hi = self.char_ngrams
        return _keys(text, words, lo, hi, bool(self.cues))

    def _clean(self, text: Any) -> tuple[str, list[str]]:
        norm, seg = self._get_tools()
        clean = norm.normalize(as_text(text, what="text"))
        return clean, (seg.cut(clean) if clean else [])

    # -- scoring -----------------------------------------------------------------------------
    def _scores(self, st: _Fitted, items: Sequence[tuple[str, Sequence[str]]]) -> np.ndarray:
        """Probabilities, one row per ``(normalised text, words)`` item.

        Words and extras are looked up in dicts; character grams, the bulk of
        the features, are coded and looked up for the whole batch in NumPy. A
        text's sum depends only on that text, so batching never changes a result.
        """
        n = len(items)
        if not n:
            return np.zeros((0, len(LABELS)))
        if n == 1 and self.char_ngrams[1] <= 3:
            return self._scores_one(st, *items[0])
        wget, xget = st.words.get, st.extras.get
        pad = st.W.shape[0] - 1
        miss = repeat(pad)  # unknown features map to the all-zero last row: no Python-level filtering
        cues = bool(self.cues)
        lows: list[str] = []
        flat: list[int] = []
        starts: list[int] = []
        for text, words in items:
            low, ws, extras = _text_keys(text, words, cues)
            lows.append(low)
            starts.append(len(flat))
            flat.append(pad)  # every text has at least the zero row, so reduceat never sees an empty slice
            flat += map(wget, ws, miss)
            if extras:
                flat += map(xget, extras, miss)
        z = np.add.reduceat(st.W[np.asarray(flat, dtype=np.intp)], np.asarray(starts, dtype=np.intp),
                            axis=0).astype(np.float64)
        lo, hi = self.char_ngrams
        doc, code = _char_codes(lows, lo, hi)
        if len(st.char_codes) and len(code):
            pos = np.minimum(np.searchsorted(st.char_codes, code), len(st.char_codes) - 1)
            hit = st.char_codes[pos] == code
            rows = st.W[st.char_rows[pos[hit]]]
            k = z.shape[1]
            # one bincount over (text, class) cells: each cell adds its rows in the same order
            # as a bincount per class would, so the sums are the same doubles
            cell = (doc[hit] * k)[:, None] + np.arange(k)
            z += np.bincount(cell.ravel(), weights=rows.ravel(), minlength=n * k).reshape(n, k)
        z += st.bias
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def _scores_one(self, st: _Fitted, text: str, words: Sequence[str]) -> np.ndarray:
        """:meth:`_scores` of one text without the batch machinery: the same sums in the
        same order, so the same doubles (``test_emotion.py`` pins it). Its character grams
        are looked up in a dict, in code order (shorter grams first, then by code point),
        the order in which the batch path adds them."""
        wget, xget = st.words.get, st.extras.get
        pad = st.W.shape[0] - 1
        miss = repeat(pad)
        low, ws, extras = _text_keys(text, words, bool(self.cues))
        flat = [pad, *map(wget, ws, miss), *map(xget, extras, miss)]
        z = np.add.reduceat(st.W[flat], _ZERO, axis=0).astype(np.float64)
        lo, hi = self.char_ngrams
        n = len(low)
        grams: list[str] = sorted(set(low)) if lo == 1 else []
        for k in range(max(lo, 2), hi + 1):
            grams += sorted({low[i:i + k] for i in range(n - k + 1)})
        rows = [r for r in map(st.chars.get, grams, repeat(-1)) if r >= 0]
        if rows:
            z += np.cumsum(st.W[rows].astype(np.float64), axis=0)[-1]
        z += st.bias
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def _emotion(self, p: np.ndarray) -> Emotion:
        row: list[float] = p.tolist()
        thr = self.anger_threshold
        if thr is not None and row[_ANGER] < thr:
            k = max(range(len(row)), key=row.__getitem__)
            if k == _ANGER:  # likely anger, not sure enough: never a positive or surprised label
                k = max(_ANGER_FALLBACK, key=row.__getitem__)
        elif thr is not None:
            k = _ANGER
        else:
            k = max(range(len(row)), key=row.__getitem__)
        return Emotion(LABELS[k], dict(zip(LABELS, row)))  # type: ignore[arg-type]

    # -- public prediction API -----------------------------------------------------------------
    def predict(self, text: str) -> Emotion:
        """Emotion of one raw text (normalised and segmented here).

        >>> EmotionModel.load().predict("客服态度太差了，气死我了😡").label
        'anger'
        """
        st = self._fitted()
        return self._emotion(self._scores(st, [self._clean(text)])[0])

    def predict_batch(self, texts: Iterable[str]) -> list[Emotion]:
        """Emotions of many raw texts, in order."""
        st = self._fitted()
        items = [self._clean(t) for t in as_texts(texts)]
        return [self._emotion(p) for p in self._scores(st, items)]

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """Rows of probabilities of raw texts, columns in the order of :attr:`classes_`."""
        st = self._fitted()
        return self._scores(st, [self._clean(t) for t in as_texts(texts)])

    def _doc_item(self, doc: Any) -> tuple[str, Sequence[str]]:
        if not isinstance(doc, Document):
            raise InputError(
                f"EmotionModel() takes a voc.Document, got {type(doc).__name__}; "
                "use predict(text) for a plain string"
            )
        if doc.tokens is not None:
            return doc.text, doc.words
        return doc.text, (self._get_tools()[1].cut(doc.text) if doc.text else [])

    def __call__(self, doc: Document) -> Document:
        """Pipeline step: the emotion of ``doc.text`` (using ``doc.tokens`` when present)."""
        st = self._fitted()
        item = self._doc_item(doc)
        return document_with(doc, emotion=self._emotion(self._scores(st, [item])[0]))

    def pipe(self, docs: Iterable[Document], *, batch_size: int = 1024) -> Iterator[Document]:
        """Emotions of a stream of documents, scored ``batch_size`` at a time.

        Yields exactly what calling the model on each document would.
        """
        if isinstance(docs, Document):
            raise InputError("pipe() expects an iterable of voc.Document; call the model on one Document")
        as_texts(docs, what="docs")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"batch_size must be an int >= 1, got {batch_size!r}")
        st = self._fitted()
        batch: list[Document] = []
        items: list[tuple[str, Sequence[str]]] = []
        for doc in docs:
            items.append(self._doc_item(doc))
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._pipe_batch(st, batch, items)
                batch, items = [], []
        if batch:
            yield from self._pipe_batch(st, batch, items)

    def _pipe_batch(self, st: _Fitted, docs: list[Document],
                    items: list[tuple[str, Sequence[str]]]) -> Iterator[Document]:
        for doc, p in zip(docs, self._scores(st, items)):
            yield document_with(doc, emotion=self._emotion(p))

    # -- training ----------------------------------------------------------------------------------
    def _check_params(self) -> None:
        if isinstance(self.C, bool) or not isinstance(self.C, (int, float)) or not self.C > 0:
            raise ConfigError(f"C must be a positive number, got {self.C!r}")
        if isinstance(self.min_df, bool) or not isinstance(self.min_df, int) or self.min_df < 1:
            raise ConfigError(f"min_df must be an int >= 1, got {self.min_df!r}")
        cn = tuple(self.char_ngrams) if isinstance(self.char_ngrams, (tuple, list)) else ()
        if len(cn) != 2 or not all(isinstance(n, int) for n in cn) or not 1 <= cn[0] <= cn[1] <= 3:
            raise ConfigError(f"char_ngrams must be (lowest, highest) with 1 <= lowest <= highest <= 3, "
                              f"got {self.char_ngrams!r}")
        if self.class_weight not in ("balanced", "sqrt", None):
            raise ConfigError(f"class_weight must be 'balanced', 'sqrt' or None, got {self.class_weight!r}")
        thr = self.anger_threshold
        if thr is not None and (isinstance(thr, bool) or not isinstance(thr, (int, float)) or not 0 < thr < 1):
            raise ConfigError(f"anger_threshold must be None or a number in (0, 1), got {thr!r}")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, int) or self.max_iter < 1:
            raise ConfigError(f"max_iter must be an int >= 1, got {self.max_iter!r}")
        cp = self.cue_prior
        if isinstance(cp, bool) or not isinstance(cp, (int, float)) or not np.isfinite(cp):
            raise ConfigError(f"cue_prior must be a finite number (logit units), got {cp!r}")

    def fit(self, texts: Iterable[str], labels: Iterable[str], *,
            sample_weight: Sequence[float] | None = None) -> EmotionModel:
        """Train on raw texts and their labels (any of the eight emotion names).

        Labels missing from ``labels`` get a very low bias, so the model never
        predicts them. About 20 s for 13,000 Weibo sentences on one core.

        >>> m = EmotionModel(min_df=1).fit(["气死我了", "太开心了", "今天周一"] * 2,
        ...                                ["anger", "happiness", "none"] * 2)
        >>> m.predict("气死了").label
        'anger'
        """
        self._check_params()
        texts = [as_text(t, what="texts[i]") for t in as_texts(texts)]
        ys = [str(y).strip().lower() for y in as_texts(labels, what="labels")]
        if len(texts) != len(ys):
            raise InputError(f"fit() got {len(texts)} texts but {len(ys)} labels; pass one label per text")
        bad = sorted({y for y in ys if y not in LABELS})
        if bad:
            raise InputError(f"unknown emotion label(s) {bad[:5]}; expected one of {list(LABELS)}")
        y = np.asarray([LABELS.index(v) for v in ys], dtype=np.int64)
        present = np.unique(y)
        if len(present) < 2:
            raise InputError("fit() needs examples of at least two emotion labels")
        sw = None
        if sample_weight is not None:
            sw = np.asarray(sample_weight, dtype=np.float64)
            if sw.shape != (len(texts),) or not np.all(np.isfinite(sw)) or (sw < 0).any():
                raise InputError(f"sample_weight must hold {len(texts)} finite non-negative numbers")
        items = [self._clean(t) for t in texts]
        st = _train(self, items, y, present, sw)
        if self.cue_prior:
            for key in ("cue:anger", "cue:anger_emo"):
                j = st.extras.get(key)
                if j is not None:
                    st.W[j, _ANGER] += np.float32(self.cue_prior)
        self._state = st
        return self

    # -- persistence ---------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted model to folder ``path`` (JSON + npz, no pickle)."""
        from .._persist import save_artifact

        st = self._fitted()
        feats = st.names()
        params = {k: getattr(self, k) for k in self._SAVED}
        params["char_ngrams"] = list(self.char_ngrams)
        meta = {"params": params, "labels": list(LABELS), "n_features": len(feats), "info": st.info}
        arrays = {"W": st.W[:-1], "bias": st.bias, "features": _pack(feats)}
        save_artifact(path, kind=FORMAT, version=FORMAT_VERSION, meta=meta, arrays=arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> EmotionModel:
        """Load a model saved with :meth:`save`; ``None`` loads the shipped default.

        Raises
        ------
        ModelNotFoundError
            Nothing at ``path`` (or the shipped model is missing).
        ModelLoadError
            The folder is corrupt, holds another kind of model, or was written
            in another format version.
        """
        from .._persist import build, load_artifact, model_folder
        from .._resources import model_path

        folder = model_folder(path) if path is not None else model_path("emotion")
        meta, arrays = load_artifact(folder, kind=FORMAT, version=FORMAT_VERSION)
        try:
            params = dict(meta["params"])
            params["char_ngrams"] = tuple(params["char_ngrams"])
            if list(meta["labels"]) != list(LABELS):
                raise ValueError(f"labels {meta['labels']} differ from {list(LABELS)}")
            feats = _unpack(arrays["features"])
            W = np.asarray(arrays["W"], dtype=np.float32)
            bias = np.asarray(arrays["bias"], dtype=np.float64)
            if len(feats) != meta["n_features"] or W.shape != (len(feats), len(LABELS)) \
                    or bias.shape != (len(LABELS),):
                raise ValueError("weight table size does not match the feature list")
            W = np.vstack([W, np.zeros((1, len(LABELS)), dtype=np.float32)])
            tables: dict[str, dict[str, int]] = {"c:": {}, "w:": {}, "x:": {}}
            for i, f in enumerate(feats):
                tables[f[:2]][f[2:]] = i
            st = _Fitted(chars=tables["c:"], words=tables["w:"], extras=tables["x:"], W=W, bias=bias,
                         info=dict(meta.get("info", {})))
            model = build(cls, {**meta, "params": params}, folder)
        except (KeyError, ValueError, TypeError, AttributeError, UnicodeDecodeError) as err:
            raise ModelLoadError(f"{folder} is not a complete voc emotion model ({err}); re-save it") from err
        model._check_params()
        model._state = st
        return model


def _train(model: EmotionModel, items: list[tuple[str, Sequence[str]]], y: np.ndarray,
           present: np.ndarray, sw: np.ndarray | None) -> _Fitted:
    """Fit the logistic regression and turn it into a weight table."""
    import warnings

    from scipy import sparse
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    prefixes = ("c:", "w:", "x:")
    docs = [[p + k for p, keys in zip(prefixes, model._keys(t, w)) for k in keys] for t, w in items]
    df: dict[str, int] = {}
    for fs in docs:
        for f in fs:
            df[f] = df.get(f, 0) + 1
    keep = sorted(f for f, n in df.items() if n >= model.min_df and "\x00" not in f)
    if not keep:
        raise InputError(f"no feature occurs in {model.min_df} or more texts; lower min_df or pass more texts")
    vocab = {f: i for i, f in enumerate(keep)}
    indptr = [0]
    indices: list[int] = []
    for fs in docs:
        indices.extend(i for f in fs if (i := vocab.get(f)) is not None)
        indptr.append(len(indices))
    X = sparse.csr_matrix((np.ones(len(indices), dtype=np.float64), indices, indptr),
                          shape=(len(docs), len(vocab)))
    counts = np.bincount(y, minlength=len(LABELS)).astype(np.float64)
    if model.class_weight is None:
        cw = np.ones(len(LABELS))
    else:
        power = 1.0 if model.class_weight == "balanced" else 0.5
        cw = np.where(counts > 0, (len(y) / (len(present) * np.maximum(counts, 1))) ** power, 0.0)
    w = cw[y] * (sw if sw is not None else 1.0)
    clf = LogisticRegression(C=float(model.C), max_iter=int(model.max_iter), tol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported in info instead
        clf.fit(X, y, sample_weight=w)
    W = np.zeros((len(vocab) + 1, len(LABELS)), dtype=np.float32)
    bias = np.full(len(LABELS), -30.0)
    coef = clf.coef_
    if coef.shape[0] == 1:  # two classes: sklearn keeps one row for the second class
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        icpt = np.array([-clf.intercept_[0] / 2, clf.intercept_[0] / 2])
    else:
        icpt = clf.intercept_
    for j, k in enumerate(clf.classes_):
        W[:-1, k] = coef[j]
        bias[k] = icpt[j]
    info = {
        "n_texts": len(items),
        "n_features": len(vocab),
        "class_counts": {LABELS[k]: int(counts[k]) for k in range(len(LABELS)) if counts[k]},
        "n_iter": int(np.max(clf.n_iter_)),
        "converged": bool(np.max(clf.n_iter_) < model.max_iter),
    }
    tables: dict[str, dict[str, int]] = {p: {} for p in prefixes}
    for f, i in vocab.items():
        tables[f[:2]][f[2:]] = i
    return _Fitted(chars=tables["c:"], words=tables["w:"], extras=tables["x:"], W=W, bias=bias, info=info)


def _pack(items: list[str]) -> np.ndarray:
    """Strings as one uint8 array (UTF-8, NUL-separated: features never hold NUL)."""
    return np.frombuffer("\x00".join(items).encode("utf-8"), dtype=np.uint8).copy()


def _unpack(arr: np.ndarray) -> list[str]:
    s = np.asarray(arr, dtype=np.uint8).tobytes().decode("utf-8")
    return s.split("\x00") if s else []
