"""BiLSTM-CRF Arabic NER (PyTorch, CPU): ``EntitySettings(backend="neural")`` through
``entities.NeuralArabicTagger``; the CRF stays the default (the neural tagger scores about 4
F1 points more on the dev split and runs at about half its speed, see pipeline/models/README.md).

Per token the network sees: the word2vec vector of the normalised word and of its stem
(proclitic stripped; frozen, so words seen only in the news keep their meaning), a char CNN
over the normalised word (for names absent from both), the proclitic, the shape, and the
news-lexicon clusters/statistics (``Lexicon``) as small embeddings and, with ``cfg["stack"]``,
the stage-1 CRF tag of the token and the majority CRF type of its stem in the document
(``stack_inputs``). A BiLSTM feeds a
linear-chain CRF whose transitions forbid invalid BIO sequences. Confidences are CRF
marginals of the chosen tags. Trained by ``scripts/train_ner_neural.py``.
"""
from __future__ import annotations

import io
import lzma
from pathlib import Path
from typing import Sequence

import torch
from torch import nn

from pipeline.core import entities as E

TAGS = ("O", "B-LOC", "I-LOC", "B-PERS", "I-PERS", "B-ORG", "I-ORG", "B-MISC", "I-MISC")
SHAPES = ("num", "punct", "ar", "lat-cap", "lat", "other")
# lexicon columns hold small non-negative ints or "" (-> id 0); embedding sizes per column
LEX_SIZES = {"w2v64": 65, "w2v256": 257, "w2v1024": 1025, "ft256": 257, "ft1024": 1025,
             "freq": 33, "al": 7, "tper": 7, "tloc": 7, "torg": 7}
# extra categorical inputs: where the lexicon row came from, and the stem's clusters
EXTRA_SIZES = {"src": 3, "sw256": 257, "sf256": 257}
MAX_WORD_CHARS = 20
MODEL_FILE = E.NEURAL_MODEL_FILE
META_FILE = E.NEURAL_META_FILE
# stacking inputs (optional, cfg["stack"]): the stage-1 CRF tag of the token, and the majority
# CRF type of the other occurrences of its stem in the document (``add_doc_features``) and its share
DOC_TYPES = ("", "O", "PERS", "LOC", "ORG", "MISC")
STACK_SIZES = {"s1": len(TAGS) + 1, "dm": len(DOC_TYPES), "dr": 6}


def stack_inputs(sents: Sequence[Sequence[str]], crf_tags: Sequence[Sequence[str]],
                 window: int | None) -> list[list[tuple[int, int, int]]]:
    """Per token (CRF tag id + 1, document majority type id, share bucket + 1)."""
    feats = [[{} for _ in s] for s in sents]
    E.add_doc_features(feats, sents, crf_tags, window=window)
    tag_ix = {t: i + 1 for i, t in enumerate(TAGS)}
    return [[(tag_ix.get(t, 1), DOC_TYPES.index(f.get("dm", "")), int(f["dr"]) + 1 if "dr" in f else 0)
             for t, f in zip(ts, fs)] for ts, fs in zip(crf_tags, feats)]


