"""Sentiment quality and speed, side by side with a reference and SnowNLP, in one run.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/sentiment_eval.py              # everything
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/sentiment_eval.py --sections heldout,challenge,speed
    ... --snownlp-python /tmp/snowvenv/bin/python   # SnowNLP from a throwaway venv (never a voc dependency)

Sections (``--sections``, comma-separated; default all):

* ``heldout``: binary accuracy (sign of polarity) on the test split kept out of
  training (see ``models/sentiment/train.py``), per source, also on OpenCC
  ``s2twp`` / ``s2hk`` versions; three-class accuracy with the neutral test rows;
  the shipped model with and without its rule layer, a model trained without
  rules, the reference and SnowNLP (on a sample).
* ``lodo``: leave-one-domain-out: for each category of online_shopping_9cats,
  train on the other eight (no waimai) plus the neutral data, test on the left-out
  category (simplified, s2twp, s2hk), voc vs reference.
* ``challenge``: ``benchmarks/data/sentiment_challenge.tsv``, three-class, with and
  without rules, per phenomenon; then the same on ``benchmarks/data/sentiment_fresh.tsv``
  (48 sentences written before the neutral/hedge/question rules, kept apart as a check
  that rule changes generalise: never tune on it); ``sentiment_dev.tsv`` (300 texts whose
  errors guide rule work; ``--show-errors`` lists them) and ``sentiment_blind.tsv`` (300
  texts written blind, a test set: only its scores are printed, never its errors); the
  Hong Kong Cantonese and Taiwan sets (``sentiment_{cantonese,taiwan}_{dev,blind}.tsv``,
  240 each, the same split between development and blind); and the outputs for a few
  everyday neutral texts (platform filler, plain questions, hedges).
* ``speed``: batch throughput on 60-character reviews, one-call latency, model
  size on disk, RSS after loading.
* ``emotion``: the emotion model's figures (``benchmarks/emotion_eval.py``): the NLPCC 2013
  held-out split and the hand-written customer-service set (anger P/R/F1).
* ``select`` (not in the default run): the model-selection table on the dev split.

The reference is character 1–3-gram TF-IDF + LogisticRegression (scikit-learn)
trained on exactly the same texts and labels as the voc model it is compared with.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("VOC_DATA", REPO.parent / "shared" / "data"))
CHALLENGE = REPO / "benchmarks" / "data" / "sentiment_challenge.tsv"
FRESH = REPO / "benchmarks" / "data" / "sentiment_fresh.tsv"
DEV = REPO / "benchmarks" / "data" / "sentiment_dev.tsv"
BLIND = REPO / "benchmarks" / "data" / "sentiment_blind.tsv"
# Hong Kong Cantonese and Taiwan review sets, and customer turns in service chats:
# (development, blind) per kind of text
REGIONAL = {region: (REPO / "benchmarks" / "data" / f"sentiment_{region}_dev.tsv",
                     REPO / "benchmarks" / "data" / f"sentiment_{region}_blind.tsv")
            for region in ("cantonese", "taiwan", "chat")}
NEUTRAL_EXAMPLES = ("此用户没有填写评价。", "请问这款洗发水适合油性头发吗？", "还行吧", "一般般", "凑合",
                    "东西收到了，还没开始用")
_CACHE: dict = {}  # models shared between sections of one run


def _load_train_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("voc_sentiment_train", REPO / "models" / "sentiment" / "train.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


# -- reference -----------------------------------------------------------------------------
class Reference:
    """Character 1–3-gram TF-IDF + LogisticRegression on the raw texts (no normalisation)."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
        self.clf = LogisticRegression(C=4.0, max_iter=1000)

    def fit(self, texts, y) -> Reference:
        self.clf.fit(self.vec.fit_transform(texts), np.asarray(y))
        return self

    def predict_proba(self, texts) -> np.ndarray:
        """Columns negative / neutral / positive (neutral 0 when trained without it)."""
        P = self.clf.predict_proba(self.vec.transform(texts))
        out = np.zeros((len(P), 3))
        for j, c in enumerate(self.clf.classes_):
            out[:, int(c) + 1] = P[:, j]
        return out


