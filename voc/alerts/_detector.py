"""RiskDetector: rule hits + model signals → one risk score per dialogue, with reasons.

How a dialogue is scored (documented in ``models/alerts/README.md``):

1. **Rules.** Every turn is matched against the rules of its speaker's role
   (threats only on customer turns, misconduct only on agent turns). A hit in a
   negated, hypothetical or already-resolved clause (guards) is dropped.
   Sequence rules look at the dialogue so far: the same problem repeated, late
   replies (``Turn.ts``), and the customer's sentiment/anger trend from voc's
   sentiment and emotion models. Each flag carries its category, turn index,
   evidence span and rule id, and is returned by the monitor as soon as the
   turn that causes it arrives.

   Speed: a turn is folded once; each rule scans with a pattern that starts
   with the characters its matches can start with (``fast_scanner`` in
   ``_rules.py``: the same matches, found about three times faster); the
   default models are driven directly (no Documents, Token objects or
   sentiment evidence; the same numbers as the pipeline), and only the model
   signals that can change a report are read (see ``RiskDetector._signals_for``).
2. **Severity** ``1 − Π_rules (1 − w_rule)`` over the rules that fired (a
   noisy-OR of the weights in the rule file), times ``resolved_discount`` when
   the customer's last turn says the problem is solved.
3. **Score**: a calibrated probability that the customer ends very
   dissatisfied: ``sigmoid(b0 + a·logit(m) + Σ b_category + b_resolved)``
   with ``m`` the text scorer's probability (TF-IDF character n-grams of the
   customer turns) and the coefficients fitted on held-apart real helpdesk
   dialogues (``models/alerts/train_scorer.py``). Without a scorer the score
   is the severity.
4. **Level** from ``max(score, severity)``: ``"high"`` ≥ 0.7, ``"medium"`` ≥
   0.4, ``"low"`` ≥ 0.15, else ``"none"`` (``levels`` in the rule file). An
   explicit severe threat is "high" even when the customer sounds calm, and a
   very unhappy customer is "high" even without a keyword.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any, Literal

from .._types import Dialogue, Span, Turn
from ..errors import ConfigError, InputError, VocWarning
from ._rules import Guard, RuleSet, compile_rules, fold, load_rule_config
from ._scorer import TextScorer

__all__ = ["RiskDetector", "RiskFlag", "RiskMonitor", "RiskReport"]

logger = logging.getLogger(__name__)

Level = Literal["none", "low", "medium", "high"]
#: (polarity in [-1, 1], anger probability in [0, 1]) for one customer turn
Signal = tuple[float, float]
SignalFn = Callable[[str], Signal]

_CLAUSE_STOPS = "，。！？；,.!?;\n…~"
_SENTENCE_STOPS = "。！？!?\n"
_PLACEHOLDER = re.compile(r"\[[^\[\]]{0,24}\]")
_NOT_HAN = re.compile(r"[^\u3400-\u9fff]+")
_MAX_REPEAT_HISTORY = 20


@dataclass(frozen=True, slots=True)
class RiskFlag:
    """One reason a dialogue is risky.

    ``turn`` is the index of the turn that raised it, ``evidence`` a span of
    that turn's text (``dialogue.turns[turn].text[evidence.start:evidence.end]``)
    whose ``weight`` is the rule's severity, and ``rule`` the rule id.

    >>> RiskFlag("regulator_threat", 2, Span(5, 10, "12315", weight=0.9), "regulator.hotline")
    RiskFlag(regulator_threat @turn 2: '12315' [regulator.hotline])
    """

    category: str
    turn: int
    evidence: Span
    rule: str

    def __repr__(self) -> str:
        ev = self.evidence.text if len(self.evidence.text) <= 30 else self.evidence.text[:29] + "…"
        extra = f" ({self.evidence.label})" if self.evidence.label and self.evidence.label != self.category else ""
        return f"RiskFlag({self.category} @turn {self.turn}: {ev!r}{extra} [{self.rule}])"


@dataclass(frozen=True, slots=True)
class RiskReport:
    """The risk of one dialogue: ``score``, ``severity``, ``level`` and the ``flags`` behind them.

    - ``score`` in [0, 1]: calibrated probability that the customer ends the
      dialogue very dissatisfied, from the text scorer, the flagged categories
      and the resolution signal (a logistic model fitted on real helpdesk
      dialogues); without a scorer it equals ``severity``.
    - ``severity`` in [0, 1]: noisy-OR of the weights of the rules that fired
      (``1 − Π(1 − w)``), halved when the customer's last turn says the
      problem is solved (``resolved_discount``).
    - ``level``: from the larger of the two, ``"high"`` ≥ 0.7, ``"medium"`` ≥
      0.4, ``"low"`` ≥ 0.15, else ``"none"`` (``levels`` in the rule file).
    - ``model_score``: the text scorer's own probability (``None`` when off).

    >>> RiskReport(0.0, "none")
    RiskReport(none, score=0.00, flags=[])
    """

    score: float
    level: Level
    flags: tuple[RiskFlag, ...] = ()
    dialogue_id: Any = None
    severity: float = 0.0
    model_score: float | None = None
    resolved: bool = False

    @property
    def categories(self) -> tuple[str, ...]:
        """Flagged categories, in the order they first appeared."""
        return tuple(dict.fromkeys(f.category for f in self.flags))

    @property
    def first_turn(self) -> int | None:
        """Index of the first turn that raised a flag (``None`` without flags)."""
        return min((f.turn for f in self.flags), default=None)

    def __repr__(self) -> str:
        who = f"id={self.dialogue_id!r}, " if self.dialogue_id is not None else ""
        fl = ", ".join(f"{f.category}@{f.turn}" for f in self.flags[:6])
        more = ", …" if len(self.flags) > 6 else ""
        sev = f", severity={self.severity:.2f}" if self.severity else ""
        return f"RiskReport({who}{self.level}, score={self.score:.2f}{sev}, flags=[{fl}{more}])"


# -- per-dialogue state ---------------------------------------------------------------
class _State:
    __slots__ = ("n", "flags", "rule_w", "counts", "dot", "sq", "n_customer", "bigrams", "pol",
                 "anger", "first_text", "pending_ts", "gap_flagged", "resolved", "fired", "lock", "last_ts")

    def __init__(self) -> None:
        self.n = 0
        self.flags: list[RiskFlag] = []
        self.rule_w: dict[str, float] = {}
        self.counts: dict[int, int] = {}
        self.dot = 0.0
        self.sq = 0.0
        self.n_customer = 0
        self.bigrams: list[list[Any]] = []  # [turn index, bigrams, answered by the agent since]
        # model signals of the customer turns read so far; the first turn's anger may stay
        # None (its text in first_text) until a later turn needs it as a baseline
        self.pol: list[float] = []
        self.anger: list[float | None] = []
        self.first_text: str | None = None
        self.pending_ts: float | None = None
        self.gap_flagged = False
        self.resolved = False
        self.fired: set[str] = set()
        self.lock = threading.Lock()
        self.last_ts: float | None = None

    # a monitor is pickled as a checkpoint: the state without its lock
    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if k != "lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            setattr(self, k, v)
        self.lock = threading.Lock()


def _seconds(ts: Any) -> float | None:
    if ts is None:
        return None
    if isinstance(ts, datetime):
        return ts.timestamp()
    if hasattr(ts, "timestamp") and callable(ts.timestamp):  # pandas Timestamp
        try:
            return float(ts.timestamp())
        except (ValueError, OverflowError):  # NaT
            return None
    if isinstance(ts, (int, float)) and not isinstance(ts, bool):
        return None if ts != ts else float(ts)
    raise InputError(
        f"Turn.ts must be a datetime or seconds (int/float), got {type(ts).__name__} ({ts!r:.40}); "
        "parse times first, e.g. pandas.to_datetime(df[time_col])"
    )


def _clause_start(text: str, pos: int) -> int:
    start = 0
    for c in _CLAUSE_STOPS:
        k = text.rfind(c, 0, pos)
        if k + 1 > start:
            start = k + 1
    return start


def _sentence_end(text: str, pos: int) -> int:
    end = len(text)
    for c in _SENTENCE_STOPS:
        k = text.find(c, pos)
        if k != -1 and k < end:
            end = k
    return end


def _guarded(guards: tuple[Guard, ...], f: str, s: int, e: int) -> bool:
    """Whether a guard drops the hit ``f[s:e]`` (see :class:`~voc.alerts._rules.Guard`)."""
    cs = _clause_start(f, s)
    tail: str | None = None
    for g in guards:
        if g.unless is not None and g.unless.search(f, cs, s):
            continue
        if g.before is not None and g.before.search(f, cs, s):
            return True
        if g.after is not None:
            if tail is None:
                tail = f[e:_sentence_end(f, e)]
            if g.after.match(tail):
                return True
    return False


def _tail(text: str, n: int) -> str:
    """The last ``n`` characters of ``text``, from a clause start when one falls in their
    first third (what the model signals read of a long turn: its latest clauses)."""
    if len(text) <= n:
        return text
    cut = len(text) - n
    start = _clause_start(text, cut + n // 3)
    return text[start if start > cut else cut:]


def _han(f: str) -> str:
    """The Chinese characters of a folded text, placeholders like [订单x] removed (nested too)."""
    return _NOT_HAN.sub("", _PLACEHOLDER.sub("", _PLACEHOLDER.sub("", f)))


class _Engine:
    """Compiled rules + scorer + signal function: read-only, shared by threads."""

    def __init__(self, rules: RuleSet, scorer: TextScorer | None, signal: SignalFn | None,
                 batch_signal: Callable[..., list[Signal]] | None) -> None:
        self.rules = rules
        self.scorer = scorer
        self.signal = signal
        self.batch_signal = batch_signal
        self.min_chars = rules.settings["signal_min_chars"]
        self.max_chars = int(rules.settings["signal_max_chars"])
        # the signals only feed the trend (polarity) and anger rules: only what they read is read
        self.wants_pol = "trend" in rules.special
        self.wants_anger = "anger" in rules.special
        self.trend_id = rules.special["trend"].id if self.wants_pol else None
        self.anger_id = rules.special["anger"].id if self.wants_anger else None
        self.reads_signals = signal is not None and (self.wants_pol or self.wants_anger)
        self.partial = batch_signal is not None  # the default models can read one part alone
        # per role: (rule, fast scanner or None); see voc.alerts._rules.fast_scanner
        self.scans = {role: tuple((r, r.scan) for r in rules.by_role[role]) for role in rules.by_role}

    def wants_signal(self, turn: Turn) -> bool:
        """Model signals are read for customer turns with enough Chinese to judge
        (short replies like 没了 / 好的 mislead sentiment models; they are skipped)."""
        return turn.role == "customer" and len(_han(fold(turn.text))) >= self.min_chars

    # one turn → new flags (state is updated in place; the caller holds state.lock)
    def step(self, st: _State, turn: Turn, sig: Signal | None, *, score: bool = True,
             f: str | None = None, han: str | None = None) -> list[RiskFlag]:
        """Add ``turn``; ``f`` (``fold(turn.text)``) and ``han`` (``_han(f)``, customer
        turns) may be given when the caller already has them."""
        rs = self.rules
        i = st.n
        st.n += 1
        text = turn.text
        if f is None:
            f = fold(text)
        new: list[RiskFlag] = []
        for rule, scan in self.scans[turn.role]:
            if scan is not None:
                # the scanner's group 1 walks exactly the matches of rule.regex.finditer(f)
                pos = 0
                while (m := scan.search(f, pos)) is not None:
                    s, e = m.span(1)
                    if rule.guards and _guarded(rule.guards, f, s, e):
                        pos = e
                        continue
                    new.append(RiskFlag(rule.category, i,
                                        Span(s, e, text[s:e], weight=rule.weight, label=rule.category), rule.id))
                    break
                continue
            assert rule.regex is not None
            for m in rule.regex.finditer(f):
                s, e = m.span()
                if rule.guards and _guarded(rule.guards, f, s, e):
                    continue
                new.append(RiskFlag(rule.category, i,
                                    Span(s, e, text[s:e], weight=rule.weight, label=rule.category), rule.id))
                break
        if len(new) > 1:
            new.sort(key=lambda fl: fl.evidence.start)
        ts = _seconds(turn.ts)
        gap_rule = rs.special.get("gap")
        if ts is not None:
            if st.last_ts is not None and ts < st.last_ts:
                logger.debug("turn %d is timestamped before the previous turn", i)
            st.last_ts = ts
        if turn.role == "customer":
            st.n_customer += 1
            if ts is not None:
                if st.pending_ts is None:
                    st.pending_ts, st.gap_flagged = ts, False
                elif gap_rule and not st.gap_flagged and ts - st.pending_ts > rs.settings["slow_response_s"]:
                    gap = ts - st.pending_ts
                    st.gap_flagged = True
                    new.append(self._whole(gap_rule, i, text, f"no reply for {gap:.0f}s"))
            self._customer(st, i, text, f, sig, new, score, han)
        else:
            if ts is not None and st.pending_ts is not None:
                gap = ts - st.pending_ts
                if gap_rule and not st.gap_flagged and gap > rs.settings["slow_response_s"]:
                    new.append(self._whole(gap_rule, i, text, f"reply after {gap:.0f}s"))
            st.pending_ts, st.gap_flagged = None, False
            for entry in st.bigrams:
                entry[2] = True
        for fl in new:
            w = fl.evidence.weight
            if w > st.rule_w.get(fl.rule, -1.0):
                st.rule_w[fl.rule] = w
        st.flags.extend(new)
        return new

    @staticmethod
    def _whole(rule: Any, i: int, text: str, label: str, weight: float | None = None) -> RiskFlag:
        return RiskFlag(rule.category, i,
                        Span(0, len(text), text, weight=rule.weight if weight is None else weight, label=label),
                        rule.id)

    def _customer(self, st: _State, i: int, text: str, f: str, sig: Signal | None,
                  new: list[RiskFlag], score: bool, han: str | None = None) -> None:
        rs = self.rules
        # the same problem again: Chinese-character bigram overlap with an earlier customer
        # turn that the agent has answered since (placeholders like [订单x], digits, Latin
        # and punctuation are ignored, so order cards and double-sends do not count)
        rep = rs.special.get("repeat")
        if rep is not None:
            compact = _han(f) if han is None else han
            if len(compact) >= rs.settings["repeat_min_chars"]:
                bg = frozenset(map(str.__add__, compact, compact[1:]))
                thr = rs.settings["repeat_similarity"]
                for j, prev, answered in reversed(st.bigrams):
                    if not answered:
                        continue
                    inter = len(bg & prev)
                    if inter and inter / (len(bg) + len(prev) - inter) >= thr:  # Jaccard, no union built
                        new.append(self._whole(rep, i, text, f"repeats turn {j}"))
                        break
                st.bigrams.append([i, bg, False])
                if len(st.bigrams) > _MAX_REPEAT_HISTORY:
                    del st.bigrams[0]
        if score and self.scorer is not None:
            a, b = self.scorer.update(st.counts, f)
            st.dot += a
            st.sq += b
        if sig is not None:
            pol = float(sig[0])
            anger: float | None
            if sig[1] is not None:
                anger = float(sig[1])
            elif not st.anger:
                # the first turn read: its anger is only a baseline, read when a later
                # turn reaches the anger threshold (see RiskMonitor.feed)
                anger = None
                st.first_text = text
            else:  # another thread fed this dialogue's first turn in the meantime
                anger = float(self.signals([text], polarity=False)[0][1])
            st.pol.append(pol)
            st.anger.append(anger)
            trend = rs.special.get("trend")
            if trend is not None and trend.id not in st.fired and len(st.pol) >= 2:
                peak = max(st.pol[:-1])
                if pol <= rs.settings["trend_floor"] and peak - pol >= rs.settings["trend_drop"]:
                    st.fired.add(trend.id)
                    new.append(self._whole(trend, i, text, f"polarity {pol:+.2f} from {peak:+.2f}"))
            ang = rs.special.get("anger")
            if ang is not None and ang.id not in st.fired and len(st.anger) >= 2:
                assert anger is not None  # only the first turn's may wait
                if anger >= rs.settings["anger_threshold"]:
                    base = st.anger[0]
                    if base is None:
                        assert st.first_text is not None
                        base = st.anger[0] = float(self.signals([st.first_text], polarity=False)[0][1])
                    if anger - base >= rs.settings["anger_rise"]:
                        st.fired.add(ang.id)
                        new.append(self._whole(ang, i, text, f"anger {anger:.2f} from {base:.2f}"))
        if rs.resolved is not None:
            st.resolved = bool(rs.resolved.search(f)) and not (
                rs.resolved_unless is not None and rs.resolved_unless.search(f)
            ) and not new
        else:
            st.resolved = False

    def signals(self, texts: list[str], *, polarity: bool = True, anger: bool = True) -> list[Signal]:
        """(polarity, anger) of ``texts``; a part not asked for may be 0.0 (the default models
        skip it; a user's callable always gives both). A turn longer than the
        ``signal_max_chars`` setting (0: no limit) is read from its last clauses
        (:func:`_tail`)."""
        if self.max_chars:
            n = self.max_chars
            texts = [_tail(t, n) for t in texts]
        if self.batch_signal is not None:
            return self.batch_signal(texts, polarity=polarity, anger=anger)
        assert self.signal is not None
        return [self.signal(t) for t in texts]

    def report(self, st: _State, dialogue_id: Any, model: float | None = None) -> RiskReport:
        """The report for a state; ``model`` overrides the scorer's probability (batch path)."""
        rs = self.rules
        keep = 1.0
        for w in st.rule_w.values():
            keep *= 1.0 - w
        severity = 1.0 - keep
        if st.resolved:
            severity *= rs.settings["resolved_discount"]
        scorer = self.scorer
        if scorer is None:
            model = None
            score = severity
        else:
            if model is None:
                model = scorer.probability(st.dot, st.sq) if st.n_customer else scorer.probability(0.0, 0.0)
            score = scorer.fuse(model, {f.category for f in st.flags}, st.resolved)
        score = min(max(score, 0.0), 1.0)
        severity = min(max(severity, 0.0), 1.0)
        low, med, high = rs.levels
        top = max(score, severity)
        level: Level = "high" if top >= high else "medium" if top >= med else "low" if top >= low else "none"
        return RiskReport(score, level, tuple(st.flags), dialogue_id, severity, model, st.resolved)


# -- model signals ------------------------------------------------------------------
_MODEL_STEPS = ("sentiment", "emotion")


def _doc_signal(doc: Any) -> Signal:
    s, e = doc.sentiment, doc.emotion
    pol = float(s.polarity) if s is not None else 0.0
    anger = float(e.scores.get("anger", 0.0)) if e is not None else 0.0
    return pol, anger


#: below this many characters one text is scored by the sentiment model's plain-Python
#: path, above by its numpy path (identical numbers; numpy's per-call cost wins on short texts)
_ONE_TEXT_PYTHON = 72


class _Tok(tuple):
    """``(text, start, end)`` read as a token (``.text``, ``.start``, ``.end``); built in C."""

    __slots__ = ()
    text = property(itemgetter(0))
    start = property(itemgetter(1))
    end = property(itemgetter(2))


class _Lean:
    """The default pipeline's parts when they are voc's own, driven directly.

    Same numbers as running the pipeline (normalise → segment → sentiment →
    emotion) on each text, with less around them: the normaliser's text without
    a Document, the segmenter's words and offsets without Token objects, the
    sentiment probabilities without evidence, the emotion probabilities of the
    whole batch at once. ``tests/alerts/test_detector.py`` pins the equality.
    """

    __slots__ = ("norm", "seg", "sen", "sen_state", "emo", "emo_state", "anger_col", "tokens")

    def __init__(self, norm: Any, seg: Any, sen: Any, emo: Any) -> None:
        self.norm, self.seg, self.sen, self.emo = norm, seg, sen, emo
        self.sen_state = sen._fitted() if sen is not None else None
        self.emo_state = emo._fitted() if emo is not None else None
        self.anger_col = list(emo.classes_).index("anger") if emo is not None else -1
        from ..sentiment_analysis import model as _sm

        # the token form the sentiment scorer reads fastest: its span lists where it has them
        spans = getattr(_sm, "_Spans", None)
        self.tokens: Callable[[list[str], list[int], list[int]], Any] = (
            spans if spans is not None else (lambda w, s, e: list(map(_Tok, zip(w, s, e))))
        )

    @staticmethod
    def build(parts: tuple[Any, ...], steps: tuple[str, ...]) -> _Lean | None:
        from ..normalization import Normalizer
        from ..segmentation import Segmenter
        from ..sentiment_analysis import EmotionModel, SentimentModel

        norm, *comps = parts
        by = dict(zip(steps, comps))
        sen, emo = by.get("sentiment"), by.get("emotion")
        # exact types only: a subclass may score differently from what is called here
        if type(norm) is not Normalizer or type(by.get("segment")) is not Segmenter:
            return None
        if (sen is not None and type(sen) is not SentimentModel) or (emo is not None and type(emo) is not EmotionModel):
            return None
        try:
            return _Lean(norm, by["segment"], sen, emo)
        except Exception:  # noqa: BLE001 - anything unexpected: the plain pipeline path
            logger.debug("model signals: using the pipeline path", exc_info=True)
            return None

    def spans(self, text: str) -> tuple[list[str], list[int], list[int]]:
        """What ``Segmenter.tokenize(text)`` gives, as (words, starts, ends)."""
        if not text:
            return [], [], []
        fast = getattr(self.seg, "_spans", None)
        if fast is not None:
            return fast(text)
        toks = self.seg.tokenize(text, pos=False)  # the same words as with tags
        return [t.text for t in toks], [t.start for t in toks], [t.end for t in toks]

    def signals(self, texts: list[str], *, polarity: bool = True, anger: bool = True) -> list[Signal]:
        """(polarity, anger) of raw texts; a part not asked for (or without its model) is 0.0."""
        polarity = polarity and self.sen is not None
        anger = anger and self.emo is not None
        if not (polarity or anger):
            return [(0.0, 0.0)] * len(texts)
        out: list[Signal] = []
        for k in range(0, len(texts), 512):
            chunk = texts[k:k + 512]
            clean = [self.norm.normalize(t) for t in chunk]
            spans = [self.spans(c) for c in clean]
            n = len(clean)
            pol: list[float] = [0.0] * n
            ang: list[float] = [0.0] * n
            if polarity:
                if n == 1 and len(clean[0]) < _ONE_TEXT_PYTHON:
                    # one short text: the model's plain-Python path (what __call__ runs)
                    tok = list(map(_Tok, zip(*spans[0])))
                    pol = [self.sen._score_one(self.sen_state, clean[0], tok, evidence=False).polarity]
                else:
                    P = self.sen._score_batch(self.sen_state, clean, [self.tokens(*sp) for sp in spans],
                                              evidence=False, probs=True)
                    # Sentiment.polarity exactly: round(P(positive) - P(negative), 6)
                    pol = [round(float(r[2] - r[0]), 6) for r in P]
            if anger:
                E = self.emo._scores(self.emo_state, [(c, sp[0]) for c, sp in zip(clean, spans)])
                ang = E[:, self.anger_col].tolist()
            out.extend(zip(pol, ang))
        return out


class _AutoSignals:
    """Signals from the default pipeline's models, looked up at call time."""

    def __init__(self, steps: tuple[str, ...]) -> None:
        self.steps = ("segment", *steps)
        # (the pipeline parts it was built from, the direct path or None): rebuilt when the
        # default pipeline changes; the parts are held, so the identity check stays valid
        self._cache: tuple[tuple[Any, ...], _Lean | None] | None = None

    def lean(self) -> _Lean | None:
        """The direct path for the current default pipeline, or ``None`` (then Documents)."""
        from ..pipeline import get_default_pipeline

        p = get_default_pipeline()
        parts = (p.get_normalizer(), *(p.get(s) for s in self.steps))
        cache = self._cache
        if cache is not None and all(a is b for a, b in zip(cache[0], parts)):
            return cache[1]
        lean = _Lean.build(parts, self.steps)
        self._cache = (parts, lean)  # one assignment: a racing thread builds the same thing
        return lean

    def __call__(self, text: str) -> Signal:
        lean = self.lean()
        if lean is not None:
            return lean.signals([text])[0]
        from ..pipeline import get_default_pipeline

        return _doc_signal(get_default_pipeline().run(text, steps=self.steps))

    def batch(self, texts: list[str], *, polarity: bool = True, anger: bool = True) -> list[Signal]:
        lean = self.lean()
        if lean is not None:
            return lean.signals(texts, polarity=polarity, anger=anger)
        from ..pipeline import Pipeline, get_default_pipeline

        p = get_default_pipeline()
        sub = Pipeline(steps=self.steps, normalizer=p.get_normalizer(),
                       components={s: p.get(s) for s in self.steps})
        return [_doc_signal(d) for d in sub.pipe(texts, batch_size=512)]


def _available_models() -> tuple[tuple[str, ...], list[str]]:
    """(model steps that load, why the others do not)."""
    ok: list[str] = []
    why: list[str] = []
    try:
        from ..pipeline import get_default_pipeline

        p = get_default_pipeline()
        p.get_normalizer()
        p.get("segment")
    except Exception as err:  # noqa: BLE001 - any failure just turns the signals off
        return (), [f"segment: {type(err).__name__}: {err}"]
    for step in _MODEL_STEPS:
        try:
            p.get(step)
            ok.append(step)
        except Exception as err:  # noqa: BLE001
            why.append(f"{step}: {type(err).__name__}: {err}")
    return tuple(ok), why


# -- the public classes -------------------------------------------------------------------
class RiskDetector:
    """Score customer-service dialogues for risk, with the turn and evidence behind each flag.

    Parameters
    ----------
    rules
        ``None`` for the shipped rules (``models/alerts/rules.json``), or a
        path to a JSON/YAML rule file, a dict in the same shape, or a list of
        those, applied on top of the shipped rules: a rule with a built-in id
        replaces it, new ids are added, ``"disable": [...]`` switches rules or
        whole categories off. Invalid files raise
        :class:`~voc.errors.ConfigError` naming the file and line.
    signals
        Model signals for ``negative_trend``: ``"auto"`` uses the default
        pipeline's sentiment and emotion models (and falls back to rules only,
        with a :class:`~voc.errors.VocWarning`, when they cannot load);
        ``None`` turns them off; or a callable ``text -> (polarity, anger)``.
        Signals are read only where they can change a report: customer turns
        with enough Chinese, in dialogues with at least two of them, the first
        one only as the baseline of a later turn past a threshold (the monitor
        reads the first turn's anger when a later turn needs it).
    scorer
        ``"auto"`` for the shipped text scorer, ``None`` for rules only, or
        the path of a scorer folder trained by ``models/alerts/train_scorer.py``.

    Examples
    --------
    >>> import voc
    >>> from voc.alerts import RiskDetector
    >>> det = RiskDetector(signals=None)
    >>> d = voc.Dialogue([voc.Turn("客户", "第三次打电话了，还是没人处理，我要打12315投诉"),
    ...                   voc.Turn("客服", "非常抱歉，马上为您加急处理")])
    >>> r = det.assess(d)
    >>> r.level, r.categories
    ('high', ('repeated_contact', 'regulator_threat', 'complaint_threat'))
    >>> det.assess(voc.Dialogue([voc.Turn("客户", "我不会投诉的，已经解决了，谢谢")])).flags
    ()
    """

    def __init__(self, rules: Any = None, *, signals: Literal["auto"] | SignalFn | None = "auto",
                 scorer: Literal["auto"] | str | None = "auto") -> None:
        self.rules = rules
        self.signals = signals
        self.scorer = scorer
        self._lock = threading.Lock()
        self._engine: _Engine | None = None

    # -- building --------------------------------------------------------------------
    def _get_engine(self) -> _Engine:
        eng = self._engine
        if eng is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._build()
                eng = self._engine
        return eng

    def _build(self) -> _Engine:
        ruleset = compile_rules(load_rule_config(self.rules))
        if self.scorer is None:
            scorer = None
        elif self.scorer == "auto":
            scorer = TextScorer.load()
        elif isinstance(self.scorer, (str,)) or hasattr(self.scorer, "__fspath__"):
            scorer = TextScorer.load(self.scorer)
        else:
            raise ConfigError(f"scorer must be 'auto', None or a path, got {type(self.scorer).__name__}")
        signal: SignalFn | None
        batch: Callable[[list[str]], list[Signal]] | None
        if self.signals is None:
            signal = batch = None
        elif self.signals == "auto":
            steps, why = _available_models()
            if steps:
                auto = _AutoSignals(steps)
                signal, batch = auto, auto.batch
            else:
                signal = batch = None
            if why:
                warnings.warn(
                    f"voc's {' and '.join(w.split(':')[0] for w in why)} model(s) could not be loaded "
                    f"({'; '.join(why)}); the alert detector runs "
                    + ("without model signals (no negative_trend flags)" if not steps
                       else "with " + " and ".join(steps) + " only")
                    + ". Pass signals=None to silence this",
                    VocWarning, stacklevel=4,
                )
        elif callable(self.signals):
            signal = _CheckedSignals(self.signals)
            batch = None
        else:
            raise ConfigError(
                f"signals must be 'auto', None or a callable text -> (polarity, anger), got {self.signals!r:.40}"
            )
        return _Engine(ruleset, scorer, signal, batch)

    @property
    def ruleset(self) -> RuleSet:
        """The compiled rules in use (levels, settings, category weights, rules)."""
        return self._get_engine().rules

    # -- scoring ------------------------------------------------------------------------
    def assess(self, dialogue: Dialogue | Sequence[Turn]) -> RiskReport:
        """Score one dialogue.

        Parameters
        ----------
        dialogue
            A :class:`voc.Dialogue` (or a list of :class:`voc.Turn`).

        Returns
        -------
        RiskReport
            Score, level and flags; identical to feeding the turns one by one
            to :meth:`monitor`.
        """
        d = _as_dialogue(dialogue)
        return self._run_batch(self._get_engine(), [d])[0]

    def pipe(self, dialogues: Iterable[Dialogue], *, batch_size: int = 256) -> Iterator[RiskReport]:
        """Score many dialogues lazily, in order (model signals computed in batches)."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"batch_size must be an int >= 1, got {batch_size!r}")
        if isinstance(dialogues, (Dialogue, str)):
            raise InputError("pipe() expects an iterable of voc.Dialogue; for one dialogue use assess()")
        eng = self._get_engine()
        batch: list[Dialogue] = []
        for d in dialogues:
            batch.append(_as_dialogue(d))
            if len(batch) >= batch_size:
                yield from self._run_batch(eng, batch)
                batch = []
        if batch:
            yield from self._run_batch(eng, batch)

    def _run_batch(self, eng: _Engine, batch: list[Dialogue]) -> list[RiskReport]:
        # each text is folded once (rules, scorer and the model-signal filter all read the fold)
        folded = [[fold(t.text) for t in d.turns] for d in batch]
        hans = [[_han(f) if t.role == "customer" else None for t, f in zip(d.turns, fs)]
                for d, fs in zip(batch, folded)]
        sigs = self._signals_for(eng, batch, hans)
        probs: Any = [None] * len(batch)
        if eng.scorer is not None:
            probs = eng.scorer.probabilities(
                [[f for t, f in zip(d.turns, fs) if t.role == "customer"] for d, fs in zip(batch, folded)]
            )
        out = []
        for d, fs, hs, sg, p in zip(batch, folded, hans, sigs, probs):
            st = _State()
            step = eng.step
            for turn, f, h, sig in zip(d.turns, fs, hs, sg):
                step(st, turn, sig, score=False, f=f, han=h)
            out.append(eng.report(st, d.id, None if p is None else float(p)))
        return out

    @staticmethod
    def _signals_for(eng: _Engine, batch: list[Dialogue], hans: list[list[str | None]]) -> list[list[Signal | None]]:
        """Model signals of the turns that need one, ``None`` elsewhere.

        Only what can change a report is computed (the report is the same as
        with every customer turn read):

        - the trend and anger rules compare a turn with the turns before it, so
          a dialogue with fewer than two readable customer turns needs none;
        - the first readable turn only serves as the baseline of a later turn
          that is itself past the rule's threshold (polarity <= ``trend_floor``,
          anger >= ``anger_threshold``): later turns are read first, and the
          first turn's polarity (anger) only when such a turn exists. Otherwise
          it gets a 0.0 that no rule ever compares with anything.
        """
        out: list[list[Signal | None]] = [[None] * len(d.turns) for d in batch]
        if not eng.reads_signals:
            return out
        trend, angry = eng.wants_pol, eng.wants_anger
        wanted: list[tuple[int, list[int]]] = []
        for k, (d, hs) in enumerate(zip(batch, hans)):
            idx = [i for i, h in enumerate(hs) if h is not None and len(h) >= eng.min_chars]
            if len(idx) >= 2:
                wanted.append((k, idx))
        if not wanted:
            return out

        def compute(items: list[tuple[int, int]], *, polarity: bool = True, anger: bool = True) -> None:
            if items:
                got = eng.signals([batch[k].turns[i].text for k, i in items], polarity=polarity, anger=anger)
                for (k, i), sg in zip(items, got):
                    out[k][i] = sg

        compute([(k, i) for k, idx in wanted for i in idx[1:]], polarity=trend, anger=angry)
        floor, thr = eng.rules.settings["trend_floor"], eng.rules.settings["anger_threshold"]
        both: list[tuple[int, int]] = []
        pol_only: list[tuple[int, int]] = []
        anger_only: list[tuple[int, int]] = []
        for k, idx in wanted:
            later = [out[k][i] for i in idx[1:]]
            p = trend and any(float(sg[0]) <= floor for sg in later if sg is not None)
            a = angry and any(float(sg[1]) >= thr for sg in later if sg is not None)
            first = (k, idx[0])
            if p and a:
                both.append(first)
            elif p:
                pol_only.append(first)
            elif a:
                anger_only.append(first)
            else:
                out[k][idx[0]] = (0.0, 0.0)
        compute(both)
        compute(pol_only, anger=False)
        compute(anger_only, polarity=False)
        return out

    def monitor(self) -> RiskMonitor:
        """A streaming monitor: ``feed(turn, dialogue_id=...)`` returns new flags at once."""
        return RiskMonitor(self)

    # -- pickling -----------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {"rules": self.rules, "signals": self.signals, "scorer": self.scorer}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.rules = state["rules"]
        self.signals = state["signals"]
        self.scorer = state["scorer"]
        self._lock = threading.Lock()
        self._engine = None

    def __repr__(self) -> str:
        rules = "shipped" if self.rules is None else repr(self.rules)[:60]
        sig = self.signals if self.signals in (None, "auto") else "custom"
        return f"RiskDetector(rules={rules}, signals={sig!r}, scorer={self.scorer!r})"


class RiskMonitor:
    """Per-dialogue streaming state over a :class:`RiskDetector`.

    ``feed`` may be called from many threads at once for different dialogues;
    turns of one dialogue are processed in the order their ``feed`` calls take
    the dialogue's lock.

    >>> import voc
    >>> from voc.alerts import RiskDetector
    >>> mon = RiskDetector(signals=None).monitor()
    >>> mon.feed(voc.Turn("客户", "你好，请问运费怎么算"), dialogue_id="d1")
    []
    >>> mon.feed(voc.Turn("客户", "再不退款我就去法院起诉你们"), dialogue_id="d1")
    [RiskFlag(refund_dispute @turn 1: '再不退款' [refund.refused]), RiskFlag(legal_threat @turn 1: '法院' [legal.action])]
    >>> mon.report("d1").level
    'high'
    """

    def __init__(self, detector: RiskDetector) -> None:
        self.detector = detector
        self._states: dict[Any, _State] = {}
        self._lock = threading.Lock()

    def _state(self, dialogue_id: Any, create: bool) -> _State | None:
        try:
            st = self._states.get(dialogue_id)
        except TypeError:  # a list, a dict: no key
            raise InputError(f"dialogue_id must be hashable (a str or an int), got {type(dialogue_id).__name__}") from None
        if st is None and create:
            with self._lock:
                st = self._states.get(dialogue_id)
                if st is None:
                    st = _State()
                    self._states[dialogue_id] = st
        return st

    def feed(self, turn: Turn, *, dialogue_id: Any = None) -> list[RiskFlag]:
        """Add the next turn of dialogue ``dialogue_id``; return the flags it raised."""
        if not isinstance(turn, Turn):
            raise InputError(
                f"feed() expects a voc.Turn, got {type(turn).__name__}; build it with voc.Turn(role, text, ts)"
            )
        eng = self.detector._get_engine()
        f = fold(turn.text)
        han = _han(f) if turn.role == "customer" else None
        st = self._state(dialogue_id, True)
        assert st is not None
        sig: Any = None
        if eng.reads_signals and han is not None and len(han) >= eng.min_chars:
            # Read outside the dialogue's lock, and only what a rule can still use (each fires
            # once). The first turn read only serves as a baseline: its anger (emotion model)
            # waits until a later turn reaches the anger threshold, which few do. st.anger and
            # st.fired only grow: a stale look reads too much, never too little, except a
            # "first" turn that is not, which _customer completes.
            later = eng.partial and not st.anger
            pol = eng.wants_pol and eng.trend_id not in st.fired
            ang = eng.wants_anger and eng.anger_id not in st.fired and not later
            if pol or ang or not eng.partial:
                sig = eng.signals([turn.text], polarity=pol, anger=ang)[0]
            else:
                sig = (0.0, 0.0)  # both rules fired (or are off): nothing left to read
            if later:
                sig = (sig[0], None)
        with st.lock:
            return eng.step(st, turn, sig, f=f, han=han)

    def report(self, dialogue_id: Any = None) -> RiskReport:
        """The risk of dialogue ``dialogue_id`` so far (level ``"none"`` if it is unknown)."""
        eng = self.detector._get_engine()
        st = self._state(dialogue_id, False)
        if st is None:
            return eng.report(_State(), dialogue_id)
        with st.lock:
            return eng.report(st, dialogue_id)

    def close(self, dialogue_id: Any = None) -> RiskReport:
        """Final report of a dialogue, and forget its state (frees memory)."""
        rep = self.report(dialogue_id)
        with self._lock:
            self._states.pop(dialogue_id, None)
        return rep

    @property
    def dialogue_ids(self) -> list[Any]:
        """Dialogues with state held, in the order they started."""
        with self._lock:
            return list(self._states)

    def __len__(self) -> int:
        return len(self._states)

    # pickling is a checkpoint (a service restarting, a stream moving to another worker): the
    # detector and every open dialogue's state, taken under the lock; the locks are made anew
    def __getstate__(self) -> dict[str, Any]:
        with self._lock:
            return {"detector": self.detector, "states": dict(self._states)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.detector = state["detector"]
        self._states = state["states"]
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RiskMonitor(dialogues={len(self._states)})"


def _as_dialogue(d: Any) -> Dialogue:
    if isinstance(d, Dialogue):
        return d
    if isinstance(d, (list, tuple)) and all(isinstance(t, Turn) for t in d):
        return Dialogue(tuple(d))
    raise InputError(
        f"expected a voc.Dialogue (or a list of voc.Turn), got {type(d).__name__}; "
        "build one with voc.Dialogue([voc.Turn('customer', text), ...]) or load a frame "
        "with voc.alerts.dialogues_from_frame"
    )


class _CheckedSignals:
    """A user's ``signals`` callable, its answers checked: text → (polarity, anger), two numbers."""

    def __init__(self, fn: Callable[[str], Any]) -> None:
        self.fn = fn

    def __call__(self, text: str) -> Signal:
        got = self.fn(text)
        try:
            pol, ang = got
            return float(pol), float(ang)
        except (TypeError, ValueError):
            raise ConfigError(f"the signals callable must return (polarity, anger), two numbers; "
                              f"it returned {got!r:.60} for {text!r:.30}") from None
