"""Normalisation: raw customer text → clean simplified Chinese, with offsets back to the raw text.

:class:`Normalizer` runs a fixed chain of stages. Each stage produces sorted,
non-overlapping edits on its input; the edits are applied with
:func:`voc._align.apply_edits` and the stage alignments are composed, so every
span of the output maps back to the raw input exactly (``Document.to_raw``).
A stage that finds nothing costs one regex scan; a plain simplified review
that needs nothing at all is returned as is, with an identity alignment.

Stages, in order (each idempotent, and the chain as a whole is idempotent:
``normalize(normalize(x)) == normalize(x)``, checked with Hypothesis in
``tests/test_normalization.py``):

1. **characters** (always): zero-width and format characters (U+200B…, BOM,
   soft hyphen, bidi marks) and C0/C1 control characters are removed
   (tab/newline/CR are kept for stage 5; a zero-width joiner is kept only
   between two emoji, where it builds one glyph like 👨‍👩‍👧); exotic spaces
   (U+3000, NBSP, U+2000…) become ``" "``; Kangxi radicals (⼈) and CJK
   compatibility ideographs become the unified ideographs (what NFKC / NFC
   do for them).
   **Width convention** (``width=True``): full-width ASCII letters, digits,
   space and symbols become half-width (``ＡＢＣ１２３＃`` → ``ABC123#``),
   *except* the Chinese sentence punctuation ``，！？；：（）``, which stays
   full-width (as do ``。、「」【】《》…`` which have no half-width form);
   half-width CJK punctuation (``｡､｢｣``) becomes the full-width form.
   Half-width ASCII punctuation written by the user (``,`` ``!``) is left as is.
2. **HTML** (``html=True``): tags (``<br>``, ``<a href=…>``, comments) are
   removed (block tags such as ``<br>``/``<p>``/``<div>`` become a line
   break); entities (``&amp;`` ``&nbsp;`` ``&#20320;``, also double-escaped
   ``&amp;lt;``) are decoded, and the decoded text goes through stage 1.
3. **Unicode**: NFC for combining sequences (``e`` + U+0301 → ``é``). This is
   the *safe* normal form: NFKC is not applied wholesale because it would
   also turn ``，`` into ``,``, ``①`` into ``1`` and ``™`` into ``TM``.
4. **script**: with ``cantonese=True`` (the default), common Cantonese forms become
   Mandarin first (table ``models/normalize/cantonese.tsv``: 唔→不, 冇→没有,
   嘅→的, 佢哋→他们, …; ambiguous forms such as 係→是 only when the text has
   unambiguous Cantonese markers, and never inside Mandarin words like 關係).
   Then, when the text contains traditional-only characters
   (:func:`detect_script` is ``"traditional"`` or ``"mixed"``), OpenCC
   converts it to simplified with regional phrasing: Taiwan (``tw2sp``:
   軟體→软件, 網路→网络, 記憶體→内存), Hong Kong (``hk2s``) or plain
   (``t2s``). ``region="auto"`` picks Hong Kong when the text has Cantonese
   markers, else Taiwan. Mixed texts are converted clause by clause, so
   simplified clauses are never touched; a simplified text never is.
   Character conversions (體→体) map back one for one; phrase rewrites
   (記憶體→内存, 滑鼠→鼠标) map back as one block: any part of 内存 → 記憶體,
   and two side by side stay two blocks (記憶體滑鼠: 鼠标 → 滑鼠).
   A known mis-conversion in old GBK dumps is mended in every text (unless
   ``convert="never"``): 幺 after 这/那/什/怎/多/要 is 么 (这幺小 → 这么小).
5. **emoji** (``emoji="tag"`` or ``"remove"``): emoji (😡 👍 ❤️) and
   bracket emoticons from the shipped table (``[怒]``, ``[哈哈]``) become a
   text tag ``[怒]`` (``models/normalize/emoticons.tsv``) or are removed.
   ``"keep"`` (the default) leaves them: they carry sentiment.
6. **masks** (``mask=("url", "phone", "order")``, off by default): URLs →
   ``[URL]``, Chinese phone numbers (mobiles, landlines, 400/800) →
   ``[PHONE]``, order/tracking numbers (an id of ≥ 10 letters/digits after
   订单/单号/运单…, or any run of ≥ 12 digits) → ``[ORDER]``.
7. **repeats** (``max_repeat=3``; 0 turns it off): a character repeated more
   than ``max_repeat`` times in a row is cut to ``max_repeat``
   (哈哈哈哈哈 → 哈哈哈, ！！！！！ → ！！！, ...... → ...). Digits are never
   squeezed (order numbers, 2333), whitespace is handled by stage 8.
8. **whitespace**: runs of spaces/tabs become one space, runs with a line
   break become one ``"\\n"``, leading and trailing whitespace is removed.

>>> from voc.normalization import Normalizer
>>> Normalizer()("軟體很好用！！！！！").text
'软件很好用！！！'
"""

from __future__ import annotations

import html
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from difflib import SequenceMatcher
from typing import Any, Literal

from ._align import Alignment, apply_edits
from ._input import as_text, as_texts
from ._resources import model_path
from ._types import Document
from .errors import ConfigError

__all__ = ["Normalizer", "Script", "detect_script"]

logger = logging.getLogger(__name__)

Script = Literal["simplified", "traditional", "mixed", "none"]
Edit = tuple[int, int, str]

_CONVERT = ("auto", "always", "never")
_REGIONS = ("auto", "tw", "hk", "cn")
_MASKS = ("url", "phone", "order")
_EMOJI = ("keep", "tag", "remove")
_OPENCC_CONFIG = {"tw": "tw2sp", "hk": "hk2s", "cn": "t2s"}

