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
restaurant span refiner and unit filter: two more models, each trained with
half of ASTE, extract the other half; from those out-of-fold units a logistic
refiner learns which nearby opinion span the ASTE annotators marked, and,
on the refined units, a logistic filter learns which units they marked
(threshold: best exact-triplet F1 on the half its model did not fit).
``--filter-for FOLDER`` learns only these two and adds them to the model in
FOLDER; ``--oof-cache FILE`` keeps the out-of-fold units, so a rerun with the
same tagger settings skips the two trainings.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

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
from voc.opinion_mining._extractor import KIND, VERSION, _Model, save_model, taxonomy_words  # noqa: E402
from voc.opinion_mining._features import (  # noqa: E402
    Lexicon,
    category_features,
    pair_features_from_key,
    pair_keys,
    polarity_features,
    refine_candidates,
    refine_features,
    unit_features,
)
from voc.opinion_mining._linear import HashedLinear  # noqa: E402
from voc.opinion_mining._tagger import CharTagger, SpanLexicon, word_bounds  # noqa: E402
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


def unit_labels(text: str, found: list[tuple[Any, tuple[int, int], str]], ex: Example) -> list[tuple[list[str], bool]]:
    """Unit-filter features of each extracted unit and whether the gold set has it (exact, one-to-one)."""
    gold = Counter((u.aspect, u.opinion, u.polarity) for u in ex.units)
    out = []
    for a, sp, pol in found:
        hit = gold[(a, sp, pol)] > 0
        if hit:
            gold[(a, sp, pol)] -= 1
        out.append((unit_features(text, a, sp, pol, len(found), units=[(x, y) for x, y, _ in found]), hit))
    return out


def refine_data(text: str, found: list[tuple[Any, tuple[int, int], str]], ex: Example
                ) -> tuple[list[list[str]], list[str]]:
    """Span-refiner examples: every candidate span of each extracted unit, "yes" where it is the gold opinion.

    The gold opinions are those of the unit's aspect that overlap the unit's opinion (else any that
    overlap it); units with no gold candidate nearby teach nothing and are left out.
    """
    X, y = [], []
    starts, ends = word_bounds(text)
    for a, o, _pol in found:
        near = {u.opinion for u in ex.units if u.opinion and u.opinion[0] < o[1] and o[0] < u.opinion[1]}
        own = {u.opinion for u in ex.units if u.aspect == a and u.opinion in near}
        gold = own or near
        cands = refine_candidates(text, o, starts, ends)
        if not gold.intersection(cands):
            continue
        for c in cands:
            X.append(refine_features(text, a, o, c))
            y.append("yes" if c in gold else "no")
    return X, y


