"""Anchor level-1 topics to a taxonomy's level 1 (voc's default: DESIGN's list).

Each taxonomy level-1 category gets a vector: the mean word vector of the
words of its aspect groups (names, aspect terms, implicit phrases). Each
level-1 topic gets the mean vector of its keywords (weighted by rank). A
topic takes the category it is most similar to, or 其他 when nothing is close
(cosine below ``min_similarity``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .._resources import model_path
from ..errors import ConfigError

__all__ = ["Anchor"]


class Anchor:
    """Category vectors of a taxonomy file in voc's format (``models/opinions/taxonomy.json``)."""

    def __init__(self, source: bool | str | Path, analyzer: Any, wordvecs: Any, *,
                 min_similarity: float = 0.25) -> None:
        path = model_path("opinions", "taxonomy.json") if source is True else Path(str(source))
        try:
            tax = json.loads(Path(path).read_text(encoding="utf-8"))
            nodes = tax["nodes"]
            if not isinstance(nodes, dict):
                raise TypeError("nodes is not an object")
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ConfigError(f"anchor taxonomy could not be read ({err}); expected voc's taxonomy JSON "
                              "with a 'nodes' object of level-1 → level-2 → {aspects, implicit}",
                              path=str(path)) from err
        self.names: list[str] = []
        vecs = []
        for name, groups in nodes.items():
            terms = [name]
            for g, body in (groups or {}).items():
                terms.append(g)
                if isinstance(body, dict):
                    terms += list(body.get("aspects", [])) + list(body.get("implicit", []))
            words, _ = analyzer.analyze(terms)
            vs = [v for ws in words for w in ws if (v := wordvecs.vector(w)) is not None]
            if not vs:
                continue
            v = np.mean(vs, axis=0)
            self.names.append(name)
            vecs.append(v / (np.linalg.norm(v) + 1e-12))
        self.matrix = np.asarray(vecs, dtype=np.float32)
        self.wordvecs = wordvecs
        self.min_similarity = min_similarity

    def category(self, keywords: list[str], fallback: str) -> str:
        """The taxonomy category closest to these keywords (best first), or ``fallback``."""
        vs, ws = [], []
        for r, k in enumerate(keywords):
            v = self.wordvecs.vector(k)
            if v is not None:
                vs.append(v)
                ws.append(1.0 / (r + 1))
        if not vs or not len(self.matrix):
            return fallback
        v = np.average(np.asarray(vs), axis=0, weights=ws)
        sims = self.matrix @ (v / (np.linalg.norm(v) + 1e-12))
        j = int(np.argmax(sims))
        return self.names[j] if sims[j] >= self.min_similarity else fallback