class Featurizer:
    """Words -> integer ids; ``vocab`` is stored with the model (words, chars, proclitics)."""

    def __init__(self, vocab: dict, lexicon: E.Lexicon):
        self.words = {w: i for i, w in enumerate(vocab["words"])}  # 0 pad, 1 unknown
        self.chars = {c: i for i, c in enumerate(vocab["chars"])}  # 0 pad, 1 unknown
        self.procl = {p: i for i, p in enumerate(vocab["proclitics"])}
        self.lexicon = lexicon
        self._col = {c: lexicon.columns.index(c) for c in LEX_SIZES}
        self._cache: dict[str, tuple] = {}

    def token(self, word: str) -> tuple:
        f = self._cache.get(word)
        if f is not None:
            return f
        n = E.norm_ar(word)
        pre, stem = E.split_proclitic(n)
        wid = self.words.get(n, 1)
        sid = self.words.get(stem, 1)
        row, src = self.lexicon.get(n), 1
        if row is None and stem != n:
            row, src = self.lexicon.get(stem), 2
        lex = [0] * len(LEX_SIZES)
        if row is None:
            src = 0
        else:
            for k, (col, size) in enumerate(LEX_SIZES.items()):
                v = row[self._col[col]]
                lex[k] = min(int(v) + 1, size - 1) if v else 0
        srow = self.lexicon.get(stem) if stem != n else row
        sw = sf = 0
        if srow is not None:
            v, u = srow[self._col["w2v256"]], srow[self._col["ft256"]]
            sw, sf = (int(v) + 1 if v else 0), (int(u) + 1 if u else 0)
        chars = [self.chars.get(c, 1) for c in n[:MAX_WORD_CHARS]] or [1]
        f = (wid, sid, self.procl.get(pre, 0), SHAPES.index(E._shape(word)), lex + [src, sw, sf], chars)
        if len(self._cache) >= 50_000:
            self._cache.clear()  # bounded, like FeatureExtractor's: memory must not grow in a long run
        self._cache[word] = f
        return f

    def batch(self, sents: Sequence[Sequence[str]], stack=None) -> dict[str, torch.Tensor]:
        """Padded id tensors for a list of (non-empty) sentences (``stack``: their ``stack_inputs``)."""
        toks = [[self.token(w) for w in s] for s in sents]
        B, T = len(sents), max(len(s) for s in sents)
        C = max(len(t[5]) for s in toks for t in s)
        ids = torch.zeros(B, T, 4, dtype=torch.long)
        cat = torch.zeros(B, T, len(LEX_SIZES) + len(EXTRA_SIZES), dtype=torch.long)
        chars = torch.zeros(B, T, C, dtype=torch.long)
        for b, s in enumerate(toks):
            ids[b, :len(s)] = torch.tensor([t[:4] for t in s])
            cat[b, :len(s)] = torch.tensor([t[4] for t in s])
            for i, t in enumerate(s):
                chars[b, i, :len(t[5])] = torch.tensor(t[5])
        mask = torch.zeros(B, T, dtype=torch.bool)
        for b, s in enumerate(sents):
            mask[b, :len(s)] = True
        x = {"ids": ids, "cat": cat, "chars": chars, "mask": mask}
        if stack is not None:
            x["stack"] = torch.zeros(B, T, len(STACK_SIZES), dtype=torch.long)
            for b, st in enumerate(stack):
                x["stack"][b, :len(st)] = torch.tensor(st)
        return x


def _allowed() -> tuple[torch.Tensor, torch.Tensor]:
    """BIO constraints: I-X only after B-X / I-X, never first."""
    K = len(TAGS)
    trans = torch.ones(K, K, dtype=torch.bool)
    start = torch.ones(K, dtype=torch.bool)
    for j, t in enumerate(TAGS):
        if t.startswith("I-"):
            start[j] = False
            for i, s in enumerate(TAGS):
                trans[i, j] = s[2:] == t[2:]
    return trans, start


