"""Pipeline: normalise → segment → sentiment → emotion, for one text or a stream.

A :class:`Pipeline` owns one component per step and builds each lazily, on
first use, under a lock; after that it is read-only and safe to share between
threads. It pickles without its lock (for process pools, Spark and Dask) and
rebuilds nothing it already had.

>>> import voc
>>> p = voc.Pipeline(steps=["segment"])
>>> p("物流很快，包装完好").words[:2]
['物流', '很快']
"""

from __future__ import annotations

import contextlib
import gc
import numbers
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, overload

from ._input import as_text, as_texts, is_missing
from ._types import Document
from .errors import ConfigError, InputError, VocError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .normalization import Normalizer

__all__ = [
    "STEPS",
    "Pipeline",
    "analyze_frame",
    "get_default_pipeline",
    "output_columns",
    "set_default_pipeline",
]


def _make_segmenter() -> Any:
    from .segmentation import Segmenter

    return Segmenter()


def _make_sentiment() -> Any:
    from .sentiment_analysis import SentimentModel

    return SentimentModel.load()


def _make_emotion() -> Any:
    from .sentiment_analysis import EmotionModel

    return EmotionModel.load()


def _make_opinions() -> Any:
    from .opinion_mining import OpinionExtractor

    return OpinionExtractor.load()


# name → factory of the default component; order is the order steps run in.
_FACTORIES: dict[str, Callable[[], Any]] = {
    "segment": _make_segmenter,
    "sentiment": _make_sentiment,
    "emotion": _make_emotion,
    "opinions": _make_opinions,
}
#: Every step a pipeline can run, in the order it runs them.
STEPS: tuple[str, ...] = tuple(_FACTORIES)
_DEFAULT_STEPS: tuple[str, ...] = STEPS


def _check_steps(steps: Iterable[str] | str | None) -> tuple[str, ...]:
    if steps is None:
        return _DEFAULT_STEPS
    if isinstance(steps, str):
        steps = [s.strip() for s in steps.split(",") if s.strip()]
    try:
        wanted = list(steps)
    except TypeError:
        raise ConfigError(f"steps must be a list of step names or a comma-separated str, got {steps!r}; "
                          f"choose from {list(STEPS)}") from None
    unknown = [s for s in wanted if not isinstance(s, str) or s not in _FACTORIES]
    if unknown:
        raise ConfigError(
            f"unknown step(s) {unknown}; choose from {list(STEPS)} "
            "(normalisation always runs first)"
        )
    return tuple(s for s in STEPS if s in wanted)  # canonical order, no duplicates


