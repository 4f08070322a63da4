"""Sentiment from any local Hugging Face sequence-classification checkpoint.

:class:`TransformerSentiment` wraps a checkpoint folder (``config.json``, weights,
tokenizer files) as a voc pipeline step. It never downloads anything
(``local_files_only=True``): point it at a folder you trained, fine-tuned with
:meth:`TransformerSentiment.finetune`, or copied from the Hub yourself.

* **Labels** come from the checkpoint's ``config.id2label`` and are mapped to
  negative / neutral / positive by name (``negative``, ``neg``, ``负面``,
  ``1 star`` …); generic ``LABEL_0``/``LABEL_1`` names are read as
  negative/positive (and ``LABEL_0..2`` as negative/neutral/positive) with a
  :class:`~voc.errors.VocWarning`. Pass ``id2label`` to override.
* **Long texts** are split into windows of the model's limit (optionally
  overlapping, ``stride``) and the window probabilities are averaged, weighted
  by their number of tokens (``aggregate="mean"``), or only the first window
  is used (``aggregate="first"``, i.e. truncation).
* **Batching**: windows are sorted by length and run ``batch_size`` at a time,
  so padding stays small; results come back in input order.
* **Device**: ``"cpu"``, ``"cuda"``, ``"cuda:1"`` …; default CUDA when available.

torch and transformers are the ``neural`` extra (``pip install 'voc[neural]'``)
and are imported only when a model is first used, never by ``import voc``.

The result is a :class:`~voc.Sentiment` with ``polarity = P(positive) −
P(negative)``, ``score`` the probability of the label, and no evidence unless
``evidence=True`` asks for clause occlusion.
Probabilities are rounded to 4 decimals, so that a batched run gives the same
results as one text at a time in practice (padding adds float noise of about
1e-7; a result that sits exactly on a rounding boundary could still differ).
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .._input import as_text, as_texts
from .._types import POLARITIES, Document, Sentiment, Span
from ..errors import ConfigError, InputError, ModelLoadError, ModelNotFoundError, VocWarning

__all__ = ["NeuralExtraMissing", "TransformerSentiment", "checkpoint_labels"]

logger = logging.getLogger(__name__)

_INSTALL = "pip install 'voc[neural]'  (or: pip install torch transformers)"

# label name (lower-cased, stripped) → index into POLARITIES
_LABEL_NAMES: dict[str, int] = {}
for _i, _names in enumerate((
    ("negative", "neg", "negatif", "bad", "负面", "消极", "负向", "负", "差评", "1 star", "2 stars",
     "1 stars", "very negative"),
    ("neutral", "neu", "neut", "none", "mixed", "中性", "中立", "一般", "3 stars"),
    ("positive", "pos", "good", "正面", "积极", "正向", "正", "好评", "4 stars", "5 stars", "very positive"),
)):
    for _n in _names:
        _LABEL_NAMES[_n] = _i


# a clause: a run of text between sentence/clause punctuation (the unit of occlusion evidence)
_SEP = r"，。！？；、,.!?;~～\n"
_CLAUSE = re.compile(rf"[^{_SEP}\s](?:[^{_SEP}]*[^{_SEP}\s])?")


class NeuralExtraMissing(ModelLoadError, ImportError):
    """torch or transformers is not installed (they come with the ``neural`` extra)."""


def _neural() -> tuple[Any, Any]:
    """Import torch and transformers, or say how to install them."""
    try:
        import torch
        import transformers
    except ImportError as err:
        raise NeuralExtraMissing(
            f"TransformerSentiment needs torch and transformers ({err}); they are voc's optional "
            f"'neural' extra: {_INSTALL}"
        ) from err
    return torch, transformers


def checkpoint_labels(id2label: Mapping[Any, str], *, path: str = "the checkpoint") -> list[int]:
    """Map a checkpoint's ``id2label`` to indices into ``("negative", "neutral", "positive")``.

    >>> checkpoint_labels({0: "负面", 1: "正面"})
    [0, 2]
    >>> checkpoint_labels({0: "1 star", 1: "2 stars", 2: "3 stars", 3: "4 stars", 4: "5 stars"})
    [0, 0, 1, 2, 2]
    """
    try:
        items = sorted((int(k), str(v)) for k, v in id2label.items())
    except (TypeError, ValueError):
        raise ConfigError(f"id2label must map integer ids to label names, got {dict(id2label)!r:.200}") from None
    if [k for k, _ in items] != list(range(len(items))) or not items:
        raise ConfigError(f"id2label of {path} must have ids 0..n-1, got {[k for k, _ in items]}")
    names = [v.strip().lower() for _, v in items]
    mapped = [_LABEL_NAMES.get(n) for n in names]
    if all(m is not None for m in mapped):
        return [int(m) for m in mapped]  # type: ignore[arg-type]
    generic = all(n == f"label_{i}" or n == str(i) for i, n in enumerate(names))
    if generic and len(names) in (2, 3):
        guess = [0, 2] if len(names) == 2 else [0, 1, 2]
        warnings.warn(
            f"{path} has generic labels {[v for _, v in items]}; reading them as "
            f"{[POLARITIES[g] for g in guess]}. Pass id2label={{...}} to TransformerSentiment "
            "if that is wrong",
            VocWarning, stacklevel=2,
        )
        return guess
    unknown = [v for (_, v), m in zip(items, mapped) if m is None]
    raise ConfigError(
        f"cannot tell the polarity of label(s) {unknown} of {path}; pass "
        "id2label={id: 'negative' | 'neutral' | 'positive', ...} to TransformerSentiment"
    )


class _Loaded:
    """A loaded checkpoint; read-only after construction (the tokenizer is used under a lock)."""

    __slots__ = ("classes", "device", "max_len", "model", "n_special", "to_polarity", "tok_lock",
                 "tokenizer", "torch")

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


class TransformerSentiment:
    """Sentiment from a local Hugging Face sequence-classification checkpoint.

    Parameters
    ----------
    model_path
        Folder of the checkpoint (``config.json``, weights, tokenizer files).
    id2label
        Override the checkpoint's labels: ``{id: "negative" | "neutral" |
        "positive"}`` (other names as in :func:`checkpoint_labels`).
    device
        ``"cpu"``, ``"cuda"``, ``"cuda:0"``, ``"mps"``; ``None`` picks CUDA when
        available, else CPU.
    batch_size
        Windows per forward pass.
    max_length
        Tokens per window, special tokens included; default the model's limit
        (``max_position_embeddings``, e.g. 512).
    stride
        Tokens shared by consecutive windows of a long text.
    aggregate
        ``"mean"``: average the windows' probabilities weighted by their token
        counts; ``"first"``: use only the first window (plain truncation).
    normalize
        Normalise raw text with :class:`voc.Normalizer` in :meth:`predict` and
        :meth:`predict_batch` (documents from a pipeline are already normalised).
    evidence
        Explain each result by occlusion: every clause (split at ，。！？； …) is
        removed in turn and its weight is how much the polarity drops without
        it (> 0: the clause pushed towards positive). Costs one extra window
        per clause; off by default.

    Examples
    --------
    >>> from voc.sentiment_analysis.transformer import TransformerSentiment
    >>> m = TransformerSentiment("path/to/checkpoint", device="cpu")
    >>> m.max_length is None     # nothing is loaded until first use
    True
    """

    _PARAMS = ("model_path", "id2label", "device", "batch_size", "max_length", "stride", "aggregate",
               "normalize", "evidence")

    def __init__(self, model_path: str | os.PathLike[str], *, id2label: Mapping[int, str] | None = None,
                 device: str | None = None, batch_size: int = 32, max_length: int | None = None,
                 stride: int = 0, aggregate: Literal["mean", "first"] = "mean",
                 normalize: bool = True, evidence: bool = False) -> None:
        self.model_path = model_path
        self.id2label = id2label
        self.device = device
        self.batch_size = batch_size
        self.max_length = max_length
        self.stride = stride
        self.aggregate = aggregate
        self.normalize = normalize
        self.evidence = evidence
        self._loaded: _Loaded | None = None
        self._normalizer: Any = None
        self._lock = threading.Lock()

    # -- parameters, repr, pickling -------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments (scikit-learn style)."""
        return {k: getattr(self, k) for k in self._PARAMS}

    def __repr__(self) -> str:
        state = "loaded" if self._loaded is not None else "not loaded"
        return f"TransformerSentiment({str(self.model_path)!r}, device={self.device!r}) [{state}]"

    def __getstate__(self) -> dict[str, Any]:
        return self.get_params()  # the model reloads from model_path on first use

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        path = state.pop("model_path")
        self.__init__(path, **state)  # type: ignore[misc]

    # -- loading --------------------------------------------------------------------------------
    def _check_params(self) -> None:
        for name in ("batch_size",):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"{name} must be an int >= 1, got {v!r}")
        if self.max_length is not None and (isinstance(self.max_length, bool)
                                            or not isinstance(self.max_length, int) or self.max_length < 4):
            raise ConfigError(f"max_length must be None or an int >= 4, got {self.max_length!r}")
        if isinstance(self.stride, bool) or not isinstance(self.stride, int) or self.stride < 0:
            raise ConfigError(f"stride must be an int >= 0, got {self.stride!r}")
        if self.aggregate not in ("mean", "first"):
            raise ConfigError(f"aggregate must be 'mean' or 'first', got {self.aggregate!r}")

    def load(self) -> TransformerSentiment:
        """Load the checkpoint now (otherwise it loads on first use); returns ``self``."""
        self._get()
        return self

    def _get(self) -> _Loaded:
        loaded = self._loaded
        if loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._load()
                loaded = self._loaded
        return loaded

    def _load(self) -> _Loaded:
        self._check_params()
        folder = Path(self.model_path)
        if not folder.is_dir():
            raise ModelNotFoundError(
                f"no checkpoint folder at {folder}; TransformerSentiment loads local Hugging Face "
                "checkpoints only (a folder with config.json, weights and tokenizer files)"
            )
        if not (folder / "config.json").exists():
            raise ModelLoadError(
                f"{folder} has no config.json, so it is not a Hugging Face checkpoint; save one with "
                "model.save_pretrained(folder) and tokenizer.save_pretrained(folder)"
            )
        torch, transformers = _neural()
        device = _pick_device(torch, self.device)
        try:
            tokenizer = transformers.AutoTokenizer.from_pretrained(folder, local_files_only=True)
            model = transformers.AutoModelForSequenceClassification.from_pretrained(folder, local_files_only=True)
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ModelLoadError(
                f"could not load the checkpoint in {folder} ({type(err).__name__}: {err}); it needs "
                "config.json, the weights and the tokenizer files of a sequence-classification model"
            ) from err
        model.eval()
        model.to(device)
        config = model.config
        id2label = self.id2label if self.id2label is not None else config.id2label
        classes = checkpoint_labels(id2label, path=str(folder))
        if len(classes) != config.num_labels:
            raise ConfigError(
                f"id2label has {len(classes)} labels but the model in {folder} has {config.num_labels} outputs"
            )
        to_pol = np.zeros((len(classes), 3))
        to_pol[np.arange(len(classes)), classes] = 1.0
        max_len = self.max_length or _model_limit(config, tokenizer)
        n_special = len(tokenizer.build_inputs_with_special_tokens([])) \
            if hasattr(tokenizer, "build_inputs_with_special_tokens") else 2
        if max_len - n_special < 2:
            raise ConfigError(f"max_length {max_len} leaves no room for text after {n_special} special tokens")
        if self.stride >= max_len - n_special:
            raise ConfigError(
                f"stride {self.stride} must be smaller than the {max_len - n_special} text tokens of a window"
            )
        logger.info("loaded %s on %s (labels %s, window %d tokens)", folder, device, classes, max_len)
        return _Loaded(torch=torch, model=model, tokenizer=tokenizer, device=device, classes=classes,
                       to_polarity=to_pol, max_len=int(max_len), n_special=int(n_special),
                       tok_lock=threading.Lock())

    def _get_normalizer(self) -> Any:
        norm = self._normalizer
        if norm is None:
            with self._lock:
                if self._normalizer is None:
                    from ..normalization import Normalizer

                    self._normalizer = Normalizer()
                norm = self._normalizer
        return norm

    @property
    def labels_(self) -> tuple[str, ...]:
        """The polarity each model output is read as, in output order (loads the model)."""
        return tuple(POLARITIES[c] for c in self._get().classes)

    # -- windows and forward passes ------------------------------------------------------------------
    def _windows(self, ld: _Loaded, texts: Sequence[str]) -> tuple[list[dict[str, list[int]]], list[int]]:
        """Token windows of every text, and the text each window belongs to."""
        tok = ld.tokenizer
        with ld.tok_lock:  # a fast tokenizer's truncation settings are shared state
            if getattr(tok, "is_fast", False):
                enc = tok(list(texts), truncation=True, max_length=ld.max_len, stride=self.stride,
                          return_overflowing_tokens=True, padding=False)
                owner = list(enc.pop("overflow_to_sample_mapping"))
                keys = [k for k in enc.keys() if k in ("input_ids", "token_type_ids", "attention_mask")]
                wins = [{k: enc[k][i] for k in keys} for i in range(len(owner))]
                return wins, owner
            step = max(1, ld.max_len - ld.n_special - self.stride)  # slow tokenizer: split characters
            span = ld.max_len - ld.n_special
            pieces, owner = [], []
            for j, t in enumerate(texts):
                starts = range(0, max(len(t) - self.stride, 1), step) if t else [0]
                for s in starts:
                    pieces.append(t[s:s + span])
                    owner.append(j)
            enc = tok(pieces, truncation=True, max_length=ld.max_len, padding=False)
            keys = [k for k in enc.keys() if k in ("input_ids", "token_type_ids", "attention_mask")]
            return [{k: enc[k][i] for k in keys} for i in range(len(pieces))], owner

    def _probs(self, ld: _Loaded, texts: Sequence[str]) -> np.ndarray:
        """Rows of P(negative), P(neutral), P(positive), one per text."""
        if not texts:
            return np.zeros((0, 3))
        wins, owner = self._windows(ld, texts)
        if self.aggregate == "first":
            first: dict[int, int] = {}
            for i, o in enumerate(owner):
                first.setdefault(o, i)
            keep = sorted(first.values())
            wins, owner = [wins[i] for i in keep], [owner[i] for i in keep]
        lengths = np.asarray([len(w["input_ids"]) for w in wins])
        out = np.zeros((len(wins), len(ld.classes)))
        order = np.argsort(-lengths, kind="stable")  # longest first: batches of similar length
        torch = ld.torch
        with torch.inference_mode():
            for b in range(0, len(order), self.batch_size):
                idx = order[b:b + self.batch_size]
                with ld.tok_lock:
                    batch = ld.tokenizer.pad([wins[i] for i in idx], return_tensors="pt")
                batch = {k: v.to(ld.device) for k, v in batch.items()}
                logits = ld.model(**batch).logits.float()
                out[idx] = torch.softmax(logits, dim=-1).cpu().numpy()
        weights = np.maximum(lengths - ld.n_special, 1).astype(np.float64)
        per_text = np.zeros((len(texts), out.shape[1]))
        total = np.zeros(len(texts))
        np.add.at(per_text, np.asarray(owner), out * weights[:, None])
        np.add.at(total, np.asarray(owner), weights)
        per_text /= total[:, None]
        return per_text @ ld.to_polarity

    @staticmethod
    def _sentiment(p: np.ndarray, evidence: tuple[Span, ...] = ()) -> Sentiment:
        row = [round(float(v), 4) for v in p]
        k = max(range(3), key=row.__getitem__)
        return Sentiment(POLARITIES[k], row[k], round(row[2] - row[0], 4), evidence)  # type: ignore[arg-type]

    def _results(self, ld: _Loaded, texts: Sequence[str]) -> list[Sentiment]:
        """Sentiments of normalised texts, with occlusion evidence when asked for."""
        if not self.evidence:
            return [self._sentiment(p) for p in self._probs(ld, texts)]
        clauses = [[m.span() for m in _CLAUSE.finditer(t)] for t in texts]
        variants = [t[:a] + t[b:] for t, cl in zip(texts, clauses) for a, b in cl]
        probs = self._probs(ld, list(texts) + variants)
        pol = probs[:, 2] - probs[:, 0]
        out, k = [], len(texts)
        for i, (t, cl) in enumerate(zip(texts, clauses)):
            spans = [Span(a, b, t[a:b], weight=round(float(pol[i] - pol[k + j]), 4)) for j, (a, b) in enumerate(cl)]
            k += len(cl)
            spans.sort(key=lambda sp: -abs(sp.weight))
            out.append(self._sentiment(probs[i], tuple(spans)))
        return out

    # -- public prediction API --------------------------------------------------------------------------
    def _prepare(self, text: Any) -> str:
        text = as_text(text, what="text")
        return self._get_normalizer().normalize(text) if self.normalize else text

    def predict(self, text: str) -> Sentiment:
        """Sentiment of one raw text."""
        ld = self._get()
        return self._results(ld, [self._prepare(text)])[0]

    def predict_batch(self, texts: Iterable[str]) -> list[Sentiment]:
        """Sentiments of many raw texts, in order (batched by length)."""
        ld = self._get()
        clean = [self._prepare(t) for t in as_texts(texts)]
        return self._results(ld, clean)

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """Rows of P(negative), P(neutral), P(positive) for raw texts (unrounded)."""
        ld = self._get()
        return self._probs(ld, [self._prepare(t) for t in as_texts(texts)])

    def __call__(self, doc: Document) -> Document:
        """Pipeline step: the sentiment of ``doc.text``."""
        if not isinstance(doc, Document):
            raise InputError(
                f"TransformerSentiment() takes a voc.Document, got {type(doc).__name__}; "
                "use predict(text) for a plain string"
            )
        ld = self._get()
        return replace(doc, sentiment=self._results(ld, [doc.text])[0])

    def pipe(self, docs: Iterable[Document], *, batch_size: int = 256) -> Iterator[Document]:
        """Sentiments of a stream of documents, ``batch_size`` documents per call of the model."""
        if isinstance(docs, Document):
            raise InputError("pipe() expects an iterable of voc.Document; call the model on one Document")
        as_texts(docs, what="docs")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"batch_size must be an int >= 1, got {batch_size!r}")
        ld = self._get()
        batch: list[Document] = []
        for doc in docs:
            if not isinstance(doc, Document):
                raise InputError(f"pipe() expects voc.Document items, got {type(doc).__name__}")
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._pipe_batch(ld, batch)
                batch = []
        if batch:
            yield from self._pipe_batch(ld, batch)

    def _pipe_batch(self, ld: _Loaded, docs: list[Document]) -> Iterator[Document]:
        for doc, sent in zip(docs, self._results(ld, [d.text for d in docs])):
            yield replace(doc, sentiment=sent)

    # -- fine-tuning ---------------------------------------------------------------------------------------
    @classmethod
    def finetune(cls, base_path: str | os.PathLike[str], texts: Iterable[str], labels: Iterable[Any], *,
                 output_path: str | os.PathLike[str], epochs: int = 3, learning_rate: float = 3e-5,
                 batch_size: int = 16, max_length: int = 256, weight_decay: float = 0.01,
                 warmup_ratio: float = 0.1, seed: int = 0, device: str | None = None,
                 normalize: bool = True, label_scheme: str = "auto") -> TransformerSentiment:
        """Fine-tune a local checkpoint on your texts and labels; save it and return the model.

        ``base_path`` is any local checkpoint with a tokenizer (a plain
        pre-trained encoder such as a Chinese BERT, or a sentiment model to
        adapt); its classification head is replaced by one with your classes.
        Labels are read like :meth:`SentimentModel.fit` reads them
        (negative/neutral/positive names, 0/1, −1/0/1 or 1–5 stars).
        Texts are truncated to ``max_length`` tokens for training.

        Returns
        -------
        TransformerSentiment
            The fine-tuned model, saved in ``output_path``.
        """
        from .model import map_labels

        texts = [as_text(t, what="texts[i]") for t in as_texts(texts)]
        y = map_labels(list(as_texts(labels, what="labels")), label_scheme)  # type: ignore[arg-type]
        if len(texts) != len(y):
            raise InputError(f"finetune() got {len(texts)} texts but {len(y)} labels; pass one label per text")
        present = sorted(set(int(v) for v in y))
        if len(present) < 2:
            raise InputError("finetune() needs examples of at least two sentiment classes")
        for name, v, lo in (("epochs", epochs, 1), ("batch_size", batch_size, 1), ("max_length", max_length, 4)):
            if isinstance(v, bool) or not isinstance(v, int) or v < lo:
                raise ConfigError(f"{name} must be an int >= {lo}, got {v!r}")
        if not (isinstance(learning_rate, (int, float)) and 0 < learning_rate < 1):
            raise ConfigError(f"learning_rate must be in (0, 1), got {learning_rate!r}")
        if not 0 <= warmup_ratio < 1:
            raise ConfigError(f"warmup_ratio must be in [0, 1), got {warmup_ratio!r}")
        base = Path(base_path)
        if not (base / "config.json").exists():
            raise ModelNotFoundError(f"no Hugging Face checkpoint (config.json) at {base}")
        torch, transformers = _neural()
        dev = _pick_device(torch, device)
        if normalize:
            from ..normalization import Normalizer

            norm = Normalizer()
            texts = [norm.normalize(t) for t in texts]
        names = [POLARITIES[c + 1] for c in present]
        target = np.asarray([present.index(int(v)) for v in y], dtype=np.int64)
        try:
            tokenizer = transformers.AutoTokenizer.from_pretrained(base, local_files_only=True)
            model = transformers.AutoModelForSequenceClassification.from_pretrained(
                base, local_files_only=True, num_labels=len(names),
                id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)},
                ignore_mismatched_sizes=True,
            )
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ModelLoadError(f"could not load the checkpoint in {base} ({type(err).__name__}: {err})") from err
        model.to(dev)
        model.train()
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        enc = tokenizer(texts, truncation=True, max_length=max_length, padding=False)
        keys = [k for k in enc.keys() if k in ("input_ids", "token_type_ids", "attention_mask")]
        rows = [{k: enc[k][i] for k in keys} for i in range(len(texts))]
        no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight", "norm.weight")
        groups = [
            {"params": [p for n, p in model.named_parameters() if not any(s in n for s in no_decay)],
             "weight_decay": weight_decay},
            {"params": [p for n, p in model.named_parameters() if any(s in n for s in no_decay)],
             "weight_decay": 0.0},
        ]
        opt = torch.optim.AdamW(groups, lr=learning_rate)
        steps = epochs * math.ceil(len(rows) / batch_size)
        warm = int(steps * warmup_ratio)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: (s + 1) / max(1, warm) if s < warm else max(0.0, (steps - s) / max(1, steps - warm))
        )
        for epoch in range(epochs):
            perm = torch.randperm(len(rows), generator=gen).tolist()
            total = 0.0
            for b in range(0, len(perm), batch_size):
                idx = perm[b:b + batch_size]
                batch = tokenizer.pad([rows[i] for i in idx], return_tensors="pt")
                batch = {k: v.to(dev) for k, v in batch.items()}
                out = model(**batch, labels=torch.as_tensor(target[idx], device=dev))
                out.loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                opt.zero_grad()
                total += float(out.loss.detach()) * len(idx)
            logger.info("finetune epoch %d/%d: mean loss %.4f", epoch + 1, epochs, total / len(rows))
        model.eval()
        out_dir = Path(output_path)
        out_dir.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(out_dir)
        tokenizer.save_pretrained(out_dir)
        return cls(out_dir, device=device, normalize=normalize)


def _pick_device(torch: Any, device: str | None) -> Any:
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ConfigError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}") from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r} asked for, but torch sees no CUDA GPU; use device='cpu'")
    return dev


def _model_limit(config: Any, tokenizer: Any) -> int:
    """Tokens per window the model accepts, special tokens included."""
    limits = []
    pos = getattr(config, "max_position_embeddings", None)
    if isinstance(pos, int) and pos > 0:
        # RoBERTa-style models reserve padding_idx + 1 positions (514 → 512 tokens)
        offset = 2 if getattr(config, "model_type", "") in ("roberta", "xlm-roberta", "camembert") else 0
        limits.append(pos - offset)
    tml = getattr(tokenizer, "model_max_length", None)
    if isinstance(tml, int) and 0 < tml < 100_000:
        limits.append(tml)
    return min(limits) if limits else 512