def binary_acc(P: np.ndarray, y: np.ndarray) -> float:
    pred = np.where(P[:, 2] >= P[:, 0], 1, -1)
    return float((pred == y).mean())


def three_acc(P: np.ndarray, y: np.ndarray) -> float:
    return float((np.asarray([-1, 0, 1])[P.argmax(axis=1)] == y).mean())


def opencc_convert(texts, config: str):
    import opencc

    cc = opencc.OpenCC(config)
    return [cc.convert(t) for t in texts]


def snownlp_scores(texts, python: str | None) -> np.ndarray | None:
    """P(positive) from SnowNLP run in its own interpreter, or None (with a note) when unavailable."""
    if not python:
        print("  [SnowNLP skipped: pass --snownlp-python /path/to/venv/bin/python with snownlp installed]")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.json"
        dst = Path(tmp) / "out.json"
        src.write_text(json.dumps(list(texts), ensure_ascii=False), encoding="utf-8")
        code = ("import json,sys\nfrom snownlp import SnowNLP\n"
                "t=json.load(open(sys.argv[1],encoding='utf-8'))\n"
                "json.dump([SnowNLP(x).sentiments if x.strip() else 0.5 for x in t],open(sys.argv[2],'w'))\n")
        try:
            subprocess.run([python, "-c", code, str(src), str(dst)], check=True, capture_output=True, timeout=1800)
        except (OSError, subprocess.SubprocessError) as err:
            print(f"  [SnowNLP skipped: {err}]")
            return None
        return np.asarray(json.loads(dst.read_text()))


def table(rows, headers) -> None:
    widths = [max(len(str(h)), *(len(_fmt(r[i])) for r in rows)) for i, h in enumerate(headers)]
    print("  " + "  ".join(str(h).ljust(w) for h, w in zip(headers, widths)))
    print("  " + "  ".join("-" * w for w in widths))
    for r in rows:
        print("  " + "  ".join(_fmt(v).ljust(w) for v, w in zip(r, widths)))


def _fmt(v) -> str:
    if isinstance(v, float):
        return "—" if math.isnan(v) else f"{v:.4f}"
    return str(v)


# -- sections ---------------------------------------------------------------------------------
def section_heldout(df, args) -> None:
    from voc.sentiment_analysis import SentimentModel

    print("\n== Held-out test split (never trained on) ==")
    train = df[df.split != "test"]
    test = df[df.split == "test"]
    shipped = SentimentModel.load()
    bare = SentimentModel.load().set_params(rules=False)
    t0 = time.perf_counter()
    norules = SentimentModel(rules=False).fit(train.text.tolist(), train.y.tolist())
    _CACHE["norules"] = norules
    print(f"  (model trained without rules: {time.perf_counter() - t0:.0f}s)")
    ref = Reference().fit(train.text.tolist(), train.y.tolist())
    models = {"voc (rules)": shipped, "voc shipped, rules off": bare, "voc trained w/o rules": norules,
              "reference": ref}
    rows = []
    for source in ("online_shopping", "waimai"):
        part = test[test.source == source]
        y = part.y.to_numpy()
        for script, conv in (("simplified", None), ("s2twp", "s2twp"), ("s2hk", "s2hk")):
            texts = part.text.tolist() if conv is None else opencc_convert(part.text.tolist(), conv)
            row = [source, script, len(texts)]
            for m in models.values():
                row.append(binary_acc(m.predict_proba(texts), y))
            rows.append(row)
    table(rows, ["source", "script", "n", *models])
    # three classes: the test split with the neutral rows
    y = test.y.to_numpy()
    texts = test.text.tolist()
    r3 = [["all test rows (3-class)", len(texts), *[three_acc(m.predict_proba(texts), y) for m in models.values()]]]
    neu = test[test.y == 0]
    r3.append(["neutral rows only", len(neu),
               *[three_acc(m.predict_proba(neu.text.tolist()), neu.y.to_numpy()) for m in models.values()]])
    table(r3, ["set", "n", *models])
    # SnowNLP on a sample (it is slow and binary)
    import pandas as pd

    sample = pd.concat([g.sample(min(len(g), args.snownlp_n), random_state=0)
                        for s_, g in test[test.y != 0].groupby("source") if s_ in ("online_shopping", "waimai")])
    s = snownlp_scores(sample.text.tolist(), args.snownlp_python)
    if s is not None:
        rows = []
        for source in ("online_shopping", "waimai"):
            sel = (sample.source == source).to_numpy()
            ys = sample.y.to_numpy()[sel]
            texts = sample.text[sel].tolist()
            rows.append([source, int(sel.sum()), binary_acc(shipped.predict_proba(texts), ys),
                         binary_acc(ref.predict_proba(texts), ys),
                         float((np.where(s[sel] >= 0.5, 1, -1) == ys).mean())])
        print(f"  SnowNLP sample ({args.snownlp_n} per source):")
        table(rows, ["source", "n", "voc (rules)", "reference", "SnowNLP"])


