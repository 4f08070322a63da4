"""Shared fixtures: the shipped default components, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


def data_path(*parts: str) -> Path:
    """Path under ../shared/data, skipping the test when the data is absent (a user's machine)."""
    p = DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"needs {p} (the project's shared data), absent here")
    return p


@pytest.fixture(scope="session")
def pipeline():
    import voc

    p = voc.Pipeline()
    for step in p.steps:
        p.get(step)
    return p