class Pipeline:
    """Run voc's per-text analyses in order and return a :class:`~voc.Document`.

    Parameters
    ----------
    steps
        Which steps to run after normalisation, from :data:`STEPS`
        (``"segment"``, ``"sentiment"``, ``"emotion"``, ``"opinions"``). Default: all.
        A list or a comma-separated string.
    normalizer
        A :class:`voc.Normalizer`; default ``Normalizer()``.
    components
        Ready-made components by step name, e.g.
        ``{"sentiment": SentimentModel.load("my_model")}``; the rest are the
        shipped defaults, loaded on first use.

    Examples
    --------
    >>> import voc
    >>> p = voc.Pipeline(steps="segment")
    >>> [d.words for d in p.pipe(["好评", "差评"])]
    [['好评'], ['差评']]
    """

    def __init__(
        self,
        *,
        steps: Iterable[str] | str | None = None,
        normalizer: Normalizer | None = None,
        components: dict[str, Any] | None = None,
    ) -> None:
        self.steps = _check_steps(steps)
        if normalizer is not None and not callable(normalizer):
            raise ConfigError(f"normalizer must be a voc.Normalizer, got {type(normalizer).__name__}")
        if components is not None and not isinstance(components, dict):
            raise ConfigError(f"components must be a dict of step name -> component, got {type(components).__name__}; "
                              'e.g. {"sentiment": voc.SentimentModel.load("my_model")}')
        self.normalizer = normalizer
        self.components = dict(components or {})
        unknown = set(self.components) - set(_FACTORIES)
        if unknown:
            raise ConfigError(f"components for unknown steps {sorted(unknown)}; choose from {list(STEPS)}")
        self._lock = threading.Lock()

    # -- components ---------------------------------------------------------
    def get_normalizer(self) -> Normalizer:
        """The normaliser, built on first use."""
        if self.normalizer is None:
            with self._lock:
                if self.normalizer is None:
                    from .normalization import Normalizer

                    self.normalizer = Normalizer()
        return self.normalizer

    def get(self, step: str) -> Any:
        """The component that runs ``step``, loaded on first use (thread-safe)."""
        comp = self.components.get(step)
        if comp is None:
            if step not in _FACTORIES:
                raise ConfigError(f"unknown step {step!r}; choose from {list(STEPS)}")
            with self._lock:
                comp = self.components.get(step)
                if comp is None:
                    comp = _FACTORIES[step]()
                    self.components[step] = comp
        return comp

    # -- running ------------------------------------------------------------
    def _run(self, doc: Document, steps: Sequence[str]) -> Document:
        for name in steps:
            out = self.get(name)(doc)
            if not isinstance(out, Document):
                raise VocError(f"step {name!r} returned {type(out).__name__}, expected a voc.Document")
            doc = out
        return doc

    def __call__(self, text: str, *, id: Any = None) -> Document:
        """Analyse one text."""
        doc = self.get_normalizer()(as_text(text), id=id)
        return self._run(doc, self.steps)

    def run(self, text: str, *, steps: Iterable[str] | str, id: Any = None) -> Document:
        """Analyse one text with only some of this pipeline's steps (those it needs come first)."""
        wanted = _check_steps(steps)
        doc = self.get_normalizer()(as_text(text), id=id)
        return self._run(doc, wanted)

    @overload
    def pipe(self, texts: Iterable[str], *, batch_size: int = ..., as_tuples: bool = ...) -> Iterator[Document]: ...
    @overload
    def pipe(self, texts: Iterable[tuple[str, Any]], *, batch_size: int = ..., as_tuples: bool = ...) -> Iterator[Document]: ...

    def pipe(self, texts: Iterable[Any], *, batch_size: int = 256, as_tuples: bool = False) -> Iterator[Document]:
        """Analyse many texts lazily, in order, ``batch_size`` at a time.

        With ``as_tuples=True`` the input is ``(text, id)`` pairs and each
        document carries its id. Yields exactly what calling one by one would.
        """
        yield from self._pipe(texts, batch_size=batch_size, as_tuples=as_tuples)

    def _pipe(self, texts: Iterable[Any], *, batch_size: int, as_tuples: bool = False,
              evidence: bool = True) -> Iterator[Document]:
        """:meth:`pipe`; ``evidence=False`` lets steps skip ``Sentiment.evidence`` (for
        callers that never read it, such as :func:`analyze_frame`)."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ConfigError(f"batch_size must be an int >= 1, got {batch_size!r}")
        as_texts(texts)
        normalizer = self.get_normalizer()
        comps = [self.get(s) for s in self.steps]
        options = [{} if evidence or not _takes_evidence(c) else {"evidence": False} for c in comps]
        batch: list[Document] = []
        for item in texts:
            if as_tuples:
                try:
                    if isinstance(item, (str, bytes)):  # "好评" would unpack as ("好", "评")
                        raise TypeError
                    text, ident = item
                except (TypeError, ValueError):
                    raise InputError(
                        f"pipe(as_tuples=True) expects (text, id) pairs, got {item!r:.60}"
                    ) from None
            else:
                text, ident = item, None
            batch.append(normalizer(as_text(text), id=ident))
            if len(batch) >= batch_size:
                yield from self._pipe_batch(batch, comps, options)
                batch = []
        if batch:
            yield from self._pipe_batch(batch, comps, options)

    @staticmethod
    def _pipe_batch(docs: list[Document], comps: list[Any],
                    options: list[dict[str, Any]] | None = None) -> list[Document]:
        for k, comp in enumerate(comps):
            pipe = getattr(comp, "pipe", None)
            kw = options[k] if options else {}
            docs = list(pipe(docs, batch_size=len(docs), **kw)) if pipe else [comp(d) for d in docs]
        return docs

    # -- pickling -------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {"steps": self.steps, "normalizer": self.normalizer, "components": self.components}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.steps = state["steps"]
        self.normalizer = state["normalizer"]
        self.components = state["components"]
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Pipeline(steps={list(self.steps)})"


def _takes_evidence(comp: Any) -> bool:
    """Whether ``comp.pipe`` takes ``evidence=``: voc's own sentiment models do."""
    import inspect

    pipe = getattr(comp, "pipe", None)
    if pipe is None or not type(comp).__module__.startswith("voc."):
        return False
    try:
        return "evidence" in inspect.signature(pipe).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return False


# -- the default pipeline ------------------------------------------------------
_default: Pipeline | None = None
_default_lock = threading.Lock()


