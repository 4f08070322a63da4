"""TopicTree: a labelled, frequency-ranked topic hierarchy of customer texts."""

from __future__ import annotations

import logging
import math
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .._input import as_text, as_texts, is_missing
from .._types import Document, Opinion
from ..errors import ConfigError, InputError, NotFittedError, VocWarning
from ._features import Featurizer, LocalEncoder, _l2
from ._labels import (GENERIC_WORDS, PhraseTable, attach, clause_strings, compose, opposed, opposites, phrases_of,
                      says)
from ._text import Analyzer

__all__ = ["OTHER_LABEL", "TopicNode", "TopicTree"]

logger = logging.getLogger(__name__)

OTHER_LABEL = "其他"
_KIND = "voc.topics.TopicTree"
_VERSION = 1
_POLARITIES = ("negative", "neutral", "positive")


@dataclass(frozen=True, slots=True)
class TopicNode:
    """One node of a :class:`TopicTree`.

    ``share`` is ``size`` over all texts the tree has seen; ``sentiment`` maps
    negative / neutral / positive to their share of the node's texts (empty
    when no sentiment was given to ``fit``); ``examples`` are the texts
    nearest the node's centre. ``is_other`` marks the explicit 其他 nodes
    that hold texts with no topic words. ``category`` is the anchored
    taxonomy level-1 name (``anchor=True``), shared by a level-1 node's
    descendants; ``""`` when the tree is not anchored.
    """

    id: int
    level: int
    parent: int | None
    label: str
    keywords: tuple[str, ...]
    size: int
    share: float
    examples: tuple[str, ...] = ()
    sentiment: Mapping[str, float] = field(default_factory=dict)
    children: tuple[int, ...] = ()
    is_other: bool = False
    category: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sentiment", MappingProxyType(dict(self.sentiment)))

    def __reduce__(self):
        return (_rebuild_node, (self.to_dict(),))

    def __hash__(self) -> int:
        return hash((self.id, self.level, self.label, self.size))

    def to_dict(self) -> dict[str, Any]:
        d = {f: getattr(self, f) for f in self.__dataclass_fields__}
        d["sentiment"] = dict(self.sentiment)
        d["keywords"] = list(self.keywords)
        d["examples"] = list(self.examples)
        d["children"] = list(self.children)
        return d

    def __repr__(self) -> str:
        return (f"TopicNode({self.id}, L{self.level}, {self.label!r}, size={self.size}, "
                f"share={self.share:.1%})")


def _rebuild_node(d: dict[str, Any]) -> TopicNode:
    return TopicNode(**{**d, "keywords": tuple(d["keywords"]), "examples": tuple(d["examples"]),
                        "children": tuple(d["children"])})


class _Split:
    """Mutable node record used while fitting (turned into TopicNode at the end)."""

    __slots__ = ("members", "level", "parent", "children", "centroid", "center", "other", "id", "aliases",
                 "phrase")

    def __init__(self, members: np.ndarray, level: int, parent: _Split | None, *, other: bool = False) -> None:
        self.members = members
        self.level = level
        self.parent = parent
        self.children: list[_Split] = []
        self.centroid: np.ndarray | None = None   # in the parent's residual space
        self.center: np.ndarray | None = None     # mean removed before splitting this node
        self.other = other
        self.id = -1
        self.aliases: list[np.ndarray] = []    # more centroids of a merged catch-all (same space)
        self.phrase = ""                       # the key phrase this group was built around (its label)


def _per_level(value: Any, levels: int, name: str, cast: type) -> list[Any]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [cast(value)] * levels
    try:
        vals = [cast(v) for v in value]
    except (TypeError, ValueError):
        raise ConfigError(f"TopicTree option {name} must be a number or one number per level, got {value!r}") from None
    if not vals:
        raise ConfigError(f"TopicTree option {name} is empty; give one number per level")
    return (vals + [vals[-1]] * levels)[:levels]