def section_lodo(df, args) -> None:
    from voc.sentiment_analysis import SentimentModel
    from voc.sentiment_analysis._train import train as train_heads
    from voc.sentiment_analysis.model import _tokens, map_labels

    print("\n== Leave-one-domain-out (train without the category and without waimai) ==")
    base = df[(df.split != "test") | (df.source == "online_shopping")]
    base = base[base.source != "waimai"]
    cats = sorted(base[base.source == "online_shopping"].cat.unique())
    tool_model = SentimentModel()
    norm, seg = tool_model._get_tools()
    t0 = time.perf_counter()
    clean = {t: norm.normalize(t) for t in base.text.unique()}
    toks = {c: _tokens(seg, c) for c in set(clean.values())}
    print(f"  (normalised and segmented {len(clean)} texts once: {time.perf_counter() - t0:.0f}s)")
    rows = []
    for cat in cats:
        held = base[(base.source == "online_shopping") & (base.cat == cat)]
        tr = base[~((base.source == "online_shopping") & (base.cat == cat))]
        tr = tr[tr.split != "test"]
        m = SentimentModel()
        t1 = time.perf_counter()
        ct = [clean[t] for t in tr.text]
        m._state = train_heads(m, ct, [toks[c] for c in ct], map_labels(tr.y.tolist()))
        fit_s = time.perf_counter() - t1
        ref = Reference().fit(tr.text.tolist(), tr.y.tolist())
        test = held.sample(min(len(held), args.lodo_n), random_state=0)
        y = test.y.to_numpy()
        row = [cat, len(test)]
        for conv in (None, "s2twp", "s2hk"):
            texts = test.text.tolist() if conv is None else opencc_convert(test.text.tolist(), conv)
            row += [binary_acc(m.predict_proba(texts), y), binary_acc(ref.predict_proba(texts), y)]
        row.append(f"{fit_s:.0f}s")
        rows.append(row)
        print(f"  {cat}: voc {row[2]:.4f} ref {row[3]:.4f}", flush=True)
    mean = ["MEAN", sum(r[1] for r in rows)] + [float(np.mean([r[i] for r in rows])) for i in range(2, 8)] + [""]
    rows.append(mean)
    table(rows, ["held-out cat", "n", "voc", "ref", "voc s2twp", "ref s2twp", "voc s2hk", "ref s2hk", "voc fit"])
    print(f"  voc − reference (simplified): {100 * (mean[2] - mean[3]):+.2f} points")


