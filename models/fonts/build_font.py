"""Build models/fonts/VocSansSC-Regular.otf: a subset of Noto Sans CJK SC Regular for voc.plot.

voc.plot looks for a CJK font on the system first (voc/_fonts.py); this file is the
fallback that makes Chinese labels render on machines without one (a bare Docker
image, a CI runner). It covers:

* GB 2312 level 1 (the 3,755 most common hanzi), its symbols, full-width forms and
  punctuation (rows 1-9 and 16-55 of GB 2312); ``--level2`` adds its 3,008 rarer
  hanzi (rows 56-87), which doubles the file (2.9 MB);
* every character of the JSON files shipped in models/ (the opinion taxonomy, alert
  rules, emotion and sentiment labels, and the topic word-vector vocabulary, which
  holds the common review words: about 350 characters beyond GB 2312 level 1);
* printable ASCII, Latin-1 punctuation, general punctuation, CJK symbols and
  punctuation (U+3000-303F), half/full-width forms (U+FF00-FFEF).

The subset is renamed ("Voc Sans SC"): the SIL OFL 1.1 forbids a modified version
to use the Reserved Font Names of the original, and "Noto" is a trademark of Google.

Needs fontTools (a dev-only tool, not a runtime dependency of voc)::

    .venv/bin/pip install fonttools
    .venv/bin/python models/fonts/build_font.py [--source /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]

Source: Debian's ``fonts-noto-cjk`` (apt-get install fonts-noto-cjk), or
NotoSansCJKsc-Regular.otf / NotoSansCJK-Regular.ttc from https://github.com/notofonts/noto-cjk.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "VocSansSC-Regular.otf"
FAMILY = "Voc Sans SC"
PS_NAME = "VocSansSC-Regular"
DEFAULT_SOURCES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)


def gb2312_chars(*, level2: bool = False) -> set[str]:
    """Characters GB 2312 encodes: symbols (rows 1-9) and level 1 hanzi (rows 16-55), or all rows."""
    out = set()
    last = 0xF7 if level2 else 0xD7  # row 55 = 0xD7
    for hi in range(0xA1, last + 1):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return out


def _strings(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(obj, (list, tuple)):
        return [s for v in obj for s in _strings(v)]
    return []


def shipped_label_chars() -> set[str]:
    """Characters of the taxonomy and other shipped JSON label files (all of them appear in plots)."""
    out: set[str] = set()
    for path in sorted(ROOT.glob("*/*.json")) + sorted(ROOT.glob("*/*/*.json")):
        if path.stat().st_size > 5_000_000:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        for s in _strings(data):
            out.update(s)
    return out


def charset(*, level2: bool = False) -> set[str]:
    chars = gb2312_chars(level2=level2) | shipped_label_chars()
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x205E), (0x2190, 0x2199), (0x2460, 0x2473),
              (0x25A0, 0x25CF), (0x3000, 0x303F), (0xFF01, 0xFF65), (0xFFE0, 0xFFE6)]
    for a, b in ranges:
        chars.update(chr(c) for c in range(a, b + 1))
    return {c for c in chars if c.isprintable() or c == "\u3000"}


def load_source(path: Path):  # -> fontTools.ttLib.TTFont
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() == ".ttc":
        for font in TTCollection(str(path)).fonts:
            if font["name"].getDebugName(1) == "Noto Sans CJK SC":
                return font
        raise SystemExit(f"{path} has no 'Noto Sans CJK SC' face")
    return TTFont(str(path))


def rename(font) -> None:
    name = font["name"]
    source_version = name.getDebugName(5) or ""
    copyright_ = name.getDebugName(0) or "Copyright 2014-2021 Adobe (http://www.adobe.com/)."
    new = {
        0: copyright_ + " Subset for voc, derived from Noto Sans CJK SC.",
        1: FAMILY, 2: "Regular", 3: f"{PS_NAME};{source_version.split(';')[0]}", 4: f"{FAMILY} Regular",
        5: source_version.split(";")[0] + "; voc subset", 6: PS_NAME, 16: FAMILY, 17: "Regular",
        13: "This Font Software is licensed under the SIL Open Font License, Version 1.1.",
        14: "https://openfontlicense.org",
    }
    keep = []
    for rec in name.names:
        if rec.nameID in (7, 8, 9, 11, 12):  # trademark/designer/vendor stay as credits
            keep.append(rec)
    name.names = keep
    for nid, text in new.items():
        name.setName(text, nid, 3, 1, 0x409)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [PS_NAME]
        top = cff.topDictIndex[0]
        top.FullName = f"{FAMILY} Regular"
        top.FamilyName = FAMILY


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--level2", action="store_true", help="also GB 2312 level 2 hanzi (about 2.9 MB)")
    args = ap.parse_args()
    from fontTools import subset

    src = args.source or next((Path(p) for p in DEFAULT_SOURCES if Path(p).exists()), None)
    if src is None:
        raise SystemExit("no Noto Sans CJK source found; apt-get install fonts-noto-cjk or pass --source")
    font = load_source(src)
    chars = charset(level2=args.level2)
    opts = subset.Options()
    opts.layout_features = ["*"]      # keep vertical forms / locl for correct SC shapes
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.hinting = False               # matplotlib hints with FreeType's auto-hinter anyway
    opts.desubroutinize = False
    opts.drop_tables += ["VORG", "vhea", "vmtx", "DSIG"]
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[ord(c) for c in chars])
    sub.subset(font)
    rename(font)
    font.recalcTimestamp = False  # keep the source's dates: the same source gives the same bytes
    font.save(str(args.out))
    cmap = font.getBestCmap()
    missing = sorted(c for c in chars if ord(c) not in cmap)
    print(f"{args.out.name}: {args.out.stat().st_size / 1e6:.2f} MB, {len(cmap)} code points "
          f"({len(chars)} requested, {len(missing)} not in the source: {''.join(missing[:40])})")


if __name__ == "__main__":
    main()