class TopicTree:
    """Cluster texts into a labelled topic hierarchy ranked by frequency.

    Level 1 are broad themes, deeper levels split each theme into the groups
    its own texts form. The number of nodes adapts to the data: every split
    tries 2 … ``max_children`` groups and keeps the fewest whose groups are
    (nearly) best separated (silhouette on a sample), and does not split a
    node whose texts form no separated groups. Level 1 is clustered
    spectrally on a k-nearest-neighbour graph of a sample (broad themes are
    rarely round blobs); deeper levels are built around the key phrases
    their texts share (``split="phrases"``: 物流快, 修改收货地址, 什么时候发货,
    each group named by its phrase), with k-means where a node's texts share
    fewer than two such phrases; every text then goes to
    its nearest group centre, in ``fit`` as in ``transform``. Texts with no topic words go to an
    explicit 其他 node at every level, so ``sum(size)`` per level is always
    the number of texts. Below level 1, groups none of whose topic words is
    shared by 12% of their texts (short chat lines with no common
    subject) are merged into one catch-all per split, which keeps the
    centroids it was merged from (texts route as before); catch-alls are
    labelled as such ("<parent>·其他", or 其他话题 for a scattered level-1
    theme) rather than with a word a few of their texts use. A level-1 theme
    whose own phrases each cover a minority while one child holds 40% of its
    texts is named after that child first ("相信京东、洗发水").

    Parameters
    ----------
    levels
        Depth of the tree (1 or more); ``paths_`` has one id per level.
    max_children
        Most children per split, one number or one per level.
    min_share
        Smallest node, as a share of all texts, one number or one per level;
        smaller groups are merged into their nearest sibling.
    min_size
        Smallest node in texts (whatever ``min_share`` says).
    n_keywords, n_examples
        How many keywords and central examples each node keeps.
    encoder
        Path of a local sentence-transformers or transformers checkpoint whose
        embeddings join voc's own features (never downloaded); ``None`` uses
        voc's TF-IDF + shipped word vectors only.
    weights
        Weight of each view in the joined vector: ``{"vectors": 1.0, "lsa": 1.0, "encoder": 1.0}``.
    anchor
        ``True``: name each level-1 node after the closest level-1 category of
        voc's default taxonomy (产品质量, 物流配送, 客服服务 …; stored in
        ``TopicNode.category``, and the label becomes ``"物流配送"`` or, when
        two nodes share a category, ``"物流配送·<phrase>"``); a path: the same
        with your taxonomy file in voc's taxonomy format; ``False``: data-driven
        labels only.
    refine
        ``True`` (default): cluster level 1 twice. The first pass shows which
        words every theme uses (快递, 京东, 客服 in product reviews) and which
        tell themes apart (屏幕, 洗发水, 裤子); words are then weighted by how
        concentrated they are in few first-pass groups (one minus the
        normalised entropy, at least 0.3) and the tree is built on the
        reweighted vectors, so a review that names its product beside the
        delivery joins the product's theme. ``False``: one pass (faster).
    split
        How nodes below level 1 are split. ``"phrases"`` (default): around
        the key phrases their texts share (修改收货地址, 什么时候发货, 屏幕有划痕),
        picked greedily by how many not yet covered texts say them; each
        group's centre is the mean of the texts that say its phrase, every
        text goes to its nearest centre (so ``transform`` routes as ``fit``
        did), and the group is named by the phrase its central texts say
        most (usually the one it was built around). A node whose texts share
        fewer than two such phrases is split by k-means. ``"kmeans"``:
        k-means everywhere (groups named afterwards).
    random_state
        Seed for sampling and k-means.

    Attributes
    ----------
    nodes_ : list[TopicNode]
        Every node, level by level, largest first among siblings.
    paths_ : list[tuple[int, ...]]
        For each text seen by ``fit``/``partial_fit``, its node id at each level.

    Examples
    --------
    >>> texts = ["物流太慢了", "快递三天才到", "物流很快", "屏幕有划痕", "屏幕碎了", "屏幕划痕明显"] * 5
    >>> tree = TopicTree(levels=2, min_size=2).fit(texts)
    >>> len(tree.paths_) == len(texts)
    True
    >>> tree.paths_[0][0] != tree.paths_[3][0]
    True
    """

    def __init__(self, *, levels: int = 3, max_children: int | Sequence[int] = (12, 8, 6),
                 min_share: float | Sequence[float] = (0.01, 0.003, 0.001), min_size: int = 3,
                 n_keywords: int = 10, n_examples: int = 3, encoder: str | None = None,
                 weights: Mapping[str, float] | None = None, anchor: bool | str = False,
                 refine: bool = True, split: str = "phrases", random_state: int = 0) -> None:
        self.levels = levels
        self.max_children = max_children
        self.min_share = min_share
        self.min_size = min_size
        self.n_keywords = n_keywords
        self.n_examples = n_examples
        self.encoder = encoder
        self.weights = weights
        self.anchor = anchor
        self.refine = refine
        self.split = split
        self.random_state = random_state
        self._lock = threading.Lock()

    # -- scikit-learn style parameters ----------------------------------------
    _PARAMS = ("levels", "max_children", "min_share", "min_size", "n_keywords", "n_examples",
               "encoder", "weights", "anchor", "refine", "split", "random_state")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments, as a dict."""
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params: Any) -> TopicTree:
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ConfigError(f"TopicTree has no parameter {k!r}; valid: {', '.join(self._PARAMS)}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        fitted = f", {len(self.nodes_)} nodes" if hasattr(self, "nodes_") else ""
        return f"TopicTree(levels={self.levels}{fitted})"

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_lock", None)
        state.pop("_encoder_obj", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # -- validation ------------------------------------------------------------
    def _check_params(self) -> None:
        if not isinstance(self.anchor, (bool, str, Path)):
            raise ConfigError(f"TopicTree anchor must be True, False or a taxonomy file path, got {self.anchor!r}")
        if isinstance(self.levels, bool) or not isinstance(self.levels, int) or self.levels < 1:
            raise ConfigError(f"TopicTree levels must be an int >= 1, got {self.levels!r}")
        for k in _per_level(self.max_children, self.levels, "max_children", int):
            if k < 1:
                raise ConfigError(f"TopicTree max_children must be >= 1, got {self.max_children!r}")
        for s in _per_level(self.min_share, self.levels, "min_share", float):
            if not 0 <= s < 1:
                raise ConfigError(f"TopicTree min_share must be in [0, 1), got {self.min_share!r}")
        if not isinstance(self.refine, bool):
            raise ConfigError(f"TopicTree refine must be True or False, got {self.refine!r}")
        if self.split not in ("phrases", "kmeans"):
            raise ConfigError(f"TopicTree split must be 'phrases' or 'kmeans', got {self.split!r}")
        for name in ("min_size", "n_keywords", "n_examples"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ConfigError(f"TopicTree {name} must be an int >= 0, got {v!r}")
        if self.weights is not None and not isinstance(self.weights, Mapping):
            raise ConfigError(f"TopicTree weights must be a dict like {{'vectors': 1.0, 'lsa': 0.5}}, got {self.weights!r}")

    def _check_fitted(self) -> None:
        if not hasattr(self, "nodes_"):
            raise NotFittedError("this TopicTree is not fitted yet; call fit(texts) or TopicTree.load(path) first")

    @staticmethod
    def _texts(texts: Any) -> list[str]:
        return [_as_topic_text(t, i) for i, t in enumerate(as_texts(texts))]

    @staticmethod
    def _texts_and_sentiment(texts: Any) -> tuple[list[str], list[Any] | None]:
        """Texts, plus the polarity carried by Documents / Opinions (None when none carry one)."""
        items = list(as_texts(texts))
        out = [_as_topic_text(t, i) for i, t in enumerate(items)]
        senti: list[Any] = []
        found = False
        for t in items:
            if isinstance(t, Document) and t.sentiment is not None:
                senti.append(t.sentiment.label)
                found = True
            elif isinstance(t, Opinion):
                senti.append(t.polarity)
                found = True
            else:
                senti.append(None)
        return out, (senti if found else None)

    def _analyzer(self) -> Analyzer:
        a = self.__dict__.get("_analyzer_obj")
        if a is None:
            a = self._analyzer_obj = Analyzer()
        return a

    def _encoder(self) -> LocalEncoder | None:
        if self.encoder is None:
            return None
        enc = self.__dict__.get("_encoder_obj")
        if enc is None:
            with self._lock:
                enc = self.__dict__.get("_encoder_obj")
                if enc is None:
                    enc = self._encoder_obj = LocalEncoder(self.encoder)
        return enc

    def _encode(self, texts: list[str]) -> np.ndarray | None:
        enc = self._encoder()
        if enc is None:
            return None
        norm = self._analyzer()
        return enc.encode([norm.normalize(t) for t in texts])

    def _vectors(self, texts: list[str], words: list[list[str]]) -> np.ndarray:
        return self.featurizer_.transform(words, self._encode(texts))

    # -- fitting ---------------------------------------------------------------
    def fit(self, texts: Iterable[str], *, sentiment: Sequence[Any] | None = None) -> TopicTree:
        """Build the tree from ``texts``.

        Parameters
        ----------
        texts
            Consultation questions, complaints, reviews (str), analysed
            :class:`voc.Document` objects (their normalised text; their
            sentiment fills ``sentiment``) or :class:`voc.Opinion` units
            (aspect + opinion words; their polarity fills ``sentiment``).
            Missing values (None/NaN) count as empty texts (node 其他).
        sentiment
            Optional, one per text: a label (negative/neutral/positive), a
            polarity in [-1, 1], or a :class:`voc.Sentiment`; gives each node
            its sentiment mix.

        Returns
        -------
        TopicTree
            ``self``, fitted.
        """
        self._check_params()
        texts, carried = self._texts_and_sentiment(texts)
        if sentiment is None:
            sentiment = carried
        n = len(texts)
        if n == 0:
            raise InputError("TopicTree.fit got no texts; pass a non-empty list of str")
        senti = self._sentiments(sentiment, n)
        from ._vectors import default_vectors

        an = self._analyzer()
        words, _ = an.analyze(texts, keep_tokens=False)
        max_children = _per_level(self.max_children, self.levels, "max_children", int)
        min_share = _per_level(self.min_share, self.levels, "min_share", float)
        min_size1 = max(self.min_size, int(math.ceil(min_share[0] * n)))

        def first_pass(x: np.ndarray) -> np.ndarray | None:
            """A level-1 grouping on the plain features, to learn which words tell groups apart."""
            good = np.where(np.abs(x).sum(axis=1) > 0)[0]
            if len(good) < 2:
                return None
            y = _l2(x[good] - x[good].mean(axis=0))
            lab, cents = _split(y, max_children[0], min_size1, np.random.RandomState(self.random_state), 1)
            if len(cents) < 2:
                return None
            out = np.full(len(x), -1, dtype=np.int64)
            out[good] = lab
            return out

        self.featurizer_ = Featurizer(weights=dict(self.weights) if self.weights else None,
                                      random_state=self.random_state)
        x = self.featurizer_.fit_transform(words, default_vectors(), self._encode(texts),
                                           groups=first_pass if self.refine else None)
        has = np.abs(x).sum(axis=1) > 0
        root = _Split(np.arange(n), 0, None)
        rng = np.random.RandomState(self.random_state)
        phrase_sets = _LazyPhrases(texts, an) if self.split == "phrases" else None
        self._grow(root, x, has, max_children, min_share, rng, _word_matrix(words), phrase_sets)
        self._finish(root, x, texts, words, senti, n)
        logger.info("TopicTree fitted on %d texts: %d nodes", n, len(self.nodes_))
        return self

    def _grow(self, root: _Split, x: np.ndarray, has: np.ndarray, max_children: list[int],
              min_share: list[float], rng: np.random.RandomState, wm: Any = None,
              phrase_sets: _LazyPhrases | None = None) -> None:
        n = len(x)
        queue = [root]
        while queue:
            node = queue.pop(0)
            level = node.level + 1
            if level > self.levels:
                continue
            members = node.members
            if node is root:
                good = members[has[members]]
                empty = members[~has[members]]
            else:
                good, empty = members, members[:0]
            if node.other:
                child = _Split(members, level, node, other=True)
                node.children = [child]
                node.center = np.zeros(x.shape[1], np.float32)
                child.centroid = np.zeros(x.shape[1], np.float32)
                queue.append(child)
                continue
            min_size = max(self.min_size, int(math.ceil(min_share[level - 1] * n)))
            center = x[good].mean(axis=0) if len(good) else np.zeros(x.shape[1], np.float32)
            node.center = center.astype(np.float32)
            y = _l2(x[good] - center)
            seeded = None
            if level >= 2 and phrase_sets is not None:
                def embed(ps: list[str], center: np.ndarray = center) -> np.ndarray:
                    return _l2(self._vectors(ps, self._analyzer().analyze(ps, keep_tokens=False)[0]) - center)

                seeded = _phrase_split(y, good, phrase_sets, max_children[level - 1], min_size, rng, embed)
            if seeded is not None:
                labels, cents, names = seeded
                groups = [[j] for j in range(len(cents))]
            else:
                labels, cents = _split(y, max_children[level - 1], min_size, rng, level)
                names = [""] * len(cents)
                groups = [[j] for j in range(len(cents))]
                if level >= 2 and wm is not None:
                    groups = _merge_diffuse(labels, len(cents), wm[good])
            for g in groups:
                child = _Split(good[np.isin(labels, g)], level, node)
                child.centroid = cents[g[0]]
                child.aliases = [cents[j] for j in g[1:]]
                child.phrase = names[g[0]] if len(g) == 1 else ""
                node.children.append(child)
            node.children.sort(key=lambda c: -len(c.members))
            if node is root:  # the explicit 其他 branch for texts without topic words
                other = _Split(empty, level, node, other=True)
                other.centroid = np.zeros(x.shape[1], np.float32)
                node.children.append(other)
            queue.extend(node.children)

    def _finish(self, root: _Split, x: np.ndarray, texts: list[str], words: list[list[str]],
                senti: np.ndarray | None, n: int) -> None:
        # ids level by level, siblings by size
        order: list[_Split] = []
        frontier = [root]
        while frontier:
            nxt = []
            for node in frontier:
                nxt.extend(node.children)
            order.extend(nxt)
            frontier = nxt
        # breadth-first already groups by level; keep parents' order inside a level
        for i, s in enumerate(order):
            s.id = i
        dim = x.shape[1]
        self.centers_ = np.zeros((len(order) + 1, dim), np.float32)   # row 0: root
        self.centroids_ = np.zeros((len(order), dim), np.float32)
        self.centers_[0] = root.center if root.center is not None else 0
        for s in order:
            self.centroids_[s.id] = s.centroid if s.centroid is not None else 0
            if s.center is not None:
                self.centers_[s.id + 1] = s.center
        self._children = [[c.id for c in root.children]] + [[c.id for c in s.children] for s in order]
        self._other = np.array([s.other for s in order], dtype=bool)
        alias = [(s.id, a) for s in order for a in s.aliases]
        self._alias_owner = np.array([o for o, _ in alias], dtype=np.int64)
        self._alias_centroids = (np.vstack([a for _, a in alias]).astype(np.float32) if alias
                                 else np.zeros((0, dim), np.float32))
        self._level = np.array([s.level for s in order], dtype=np.int16)
        self._parent = np.array([-1 if s.parent is root else s.parent.id for s in order], dtype=np.int64)
        paths = self._route(x)
        self.paths_ = [tuple(int(v) for v in row) for row in paths]
        self._paths_array = paths
        self._total = n
        self._build_nodes(x, paths, texts, words, senti, {s.id: s.phrase for s in order if s.phrase})

    # -- routing (shared by fit and transform, so fit's paths == transform's) ----
    def _route(self, x: np.ndarray) -> np.ndarray:
        n = len(x)
        out = np.zeros((n, self.levels), dtype=np.int64)
        has = np.abs(x).sum(axis=1) > 0
        current = np.full(n, -1, dtype=np.int64)  # -1 = root
        for lv in range(self.levels):
            nxt = np.empty(n, dtype=np.int64)
            for parent in np.unique(current):
                rows = np.where(current == parent)[0]
                kids = self._children[parent + 1]
                if len(kids) == 0:  # cannot happen in a well-formed tree
                    raise NotFittedError("TopicTree is corrupt: a node has no children")
                kids_arr = np.asarray(kids)
                other = kids_arr[self._other[kids_arr]]
                real = kids_arr[~self._other[kids_arr]]
                if len(real) == 0:
                    nxt[rows] = kids_arr[0]
                    continue
                y = _l2(x[rows] - self.centers_[parent + 1])
                owner, c = self._kid_centroids(real)
                score = y @ c.T - 0.5 * (c * c).sum(axis=1)[None, :]
                pick = owner[np.argmax(score, axis=1)]
                if lv == 0 and len(other):
                    pick = np.where(has[rows], pick, other[0])
                nxt[rows] = pick
            out[:, lv] = nxt
            current = nxt
        return out

    def _kid_centroids(self, real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The centroids that route into these sibling nodes, and the node each belongs to.

        A merged catch-all node (see :func:`_merge_diffuse`) keeps the
        centroids of the groups it was merged from, so a text goes where it
        went before the merge.
        """
        owner_all = self.__dict__.get("_alias_owner")
        if owner_all is None or not len(owner_all):
            return real, self.centroids_[real]
        extra = np.isin(owner_all, real)
        if not extra.any():
            return real, self.centroids_[real]
        return (np.concatenate([real, owner_all[extra]]),
                np.vstack([self.centroids_[real], self._alias_centroids[extra]]))

    # -- node summaries --------------------------------------------------------
    def _build_nodes(self, x: np.ndarray, paths: np.ndarray, texts: list[str],
                     words: list[list[str]], senti: np.ndarray | None,
                     seeds: Mapping[int, str] | None = None) -> None:
        import scipy.sparse as sp

        n_nodes = len(self._level)
        members = [np.where(paths[:, self._level[i] - 1] == i)[0] for i in range(n_nodes)]
        an = self._analyzer()
        stop = an.stopwords
        # a bounded sample of each leaf; every node's sample is the union of its leaves'
        rng = np.random.RandomState(self.random_state)
        leaves = [i for i in range(n_nodes) if self._level[i] == self.levels]
        cap = max(20, min(300, 12000 // max(len(leaves), 1)))
        picks = []
        for i in leaves:
            m = members[i]
            picks.append(np.sort(rng.choice(m, cap, replace=False)) if len(m) > cap else m)
        pool = np.unique(np.concatenate(picks)) if picks else np.zeros(0, np.int64)
        tagged = an.tag([texts[j] for j in pool])
        ends: dict[str, str] = {}
        pool_sets = [phrases_of(t, stop, ends) for t in tagged]
        for t in tagged:   # the part of speech of single words too (太小: a), for attach()
            for w, pos in t:
                ends.setdefault(w.strip().lower(), pos)
        phrases = PhraseTable(pool_sets)
        pool_clauses = [clause_strings(t) for t in tagged]
        unigrams = PhraseTable([dict.fromkeys(words[j], 1) for j in pool])
        # membership: node × pool position (a pool text belongs to one node per level)
        pos_in_pool = {int(j): k for k, j in enumerate(pool)}
        rows, cols = [], []
        for lv in range(self.levels):
            for k, j in enumerate(pool):
                rows.append(int(paths[j, lv]))
                cols.append(k)
        member = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n_nodes, len(pool)))
        n_in = np.asarray(member.sum(axis=1)).ravel().astype(int)
        pc, wc = phrases.counts(member), unigrams.counts(member)
        p_all = sp.csr_matrix(phrases.matrix.sum(axis=0))
        w_all = sp.csr_matrix(unigrams.matrix.sum(axis=0))
        del pos_in_pool
        # the collection's own subject (森林人 on a Forester forum, 京东 in JD reviews) names no topic
        subject = _subject_phrases(phrases, pc, n_in, [k for k in self._children[0] if not self._other[k]])
        labels: dict[int, str] = {}
        keywords: dict[int, list[str]] = {}
        diffuse: set[int] = set()
        focus: dict[int, float] = {}
        for i in range(n_nodes):  # parents come before children (breadth-first ids)
            if self._other[i]:
                labels[i], keywords[i] = OTHER_LABEL, []
                continue
            p = int(self._parent[i])
            sibs = self._children[p + 1]
            ctx_p, ctx_w, n_ctx = (p_all, w_all, len(pool)) if p < 0 else (pc[p], wc[p], int(n_in[p]))
            if len(sibs) == 1 and p >= 0:  # an only child: contrast with its parent's context
                pp = int(self._parent[p])
                ctx_p, ctx_w, n_ctx = (p_all, w_all, len(pool)) if pp < 0 else (pc[pp], wc[pp], int(n_in[pp]))
            kw = unigrams.rank(wc[i], int(n_in[i]), ctx_w, n_ctx, top=self.n_keywords,
                               exclude=GENERIC_WORDS)
            keywords[i] = [w for w, _ in kw]
            if len(sibs) == 1 and p >= 0:
                labels[i] = labels[p]
                continue
            used = {labels[s] for s in sibs if s in labels} | subject
            seed = (seeds or {}).get(i, "")
            if seed and seed not in used:
                # built around this phrase (split="phrases"): its central texts say it, it names them
                # (even when the parent's label is the same phrase: the child holds the texts that say it)
                labels[i], focus[i] = seed, 1.0
                continue
            focus[i] = phrases.focus(pc[i], int(n_in[i]), ctx_p, n_ctx, exclude=GENERIC_WORDS)
            if focus[i] < _DIFFUSE:
                # a catch-all: no phrase is shared by more than a few of its texts, so any word
                # that wins would mislead; say what it is ("<parent>·其他", 其他话题 at level 1)
                diffuse.add(i)
                labels[i] = _diffuse_label(labels.get(p, ""), keywords[i], used)
                continue
            a = p
            ancestors = []
            while a >= 0:  # never repeat an ancestor's label, nor a piece of it
                used.add(labels[a])
                ancestors.append(labels[a])
                a = int(self._parent[a])
            deep = self._level[i] > 1
            # level 1: the most distinctive theme word; below: what most of the node's texts say
            # (share × capped lift), so a phrase a few texts use does not name a node of hundreds
            ranked = phrases.rank(pc[i], int(n_in[i]), ctx_p, n_ctx, top=8, phrase_bonus=1.0, exclude=used,
                                  alpha=1.0 if deep else 0.5, min_share=0.03, min_count=3, prefer=keywords[i][:3],
                                  expand=0.07 if deep else 0.1, within=ancestors,
                                  max_lift=math.log(20) if deep else np.inf)
            if deep and ranked:
                ranked = self._own_word(phrases, ranked, pc[i], int(n_in[i]), ctx_p, n_ctx, used, ancestors,
                                        prefer=keywords[i][:3])
            labels[i] = ranked[0][0] if ranked else _fallback_label(keywords[i], used, labels[p] if p >= 0 else "")
            if ranked and phrases.n_words(labels[i]) == 1:  # one word: join it with the node's next key term
                head = labels[i]
                partners = [t for t, _ in ranked[1:]] + [k for k in keywords[i][:8] if k not in GENERIC_WORDS]
                partners = [q for q in partners if not any(q in a for a in ancestors)]
                # below level 1, a rarer pairing is enough (怀疑 + 假货)
                joined = compose(head, partners, [pool_clauses[k] for k in member[i].indices],
                                 verbatim=1 if deep else 2, min_share=0.1 if deep else 0.15)
                if joined is None and deep:  # or with what its texts say of it (平板 + 运行流畅)
                    said = [pool_sets[k].keys() | set(words[pool[k]]) for k in member[i].indices]
                    joined = attach(head, [t for t, _ in ranked[1:] if phrases.n_words(t) >= 2] + keywords[i][:6],
                                    said, ends, [pool_clauses[k] for k in member[i].indices])
                if joined is not None and joined not in used:
                    labels[i] = joined
            if (deep and ranked and (p in diffuse or labels.get(p) == _SCATTERED)
                    and max(_said_share([pool_clauses[k] for k in member[i].indices], labels[i]),
                            sum(labels[i] in pool_sets[k] for k in member[i].indices) / max(int(n_in[i]), 1))
                    < _LABEL_SAID):
                # a group of a scattered theme whose name a handful of its texts say (手机闪光灯 over 763
                # lines): the name would mislead, so it is named as the catch-all it is
                diffuse.add(i)
                labels[i] = _diffuse_label(labels.get(p, ""), keywords[i], used - set(ancestors))
        category = self._anchor_categories(labels, keywords)
        if not self.anchor:  # anchored level-1 labels already name the category
            _name_by_majority(labels, members, self._children, self._other, diffuse, focus)
        nodes: list[TopicNode] = []
        for i in range(n_nodes):
            m = members[i]
            nodes.append(TopicNode(
                id=i, level=int(self._level[i]),
                parent=None if self._parent[i] < 0 else int(self._parent[i]),
                label=labels[i], keywords=tuple(keywords[i]), size=int(len(m)),
                share=float(len(m) / max(self._total, 1)),
                examples=tuple(self._examples(i, m, x, texts, labels[i])),
                sentiment=_mix(senti[m]) if senti is not None and len(m) else {},
                children=tuple(self._children[i + 1]), is_other=bool(self._other[i]),
                category=category.get(i, ""),
            ))
        self.nodes_ = nodes

    @staticmethod
    def _own_word(phrases: PhraseTable, ranked: list[tuple[str, float]], cin: Any, n_in: int, ctx: Any,
                  n_ctx: int, used: set[str], ancestors: list[str], *, prefer: Sequence[str]) -> list[tuple[str, float]]:
        """The word most of a node's texts say, even when it is a piece of an ancestor's label.

        Under "裤子质量", the child whose texts all say 裤子 (while its
        siblings say 衣服, 面料) is about 裤子; a phrase a tenth of its texts
        use (物流快) would mislead. When the ranked winner covers under a
        quarter of the node and such a word covers half or more, the word
        (and its expansion) wins.
        """
        cov = dict(zip(phrases.terms[cin.indices], cin.data / max(n_in, 1)))
        if cov.get(ranked[0][0], 0.0) >= 0.25:
            return ranked
        opts = dict(top=8, phrase_bonus=1.0, exclude=used, alpha=1.0, min_share=0.03, min_count=3,
                    prefer=prefer, max_lift=math.log(20))
        wide = phrases.rank(cin, n_in, ctx, n_ctx, **opts)
        if not wide or cov.get(wide[0][0], 0.0) < 0.5 or not any(wide[0][0] in a for a in ancestors):
            return ranked
        return phrases.rank(cin, n_in, ctx, n_ctx, expand=0.07, **opts)

    def _anchor_categories(self, labels: dict[int, str], keywords: dict[int, list[str]]) -> dict[int, str]:
        """Taxonomy level-1 name per node (descendants inherit), relabelling level 1 in place."""
        if not self.anchor:
            return {}
        from ._anchor import Anchor
        from ._vectors import default_vectors

        anchor = Anchor(self.anchor, self._analyzer(), default_vectors())
        out: dict[int, str] = {}
        level1 = [i for i in range(len(self._level)) if self._level[i] == 1]
        for i in level1:
            out[i] = OTHER_LABEL if self._other[i] else anchor.category([labels[i], *keywords[i]], OTHER_LABEL)
        counts: dict[str, int] = {}
        for i in level1:
            counts[out[i]] = counts.get(out[i], 0) + 1
        for i in level1:
            if not self._other[i]:
                labels[i] = out[i] if counts[out[i]] == 1 else f"{out[i]}·{labels[i]}"
        for i in range(len(self._level)):
            if self._level[i] > 1:
                out[i] = out[int(self._parent[i])]
        return out

    def _examples(self, i: int, m: np.ndarray, x: np.ndarray, texts: list[str], label: str = "") -> list[str]:
        """The node's most central readable texts, those that say its label first.

        A text says the label when the label's phrase is written in it, degree
        and linking words aside (物流快 in "物流也很快"); the label of a
        catch-all ("…·其他") says nothing, so its examples are the central texts.
        """
        if self.n_examples == 0 or len(m) == 0:
            return []
        if self._other[i]:
            return [texts[j] for j in m[: self.n_examples]]
        p = int(self._parent[i])
        cand = m if len(m) <= 2000 else np.random.RandomState(self.random_state).choice(m, 2000, replace=False)
        y = _l2(x[cand] - self.centers_[p + 1])
        c = self.centroids_[i]
        sim = y @ (c / (np.linalg.norm(c) + 1e-12))
        lengths = np.array([len(texts[j]) for j in cand])
        sim = sim - 0.2 * ((lengths < 6) | (lengths > 80))  # readable examples first
        if label and OTHER_LABEL not in label:
            sim = sim + 2.0 * np.array([says(texts[j], label) for j in cand])  # texts saying the label first
        out: list[str] = []
        for j in cand[np.argsort(-sim)]:
            t = texts[j].strip()
            if t and t not in out:
                out.append(t if len(t) <= 120 else t[:119] + "…")
            if len(out) >= self.n_examples:
                break
        return out

    @staticmethod
    def _sentiments(sentiment: Sequence[Any] | None, n: int) -> np.ndarray | None:
        if sentiment is None:
            return None
        vals = list(sentiment)
        if len(vals) != n:
            raise InputError(f"sentiment has {len(vals)} values for {n} texts; give one per text or None")
        out = np.full(n, -1, dtype=np.int8)
        for i, v in enumerate(vals):
            if is_missing(v):
                continue
            label = getattr(v, "label", v)
            if isinstance(label, str):
                if label not in _POLARITIES:
                    raise InputError(f"sentiment[{i}] is {label!r}; expected one of {_POLARITIES} or a polarity in [-1, 1]")
                out[i] = _POLARITIES.index(label)
            elif isinstance(label, (int, float, np.integer, np.floating)):
                out[i] = 0 if label < -0.1 else (2 if label > 0.1 else 1)
            else:
                raise InputError(f"sentiment[{i}] is a {type(v).__name__}; expected a label, a number or a voc.Sentiment")
        return out

    # -- using a fitted tree ---------------------------------------------------
    def transform(self, texts: Iterable[str], *, batch_size: int = 4096) -> list[tuple[int, ...]]:
        """The path (one node id per level) of each new text in the fitted tree.

        Streams: texts are read and routed ``batch_size`` at a time, so memory
        stays bounded whatever the number of texts (see :meth:`itransform`).
        """
        return list(self.itransform(texts, batch_size=batch_size))

    def itransform(self, texts: Iterable[str], *, batch_size: int = 4096) -> Iterator[tuple[int, ...]]:
        """Lazy :meth:`transform`: yields one path per text, in order."""
        self._check_fitted()
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"batch_size must be a positive int, got {batch_size!r}")
        batch: list[str] = []
        for i, t in enumerate(as_texts(texts)):
            batch.append(_as_topic_text(t, i))
            if len(batch) >= batch_size:
                yield from self._route_texts(batch)
                batch = []
        if batch:
            yield from self._route_texts(batch)

    def _route_texts(self, texts: list[str]) -> list[tuple[int, ...]]:
        words, _ = self._analyzer().analyze(texts, keep_tokens=False)
        x = self._vectors(texts, words)
        return [tuple(int(v) for v in row) for row in self._route(x)]

    def partial_fit(self, texts: Iterable[str], *, sentiment: Sequence[Any] | None = None) -> TopicTree:
        """Add a new batch to a fitted tree (fits from scratch when not fitted yet).

        New texts are routed into the existing nodes, sizes and shares are
        updated, ``paths_`` grows, and each node's centre moves towards its new
        texts (a running mean, as in mini-batch k-means), so the tree follows
        slow drift. Labels stay; refit to rebuild the tree when topics change.
        """
        if not hasattr(self, "nodes_"):
            return self.fit(texts, sentiment=sentiment)
        texts, carried = self._texts_and_sentiment(texts)
        if sentiment is None:
            sentiment = carried
        if not texts:
            return self
        senti = self._sentiments(sentiment, len(texts))
        words, _ = self._analyzer().analyze(texts, keep_tokens=False)
        x = self._vectors(texts, words)
        paths = self._route(x)
        counts = np.zeros(len(self.nodes_), dtype=np.int64)
        for lv in range(self.levels):
            np.add.at(counts, paths[:, lv], 1)
        old_sizes = np.array([nd.size for nd in self.nodes_], dtype=np.float64)
        # running-mean update of the centroids in each parent's residual space
        for i in np.where(counts > 0)[0]:
            if self._other[i]:
                continue
            lv = self._level[i] - 1
            rows = np.where(paths[:, lv] == i)[0]
            p = int(self._parent[i])
            y = _l2(x[rows] - self.centers_[p + 1])
            w = counts[i] / (old_sizes[i] + counts[i])
            self.centroids_[i] = (1 - w) * self.centroids_[i] + w * y.mean(axis=0)
        self._total += len(texts)
        self.paths_.extend(tuple(int(v) for v in row) for row in paths)
        self._paths_array = np.vstack([self._paths_array, paths])
        new_nodes = []
        for nd in self.nodes_:
            size = nd.size + int(counts[nd.id])
            mix = dict(nd.sentiment)
            if senti is not None and counts[nd.id]:
                rows = np.where(paths[:, nd.level - 1] == nd.id)[0]
                new = _mix(senti[rows])
                mix = {k: (mix.get(k, 0.0) * nd.size + new.get(k, 0.0) * len(rows)) / size for k in _POLARITIES}
            new_nodes.append(_rebuild_node({**nd.to_dict(), "size": size, "share": size / self._total,
                                            "sentiment": mix}))
        self.nodes_ = new_nodes
        return self

    update = partial_fit

    # -- views -------------------------------------------------------------------
    def node(self, id: int) -> TopicNode:
        """The node with this id."""
        self._check_fitted()
        if isinstance(id, (bool, np.bool_)) or not isinstance(id, (int, np.integer)) or not 0 <= id < len(self.nodes_):
            raise InputError(f"no topic node with id {id!r}; ids run 0..{len(self.nodes_) - 1}")
        return self.nodes_[int(id)]

    def label_path(self, path: Sequence[int], sep: str = " > ") -> str:
        """The labels along a path, e.g. ``物流配送 > 送货慢 > 三天才到``."""
        self._check_fitted()
        return sep.join(self.node(i).label for i in path)

    def to_frame(self) -> Any:
        """One row per node: id, level, parent, label, path, keywords, size, share, sentiment, examples.

        Rows are level by level, siblings largest first.
        """
        import pandas as pd

        self._check_fitted()
        rows = []
        for nd in self.nodes_:
            chain = [nd]
            while chain[-1].parent is not None:
                chain.append(self.nodes_[chain[-1].parent])
            row = {"id": nd.id, "level": nd.level, "parent": nd.parent, "label": nd.label,
                   "path": " > ".join(c.label for c in reversed(chain)),
                   "keywords": list(nd.keywords), "size": nd.size, "share": nd.share,
                   "examples": list(nd.examples), "is_other": nd.is_other, "category": nd.category}
            for k in _POLARITIES:
                row[f"sentiment_{k}"] = nd.sentiment.get(k, np.nan) if nd.sentiment else np.nan
            rows.append(row)
        frame = pd.DataFrame(rows)
        if frame[[f"sentiment_{k}" for k in _POLARITIES]].isna().all().all():
            frame = frame.drop(columns=[f"sentiment_{k}" for k in _POLARITIES])
        frame["parent"] = frame["parent"].astype("Int64")
        return frame

    def topics_over_time(self, dates: Sequence[Any], *, freq: str = "W", level: int | None = None,
                         paths: Sequence[Sequence[int]] | None = None, z: float = 2.58,
                         min_count: int = 5) -> Any:
        """Mentions and rates of each node per period, with change and a rise flag.

        Parameters
        ----------
        dates
            One date per text of ``paths`` (default: the texts behind ``paths_``):
            datetimes, ISO strings, or Unix times as numbers (seconds; milliseconds,
            microseconds or nanoseconds when the values are that large). Texts
            without a date (None, NaT) are left out of every period, with a
            :class:`~voc.errors.VocWarning` saying how many.
        freq
            A pandas period alias: ``"D"``, ``"W"``, ``"M"``, ``"Q"``…
        level
            Only this level (default: all levels).
        paths
            Paths from :meth:`transform` for new texts, instead of ``paths_``.
        z, min_count
            A rise is flagged when the node's rate is up on the previous
            period by more than ``z`` standard errors (two-proportion z-test)
            and the node has at least ``min_count`` mentions in the period.

        Returns
        -------
        pandas.DataFrame
            Columns ``period, node, level, label, count, total, rate, prev_rate,
            change, z, rising``, sorted by period then node.
        """
        import pandas as pd

        self._check_fitted()
        cols = ["period", "node", "level", "label", "count", "total", "rate", "prev_rate", "change", "z", "rising"]
        arr = self._paths_array if paths is None else np.asarray([tuple(p) for p in paths], dtype=np.int64)
        dates = list(dates)
        if len(dates) != len(arr):
            raise InputError(f"topics_over_time got {len(dates)} dates for {len(arr)} texts; give one date per text")
        if arr.ndim != 2 or (len(arr) and arr.shape[1] != self.levels):
            if len(arr) == 0:
                return pd.DataFrame(columns=cols)
            raise InputError(f"paths must hold one node id per level ({self.levels}), as transform() returns them")
        stamp = _read_dates(dates)
        missing = stamp.isna().to_numpy()
        if missing.all() and len(stamp):
            raise InputError("topics_over_time could not read any date (all are missing); pass one date per text")
        if missing.any():
            warnings.warn(f"topics_over_time: {int(missing.sum())} of {len(stamp)} texts have no date and are "
                          "left out of every period", VocWarning, stacklevel=2)
            stamp, arr = stamp[~missing].reset_index(drop=True), arr[~missing]
        if len(arr) == 0:
            return pd.DataFrame(columns=cols)
        try:
            period = stamp.dt.to_period(freq)
        except ValueError as err:
            raise ConfigError(f"freq={freq!r} is not a pandas period alias (D, W, M, Q, Y); {err}") from err
        levels = range(self.levels) if level is None else [self._level_index(level)]
        frames = []
        for lv in levels:
            frames.append(pd.DataFrame({"period": period, "node": arr[:, lv]}))
        long = pd.concat(frames, ignore_index=True)
        counts = long.groupby(["period", "node"]).size().unstack(fill_value=0)
        totals = period.value_counts().reindex(counts.index).astype(float)
        full_index = pd.period_range(counts.index.min(), counts.index.max(), freq=counts.index.freq)
        counts = counts.reindex(full_index, fill_value=0)
        totals = totals.reindex(full_index, fill_value=0.0)
        rate = counts.div(totals.replace(0, np.nan), axis=0).fillna(0.0)
        prev_rate = rate.shift(1)
        prev_tot = totals.shift(1)
        pooled = (counts + counts.shift(1)).div((totals + prev_tot).replace(0, np.nan), axis=0)
        se = np.sqrt(pooled * (1 - pooled) * (1 / totals.replace(0, np.nan)).values[:, None]
                     + pooled * (1 - pooled) * (1 / prev_tot.replace(0, np.nan)).values[:, None])
        zs = (rate - prev_rate) / se.replace(0, np.nan)
        out = counts.stack().rename("count").to_frame()
        out["total"] = np.repeat(totals.values, counts.shape[1]).astype(int)
        out["rate"] = rate.stack().values
        out["prev_rate"] = prev_rate.stack(future_stack=True).values if _future_stack() else prev_rate.stack(dropna=False).values
        out["change"] = out["rate"] - out["prev_rate"]
        out["z"] = zs.stack(future_stack=True).values if _future_stack() else zs.stack(dropna=False).values
        out = out.reset_index()
        out.columns = ["period", "node", *out.columns[2:]]
        out["rising"] = (out["z"] > z) & (out["count"] >= min_count)
        out["level"] = [int(self._level[i]) for i in out["node"]]
        out["label"] = [self.nodes_[i].label for i in out["node"]]
        return out[cols].sort_values(["period", "level", "node"]).reset_index(drop=True)

    def associations(self, *, level: int = 2, groups: Sequence[Any] | None = None,
                     texts: Sequence[str] | None = None, min_count: int = 3) -> Any:
        """Pairs of nodes that are raised together, with support and lift.

        Two texts are "together" when they share a group (``groups``: one id
        per text of ``paths_``, e.g. a customer, order or dialogue id). With
        ``texts`` instead, each text is split into clauses that are routed
        separately, so a review saying both "物流慢" and "包装破" links the two
        nodes. One of the two is required.

        Parameters
        ----------
        level
            The level whose nodes are paired.
        groups
            One group id per text of ``paths_``.
        texts
            Texts whose clauses are routed and paired (any texts, not only the fitted ones).
        min_count
            Pairs seen fewer times are left out.

        Returns
        -------
        pandas.DataFrame
            ``a, b, label_a, label_b, count, support, lift``, highest lift first.
        """
        import pandas as pd

        self._check_fitted()
        lv = self._level_index(level)
        if groups is not None:
            groups = list(groups)
            if len(groups) != len(self._paths_array):
                raise InputError(f"associations got {len(groups)} groups for {len(self._paths_array)} texts; give one per text")
            bags = pd.DataFrame({"g": groups, "node": self._paths_array[:, lv]}).groupby("g")["node"].agg(lambda s: sorted(set(s)))
            bag_list = list(bags)
        elif texts is not None:
            from ._text import clauses

            texts = self._texts(texts)
            an = self._analyzer()
            _, toks = an.analyze(texts)
            pieces, owner = [], []
            for i, tk in enumerate(toks):
                for cl in clauses(tk):
                    pieces.append("".join(cl))
                    owner.append(i)
            paths = np.asarray(self._route_texts(pieces)) if pieces else np.zeros((0, self.levels), np.int64)
            bag_map: dict[int, set[int]] = {}
            for o, node in zip(owner, paths[:, lv] if len(paths) else []):
                if not self._other[node]:
                    bag_map.setdefault(o, set()).add(int(node))
            bag_list = [sorted(v) for v in bag_map.values()] + [[] for _ in range(len(texts) - len(bag_map))]
        else:
            raise InputError("associations() needs groups= (one id per fitted text, e.g. customer or "
                             "dialogue ids) or texts= (to link the topics of each text's clauses)")
        n_bags = len(bag_list)
        single: dict[int, int] = {}
        pair: dict[tuple[int, int], int] = {}
        for b in bag_list:
            for a in b:
                single[a] = single.get(a, 0) + 1
            for i in range(len(b)):
                for j in range(i + 1, len(b)):
                    pair[(b[i], b[j])] = pair.get((b[i], b[j]), 0) + 1
        rows = []
        for (a, b), c in pair.items():
            if c < min_count:
                continue
            lift = c * n_bags / (single[a] * single[b])
            rows.append({"a": a, "b": b, "label_a": self.nodes_[a].label, "label_b": self.nodes_[b].label,
                         "count": c, "support": c / n_bags, "lift": lift})
        cols = ["a", "b", "label_a", "label_b", "count", "support", "lift"]
        return pd.DataFrame(rows, columns=cols).sort_values(["lift", "count"], ascending=False).reset_index(drop=True)

    def _level_index(self, level: int) -> int:
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= self.levels:
            raise ConfigError(f"level must be an int in 1..{self.levels}, got {level!r}")
        return level - 1

    # -- persistence -----------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted tree to folder ``path`` (JSON + npz, no pickle)."""
        from .._persist import save_artifact

        self._check_fitted()
        fmeta, farrays = self.featurizer_.to_arrays()
        params = self.get_params()
        params["max_children"] = _jsonable(params["max_children"])
        params["min_share"] = _jsonable(params["min_share"])
        params["weights"] = dict(params["weights"]) if params["weights"] else None
        params["anchor"] = params["anchor"] if isinstance(params["anchor"], bool) else str(params["anchor"])
        meta = {"params": params, "featurizer": fmeta, "nodes": [nd.to_dict() for nd in self.nodes_],
                "children": self._children, "total": self._total}
        arrays = {"centers": self.centers_, "centroids": self.centroids_, "other": self._other,
                  "alias_owner": self.__dict__.get("_alias_owner", np.zeros(0, np.int64)),
                  "alias_centroids": self.__dict__.get("_alias_centroids",
                                                       np.zeros((0, self.centroids_.shape[1]), np.float32)),
                  "level": self._level, "parent": self._parent, "paths": self._paths_array,
                  **{f"f_{k}": v for k, v in farrays.items()}}
        return save_artifact(path, kind=_KIND, version=_VERSION, meta=meta, arrays=arrays)

    @classmethod
    def load(cls, path: str | Path) -> TopicTree:
        """Read a tree written by :meth:`save`; a damaged folder is a :class:`~voc.errors.ModelLoadError`."""
        from .._persist import build, load_artifact, unpacking

        meta, arrays = load_artifact(path, kind=_KIND, version=_VERSION)
        tree = build(cls, meta, path)
        with unpacking(path, "topic tree"):
            tree.featurizer_ = Featurizer.from_arrays(
                meta["featurizer"], {k[2:]: v for k, v in arrays.items() if k.startswith("f_")})
            tree.centers_ = arrays["centers"].astype(np.float32)
            tree.centroids_ = arrays["centroids"].astype(np.float32)
            tree._other = arrays["other"].astype(bool)
            dim = tree.centroids_.shape[1]
            tree._alias_owner = arrays.get("alias_owner", np.zeros(0, np.int64)).astype(np.int64)
            tree._alias_centroids = arrays.get("alias_centroids", np.zeros((0, dim), np.float32)).astype(np.float32)
            tree._level = arrays["level"]
            tree._parent = arrays["parent"]
            tree._paths_array = arrays["paths"].astype(np.int64).reshape(-1, tree.levels)
            tree.paths_ = [tuple(int(v) for v in row) for row in tree._paths_array]
            tree._children = [list(c) for c in meta["children"]]
            tree._total = int(meta["total"])
            tree.nodes_ = [_rebuild_node(d) for d in meta["nodes"]]
        return tree