# --------------------------------------------------------------------------
# Shared, read-only tables (built once per process under a lock)
# --------------------------------------------------------------------------

_LOCK = threading.Lock()
_SHARED: dict[str, Any] = {}

# CJK ranges scanned to derive the script character sets from OpenCC itself.
_CJK_RANGES = (
    (0x3400, 0x4DC0), (0x4E00, 0xA000), (0x20000, 0x2A6E0), (0x2A700, 0x2EBF0),
    (0x30000, 0x3134B),
)

# Chinese sentence punctuation that stays full width (see module docstring).
_KEEP_FULLWIDTH = "，！？；：（）"
_EMOJI_CLASS = (
    "\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u2190-\u21FF"
    "\u3297\u3299\u00A9\u00AE\u203C\u2049\u2122\u2139"
)
# unambiguous Cantonese characters: choose Hong Kong phrasing for region="auto"
_CANTONESE_MARKERS = "佢嘅冇咗啲哋喺嘢嚟嗰睇揾搵諗谂攞瞓冚啱噉嘞囉喎㗎咩唔"
_MARKER_RE = re.compile(f"[{_CANTONESE_MARKERS}]")


def _char_ranges(chars: Iterable[str]) -> str:
    """A regex character class body for ``chars`` with consecutive runs as ranges."""
    cps = sorted({ord(c) for c in chars})
    parts: list[str] = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        a, b = cps[i], cps[j]
        parts.append(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}")
        i = j + 1
    return "".join(parts)


def _opencc(config: str) -> Any:
    """A shared OpenCC converter (its ``convert`` is re-entrant)."""
    key = "opencc:" + config
    conv = _SHARED.get(key)
    if conv is None:
        with _LOCK:
            conv = _SHARED.get(key)
            if conv is None:
                import opencc

                conv = opencc.OpenCC(config)
                _SHARED[key] = conv
    return conv


class _CharSet:
    """Fast "does this text contain one of these characters" for big CJK sets.

    ``re`` scans a class of BMP ranges at C speed (a bitmap), but one astral
    code point in the class makes it fall back to a slow range list, so the
    astral part gets its own pattern, run only when the text has astral chars.
    """

    __slots__ = ("astral_set", "bmp")

    def __init__(self, chars: Iterable[str]) -> None:
        chars = set(chars)
        bmp = [c for c in chars if ord(c) < 0x10000]
        astral = [c for c in chars if ord(c) >= 0x10000]
        self.bmp = re.compile(f"[{_char_ranges(bmp)}]")
        self.astral_set = frozenset(astral)

    def find(self, text: str, pos: int = 0) -> int:
        """Index of the first member at or after ``pos``, or -1."""
        m = self.bmp.search(text, pos)
        best = m.start() if m is not None else -1
        if self.astral_set:  # astral characters are rare: test them one by one
            for a in _ASTRAL_RE.finditer(text, pos, best if best >= 0 else len(text)):
                if a.group() in self.astral_set:
                    return a.start()
        return best

    def search(self, text: str) -> bool:
        if self.bmp.search(text) is not None:
            return True
        return bool(self.astral_set) and _ASTRAL_RE.search(text) is not None and any(
            a.group() in self.astral_set for a in _ASTRAL_RE.finditer(text)
        )


_ASTRAL_RE = re.compile("[\U00010000-\U0010FFFF]")


def _script_tables() -> tuple[_CharSet, _CharSet, dict[str, str]]:
    """(traditional-only set, simplified-only set, char→simplified map).

    Derived once from OpenCC's own dictionaries: a character is
    *traditional-only* when OpenCC's t2s changes it, *simplified-only* when
    s2t changes it and t2s does not. Characters in both (variants like 麽)
    count as traditional; compatibility ideographs are left to stage 1.
    """
    tables = _SHARED.get("script")
    if tables is None:
        t2s, s2t = _opencc("t2s"), _opencc("s2t")
        with _LOCK:
            tables = _SHARED.get("script")
            if tables is None:
                chars = [chr(c) for a, b in _CJK_RANGES for c in range(a, b)]
                joined = "\n".join(chars)
                simp = t2s.convert(joined).split("\n")
                trad = s2t.convert(joined).split("\n")
                t_only = {c: s for c, s in zip(chars, simp) if s != c and len(s) == 1}
                s_only = [c for c, t in zip(chars, trad) if t != c and c not in t_only]
                tables = (_CharSet(t_only), _CharSet(s_only), t_only)
                _SHARED["script"] = tables
    return tables


def _char_map() -> dict[str, str]:
    """Stage 1's single-character map (see module docstring)."""
    m: dict[str, str] = {}
    for cp in range(0xFF01, 0xFF5F):
        c = chr(cp)
        if c not in _KEEP_FULLWIDTH:
            m[c] = chr(cp - 0xFEE0)
    m.update({"\u3000": " ", "\uFF61": "。", "\uFF64": "、", "\uFF62": "「", "\uFF63": "」"})
    for c in "\u00A0\u1680\u202F\u205F" + "".join(chr(c) for c in range(0x2000, 0x200B)):
        m[c] = " "
    m["\u2028"] = m["\u2029"] = m["\x85"] = "\n"
    zero = "\u200B\u200C\u200E\u200F\u00AD\u180E\u2060\u2061\u2062\u2063\u2064\uFEFF\u034F"
    zero += "".join(chr(c) for c in range(0x202A, 0x202F))
    zero += "".join(chr(c) for c in range(0x2066, 0x206A))
    zero += "".join(chr(c) for c in (*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0x85),
                                     *range(0x86, 0xA0)))
    for c in zero:
        m[c] = ""
    for cp in range(0x2F00, 0x2FD6):  # Kangxi radicals
        m[chr(cp)] = unicodedata.normalize("NFKC", chr(cp))
    for c in ("\u2E9F", "\u2EF3"):
        m[c] = unicodedata.normalize("NFKC", c)
    for cp in range(0xF900, 0xFB00):  # CJK compatibility ideographs (astral ones: NFC stage)
        c = chr(cp)
        n = unicodedata.normalize("NFC", c)
        if n != c:
            m[c] = n
    # tab → space, vertical separators → line break: stage 8 then only sees " " and "\n"
    m.update({"\t": " ", "\r": "\n", "\x0b": "\n", "\x0c": "\n"})
    return m