def get_default_pipeline() -> Pipeline:
    """The pipeline behind ``voc.analyze`` and friends, built on first call."""
    global _default
    p = _default
    if p is None:
        with _default_lock:
            if _default is None:
                _default = Pipeline()
            p = _default
    return p


def set_default_pipeline(pipeline: Pipeline | None) -> None:
    """Make ``pipeline`` the one behind the plain functions (``None`` resets to the default).

    >>> import voc
    >>> voc.set_default_pipeline(voc.Pipeline(steps="segment"))
    >>> voc.set_default_pipeline(None)
    """
    global _default
    if pipeline is not None and not isinstance(pipeline, Pipeline):
        raise ConfigError(f"set_default_pipeline expects a voc.Pipeline or None, got {type(pipeline).__name__}")
    with _default_lock:
        _default = pipeline


# One pipeline per process and step set, for process pools, Spark and Dask workers:
# the models load once per worker. Keyed by configuration, so callers never share settings.
_WORKER_PIPELINES: dict[tuple[str, ...], Pipeline] = {}
_WORKER_LOCK = threading.Lock()


def _worker_pipeline(steps: tuple[str, ...], pipeline: Pipeline | None = None) -> Pipeline:
    if pipeline is not None:
        return pipeline
    with _WORKER_LOCK:
        p = _WORKER_PIPELINES.get(steps)
        if p is None:
            p = _WORKER_PIPELINES[steps] = Pipeline(steps=steps)
        return p


# -- DataFrame in, DataFrame out -------------------------------------------------
def output_columns(steps: Iterable[str] | str | None = None) -> list[tuple[str, str]]:
    """The columns :func:`analyze_frame` adds for ``steps``, as ``(name, kind)``.

    ``kind`` is one of ``"string"``, ``"double"``, ``"long"``, ``"list[string]"``,
    ``"opinions"`` (a list of opinion records, see ``voc.opinion_mining.to_records``)
    — what the Spark and Dask adapters turn into their schemas.

    >>> output_columns("sentiment")[:2]
    [('text_norm', 'string'), ('sentiment_label', 'string')]
    """
    chosen = _check_steps(steps)
    cols = [("text_norm", "string")]
    if "segment" in chosen:
        cols.append(("words", "list[string]"))
    if "sentiment" in chosen:
        cols += [("sentiment_label", "string"), ("sentiment_polarity", "double"), ("sentiment_score", "double")]
    if "emotion" in chosen:
        cols.append(("emotion_label", "string"))
    if "opinions" in chosen:
        cols += [("opinions", "opinions"), ("n_opinions", "long")]
    cols.append(("voc_error", "string"))
    return cols


def _columns_for(doc: Document | None, steps: Sequence[str], error: str | None) -> dict[str, Any]:
    row: dict[str, Any] = {"text_norm": doc.text if doc is not None else None}
    if "segment" in steps:
        row["words"] = doc.words if doc is not None and doc.tokens is not None else None
    if "sentiment" in steps:
        s = doc.sentiment if doc is not None else None
        row["sentiment_label"] = s.label if s else None
        row["sentiment_polarity"] = s.polarity if s else float("nan")
        row["sentiment_score"] = s.score if s else float("nan")
    if "emotion" in steps:
        e = doc.emotion if doc is not None else None
        row["emotion_label"] = e.label if e else None
    if "opinions" in steps:
        from .opinion_mining import to_records

        ops = doc.opinions if doc is not None else None
        row["opinions"] = to_records(ops) if ops is not None else None
        row["n_opinions"] = len(ops) if ops is not None else None
    row["voc_error"] = error
    return row


def _analyze_rows(pipeline: Pipeline, texts: Sequence[Any], steps: tuple[str, ...],
                  batch_size: int) -> list[dict[str, Any]]:
    """Analyse texts; rows that fail are reported in ``voc_error``, never dropped."""
    rows: list[dict[str, Any] | None] = [None] * len(texts)
    good: list[int] = []
    for i, value in enumerate(texts):
        if is_missing(value):
            rows[i] = _columns_for(None, steps, "missing text (None/NaN)")
            continue
        try:
            as_text(value)
        except InputError as err:
            rows[i] = _columns_for(None, steps, str(err))
            continue
        good.append(i)
    sub = Pipeline(steps=steps, normalizer=pipeline.get_normalizer(),
                   components={s: pipeline.get(s) for s in steps})
    # the frame has no evidence column: skip it unless a step of the caller's own might read it
    evidence = not all(type(sub.get(s)).__module__.startswith("voc.") for s in steps)
    for start in range(0, len(good), batch_size):
        idx = good[start:start + batch_size]
        try:
            docs = list(sub._pipe([texts[i] for i in idx], batch_size=batch_size, evidence=evidence))
        except Exception:  # noqa: BLE001 - isolate the failing rows one by one
            for i in idx:
                try:
                    rows[i] = _columns_for(sub(texts[i]), steps, None)
                except Exception as err:  # noqa: BLE001 - a row that fails is reported
                    rows[i] = _columns_for(None, steps, f"{type(err).__name__}: {err}")
            continue
        for i, doc in zip(idx, docs):
            rows[i] = _columns_for(doc, steps, None)
    return rows  # type: ignore[return-value]


