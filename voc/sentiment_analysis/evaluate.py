"""Evaluate a sentiment model on labelled texts: accuracy, macro-F1, ROC-AUC, confusion matrix.

>>> from voc.sentiment_analysis import SentimentModel, evaluate
>>> r = evaluate(SentimentModel.load(), ["很好用，推荐", "太差了，退货"], [1, 0])
>>> r.accuracy
1.0

From a shell, for a CSV with ``text`` and ``label`` columns::

    python -m voc.sentiment_analysis.evaluate reviews.csv --text-col review --label-col label
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from ..errors import InputError

__all__ = ["EvalReport", "evaluate", "evaluate_csv"]

_NAMES = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class EvalReport:
    """Scores of one evaluation. ``binary`` is True when the gold labels have no neutral:
    then a prediction is its polarity's sign (as for the 0/1 review sets)."""

    n: int
    binary: bool
    accuracy: float
    macro_f1: float
    roc_auc: float
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [
            f"n={self.n}  mode={'binary (sign of polarity)' if self.binary else '3-class'}",
            f"accuracy  {self.accuracy:.4f}",
            f"macro-F1  {self.macro_f1:.4f}",
            f"ROC-AUC   {self.roc_auc:.4f}" + ("" if self.binary else " (one-vs-rest, macro)"),
            "confusion (rows = gold, columns = predicted):",
        ]
        w = max(len(x) for x in self.labels) + 2
        lines.append(" " * w + "".join(f"{x:>{w}}" for x in self.labels))
        for name, row in zip(self.labels, self.confusion):
            lines.append(f"{name:>{w}}" + "".join(f"{v:>{w}d}" for v in row))
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """The figures as a plain dict (for tables and JSON)."""
        return {"n": self.n, "binary": self.binary, "accuracy": self.accuracy,
                "macro_f1": self.macro_f1, "roc_auc": self.roc_auc,
                "labels": list(self.labels), "confusion": [list(r) for r in self.confusion]}


def evaluate(model: Any, texts: Iterable[str], labels: Iterable[Any], *,
             scheme: str = "auto") -> EvalReport:
    """Score ``model`` (a :class:`SentimentModel` or anything with ``predict_proba``) on labelled texts.

    Gold labels are read like :meth:`SentimentModel.fit` reads them (binary,
    three-class, or 1–5 stars). With binary gold labels the prediction is the
    sign of ``polarity`` and ROC-AUC ranks by polarity; otherwise the three-class
    label and one-vs-rest AUC.
    """
    from sklearn.metrics import confusion_matrix, f1_score, roc_auc_score

    from .model import map_labels

    if not callable(getattr(model, "predict_proba", None)):
        raise InputError(f"evaluate() needs a model with predict_proba (a voc.SentimentModel), "
                         f"got {type(model).__name__}; load one with voc.SentimentModel.load(path)")
    texts = list(texts)
    gold = map_labels(list(labels), scheme)  # type: ignore[arg-type]
    if len(texts) != len(gold):
        raise InputError(f"evaluate() got {len(texts)} texts but {len(gold)} labels")
    proba = np.asarray(model.predict_proba(texts), dtype=np.float64)
    binary = not (gold == 0).any()
    if binary:
        polarity = proba[:, 2] - proba[:, 0]
        pred = np.where(polarity >= 0, 1, -1)
        names: tuple[str, ...] = ("negative", "positive")
        order = [-1, 1]
        auc = float(roc_auc_score(gold > 0, polarity)) if len(set(gold.tolist())) == 2 else float("nan")
    else:
        pred = np.asarray([-1, 0, 1])[proba.argmax(axis=1)]
        names = _NAMES
        order = [-1, 0, 1]
        present = sorted(set(gold.tolist()))
        try:
            auc = float(np.mean([roc_auc_score(gold == k, proba[:, k + 1]) for k in present]))
        except ValueError:
            auc = float("nan")
    cm = confusion_matrix(gold, pred, labels=order)
    return EvalReport(
        n=len(texts), binary=binary,
        accuracy=float((pred == gold).mean()) if len(texts) else float("nan"),
        macro_f1=float(f1_score(gold, pred, labels=order, average="macro", zero_division=0)),
        roc_auc=auc, labels=names, confusion=tuple(tuple(int(v) for v in r) for r in cm),
    )


def evaluate_csv(path: str, *, model: Any = None, text_col: str = "text", label_col: str = "label",
                 scheme: str = "auto", out: TextIO | None = sys.stdout, **read_csv: Any) -> EvalReport:
    """Evaluate on a labelled CSV file and write the report to ``out`` (``None``: don't write).

    ``model`` defaults to the shipped :class:`SentimentModel`; rows with a
    missing text or label are dropped (and counted in the report's ``extra``).
    """
    import pandas as pd

    from .model import SentimentModel

    df = pd.read_csv(path, **read_csv)
    for col in (text_col, label_col):
        if col not in df.columns:
            raise InputError(f"{path} has no column {col!r}; its columns are {list(df.columns)}; "
                             "pass text_col=/label_col=")
    before = len(df)
    df = df.dropna(subset=[text_col, label_col])
    if model is None:
        model = SentimentModel.load()
    report = evaluate(model, df[text_col].astype(str).tolist(), df[label_col].tolist(), scheme=scheme)
    report.extra["dropped_rows"] = before - len(df)
    if out is not None:
        out.write(f"{path}\n{report}\n")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m voc.sentiment_analysis.evaluate FILE.csv [--model DIR] [--text-col C] [--label-col C]``."""
    ap = argparse.ArgumentParser(prog="python -m voc.sentiment_analysis.evaluate", description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("--model", default=None, help="saved model folder (default: the shipped model)")
    ap.add_argument("--text-col", default="text")
    ap.add_argument("--label-col", default="label")
    ap.add_argument("--scheme", default="auto", choices=["auto", "binary", "three", "stars"])
    ap.add_argument("--no-rules", action="store_true", help="switch the rule layer off")
    args = ap.parse_args(argv)
    from .model import SentimentModel

    model = SentimentModel.load(args.model)
    if args.no_rules:
        model.set_params(rules=False)
    evaluate_csv(args.csv, model=model, text_col=args.text_col, label_col=args.label_col,
                 scheme=args.scheme)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