def _as_topic_text(value: Any, i: int) -> str:
    """A text to cluster: str/bytes as is, a Document's normalised text, an opinion unit's words."""
    if isinstance(value, Document):
        return value.text
    if isinstance(value, Opinion):
        return f"{value.aspect}{value.opinion}"
    return "" if is_missing(value) else as_text(value, what=f"texts[{i}]")


def _future_stack() -> bool:
    import pandas as pd

    return int(pd.__version__.split(".")[0]) >= 2 and tuple(int(v) for v in pd.__version__.split(".")[:2]) >= (2, 1)


def _jsonable(v: Any) -> Any:
    if isinstance(v, (int, float, str)) or v is None:
        return v
    return list(v)


def _mix(codes: np.ndarray) -> dict[str, float]:
    codes = codes[codes >= 0]
    if len(codes) == 0:
        return {}
    c = np.bincount(codes, minlength=3) / len(codes)
    return {k: float(v) for k, v in zip(_POLARITIES, c)}


# Below this share of a node's texts for its commonest distinctive phrase, the node is a catch-all.
_DIFFUSE = 0.08
# A level-1 node whose commonest distinctive phrase covers this share is about that phrase, whatever its children.
_FOCUSED = 0.3
_SCATTERED = "其他话题"
# ... and is named after its largest child first when that child holds this share of its texts.
_MAJORITY = 0.4


