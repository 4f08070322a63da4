"""Reading user dictionaries in jieba's format: ``word [freq] [pos]`` per line.

One parser serves the shipped domain dictionary, user files and in-memory word
lists, so every malformed entry fails the same way: a :class:`ConfigError`
naming the file (or list item) and the 1-based line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple, Union

from ..errors import ConfigError

__all__ = ["Entry", "UserWords", "parse_line", "read_dict_file", "read_user_words"]

UserWords = Union[str, "os.PathLike[str]", Iterable[Union[str, tuple]]]

_POS = re.compile(r"[A-Za-z]{1,8}")
_WS = re.compile(r"\s")


class Entry(NamedTuple):
    """One dictionary entry; ``freq``/``pos`` are ``None`` when not given."""

    word: str
    freq: int | None
    pos: str | None


def _check(word: Any, freq: Any, pos: Any, where: str, path: str | None, line: int | None) -> Entry:
    def fail(msg: str) -> ConfigError:
        return ConfigError(f"{where}: {msg}", path=path, line=line)

    if not isinstance(word, str) or not word:
        raise fail(f"expected a non-empty word, got {word!r}")
    if _WS.search(word):
        raise fail(f"a word cannot contain whitespace, got {word!r}; the segmenter never "
                   "joins text across spaces, so such a word could never match")
    if freq is not None:
        if isinstance(freq, bool) or not isinstance(freq, int) or not 1 <= freq < 2**31:
            raise fail(f"frequency must be a positive integer below 2**31, got {freq!r}; "
                       "omit it to let the segmenter pick one that makes the word win")
    if pos is not None and (not isinstance(pos, str) or not _POS.fullmatch(pos)):
        raise fail(f"POS tag must be 1-8 ASCII letters such as 'n' or 'vn', got {pos!r}")
    return Entry(word, freq, pos)


def parse_line(text: str, *, path: str | None = None, line: int | None = None,
               where: str = "dictionary line") -> Entry:
    """Parse ``word [freq] [pos]`` (jieba's user-dictionary format).

    >>> parse_line("性价比 2000 n")
    Entry(word='性价比', freq=2000, pos='n')
    >>> parse_line("转人工 v")
    Entry(word='转人工', freq=None, pos='v')
    """
    parts = text.split()
    if not parts or len(parts) > 3:
        raise ConfigError(
            f"{where}: expected 'word [freq] [pos]' (1 to 3 fields separated by spaces), "
            f"got {text!r}", path=path, line=line)
    word, freq, pos = parts[0], None, None
    rest = parts[1:]
    if rest and rest[0].isdigit():
        freq = int(rest.pop(0))
    elif rest and rest[0].lstrip("+-").isdigit():
        freq = int(rest.pop(0))  # negative/signed: rejected by _check with a clear message
    if rest:
        pos = rest.pop(0)
    if rest:
        raise ConfigError(
            f"{where}: expected 'word [freq] [pos]' with freq an integer, got {text!r}",
            path=path, line=line)
    return _check(word, freq, pos, where, path, line)


def read_dict_file(path: str | os.PathLike[str]) -> list[Entry]:
    """Read a jieba-format dictionary file (UTF-8, ``#`` comments and blank lines skipped)."""
    p = Path(path)
    name = str(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError("user dictionary file not found; pass an existing path or a list "
                          "of words", path=name) from None
    except OSError as err:
        raise ConfigError(f"cannot read user dictionary ({err.strerror})", path=name) from err
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    entries: list[Entry] = []
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("line is not valid UTF-8; save the dictionary as UTF-8",
                              path=name, line=lineno) from None
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        entries.append(parse_line(text, path=name, line=lineno))
    return entries


def read_user_words(source: UserWords | None) -> list[Entry]:
    """Entries from a path, or from an iterable of lines / ``(word, freq, pos)`` tuples.

    >>> read_user_words(["好评率 n", ("转人工", 500, "v"), ("七天无理由",)])
    [Entry(word='好评率', freq=None, pos='n'), Entry(word='转人工', freq=500, pos='v'), Entry(word='七天无理由', freq=None, pos=None)]
    """
    if source is None:
        return []
    if isinstance(source, (str, os.PathLike)):
        return read_dict_file(source)
    if isinstance(source, (bytes, bytearray)) or not isinstance(source, Iterable):
        raise ConfigError(
            f"user_words must be a path or an iterable of words, got {type(source).__name__}")
    entries = []
    for i, item in enumerate(source):
        where = f"user_words[{i}]"
        if isinstance(item, str):
            entries.append(parse_line(item, where=where))
        elif isinstance(item, tuple) and 1 <= len(item) <= 3:
            word, freq, pos = (tuple(item) + (None, None))[:3]
            entries.append(_check(word, freq, pos, where, None, None))
        else:
            raise ConfigError(
                f"{where}: expected 'word [freq] [pos]' or a (word, freq, pos) tuple, "
                f"got {item!r:.60}")
    return entries
