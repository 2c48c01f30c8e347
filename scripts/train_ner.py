#!/usr/bin/env python
"""Train the shipped Arabic NER CRF (pipeline/models/ner_ar_*), reproducibly and offline.

Data (development only, never shipped): ``$NEWSCORPUS_SHARED_DATA`` or ``<repo>/../shared/data``
  * anercorp/train.conll   ANERcorp, CAMeL Lab split (train part), CC BY-SA 4.0
  * saudinewsnet/*.zip     SaudiNewsNet articles, CC BY-NC-SA 4.0 (unlabelled statistics only)
When it is absent the script says so and exits 0.

Steps (intermediate files are cached in --work-dir, default ~/.cache/newscorpus-ner, outside
the repository because it holds the tokenised news text):
  1. tokenise + normalise the news articles (exact duplicate articles dropped);
  2. word2vec and fastText embeddings on them with gensim (ONE worker, fixed seed,
     PYTHONHASHSEED=0: deterministic), k-means clusters of the vectors (fixed seed);
  3. per-word corpus statistics: frequency, rate of appearing with the article ال, and
     rate of following a person / place / organisation trigger word (triggers learnt
     from the training split only);
  4. the lexicon table (word -> clusters and statistics) with its sha256;
  5. CRF (python-crfsuite, L-BFGS) on train.conll minus its LAST 399 sentences,
     scored on those 399 (entity-level micro F1, exact span and type, conlleval rules);
  6. with --ship: that CRF (or, with --train-on-all, one retrained on ALL sentences) is
     written with the lexicon and a metadata JSON into pipeline/models/.

  python scripts/train_ner.py --stage2 --ship [--processes 2] [--work-dir DIR]
"""
from __future__ import annotations

import argparse
import collections
import glob
import gzip
import hashlib
import json
import math
import os
import random
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if os.environ.get("PYTHONHASHSEED") != "0":  # gensim/python hashing must be fixed for reproducibility
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
sys.path.insert(0, str(REPO))

from pipeline.core import entities as E  # noqa: E402

DEV_SENTENCES = 399
SEED = 1
W2V_PARAMS = dict(vector_size=100, window=5, min_count=3, sg=1, negative=5, epochs=5, sample=1e-4)
FT_PARAMS = dict(vector_size=100, window=5, min_count=3, sg=0, negative=5, epochs=5, min_n=2, max_n=5,
                 bucket=400_000, sample=1e-4)
LEX_MIN_COUNT = 2
MINFREQ = 1.0  # crfsuite feature.minfreq (set by --minfreq); 1 drops never-seen transitions
FEATURES_VERSION = 1  # bump when FeatureExtractor changes (invalidates cached dev models)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ------------------------------------------------------------------------------ data
def read_conll(path: Path) -> list[list[tuple[str, str]]]:
    import re

    tags_re = re.compile(r"^(O|[BI]-[A-Z]+)")
    sents, cur = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts:
            if cur:
                sents.append(cur)
                cur = []
            continue
        if len(parts) == 2:
            cur.append((parts[0], parts[1]))
        elif len(parts) == 3:  # one line in the file lost a newline: "tok TAGnexttok TAG"
            m = tags_re.match(parts[1])
            cur.append((parts[0], m.group(1)))
            cur.append((parts[1][m.end():], parts[2]))
        else:
            raise ValueError(f"bad line in {path}: {line!r}")
    if cur:
        sents.append(cur)
    return sents


def build_corpus(news_dir: Path, out: Path) -> None:
    seen = set()
    n_art = n_tok = 0
    tmp = out.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for zpath in sorted(glob.glob(str(news_dir / "*.zip"))):
            with zipfile.ZipFile(zpath) as z:
                for member in sorted(z.namelist()):
                    for art in json.loads(z.read(member)):
                        for field in ("title", "content"):
                            txt = (art.get(field) or "").strip()
                            if not txt:
                                continue
                            h = hashlib.sha1(txt.encode("utf-8")).digest()
                            if h in seen:
                                continue
                            seen.add(h)
                            if field == "content":
                                n_art += 1
                            for line in txt.splitlines():
                                toks = [E.norm_ar(t) for t, _, _ in E.tokenize(line)]
                                if toks:
                                    fh.write(" ".join(toks) + "\n")
                                    n_tok += len(toks)
    tmp.rename(out)
    log(f"corpus: {n_art} unique articles, {n_tok} tokens -> {out}")


