#!/usr/bin/env python
"""Train the neural Arabic NER (BiLSTM-CRF, pipeline/core/ner_neural.py), CPU, one thread.

Data (development only, never shipped): ``$NEWSCORPUS_SHARED_DATA`` or ``<repo>/../shared/data``
(anercorp/train.conll); when it is absent the script says so and exits 0. It also needs the
word2vec model that ``scripts/train_ner.py`` caches in --work-dir (~/.cache/newscorpus-ner/w2v.kv;
built from SaudiNewsNet in ../shared/data, run that script first) and the shipped lexicon
(pipeline/models/ner_ar_lexicon.tsv.gz).

Trains on train.conll minus its LAST 399 sentences (dev). By default dev picks the epoch (early
stopping) and gives the score; with --average-last K the run is a fixed --epochs and the weights
of the last K epochs are averaged, so dev only gives the score. Fixed seed, one thread,
deterministic; each trained member is cached in --work-dir (``neural_member_<key>.pt``). --stack
(default) also needs the stage-1 CRF tags that scripts/train_ner.py --stage2 leaves there.
With --ship the model and its metadata are written to pipeline/models/.

The shipped model (``make train-ner``): ``--average-last 6 --epochs 20 --ship``, hidden 256,
seed 1, ~47 s/epoch, 16 min: dev F1 0.760 (the CRF: 0.719). Other runs are listed in
pipeline/models/README.md (best with early stopping: 0.767; none reaches 0.78).

  python scripts/train_ner_neural.py [--seeds 1,2,3] [--out FILE | --ship] [--work-dir DIR]
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))  # train_ner (data reading and scoring)

from pipeline.core import entities as E  # noqa: E402

DEV_SENTENCES = 399
# arguments that change what one ensemble member learns (with the model config and the seed)
MEMBER_ARGS = ("epochs", "patience", "batch", "lr", "word_dropout", "top_n", "doc_window", "average_last")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def build_vocab(train, kv, top_n: int) -> tuple[dict, "object"]:
    """Words: the training split's words and stems plus the ``top_n`` most frequent news words,
    as far as word2vec knows them (everything else is unknown and left to the char CNN and
    the lexicon features). Returns the vocabulary and the embedding matrix."""
    import numpy as np

    wanted = set(kv.index_to_key[:top_n])
    chars = collections.Counter()
    for s in train:
        for w, _ in s:
            n = E.norm_ar(w)
            wanted.update((n, E.split_proclitic(n)[1]))
            chars.update(n)
    words = ["<pad>", "<unk>"] + sorted((w for w in wanted if w in kv.key_to_index), key=kv.key_to_index.get)
    mat = np.zeros((len(words), kv.vector_size), dtype="float32")
    for i, w in enumerate(words[2:], 2):
        mat[i] = kv[w]
    mat[1] = mat[2:].mean(0)
    vocab = {"words": words, "chars": ["<pad>", "<unk>"] + sorted(c for c, n in chars.items() if n >= 2),
             "proclitics": [""] + list(E._PROCLITICS)}
    return vocab, mat


def valid_bio(tags: list[str]) -> list[str]:
    """conlleval reading of the gold tags (an I- after O or another type starts an entity),
    written as valid BIO: the CRF forbids invalid transitions, so such gold paths would be
    impossible."""
    out = []
    for i, t in enumerate(tags):
        if t.startswith("I-") and (i == 0 or tags[i - 1][2:] != t[2:]):
            t = "B-" + t[2:]
        out.append(t)
    return out


def batches(n_sents: int, lengths: list[int], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (little padding)."""
    idx = list(range(n_sents))
    rng.shuffle(idx)
    out = []
    for k in range(0, len(idx), size * 20):
        chunk = sorted(idx[k:k + size * 20], key=lambda i: lengths[i])
        out += [chunk[j:j + size] for j in range(0, len(chunk), size)]
    rng.shuffle(out)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--work-dir", default=str(Path.home() / ".cache" / "newscorpus-ner"))
    ap.add_argument("--model-dir", default=str(E.MODELS_DIR), help="where the lexicon is read and --ship writes")
    ap.add_argument("--seeds", type=lambda v: [int(x) for x in v.split(",")], default=[1],
                    help="comma-separated; one ensemble member per seed (emissions averaged)")
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--patience", type=int, default=5)
    ap.add_argument("--average-last", type=int, default=0,
                    help="K > 0: no early stopping; train exactly --epochs and average the weights of the "
                         "last K epochs (dev is then only scored, never used to choose)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--dropout", type=float, default=0.5)
    ap.add_argument("--word-dropout", type=float, default=0.1, help="share of known words replaced by <unk>")
    ap.add_argument("--top-n", type=int, default=20000, help="most frequent news words kept in the vocabulary")
    ap.add_argument("--cat-dim", type=int, default=16)
    ap.add_argument("--char-filters", type=int, default=50)
    ap.add_argument("--stack", action=argparse.BooleanOptionalAction, default=True,
                    help="stage-1 CRF tags + their document majority as inputs (needs scripts/train_ner.py's "
                         "cross-validated tags in --work-dir)")
    ap.add_argument("--doc-window", type=int, default=20)
    ap.add_argument("--out", default=None, help="also save the best model here (experiments)")
    ap.add_argument("--ship", action="store_true")
    args = ap.parse_args()

    data = Path(args.data_dir) if args.data_dir else E.default_shared_data_dir()
    conll = data / "anercorp" / "train.conll"
    work = Path(args.work_dir)
    if not conll.exists() or not (work / "w2v.kv").exists():
        print(f"train_ner_neural: {conll} or {work / 'w2v.kv'} not found (shared data absent, or "
              "scripts/train_ner.py not run yet); skipping.")
        return 0
    import torch
    from gensim.models import KeyedVectors

    from pipeline.core import ner_neural as N
    from train_ner import print_table, read_conll, score

    torch.set_num_threads(1)
    t_start = time.time()
    sents = read_conll(conll)
    train, dev = sents[:-DEV_SENTENCES], sents[-DEV_SENTENCES:]
    lex_path = Path(args.model_dir) / E.LEXICON_FILE
    lexicon = E.Lexicon.load(lex_path)
    kv = KeyedVectors.load(str(work / "w2v.kv"))
    vocab, mat = build_vocab(train, kv, args.top_n)
    log(f"{len(train)} train / {len(dev)} dev sentences; vocabulary {len(vocab['words'])} words, "
        f"{len(vocab['chars'])} chars")
    cfg = {"n_words": len(vocab["words"]), "word_dim": mat.shape[1],
           "n_chars": len(vocab["chars"]), "char_dim": 30, "char_filters": args.char_filters,
           "n_proclitics": len(vocab["proclitics"]), "cat_dim": args.cat_dim, "hidden": args.hidden,
           "layers": args.layers, "dropout": args.dropout, "stack": args.stack, "doc_window": args.doc_window}
    fx = N.Featurizer(vocab, lexicon)
    tag_ix = {t: i for i, t in enumerate(N.TAGS)}
    gold = [[tag_ix[t] for t in valid_bio([t for _, t in s])] for s in train]
    dev_words = [[w for w, _ in s] for s in dev]
    train_stack = dev_stack = None
    if args.stack:
        train_stack, dev_stack = crf_stack_inputs(work, lexicon, train, dev_words, args.doc_window)

    def dev_score(nets) -> dict:
        return score(dev, [tags for tags, _ in N.NeuralTagger(nets, vocab, lexicon).tag(dev_words, dev_stack)])

    nets, members = [], []
    for seed in args.seeds:
        cached = member_cache_path(work, cfg, seed, args, conll, lex_path)
        torch.manual_seed(seed)
        net = N.NerNet(cfg)
        with torch.no_grad():
            net.wemb.weight.copy_(torch.from_numpy(mat))
        if cached.exists():
            blob = torch.load(cached, weights_only=True)
            net.load_state_dict(blob["state"])
            info = blob["info"]
            log(f"seed {seed}: cached member {cached.name}")
        else:
            net, info = train_member(args, net, fx, train, gold, train_stack, dev_score, random.Random(seed))
            torch.save({"state": net.state_dict(), "info": info}, cached)
        nets.append(net.eval())
        members.append({"seed": seed, **info})
        log(f"seed {seed}: best epoch {info['best_epoch']}, dev F1 {info['dev_f1']:.4f}")
    res = dev_score(nets)
    log(f"{len(nets)} member(s), fp16 weights, dev:")
    print_table(res)
    extra = {"params": {k: v for k, v in vars(args).items() if k not in ("ship", "out", "data_dir", "work_dir",
                                                                           "model_dir")},
             "members": [{k: v for k, v in m.items() if k != "history"} for m in members]}
    if args.out:
        N.save_model(args.out, nets, vocab, extra)
    if args.ship:
        model_dir = Path(args.model_dir)
        N.save_model(model_dir / N.MODEL_FILE, nets, vocab, extra)
        meta = {
            "tagger_name": "bilstm-crf-ar-1.0",
            "task": "Arabic named-entity recognition, BIO tags PERS/LOC/ORG/MISC (PERS is reported as PER)",
            "model": "BiLSTM-CRF (PyTorch): frozen word2vec word+stem vectors, char CNN, proclitic, shape, "
                     "news-lexicon cluster/statistics embeddings; BIO-constrained CRF",
            "torch_version": torch.__version__,
            "config": cfg,
            "training": {**extra, "threads": 1,
                         "history": {m["seed"]: m["history"] for m in members}},
            "training_data": {
                "name": "ANERcorp, CAMeL Lab split, train part", "licence": "CC BY-SA 4.0",
                "shipped_model_trained_on": f"the first {len(train)} sentences (last {len(dev)} held out as dev; "
                                            + ("never used for training or choosing: fixed epochs, weights of the last "
                                               f"{args.average_last} averaged)" if args.average_last else
                                               "used only to choose the epoch)")},
            "unlabelled_data": {
                "name": "SaudiNewsNet (Mazen Abdulaziz), 20,329 articles, July-August 2015",
                "licence": "CC BY-NC-SA 4.0",
                "used_for": f"word2vec vectors of {len(vocab['words']) - 2} words (fp16) in the model file, "
                            "and the lexicon table it reads"},
            "dev_evaluation": {
                "split": f"last {len(dev)} sentences of train.conll",
                "metric": "entity-level micro P/R/F1, exact span and type (conlleval rules)",
                "scores": res},
            "lexicon_sha256": E.file_sha256(model_dir / E.LEXICON_FILE),
            "files": {N.MODEL_FILE: {"sha256": E.file_sha256(model_dir / N.MODEL_FILE),
                                          "bytes": (model_dir / N.MODEL_FILE).stat().st_size}},
        }
        (model_dir / N.META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n",
                                                  encoding="utf-8")
        log(f"shipped {model_dir / N.MODEL_FILE} ({meta['files'][N.MODEL_FILE]['bytes']:,} bytes)")
    log(f"done in {time.time() - t_start:.0f}s")
    return 0


