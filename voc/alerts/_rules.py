"""Alert rules: load, merge, validate and compile the rule file.

The shipped rules live in ``models/alerts/rules.json`` (readable JSON; see the
README there). A user file (JSON, or YAML when PyYAML is installed) or a dict
adds rules, overrides rules with the same ``id`` and changes categories,
guards, levels and settings; ``"disable": [ids or categories]`` switches
built-in rules off. Every problem is a :class:`~voc.errors.ConfigError`
naming the file and line.

Patterns are matched on :func:`fold` of the turn text: simplified script,
half-width, lower case, one character for one character, so a match's
offsets index the caller's own ``Turn.text``.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._resources import model_path
from ..errors import ConfigError

__all__ = ["CATEGORIES", "KINDS", "Guard", "Rule", "RuleSet", "compile_rules", "fold", "load_rule_config"]

#: The risk categories of DESIGN §2, in the order reports list them.
CATEGORIES: tuple[str, ...] = (
    "complaint_threat", "regulator_threat", "media_exposure", "legal_threat", "churn",
    "refund_dispute", "safety_health", "fraud_security", "abuse_by_customer", "agent_misconduct",
    "repeated_contact", "escalation_request", "slow_response", "negative_trend",
)
#: What a rule can be: text patterns, or one of the built-in detectors.
KINDS: tuple[str, ...] = ("pattern", "repeat", "gap", "trend", "anger")
ROLES: tuple[str, ...] = ("customer", "agent", "any")

_RULE_KEYS = {"id", "category", "role", "kind", "keywords", "regex", "guards", "weight",
              "description", "enabled"}
_TOP_KEYS = {"format", "version", "description", "levels", "settings", "categories", "guards",
             "rules", "resolved", "disable"}
_LEVEL_KEYS = ("low", "medium", "high")
_SETTINGS = {
    "slow_response_s": (0.0, math.inf),
    "repeat_similarity": (0.0, 1.0),
    "repeat_min_chars": (1.0, math.inf),
    "trend_drop": (0.0, 2.0),
    "trend_floor": (-1.0, 1.0),
    "anger_threshold": (0.0, 1.0),
    "anger_rise": (0.0, 1.0),
    "resolved_discount": (0.0, 1.0),
    "signal_min_chars": (0.0, math.inf),
    "signal_max_chars": (0.0, math.inf),
}
#: settings a rules file may leave out (a file written before they existed stays valid)
_SETTING_DEFAULTS = {"signal_max_chars": 0}

# -- folding ---------------------------------------------------------------------
_FOLD_LOCK = threading.Lock()
# built once; a constant, never changed after. A list indexed by code point (the
# character itself where nothing changes): str.translate looks a list up about twice
# as fast as a dict, which raises and swallows a KeyError for every unmapped char.
_FOLD_TABLE: list[int | str] | None = None


def _fold_table() -> list[int | str]:
    global _FOLD_TABLE
    table = _FOLD_TABLE
    if table is None:
        with _FOLD_LOCK:
            if _FOLD_TABLE is None:
                t: dict[int, str] = {}
                for cp in range(0xFF01, 0xFF5F):  # full-width ASCII
                    t[cp] = chr(cp - 0xFEE0).lower()
                t[0x3000] = " "
                for cp in range(ord("A"), ord("Z") + 1):
                    t[cp] = chr(cp).lower()
                try:
                    import opencc

                    conv = opencc.OpenCC("t2s")
                    chars = [chr(c) for a, b in ((0x3400, 0x4DC0), (0x4E00, 0xA000)) for c in range(a, b)]
                    simp = conv.convert("\n".join(chars)).split("\n")
                    if len(simp) == len(chars):
                        for c, s in zip(chars, simp):
                            if s != c and len(s) == 1:
                                t[ord(c)] = s
                except Exception:  # noqa: BLE001 - no OpenCC: rules still match simplified text
                    pass
                # code points past the end raise IndexError: translate keeps them as they are
                lst: list[int | str] = list(range(max(t) + 1))
                for cp, ch in t.items():
                    lst[cp] = ch
                _FOLD_TABLE = lst
            table = _FOLD_TABLE
    return table


def fold(text: str) -> str:
    """Fold ``text`` for rule matching, keeping its length (one char → one char).

    >>> fold("我要投訴！ＡＢＣ")
    '我要投诉!abc'
    """
    return text.translate(_fold_table())


# -- fast scanning -------------------------------------------------------------------
def _sre() -> tuple[Any, Any]:
    """The regex parser and its constants (``re._parser`` from Python 3.11, ``sre_parse`` before)."""
    try:
        from re import _constants, _parser  # type: ignore[attr-defined]
    except ImportError:  # Python 3.10
        import sre_constants as _constants  # type: ignore[no-redef]
        import sre_parse as _parser  # type: ignore[no-redef]
    return _parser, _constants


def _first_set(items: Any, c: Any) -> tuple[set[int] | None, bool]:
    """(code points a match of the parsed sequence ``items`` can start with, whether it can be empty).

    ``None`` when unknown (anchors, ``.``, negated or category classes, anything
    unusual): the caller then does not use the set. Leading look-arounds are
    skipped (they consume nothing), which can only make the set larger.
    """
    out: set[int] = set()
    for op, av in items:
        if op is c.LITERAL:
            out.add(av)
            return out, False
        if op is c.IN:
            for iop, iav in av:
                if iop is c.LITERAL:
                    out.add(iav)
                elif iop is c.RANGE:
                    out.update(range(iav[0], iav[1] + 1))
                else:  # NEGATE, CATEGORY (\d, \w), ...
                    return None, False
            return out, False
        if op is c.SUBPATTERN:
            if av[1] or av[2]:  # scoped flags (?i:...)
                return None, False
            sub, empty = _first_set(av[-1].data, c)
        elif op is c.BRANCH:
            empty = False
            sub = set()
            for alt in av[1]:
                fs, e = _first_set(alt.data, c)
                if fs is None:
                    return None, False
                sub |= fs
                empty = empty or e
        elif op is c.MAX_REPEAT or op is c.MIN_REPEAT:
            sub, e = _first_set(av[2].data, c)
            empty = e or av[0] == 0
        elif op is c.ASSERT or op is c.ASSERT_NOT:
            continue
        else:
            return None, False
        if sub is None:
            return None, False
        out |= sub
        if not empty:
            return out, False
    return out, True


def _char_class(cps: set[int]) -> str:
    """A regex character class matching exactly the code points ``cps`` (runs as ranges)."""
    parts: list[str] = []
    run: list[int] = []
    for cp in sorted(cps):
        if run and cp == run[-1] + 1:
            run.append(cp)
            continue
        if run:
            parts.append(re.escape(chr(run[0])) + ("-" + re.escape(chr(run[-1])) if len(run) > 1 else ""))
        run = [cp]
    if run:
        parts.append(re.escape(chr(run[0])) + ("-" + re.escape(chr(run[-1])) if len(run) > 1 else ""))
    return "[" + "".join(parts) + "]"


def fast_scanner(regex: re.Pattern[str]) -> re.Pattern[str] | None:
    """A pattern that finds the same matches as ``regex``, much faster; ``None`` if none is safe.

    Python's ``re`` scans quickly only for a pattern that starts with a literal or
    a character class; an alternation of groups (most rules) is tried at every
    position. With ``F`` the characters a match can start with, the scanner is
    ``[F](?<=(?=(regex))[F])``: the leading class gives the fast scan, and at a
    candidate position the look-behind steps back one character and runs
    ``regex`` there in a look-ahead whose group 1 is the match. ``scanner.search(s,
    pos).span(1)`` is then ``regex.search(s, pos).span()``: the same leftmost
    match (look-behinds inside ``regex`` still see the whole string), so looping
    from the end of each match gives exactly ``regex.finditer``.

    Only for patterns without groups or flags that cannot match the empty string.

    >>> rx = re.compile("(?:再也不|永远不)(?:买|用)|(?<![0-9])110(?![0-9])")
    >>> sc = fast_scanner(rx)
    >>> sc.search("我报警110了").span(1), rx.search("我报警110了").span()
    ((3, 6), (3, 6))
    >>> sc.search("电话1101，再也不用了").span(1)
    (7, 11)
    """
    if regex.groups or regex.flags != re.UNICODE:
        return None
    try:
        parser, consts = _sre()
        first, empty = _first_set(parser.parse(regex.pattern).data, consts)
        if first is None or empty or not first:
            return None
        cls = _char_class(first)
        return re.compile(f"{cls}(?<=(?=({regex.pattern})){cls})")
    except Exception:  # noqa: BLE001 - any surprise: scan with the rule's own regex
        return None


# -- compiled form ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Guard:
    """Drops a hit when ``before`` matches the clause text before it (anchored at the hit)
    or ``after`` matches the sentence text after it, unless ``unless`` matches the clause
    text before it (e.g. the rhetorical 这不是…吗 is an assertion, not a question)."""

    name: str
    before: re.Pattern[str] | None = None
    after: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule."""

    id: str
    category: str
    role: str
    kind: str
    weight: float
    regex: re.Pattern[str] | None = None
    guards: tuple[Guard, ...] = ()
    #: :func:`fast_scanner` of ``regex`` (match in group 1), or ``None``: scan with ``regex``
    scan: re.Pattern[str] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class RuleSet:
    """Everything the detector needs, compiled; read-only after construction."""

    levels: tuple[float, float, float]
    settings: Mapping[str, float]
    weights: Mapping[str, float]  # category → weight
    rules: tuple[Rule, ...]
    by_role: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)  # pattern rules
    special: Mapping[str, Rule] = field(default_factory=dict)  # kind → first enabled rule
    resolved: re.Pattern[str] | None = None
    resolved_unless: re.Pattern[str] | None = None
    sources: tuple[str, ...] = ()