def _emoticon_table() -> dict[str, str]:
    """key → tag word from ``models/normalize/emoticons.tsv`` (cached)."""
    table = _SHARED.get("emoticons")
    if table is None:
        path = model_path("normalize", "emoticons.tsv")
        table = {}
        for key, value in _read_tsv(path, 2):
            table[key] = value[0]
        for tag in set(table.values()):
            table.setdefault(f"[{tag}]", tag)  # a tag maps to itself: idempotent
        _SHARED["emoticons"] = table
    return table


def _cantonese_table() -> list[tuple[str, str, str]]:
    """(source, target, scope) rows of ``models/normalize/cantonese.tsv`` (cached)."""
    table = _SHARED.get("cantonese")
    if table is None:
        path = model_path("normalize", "cantonese.tsv")
        table = []
        for key, value in _read_tsv(path, 3):
            target, scope = value
            if scope not in ("always", "marked", "guard"):
                raise ConfigError(f"scope must be always, marked or guard, got {scope!r}", path=str(path))
            table.append((key, key if scope == "guard" else target, scope))
        _SHARED["cantonese"] = table
    return table


def _read_tsv(path: Any, ncols: int) -> Iterator[tuple[str, list[str]]]:
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < ncols or not cols[0]:
                raise ConfigError(
                    f"expected {ncols} tab-separated columns, got {len(cols)}: {line!r}",
                    path=str(path), line=lineno,
                )
            yield cols[0], cols[1:ncols]


# --------------------------------------------------------------------------
# Script detection
# --------------------------------------------------------------------------


def detect_script(text: str) -> Script:
    """Which Chinese script a text is written in.

    ``"traditional"``: it has characters only traditional Chinese uses (體, 網)
    and none only simplified uses; ``"simplified"``: the reverse; ``"mixed"``:
    both; ``"none"``: neither, i.e. no Chinese, or only characters written the
    same way in both scripts (你好). The character sets come from OpenCC's own
    dictionaries. Only traditional and mixed texts are converted.

    Parameters
    ----------
    text
        Any text (bytes are decoded).

    Returns
    -------
    str
        One of ``"simplified"``, ``"traditional"``, ``"mixed"``, ``"none"``.

    Examples
    --------
    >>> detect_script("软件很好用"), detect_script("軟體很好用"), detect_script("你好")
    ('simplified', 'traditional', 'none')
    """
    text = as_text(text, what="text")
    trad_re, simp_re, _ = _script_tables()
    t = trad_re.search(text)
    s = simp_re.search(text)
    if t:
        return "mixed" if s else "traditional"
    return "simplified" if s else "none"


# --------------------------------------------------------------------------
# The compiled engine of one Normalizer configuration
# --------------------------------------------------------------------------

_HTML_TAGS = frozenset(
    "a abbr b big blockquote body br button caption center cite code col dd del div dl dt em "
    "font footer form h1 h2 h3 h4 h5 h6 head header hr html i iframe img input ins label li "
    "link meta nav ol option p pre s script section select small source span strike strong "
    "style sub sup table tbody td textarea tfoot th thead title tr tt u ul video audio article "
    "figure figcaption main mark q wbr".split()
)
_MAX_HTML_ROUNDS = 16  # nested markup deeper than this is left partly escaped
_BLOCK_TAGS = frozenset(
    "br p div li tr ul ol table h1 h2 h3 h4 h5 h6 hr blockquote section article".split()
)
_HTML_RE = re.compile(
    r"<!--[\s\S]{0,500}?-->"  # comment (bounded, so unterminated ones stay linear)
    # only real HTML tag names, so "<Great product>" or "<好评>" stay text
    r"|<(/?)((?i:" + "|".join(sorted(_HTML_TAGS, key=len, reverse=True)) + r"))"
    r"(?:\s[^<>]{0,2000})?/?>"
    r"|&(?:amp;)*(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"  # entity
)
_WS_RE = re.compile(r"\A[ \n]+|[ \n]+\Z|[ \n]{2,}")
_WS_NEED = re.compile(r"[ \n][ \n]")
#: 麼 once mapped to 幺 by some converters: 这幺小, 什幺 (幺 is "youngest" only in 老幺, 幺妹 …)
_YAO_RE = re.compile("(?<=[这那什怎多要])幺")
_CLAUSE_RE = re.compile(r"[^\n，。！？；：,.!?;:、…~\s]+")
_SEP_RE = re.compile(r"[\n，。！？；：,.!?;:、…~\s]")
_EMOJI_RE = re.compile(
    f"[{_EMOJI_CLASS}][\uFE0E\uFE0F\U0001F3FB-\U0001F3FF]*"
    f"(?:\u200D[{_EMOJI_CLASS}][\uFE0E\uFE0F\U0001F3FB-\U0001F3FF]*)*"
    r"|\[[^\[\]\s]{1,10}\]"
)
# a number ends where no letter/digit follows, or where a URL starts right after
# it (the URL is masked in the same pass, so a second pass must not see more)
_END = r"(?:(?![A-Za-z0-9_-])|(?=https?://|www\.))"
_MASK_PATTERNS = {
    "url": r"(?P<url>(?:https?://|www\.)[^\s<>\"'\u3000-\u303F\u4E00-\u9FFF\uFF01-\uFF65]*"
           r"[^\s<>\"'\u3000-\u303F\u4E00-\u9FFF\uFF01-\uFF65.,;:!?)\]}]"
           r"|(?<![A-Za-z0-9_.@-])(?:[A-Za-z0-9-]+\.)+(?:com|cn|net|org|cc|io|me|hk|tw)(?![A-Za-z0-9_-])"
           r"(?:/[^\s<>\"'\u3000-\u303F\u4E00-\u9FFF\uFF01-\uFF65]*)?)",
    "phone": r"(?P<phone>(?<![A-Za-z0-9_+])(?:(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}"
             r"|0[0-9]{2,3}-?[0-9]{7,8}|[48]00-?[0-9]{3}-?[0-9]{4})" + _END + ")",
    "order": r"(?:(?<=订单)|(?<=单号)|(?<=订单号)|(?<=编号)|(?<=运单)|(?<=快递)|(?<=物流))"
             r"(?:号|编号)?(?:是|为)?[:：]?\s?(?P<order>(?=[A-Za-z-]*[0-9])[A-Za-z0-9-]{10,})" + _END
             + r"|(?P<order2>(?<![A-Za-z0-9_-])[0-9]{12,}" + _END + ")",
}