# A group of a catch-all theme whose label fewer than this share of its texts say is a catch-all too.
_LABEL_SAID = 0.03


def _said_share(clauses: Sequence[Sequence[str]], label: str) -> float:
    """Share of texts (given as their :func:`clause_strings`) that write ``label`` in one clause.

    >>> _said_share([["物流快", "屏幕大"], ["物流慢"], ["手机闪光灯坏了"], []], "物流快")
    0.25
    """
    if not clauses:
        return 0.0
    return sum(1 for cl in clauses if any(label in c for c in cl)) / len(clauses)


def _diffuse_label(parent: str, keywords: list[str], used: set[str]) -> str:
    """The honest name of a catch-all node: "<parent>·其他", 其他话题 at level 1, or 其他·<keyword>.

    >>> _diffuse_label("手机", ["耳机"], set()), _diffuse_label("", ["耳机"], set())
    ('手机·其他', '其他话题')
    >>> _diffuse_label("手机", ["耳机", "降价"], {"手机·其他"})
    '其他·耳机'
    >>> _diffuse_label(_SCATTERED, ["会员"], set())  # a catch-all inside a catch-all
    '其他话题·其他'
    """
    first = f"{parent}·{OTHER_LABEL}" if parent else _SCATTERED
    if first not in used:
        return first
    for k in keywords:
        if f"{OTHER_LABEL}·{k}" not in used and len(k) >= 2:
            return f"{OTHER_LABEL}·{k}"
    return f"{first}·{len(used)}"