def section_challenge(df, args) -> None:
    import pandas as pd

    from voc.sentiment_analysis import SentimentModel

    print("\n== Challenge set (3-class) ==")
    if not CHALLENGE.exists():
        print(f"  [skipped: {CHALLENGE} not found]")
        return
    ch = pd.read_csv(CHALLENGE, sep="\t", dtype=str, keep_default_na=False)
    y = ch.label.map({"negative": -1, "neutral": 0, "positive": 1}).to_numpy()
    shipped = SentimentModel.load()
    bare = SentimentModel.load().set_params(rules=False)
    train = df[df.split != "test"]
    ref = Reference().fit(train.text.tolist(), train.y.tolist())
    texts = ch.text.tolist()
    preds = {"voc (rules)": shipped.predict_proba(texts), "voc rules off": bare.predict_proba(texts),
             "reference": ref.predict_proba(texts)}
    if args.norules_model:
        preds["voc trained w/o rules"] = SentimentModel.load(args.norules_model).predict_proba(texts)
    elif "norules" in _CACHE:
        preds["voc trained w/o rules"] = _CACHE["norules"].predict_proba(texts)
    lab = {k: np.asarray([-1, 0, 1])[P.argmax(axis=1)] for k, P in preds.items()}
    rows = [["ALL", len(ch), *[float((v == y).mean()) for v in lab.values()]]]
    for ph, g in ch.groupby("phenomenon"):
        idx = g.index.to_numpy()
        rows.append([ph, len(g), *[float((v[idx] == y[idx]).mean()) for v in lab.values()]])
    for dom, g in ch.groupby("domain"):
        idx = g.index.to_numpy()
        rows.append([f"domain:{dom}", len(g), *[float((v[idx] == y[idx]).mean()) for v in lab.values()]])
    table(rows, ["phenomenon", "n", *preds])
    s = snownlp_scores(texts, args.snownlp_python)
    if s is not None:
        op = y != 0
        print(f"  SnowNLP binary accuracy on the {int(op.sum())} non-neutral items: "
              f"{float((np.where(s[op] >= 0.5, 1, -1) == y[op]).mean()):.4f} "
              f"(voc: {float((np.where(preds['voc (rules)'][op, 2] >= preds['voc (rules)'][op, 0], 1, -1) == y[op]).mean()):.4f})")
    if args.show_errors:
        print("  voc (rules) errors:")
        for i in np.flatnonzero(lab["voc (rules)"] != y):
            s_ = shipped.predict(texts[i])
            print(f"   [{ch.phenomenon[i]}] gold={ch.label[i]} got={s_.label} {texts[i]}  {list(s_.evidence[:3])}")
    fl = {"voc (rules)": shipped, "voc rules off": bare, "reference": ref}
    if "norules" in _CACHE:
        fl["voc trained w/o rules"] = _CACHE["norules"]
    sets = [(FRESH, "Fresh check set", ("label",)),
            (DEV, "Rules development set", ("label", "phenomenon")),
            (BLIND, "Blind test set", ("label", "phenomenon", "domain"))]
    for region, (dev, blind) in REGIONAL.items():
        sets += [(dev, f"{region.capitalize()} development set", ("label", "phenomenon")),
                 (blind, f"{region.capitalize()} blind test set", ("label", "phenomenon"))]
    for path, title, groups in sets:
        if not path.exists():
            continue
        fr = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=3)
        yf = fr.label.map({"negative": -1, "neutral": 0, "positive": 1}).to_numpy()
        ft = fr.text.tolist()
        flab = {k: np.asarray([-1, 0, 1])[m.predict_proba(ft).argmax(axis=1)] for k, m in fl.items()}
        rows = [["ALL", len(fr), *[float((v == yf).mean()) for v in flab.values()]]]
        if "phenomenon" not in fr.columns and "kind" in fr.columns:  # the chat sets: question, request …
            fr = fr.rename(columns={"kind": "phenomenon"})
        for col in groups:
            for ph, g in fr.groupby(col):
                idx = g.index.to_numpy()
                name = f"gold {ph}" if col == "label" else ph if col == "phenomenon" else f"{col}:{ph}"
                rows.append([name, len(g), *[float((v[idx] == yf[idx]).mean()) for v in flab.values()]])
        print(f"\n  {title} ({path.name}, 3-class):")
        table(rows, ["set", "n", *fl])
        if args.show_errors and path in (DEV, *(d for d, _ in REGIONAL.values())):
            # never the blind sets': reading them spends them
            print("  voc (rules) errors:")
            for i in np.flatnonzero(flab["voc (rules)"] != yf):
                s_ = shipped.predict(ft[i])
                print(f"   [{fr.phenomenon[i]}] gold={fr.label[i]} got={s_.label} {ft[i]}  {list(s_.evidence[:3])}")
    print("\n  Everyday neutral texts (voc with rules):")
    table([[t, (s_ := shipped.predict(t)).label, s_.score, s_.polarity] for t in NEUTRAL_EXAMPLES],
          ["text", "label", "score", "polarity"])


