"""Topics: a labelled three-level tree of what customers ask and complain about.

>>> from voc.topics import TopicTree
>>> tree = TopicTree(levels=2, min_size=2).fit(["物流太慢", "快递太慢了", "屏幕有划痕", "屏幕划痕很多"] * 4)
>>> sum(n.size for n in tree.nodes_ if n.level == 1)
16
"""

from __future__ import annotations

from ._tree import OTHER_LABEL, TopicNode, TopicTree
from ._vectors import WordVectors, default_vectors

__all__ = ["OTHER_LABEL", "TopicNode", "TopicTree", "WordVectors", "default_vectors"]