def _name_by_majority(labels: dict[int, str], members: list[np.ndarray], children: list[list[int]],
                      other: np.ndarray, diffuse: set[int], focus: dict[int, float]) -> None:
    """A level-1 node whose largest child dominates it is named after that child first.

    A theme whose phrases are each shared by a minority of its texts (below
    ``_FOCUSED``: "洗发水") while one child holds at least ``_MAJORITY`` of
    its texts ("相信京东") reads "相信京东、洗发水", so the label says what
    most of its texts are about. Level-1 nodes are the root's children
    (``children[0]``); labels change in place.
    """
    for i in children[0]:
        kids = [c for c in children[i + 1] if not other[c]]
        if other[i] or i in diffuse or len(kids) < 2:
            continue
        big = max(kids, key=lambda c: len(members[c]))
        own, theirs = labels[i], labels[big]
        if (len(members[big]) >= _MAJORITY * len(members[i]) and big not in diffuse and focus.get(i, 1.0) < _FOCUSED
                and own not in theirs and theirs not in own):
            labels[i] = f"{theirs}、{own}"


# A key phrase seeds a group below level 1 when this share of the node's texts (not yet covered) say it.
_SEED_SHARE = 0.02
# Phrases this similar (cosine of their vectors) form one family, named by the commonest (送货快 → 物流快).
_SIMILAR = 0.6
# A group named by its phrase needs this share of its central texts to say one phrase (else named as usual).
_CENTRAL = 0.06
# Texts sampled per node to pick its key phrases.
_SEED_SAMPLE = 2000


