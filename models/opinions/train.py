"""Train voc's shipped opinion extractor (models/opinions/extractor/).

Run from the repository root (single-threaded, about 10 minutes on one core)::

    OMP_NUM_THREADS=1 .venv/bin/python models/opinions/train.py

Data (``../shared/data/opinions``, never copied into the repository):

- Zhijiang cosmetics reviews + tuples: reviews whose ``id % 5 != 0`` train,
  the rest (``id % 5 == 0``, about 530 reviews) are held out for
  ``benchmarks/opinions_eval.py``;
- ASTE restaurant triplets: train + dev train, test is held out;
- car-forum topics: (topic, sentiment word, polarity) rows train the polarity
  and level-1 category models (they have no offsets, so no spans); the
  first 3,000 rows are held out as an out-of-domain check.

Stages (see ``voc/opinion_mining/_extractor.py``): the span tagger (averaged
structured perceptron with feature augmentation per annotation style:
``ecommerce`` = cosmetics, ``restaurant`` = ASTE), the pair scorer, the
polarity model and the level-1 category model (logistic regressions over
hashed features, fitted with scikit-learn, saved as numpy arrays), then the
restaurant unit filter: two more models, each trained with half of ASTE,
extract the other half, and a logistic model learns from those out-of-fold
units which ones the ASTE annotators marked (threshold: best exact-triplet F1
on the half its model did not fit). ``--filter-for FOLDER`` learns only the
filter and adds it to the model in FOLDER.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from voc._types import Document  # noqa: E402
from voc.normalization import Normalizer  # noqa: E402
from voc.opinion_mining import OpinionExtractor  # noqa: E402
from voc.opinion_mining._corpora import (  # noqa: E402
    CAR_L1,
    COSMETICS_L1,
    Example,
    is_heldout,
    read_aste,
    read_car_forum,
    read_cosmetics,
)
from voc._persist import load_artifact  # noqa: E402
from voc.opinion_mining._extractor import KIND, VERSION, _Model, save_model  # noqa: E402
from voc.opinion_mining._features import (  # noqa: E402
    Lexicon,
    category_features,
    pair_features_from_key,
    pair_keys,
    polarity_features,
    unit_features,
)
from voc.opinion_mining._linear import HashedLinear  # noqa: E402
from voc.opinion_mining._tagger import CharTagger, SpanLexicon  # noqa: E402
from voc.opinion_mining._taxonomy import Taxonomy, load_taxonomy  # noqa: E402

DOMAINS = {"ecommerce": 1, "restaurant": 2}
CAR_HELDOUT = 3000
log = logging.getLogger("train")


def tag_sequence(ex: Example) -> list[int]:
    t = [0] * len(ex.text)
    for kind, spans in ((1, ex.aspects), (3, ex.opinions)):
        for a, b in spans:
            t[a] = kind
            for i in range(a + 1, b):
                t[i] = kind + 1
    return t


def pair_data(exs: list[Example], domain: str) -> tuple[list[list[str]], list[str]]:
    X, y = [], []
    for ex in exs:
        aspects, opinions = ex.aspects, ex.opinions
        if not aspects or not opinions:
            continue
        gold = {(u.aspect, u.opinion) for u in ex.units}
        cand = [(a, o) for o in opinions for a in aspects]
        for (a, o), key in zip(cand, pair_keys(ex.text, aspects, opinions)):
            X.append(pair_features_from_key(key, domain))
            y.append("yes" if (a, o) in gold else "no")
    return X, y


def polarity_data(exs: list[Example], weight: float, lex: Lexicon) -> tuple[list[list[str]], list[str], list[float]]:
    X, y, w = [], [], []
    for ex in exs:
        for u in ex.units:
            if u.opinion is None:
                continue
            asp = ex.text[u.aspect[0]:u.aspect[1]] if u.aspect else ""
            X.append(polarity_features(ex.text, asp, u.opinion, lex))
            y.append(u.polarity)
            w.append(weight)
    return X, y, w


def unit_labels(doc: Document, ex: Example) -> list[tuple[list[str], bool]]:
    """Unit-filter features of each extracted unit and whether the gold set has it (exact, one-to-one)."""
    gold = Counter((u.aspect, u.opinion, u.polarity) for u in ex.units)
    ops = doc.opinions or ()
    out = []
    for o in ops:
        a = (o.aspect_span.start, o.aspect_span.end) if o.aspect_span else None
        assert o.opinion_span is not None
        sp = (o.opinion_span.start, o.opinion_span.end)
        hit = gold[(a, sp, o.polarity)] > 0
        if hit:
            gold[(a, sp, o.polarity)] -= 1
        out.append((unit_features(doc.text, a, sp, o.polarity, len(ops)), hit))
    return out


def span_lexicon(tax: Taxonomy) -> SpanLexicon:
    """Aspect synonyms (2+ characters) and opinion keywords/phrases of the taxonomy, for the tagger."""
    aspects, opinions = set(), set()
    for l2s in tax.spec["nodes"].values():
        for l2, node in l2s.items():
            aspects.update(a for a in (l2, *node["aspects"]) if len(a) >= 2)
            opinions.update(node["implicit"])
            for op in node["opinions"].values():
                opinions.update(op["keywords"])
    return SpanLexicon(sorted(aspects), sorted(opinions))


def build_lexicon(tax: Taxonomy) -> dict[str, str]:
    """Keyword → polarity from the taxonomy's level-3 nodes (words seen with two polarities are dropped)."""
    seen: dict[str, set[str]] = {}
    for l2s in tax.spec["nodes"].values():
        for node in l2s.values():
            for op in node["opinions"].values():
                for k in op["keywords"]:
                    seen.setdefault(k, set()).add(op["polarity"])
    return {k: next(iter(p)) for k, p in sorted(seen.items()) if len(p) == 1}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "opinions"))
    ap.add_argument("--out", default=str(ROOT / "models" / "opinions" / "extractor"))
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--bits", type=int, default=20)
    ap.add_argument("--no-clause", action="store_true", help="no clause-position features in the tagger")
    ap.add_argument("--tagger-from", default=None,
                    help="reuse the span tagger of this model folder (retrain only pairing/polarity/category)")
    ap.add_argument("--no-lexicon", action="store_true", help="no taxonomy-lexicon features in the tagger")
    ap.add_argument("--aste-splits", default="train,dev",
                    help="ASTE splits to train on, comma-separated ('train' keeps dev unseen for diagnosis: "
                         "benchmarks/opinions_eval.py --restaurant-split dev --breakdown)")
    ap.add_argument("--filter-for", default=None,
                    help="keep the model in this folder (tagger, pairs, polarity, category) and only learn its "
                         "restaurant unit filter; writes the result to --out")
    ap.add_argument("--no-unit-filter", action="store_true",
                    help="no restaurant unit filter (saves the two out-of-fold trainings it needs)")
    ap.add_argument("--aste-limit", type=int, default=0, help="use only the first N ASTE sentences (smoke runs)")
    ap.add_argument("--cosmetics-weight", type=int, default=2, help="copies of each cosmetics review")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    data = Path(args.data)
    norm = Normalizer()
    t0 = time.time()
    cos = read_cosmetics(data / "zhijiang_cosmetics_reviews.csv", data / "zhijiang_cosmetics_labels.csv", norm.align)
    cos_train = [e for e in cos if not is_heldout(e.id)]
    aste = [e for split in args.aste_splits.split(",")
            for e in read_aste(data / f"aste_restaurant_{split.strip()}.txt", norm.align)]
    if args.aste_limit:
        aste = aste[:args.aste_limit]
    # the first 3,000 rows are kept for the out-of-domain check in benchmarks/opinions_eval.py
    car = read_car_forum(data / "car_forum_topics.csv")[CAR_HELDOUT:]
    log.info("read %d cosmetics (train %d), %d ASTE, %d car rows in %.0fs",
             len(cos), len(cos_train), len(aste), len(car), time.time() - t0)

    tax = load_taxonomy()
    lexicon = build_lexicon(tax)
    lex = Lexicon(lexicon)
    X3, y3, w3 = [], [], []  # car-forum polarity units (no spans)
    for content, subject, word, pol in car:
        text = norm.normalize(content)
        w = norm.normalize(word) if word else ""
        i = text.find(w) if w else -1
        if i < 0:
            continue
        X3.append(polarity_features(text, subject if subject in text else "", (i, i + len(w)), lex))
        y3.append(pol)
        w3.append(0.5)

    def stages(aste_part: list[Example]) -> tuple[CharTagger, HashedLinear, HashedLinear]:
        """1. span tagger, 2. pairing, 3. polarity, trained on cosmetics + ``aste_part`` (+ car polarity)."""
        t0 = time.time()
        seqs = cos_train * args.cosmetics_weight + aste_part
        doms = [DOMAINS["ecommerce"]] * (len(cos_train) * args.cosmetics_weight) + [DOMAINS["restaurant"]] * len(aste_part)
        if args.tagger_from:
            tagger = _Model(*load_artifact(args.tagger_from, kind=KIND, version=VERSION)).tagger
            log.info("tagger: reused from %s", args.tagger_from)
        else:
            span_lex = None if args.no_lexicon else span_lexicon(tax)
            tagger = CharTagger(bits=args.bits, clause=not args.no_clause, lexicon=span_lex)
            tagger.fit([e.text for e in seqs], [tag_sequence(e) for e in seqs], epochs=args.epochs, domains=doms)
            log.info("tagger: %.0fs", time.time() - t0)
        Xc, yc = pair_data(cos_train, "ecommerce")
        Xa, ya = pair_data(aste_part, "restaurant")
        pair = HashedLinear(("no", "yes"), bits=18).fit(Xc + Xa, yc + ya, C=1.0)
        log.info("pairs: %d cosmetics + %d ASTE candidates", len(Xc), len(Xa))
        X1, y1, w1 = polarity_data(cos_train, 2.0, lex)
        X2, y2, w2 = polarity_data(aste_part, 1.0, lex)
        polarity = HashedLinear(("negative", "neutral", "positive"), bits=18).fit(
            X1 + X2 + X3, y1 + y2 + y3, C=1.0, sample_weight=w1 + w2 + w3)
        log.info("polarity: %d cosmetics + %d ASTE + %d car units", len(X1), len(X2), len(X3))
        return tagger, pair, polarity

    base = _Model(*load_artifact(args.filter_for, kind=KIND, version=VERSION)) if args.filter_for else None
    if base is not None:  # keep that model's stages 1-4, learn only the unit filter (5) below
        tagger, pair, polarity = base.tagger, base.pair, base.polarity
    else:
        tagger, pair, polarity = stages(aste)

    # 4. level-1 category -------------------------------------------------------------------
    Xk, yk, wk = [], [], []
    for ex in cos_train:
        for u in ex.units:
            if u.opinion is None:
                continue
            a = ex.text[u.aspect[0]:u.aspect[1]] if u.aspect else ""
            o = ex.text[u.opinion[0]:u.opinion[1]]
            Xk.append(category_features(a, o, tax.features(a, o)))
            yk.append(COSMETICS_L1[u.category])
            wk.append(1.0)
    for content, subject, word, _pol in car:
        if word:
            Xk.append(category_features(subject, word, tax.features(subject, word)))
            yk.append(CAR_L1[subject])
            wk.append(0.3)
    for l1, l2s in tax.spec["nodes"].items():
        for l2, node in l2s.items():
            kws = [k for op in node["opinions"].values() for k in op["keywords"][:3]] or ["好"]
            for i, a in enumerate([l2, *node["aspects"]]):
                o = kws[i % len(kws)]
                Xk.append(category_features(a, o, tax.features(a, o)))
                yk.append(l1)
                wk.append(0.5)
            for p in node["implicit"]:
                Xk.append(category_features("", p, tax.features("", p)))
                yk.append(l1)
                wk.append(0.5)
    category = HashedLinear(tax.level1, bits=16).fit(Xk, yk, C=1.0, sample_weight=wk)
    log.info("category: %d units", len(Xk))

    extra = {
        "trained_on": ["zhijiang_cosmetics (id % 5 != 0)", f"aste_restaurant {args.aste_splits}",
                       f"car_forum_topics (rows {CAR_HELDOUT}+)"],
        "epochs": args.epochs, "cosmetics_weight": args.cosmetics_weight,
        "lexicon": lexicon,
    }

    # 5. restaurant unit filter: learned from out-of-fold extractions of ASTE ---------------
    flt = None
    if args.tagger_from and not args.no_unit_filter:  # its filter was learned with its tagger
        reused = _Model(*load_artifact(args.tagger_from, kind=KIND, version=VERSION)).unit_filter
        if reused:
            lin, threshold = next(iter(reused.values()))
            flt = (lin, threshold, list(reused))
    elif not args.no_unit_filter and len(aste) >= 100:
        folds = [aste[0::2], aste[1::2]]
        oof: list[list[tuple[list[str], bool]]] = []  # per fold: (features, marked by the annotators)
        n_gold = []
        for k in range(2):
            tg, pr, po = stages(folds[1 - k])
            with tempfile.TemporaryDirectory() as tmp:
                save_model(tmp, tg, DOMAINS, pr, po, category, extra)
                ex = OpinionExtractor.load(tmp, domain="restaurant", lexicon_fallback=True)
                docs = list(ex.pipe([norm(e.raw) for e in folds[k]]))
            oof.append([x for d, e in zip(docs, folds[k]) for x in unit_labels(d, e)])
            n_gold.append(sum(len(e.units) for e in folds[k]))
            log.info("unit filter: fold %d, %d units", k, len(oof[-1]))
        # threshold: fit on one fold's units, pick the best exact-triplet F1 on the other's, average
        thresholds = []
        for k in range(2):
            lin = HashedLinear(("no", "yes"), bits=16).fit(
                [f for f, _ in oof[1 - k]], ["yes" if y else "no" for _, y in oof[1 - k]], C=0.3)
            p = lin.proba_many([f for f, _ in oof[k]])[:, 1]
            y = [yy for _, yy in oof[k]]
            best = max(((2 * sum(yy for pp, yy in zip(p, y) if pp >= t) / (sum(p >= t) + n_gold[k]), t)
                        for t in [x / 40 for x in range(0, 21)]))
            log.info("unit filter: fold %d threshold %.3f, F1 %.3f (no filter %.3f)", k, best[1], best[0],
                     2 * sum(y) / (len(y) + n_gold[k]))
            thresholds.append(best[1])
        allu = oof[0] + oof[1]
        lin = HashedLinear(("no", "yes"), bits=16).fit([f for f, _ in allu], ["yes" if y else "no" for _, y in allu],
                                                       C=0.3)
        flt = (lin, sum(thresholds) / 2, ["restaurant"])

    if base is not None:
        category = base.category
        extra = {k: v for k, v in base.meta.items() if k not in (
            "format", "format_version", "voc_version", "tagger", "pair", "polarity", "category", "filter")}
        extra["unit_filter"] = {"trained_on": f"out-of-fold extractions of aste_restaurant {args.aste_splits}",
                                "added_to": "an existing model (--filter-for)"}
    out = save_model(args.out, tagger, base.domain_ids if base else DOMAINS, pair, polarity, category, extra, flt)
    log.info("saved %s", out)


if __name__ == "__main__":
    main()