_POOL_PIPELINE: Pipeline | None = None  # set once in each worker process by _init_pool_worker

#: collector thresholds in the processes voc owns while they analyse batches (the ``voc``
#: command, its worker processes): see :func:`batch_gc`
_BATCH_GC_THRESHOLD = (10_000, 50, 100)


@contextlib.contextmanager
def batch_gc() -> Iterator[Callable[[], None]]:
    """Fewer garbage collections while a batch runs in a process voc owns (the ``voc`` command).

    Analysing a row allocates thousands of short-lived objects (documents, tokens,
    opinion records) that reference counting frees; but the default gen-0 threshold
    (700 allocations) runs a collection every row or two, and the older generations
    walk every object of the loaded models. Higher thresholds, and freezing the loaded
    models (call the yielded function once they are loaded), cut collection time from
    12 % to 3 % of ``voc analyze`` with all steps (20,000 reviews). Results are
    unchanged. On exit the thresholds are restored and frozen objects unfrozen, so
    calling ``voc.cli.main`` in-process leaves the collector as it found it.

    >>> with batch_gc() as loaded:
    ...     loaded()
    """
    old = gc.get_threshold()
    gc.set_threshold(*_BATCH_GC_THRESHOLD)
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()
        gc.set_threshold(*old)


def _exit_with_parent() -> None:
    """In a worker process: leave Ctrl-C to the parent (it stops the pool; the worker printed a
    KeyboardInterrupt traceback of its own), and exit when the parent dies, even by SIGKILL
    (an orphaned worker held its ~300 MB of models until killed by hand)."""
    import multiprocessing as mp
    import os
    import signal
    import threading

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # pragma: no cover - not the main thread
        pass
    parent = mp.parent_process()
    if parent is None:  # pragma: no cover - not started by multiprocessing
        return

    def watch() -> None:
        from multiprocessing.connection import wait

        wait([parent.sentinel])  # ready when the parent's end of the pipe closes: it has exited
        os._exit(1)

    threading.Thread(target=watch, name="voc-parent-watch", daemon=True).start()


def _init_pool_worker(pipeline: Pipeline) -> None:
    global _POOL_PIPELINE
    _POOL_PIPELINE = pipeline
    _exit_with_parent()
    # a worker process is voc's own: the batch collector settings for its whole life
    gc.set_threshold(*_BATCH_GC_THRESHOLD)
    gc.freeze()


def _analyze_chunk(args: tuple[list[Any], tuple[str, ...], int]) -> list[dict[str, Any]]:
    texts, steps, batch_size = args
    assert _POOL_PIPELINE is not None, "worker not initialised"
    return _analyze_rows(_POOL_PIPELINE, texts, steps, batch_size)