class _LazyPhrases:
    """Label-phrase candidates of the fitted texts, tagged on demand and cached (fit time only)."""

    def __init__(self, texts: list[str], analyzer: Analyzer) -> None:
        self.texts = texts
        self.analyzer = analyzer
        self.cache: dict[int, dict[str, int]] = {}
        self.ends: dict[str, str] = {}   # part of speech of each candidate's last word

    def get(self, idx: np.ndarray) -> list[dict[str, int]]:
        todo = [int(j) for j in idx if int(j) not in self.cache]
        if todo:
            stop = self.analyzer.stopwords
            for j, tags in zip(todo, self.analyzer.tag([self.texts[j] for j in todo])):
                self.cache[j] = phrases_of(tags, stop, self.ends)
                for w, pos in tags:   # single words too (相信: v), for _with_predicate
                    self.ends.setdefault(w.strip().lower(), pos)
        return [self.cache[int(j)] for j in idx]


def _phrase_families(sets: Sequence[Mapping[str, int]], embed: Any, *, min_count: int = 2,
                     max_phrases: int = 400, similar: float | None = None) -> list[tuple[str, np.ndarray]]:
    """Key phrases of a node's texts grouped with the phrases that say the same thing.

    Candidates are phrases of two or more words (屏幕有划痕, 什么时候发货,
    修改发票; not the bare 屏幕) said by ``min_count`` texts or more; each,
    commonest first, joins the family whose head phrase it resembles most
    when their ``embed`` vectors' cosine is at least ``similar`` (送货快 and
    快递快 join 物流快) and it does not say the opposite of its head
    (:func:`~voc.topics._labels.opposed`: 待机时间短 never joins 待机时间长; it
    tries the next most similar family), else heads a family of its own. Returns each family's
    head phrase (its commonest) with the texts that say any of its phrases,
    families covering most texts first.
    """
    similar = _SIMILAR if similar is None else similar
    rows: dict[str, list[int]] = {}
    for r, s in enumerate(sets):
        for p, k in s.items():
            if k >= 2:
                rows.setdefault(p, []).append(r)
    cands = sorted((p for p, v in rows.items() if len(v) >= min_count), key=lambda p: (-len(rows[p]), p))
    cands = cands[:max_phrases]
    if not cands:
        return []
    vecs = np.asarray(embed(cands), dtype=np.float32) if embed is not None else np.eye(len(cands), dtype=np.float32)
    heads: list[int] = []
    members: list[list[int]] = []
    for i in range(len(cands)):
        home = -1
        if heads:
            sim = vecs[heads] @ vecs[i]
            for j in np.argsort(-sim):   # the most similar family that does not say the opposite
                if sim[j] < similar:
                    break
                if not opposed(cands[heads[j]], cands[i]):
                    home = int(j)
                    break
        if home >= 0:
            members[home].append(i)
            continue
        heads.append(i)
        members.append([i])
    out = []
    for h, ms in zip(heads, members):
        r = np.unique(np.concatenate([np.asarray(rows[cands[m]], dtype=np.int64) for m in ms]))
        out.append((cands[h], r))
    out.sort(key=lambda t: -len(t[1]))
    return out


def _key_phrases(families: Sequence[tuple[str, np.ndarray]], n: int, max_k: int,
                 min_count: int) -> list[tuple[str, np.ndarray]]:
    """Phrase families that cover most of ``n`` texts, picked greedily (a set cover).

    Each round takes the family said by the most texts that no family picked
    so far covers, while that is ``min_count`` texts or more: 物流快 and
    屏幕有划痕 both win in a node of reviews that say one or the other, a
    phrase that only repeats texts already covered does not.

    >>> fams = [("物流快", np.arange(9)), ("屏幕有划痕", np.arange(5, 11)), ("发货快", np.arange(0, 4))]
    >>> [(p, len(rows)) for p, rows in _key_phrases(fams, 12, 5, 2)]
    [('物流快', 9), ('屏幕有划痕', 6)]
    """
    covered = np.zeros(n, dtype=bool)
    left = list(families)
    chosen: list[tuple[str, np.ndarray]] = []
    while left and len(chosen) < max_k:
        gains = [int((~covered[r]).sum()) for _, r in left]
        j = int(np.argmax(gains))
        if gains[j] < min_count:
            break
        chosen.append(left.pop(j))
        covered[chosen[-1][1]] = True
    return chosen


def _phrase_split(y: np.ndarray, members: np.ndarray, phrase_sets: _LazyPhrases, max_k: int, min_size: int,
                  rng: np.random.RandomState, embed: Any = None) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """Groups of a node built around its key phrases: labels, centroids and the phrase of each group.

    The key phrase families of a sample of the node's texts
    (:func:`_phrase_families`) are picked by :func:`_key_phrases`; a text
    that says several goes to the nearest of their centres, each centre is
    the mean of its texts, and every text of the node (saying a phrase or
    not) then goes to its nearest centre, the rule ``transform`` applies.
    Groups smaller than ``min_size`` join their nearest sibling. ``None``
    when fewer than two families qualify.
    """
    m = len(members)
    if m < 2 * max(min_size, 2) or max_k < 2:
        return None
    pos = np.sort(rng.choice(m, _SEED_SAMPLE, replace=False)) if m > _SEED_SAMPLE else np.arange(m)
    sets = phrase_sets.get(members[pos])
    scale = m / len(pos)
    need = max(3, int(math.ceil(min_size / scale)), int(math.ceil(_SEED_SHARE * len(pos))))
    chosen = _key_phrases(_phrase_families(sets, embed), len(pos), max_k, need)
    if len(chosen) < 2:
        return None
    ys = y[pos]
    cents = np.vstack([ys[r].mean(axis=0) for _, r in chosen]).astype(np.float32)
    # a text that says several phrases goes to the nearest of their centres
    owner = np.full(len(pos), -1, dtype=np.int64)
    best = np.full(len(pos), -np.inf)
    score = ys @ cents.T - 0.5 * (cents * cents).sum(axis=1)[None, :]
    for j, (_, r) in enumerate(chosen):
        better = score[r, j] > best[r]
        owner[r[better]] = j
        best[r[better]] = score[r[better], j]
    cents = np.vstack([ys[owner == j].mean(axis=0) for j in range(len(chosen))]).astype(np.float32)
    names = [p for p, _ in chosen]
    labels = _nearest(y, cents)
    labels, cents, names = _merge_small(y, labels, cents, min_size, names)
    if len(cents) < 2:
        return None
    all_texts = getattr(phrase_sets, "texts", None)
    texts = [all_texts[int(j)] for j in members[pos]] if all_texts is not None else None
    return labels, cents, _central_names(ys, labels[pos], cents, sets, names, getattr(phrase_sets, "ends", None),
                                         texts)