class _Engine:
    """Everything one Normalizer configuration needs, compiled; read-only after build."""

    def __init__(self, n: Normalizer) -> None:
        self.convert = n.convert
        self.region = n.region
        self.max_repeat = n.max_repeat
        self.emoji = n.emoji
        self.html = n.html
        cmap = _char_map()
        if not n.width:
            for cp in range(0xFF01, 0xFF5F):
                cmap.pop(chr(cp), None)
            for c in "\u3000\uFF61\uFF64\uFF62\uFF63":
                cmap.pop(c, None)
        self.cmap = cmap
        self.ctable = str.maketrans(cmap)
        self.char_re = re.compile(f"[{_char_ranges(cmap)}\u200D]+")
        self.trad_re, self.simp_re, self.t2s_chars = _script_tables()
        self.canto: dict[str, tuple[str, str, frozenset[str]]] | None = None
        self.canto_re: re.Pattern[str] | None = None
        self.fold = str.maketrans(self.t2s_chars)
        if n.cantonese:
            # matched on a character-level simplified view of the text, so 邊個,
            # 边个 and a mixed 邊个 all match; single-character forms must match
            # as written (係 is the copula, simplified 系 is not: 系统)
            canto: dict[str, tuple[str, str, frozenset[str]]] = {}
            for src, tgt, scope in _cantonese_table():
                key = src.translate(self.fold)
                old = canto.get(key)
                if old is not None and old[1] == "guard":
                    continue
                raws = (old[2] if old is not None else frozenset()) | {src}
                canto[key] = (tgt if scope != "guard" else key, scope, raws)
            self.canto = canto
            alts = sorted(canto, key=len, reverse=True)
            self.canto_re = re.compile("|".join(map(re.escape, alts)))
        self.marker_re = _MARKER_RE
        self.emo = _emoticon_table() if n.emoji != "keep" else None
        masks = [m for m in _MASKS if m in n.mask]
        self.mask_re = re.compile("|".join(_MASK_PATTERNS[m] for m in masks)) if masks else None
        # "(.)\1\1\1" scans ~4x faster than "(.)\1{3,}"; the run is extended in Python
        self.repeat_re = re.compile("(.)" + "\\1" * n.max_repeat) if n.max_repeat > 0 else None
        self.stages: list[Callable[[str], list[Edit]]] = [self._chars]
        if n.html:
            self.stages.append(self._html)
        self.stages.append(self._nfc)
        if self.convert != "never" or n.cantonese:
            if n.cantonese:
                self.stages.append(self._cantonese)
            if self.convert != "never":
                self.stages.append(self._script)
                self.stages.append(self._yao)
        if self.emo is not None:
            self.stages.append(self._emoji)
            if n.html and n.emoji == "remove":  # "<😡b>" → "<b>": clean again
                self.stages.append(self._html)
        if self.mask_re is not None:
            self.stages.append(self._mask)
        if self.repeat_re is not None:
            self.stages.append(self._repeat)
        self.stages.append(self._space)

    # -- stages: each returns sorted, non-overlapping edits on its input --------
    def _chars(self, text: str) -> list[Edit]:
        if self.char_re.search(text) is None:
            return []
        edits: list[Edit] = []
        cmap = self.cmap
        for m in self.char_re.finditer(text):
            s, e = m.span()
            run = m.group()
            if "\u200D" in run:  # a joiner survives only between two emoji (👨‍👩‍👧)
                for i, c in enumerate(run, s):
                    if c != "\u200D":
                        edits.append((i, i + 1, cmap[c]))
                    elif not (0 < i and i + 1 < len(text) and _is_emojiish(text[i - 1])
                              and _is_emojiish(text[i + 1])):
                        edits.append((i, i + 1, ""))
                continue
            rep = run.translate(self.ctable)
            if len(rep) == len(run) or not rep:
                edits.append((s, e, rep))
            else:  # mixed deletions and replacements: per character, so exact pieces stay exact
                for i, c in enumerate(run, s):
                    edits.append((i, i + 1, cmap[c]))
        return edits

    def _html(self, text: str) -> list[Edit]:
        # removing a tag or decoding an entity can form a new one ("<z<p>>",
        # "&lt;b&gt;"): the runners repeat this stage until it finds nothing
        if "<" not in text and "&" not in text:
            return []
        edits: list[Edit] = []
        for m in _HTML_RE.finditer(text):
            tok = m.group()
            if tok[0] == "<":
                name = m.group(2)
                rep = "\n" if name is not None and name.lower() in _BLOCK_TAGS else ""
            else:
                rep = tok
                for _ in range(8):  # &amp;amp;lt; → <
                    nxt = html.unescape(rep)
                    if nxt == rep:
                        break
                    rep = nxt
                if rep == tok:
                    continue  # unknown entity: leave it
                rep = rep.translate(self.ctable).replace("\u200D", "")
            edits.append((m.start(), m.end(), rep))
        return edits

    def _nfc(self, text: str) -> list[Edit]:
        if text.isascii() or unicodedata.is_normalized("NFC", text):
            return []
        # rare: cluster = a starter and the combining marks after it
        edits: list[Edit] = []
        n = len(text)
        i = 0
        combining = unicodedata.combining
        while i < n:
            j = i + 1
            while j < n and combining(text[j]):
                j += 1
            cluster = text[i:j]
            rep = unicodedata.normalize("NFC", cluster)
            if rep != cluster:
                edits.append((i, j, rep))
            i = j
        return edits

    def _cantonese(self, text: str) -> list[Edit]:
        assert self.canto_re is not None and self.canto is not None
        canto = self.canto
        # same length: one char for one (a text without traditional-only characters folds to itself)
        folded = text.translate(self.fold) if self.trad_re.search(text) else text
        edits: list[Edit] = []
        marked = None
        for m in self.canto_re.finditer(folded):
            s, e = m.span()
            tgt, scope, raws = canto[m.group()]
            if scope == "guard" or (e - s == 1 and text[s] not in raws):
                continue
            if scope == "marked":
                if marked is None:  # does the text have an unambiguous Cantonese form?
                    marked = any(canto[k][1] == "always" for k in self.canto_re.findall(folded))
                if not marked:
                    continue
            if tgt != text[s:e]:
                edits.append((s, e, tgt))
        return edits

    def _script(self, text: str) -> list[Edit]:
        if self.convert == "auto" and not self.trad_re.search(text):
            return []
        region = self.region
        if region == "auto":
            region = "hk" if self.marker_re.search(text) else "tw"
        conv = _opencc(_OPENCC_CONFIG[region])
        whole = None
        if "\n" not in text and not self.simp_re.search(text):
            out = conv.convert(text)
            if out == text:
                return []
            chars = text.translate(self.fold)
            if out == chars:  # character for character: exact
                return [(0, len(text), out)]
            if len(out) == len(text):  # same-length phrase rewrites (滑鼠 → 鼠标)
                same = _same_length_edits(conv, text, chars, out, 0)
                if same is not None:
                    return same
                whole = out  # phrases that change the length both ways (記憶體萊雅): by clause
        # mixed text or a length-changing phrase: clause by clause, only the
        # clauses that need it (simplified clauses stay untouched)
        if self.convert == "always" or whole is not None:
            spans = [m.span() for m in _CLAUSE_RE.finditer(text)]
        else:
            spans = self._trad_clauses(text)
        if not spans:
            return []
        outs = conv.convert("\n".join(text[a:b] for a, b in spans)).split("\n")
        if len(outs) != len(spans):  # pragma: no cover - defensive: convert one by one
            outs = [conv.convert(text[a:b]) for a, b in spans]
        edits: list[Any] = []
        for (a, b), out in zip(spans, outs):
            src = text[a:b]
            if out == src:
                continue
            chars = src.translate(self.fold)
            if out == chars:
                edits.append((a, b, out))
            elif (same := _same_length_edits(conv, src, chars, out, a)) is not None:
                edits.extend(same)
            else:
                edits.extend(_phrase_edits(conv, src, chars, out, a))
        if whole is not None and _apply(text, edits) != whole:  # a phrase across clauses: at once
            return _phrase_edits(conv, text, text.translate(self.fold), whole, 0)
        return edits

    @staticmethod
    def _yao(text: str) -> list[Edit]:
        if "幺" not in text:
            return []
        return [(m.start(), m.end(), "么") for m in _YAO_RE.finditer(text)]

    def _trad_clauses(self, text: str) -> list[tuple[int, int]]:
        """Spans of the clauses that hold a traditional-only character."""
        spans: list[tuple[int, int]] = []
        find = self.trad_re.find
        sep = _SEP_RE.search
        p = find(text)
        while p >= 0:
            a = p
            while a > 0 and not _SEP_RE.match(text, a - 1):
                a -= 1
            m = sep(text, p)
            b = m.start() if m is not None else len(text)
            spans.append((a, b))
            p = find(text, b)
        return spans

    def _emoji(self, text: str) -> list[Edit]:
        assert self.emo is not None
        edits: list[Edit] = []
        emo = self.emo
        tag_mode = self.emoji == "tag"
        for m in _EMOJI_RE.finditer(text):
            tok = m.group()
            if tok[0] == "[":
                tag = emo.get(tok)
                if tag is None:
                    continue
                rep = f"[{tag}]" if tag_mode else ""
            else:
                tag = emo.get(tok) or emo.get(tok.rstrip("\uFE0E\uFE0F")) or emo.get(tok[0])
                if tag_mode:
                    if tag is None:
                        continue
                    rep = f"[{tag}]"
                else:
                    rep = ""
            if rep != tok:
                edits.append((m.start(), m.end(), rep))
        return edits

    def _mask(self, text: str) -> list[Edit]:
        assert self.mask_re is not None
        edits: list[Edit] = []
        for m in self.mask_re.finditer(text):
            kind = m.lastgroup
            if kind is None:
                continue
            token = "[ORDER]" if kind.startswith("order") else f"[{kind.upper()}]"
            edits.append((m.start(kind), m.end(kind), token))
        return edits

    def _repeat(self, text: str) -> list[Edit]:
        assert self.repeat_re is not None
        n = self.max_repeat
        edits: list[Edit] = []
        search = self.repeat_re.search
        size = len(text)
        m = search(text)
        while m is not None:
            c = m.group(1)
            e = m.end()
            while e < size and text[e] == c:
                e += 1
            if not (c.isdigit() or c.isspace()):
                edits.append((m.start() + n, e, ""))
            m = search(text, e)
        return edits

    def _space(self, text: str) -> list[Edit]:
        if not text or (text[0] not in " \n" and text[-1] not in " \n"
                        and _WS_NEED.search(text) is None):
            return []
        edits: list[Edit] = []
        n = len(text)
        for m in _WS_RE.finditer(text):
            s, e = m.span()
            run = m.group()
            if s == 0 or e == n:
                rep = ""
            elif "\n" in run:
                rep = "\n"
            else:
                rep = " "
            if rep != run:
                if rep and run[0] == rep:  # keep the first char as an exact match
                    edits.append((s + 1, e, ""))
                else:
                    edits.append((s, e, rep))
        return edits

    # -- running -------------------------------------------------------------
    def run(self, text: str) -> str:
        for stage in self.stages:
            edits = stage(text)
            rounds = _MAX_HTML_ROUNDS if stage == self._html else 1
            while edits:
                text = _apply(text, edits)
                rounds -= 1
                edits = stage(text) if rounds else []
        return text

    def run_aligned(self, text: str) -> tuple[str, Alignment]:
        alignment: Alignment | None = None
        raw_len = len(text)
        for stage in self.stages:
            edits = stage(text)
            rounds = _MAX_HTML_ROUNDS if stage == self._html else 1
            while edits:
                if all(len(ed) == 3 and ed[1] - ed[0] == len(ed[2]) for ed in edits):
                    # one-for-one replacements (width, 體→体) keep every offset:
                    # the stage's alignment is the identity, nothing to compose
                    text = _apply(text, edits)
                else:
                    if any(len(ed) == 4 for ed in edits):  # forced blocks (phrases)
                        a = _alignment(len(text), edits)
                        text = _apply(text, edits)
                    else:
                        text, a = apply_edits(text, edits)
                    alignment = a if alignment is None else a.compose(alignment)
                rounds -= 1
                edits = stage(text) if rounds else []
        return text, alignment if alignment is not None else Alignment.identity(raw_len)


