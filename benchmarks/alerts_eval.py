"""Quality and speed of voc's dialogue risk alerts, side by side with a reference.

Run by hand from the repository root, single core:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/alerts_eval.py [--no-signals] [--speed-only]
        [--repeats 3] [--json out.json]

1. Helpdesk (``../shared/data/dialogues/helpdesk_weibo.jsonl``), held-out fifth
   (``zlib.crc32(id) % 5 == 0``; the shipped text scorer never saw it): ROC-AUC
   of the score for "high risk" = mean satisfaction <= -1 (and accomplishment
   <= -1), precision/recall at level "high".
2. Challenge set (``benchmarks/data/alerts_challenge.jsonl``, hand-written):
   high-risk precision/recall/F1 at level "high", per-category precision and
   recall of the flags, and every hard negative that reaches "high".
3. Streaming latency per turn (monitor.feed, p50/p99) and batch throughput, in
   this thread's CPU time, best of ``--repeats`` runs (other processes on a
   shared machine inflate even CPU time; the best run is the least disturbed).
4. Alert volume on the JD chat log (real e-commerce sessions, no risk labels).

Reference: the maximum over customer turns of P(negative) from a TF-IDF
character-n-gram logistic regression trained on the review sets in
``../shared/data/sentiment``, plus 0.25 x a plain count of risk keywords
(capped at 4); "high" = at least one keyword.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
import warnings
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data"
HELPDESK = DATA / "dialogues" / "helpdesk_weibo.jsonl"
CHALLENGE = HERE / "data" / "alerts_challenge.jsonl"

REF_KEYWORDS = ["投诉", "12315", "工信部", "曝光", "媒体", "律师", "起诉", "报警", "退款", "赔偿", "骗",
                "销户", "转网", "领导", "人工", "垃圾", "再也不", "差评", "举报", "消协"]


def held_out(dialogue_id: str) -> bool:
    return zlib.crc32(str(dialogue_id).encode("utf-8")) % 5 == 0


def auc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s))


def prf(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    tp = int((y & pred).sum())
    p = tp / max(int(pred.sum()), 1)
    r = tp / max(int(y.sum()), 1)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


# -- reference ---------------------------------------------------------------------------
class Reference:
    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        texts, labels = [], []
        for name in ("online_shopping_9cats.csv", "waimai.csv"):
            with open(DATA / "sentiment" / name, encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    t = (row.get("review") or "").strip()
                    if t:
                        texts.append(t)
                        labels.append(int(row["label"]))
        self.vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                   max_features=100000)
        X = self.vec.fit_transform(texts)
        self.clf = LogisticRegression(C=4.0, max_iter=2000).fit(X, labels)

    def negativity(self, texts: list[str]) -> np.ndarray:
        return self.clf.predict_proba(self.vec.transform(texts))[:, 0]

    def score(self, dialogues: list[list[dict]]) -> tuple[np.ndarray, np.ndarray]:
        cust = [[t["text"] or "" for t in d if t["role"] == "customer"] or [""] for d in dialogues]
        flat = [t for c in cust for t in c]
        neg = self.negativity(flat)
        out, kws = [], []
        k = 0
        for c in cust:
            mx = float(neg[k:k + len(c)].max())
            k += len(c)
            kw = sum(t.count(w) for t in c for w in REF_KEYWORDS)
            kws.append(kw)
            out.append(mx + 0.25 * min(kw, 4))
        return np.array(out), np.array(kws)


# -- helpers ------------------------------------------------------------------------------
def to_dialogue(rec: dict):
    import voc

    return voc.Dialogue(tuple(voc.Turn(t["role"], t["text"] or "", t.get("ts")) for t in rec["turns"]),
                        id=rec["id"])


def detector(signals: bool):
    from voc.alerts import RiskDetector

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        det = RiskDetector(signals="auto" if signals else None)
        det.ruleset  # build now
    on = signals and det._get_engine().signal is not None
    for w in caught:
        print(f"  note: {w.message}")
    return det, on


def quality_sections(det, test: list[dict], y_sat: np.ndarray, y_acc: np.ndarray, results: dict) -> None:
    """Sections 1 and 2: helpdesk held-out AUC and P/R, challenge set."""
    t0 = time.perf_counter()
    ref = Reference()
    print(f"reference sentiment model trained in {time.perf_counter() - t0:.1f}s")
    dialogues = [to_dialogue(r) for r in test]

    print("\n## 1. Helpdesk held-out")
    print(f"{'system':<24} {'AUC sat<=-1':>11} {'AUC acc<=-1':>11} {'P@high':>7} {'R@high':>7} {'n high':>7}")
    ref_s, ref_kw = ref.score([r["turns"] for r in test])
    ref_high = ref_kw >= 1
    hd = {}
    reps = list(det.pipe(dialogues))
    high = np.array([r.level == "high" for r in reps])
    for name, s in (("voc score", [r.score for r in reps]),
                    ("  text scorer alone", [r.model_score for r in reps]),
                    ("  rule severity alone", [r.severity for r in reps])):
        s = np.array(s)
        p, r_, _ = prf(y_sat, high)
        hd[name.strip()] = {"auc_sat": auc(y_sat, s), "auc_acc": auc(y_acc, s)}
        extra = f" {p:>7.3f} {r_:>7.3f} {int(high.sum()):>7}" if name == "voc score" else ""
        if name == "voc score":
            hd[name].update({"p_high": p, "r_high": r_, "n_high": int(high.sum())})
        print(f"{name:<24} {hd[name.strip()]['auc_sat']:>11.4f} {hd[name.strip()]['auc_acc']:>11.4f}{extra}")
    p, r_, _ = prf(y_sat, ref_high)
    hd["reference"] = {"auc_sat": auc(y_sat, ref_s), "auc_acc": auc(y_acc, ref_s), "p_high": p, "r_high": r_,
                       "n_high": int(ref_high.sum())}
    print(f"{'reference':<24} {hd['reference']['auc_sat']:>11.4f} {hd['reference']['auc_acc']:>11.4f} "
          f"{p:>7.3f} {r_:>7.3f} {int(ref_high.sum()):>7}")
    results["helpdesk"] = hd

    print("\n## 2. Challenge set")
    ch = [json.loads(line) for line in CHALLENGE.open(encoding="utf-8")]
    y = np.array([c["high_risk"] for c in ch])
    reps = [det.assess(to_dialogue(c)) for c in ch]
    high = np.array([r.level == "high" for r in reps])
    p, r_, f = prf(y, high)
    rs, rk = ref.score([c["turns"] for c in ch])
    rp, rr, rf = prf(y, rk >= 1)
    print(f"{len(ch)} dialogues: {int(y.sum())} high-risk, {int((~y).sum())} hard negatives "
          f"({dict(Counter(c['kind'] for c in ch if not c['high_risk']))})")
    print(f"{'system':<12} {'P':>6} {'R':>6} {'F1':>6} {'AUC':>6}")
    print(f"{'voc':<12} {p:>6.3f} {r_:>6.3f} {f:>6.3f} {auc(y, np.array([r.score for r in reps])):>6.3f}")
    print(f"{'reference':<12} {rp:>6.3f} {rr:>6.3f} {rf:>6.3f} {auc(y, rs):>6.3f}")
    results["challenge"] = {"voc": {"p": p, "r": r_, "f1": f}, "reference": {"p": rp, "r": rr, "f1": rf}}
    levels = Counter((c["kind"], r.level) for c, r in zip(ch, reps))
    print("levels by kind:", {k: {lv: n for (kk, lv), n in levels.items() if kk == k}
                              for k in dict.fromkeys(c["kind"] for c in ch)})
    print("\nper category (flags vs gold categories):")
    print(f"{'category':<20} {'gold':>4} {'flag':>4} {'P':>6} {'R':>6}")
    from voc.alerts import CATEGORIES

    percat = {}
    for cat in CATEGORIES:
        g = np.array([cat in c["categories"] for c in ch])
        pr = np.array([cat in r.categories for r in reps])
        cp, cr, _ = prf(g, pr)
        percat[cat] = {"gold": int(g.sum()), "flagged": int(pr.sum()), "p": cp, "r": cr}
        print(f"{cat:<20} {int(g.sum()):>4} {int(pr.sum()):>4} {cp:>6.3f} {cr:>6.3f}")
    results["challenge"]["per_category"] = percat
    print("\nmisses and false alarms:")
    for c, r in zip(ch, reps):
        if c["high_risk"] != (r.level == "high"):
            print(f"  {c['id']:<9} {c['kind']:<16} gold={c['categories']} -> {r!r}")
    bad = [c["id"] for c, r in zip(ch, reps) if not c["high_risk"] and r.level == "high"
           and c["kind"] in ("negated_threat", "agent_phrase")]
    print(f"hard negatives at 'high' from a negated or agent-side phrase: {bad or 'none'}")
    results["challenge"]["negated_or_agent_high"] = bad


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-signals", action="store_true", help="rules + scorer only (no sentiment/emotion models)")
    ap.add_argument("--json", help="write the figures here as JSON")
    ap.add_argument("--speed-only", action="store_true", help="only section 3 (speed)")
    ap.add_argument("--repeats", type=int, default=3, help="speed runs; the best is reported (default 3)")
    args = ap.parse_args()
    results: dict = {}

    rows = [json.loads(line) for line in HELPDESK.open(encoding="utf-8")]
    test = [r for r in rows if held_out(r["id"])]
    y_sat = np.array([np.mean(r["satisfaction"]) <= -1 for r in test])
    y_acc = np.array([np.mean(r["accomplishment"]) <= -1 for r in test])
    print(f"helpdesk held-out: {len(test)} dialogues, {int(y_sat.sum())} with satisfaction <= -1, "
          f"{int(y_acc.sum())} with accomplishment <= -1")

    det, sig_on = detector(not args.no_signals)
    print(f"model signals: {'on' if sig_on else 'off'}")
    dialogues = [to_dialogue(r) for r in test]
    if not args.speed_only:
        quality_sections(det, test, y_sat, y_acc, results)

    print("\n## 3. Speed (one core; 'cpu' = this thread's CPU time, 'wall' = elapsed, which a busy"
          " machine inflates)")
    turns = [(d.id, t) for d in dialogues for t in d.turns]
    all_d = [to_dialogue(r) for r in rows]
    speed = {}
    for name, d in (("full", det), ("no signals", detector(False)[0])):
        if name == "no signals" and not sig_on:
            continue
        mon = d.monitor()
        for did, t in turns[:50]:  # warm up
            mon.feed(t, dialogue_id=("warm", did))
        runs = []
        for _ in range(max(1, args.repeats)):
            mon = d.monitor()
            cpu = np.empty(len(turns))
            wall = np.empty(len(turns))
            for k, (did, t) in enumerate(turns):
                w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
                mon.feed(t, dialogue_id=did)
                cpu[k] = (time.thread_time_ns() - c0) / 1e6
                wall[k] = (time.perf_counter_ns() - w0) / 1e6
            w0, c0 = time.perf_counter(), time.thread_time()
            n = sum(1 for _ in d.pipe(all_d))
            runs.append({"p50_cpu_ms": float(np.percentile(cpu, 50)), "p99_cpu_ms": float(np.percentile(cpu, 99)),
                         "p50_wall_ms": float(np.percentile(wall, 50)),
                         "p99_wall_ms": float(np.percentile(wall, 99)),
                         "batch_dialogues_per_cpu_s": n / (time.thread_time() - c0),
                         "batch_dialogues_per_wall_s": n / (time.perf_counter() - w0)})
        best = {k: (max if k.startswith("batch") else min)(r[k] for r in runs) for k in runs[0]}
        speed[name] = {**best, "runs": runs}
        print(f"{name:<11} streaming per turn ({len(turns)} turns): p50 {best['p50_cpu_ms']:.3f} ms cpu / "
              f"{best['p50_wall_ms']:.3f} wall, p99 {best['p99_cpu_ms']:.3f} ms cpu / "
              f"{best['p99_wall_ms']:.3f} wall")
        print(f"{'':<11} batch pipe() over {n} dialogues: {best['batch_dialogues_per_cpu_s']:,.0f} dialogues per "
              f"cpu-second, {best['batch_dialogues_per_wall_s']:,.0f} per wall-second")
        if len(runs) > 1:
            print(f"{'':<11} (best of {len(runs)} runs; p99 cpu per run: "
                  + ", ".join(f"{r['p99_cpu_ms']:.2f}" for r in runs) + "; dialogues per cpu-second: "
                  + ", ".join(f"{r['batch_dialogues_per_cpu_s']:,.0f}" for r in runs) + ")")
    results["speed"] = speed

    jd = DATA / "dialogues" / "jd_chat_sessions.tsv"
    if jd.exists() and not args.speed_only:
        import pandas as pd

        from voc.alerts import assess_frame

        print("\n## 4. JD chat log (994 real e-commerce sessions, no risk labels): alert volume")
        df = pd.read_csv(jd, sep="\t")
        w0, c0 = time.perf_counter(), time.thread_time()
        dialogues_f, flags_f = assess_frame(df, dialogue_col="session_id", role_col="from_agent",
                                            text_col="text", detector=det)
        cpu = time.thread_time() - c0
        print(f"assess_frame: {len(df)} rows -> {len(dialogues_f)} dialogues in {cpu:.2f} cpu-s "
              f"({time.perf_counter() - w0:.2f} wall-s)")
        print("levels:", dialogues_f["level"].value_counts().to_dict())
        print("flags by category:", flags_f["category"].value_counts().to_dict())
        results["jd"] = {"levels": dialogues_f["level"].value_counts().to_dict(),
                         "flags": flags_f["category"].value_counts().to_dict()}
    results["signals"] = sig_on
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