# -- loading -----------------------------------------------------------------------
def _shipped_path() -> Path:
    return model_path("alerts", "rules.json")


def _line_of(text: str | None, pattern: str, start_line: int = 1) -> int | None:
    """1-based line of the first match of ``pattern`` at or after ``start_line``."""
    if not text:
        return None
    lines = text.splitlines()
    rx = re.compile(pattern)
    for i in range(max(start_line, 1) - 1, len(lines)):
        if rx.search(lines[i]):
            return i + 1
    return None


class _Source:
    """Where a piece of configuration came from, for error messages."""

    def __init__(self, path: str | None, text: str | None) -> None:
        self.path = path
        self.text = text

    def line(self, *, rule_id: str | None = None, key: str | None = None,
             value: str | None = None) -> int | None:
        start = 1
        if rule_id is not None:
            found = _line_of(self.text, r"""["']?id["']?\s*:\s*["']?""" + re.escape(rule_id) + r"""(?:["',\s}]|$)""")
            if found is None:
                return None
            start = found
            # the rule's own opening line may hold keys before "id": scan back to its "{"
            if self.text is not None:
                lines = self.text.splitlines()
                j = found - 1
                while j > 0 and "{" not in lines[j] and not lines[j].lstrip().startswith("-"):
                    j -= 1
                start = j + 1
        if value is not None:
            got = _line_of(self.text, re.escape(json.dumps(value, ensure_ascii=False)[1:-1]), start)
            if got is not None:
                return got
        if key is not None:
            got = _line_of(self.text, r"""["']?""" + re.escape(key) + r"""["']?\s*:""", start)
            if got is not None:
                return got
        return start if rule_id is not None else None

    def error(self, message: str, **where: Any) -> ConfigError:
        return ConfigError(message, path=self.path, line=self.line(**where) if self.text else None)