def _apply(text: str, edits: list[Edit]) -> str:
    """:func:`apply_edits` without building the alignment (``normalize`` does not need it)."""
    parts: list[str] = []
    pos = 0
    for edit in edits:
        parts.append(text[pos:edit[0]])
        parts.append(edit[2])
        pos = edit[1]
    parts.append(text[pos:])
    return "".join(parts)


def _is_emojiish(c: str) -> bool:
    cp = ord(c)
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or cp in (0xFE0F, 0x2640, 0x2642)
            or 0x2B00 <= cp <= 0x2BFF)


def _same_length_edits(conv: Any, src: str, chars: str, out: str, offset: int) -> list[Any] | None:
    """Edits for a conversion that kept the length: runs where ``out`` departs
    from the character-level conversion ``chars`` are phrase blocks (滑鼠 → 鼠标,
    印表機 → 打印机), cut where two phrases meet (軟體螢幕: 体萤 → 件屏 is two
    blocks, see :func:`_cuts`); the rest maps one for one. ``None`` when the
    phrases change the length after all (記憶體萊雅 → 内存欧莱雅: 3 → 2, 2 → 3)."""
    if len(out) != len(src):
        return None
    edits: list[Any] = [(offset, offset + len(src), out)]  # exact everywhere ...
    diff = [i for i, (x, y) in enumerate(zip(chars, out)) if x != y]
    if not diff:
        return edits
    blocks: list[Any] = []
    start = prev = diff[0]
    for i in diff[1:]:
        if i != prev + 1:
            blocks.append((start, prev + 1))
            start = i
        prev = i
    blocks.append((start, prev + 1))
    edits = []  # ... except the blocks
    pos = 0
    for a, b in blocks:
        if a > pos and out[pos:a] != src[pos:a]:
            edits.append((offset + pos, offset + a, out[pos:a]))
        # out[i] comes from src[i] outside the blocks: a window around one is aligned
        lo, hi = max(0, a - _CUT_CONTEXT), min(len(src), b + _CUT_CONTEXT)
        cut = _cuts(conv, src, out, range(a + 1, b + 1), (lo, hi, lo, hi))
        if any(k != j for k, j in cut.items()):
            return None
        for c in sorted(c for c in cut if a < c < b):
            edits.append((offset + a, offset + c, out[a:c], True))
            a = c
        edits.append((offset + a, offset + b, out[a:b], True))
        pos = b
    if pos < len(src) and out[pos:] != src[pos:]:
        edits.append((offset + pos, offset + len(src), out[pos:]))
    return edits