def iter_corpus(path: Path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            yield line.split()


# ------------------------------------------------------------------------------ embeddings + clusters
def train_embeddings(corpus: Path, work: Path) -> None:
    from gensim.models import FastText, Word2Vec

    w2v_path = work / "w2v.kv"
    if not w2v_path.exists():
        t = time.time()
        m = Word2Vec(corpus_file=str(corpus), workers=1, seed=SEED, **W2V_PARAMS)
        m.wv.save(str(w2v_path))
        log(f"word2vec: {len(m.wv)} words in {time.time() - t:.0f}s")
    ft_path = work / "ft.model"
    if not ft_path.exists():
        t = time.time()
        m = FastText(corpus_file=str(corpus), workers=1, seed=SEED, **FT_PARAMS)
        m.save(str(ft_path))
        log(f"fastText: {len(m.wv)} words in {time.time() - t:.0f}s")


def kmeans_ids(vectors, k: int):
    import numpy as np
    from sklearn.cluster import MiniBatchKMeans

    v = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    km = MiniBatchKMeans(n_clusters=k, random_state=SEED, batch_size=4096, n_init=3, max_iter=100)
    return km.fit_predict(v.astype("float64"))


# ------------------------------------------------------------------------------ statistics
def learn_triggers(train: list[list[tuple[str, str]]]) -> dict[str, set[str]]:
    """Words that often stand right before an entity of a type, from the training split."""
    before = {t: collections.Counter() for t in ("PERS", "LOC", "ORG")}
    total = collections.Counter()
    for sent in train:
        for i, (w, tag) in enumerate(sent):
            total[E.norm_ar(w)] += 1
            if tag.startswith("B-") and tag[2:] in before and i > 0:
                before[tag[2:]][E.norm_ar(sent[i - 1][0])] += 1
    trig = {}
    for typ, c in before.items():
        trig[typ] = {w for w, n in c.items() if n >= 4 and n / total[w] >= 0.25 and len(w) > 1}
    return trig


def corpus_stats(corpus: Path, triggers: dict[str, set[str]]):
    count = collections.Counter()
    stem_total = collections.Counter()
    stem_al = collections.Counter()
    after = {t: collections.Counter() for t in triggers}
    for toks in iter_corpus(corpus):
        prev = None
        for w in toks:
            count[w] += 1
            pre, stem = E.split_proclitic(w)
            stem_total[stem] += 1
            if pre.endswith("ال") or pre.endswith("لل"):
                stem_al[stem] += 1
            if prev is not None:
                for typ, ts in triggers.items():
                    if prev in ts:
                        after[typ][w] += 1
            prev = w
    return count, stem_total, stem_al, after


def bucket_rate(x: float) -> str:
    for i, th in enumerate((0.02, 0.1, 0.3, 0.6, 0.9)):
        if x < th:
            return str(i)
    return "5"


def build_lexicon(work: Path, corpus: Path, conll: list[list[tuple[str, str]]], train: list) -> Path:
    import numpy as np
    from gensim.models import FastText, KeyedVectors

    lex_path = work / E.LEXICON_FILE
    if lex_path.exists():
        return lex_path
    triggers = learn_triggers(train)
    (work / "triggers.json").write_text(json.dumps({k: sorted(v) for k, v in triggers.items()},
                                                   ensure_ascii=False, indent=1), encoding="utf-8")
    log("triggers: " + ", ".join(f"{k}={len(v)}" for k, v in triggers.items()))
    count, stem_total, stem_al, after = corpus_stats(corpus, triggers)
    vocab = {w for w, c in count.items() if c >= LEX_MIN_COUNT}
    vocab |= {E.norm_ar(w) for s in conll for w, _ in s}
    vocab = sorted(vocab)
    log(f"lexicon vocabulary: {len(vocab)}")

    w2v = KeyedVectors.load(str(work / "w2v.kv"))
    cols = {c: {} for c in E.LEXICON_COLUMNS}
    in_w2v = [w for w in vocab if w in w2v.key_to_index]
    mat = np.stack([w2v[w] for w in in_w2v])
    for k in (64, 256, 1024):
        t = time.time()
        ids = kmeans_ids(mat, k)
        cols[f"w2v{k}"] = {w: str(i) for w, i in zip(in_w2v, ids)}
        log(f"w2v k={k}: {time.time() - t:.0f}s")
    ft = FastText.load(str(work / "ft.model")).wv
    ftmat = np.stack([ft[w] for w in vocab])
    for k in (256, 1024):
        t = time.time()
        ids = kmeans_ids(ftmat, k)
        cols[f"ft{k}"] = {w: str(i) for w, i in zip(vocab, ids)}
        log(f"fastText k={k}: {time.time() - t:.0f}s")
    tmp = lex_path.with_suffix(".tmp")
    with open(tmp, "wb") as rawfile, gzip.GzipFile(fileobj=rawfile, mode="wb", mtime=0, filename="") as fh:
        fh.write(("word\t" + "\t".join(E.LEXICON_COLUMNS) + "\n").encode("utf-8"))
        for w in vocab:
            c = count.get(w, 0)
            _, stem = E.split_proclitic(w)
            row = [cols["w2v64"].get(w, ""), cols["w2v256"].get(w, ""), cols["w2v1024"].get(w, ""),
                   cols["ft256"][w], cols["ft1024"][w], str(int(math.log2(c + 1)))]
            st = stem_total.get(stem, 0)
            row.append(bucket_rate(stem_al[stem] / st) if st >= 3 else "")
            for typ in ("PERS", "LOC", "ORG"):
                row.append(bucket_rate(after[typ][w] / c) if c >= 3 else "")
            fh.write((w + "\t" + "\t".join(row) + "\n").encode("utf-8"))
    tmp.rename(lex_path)
    return lex_path


# ------------------------------------------------------------------------------ CRF
def train_crf(sents, fx: E.FeatureExtractor, out: Path, c1: float, c2: float, iters: int,
              xseqs=None) -> float:
    import pycrfsuite

    t = time.time()
    tr = pycrfsuite.Trainer(verbose=False)
    if xseqs is None:
        xseqs = [fx.sentence_features([w for w, _ in s]) for s in sents]
    for s, x in zip(sents, xseqs):
        tr.append(x, [tag for _, tag in s])
    tr.set_params({"c1": c1, "c2": c2, "max_iterations": iters, "feature.possible_transitions": True,
                   "feature.minfreq": MINFREQ})
    tr.train(str(out))
    return time.time() - t


def predict(sents, model: Path, fx: E.FeatureExtractor, xseqs=None) -> list[list[str]]:
    import pycrfsuite

    tg = pycrfsuite.Tagger()
    tg.open(str(model))
    if xseqs is None:
        xseqs = [fx.sentence_features([w for w, _ in s]) for s in sents]
    return [list(tg.tag(x)) for x in xseqs]


def score(sents, preds) -> dict:
    tp = collections.Counter()
    npred = collections.Counter()
    ngold = collections.Counter()
    for s, pred in zip(sents, preds):
        g = set(E.bio_to_spans([t for _, t in s]))
        p = set(E.bio_to_spans(pred))
        for x in g:
            ngold[x[2]] += 1
        for x in p:
            npred[x[2]] += 1
        for x in g & p:
            tp[x[2]] += 1
    return prf_table(tp, npred, ngold)


def evaluate(sents, model: Path, fx: E.FeatureExtractor) -> dict:
    return score(sents, predict(sents, model, fx))


def stage2_xseqs(sents, fx, stage1_tags, window):
    words = [[w for w, _ in s] for s in sents]
    feats = [fx.sentence_features(ws) for ws in words]
    E.add_doc_features(feats, words, stage1_tags, window=window)
    return feats


_FX = None


def _fold_job(job):
    fit, held, model, c1, c2, iters = job
    secs = train_crf(fit, _FX, model, c1, c2, iters)
    return predict(held, model, _FX), secs


def cross_val_tags(train, fx, work: Path, folds: int, c1: float, c2: float, iters: int,
                   processes: int = 1) -> list[list[str]]:
    """Stage-1 labels for every training sentence from a model that did not see it
    (contiguous folds, so neighbouring sentences of one article share a fold)."""
    mf = "" if MINFREQ == 1.0 else f"_mf{MINFREQ}"
    cache = work / f"cv_tags_{folds}_{c1}_{c2}_{iters}_f{FEATURES_VERSION}{mf}.json"
    if cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    n = len(train)
    bounds = [round(i * n / folds) for i in range(folds + 1)]
    jobs = [(train[:bounds[k]] + train[bounds[k + 1]:], train[bounds[k]:bounds[k + 1]],
             work / f"cv_fold{k}.crfsuite", c1, c2, iters) for k in range(folds)]
    global _FX
    _FX = fx
    if processes > 1:  # separate single-threaded processes: the result does not depend on this
        import multiprocessing as mp

        with mp.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_fold_job, jobs)
    else:
        parts = [_fold_job(j) for j in jobs]
    tags: list[list[str]] = []
    for k, (fold_tags, secs) in enumerate(parts):
        tags.extend(fold_tags)
        log(f"fold {k + 1}/{folds}: {secs:.0f}s")
    cache.write_text(json.dumps(tags), encoding="utf-8")
    return tags


