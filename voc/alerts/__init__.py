"""Dialogue risk alerts and metric alerts (预警).

- :class:`RiskDetector` scores a customer-service dialogue for risk: rule hits
  (keywords/regex with negation guards, role, turn order, response gaps,
  repeated contact) plus model signals (customer sentiment trend, anger) and a
  fitted text scorer, into one score in [0, 1] with a level and the turn and
  evidence behind every flag. ``detector.monitor()`` does the same as turns
  stream in.
- :func:`assess_frame` scores a dump of dialogues (one row per turn).
- :func:`detect_spikes` flags groups whose negative share or mention rate jumps
  against their own baseline; :func:`feedback_alerts` turns low scores (NPS,
  CSAT, stars) into alert tickets with the opinions that explain them.

>>> import voc
>>> from voc.alerts import RiskDetector
>>> det = RiskDetector(signals=None)
>>> det.assess(voc.Dialogue([voc.Turn("customer", "你们再不处理我就找媒体曝光")])).level
'high'
"""

from __future__ import annotations

from ._detector import RiskDetector, RiskFlag, RiskMonitor, RiskReport
from ._rules import CATEGORIES
from .io import assess_frame, dialogues_from_frame, dialogues_from_jsonl, load_dialogues
from .metrics import detect_spikes, feedback_alerts

__all__ = [
    "CATEGORIES",
    "RiskDetector",
    "RiskFlag",
    "RiskMonitor",
    "RiskReport",
    "assess_frame",
    "detect_spikes",
    "dialogues_from_frame",
    "dialogues_from_jsonl",
    "feedback_alerts",
    "load_dialogues",
]