def member_cache_path(work: Path, cfg: dict, seed: int, args, conll: Path, lex_path: Path) -> Path:
    """Each trained member is cached in the work dir under a key of everything that determines it."""
    key = hashlib.sha256(json.dumps([cfg, seed, {k: v for k, v in vars(args).items() if k in MEMBER_ARGS},
                                     E.file_sha256(conll), E.file_sha256(lex_path)]).encode()).hexdigest()[:16]
    return work / f"neural_member_{key}.pt"


def train_member(args, net, fx, train, gold, train_stack, dev_score, rng: random.Random):
    """Adam with early stopping on dev F1, or (--average-last K) a fixed number of epochs with the
    last K epochs' weights averaged, so that dev never chooses anything; returns the weights
    (rounded to fp16, as shipped) and the training history."""
    import torch

    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=args.lr)
    best, best_state, best_epoch, bad = -1.0, None, 0, 0
    averaged, n_averaged = None, 0
    history = []
    train_words = [[w for w, _ in s] for s in train]

    def one_pass(words, targets, stack) -> float:
        net.train()
        total = 0.0
        for b in batches(len(words), [len(w) for w in words], args.batch, rng):
            x = fx.batch([words[i] for i in b], None if stack is None else [stack[i] for i in b])
            if args.word_dropout:
                ids = x["ids"]
                drop = (torch.rand(ids.shape[:2]) < args.word_dropout) & (ids[..., 0] > 1)
                ids[..., 0][drop] = 1
                ids[..., 1][drop] = 1
            y = torch.zeros(x["mask"].shape, dtype=torch.long)
            for r, i in enumerate(b):
                y[r, :len(words[i])] = torch.tensor(targets[i])
            loss = net.nll(net.emissions(x), y, x["mask"])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in net.parameters() if p.requires_grad], 5.0)
            opt.step()
            total += loss.item() * len(b)
        return total

    for epoch in range(1, args.epochs + 1):
        t = time.time()
        total = one_pass(train_words, gold, train_stack)
        res = dev_score([net])["ALL"]
        history.append({"epoch": epoch, "loss": round(total / len(train), 3), "dev": res})
        log(f"epoch {epoch}: loss {total / len(train):.3f}, dev P {res['precision']:.4f} "
            f"R {res['recall']:.4f} F1 {res['f1']:.4f} ({time.time() - t:.0f}s)")
        if args.average_last:
            if epoch > args.epochs - args.average_last:
                state = net.state_dict()
                if averaged is None:
                    averaged = {k: v.clone().float() if v.is_floating_point() else v.clone() for k, v in state.items()}
                    n_averaged = 1
                else:
                    n_averaged += 1
                    for k, v in state.items():
                        if v.is_floating_point():
                            averaged[k] += (v.float() - averaged[k]) / n_averaged
            continue
        if res["f1"] > best:
            best, best_epoch, bad = res["f1"], epoch, 0
            best_state = {k: v.clone() for k, v in net.state_dict().items()}
        else:
            bad += 1
            if bad >= args.patience:
                break
    if args.average_last:
        best_state, best_epoch = averaged, f"mean of epochs {args.epochs - args.average_last + 1}-{args.epochs}"
    net.load_state_dict({k: v.half().float() if v.is_floating_point() else v for k, v in best_state.items()})
    if args.average_last:
        best = dev_score([net.eval()])["ALL"]["f1"]
    return net.eval(), {"best_epoch": best_epoch, "dev_f1": best, "history": history}


def crf_stack_inputs(work: Path, lexicon: E.Lexicon, train, dev_words, window: int):
    """Stacking inputs: 4-fold cross-validated stage-1 CRF tags for the training split (cached
    by scripts/train_ner.py), the stage-1 dev CRF (trained on the training split) for dev."""
    import pycrfsuite

    from pipeline.core import ner_neural as N

    cv = sorted(work.glob("cv_tags_4_*.json"))
    if not cv or not (work / "dev_model.crfsuite").exists():
        raise SystemExit(f"--stack needs cv_tags_4_*.json and dev_model.crfsuite in {work}: "
                         "run scripts/train_ner.py --stage2 first")
    train_tags = json.loads(cv[0].read_text(encoding="utf-8"))
    assert len(train_tags) == len(train)
    fx = E.FeatureExtractor(lexicon)
    tg = pycrfsuite.Tagger()
    tg.open(str(work / "dev_model.crfsuite"))
    dev_tags = [list(tg.tag(fx.sentence_features(ws))) for ws in dev_words]
    return (N.stack_inputs([[w for w, _ in s] for s in train], train_tags, window),
            N.stack_inputs(dev_words, dev_tags, window))


if __name__ == "__main__":
    raise SystemExit(main())