def span_lexicon(tax: Taxonomy) -> SpanLexicon:
    """Aspect synonyms (2+ characters) and opinion keywords/phrases of the taxonomy, for the tagger."""
    aspects, opinions = taxonomy_words(tax)
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
    ap.add_argument("--words", action="store_true", help="word features (jieba words around each character) in the tagger")
    ap.add_argument("--aste-splits", default="train,dev",
                    help="ASTE splits to train on, comma-separated ('train' keeps dev unseen for diagnosis: "
                         "benchmarks/opinions_eval.py --restaurant-split dev --breakdown)")
    ap.add_argument("--filter-for", default=None,
                    help="keep the model in this folder (tagger, pairs, polarity, category) and only learn its "
                         "restaurant unit filter; writes the result to --out")
    ap.add_argument("--no-unit-filter", action="store_true",
                    help="no restaurant unit filter (saves the two out-of-fold trainings it needs)")
    ap.add_argument("--filter-c", type=float, default=0.3, help="inverse regularisation of the unit filter")
    ap.add_argument("--refiner-c", type=float, default=0.3, help="inverse regularisation of the span refiner")
    ap.add_argument("--no-refiner", action="store_true",
                    help="no restaurant opinion-span refiner (learned from the same out-of-fold extractions)")
    ap.add_argument("--oof-cache", default=None,
                    help="JSON file of the out-of-fold extractions: read it if it exists, else write it "
                         "(to retune the filter/refiner without the two trainings)")
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
            tagger = CharTagger(bits=args.bits, clause=not args.no_clause, lexicon=span_lex, words=args.words)
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
    refiner = None
    if args.tagger_from and not args.no_unit_filter:  # its filter was learned with its tagger
        reused = _Model(*load_artifact(args.tagger_from, kind=KIND, version=VERSION)).unit_filter
        if reused:
            lin, threshold = next(iter(reused.values()))
            flt = (lin, threshold, list(reused))
    elif not args.no_unit_filter and len(aste) >= 100:
        folds = [aste[0::2], aste[1::2]]
        cache = Path(args.oof_cache) if args.oof_cache else None
        if cache is not None and cache.exists():
            found = [[[(tuple(a) if a else None, tuple(o), p) for a, o, p in units] for units in fold]
                     for fold in json.loads(cache.read_text(encoding="utf-8"))]
            log.info("unit filter: out-of-fold extractions read from %s", cache)
        else:
            found = []  # per fold, per sentence: (aspect span, opinion span, polarity) of each extracted unit
            for k in range(2):
                tg, pr, po = stages(folds[1 - k])
                with tempfile.TemporaryDirectory() as tmp:
                    save_model(tmp, tg, DOMAINS, pr, po, category, extra)
                    ex = OpinionExtractor.load(tmp, domain="restaurant", lexicon_fallback=True)
                    docs = list(ex.pipe([norm(e.raw) for e in folds[k]]))
                found.append([[((o.aspect_span.start, o.aspect_span.end) if o.aspect_span else None,
                                (o.opinion_span.start, o.opinion_span.end), o.polarity) for o in d.opinions or ()]
                              for d in docs])
            if cache is not None:
                cache.write_text(json.dumps(found), encoding="utf-8")
        if not args.no_refiner:
            # the refiner runs before the filter: learn it on each fold, refine the other fold's units
            # with it (so the filter learns from refined units), then learn it on both folds
            ref_data = []
            for k in range(2):
                Xr, yr = [], []
                for f, e in zip(found[k], folds[k]):
                    X, y = refine_data(e.text, f, e)
                    Xr += X
                    yr += y
                ref_data.append((Xr, yr))
            refined = []
            for k in range(2):
                lin = HashedLinear(("no", "yes"), bits=18).fit(*ref_data[1 - k], C=args.refiner_c)
                units = OpinionExtractor._refine_units(lin, [e.text for e in folds[k]],
                                                       [([(a, o) for a, o, _ in f], [], []) for f in found[k]])
                refined.append([[(a, o, p) for (a, o), (_, _, p) in zip(u[0], f)] for u, f in zip(units, found[k])])
                moved = sum(x != y for f, g in zip(found[k], refined[k]) for x, y in zip(f, g))
                log.info("refiner: fold %d, %d of %d opinion spans moved", k, moved, sum(map(len, found[k])))
            found = refined
            Xr, yr = ref_data[0][0] + ref_data[1][0], ref_data[0][1] + ref_data[1][1]
            refiner = (HashedLinear(("no", "yes"), bits=18).fit(Xr, yr, C=args.refiner_c), ["restaurant"])
            log.info("refiner: %d candidates, %d gold", len(Xr), yr.count("yes"))
        oof: list[list[tuple[list[str], bool]]] = []  # per fold: (features, marked by the annotators)
        n_gold = []
        for k in range(2):
            oof.append([x for f, e in zip(found[k], folds[k]) for x in unit_labels(e.text, f, e)])
            n_gold.append(sum(len(e.units) for e in folds[k]))
            log.info("unit filter: fold %d, %d units", k, len(oof[-1]))
        # threshold: fit on one fold's units, pick the best exact-triplet F1 on the other's, average
        thresholds = []
        for k in range(2):
            lin = HashedLinear(("no", "yes"), bits=16).fit(
                [f for f, _ in oof[1 - k]], ["yes" if y else "no" for _, y in oof[1 - k]], C=args.filter_c)
            p = lin.proba_many([f for f, _ in oof[k]])[:, 1]
            y = [yy for _, yy in oof[k]]
            best = max(((2 * sum(yy for pp, yy in zip(p, y) if pp >= t) / (sum(p >= t) + n_gold[k]), t)
                        for t in [x / 40 for x in range(0, 21)]))
            log.info("unit filter: fold %d threshold %.3f, F1 %.3f (no filter %.3f)", k, best[1], best[0],
                     2 * sum(y) / (len(y) + n_gold[k]))
            thresholds.append(best[1])
        allu = oof[0] + oof[1]
        lin = HashedLinear(("no", "yes"), bits=16).fit([f for f, _ in allu], ["yes" if y else "no" for _, y in allu],
                                                       C=args.filter_c)
        flt = (lin, sum(thresholds) / 2, ["restaurant"])

    if base is not None:
        category = base.category
        extra = {k: v for k, v in base.meta.items() if k not in (
            "format", "format_version", "voc_version", "tagger", "pair", "polarity", "category", "filter")}
        extra["unit_filter"] = {"trained_on": f"out-of-fold extractions of aste_restaurant {args.aste_splits}",
                                "added_to": "an existing model (--filter-for)"}
    out = save_model(args.out, tagger, base.domain_ids if base else DOMAINS, pair, polarity, category, extra, flt,
                     refiner)
    log.info("saved %s", out)


if __name__ == "__main__":
    main()