def _read_file(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"rule file not found; expected a JSON (or YAML) rule file at {path}",
            path=str(path),
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read the rule file as UTF-8 text ({err})", path=str(path)) from err
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml  # optional: only for users who write YAML rule files
        except ImportError:
            raise ConfigError(
                "YAML rule files need PyYAML, which is not installed; run `pip install pyyaml` "
                "or write the rules as JSON",
                path=str(path),
            ) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            raise ConfigError(
                f"invalid YAML ({getattr(err, 'problem', err)})", path=str(path),
                line=mark.line + 1 if mark is not None else None,
            ) from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ConfigError(
                f"invalid JSON: {err.msg} (column {err.colno}); check commas, quotes and "
                "brackets, and double every backslash in a regex",
                path=str(path), line=err.lineno,
            ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"a rule file must hold an object with 'rules', 'categories' ...; got {type(data).__name__}",
            path=str(path), line=1,
        )
    return data, text


def _merge(base: dict[str, Any], user: Mapping[str, Any], src: _Source) -> dict[str, Any]:
    out = copy.deepcopy(base)
    unknown = set(user) - _TOP_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise src.error(
            f"unknown top-level key {key!r}; expected some of {sorted(_TOP_KEYS)}", key=key
        )
    for section in ("levels", "settings"):
        if section in user:
            if not isinstance(user[section], Mapping):
                raise src.error(f"{section!r} must be an object, got {type(user[section]).__name__}", key=section)
            out.setdefault(section, {}).update(user[section])
    for section in ("categories", "guards"):
        if section in user:
            if not isinstance(user[section], Mapping):
                raise src.error(f"{section!r} must be an object, got {type(user[section]).__name__}", key=section)
            target = out.setdefault(section, {})
            for name, spec in user[section].items():
                if not isinstance(spec, Mapping):
                    raise src.error(f"{section}.{name} must be an object, got {type(spec).__name__}", key=name)
                merged = dict(target.get(name, {}))
                merged.update(spec)
                target[name] = merged
    if "resolved" in user:
        out["resolved"] = copy.deepcopy(user["resolved"])
    rules = out.setdefault("rules", [])
    if "rules" in user:
        if not isinstance(user["rules"], list):
            raise src.error(f"'rules' must be a list of rule objects, got {type(user['rules']).__name__}", key="rules")
        index = {r.get("id"): i for i, r in enumerate(rules)}
        for k, rule in enumerate(user["rules"]):
            if not isinstance(rule, Mapping) or not isinstance(rule.get("id"), str) or not rule.get("id"):
                raise src.error(
                    f"rules[{k}] must be an object with a non-empty string 'id', got {rule!r:.80}",
                    key="rules",
                )
            rule = dict(rule)
            rule["_source"] = (src.path, src.text)
            if rule["id"] in index:
                rules[index[rule["id"]]] = rule
            else:
                index[rule["id"]] = len(rules)
                rules.append(rule)
    if "disable" in user:
        off = user["disable"]
        if isinstance(off, str) or not isinstance(off, list) or not all(isinstance(x, str) for x in off):
            raise src.error("'disable' must be a list of rule ids or category names", key="disable")
        known = {r.get("id") for r in rules} | set(out.get("categories", {}))
        for item in off:
            if item not in known:
                raise src.error(
                    f"'disable' names {item!r}, which is neither a rule id nor a category; "
                    f"known categories: {sorted(out.get('categories', {}))}",
                    value=item,
                )
        out["rules"] = [r for r in rules if r.get("id") not in off and r.get("category") not in off]
    out.setdefault("_sources", []).append(src.path or "<dict>")
    out.setdefault("_texts", []).append((src.path, src.text))
    return out


def load_rule_config(rules: Any = None) -> dict[str, Any]:
    """The merged rule configuration: the shipped rules, then ``rules`` on top.

    ``rules`` is ``None``, a path to a JSON/YAML file, a dict in the same shape,
    or a list of those (applied in order).
    """
    path = _shipped_path()
    base, text = _read_file(path)
    cfg = _merge({}, base, _Source(str(path), text))
    extras = rules if isinstance(rules, list) else ([] if rules is None else [rules])
    for extra in extras:
        if isinstance(extra, (str, os.PathLike)):
            p = Path(extra)
            data, txt = _read_file(p)
            cfg = _merge(cfg, data, _Source(str(p), txt))
        elif isinstance(extra, Mapping):
            cfg = _merge(cfg, extra, _Source(None, None))
        else:
            raise ConfigError(
                f"rules must be None, a path to a rule file or a dict, got {type(extra).__name__}; "
                "e.g. RiskDetector(rules='my_rules.json')"
            )
    return cfg


# -- validation + compilation -----------------------------------------------------------
def _compile(pattern: str, err: Any, **where: Any) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise err(f"invalid regular expression {pattern!r}: {e}", **where) from None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def compile_rules(cfg: Mapping[str, Any]) -> RuleSet:
    """Validate a merged configuration and compile it into a :class:`RuleSet`."""
    def top_error(message: str, *, key: str | None = None) -> ConfigError:
        # a top-level section may come from any of the merged files: name the last one
        # that mentions the offending key, with its line
        for path, text in reversed(cfg.get("_texts", [])):
            src = _Source(path, text)
            line = src.line(key=key) if key and text else None
            if line is not None:
                return ConfigError(message, path=path, line=line)
        return ConfigError(message, path=next((p for p, _ in reversed(cfg.get("_texts", [])) if p), None))

    levels = cfg.get("levels", {})
    try:
        low, med, high = (float(levels[k]) for k in _LEVEL_KEYS)
    except (KeyError, TypeError, ValueError):
        raise top_error(f"'levels' must give numbers for {list(_LEVEL_KEYS)}, got {levels!r}", key="levels") from None
    if not 0.0 < low < med < high <= 1.0:
        raise top_error(f"levels must satisfy 0 < low < medium < high <= 1, got {levels!r}", key="levels")

    settings = {**_SETTING_DEFAULTS, **cfg.get("settings", {})}
    for key, value in settings.items():
        if key not in _SETTINGS:
            raise top_error(f"unknown setting {key!r}; known settings: {sorted(_SETTINGS)}", key=key)
        lo, hi = _SETTINGS[key]
        if not _number(value) or not lo <= value <= hi:
            raise top_error(f"setting {key!r} must be a number in [{lo}, {hi}], got {value!r}", key=key)
    missing = set(_SETTINGS) - set(settings)
    if missing:
        raise top_error(f"settings {sorted(missing)} are missing", key="settings")

    weights: dict[str, float] = {}
    for name, spec in cfg.get("categories", {}).items():
        w = spec.get("weight")
        if not _number(w) or not 0.0 <= w <= 1.0:
            raise top_error(f"category {name!r} needs a 'weight' in [0, 1], got {w!r}", key=name)
        weights[name] = float(w)

    guards: dict[str, Guard] = {}
    for name, spec in cfg.get("guards", {}).items():
        parts: dict[str, re.Pattern[str] | None] = {}
        unknown = set(spec) - {"before", "after", "unless", "description"}
        if unknown:
            raise top_error(f"guard {name!r}: unknown key {sorted(unknown)[0]!r}; a guard takes "
                            "'before', 'after', 'unless', 'description'", key=name)
        for side in ("before", "after", "unless"):
            pat = spec.get(side) or ""
            if not isinstance(pat, str):
                raise top_error(f"guard {name!r}: {side!r} must be a regex string, got {pat!r}", key=name)
            try:
                parts[side] = re.compile(pat) if pat else None
            except re.error as e:
                raise top_error(f"guard {name!r}: invalid {side!r} regex {pat!r}: {e}", key=name) from None
        guards[name] = Guard(name, parts["before"], parts["after"], parts["unless"])

    compiled: list[Rule] = []
    seen: set[str] = set()
    for raw in cfg.get("rules", []):
        path, text = raw.get("_source", (None, None))
        src = _Source(path, text)
        rid = raw["id"]

        def err(message: str, *, key: str | None = None, value: str | None = None,
                _src: _Source = src, _rid: str = rid) -> ConfigError:
            return _src.error(f"rule {_rid!r}: {message}", rule_id=_rid, key=key, value=value)

        unknown = set(raw) - _RULE_KEYS - {"_source"}
        if unknown:
            key = sorted(unknown)[0]
            raise err(f"unknown key {key!r}; a rule takes {sorted(_RULE_KEYS)}", key=key)
        if rid in seen:
            raise err("duplicate rule id; ids must be unique (a user rule with a built-in id replaces it)")
        seen.add(rid)
        if raw.get("enabled", True) is False:
            continue
        cat = raw.get("category")
        if cat not in weights:
            raise err(
                f"unknown category {cat!r}; use one of {sorted(weights)} or declare it under 'categories'",
                key="category",
            )
        role = raw.get("role", "customer")
        if role not in ROLES:
            raise err(f"role must be one of {list(ROLES)}, got {role!r}", key="role")
        kind = raw.get("kind", "pattern")
        if kind not in KINDS:
            raise err(f"kind must be one of {list(KINDS)}, got {kind!r}", key="kind")
        weight = raw.get("weight", weights[cat])
        if not _number(weight) or not 0.0 <= weight <= 1.0:
            raise err(f"weight must be a number in [0, 1], got {weight!r}", key="weight")
        regex = None
        rule_guards: list[Guard] = []
        if kind == "pattern":
            keywords = raw.get("keywords", [])
            pats = raw.get("regex", [])
            if isinstance(pats, str):
                pats = [pats]
            if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
                raise err("'keywords' must be a list of non-empty strings", key="keywords")
            if not isinstance(pats, list) or not all(isinstance(p, str) and p for p in pats):
                raise err("'regex' must be a list of non-empty regex strings", key="regex")
            if not keywords and not pats:
                raise err("a pattern rule needs 'keywords' or 'regex'", key="id")
            for p in pats:
                _compile(p, err, value=p)
            alts = [re.escape(fold(k)) for k in sorted(set(keywords), key=len, reverse=True)]
            alts += [f"(?:{p})" for p in pats]
            regex = re.compile("|".join(alts))
            names = raw.get("guards", [])
            if isinstance(names, str) or not isinstance(names, list):
                raise err("'guards' must be a list of guard names", key="guards")
            for g in names:
                if g not in guards:
                    raise err(f"unknown guard {g!r}; defined guards: {sorted(guards)}", value=g)
                rule_guards.append(guards[g])
        compiled.append(Rule(rid, cat, role, kind, float(weight), regex, tuple(rule_guards),
                             fast_scanner(regex) if regex is not None else None))

    by_role = {
        role: tuple(r for r in compiled if r.kind == "pattern" and r.role in (role, "any"))
        for role in ("customer", "agent")
    }
    special: dict[str, Rule] = {}
    for r in compiled:
        if r.kind != "pattern":
            special.setdefault(r.kind, r)

    resolved = unless = None
    res = cfg.get("resolved") or {}
    if res:
        pats = res.get("regex", [])
        if not isinstance(pats, list) or not all(isinstance(p, str) for p in pats):
            raise top_error("'resolved.regex' must be a list of regex strings", key="resolved")
        try:
            resolved = re.compile("|".join(f"(?:{p})" for p in pats)) if pats else None
            u = res.get("unless") or ""
            unless = re.compile(u) if u else None
        except re.error as e:
            raise top_error(f"invalid regex in 'resolved': {e}", key="resolved") from None

    return RuleSet(
        levels=(low, med, high),
        settings={k: float(v) for k, v in settings.items()},
        weights=weights,
        rules=tuple(compiled),
        by_role=by_role,
        special=special,
        resolved=resolved,
        resolved_unless=unless,
        sources=tuple(cfg.get("_sources", ())),
    )