def section_emotion(df, args) -> None:
    import emotion_eval

    emotion_eval.main(["--sections", "nlpcc,cs"])


def section_speed(df, args) -> None:
    from voc.sentiment_analysis import SentimentModel

    print("\n== Speed and size (one core; OMP_NUM_THREADS=1) ==")
    test = df[(df.split == "test") & (df.y != 0)]
    base = [t for t in test.text if 50 <= len(t) <= 70]
    texts = (base * (args.speed_n // max(len(base), 1) + 1))[: args.speed_n]
    print(f"  {len(texts)} reviews of 50-70 characters (mean {statistics.mean(map(len, texts)):.0f})")
    m = SentimentModel.load()
    m.predict_batch(texts[:200])  # warm-up (normaliser, segmenter, tables)
    import voc

    norm = voc.Normalizer()
    seg = m._get_tools()[1]
    t0 = time.perf_counter()
    m.predict_batch(texts)
    t_batch = time.perf_counter() - t0
    t0 = time.perf_counter()
    docs = [norm(t) for t in texts]
    t_norm = time.perf_counter() - t0
    t0 = time.perf_counter()
    docs = [voc.Document(raw=d.raw, text=d.text, alignment=d.alignment, tokens=tuple(seg.tokenize(d.text)))
            for d in docs]
    t_seg = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in m.pipe(docs, batch_size=1024):
        pass
    t_step = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in m.pipe(docs, batch_size=1024, evidence=False):
        pass
    t_step_noev = time.perf_counter() - t0
    t0 = time.perf_counter()
    m.predict_batch(texts, evidence=False)
    t_batch_noev = time.perf_counter() - t0
    train = df[df.split != "test"]
    ref = Reference().fit(train.text.tolist(), train.y.tolist())
    ref.predict_proba(texts[:200])
    t0 = time.perf_counter()
    ref.predict_proba(texts)
    t_ref = time.perf_counter() - t0
    lat = []
    for t in texts[:1200]:
        t1 = time.perf_counter()
        m.predict(t)
        lat.append(time.perf_counter() - t1)
    lat = lat[200:]
    n = len(texts)
    rows = [
        ["voc predict_batch (normalise + segment + score + evidence)", f"{n / t_batch:,.0f}/s"],
        ["  of which Normalizer", f"{n / t_norm:,.0f}/s"],
        ["  of which Segmenter.tokenize", f"{n / t_seg:,.0f}/s"],
        ["voc predict_batch(evidence=False)", f"{n / t_batch_noev:,.0f}/s"],
        ["voc sentiment step alone (pipe over segmented Documents)", f"{n / t_step:,.0f}/s"],
        ["voc sentiment step alone, pipe(evidence=False)", f"{n / t_step_noev:,.0f}/s"],
        ["reference (TfidfVectorizer + LR predict_proba)", f"{n / t_ref:,.0f}/s"],
        ["voc predict(text) one call p50 / p90", f"{1e3 * statistics.median(lat):.3f} / "
                                                  f"{1e3 * sorted(lat)[int(0.9 * len(lat))]:.3f} ms"],
    ]
    folder = voc._resources.model_path("sentiment")
    size = sum(p.stat().st_size for p in folder.iterdir() if p.name in ("meta.json", "arrays.npz"))
    rows.append(["model on disk (meta.json + arrays.npz)", f"{size / 1e6:.1f} MB"])
    code = ("import resource,voc\nfrom voc.sentiment_analysis import SentimentModel\n"
            "def rss():\n    return int([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1])//1024\n"
            "a=rss(); m=SentimentModel.load(); m.predict('很好'); b=rss(); print(a, b)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO).stdout.split()
    if len(out) == 2:
        rows.append(["RSS: python+import voc / after load + first predict", f"{out[0]} MB / {out[1]} MB"])
    table(rows, ["what", "value"])
    print(f"  load average now: {os.getloadavg()[0]:.1f} (shared machine: throughput varies with load)")


def section_select(df, args) -> None:
    """Model-selection table on the dev split (train split only)."""
    from voc.sentiment_analysis import SentimentModel

    print("\n== Model selection (train split → dev split, binary accuracy) ==")
    tr = df[df.split == "train"]
    dv = df[(df.split == "dev") & (df.y != 0)]
    rows = []

    def score(name, m, fit_s) -> None:
        P = m.predict_proba(dv.text.tolist())
        r = [name]
        for source in ("online_shopping", "waimai"):
            sel = (dv.source == source).to_numpy()
            r.append(binary_acc(P[sel], dv.y.to_numpy()[sel]))
        r.append(f"{fit_s:.0f}s")
        rows.append(r)
        print(f"  {r}", flush=True)

    t0 = time.perf_counter()
    ref = Reference().fit(tr.text.tolist(), tr.y.tolist())
    score("reference char1-3 TF-IDF + LR", ref, time.perf_counter() - t0)
    for name, kw in (("voc NB-LR chars+words, rules", {}), ("voc NB-LR chars+words, no rules", {"rules": False}),
                     ("voc NB-LR C=1", {"C": 1.0}), ("voc NB-LR C=16", {"C": 16.0})):
        t0 = time.perf_counter()
        m = SentimentModel(**kw).fit(tr.text.tolist(), tr.y.tolist())
        score(name, m, time.perf_counter() - t0)
    table(rows, ["model", "online_shopping", "waimai", "fit"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", default="heldout,lodo,challenge,emotion,speed")
    ap.add_argument("--snownlp-python", default=os.environ.get("SNOWNLP_PYTHON"))
    ap.add_argument("--snownlp-n", type=int, default=500)
    ap.add_argument("--lodo-n", type=int, default=2000)
    ap.add_argument("--speed-n", type=int, default=20000)
    ap.add_argument("--norules-model", default=None, help="folder of a model trained with rules=False")
    ap.add_argument("--show-errors", action="store_true")
    args = ap.parse_args()
    if not DATA.exists():
        print(f"needs the shared data at {DATA}")
        return 1
    df = _load_train_module().load_corpus(DATA)
    print(f"data: {len(df)} texts from {DATA}; load average {os.getloadavg()[0]:.1f}")
    for name in args.sections.split(","):
        t0 = time.perf_counter()
        {"heldout": section_heldout, "lodo": section_lodo, "challenge": section_challenge,
         "speed": section_speed, "select": section_select, "emotion": section_emotion}[name.strip()](df, args)
        print(f"  [{name}: {time.perf_counter() - t0:.0f}s]", flush=True)
    print(f"\nmax RSS of this benchmark process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
