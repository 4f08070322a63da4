"""Saving and loading model artefacts without pickle.

A saved model is a folder with ``meta.json`` (format name and version, voc
version, parameters, label names, anything JSON can hold) and ``arrays.npz``
(numpy arrays, loaded with ``allow_pickle=False``), so loading a model file
never runs code. A folder written by another format version is refused with
:class:`~voc.errors.ModelLoadError` saying which version it is and what to do.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelLoadError, ModelNotFoundError

__all__ = ["load_artifact", "save_artifact"]


def save_artifact(path: str | os.PathLike[str], *, kind: str, version: int,
                  meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Path:
    """Write ``meta`` and ``arrays`` to folder ``path`` (created; files replaced atomically)."""
    from . import __version__

    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    header = {"format": kind, "format_version": version, "voc_version": __version__, **meta}
    _atomic_write(folder / "meta.json", json.dumps(header, ensure_ascii=False, indent=1).encode("utf-8"))
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".npz")
    os.close(fd)
    try:
        np.savez_compressed(tmp, **arrays)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; shipped models must be readable by everyone
        os.replace(tmp, folder / "arrays.npz")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return folder


def load_artifact(path: str | os.PathLike[str], *, kind: str,
                  version: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a folder written by :func:`save_artifact`, checking its kind and version."""
    folder = Path(path)
    meta_file = folder / "meta.json"
    if not meta_file.exists():
        raise ModelNotFoundError(
            f"no voc model at {folder} (missing meta.json); pass the folder that save() wrote"
        )
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelLoadError(f"{meta_file} is not valid JSON ({err}); the model folder is corrupt") from err
    if meta.get("format") != kind:
        raise ModelLoadError(
            f"{folder} holds a {meta.get('format')!r} model, not a {kind!r} one; "
            "load it with the matching class"
        )
    found = meta.get("format_version")
    if found != version:
        newer = isinstance(found, int) and found > version
        raise ModelLoadError(
            f"{folder} was saved in {kind} format version {found} by voc {meta.get('voc_version')}, "
            f"but this voc reads version {version}; "
            + ("upgrade voc to load it" if newer else "retrain the model with this voc (fit, then save)")
        )
    arrays: dict[str, np.ndarray] = {}
    npz = folder / "arrays.npz"
    if npz.exists():
        try:
            with np.load(npz, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError) as err:
            raise ModelLoadError(f"{npz} could not be read ({err}); the model folder is corrupt") from err
    return meta, arrays


def _atomic_write(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
