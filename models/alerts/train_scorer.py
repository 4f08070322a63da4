"""Train the alert text scorer shipped in models/alerts/scorer/.

Data: ../shared/data/dialogues/helpdesk_weibo.jsonl (real customer ↔ helpdesk
exchanges on Weibo; annotations CC BY 4.0). Target: mean annotator
satisfaction <= -1 ("very dissatisfied"). Dialogues whose id hashes into the
held-out fifth (zlib.crc32(id) % 5 == 0, the split benchmarks/alerts_eval.py
uses) are never seen here.

Run from the repository root (one core, about a minute):

    OMP_NUM_THREADS=1 .venv/bin/python models/alerts/train_scorer.py
"""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "dialogues" / "helpdesk_weibo.jsonl"
OUT = REPO / "models" / "alerts" / "scorer"
sys.path.insert(0, str(REPO))


def held_out(dialogue_id: str) -> bool:
    """The benchmark's held-out fifth (stable across runs and machines)."""
    return zlib.crc32(str(dialogue_id).encode("utf-8")) % 5 == 0


def main() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from voc.alerts._rules import fold
    from voc.alerts._scorer import TextScorer, grams

    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    train = [r for r in rows if not held_out(r["id"])]
    docs = [[t["text"] or "" for t in r["turns"] if t["role"] == "customer"] for r in train]
    y = np.array([np.mean(r["satisfaction"]) <= -1 for r in train], dtype=int)

    def analyzer(turns: list[str]) -> list[str]:
        out: list[str] = []
        for t in turns:
            out.extend(grams(fold(t)))
        return out

    vec = TfidfVectorizer(analyzer=analyzer, min_df=2, sublinear_tf=True, max_features=40000)
    X = vec.fit_transform(docs)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    best = None
    for C in (1.0, 2.0, 4.0, 8.0):
        p = cross_val_predict(LogisticRegression(C=C, max_iter=3000), X, y, cv=cv,
                              method="predict_proba")[:, 1]
        auc = roc_auc_score(y, p)
        print(f"C={C:<4} 5-fold AUC on the training part: {auc:.4f}")
        if best is None or auc > best[1]:
            best = (C, auc)
    assert best is not None
    # fusion: a small logistic model over logit(out-of-fold text probability), the rule
    # categories flagged and the "resolved" signal; category weights are kept >= 0 (a risk
    # flag never lowers the score): negative ones are dropped and the model refitted.
    oof = cross_val_predict(LogisticRegression(C=best[0], max_iter=3000), X, y, cv=cv,
                            method="predict_proba")[:, 1]
    import voc
    from voc.alerts import CATEGORIES, RiskDetector

    det = RiskDetector(signals=None, scorer=None)
    reps = list(det.pipe(voc.Dialogue(tuple(voc.Turn(t["role"], t["text"] or "") for t in r["turns"]))
                         for r in train))
    cats = list(CATEGORIES)
    F = np.array([[cat in rep.categories for cat in cats] for rep in reps], dtype=float)
    res = np.array([[rep.resolved] for rep in reps], dtype=float)
    lo = np.log(np.clip(oof, 1e-9, 1 - 1e-9) / (1 - np.clip(oof, 1e-9, 1 - 1e-9)))[:, None]
    keep = [k for k in range(len(cats)) if F[:, k].sum() >= 5]
    while True:
        Z = np.hstack([lo, F[:, keep], res])
        fz = LogisticRegression(C=1.0, max_iter=3000).fit(Z, y)
        w = fz.coef_[0]
        neg = [keep[k] for k in range(len(keep)) if w[1 + k] < 0]
        if not neg:
            break
        keep = [k for k in keep if k not in neg]
    fusion = {
        "intercept": float(fz.intercept_[0]), "model": float(w[0]), "resolved": float(w[-1]),
        "categories": {cats[k]: float(w[1 + i]) for i, k in enumerate(keep)},
    }
    fused = fz.predict_proba(Z)[:, 1]
    print(f"fusion: {json.dumps(fusion, ensure_ascii=False)}")
    print(f"out-of-fold AUC: text {roc_auc_score(y, oof):.4f}, fused {roc_auc_score(y, fused):.4f}")

    clf = LogisticRegression(C=best[0], max_iter=3000).fit(X, y)
    vocab = vec.get_feature_names_out().tolist()
    scorer = TextScorer(vocab, vec.idf_, clf.coef_[0], float(clf.intercept_[0]), {"fusion": fusion})
    # the incremental scorer must reproduce sklearn's probabilities exactly
    ref = clf.predict_proba(X[:200])[:, 1]
    mine = np.array([scorer.score_texts(d) for d in docs[:200]])
    assert np.allclose(ref, mine, atol=1e-9), float(np.abs(ref - mine).max())
    scorer.save(
        OUT,
        trained_on="helpdesk_weibo.jsonl minus held-out fifth (crc32(id) % 5 == 0)",
        target="mean satisfaction <= -1",
        n_train=len(train), positives=int(y.sum()), C=best[0], cv_auc=round(best[1], 4),
    )
    print(f"saved {OUT} ({len(vocab)} features, C={best[0]}, train n={len(train)}, positives={int(y.sum())})")


if __name__ == "__main__":
    main()