def prf_table(tp, npred, ngold) -> dict:
    res = {}
    for typ in sorted(set(ngold) | set(npred)) + ["ALL"]:
        if typ == "ALL":
            a, b, c = sum(tp.values()), sum(npred.values()), sum(ngold.values())
        else:
            a, b, c = tp[typ], npred[typ], ngold[typ]
        p = a / b if b else 0.0
        r = a / c if c else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        res[typ] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "gold": c, "pred": b}
    return res


def print_table(res: dict) -> None:
    print(f"{'type':6} {'P':>7} {'R':>7} {'F1':>7} {'gold':>6} {'pred':>6}")
    for typ, v in res.items():
        print(f"{typ:6} {v['precision']:7.4f} {v['recall']:7.4f} {v['f1']:7.4f} {v['gold']:6d} {v['pred']:6d}")


def gzip_copy(src: Path, dst: Path) -> None:
    """Deterministic gzip (mtime 0, no file name) so the checksum depends on content only.
    ``src`` may itself be gzip-compressed (it is then recompressed the same way)."""
    data = gzip.decompress(src.read_bytes()) if src.suffix == ".gz" else src.read_bytes()
    with open(dst, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="",
                                               compresslevel=9) as fout:
        fout.write(data)


# ------------------------------------------------------------------------------ main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=None, help="shared data dir (default $NEWSCORPUS_SHARED_DATA or ../shared/data)")
    ap.add_argument("--work-dir", default=os.environ.get("NEWSCORPUS_NER_WORK",
                                                         str(Path.home() / ".cache" / "newscorpus-ner")),
                    help="cache for the tokenised news text, embeddings and CRFs; kept OUTSIDE the "
                         "repository because it holds SaudiNewsNet text (CC BY-NC-SA, not to be committed)")
    ap.add_argument("--out-dir", default=str(REPO / "pipeline" / "models"))
    ap.add_argument("--ship", action="store_true", help="write the model, lexicon and metadata to --out-dir")
    ap.add_argument("--train-on-all", action="store_true",
                    help="with --ship: ship a CRF retrained on ALL sentences (dev included) instead of "
                         "the dev-held-out one (eval_ner.py is then no longer a held-out score)")
    ap.add_argument("--c1", type=float, default=0.02)
    ap.add_argument("--c2", type=float, default=0.3)
    ap.add_argument("--iters", type=int, default=150)
    ap.add_argument("--minfreq", type=float, default=1.0, help="crfsuite feature.minfreq")
    ap.add_argument("--no-lexicon", action="store_true", help="lexical features only (baseline)")
    ap.add_argument("--stage2", action="store_true",
                    help="also train the document-level second stage on cross-validated stage-1 labels")
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--processes", type=int, default=1,
                    help="train the cross-validation folds in N single-threaded processes")
    ap.add_argument("--doc-window", type=int, default=20,
                    help="stage 2 in training: sentences within +-N stand for the document")
    args = ap.parse_args()
    global MINFREQ
    MINFREQ = args.minfreq

    data = Path(args.data_dir) if args.data_dir else E.default_shared_data_dir()
    conll_path = data / "anercorp" / "train.conll"
    news_dir = data / "saudinewsnet"
    if not conll_path.exists() or not glob.glob(str(news_dir / "*.zip")):
        print(f"train_ner: shared data not found under {data} (need anercorp/train.conll and "
              "saudinewsnet/*.zip); nothing to do.")
        return 0
    random.seed(SEED)
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    conll = read_conll(conll_path)
    train, dev = conll[:-DEV_SENTENCES], conll[-DEV_SENTENCES:]
    log(f"ANERcorp: {len(conll)} sentences; train {len(train)}, dev {len(dev)}")

    corpus = work / "news_corpus.txt"
    if not corpus.exists():
        build_corpus(news_dir, corpus)
    lexicon = None
    lex_path = None
    if not args.no_lexicon:
        train_embeddings(corpus, work)
        lex_path = build_lexicon(work, corpus, conll, train)
        lexicon = E.Lexicon.load(lex_path)
    fx = E.FeatureExtractor(lexicon)

    dev_model = work / "dev_model.crfsuite"
    stamp = json.dumps({"c1": args.c1, "c2": args.c2, "iters": args.iters, "features": FEATURES_VERSION,
                        **({"minfreq": MINFREQ} if MINFREQ != 1.0 else {}),
                        "lexicon": E.file_sha256(lex_path) if lexicon is not None else None})
    stamp_path = work / "dev_model.stamp"
    if dev_model.exists() and stamp_path.exists() and stamp_path.read_text() == stamp:
        secs = 0.0
        log("dev model: reusing the cached one (same parameters and lexicon)")
    else:
        secs = train_crf(train, fx, dev_model, args.c1, args.c2, args.iters)
        stamp_path.write_text(stamp)
    res = evaluate(dev, dev_model, fx)
    log(f"CRF on {len(train)} sentences: {secs:.0f}s; dev (last {DEV_SENTENCES} sentences):")
    print_table(res)
    (work / "dev_scores.json").write_text(json.dumps(res, indent=1), encoding="utf-8")
    res1 = res
    if args.stage2:
        cv = cross_val_tags(train, fx, work, args.folds, args.c1, args.c2, args.iters, args.processes)
        x2 = stage2_xseqs(train, fx, cv, args.doc_window)
        stage2_model = work / "dev_model_stage2.crfsuite"
        secs = train_crf(train, fx, stage2_model, args.c1, args.c2, args.iters, xseqs=x2)
        dev1 = predict(dev, dev_model, fx)
        res = score(dev, predict(dev, stage2_model, fx, stage2_xseqs(dev, fx, dev1, args.doc_window)))
        log(f"stage 2: {secs:.0f}s; dev (window +-{args.doc_window}):")
        print_table(res)
        (work / "dev_scores_stage2.json").write_text(json.dumps(res, indent=1), encoding="utf-8")

    if args.ship:
        if lexicon is None:
            raise SystemExit("--ship needs the lexicon (drop --no-lexicon)")
        out = Path(args.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        if args.train_on_all and args.stage2:
            raise SystemExit("--train-on-all with --stage2 is not supported (stage 2 needs held-out stage-1 labels)")
        stage2_out = out / E.CRF2_MODEL_FILE
        if args.stage2:
            gzip_copy(stage2_model, stage2_out)
        elif stage2_out.exists():
            stage2_out.unlink()
        if args.train_on_all:
            final = work / "all_model.crfsuite"
            secs_all = train_crf(conll, fx, final, args.c1, args.c2, args.iters)
            log(f"final CRF on all {len(conll)} sentences: {secs_all:.0f}s")
            gzip_copy(final, out / E.CRF_MODEL_FILE)
        else:
            gzip_copy(dev_model, out / E.CRF_MODEL_FILE)

        gzip_copy(lex_path, out / E.LEXICON_FILE)
        meta = {
            "tagger_name": E.CRF_TAGGER_NAME,
            "task": "Arabic named-entity recognition, BIO tags PERS/LOC/ORG/MISC (PERS is reported as PER)",
            "model": "linear-chain CRF, python-crfsuite L-BFGS",
            "crf_params": {"c1": args.c1, "c2": args.c2, "max_iterations": args.iters,
                           "feature.possible_transitions": True, "feature.minfreq": MINFREQ},
            "training_data": {
                "name": "ANERcorp, CAMeL Lab split, train part (Benajiba, Rosso and Benedi Ruiz 2007; "
                        "split by Obeid et al. 2020, CAMeL Lab NYU Abu Dhabi)",
                "licence": "CC BY-SA 4.0",
                "sentences": len(conll), "tokens": sum(len(s) for s in conll),
                "shipped_model_trained_on": (f"all {len(conll)} sentences" if args.train_on_all else
                                             f"the first {len(train)} sentences (last {DEV_SENTENCES} held out as dev)"),
            },
            "unlabelled_data": {
                "name": "SaudiNewsNet (Mazen Abdulaziz), 20,329 articles, July-August 2015",
                "licence": "CC BY-NC-SA 4.0",
                "used_for": "word clusters and word statistics in the lexicon table only; no text is shipped",
            },
            "dev_evaluation": {
                "split": f"last {DEV_SENTENCES} sentences of train.conll; model trained on the other "
                         f"{len(train)} sentences (same lexicon)",
                "metric": "entity-level micro P/R/F1, exact span and type (conlleval rules)",
                "scores": res,
                "scores_stage1_only": res1,
            },
            "stage2": (None if not args.stage2 else
                       f"second CRF with the stage-1 labels of the token, its neighbours and of the other "
                       f"occurrences of the same stem in the document (training: {args.folds}-fold "
                       f"cross-validated stage-1 labels, document = +-{args.doc_window} sentences)"),
            "stage2_doc_window": args.doc_window if args.stage2 else None,
            "features": [
                "normalised word (dediacritised; alef, alef maksura, teh marbuta normalised)",
                "proclitic (و ف ب ل ك س ال and chains) and the stripped stem",
                "prefixes/suffixes of word and stem (2-3 chars), word shape, stem length",
                "word2vec skip-gram k-means clusters (k=64, 256, 1024) of word; k=256 of stem",
                "fastText CBOW k-means clusters (k=256, 1024) of word; k=256 of stem",
                "log2 corpus frequency; rate of the stem appearing with ال",
                "rate of following a PERS / LOC / ORG trigger word in the news (triggers learnt on "
                "the training split)",
                "the above for words -1/+1, a subset for -2/+2, word and cluster bigrams",
            ],
            "embedding_params": {"word2vec": W2V_PARAMS, "fasttext": FT_PARAMS, "workers": 1, "seed": SEED,
                                 "gensim": __import__("gensim").__version__, "PYTHONHASHSEED": 0,
                                 "kmeans": "sklearn MiniBatchKMeans(random_state=1, batch_size=4096, n_init=3)"},
            "files": {},
        }
        for name in (E.CRF_MODEL_FILE, E.CRF2_MODEL_FILE, E.LEXICON_FILE):
            if not (out / name).exists():
                continue
            p = out / name
            content = gzip.decompress(p.read_bytes())
            meta["files"][name] = {"sha256": E.file_sha256(p), "bytes": p.stat().st_size,
                                   "uncompressed_sha256": hashlib.sha256(content).hexdigest(),
                                   "uncompressed_bytes": len(content)}
        (out / E.META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        log(f"wrote {out}")
    log(f"total {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
