"""Three-level opinion taxonomy: level 1 (category) → level 2 (aspect group) → level 3 (normalised opinion).

A taxonomy file (JSON, or YAML when PyYAML is installed) looks like::

    {"format": "voc-taxonomy", "version": 1, "name": "my-shop",
     "nodes": {
       "物流配送": {
         "配送速度": {
           "aspects": ["物流", "快递", "发货"],
           "implicit": ["发货快", "到货慢"],
           "opinions": {
             "配送快": {"polarity": "positive", "keywords": ["快", "及时"]},
             "配送慢": {"polarity": "negative", "keywords": ["慢", "延迟"]}}}}}}

``aspects`` are synonyms of the group's aspect; ``implicit`` are phrases that
name the group without an aspect ("太贵了" → 价格); each level-3 node has a
polarity and keywords. Mapping an (aspect, opinion, polarity) unit:

1. **Level 2 from the aspect**: an exact synonym; else the longest synonym
   the aspect contains (the head noun ends a Chinese phrase, so a suffix
   match scores higher: 上妆效果 → 效果); else the most similar synonym by
   character-bigram Dice ≥ 0.5 (unseen wording such as 发货速度嘛). When a
   synonym sits in several groups (味道: 气味 and 口味), the opinion's
   keywords pick the group.
2. **Without an aspect** (or when it maps nowhere): the longest ``implicit``
   phrase found in the opinion.
3. **Level 3**: among the group's nodes with the unit's polarity, the one
   whose keyword is the longest match in the opinion; else the first node of
   that polarity (a positive remark on 配送速度 is 配送快 even when worded
   "还可以"). Negated keywords do not fool it: "不快" is negative, so only
   negative nodes compete.

A unit that maps nowhere keeps ``""`` at the levels that could not be
inferred; :func:`opinion_table` counts it under ``未归类``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._resources import model_path
from ..errors import ConfigError

__all__ = ["Taxonomy", "load_taxonomy"]

_POLARITIES = ("negative", "neutral", "positive")


@dataclass(frozen=True, slots=True)
class _Group:
    l1: str
    l2: str
    aspects: tuple[str, ...]
    implicit: tuple[str, ...]
    opinions: tuple[tuple[str, str, tuple[str, ...]], ...]  # (name, polarity, keywords)


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)} if len(s) > 1 else {s}


class Taxonomy:
    """A validated three-level taxonomy with a mapper from opinion units to paths.

    Build one with :func:`load_taxonomy` (the shipped default, a file or a
    mapping), or :meth:`extend` an existing one.

    Examples
    --------
    >>> from voc.opinion_mining import load_taxonomy
    >>> tax = load_taxonomy()
    >>> tax.categorize("快递", "太慢了", "negative")
    ('物流配送', '配送速度', '配送慢')
    >>> tax.categorize("", "太贵了", "negative")
    ('价格', '价格水平', '价格偏高')
    """

    def __init__(self, spec: Mapping[str, Any], *, source: str = "<mapping>", text: str | None = None) -> None:
        self.spec = _validate(spec, source, text)
        self.name = str(self.spec.get("name", "custom"))
        self.source = source
        self._build()

    # -- construction ----------------------------------------------------------
    def _build(self) -> None:
        groups: list[_Group] = []
        for l1, l2s in self.spec["nodes"].items():
            for l2, node in l2s.items():
                ops = tuple((n, o["polarity"], tuple(o.get("keywords", ())))
                            for n, o in node.get("opinions", {}).items())
                groups.append(_Group(l1, l2, tuple(node.get("aspects", ())),
                                     tuple(node.get("implicit", ())), ops))
        self._groups = groups
        syn: dict[str, list[int]] = {}
        for gi, g in enumerate(groups):
            for a in (g.l2, *g.aspects):
                a = a.lower()
                if gi not in syn.setdefault(a, []):
                    syn[a].append(gi)
        self._syn = syn
        self._syn_by_len = sorted(syn, key=len, reverse=True)
        self._syn_bigrams = [(s, _bigrams(s)) for s in syn if len(s) >= 2]
        imp: dict[str, list[int]] = {}
        for gi, g in enumerate(groups):
            for p in g.implicit:
                imp.setdefault(p.lower(), []).append(gi)
        self._imp = imp
        # one regex per index: the longest alternative first, so finditer gives maximal matches
        self._syn_re = _alternation([s for s in syn if len(s) >= 2])
        self._imp_re = _alternation(list(imp))
        self._levels = (
            tuple(self.spec["nodes"]),
            tuple((g.l1, g.l2) for g in groups),
            tuple((g.l1, g.l2, n) for g in groups for n, _, _ in g.opinions),
        )

    @property
    def level1(self) -> tuple[str, ...]:
        """The level-1 names, in file order."""
        return self._levels[0]

    def paths(self, level: int = 3) -> tuple[tuple[str, ...], ...]:
        """Every node path at ``level`` (1, 2 or 3), in file order."""
        if level not in (1, 2, 3):
            raise ConfigError(f"level must be 1, 2 or 3, got {level!r}")
        if level == 1:
            return tuple((n,) for n in self._levels[0])
        return self._levels[level - 1]

    def extend(self, other: Taxonomy | Mapping[str, Any] | str | os.PathLike[str]) -> Taxonomy:
        """A new taxonomy: this one with ``other``'s nodes added (lists are merged, new nodes appended).

        >>> tax = load_taxonomy().extend({"nodes": {"物流配送": {"配送速度": {"aspects": ["闪送"]}}}})
        >>> tax.categorize("闪送", "很慢", "negative")
        ('物流配送', '配送速度', '配送慢')
        """
        if isinstance(other, Taxonomy):
            extra = other.spec
        elif isinstance(other, Mapping):
            extra = _validate(other, "<mapping>", None, partial=True)
        else:
            extra = load_taxonomy(other).spec
        merged = json.loads(json.dumps(self.spec, ensure_ascii=False))
        for l1, l2s in extra["nodes"].items():
            dst1 = merged["nodes"].setdefault(l1, {})
            for l2, node in l2s.items():
                dst2 = dst1.setdefault(l2, {"aspects": [], "implicit": [], "opinions": {}})
                for key in ("aspects", "implicit"):
                    have = dst2.setdefault(key, [])
                    have.extend(x for x in node.get(key, ()) if x not in have)
                for name, op in node.get("opinions", {}).items():
                    dst = dst2.setdefault("opinions", {}).setdefault(name, {"polarity": op["polarity"], "keywords": []})
                    dst["keywords"].extend(k for k in op.get("keywords", ()) if k not in dst["keywords"])
        return Taxonomy(merged, source=f"{self.source}+extension")

    # -- mapping -----------------------------------------------------------------
    def aspect_groups(self, aspect: str) -> list[tuple[float, int]]:
        """Candidate groups for an aspect phrase, as ``(score, group index)``, best first."""
        a = aspect.lower().strip()
        if not a:
            return []
        if a in self._syn:
            return [(3.0, gi) for gi in self._syn[a]]
        best: list[tuple[float, int]] = []
        for m in self._syn_re.finditer(a) if self._syn_re else ():
            s = m.group(0)
            score = 1.0 + len(s) / max(len(a), 1) + (0.5 if m.end() == len(a) else 0.0)
            best.extend((score, gi) for gi in self._syn[s])
        if best:
            return sorted(best, key=lambda x: -x[0])
        bg = _bigrams(a)
        sims = []
        for s, sb in self._syn_bigrams:
            inter = len(bg & sb)
            if inter:
                d = 2 * inter / (len(bg) + len(sb))
                if d >= 0.5:
                    sims.extend((d, gi) for gi in self._syn[s])
        return sorted(sims, key=lambda x: -x[0])

    def implicit_groups(self, opinion: str) -> list[tuple[float, int]]:
        """Candidate groups implied by an opinion phrase alone, best first."""
        o = opinion.lower()
        out = []
        for m in self._imp_re.finditer(o) if self._imp_re else ():
            s = m.group(0)
            score = len(s) / max(len(o), 1) + (1.0 if s == o else 0.0)
            out.extend((score, gi) for gi in self._imp[s])
        return sorted(out, key=lambda x: -x[0])

    def _keyword_hit(self, gi: int, opinion: str) -> int:
        g = self._groups[gi]
        best = 0
        for _, _, kws in g.opinions:
            for k in kws:
                if len(k) > best and k in opinion:
                    best = len(k)
        for p in g.implicit:
            if len(p) > best and p in opinion:
                best = len(p)
        return best

    def group_of(self, aspect: str, opinion: str, *, level1: str | None = None) -> tuple[str, str] | None:
        """The ``(level1, level2)`` group of a unit, or ``None`` when nothing matches."""
        cands = self.aspect_groups(aspect) if aspect else []
        if level1 is not None:
            cands = [c for c in cands if self._groups[c[1]].l1 == level1]
        if not cands:
            cands = self.implicit_groups(opinion)
            if level1 is not None:
                cands = [c for c in cands if self._groups[c[1]].l1 == level1]
        if not cands:
            return None
        top = cands[0][0]
        tied = [gi for s, gi in cands if s >= top - 1e-9]
        if len(tied) > 1:
            tied.sort(key=lambda gi: -self._keyword_hit(gi, opinion))
        g = self._groups[tied[0]]
        return g.l1, g.l2

    def strong_group(self, aspect: str, opinion: str) -> tuple[str, str] | None:
        """The group when the evidence is unambiguous: the aspect is one of its synonyms
        and the opinion contains one of its keywords (味道 + 好吃 → 餐饮口味 > 口味)."""
        a = aspect.lower().strip()
        if not a or a not in self._syn:
            return None
        hits = [(self._keyword_hit(gi, opinion), gi) for gi in self._syn[a]]
        best = max(h for h, _ in hits)
        if best == 0:
            return None
        top = [gi for h, gi in hits if h == best]
        if len(top) > 1:
            return None
        g = self._groups[top[0]]
        return g.l1, g.l2

    def opinion_node(self, group: tuple[str, str], opinion: str, polarity: str) -> str:
        """The level-3 name for ``opinion`` with ``polarity`` inside ``group`` (``""`` if none fits)."""
        g = next((x for x in self._groups if (x.l1, x.l2) == group), None)
        if g is None:
            return ""
        best, best_len, first = "", 0, ""
        for name, pol, kws in g.opinions:
            if pol != polarity:
                continue
            if not first:
                first = name
            for k in kws:
                if len(k) > best_len and k in opinion:
                    best, best_len = name, len(k)
        return best or first

    def categorize(self, aspect: str, opinion: str, polarity: str, *,
                   level1: str | None = None) -> tuple[str, str, str]:
        """The ``(level1, level2, level3)`` path of a unit; unknown levels are ``""``.

        ``level1`` restricts the search to one level-1 node (as predicted by a
        classifier); the result then always starts with it.
        """
        grp = self.group_of(aspect, opinion, level1=level1)
        if grp is None:
            return (level1 or "", "", "")
        return grp[0], grp[1], self.opinion_node(grp, opinion, polarity)

    def features(self, aspect: str, opinion: str) -> list[str]:
        """What the taxonomy says about a unit, as features for a learned classifier."""
        out = []
        for s, gi in self.aspect_groups(aspect)[:2]:
            g = self._groups[gi]
            out += [f"ta1={g.l1}", f"ta2={g.l1}>{g.l2}"]
        for s, gi in self.implicit_groups(opinion)[:2]:
            g = self._groups[gi]
            out += [f"ti1={g.l1}", f"ti2={g.l1}>{g.l2}"]
        return out

    # -- serialisation -------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(self.spec, ensure_ascii=False, indent=1)

    def __getstate__(self) -> dict[str, Any]:
        return {"spec": self.spec, "source": self.source}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.spec = state["spec"]
        self.name = str(self.spec.get("name", "custom"))
        self.source = state["source"]
        self._build()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Taxonomy) and self.spec == other.spec

    def __hash__(self) -> int:
        return hash(self.to_json())

    def __repr__(self) -> str:
        return (f"Taxonomy({self.name!r}, level1={len(self._levels[0])}, "
                f"level2={len(self._levels[1])}, level3={len(self._levels[2])})")


def _alternation(words: list[str]) -> re.Pattern[str] | None:
    """A regex matching the longest of ``words`` at each position (a trie: fast on long texts)."""
    from ._tagger import _trie_regex

    return _trie_regex(words) if words else None


def _line_of(text: str | None, needle: str) -> int | None:
    if not text:
        return None
    i = text.find(needle)
    if i < 0:
        i = text.find(needle.strip('"'))
    return text.count("\n", 0, i) + 1 if i >= 0 else None


def _validate(spec: Any, source: str, text: str | None, *, partial: bool = False) -> dict[str, Any]:
    def fail(msg: str, key: str | None = None) -> ConfigError:
        line = _line_of(text, json.dumps(key, ensure_ascii=False)) if key else None
        return ConfigError(msg, path=None if source == "<mapping>" else source, line=line)

    if not isinstance(spec, Mapping):
        raise fail(f"a taxonomy must be a mapping with a 'nodes' key, got {type(spec).__name__}")
    nodes = spec.get("nodes")
    if not isinstance(nodes, Mapping) or (not nodes and not partial):
        raise fail("a taxonomy needs 'nodes': {level1: {level2: {aspects, implicit, opinions}}}, "
                   f"got {type(nodes).__name__ if nodes is not None else 'nothing'}")
    out: dict[str, Any] = {k: v for k, v in spec.items() if k != "nodes"}
    out_nodes: dict[str, Any] = {}
    for l1, l2s in nodes.items():
        if not isinstance(l1, str) or not l1.strip():
            raise fail(f"level-1 names must be non-empty strings, got {l1!r}")
        if not isinstance(l2s, Mapping):
            raise fail(f"level-1 node {l1!r} must map level-2 names to groups, got {type(l2s).__name__}", l1)
        o1: dict[str, Any] = {}
        for l2, node in l2s.items():
            if not isinstance(l2, str) or not l2.strip():
                raise fail(f"level-2 names under {l1!r} must be non-empty strings, got {l2!r}", l1)
            if not isinstance(node, Mapping):
                raise fail(f"group {l1} > {l2} must be a mapping with aspects/implicit/opinions, "
                           f"got {type(node).__name__}", l2)
            unknown = set(node) - {"aspects", "implicit", "opinions", "description"}
            if unknown:
                raise fail(f"group {l1} > {l2} has unknown keys {sorted(unknown)}; "
                           "allowed: aspects, implicit, opinions, description", l2)
            o2: dict[str, Any] = {}
            for key in ("aspects", "implicit"):
                vals = node.get(key, [])
                if not isinstance(vals, (list, tuple)) or not all(isinstance(v, str) and v for v in vals):
                    raise fail(f"{l1} > {l2}: {key!r} must be a list of non-empty strings, got {vals!r:.60}", l2)
                o2[key] = list(vals)
            ops = node.get("opinions", {})
            if not isinstance(ops, Mapping):
                raise fail(f"{l1} > {l2}: 'opinions' must map level-3 names to "
                           "{polarity, keywords}, got " + type(ops).__name__, l2)
            o3: dict[str, Any] = {}
            for name, op in ops.items():
                if not isinstance(op, Mapping) or op.get("polarity") not in _POLARITIES:
                    got = op.get("polarity") if isinstance(op, Mapping) else op
                    raise fail(f"{l1} > {l2} > {name}: polarity must be one of {_POLARITIES}, got {got!r}", name)
                kws = op.get("keywords", [])
                if not isinstance(kws, (list, tuple)) or not all(isinstance(k, str) and k for k in kws):
                    raise fail(f"{l1} > {l2} > {name}: 'keywords' must be a list of non-empty strings", name)
                o3[name] = {"polarity": op["polarity"], "keywords": list(kws)}
            o2["opinions"] = o3
            if "description" in node:
                o2["description"] = str(node["description"])
            o1[l2] = o2
        out_nodes[l1] = o1
    out["nodes"] = out_nodes
    return out


def load_taxonomy(source: str | os.PathLike[str] | Mapping[str, Any] | None = None) -> Taxonomy:
    """Load a taxonomy: the shipped default (``None``), a JSON/YAML file, or a mapping.

    Raises
    ------
    ConfigError
        The file is not valid JSON/YAML or a node is malformed (with path and line),
        or a YAML file is given and PyYAML is not installed.

    Examples
    --------
    >>> load_taxonomy().level1[:3]
    ('产品质量', '使用体验', '外观设计')
    """
    if source is None:
        source = model_path("opinions", "taxonomy.json")
    if isinstance(source, Mapping):
        return Taxonomy(source)
    if not isinstance(source, (str, os.PathLike)):
        raise ConfigError(f"a taxonomy is a file path, a mapping or None, got {type(source).__name__}")
    path = Path(source)
    if not path.exists():
        raise ConfigError(f"taxonomy file {path} does not exist; pass a JSON or YAML file, "
                          "or None for voc's default taxonomy", path=str(path))
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml  # type: ignore[import-untyped]
        except ImportError:
            raise ConfigError("reading a YAML taxonomy needs PyYAML: pip install pyyaml "
                              "(or save the taxonomy as JSON)", path=str(path)) from None
        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            raise ConfigError(f"invalid YAML ({getattr(err, 'problem', err)})", path=str(path),
                              line=mark.line + 1 if mark is not None else None) from err
    else:
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as err:
            raise ConfigError(f"invalid JSON ({err.msg}); fix the file or re-export it",
                              path=str(path), line=err.lineno) from err
    return Taxonomy(spec, source=str(path), text=text)

