"""Find the models and tables voc ships.

Shipped artefacts live in ``models/`` of the repository. The wheel carries
them as ``voc/_models`` (force-included by ``pyproject.toml``). Lookup order:

1. ``$VOC_MODEL_DIR`` when set (lets a user point at their own copies),
2. ``voc/_models`` inside the installed package,
3. ``models/`` beside the ``voc`` package in a checkout (also an editable install).

A miss raises :class:`~voc.errors.ModelNotFoundError` listing every place tried.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ModelNotFoundError

__all__ = ["model_dirs", "model_path"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def model_dirs() -> list[Path]:
    """The folders searched for shipped models, in order."""
    dirs: list[Path] = []
    env = os.environ.get("VOC_MODEL_DIR")
    if env:
        dirs.append(Path(env))
    dirs.append(_PACKAGE_DIR / "_models")
    dirs.append(_PACKAGE_DIR.parent / "models")
    return dirs


def model_path(*parts: str) -> Path:
    """Path of a shipped file or folder, e.g. ``model_path("segment", "voc_dict.txt")``.

    >>> model_path("segment").name
    'segment'
    """
    tried = []
    for base in model_dirs():
        p = base.joinpath(*parts)
        if p.exists():
            return p
        tried.append(str(p))
    raise ModelNotFoundError(
        f"voc could not find shipped model file {'/'.join(parts)!r}; looked in: "
        + ", ".join(tried)
        + ". Reinstall voc (pip install --force-reinstall voc) or set VOC_MODEL_DIR "
        "to a folder that holds it."
    )
