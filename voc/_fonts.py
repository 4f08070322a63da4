"""Find a font that draws Chinese in matplotlib, without touching ``rcParams``.

matplotlib's default font (DejaVu Sans) has no CJK glyphs: Chinese labels come
out as empty boxes ("tofu"). :func:`cjk_font` looks, in order, at

1. ``$VOC_CJK_FONT``: a font file (``.otf``, ``.ttf``, ``.ttc``) or a family name;
2. the fonts matplotlib knows, for well-known CJK families (Noto Sans CJK SC,
   Source Han Sans SC, WenQuanYi, PingFang SC, Microsoft YaHei, SimHei, …);
3. fontconfig (``fc-list :lang=zh``), for fonts installed after matplotlib's cache was built;
4. the subset of Noto Sans CJK SC shipped with voc (``models/fonts``, about 5,000
   characters: GB 2312 level 1 and every character of voc's labels).

A candidate counts only if it really has glyphs for common Chinese characters
(checked with FreeType through ``matplotlib.ft2font``). :func:`font_properties`
turns the choice into a :class:`matplotlib.font_manager.FontProperties` that the
plots pass to every text they draw; global ``rcParams`` are never changed, so
other figures of the caller are unaffected. A font file that matplotlib does not
know yet is registered with ``fontManager.addfont`` (additive: it only makes the
family findable by name, which is needed for per-glyph fallback to DejaVu Sans).
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, VocWarning

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.font_manager import FontProperties

__all__ = ["CJKFont", "ReportExtraMissing", "cjk_font", "font_properties", "missing_glyphs", "require_matplotlib"]

logger = logging.getLogger(__name__)

#: Families tried in this order (simplified Chinese first; JP/KR/TC faces still carry the common hanzi).
KNOWN_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans CJK",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti",
    "Microsoft YaHei", "Microsoft YaHei UI", "SimHei", "DengXian", "Sarasa Gothic SC", "AR PL UMing CN",
    "AR PL UKai CN", "Droid Sans Fallback", "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "NSimSun",
    "Noto Sans CJK TC", "Noto Sans CJK HK", "Noto Sans CJK JP", "Noto Sans CJK KR", "Source Han Sans TC",
    "Microsoft JhengHei", "PingFang TC",
)
#: Common characters every candidate must draw (the most frequent hanzi, CJK punctuation, voc's level-1 names).
PROBE = ("的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可"
         "她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同"
         "物流配送质量价格服务客户包装售后退货换款快慢差贵便宜满意失望，。！？、：；“”（）《》")
BUNDLED = ("fonts", "VocSansSC-Regular.otf")
_FIX = ("install a CJK font (Debian/Ubuntu: apt-get install fonts-noto-cjk; macOS and Windows ship one) "
        "or set VOC_CJK_FONT to a font file such as NotoSansCJK-Regular.ttc")


@dataclass(frozen=True, slots=True)
class CJKFont:
    """A font face that has Chinese glyphs.

    ``path`` is the font file, ``index`` the face inside a collection (``.ttc``),
    ``family`` its family name and ``source`` where it was found:
    ``"env"``, ``"matplotlib"``, ``"fontconfig"`` or ``"bundled"``.
    """

    path: str
    index: int
    family: str
    source: str


class ReportExtraMissing(InputError, ImportError):
    """matplotlib is not installed (it comes with the ``report`` extra)."""


def require_matplotlib() -> Any:
    """Import matplotlib, or raise :class:`ReportExtraMissing` saying how to install it."""
    try:
        import matplotlib
    except ImportError as err:
        raise ReportExtraMissing(
            f"voc.plot needs matplotlib ({err}); it is voc's optional 'report' extra: "
            "pip install 'voc[report]'  (or: pip install matplotlib)") from err
    return matplotlib


def _face(path: str, index: int) -> Any:
    from matplotlib import ft2font

    try:
        return ft2font.FT2Font(path, face_index=index)
    except TypeError:  # matplotlib < 3.10 reads the first face of a collection only
        return ft2font.FT2Font(path)


def _has_glyphs(path: str, index: int = 0, text: str = PROBE) -> bool:
    try:
        face = _face(path, index)
    except (OSError, RuntimeError, ValueError) as err:
        logger.debug("cannot open font %s#%d: %s", path, index, err)
        return False
    return all(face.get_char_index(ord(c)) for c in set(text) if not c.isspace())


def missing_glyphs(text: str, font: CJKFont | None = None) -> str:
    """The distinct characters of ``text`` that ``font`` (default :func:`cjk_font`) cannot draw, in order.

    Whitespace and control characters are ignored. With no CJK font at all,
    every non-ASCII character counts as missing.

    >>> missing_glyphs("物流很快 ok")
    ''
    """
    font = font if font is not None else cjk_font()
    seen: dict[str, None] = {}
    if font is None:
        for c in text:
            if ord(c) > 0x7E and c.isprintable() and not c.isspace():
                seen.setdefault(c)
        return "".join(seen)
    face = _face(font.path, font.index)
    for c in text:
        if c.isprintable() and not c.isspace() and c not in seen and not face.get_char_index(ord(c)):
            seen.setdefault(c)
    return "".join(seen)


def _face_index(path: str, prefer: str | None) -> tuple[int, str] | None:
    """The best face of a font file for Chinese: the family ``prefer`` if given, else an SC/CN face."""
    try:
        first = _face(path, 0)
    except (OSError, RuntimeError, ValueError):
        return None
    faces = []
    for i in range(getattr(first, "num_faces", 1) or 1):
        try:
            f = first if i == 0 else _face(path, i)
        except (OSError, RuntimeError, ValueError):
            continue
        faces.append((i, str(f.family_name)))
    if prefer:
        faces.sort(key=lambda t: t[1] != prefer)
    else:
        faces.sort(key=lambda t: (not any(k in t[1] for k in ("SC", "CN", "GB", "Hei")), t[0]))
    for i, fam in faces:
        if _has_glyphs(path, i):
            return i, fam
    return None


def _from_env(value: str) -> CJKFont | None:
    from matplotlib import font_manager

    p = Path(value).expanduser()
    if p.is_file():
        found = _face_index(str(p), None)
        if found:
            return CJKFont(str(p), found[0], found[1], "env")
        warnings.warn(f"VOC_CJK_FONT={value!r} has no glyphs for common Chinese characters; "
                      f"looking for another CJK font ({_FIX})", VocWarning, stacklevel=4)
        return None
    entries = [e for e in font_manager.fontManager.ttflist if e.name.lower() == value.lower()]
    for entry in sorted(entries, key=_regular_first):
        if _has_glyphs(entry.fname, getattr(entry, "index", 0)):
            return CJKFont(entry.fname, getattr(entry, "index", 0), entry.name, "env")
    warnings.warn(f"VOC_CJK_FONT={value!r} is neither a font file nor a font family matplotlib knows "
                  f"with Chinese glyphs; set it to a file path such as "
                  f"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", VocWarning, stacklevel=4)
    return None


def _from_matplotlib() -> CJKFont | None:
    from matplotlib import font_manager

    by_name: dict[str, list[Any]] = {}
    for entry in font_manager.fontManager.ttflist:
        by_name.setdefault(entry.name, []).append(entry)
    for fam in KNOWN_FAMILIES:
        # regular weight, upright first
        for entry in sorted(by_name.get(fam, ()), key=_regular_first):
            idx = getattr(entry, "index", 0)
            if _has_glyphs(entry.fname, idx):
                return CJKFont(entry.fname, idx, entry.name, "matplotlib")
    return None


def _regular_first(entry: Any) -> tuple[bool, int, str]:
    return entry.style != "normal", abs(_weight(entry.weight) - 400), entry.fname


def _weight(w: Any) -> int:
    if isinstance(w, int):
        return w
    return {"light": 300, "normal": 400, "regular": 400, "medium": 500, "bold": 700}.get(str(w).lower(), 400)


def _from_fontconfig() -> CJKFont | None:
    exe = shutil.which("fc-list")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, ":lang=zh", "--format", "%{file}\t%{index}\t%{family[0]}\t%{style[0]}\n"],
                             capture_output=True, text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError) as err:
        logger.debug("fc-list failed: %s", err)
        return None
    rows = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or not parts[0]:
            continue
        try:
            idx = int(parts[1] or 0)
        except ValueError:
            idx = 0
        fam, style = parts[2], parts[3] if len(parts) > 3 else ""
        rank = KNOWN_FAMILIES.index(fam) if fam in KNOWN_FAMILIES else len(KNOWN_FAMILIES)
        rows.append((rank, "Regular" not in style, parts[0], idx, fam))
    for _, _, path, idx, fam in sorted(rows):
        if _has_glyphs(path, idx):
            return CJKFont(path, idx, fam, "fontconfig")
    return None


def _bundled() -> CJKFont | None:
    from ._resources import model_path
    from .errors import ModelNotFoundError

    try:
        path = str(model_path(*BUNDLED))
    except ModelNotFoundError:
        return None
    if not _has_glyphs(path):
        return None
    return CJKFont(path, 0, str(_face(path, 0).family_name), "bundled")


@functools.lru_cache(maxsize=4)
def _lookup(env: str | None) -> CJKFont | None:
    for step in ((lambda: _from_env(env)) if env else None, _from_matplotlib, _from_fontconfig, _bundled):
        if step is None:
            continue
        font = step()
        if font is not None:
            logger.debug("CJK font: %s", font)
            return font
    return None


_lock = threading.Lock()
_warned: set[str] = set()  # warn once per process and problem; never holds caller settings


def cjk_font() -> CJKFont | None:
    """The CJK font voc draws with, or ``None`` when there is none (then warns once).

    The lookup (see the module docstring) runs once per value of ``$VOC_CJK_FONT``.

    >>> cjk_font() is not None
    True
    """
    require_matplotlib()
    env = os.environ.get("VOC_CJK_FONT") or None
    with _lock:
        font = _lookup(env)
        if font is None and "none" not in _warned:
            _warned.add("none")
            warnings.warn(f"no font with Chinese glyphs was found, so Chinese text in plots will show as "
                          f"empty boxes; {_FIX}", VocWarning, stacklevel=3)
    return font


@functools.lru_cache(maxsize=8)
def _registered_family(path: str, index: int) -> str | None:
    """A family name matplotlib resolves to exactly this file and face (registering the file if needed)."""
    from matplotlib import font_manager

    def match() -> str | None:
        for entry in font_manager.fontManager.ttflist:
            if os.path.realpath(entry.fname) == os.path.realpath(path) and getattr(entry, "index", 0) == index:
                return str(entry.name)
        return None

    name = match()
    if name is None:
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError) as err:  # pragma: no cover - unreadable file
            logger.debug("addfont(%s) failed: %s", path, err)
            return None
        name = match()
    if name is None:
        return None
    # the name must resolve to this file (another installed font could share the family name)
    found = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
    return name if os.path.realpath(os.fspath(found)) == os.path.realpath(path) else None


def font_properties(*, size: float | None = None, font: CJKFont | None = None, **kw: Any) -> FontProperties:
    """A FontProperties drawing Chinese with the CJK font and other glyphs with DejaVu Sans.

    Parameters
    ----------
    size
        Font size in points (default: matplotlib's default size).
    font
        The face to use (default :func:`cjk_font`).
    **kw
        ``weight``, ``style``… passed to FontProperties.
    """
    require_matplotlib()
    from matplotlib.font_manager import FontProperties

    font = font if font is not None else cjk_font()
    if font is None:
        return FontProperties(family=["DejaVu Sans"], size=size, **kw)
    with _lock:
        name = _registered_family(font.path, font.index)
    if name is not None:
        return FontProperties(family=[name, "DejaVu Sans"], size=size, **kw)
    return FontProperties(fname=font.path, size=size, **kw)


def warn_missing(text: str, *, what: str = "labels") -> None:
    """Warn (once per set of characters) when the CJK font cannot draw some characters of ``text``."""
    font = cjk_font()
    if font is None:
        return  # cjk_font already warned
    miss = missing_glyphs(text, font)
    # DejaVu Sans covers Latin, Greek, Cyrillic and many symbols: only report what neither font has
    if miss:
        dv = _dejavu()
        if dv is not None:
            miss = "".join(c for c in miss if not dv.get_char_index(ord(c)))
    if not miss:
        return
    key = f"{font.path}#{font.index}:{miss}"
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    warnings.warn(f"the font {font.family!r} ({font.source}) has no glyphs for {len(miss)} characters of the "
                  f"{what} ({miss[:20]!r}); they will show as boxes: {_FIX}", VocWarning, stacklevel=3)


@functools.lru_cache(maxsize=1)
def _dejavu() -> Any:
    from matplotlib import font_manager

    try:
        return _face(font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"),
                                           fallback_to_default=False), 0)
    except (OSError, RuntimeError, ValueError):  # pragma: no cover - matplotlib always ships DejaVu
        return None
