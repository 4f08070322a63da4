"""Saving and loading model artefacts without pickle.

A saved model is a folder with ``meta.json`` (format name and version, voc
version, parameters, label names, anything JSON can hold) and ``arrays.npz``
(numpy arrays, loaded with ``allow_pickle=False``), so loading a model file
never runs code. A folder written by another format version is refused with
:class:`~voc.errors.ModelLoadError` saying which version it is and what to do;
so is a damaged folder (a truncated or missing ``arrays.npz``, a ``meta.json``
that is not a header object, missing entries, parameters this voc does not know).
"""

from __future__ import annotations

import inspect
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from .errors import ConfigError, ModelLoadError, ModelNotFoundError

__all__ = ["build", "load_artifact", "save_artifact", "unpacking"]

T = TypeVar("T")
#: What reading a damaged ``arrays.npz`` raises (a truncated zip, a bad CRC, a cut deflate stream,
#: a bare .npy where the archive belongs).
_NPZ_ERRORS = (OSError, ValueError, TypeError, EOFError, KeyError, zipfile.BadZipFile, zlib.error)


def model_folder(path: Any) -> Path:
    """``path`` as a :class:`~pathlib.Path`, or :class:`~voc.errors.ConfigError` when it is no path.

    >>> model_folder("models/mine").name
    'mine'
    """
    if isinstance(path, (str, os.PathLike)) and str(path):
        return Path(path)
    raise ConfigError(f"a model folder path must be a str or os.PathLike, got {type(path).__name__} ({path!r:.40})")


def save_artifact(path: str | os.PathLike[str], *, kind: str, version: int,
                  meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Path:
    """Write ``meta`` and ``arrays`` to folder ``path`` (created; files replaced atomically)."""
    from . import __version__

    folder = model_folder(path)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} is a file; save() writes a folder (meta.json and arrays.npz): "
                          "pass a folder path")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(f"cannot create the model folder {folder} ({err}); pass a writable folder path") from err
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
    folder = model_folder(path)
    meta_file = folder / "meta.json"
    if not meta_file.exists():
        raise ModelNotFoundError(
            f"no voc model at {folder} (missing meta.json); pass the folder that save() wrote"
        )
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelLoadError(f"{meta_file} is not valid JSON ({err}); the model folder is corrupt") from err
    if not isinstance(meta, dict):
        raise ModelLoadError(f"{meta_file} holds a JSON {type(meta).__name__}, not a model header object; "
                             "the model folder is damaged: copy it again, or retrain and save the model")
    if meta.get("format") != kind:
        raise ModelLoadError(
            f"{folder} holds a {meta.get('format')!r} model, not a {kind!r} one; "
            "load it with the matching class"
        )
    found = meta.get("format_version")
    if found != version:
        newer = isinstance(found, int) and found > version
        raise ModelLoadError(
            f"{folder} was saved in {kind} format version {found!r} by voc {meta.get('voc_version')}, "
            f"but this voc reads version {version}; "
            + ("upgrade voc to load it" if newer else "retrain the model with this voc (fit, then save)")
        )
    npz = folder / "arrays.npz"
    if not npz.exists():  # save_artifact always writes one
        raise ModelLoadError(f"{npz} is missing; the model folder is incomplete: copy it again, "
                             "or retrain and save the model")
    try:  # our own handle: np.load leaks its own when the zip is damaged
        with open(npz, "rb") as fh, np.load(fh, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except _NPZ_ERRORS as err:
        raise ModelLoadError(f"{npz} could not be read ({type(err).__name__}: {err}); the file is damaged "
                             "(a cut copy?): copy the folder again, or retrain and save the model") from err
    return meta, arrays


@contextmanager
def unpacking(folder: str | os.PathLike[str], what: str) -> Iterator[None]:
    """Turn a missing or ill-typed entry met while rebuilding a model from ``meta``/``arrays``
    into a :class:`ModelLoadError` naming the folder (``what``: "sentiment model", …)."""
    try:
        yield
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as err:
        raise ModelLoadError(f"{folder} is not a complete voc {what} ({type(err).__name__}: {err}); the folder "
                             "is damaged or was written by another voc: re-save it with this voc, "
                             "or retrain it") from err


def build(cls: type[T], meta: Mapping[str, Any], folder: str | os.PathLike[str]) -> T:
    """``cls(**meta["params"])``; a parameter ``cls`` does not take is a :class:`ModelLoadError`
    naming it and the voc that saved the folder."""
    params = meta.get("params")
    if not isinstance(params, Mapping):
        raise ModelLoadError(f"{folder}/meta.json has no 'params' object (got {type(params).__name__}); "
                             "the model folder is damaged: retrain and save the model")
    sig = inspect.signature(cls)
    if not any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        unknown = sorted(set(params) - set(sig.parameters))
        if unknown:
            from . import __version__

            raise ModelLoadError(
                f"{folder} was saved with parameters {unknown} that {cls.__name__} of voc {__version__} does "
                f"not take (meta.json says voc {meta.get('voc_version')} wrote it); load it with the voc that "
                "wrote it, or retrain and save it with this one")
    with unpacking(folder, f"{cls.__name__} model"):
        return cls(**params)


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