def _phrase_edits(conv: Any, src: str, chars: str, out: str, offset: int) -> list[Any]:
    """Align a phrase-level conversion ``src → out`` of one clause.

    A diff alone cannot tell where one rewrite ends and the next begins
    (記憶體滑鼠 → 内存鼠标 is one run of changes), so the clause is first cut
    where OpenCC's phrases end (:func:`_cuts`, tried where the diff changes
    something) and each part is aligned on its own (:func:`_diff_edits`).
    """
    ops = SequenceMatcher(None, chars, out, autojunk=False).get_opcodes()
    ks = sorted({k for tag, i1, i2, _, _ in ops if tag != "equal" for k in range(i1, i2 + 1)})
    edits: list[Any] = []
    a = j = 0
    for k, jk in sorted(_cuts(conv, src, out, ks, (0, len(src), 0, len(out))).items())[1:]:
        if jk >= j:
            edits.extend(_diff_edits(src[a:k], chars[a:k], out[j:jk], offset + a))
            a, j = k, jk
    return edits


def _diff_edits(src: str, chars: str, out: str, offset: int) -> list[Any]:
    """Align a phrase-level conversion ``src → out`` of one phrase (or more).

    ``chars`` is the character-level conversion of ``src`` (same length).
    Where ``out`` agrees with it the characters map one for one; each region
    where the phrase dictionary rewrote (記憶體→内存, 滑鼠→鼠标, 印表機→打印机)
    becomes one *block* edit ``(start, end, text, True)``, so any part of 内存
    maps back to all of 記憶體.
    """
    ops = SequenceMatcher(None, chars, out, autojunk=False).get_opcodes()
    groups: list[list[Any]] = []
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        # a character that moved inside a phrase: delete, equal(1), insert (or
        # insert, equal, delete), as 滑[鼠] → [鼠]标 or [印]表機 → 打[印]机
        bridge = (tag == "equal" and i2 - i1 == 1 and 0 < k < len(ops) - 1
                  and {ops[k - 1][0], ops[k + 1][0]} == {"delete", "insert"})
        if tag != "equal" or bridge:
            if groups and groups[-1][0] == "block":
                groups[-1][2], groups[-1][4] = i2, j2
            else:
                groups.append(["block", i1, i2, j1, j2])
        else:
            groups.append(["equal", i1, i2, j1, j2])
    # a pure insertion (萊雅 → 欧莱雅) takes the next (or previous) character
    # along, so every output character maps to a non-empty raw span
    for k, g in enumerate(groups):
        if g[0] == "block" and g[1] == g[2]:
            if k + 1 < len(groups):
                nxt = groups[k + 1]
                g[2], g[4] = g[2] + 1, g[4] + 1
                nxt[1], nxt[3] = nxt[1] + 1, nxt[3] + 1
            elif k > 0:
                prv = groups[k - 1]
                g[1], g[3] = g[1] - 1, g[3] - 1
                prv[2], prv[4] = prv[2] - 1, prv[4] - 1
    edits: list[Any] = []
    for tag, i1, i2, j1, j2 in groups:
        if i1 == i2 and j1 == j2:
            continue
        if tag == "block":
            edits.append((offset + i1, offset + i2, out[j1:j2], True))
        elif chars[i1:i2] != src[i1:i2]:
            edits.append((offset + i1, offset + i2, out[j1:j2]))
    return edits