class RowAnalyzer:
    """Analyse lists of cells into row dicts, in this process or a pool that lives across calls.

    The CLI feeds it chunk after chunk; the worker processes (``spawn``, so no
    lock held by another thread is copied) receive the loaded pipeline once.
    Results equal the serial run, in order.
    """

    def __init__(self, pipeline: Pipeline, steps: tuple[str, ...], *, n_jobs: int = 1,
                 batch_size: int = 512) -> None:
        self.pipeline, self.steps, self.n_jobs, self.batch_size = pipeline, steps, n_jobs, batch_size
        self._pool: Any = None

    def __enter__(self) -> RowAnalyzer:
        return self

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            if exc_type is not None:  # interrupted or failed: stop the workers now, not after their batches
                for proc in list((getattr(pool, "_processes", None) or {}).values()):
                    proc.terminate()
                pool.shutdown(wait=True, cancel_futures=True)
            else:
                pool.shutdown()

    def load(self) -> RowAnalyzer:
        """Load the pipeline's models now (the first chunk would otherwise)."""
        for s in self.steps:
            self.pipeline.get(s)
        self.pipeline.get_normalizer()
        return self

    def _get_pool(self) -> Any:
        if self._pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            self.load()  # here once; each worker unpickles the loaded models once
            self._pool = ProcessPoolExecutor(max_workers=self.n_jobs, mp_context=mp.get_context("spawn"),
                                             initializer=_init_pool_worker, initargs=(self.pipeline,))
        return self._pool

    def analyze(self, texts: Sequence[Any]) -> list[dict[str, Any]]:
        if self.n_jobs == 1 or len(texts) < 2 * self.batch_size:
            return _analyze_rows(self.pipeline, texts, self.steps, self.batch_size)
        size = max(self.batch_size, -(-len(texts) // (self.n_jobs * 4)))
        chunks = [(list(texts[i:i + size]), self.steps, self.batch_size) for i in range(0, len(texts), size)]
        return [r for part in self._get_pool().map(_analyze_chunk, chunks) for r in part]


def rows_frame(rows: list[dict[str, Any]], index: Any, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The frame of analysed rows (what :func:`_analyze_rows` returns) on ``index``;
    ``n_opinions`` stays an integer column, missing (not NaN) on failed rows."""
    import pandas as pd

    out = pd.DataFrame(rows, index=index, columns=columns)
    if "n_opinions" in out.columns:
        out["n_opinions"] = out["n_opinions"].astype("Int64")
    return out


def analyze_frame(
    df: pd.DataFrame,
    *,
    text_col: str,
    steps: Iterable[str] | str | None = None,
    n_jobs: int = 1,
    batch_size: int = 512,
    pipeline: Pipeline | None = None,
) -> pd.DataFrame:
    """Analyse a column of texts; return a new frame with the same index.

    Columns: ``text_norm``; with ``segment``: ``words``; with ``sentiment``:
    ``sentiment_label``, ``sentiment_polarity``, ``sentiment_score``; with
    ``emotion``: ``emotion_label``; with ``opinions``: ``opinions`` (a list of
    dicts: aspect, opinion, polarity, category path, spans) and ``n_opinions``;
    always ``voc_error`` (``None``, or why the
    row could not be analysed: a missing or non-text cell is reported there,
    not dropped and not fatal). A :class:`~voc.errors.VocWarning` says how many
    rows failed.

    Parameters
    ----------
    df
        The input frame; it is not modified.
    text_col
        Name of the column holding the texts.
    steps
        Subset of :data:`STEPS` to run (default: all), e.g. ``["sentiment"]``.
    n_jobs
        Worker processes (1 = in this process). Results equal the serial run.
    pipeline
        The pipeline to use (default: the default pipeline).

    Examples
    --------
    >>> import pandas as pd, voc
    >>> df = pd.DataFrame({"review": ["物流很快", "軟體不錯"]}, index=[10, 11])
    >>> voc.analyze_frame(df, text_col="review", steps="segment")[["text_norm", "words"]]
       text_norm     words
    10      物流很快  [物流, 很快]
    11      软件不错  [软件, 不错]
    """
    import warnings

    import pandas as pd

    from .errors import VocWarning

    if not isinstance(df, pd.DataFrame):
        raise InputError(f"analyze_frame expects a pandas DataFrame, got {type(df).__name__}")
    if not isinstance(text_col, str) and not isinstance(text_col, numbers.Number):
        raise InputError(f"text_col must be one column name, got {type(text_col).__name__} ({text_col!r:.40})")
    if text_col not in df.columns:
        raise InputError(
            f"column {text_col!r} not in the frame; columns are {list(df.columns)[:20]}. "
            "Pass text_col=<the column with the texts>"
        )
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs < 1:
        raise ConfigError(f"n_jobs must be a positive int, got {n_jobs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ConfigError(f"batch_size must be a positive int, got {batch_size!r}")
    if pipeline is not None and not isinstance(pipeline, Pipeline):
        raise ConfigError(f"pipeline must be a voc.Pipeline or None, got {type(pipeline).__name__}")
    column = df[text_col]
    if isinstance(column, pd.DataFrame):
        raise InputError(
            f"the frame has {column.shape[1]} columns named {text_col!r}; rename them so the "
            "text column's name is unique (df.columns = [...])"
        )
    chosen = _check_steps(steps)
    p = pipeline or get_default_pipeline()
    texts = column.tolist()
    with RowAnalyzer(p, chosen, n_jobs=int(n_jobs), batch_size=int(batch_size)) as analyzer:
        rows = analyzer.analyze(texts)
    out = rows_frame(rows, df.index, [name for name, _ in output_columns(chosen)])
    failed = int(out["voc_error"].notna().sum())
    if failed:
        warnings.warn(
            f"{failed} of {len(out)} rows could not be analysed; see the voc_error column",
            VocWarning,
            stacklevel=2,
        )
    return out