class NerNet(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        self.cfg = cfg
        self.wemb = nn.Embedding(cfg["n_words"], cfg["word_dim"], padding_idx=0)
        self.wemb.weight.requires_grad = False  # frozen: shared by the ensemble, stored once
        self.cemb = nn.Embedding(cfg["n_chars"], cfg["char_dim"], padding_idx=0)
        self.conv = nn.Conv1d(cfg["char_dim"], cfg["char_filters"], 3, padding=1)
        self.pemb = nn.Embedding(cfg["n_proclitics"], 8)
        self.shemb = nn.Embedding(len(SHAPES), 4)
        sizes = list(LEX_SIZES.values()) + list(EXTRA_SIZES.values())
        if cfg.get("stack"):
            sizes += list(STACK_SIZES.values())
        self.cat_dims = [min(cfg["cat_dim"], max(4, s // 2)) for s in sizes]
        self.catemb = nn.ModuleList(nn.Embedding(s, d) for s, d in zip(sizes, self.cat_dims))
        d_in = 2 * cfg["word_dim"] + cfg["char_filters"] + 8 + 4 + sum(self.cat_dims)
        self.drop = nn.Dropout(cfg["dropout"])
        self.lstm = nn.LSTM(d_in, cfg["hidden"], num_layers=cfg["layers"], bidirectional=True,
                            batch_first=True, dropout=cfg["dropout"] if cfg["layers"] > 1 else 0.0)
        K = len(TAGS)
        self.out = nn.Linear(2 * cfg["hidden"], K)
        self.trans = nn.Parameter(torch.zeros(K, K))
        self.start = nn.Parameter(torch.zeros(K))
        self.end = nn.Parameter(torch.zeros(K))
        allowed, start_ok = _allowed()
        self.register_buffer("trans_pen", (~allowed).float() * -1e4, persistent=False)
        self.register_buffer("start_pen", (~start_ok).float() * -1e4, persistent=False)

    def emissions(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        ids, mask = x["ids"], x["mask"]
        B, T, C = x["chars"].shape
        ch = self.cemb(x["chars"].view(B * T, C)).transpose(1, 2)
        ch = torch.relu(self.conv(ch)).max(dim=2).values.view(B, T, -1)
        parts = [self.wemb(ids[..., 0]), self.wemb(ids[..., 1]), ch, self.pemb(ids[..., 2]), self.shemb(ids[..., 3])]
        cat = torch.cat([x["cat"], x["stack"]], dim=-1) if self.cfg.get("stack") else x["cat"]
        parts += [emb(cat[..., k]) for k, emb in enumerate(self.catemb)]
        h = self.drop(torch.cat(parts, dim=-1))
        lengths = mask.sum(1)
        packed = nn.utils.rnn.pack_padded_sequence(h, lengths, batch_first=True, enforce_sorted=False)
        h, _ = self.lstm(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=T)
        return self.out(self.drop(h))

    def crf_params(self):
        """Transition, start and end scores, invalid BIO moves masked."""
        return self.trans + self.trans_pen, self.start + self.start_pen, self.end

    def nll(self, em: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood of the gold tag sequences."""
        trans, start, end = self.crf_params()
        B, T, K = em.shape
        m = mask.float()
        gold = start[tags[:, 0]] + em.gather(2, tags.unsqueeze(2)).squeeze(2).mul(m).sum(1)
        gold = gold + (trans[tags[:, :-1], tags[:, 1:]] * m[:, 1:]).sum(1)
        last = tags.gather(1, (mask.sum(1) - 1).unsqueeze(1)).squeeze(1)
        gold = gold + end[last]
        alpha = start + em[:, 0]
        for t in range(1, T):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + trans + em[:, t].unsqueeze(1), dim=1)
            alpha = torch.where(mask[:, t:t + 1], nxt, alpha)
        return (torch.logsumexp(alpha + end, dim=1) - gold).mean()


@torch.no_grad()
def crf_decode(em: torch.Tensor, mask: torch.Tensor, trans: torch.Tensor, start: torch.Tensor,
               end: torch.Tensor) -> tuple[list[list[int]], list[list[float]]]:
    """Viterbi tags and the marginal probability of each chosen tag."""
    B, T, K = em.shape
    lengths = mask.sum(1).tolist()
    alphas = [start + em[:, 0]]
    score, back = alphas[0], []
    for t in range(1, T):
        s = score.unsqueeze(2) + trans
        best, arg = s.max(dim=1)
        mt = mask[:, t:t + 1]
        score = torch.where(mt, best + em[:, t], score)
        back.append(arg)
        alphas.append(torch.where(mt, torch.logsumexp(alphas[-1].unsqueeze(2) + trans, dim=1) + em[:, t],
                                  alphas[-1]))
    logz = torch.logsumexp(alphas[-1] + end, dim=1, keepdim=True)
    beta = end.expand(B, K)
    betas = [beta]
    for t in range(T - 2, -1, -1):
        nxt = torch.logsumexp(trans + (em[:, t + 1] + beta).unsqueeze(1), dim=2)
        beta = torch.where(mask[:, t + 1:t + 2], nxt, end.expand(B, K))
        betas.append(beta)
    betas.reverse()
    post = torch.stack([a + b for a, b in zip(alphas, betas)], dim=1).sub(logz.unsqueeze(1)).exp()
    last = (score + end).argmax(1).tolist()
    back = torch.stack(back, dim=1).numpy() if back else None
    paths, confs = [], []
    for b in range(B):
        n, k = lengths[b], last[b]
        path = [k]
        for t in range(n - 1, 0, -1):
            k = int(back[b, t - 1, k])
            path.append(k)
        path.reverse()
        paths.append(path)
        confs.append(post[b, torch.arange(n), torch.tensor(path)].tolist())
    return paths, confs


def save_model(path, nets: Sequence[NerNet], vocab: dict, extra: dict) -> None:
    """xz of a torch file: config, vocabulary, the (frozen, shared) word vectors once and each
    ensemble member's other weights, all fp16 (half the size; the dev score does not move), each
    fp16 tensor stored as its high-byte and low-byte planes, which compress better apart (lossless)."""
    members = [{k: _planes(v.half()) if v.is_floating_point() else v for k, v in n.state_dict().items()
                if k != "wemb.weight"} for n in nets]
    buf = io.BytesIO()
    torch.save({"cfg": nets[0].cfg, "vocab": vocab, "words": _planes(nets[0].wemb.weight.detach().half()),
                "states": members, **extra}, buf)
    Path(path).write_bytes(lzma.compress(buf.getvalue(), preset=9 | lzma.PRESET_EXTREME))


def load_model(path) -> tuple[list[NerNet], dict]:
    blob = torch.load(io.BytesIO(lzma.decompress(Path(path).read_bytes())), map_location="cpu", weights_only=True)
    words = _unplanes(blob["words"]).float()
    nets = []
    for state in blob["states"]:
        net = NerNet(blob["cfg"])
        state = {k: _unplanes(v).float() if v.dtype == torch.uint8 else v for k, v in state.items()}
        net.load_state_dict({**state, "wemb.weight": words})
        nets.append(net.eval())
    return nets, blob


def _planes(t: torch.Tensor) -> torch.Tensor:
    """fp16 tensor -> uint8 tensor (2, *shape): high bytes, then low bytes (little-endian)."""
    b = t.contiguous().reshape(*t.shape, 1).view(torch.uint8)
    return torch.stack([b[..., 1], b[..., 0]])


def _unplanes(p: torch.Tensor) -> torch.Tensor:
    return torch.stack([p[1], p[0]], -1).contiguous().view(torch.float16).squeeze(-1)


class NeuralTagger:
    """Tags batches of sentences (length-sorted, ``batch_size`` at a time); with several nets
    (an ensemble) their emissions and CRF scores are averaged."""

    def __init__(self, nets: Sequence[NerNet], vocab: dict, lexicon: E.Lexicon, batch_size: int = 64):
        self.nets = list(nets)
        self.fx = Featurizer(vocab, lexicon)
        self.batch_size = batch_size

    def tag(self, sents: Sequence[Sequence[str]], stack=None) -> list[tuple[list[str], list[float]]]:
        out: list = [([], [])] * len(sents)
        order = sorted((i for i, s in enumerate(sents) if s), key=lambda i: len(sents[i]))
        for net in self.nets:
            net.eval()
        with torch.inference_mode():
            crf = [torch.stack(p).mean(0) for p in zip(*(n.crf_params() for n in self.nets))]
            for k in range(0, len(order), self.batch_size):
                idx = order[k:k + self.batch_size]
                x = self.fx.batch([sents[i] for i in idx], None if stack is None else [stack[i] for i in idx])
                em = torch.stack([n.emissions(x) for n in self.nets]).mean(0)
                paths, confs = crf_decode(em, x["mask"], *crf)
                for i, p, c in zip(idx, paths, confs):
                    out[i] = ([TAGS[j] for j in p], c)
        return out