_CUT_CONTEXT = 32  # context either side of a block in a long text (longest phrase: 30)


def _cuts(conv: Any, src: str, out: str, ks: Iterable[int], window: Sequence[int]) -> dict[int, int]:
    """Phrase boundaries of the conversion ``src[lo:hi] → out[olo:ohi]``, as ``{k: j}``.

    ``k`` (one of ``ks``) is a boundary when OpenCC, converting ``src[lo:k]``
    and ``src[k:hi]`` apart, gives ``out[olo:ohi]`` again; the first part ends
    at ``j`` in ``out``: 記憶體|滑鼠 → 内存|鼠标, 滑鼠|記憶體 → 鼠标|内存,
    軟體|萊雅 → 软件|欧莱雅. The window's ends are boundaries.
    """
    lo, hi, olo, ohi = window
    cut = {lo: olo, hi: ohi}
    ks = [k for k in ks if lo < k < hi]
    if ks:
        parts = conv.convert("\n".join(p for k in ks for p in (src[lo:k], src[k:hi]))).split("\n")
        whole = out[olo:ohi]
        if len(parts) == 2 * len(ks):  # else (never seen) no cut: blocks as the diff found them
            for k, head, tail in zip(ks, parts[::2], parts[1::2]):
                if head + tail == whole:
                    cut[k] = olo + len(head)
    return cut


def _alignment(in_len: int, edits: Sequence[Any]) -> Alignment:
    """Like ``Alignment.from_edits``, but an edit ``(s, e, r, True)`` is always a block."""
    pieces: list[tuple[int, int, int, bool]] = []
    pos = out = 0
    for edit in edits:
        start, end, rep = edit[0], edit[1], edit[2]
        if start > pos:
            pieces.append((out, pos, start, True))
            out += start - pos
        if rep:
            pieces.append((out, start, end, len(rep) == end - start and len(edit) == 3))
            out += len(rep)
        pos = end
    if pos < in_len:
        pieces.append((out, pos, in_len, True))
        out += in_len - pos
    return Alignment(out, in_len, pieces)


# --------------------------------------------------------------------------
# Public class
# --------------------------------------------------------------------------


