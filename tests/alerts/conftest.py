"""Fixtures for the alert tests: detectors without the sentiment models (fast, deterministic)."""

from __future__ import annotations

import pytest

from voc import Dialogue, Turn
from voc.alerts import RiskDetector


@pytest.fixture(scope="session")
def rules_only() -> RiskDetector:
    """Rules alone: no text scorer, no model signals (score == severity)."""
    det = RiskDetector(signals=None, scorer=None)
    det.ruleset  # compile once for the session
    return det


@pytest.fixture(scope="session")
def detector() -> RiskDetector:
    """Rules + the shipped text scorer, no sentiment/emotion signals."""
    det = RiskDetector(signals=None)
    det.ruleset
    return det


def dialogue(*turns: tuple, id: object = None) -> Dialogue:
    """``dialogue(("客户", "text"), ("客服", "text", ts), ...)``."""
    return Dialogue(tuple(Turn(*t) for t in turns), id=id)
