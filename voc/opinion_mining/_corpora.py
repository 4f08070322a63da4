"""Readers for the public opinion-annotation formats voc trains and measures on.

Each reader returns :class:`Example` objects whose spans point into the
*normalised* text (what the extractor sees), so training and evaluation use the
same coordinates as ``Opinion.aspect_span`` / ``Opinion.opinion_span``.

Formats:

- ASTE triplets (one sentence a line): ``c h a r s####[((a0, a1), (o0, o1), 'POS'), …]``
  with inclusive *token* indices; tokens are mostly single characters. An
  implicit aspect is ``(-1, -1)`` (the last token, a sentence-final mark such
  as ``。`` or ``…。``) or an explicit index of a one-mark token.
- Zhijiang cosmetics tuples: ``reviews.csv`` (``id``, ``Reviews``) and
  ``labels.csv`` (``AspectTerms`` ``_`` = implicit, ``A_start``/``A_end``,
  ``OpinionTerms``, ``O_start``/``O_end`` character offsets, ``Categories``,
  ``Polarities`` 正面/负面/中性).
"""

from __future__ import annotations

import ast
import bisect
import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CAR_L1", "COSMETICS_L1", "Example", "Unit", "is_heldout", "read_aste", "read_car_forum", "read_cosmetics"]

_POL = {
    "POS": "positive", "NEG": "negative", "NEU": "neutral",
    "Positive": "positive", "Negative": "negative", "Neutral": "neutral",
    "正面": "positive", "负面": "negative", "中性": "neutral",
}


_IMPLICIT_MARKS = {"。", "！", "？", "!", "?", ".", "，", ",", "~", "～", "…"}


@dataclass
class Unit:
    aspect: tuple[int, int] | None
    opinion: tuple[int, int] | None
    polarity: str
    category: str = ""


@dataclass
class Example:
    text: str
    units: list[Unit] = field(default_factory=list)
    id: object = None
    raw: str = ""
    # token index → raw character span (ASTE), to score in the source's own units
    token_spans: list[tuple[int, int]] | None = None
    raw_of_norm: list[int] | None = None

    @property
    def aspects(self) -> list[tuple[int, int]]:
        return sorted({u.aspect for u in self.units if u.aspect is not None})

    @property
    def opinions(self) -> list[tuple[int, int]]:
        return sorted({u.opinion for u in self.units if u.opinion is not None})


def _mapper(raw: str, normalize: Callable[[str], tuple[str, object]]) -> tuple[str, Callable[[int, int], tuple[int, int] | None], list[int]]:
    text, al = normalize(raw)
    starts = [al.to_raw(i, i + 1)[0] for i in range(len(text))]  # type: ignore[attr-defined]

    def to_norm(a: int, b: int) -> tuple[int, int] | None:
        s = bisect.bisect_left(starts, a)
        e = bisect.bisect_left(starts, b)
        return (s, e) if e > s else None

    return text, to_norm, starts


def read_aste(path: str | Path, normalize: Callable[[str], tuple[str, object]]) -> list[Example]:
    """Read an ASTE triplet file; ``normalize`` is ``Normalizer().align``."""
    out: list[Example] = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            line = line.rstrip("\n")
            if not line:
                continue
            sent, _, trip = line.partition("####")
            toks = sent.split(" ")
            raw_parts: list[str] = []
            spans: list[tuple[int, int]] = []
            pos = 0
            for i, t in enumerate(toks):
                if i and t[:1].isascii() and t[:1].isalnum() and toks[i - 1][-1:].isascii() \
                        and toks[i - 1][-1:].isalnum():
                    raw_parts.append(" ")
                    pos += 1
                spans.append((pos, pos + len(t)))
                raw_parts.append(t)
                pos += len(t)
            raw = "".join(raw_parts)
            text, to_norm, starts = _mapper(raw, normalize)
            units = []
            for (a0, a1), (o0, o1), pol in ast.literal_eval(trip):
                # the set marks an implicit aspect with the sentence-final punctuation
                # ((-1, -1), …): the last token, a sentence-final mark such as "。" or "…。"
                if a0 == a1 and (a0 == -1 or toks[a0] in _IMPLICIT_MARKS):
                    asp = None
                else:
                    asp = to_norm(spans[a0][0], spans[a1][1])
                op = to_norm(spans[o0][0], spans[o1][1])
                units.append(Unit(asp, op, _POL[pol]))
            out.append(Example(text, units, id=n, raw=raw, token_spans=spans, raw_of_norm=starts))
    return out


def read_cosmetics(reviews: str | Path, labels: str | Path,
                   normalize: Callable[[str], tuple[str, object]]) -> list[Example]:
    """Read the Zhijiang cosmetics reviews and their tuples."""
    with open(reviews, encoding="utf-8", newline="") as fh:
        texts = {int(r["id"]): r["Reviews"] for r in csv.DictReader(fh)}
    rows: dict[int, list[dict[str, str]]] = {}
    with open(labels, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            rows.setdefault(int(r["id"]), []).append(r)
    out: list[Example] = []
    for rid, raw in texts.items():
        text, to_norm, starts = _mapper(raw, normalize)
        units = []
        for r in rows.get(rid, []):
            asp = None
            if r["AspectTerms"] != "_" and r["A_start"].strip():
                asp = to_norm(int(r["A_start"]), int(r["A_end"]))
            op = None
            if r["OpinionTerms"] != "_" and r["O_start"].strip():
                op = to_norm(int(r["O_start"]), int(r["O_end"]))
            units.append(Unit(asp, op, _POL[r["Polarities"]], r["Categories"]))
        out.append(Example(text, units, id=rid, raw=raw, raw_of_norm=starts))
    return out


#: The cosmetics set's 13 categories mapped onto the default taxonomy's level 1
#: (product attributes such as efficacy, smell, authenticity, ingredients,
#: freshness and size are 产品质量; skin feel is 使用体验).
COSMETICS_L1: dict[str, str] = {
    "整体": "整体评价", "使用体验": "使用体验", "功效": "产品质量", "价格": "价格", "物流": "物流配送",
    "气味": "产品质量", "包装": "包装", "真伪": "产品质量", "服务": "客服服务", "其他": "其他",
    "成分": "产品质量", "尺寸": "产品质量", "新鲜度": "产品质量",
}

#: The car-forum topics mapped onto the default taxonomy's level 1.
CAR_L1: dict[str, str] = {
    "动力": "产品质量", "价格": "价格", "油耗": "产品质量", "操控": "使用体验", "舒适性": "使用体验",
    "配置": "产品质量", "安全性": "产品质量", "内饰": "外观设计", "外观": "外观设计", "空间": "外观设计",
}


def read_car_forum(path: str | Path) -> list[tuple[str, str, str, str]]:
    """Car-forum rows as ``(content, subject, sentiment word, polarity)``."""
    pol = {"-1": "negative", "0": "neutral", "1": "positive"}
    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            out.append((r["content"], r["subject"], (r["sentiment_word"] or "").strip(),
                        pol[r["sentiment_value"].strip()]))
    return out


def is_heldout(review_id: object) -> bool:
    """The cosmetics reviews kept out of training for the benchmark (``id % 5 == 0``)."""
    return int(review_id) % 5 == 0  # type: ignore[call-overload]