class Normalizer:
    """Clean raw customer text into simplified Chinese, keeping offsets to the raw text.

    See the module docstring for every stage and the conventions chosen.

    Parameters
    ----------
    convert
        ``"auto"`` (default): convert traditional → simplified only when the
        text has traditional-only characters, clause by clause;
        ``"always"``: run OpenCC on every clause; ``"never"``: keep the script.
    region
        Phrasing of the traditional source: ``"tw"`` (軟體→软件, 網路→网络),
        ``"hk"``, ``"cn"`` (characters only) or ``"auto"`` (Hong Kong when the
        text has Cantonese markers, else Taiwan).
    cantonese
        Map common Cantonese forms to Mandarin (唔→不, 冇→没有, 嘅→的,
        佢哋→他们), so that the models, trained on Mandarin, read Hong Kong
        and Guangdong customers too. On by default: the table maps only
        forms that mainland Mandarin does not write (ambiguous ones only
        next to those), and guards the Mandarin words that contain one
        (快点解决, 而家庭, 唔，); ``False`` keeps the words as written.
    html
        Remove HTML tags and decode entities.
    width
        Fold full-width ASCII to half width (Chinese sentence punctuation
        ``，！？；：（）`` is kept full-width).
    mask
        Any of ``"url"``, ``"phone"``, ``"order"``: replace those by
        ``[URL]``, ``[PHONE]``, ``[ORDER]``. Off by default.
    emoji
        ``"keep"`` (default), ``"tag"`` (😡 → ``[怒]``, from the shipped
        table) or ``"remove"``.
    max_repeat
        Longest run of one repeated character kept (digits and whitespace
        excepted); ``0`` keeps all runs.

    Raises
    ------
    ConfigError
        An option has a value outside the allowed ones.

    Examples
    --------
    >>> n = Normalizer(mask=["phone"])
    >>> n.normalize("網路不錯，電話１３８１２３４５６７８")
    '网络不错，电话[PHONE]'
    >>> doc = n("記憶體太小了")
    >>> doc.text, doc.raw[slice(*doc.to_raw(0, 2))]
    ('内存太小了', '記憶體')
    """

    def __init__(
        self,
        *,
        convert: Literal["auto", "always", "never"] = "auto",
        region: Literal["auto", "tw", "hk", "cn"] = "auto",
        cantonese: bool = True,
        html: bool = True,
        width: bool = True,
        mask: Iterable[Literal["url", "phone", "order"]] = (),
        emoji: Literal["keep", "tag", "remove"] = "keep",
        max_repeat: int = 3,
    ) -> None:
        _check_choice("convert", convert, _CONVERT)
        _check_choice("region", region, _REGIONS)
        _check_choice("emoji", emoji, _EMOJI)
        for name, flag in (("cantonese", cantonese), ("html", html), ("width", width)):
            if not isinstance(flag, bool):
                raise ConfigError(f"Normalizer option {name} must be True or False, got {flag!r}")
        if isinstance(mask, str):
            mask = (mask,)
        try:
            mask = tuple(mask)
        except TypeError:
            raise ConfigError(
                f"Normalizer option mask must be an iterable of {_MASKS}, got {mask!r}"
            ) from None
        for m in mask:
            _check_choice("mask", m, _MASKS)
        if isinstance(max_repeat, bool) or not isinstance(max_repeat, int) or max_repeat < 0:
            raise ConfigError(
                f"Normalizer option max_repeat must be an int >= 0 (0 = keep repeats), got {max_repeat!r}"
            )
        self.convert = convert
        self.region = region
        self.cantonese = cantonese
        self.html = html
        self.width = width
        self.mask = mask
        self.emoji = emoji
        self.max_repeat = max_repeat
        self._engine: _Engine | None = None

    # -- parameters ------------------------------------------------------------
    _PARAMS = ("convert", "region", "cantonese", "html", "width", "mask", "emoji", "max_repeat")

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, as a dict (scikit-learn style)."""
        return {k: getattr(self, k) for k in self._PARAMS}

    def __repr__(self) -> str:
        default = Normalizer.__new__(Normalizer)
        Normalizer.__init__(default)
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if getattr(default, k) != v]
        return f"Normalizer({', '.join(changed)})"

    def __getstate__(self) -> dict[str, Any]:
        return self.get_params()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def _get_engine(self) -> _Engine:
        engine = self._engine
        if engine is None:
            # a race builds two identical engines; both are read-only, either wins
            engine = self._engine = _Engine(self)
        return engine

    # -- API -------------------------------------------------------------------
    def normalize(self, text: str) -> str:
        """The normalised text (idempotent).

        >>> Normalizer().normalize("ＶＩＰ會員<br>好評&amp;推薦")
        'VIP会员\\n好评&推荐'
        """
        return self._get_engine().run(as_text(text, what="text"))

    def align(self, text: str) -> tuple[str, Alignment]:
        """The normalised text and its :class:`~voc._align.Alignment` to ``text``.

        >>> out, al = Normalizer().align("我的滑鼠壞了")
        >>> out, al.to_raw(2, 4)
        ('我的鼠标坏了', (2, 4))
        """
        return self._get_engine().run_aligned(as_text(text, what="text"))

    def __call__(self, text: str, *, id: Any = None) -> Document:
        """A :class:`~voc.Document` with ``raw``, normalised ``text`` and alignment."""
        raw = as_text(text, what="text")
        out, alignment = self._get_engine().run_aligned(raw)
        return Document(raw=raw, text=out, alignment=alignment, id=id)

    def pipe(self, texts: Iterable[str], *, batch_size: int = 256) -> Iterator[Document]:
        """Normalise many texts lazily, in order (``batch_size`` is accepted for the step protocol)."""
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"batch_size must be a positive int, got {batch_size!r}")
        engine = self._get_engine()
        for value in as_texts(texts):
            raw = as_text(value, what="text")
            out, alignment = engine.run_aligned(raw)
            yield Document(raw=raw, text=out, alignment=alignment)


def _check_choice(name: str, value: Any, allowed: Sequence[str]) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(
            f"Normalizer option {name} must be one of {', '.join(map(repr, allowed))}, got {value!r}"
        )