def _central_names(ys: np.ndarray, labels: np.ndarray, cents: np.ndarray, sets: Sequence[Mapping[str, int]],
                   names: list[str], ends: Mapping[str, str] | None = None,
                   texts: Sequence[str] | None = None) -> list[str]:
    """The phrase each group's central texts say most (its seed phrase unless another is said more).

    Among the fifth of a group's (sampled) texts nearest its centre (at
    least 20), the multi-word phrase said most names it (on a tie the seed
    phrase, else the longer); the name is then lengthened to a phrase containing it that a quarter as many
    of those texts say (收货地址 → 修改收货地址). Sibling names stay distinct;
    ``""`` (named later, like a k-means group) where no phrase is said by
    ``_CENTRAL`` of the central texts.

    >>> ys = np.array([[1.0, 0.0]] * 4 + [[0.0, 1.0]] * 4)
    >>> sets = [{"屏幕清晰": 2}] * 3 + [{"屏幕大": 2}] + [{"收货地址": 2, "修改收货地址": 3}] * 3 + [{"收货地址": 2}]
    >>> _central_names(ys, np.array([0] * 4 + [1] * 4), np.eye(2), sets, ["屏幕大", "收货地址"])
    ['屏幕清晰', '修改收货地址']
    """
    out: list[str] = []
    for j, seed in enumerate(names):
        rows = np.where(labels == j)[0]
        if not len(rows):
            out.append(seed)
            continue
        near = rows[np.argsort(-(ys[rows] @ cents[j]))[:max(20, len(rows) // 5)]]
        counts: dict[str, int] = {}
        for r in near:
            for p, k in sets[r].items():
                if k >= 2:
                    counts[p] = counts.get(p, 0) + 1
        name = seed
        if counts:
            best = max(counts, key=lambda p: (counts[p], len(p), p))
            if counts[best] < _CENTRAL * len(near):   # its central texts share no phrase: name it later
                out.append("")
                continue
            if counts.get(seed, 0) < counts[best]:
                name = best
            longer = [p for p in counts if name in p and p != name
                      and counts[p] >= max(2, 0.25 * counts.get(name, 0))]   # never a phrase one text says
            if longer:
                name = max(longer, key=lambda p: (counts[p], len(p), p))
            if ends is not None:
                name = _with_predicate(name, rows, sets, ends, texts)
        if name in out:
            name = seed if seed not in out else ""
        out.append(name)
    return out


# A name (京东快递, 裤子质量) takes the predicate this share of the group's texts saying it write with it.
_PREDICATE_SHARE = 0.08


def _with_predicate(name: str, rows: np.ndarray, sets: Sequence[Mapping[str, int]], ends: Mapping[str, str],
                    texts: Sequence[str] | None = None) -> str:
    """A bare name followed by what the group's texts say of it: 京东快递 → 京东快递给力, 裤子质量 → 裤子质量好.

    When ``name`` ends on a noun, the commonest phrase of the group that
    starts with it and ends on a predicate (adjective, verb, idiom), or
    that is a verb followed by it (相信华为手机), names
    the group instead, if at least three texts and ``_PREDICATE_SHARE`` of
    those that say the name write it; a predicate of the opposite sense said
    about as often (好 and 差, in ``texts`` when given: 好 is no phrase of
    its own) leaves the name as it is.

    >>> sets = [{"裤子质量": 2, "裤子质量差": 3}] * 3 + [{"裤子质量": 2}] * 5
    >>> ends = {"裤子质量": "n", "裤子质量差": "a"}
    >>> _with_predicate("裤子质量", np.arange(8), sets, ends)
    '裤子质量差'
    >>> _with_predicate("裤子质量", np.arange(6), sets[:1] + sets[3:], ends)
    '裤子质量'
    >>> texts = ["裤子质量差"] * 3 + ["裤子质量很好"] * 3 + ["裤子"] * 2
    >>> _with_predicate("裤子质量", np.arange(8), sets, ends, texts)
    '裤子质量'
    """
    if not ends.get(name, "").startswith(_NOUN_TAGS) or name.startswith(_QUESTIONS):
        return name
    said = 0
    counts: dict[str, int] = {}
    signs: dict[str, int] = {}
    for r in rows:
        s = sets[r]
        if name not in s:
            continue
        said += 1
        for p in s:
            if p == name or name not in p:
                continue
            if (p.startswith(name) and ends.get(p, "").startswith(_PRED_TAGS)
                    or p.endswith(name) and ends.get(p[:-len(name)], "").startswith("v")):   # 相信 + 华为手机
                counts[p] = counts.get(p, 0) + 1
    if texts is not None:   # verdicts the phrases leave out (好用, 不错 are no topic words): 清扬洗发水好用
        for sign, words in ((1, _GOOD), (-1, _BAD)):
            for w in words:
                k = sum(1 for r in rows if name in sets[r] and _says_verdict(texts[r], name + w))
                if k:
                    counts[name + w] = k
                    signs[name + w] = sign
    if not counts:
        return name
    best = max(counts, key=lambda p: (counts[p], -len(p), p))
    sign = signs.get(best, 0)
    if sign:
        other = _BAD if sign > 0 else _GOOD
        said_opp = sum(1 for r in rows if name in sets[r] and any(_says_verdict(texts[r], name + w) for w in other))
        if counts[best] < max(3, _PREDICATE_SHARE * said) or said_opp >= 0.5 * counts[best]:
            return name
        return best
    if counts[best] < max(3, _PREDICATE_SHARE * said):
        return name
    if any(opposed(best, p) and counts[p] >= 0.5 * counts[best] for p in counts if p != best):
        return name   # texts split on it (好 / 差): the name alone is the honest label
    if texts is not None:
        opp = [name + o for o in opposites(best[len(name):])] if best.startswith(name) else []
        said_opp = sum(1 for r in rows if name in sets[r] and any(says(texts[r], o) for o in opp))
        if said_opp >= 0.5 * counts[best]:
            return name
    return best


# Verdicts on a named product or service, by sign (the phrases leave these generic words out).
_GOOD = ("好用", "不错", "好", "满意", "放心", "靠谱", "给力", "态度好", "服务好", "值得信赖")
_BAD = ("差", "垃圾", "不好", "不行", "失望", "态度差", "服务差", "坑人", "不靠谱")


def _says_verdict(text: str, phrase: str) -> bool:
    """``text`` says ``phrase`` as a statement (京东客服好吗 asks, it does not say 京东客服好)."""
    if not says(text, phrase):
        return False
    k = text.find(phrase)
    return k < 0 or text[k + len(phrase): k + len(phrase) + 1] not in ("吗", "么", "不", "用")


_QUESTIONS = ("什么", "怎么", "如何", "多久", "为什么", "哪里")
_NOUN_TAGS = ("n", "vn", "nz", "eng", "j", "nr", "ns", "nt", "ng")
_PRED_TAGS = ("a", "v", "i", "l", "z", "d")


def _merge_small(y: np.ndarray, labels: np.ndarray, cents: np.ndarray, min_size: int,
                 names: list[str] | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Groups smaller than ``min_size`` merged into their nearest sibling, smallest first."""
    names = list(names) if names is not None else [""] * len(cents)
    labels = labels.copy()
    cents = cents.copy()
    while len(cents) > 1:
        sizes = np.bincount(labels, minlength=len(cents))
        j = int(np.argmin(sizes))
        if sizes[j] >= min_size:
            break
        d = ((cents - cents[j]) ** 2).sum(axis=1)
        d[j] = np.inf
        t = int(np.argmin(d))
        labels[labels == j] = t
        labels[labels > j] -= 1
        cents = np.delete(cents, j, axis=0)
        del names[j]
        t = t - (t > j)
        cents[t] = y[labels == t].mean(axis=0)
    return labels, cents, names


# A group none of whose topic words is used by this share of its texts (and distinctively so) is diffuse.
_DIFFUSE_WORDS = 0.12


def _word_matrix(words: list[list[str]]) -> Any:
    """Texts × topic words, binary (CSR); generic words left out."""
    import scipy.sparse as sp

    vocab: dict[str, int] = {}
    indptr, indices = [0], []
    for ws in words:
        for w in set(ws):
            if w not in GENERIC_WORDS:
                indices.append(vocab.setdefault(w, len(vocab)))
        indptr.append(len(indices))
    return sp.csr_matrix((np.ones(len(indices), np.float32), np.asarray(indices, np.int64),
                          np.asarray(indptr, np.int64)), shape=(len(words), max(len(vocab), 1)))


def _merge_diffuse(labels: np.ndarray, k: int, wm: Any, *, min_share: float = _DIFFUSE_WORDS,
                   min_lift: float = 1.5) -> list[list[int]]:
    """Groups of a split, with its diffuse groups joined into one catch-all (listed last).

    A group is diffuse when none of its topic words is used by ``min_share``
    of its texts and ``min_lift`` times as often as by its siblings (nor by
    half its texts, whatever the siblings do): short
    chat lines that share no subject ("好的 稍等", "暂时不用了") fall into
    several such groups, each of which would get a misleading one-word
    label. Two or more of them become one node (its label says 其他); a
    split left with fewer than two focused groups stays as it is.

    >>> import scipy.sparse as sp
    >>> rows = [["发票"]] * 6 + [["退货"]] * 6 + [["a1"], ["a2"], ["a3"], ["a4"], ["b1"], ["b2"], ["b3"], ["b4"]]
    >>> from voc.topics._tree import _word_matrix
    >>> _merge_diffuse(np.array([0] * 6 + [1] * 6 + [2] * 4 + [3] * 4), 4, _word_matrix(rows))
    [[0], [1], [2, 3]]
    """
    onehot = np.zeros((k, len(labels)), np.float32)
    onehot[labels, np.arange(len(labels))] = 1.0
    counts = np.asarray((wm.T @ onehot.T).T)            # k × words
    sizes = onehot.sum(axis=1)
    total, n = counts.sum(axis=0), len(labels)
    diffuse = []
    for j in range(k):
        p_in = counts[j] / max(sizes[j], 1.0)
        p_out = (total - counts[j] + 0.5) / (n - sizes[j] + 1.0)
        ok = (counts[j] >= 2) & (p_in >= min_lift * p_out)
        if (not ok.any() or p_in[ok].max() < min_share) and p_in.max() < 0.5:
            diffuse.append(j)
    focused = [[j] for j in range(k) if j not in diffuse]
    if len(diffuse) < 2 or len(focused) < 2:
        return [[j] for j in range(k)]
    return focused + [diffuse]


def _read_dates(dates: list[Any]) -> Any:
    """Dates as a naive datetime Series (NaT where missing); Unix times as numbers by their size.

    >>> _read_dates([1704067200, None]).dt.strftime("%Y-%m-%d").tolist()
    ['2024-01-01', nan]
    >>> _read_dates(["2024-01-01", 1704067200000]).dt.year.tolist()
    [2024, 2024]
    """
    import pandas as pd

    def number(d: Any) -> bool:
        return isinstance(d, (int, float, np.integer, np.floating)) and not isinstance(d, (bool, np.bool_))

    values: list[Any] = []
    for d in dates:
        if number(d) and np.isfinite(d):
            # seconds up to the year 5138; then milliseconds, microseconds, nanoseconds
            unit = next((u for u, top in (("s", 1e11), ("ms", 1e14), ("us", 1e17)) if abs(d) < top), "ns")
            values.append(pd.Timestamp(int(d) if unit == "ns" else d, unit=unit))
        elif number(d) or is_missing(d):
            values.append(pd.NaT)
        else:
            values.append(d)
    try:
        stamp = pd.to_datetime(pd.Series(values, dtype=object), errors="raise", format="mixed")
    except (ValueError, TypeError, OverflowError) as err:
        raise InputError(f"topics_over_time could not read the dates as dates ({err}); pass datetimes, "
                         "ISO strings or Unix times") from err
    if stamp.dt.tz is not None:
        stamp = stamp.dt.tz_localize(None)
    return stamp


def _subject_phrases(phrases: PhraseTable, counts: Any, n_in: np.ndarray, level1: Sequence[int], *,
                     share: float = 0.05, spread: float = 0.6, min_nodes: int = 5) -> set[str]:
    """Phrases that a collection's themes all share: its subject, not a topic.

    A phrase used by at least ``share`` of the texts of at least ``spread`` of
    the level-1 nodes (and of all texts) names what the whole collection is
    about (森林人 on a Forester forum, 订单 in JD's service chats); as a label
    it would name a dozen nodes alike. Needs ``min_nodes`` level-1 nodes: in a
    tree of three themes, a word two of them share is a topic, not the subject.

    >>> import scipy.sparse as sp
    >>> t = PhraseTable([{"森林人": 1, w: 1} for w in "油耗 动力 外观 空间 价格".split()] + [{"外观": 1}])
    >>> m = sp.csr_matrix(np.array([[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0], [0, 0, 1, 0, 0, 1],
    ...                             [0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 1, 0]], np.float32))
    >>> sorted(_subject_phrases(t, t.counts(m), np.array([1, 1, 2, 1, 1]), [0, 1, 2, 3, 4]))
    ['森林人']
    """
    if len(level1) < min_nodes:
        return set()
    rows = counts[list(level1)].toarray() / np.maximum(n_in[list(level1)], 1)[:, None]
    wide = (rows >= share).mean(axis=0) >= spread
    total = np.asarray(counts[list(level1)].sum(axis=0)).ravel() / max(int(n_in[list(level1)].sum()), 1)
    return {str(t) for t in phrases.terms[wide & (total >= share)]}


def _fallback_label(keywords: list[str], used: set[str], parent: str) -> str:
    """A keyword not used nearby, else "<parent>·其他" (the rest of the parent)."""
    for k in keywords:
        if k not in used and len(k) >= 2:
            return k
    return f"{parent}·{OTHER_LABEL}" if parent else OTHER_LABEL


def _silhouette(dist: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Mean silhouette from a precomputed distance matrix (one matrix product per k)."""
    onehot = np.zeros((len(labels), k), dtype=np.float32)
    onehot[np.arange(len(labels)), labels] = 1.0
    sums = dist @ onehot
    counts = onehot.sum(axis=0)
    own = sums[np.arange(len(labels)), labels]
    n_own = counts[labels]
    a = np.where(n_own > 1, own / np.maximum(n_own - 1, 1), 0.0)
    mean_other = sums / np.maximum(counts, 1)[None, :]
    mean_other[np.arange(len(labels)), labels] = np.inf
    mean_other[:, counts == 0] = np.inf
    b = mean_other.min(axis=1)
    s = np.where(n_own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(s.mean())


def _spectral_embedding(ys: np.ndarray, n_vectors: int, n_neighbors: int | None = None) -> np.ndarray:
    """Leading eigenvectors of the normalised affinity of a k-nearest-neighbour graph of unit rows.

    Each text links to its ``n_neighbors`` most similar texts (cosine), with
    weight ``exp((cos - 1) / s)``, ``s`` the median distance to the farthest
    of them; the graph is symmetrised. ``n_neighbors`` defaults to √n (10 … 100):
    enough links that runs of near-identical short texts do not fall apart
    into islands of their own. Groups that k-means on the raw vectors
    cuts in two (long, curved themes) stay whole in this embedding.
    """
    import scipy.sparse as sp

    n = len(ys)
    if n_neighbors is None:
        n_neighbors = int(np.clip(round(math.sqrt(n)), 10, 100))
    kn = max(1, min(n_neighbors, n - 1))
    idx = np.empty((n, kn), dtype=np.int64)
    sim = np.empty((n, kn), dtype=np.float64)
    for lo in range(0, n, 512):   # row blocks keep memory at 512 × n
        g = ys[lo:lo + 512] @ ys.T
        g[np.arange(len(g)), np.arange(lo, lo + len(g))] = -np.inf
        part = np.argpartition(-g, kn - 1, axis=1)[:, :kn]
        idx[lo:lo + len(g)] = part
        sim[lo:lo + len(g)] = np.take_along_axis(g, part, axis=1)
    scale = max(1.0 - float(np.median(sim.min(axis=1))), 1e-3)
    w = np.exp((np.minimum(sim, 1.0) - 1.0) / scale)
    a = sp.csr_matrix((w.ravel(), (np.repeat(np.arange(n), kn), idx.ravel())), shape=(n, n))
    a = a.maximum(a.T)
    deg = np.asarray(a.sum(axis=1)).ravel()
    dm = sp.diags(1.0 / np.sqrt(np.maximum(deg, 1e-12)))
    lap = (dm @ a @ dm).tocsr()
    k = min(n_vectors, n - 1)
    if n <= 600 or k >= n - 1:
        vals, vecs = np.linalg.eigh(lap.toarray())
    else:
        from scipy.sparse.linalg import eigsh

        vals, vecs = eigsh(lap, k=k, which="LA", v0=np.ones(n))
    order = np.argsort(-vals)[:k]
    return vecs[:, order].astype(np.float64)


def _nearest(y: np.ndarray, cents: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid of each row (the rule :meth:`TopicTree._route` applies)."""
    return np.argmax(y @ cents.T - 0.5 * (cents * cents).sum(axis=1)[None, :], axis=1).astype(np.int64)


def _split(y: np.ndarray, max_k: int, min_size: int, rng: np.random.RandomState,
           level: int, tolerance: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cluster unit rows ``y``: labels and centroids, the number of groups chosen by silhouette.

    Level 1 clusters a sample spectrally (k-means on the leading eigenvectors
    of a k-nearest-neighbour graph), takes each group's mean vector as its
    centroid and gives every text its nearest centroid; deeper levels run
    k-means. For each k the silhouette of the resulting partition is measured
    on a sample, and the fewest groups whose silhouette is within
    ``tolerance`` (relative) of the best win: broad themes first.
    """
    from sklearn.cluster import KMeans

    n = len(y)
    one = (np.zeros(n, dtype=np.int64), y.mean(axis=0, keepdims=True) if n else np.zeros((1, y.shape[1]), np.float32))
    k_hi = min(max_k, n // max(min_size, 1))
    if k_hi < 2 or n < 2 * max(min_size, 2):
        return one
    spectral = level == 1 and n >= 50
    if tolerance is None:
        tolerance = 0.05 if spectral else 0.0
    m = 2500 if level == 1 else 800
    order = rng.permutation(n) if n > m else np.arange(n)
    sample = y[order[:m]]
    gram = sample @ sample.T
    dist = np.sqrt(np.maximum(2.0 - 2.0 * gram, 0.0)).astype(np.float32)
    del gram
    if float(dist.max()) < 1e-6:
        return one
    best_k = 1
    floor = 0.02 if level == 1 else 0.03   # below this, the texts form no separated groups
    scores: dict[int, float] = {}
    seed = int(rng.randint(2**31 - 1))
    cents_by_k: dict[int, np.ndarray] = {}
    if spectral:
        big = y[order[:10000]]   # the spectral sample (contains the silhouette sample)
        emb = _spectral_embedding(big, k_hi + 1)
    for k in range(2, k_hi + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning on duplicate points
            if spectral:
                lab = KMeans(k, n_init=3, max_iter=100, random_state=seed).fit_predict(_l2(emb[:, :k]))
                present = np.unique(lab)
                if len(present) < 2:
                    continue
                cents = np.vstack([big[lab == j].mean(axis=0) for j in present]).astype(np.float32)
                cents_by_k[k] = cents
                sample_labels = _nearest(sample, cents)
            else:
                km = KMeans(k, n_init=2 if level == 1 else 1, max_iter=60, random_state=seed).fit(sample)
                sample_labels = km.labels_
        if len(set(sample_labels)) < 2:
            continue
        scores[k] = _silhouette(dist, np.unique(sample_labels, return_inverse=True)[1], len(set(sample_labels)))
    logger.debug("level %d split of %d texts: silhouette by k %s", level, n, scores)
    if scores and max(scores.values()) > floor:
        # the fewest groups that are nearly as well separated as the best (broad themes first)
        top = max(scores.values())
        best_k = min(k for k, s in scores.items() if s >= top - tolerance * abs(top))
    if best_k == 1:
        return one
    if spectral:
        cents = cents_by_k[best_k]
        labels = _nearest(y, cents)
        keep = np.unique(labels)   # a centroid nobody is nearest to is dropped
        cents = cents[keep]
        labels = np.searchsorted(keep, labels).astype(np.int64)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            km = KMeans(best_k, n_init=3 if level == 1 else 1, max_iter=150 if level == 1 else 80,
                        random_state=seed).fit(y)
        labels, cents = km.labels_.astype(np.int64), km.cluster_centers_.astype(np.float32)
    labels, cents, _ = _merge_small(y, labels, cents, min_size)
    if len(cents) == 1:
        return one
    return labels, cents
