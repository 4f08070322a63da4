"""The exceptions voc raises.

::

    VocError(Exception)
    ├── InputError(VocError, ValueError)        wrong type, empty column, undecodable bytes, text too long
    ├── ConfigError(VocError, ValueError)       bad option or rule/dictionary file (with file and line)
    ├── NotFittedError(VocError, ValueError, AttributeError)
    ├── ModelNotFoundError(VocError, FileNotFoundError)
    └── ModelLoadError(VocError)                corrupt or incompatible artefact

Every error also subclasses the builtin a caller would already catch
(``ValueError``, ``FileNotFoundError``), so ``except ValueError`` keeps working.
Messages say what was expected, what came, and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "InputError",
    "ModelLoadError",
    "ModelNotFoundError",
    "NotFittedError",
    "VocError",
    "VocWarning",
]


class VocError(Exception):
    """Base class of every error raised by voc."""


class InputError(VocError, ValueError):
    """The input is not what the function accepts (type, encoding, size, missing column)."""


class ConfigError(VocError, ValueError):
    """An option, rule file or dictionary file is invalid.

    ``path`` and ``line`` (1-based) are set when the problem is in a file.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)
        self.path = path
        self.line = line

    def __reduce__(self):  # keep path/line through pickling (multiprocessing)
        return (_rebuild_config_error, (self.args[0], self.path, self.line))


def _rebuild_config_error(text: str, path: str | None, line: int | None) -> ConfigError:
    err = ConfigError.__new__(ConfigError)
    VocError.__init__(err, text)
    err.path, err.line = path, line
    return err


class NotFittedError(VocError, ValueError, AttributeError):
    """A model was used before ``fit`` or ``load``."""


class ModelNotFoundError(VocError, FileNotFoundError):
    """A shipped or saved model could not be found; the message lists where voc looked."""


class ModelLoadError(VocError):
    """A model file is corrupt or was written by an incompatible version of voc."""


class VocWarning(UserWarning):
    """Warnings from voc (rows that failed in a batch, degraded fallbacks)."""
