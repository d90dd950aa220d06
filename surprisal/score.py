"""Surprisal, entropy, gates and state change per word (or per model token).

Definitions (the one place they are computed)
----------------------------------------------
For a target token ``x_t`` predicted from the context ``x_<t``, with ``logp`` the
log-softmax of the model's scores (natural log, computed in float32 whatever the
model's precision, so it is never ``-inf`` or NaN)::

    surprisal(x_t) = -logp[x_t] / ln 2                      bits
    entropy_t      = -sum_v exp(logp[v]) * logp[v] / ln 2   bits, before x_t

A word is made of one or more tokens; by the chain rule its surprisal is the sum
over its tokens, and its entropy is the entropy before its first token. With
``unit="nats"`` the ``ln 2`` is left out (bits = nats / ln 2). The ``<eos>``
token that ends every sentence is predicted and scored, but it belongs to no
word, so it never appears as a row.

Gate and state change describe how the model's state moved while it *read* the
word: for each layer, the gate (mean over units) and ``||h_t - h_{t-1}||`` at the
steps whose input was one of the word's tokens, averaged over those tokens.

Large files are scored as a stream (:func:`iter_score_file`): documents are read
one at a time, gathered into groups of about ``group_tokens`` tokens, and each
group is scored and handed on before the next is read, so memory depends on the
group size and the longest document, not on the file.
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from surprisal import batches
from surprisal.batches import EncodedDocument
from surprisal.modelio import Model, write_via_temp
from surprisal.text import Document, iter_documents

LN2 = math.log(2.0)
UNITS = ("bits", "nats")


@dataclass
class TokenScores:
    """Per-target arrays for one document (length = number of targets)."""

    nll: np.ndarray  # -log p, nats
    entropy: np.ndarray  # nats
    gates: list[np.ndarray | None]  # per layer, at the step that read the target
    changes: list[np.ndarray]


def _is_punct(s: str) -> bool:
    return bool(s) and all(unicodedata.category(c).startswith("P") for c in s)


def has_attached_punct(word: str) -> bool:
    """Whether a displayed word begins or ends with punctuation (``England,``,
    ``"Hello``, ``.``); internal hyphens and apostrophes do not count."""
    return bool(word) and (
        unicodedata.category(word[0]).startswith("P")
        or unicodedata.category(word[-1]).startswith("P")
    )


@torch.no_grad()
def token_scores(
    model: Model,
    streams: list[EncodedDocument],
    batch_size: int = 8,
    chunk: int = 256,
    dtype: str = "float32",
) -> list[TokenScores]:
    """Run the model over id streams and score every target.

    Streams are sorted by length and batched; each batch is padded at the end and
    run in chunks of ``chunk`` steps with the state carried, so a long document
    needs memory for one chunk only. Padding comes after a stream's last step and
    is never read back.
    """
    net = model.net
    device = next(net.parameters()).device
    n_layers = net.config.layers
    order = sorted(range(len(streams)), key=lambda i: -len(streams[i].ids))
    results: list[TokenScores | None] = [None] * len(streams)
    # One autocast region for the whole run: autocast casts each weight to
    # bfloat16 once and keeps the cast until the region ends.
    with torch.autocast(device.type, dtype=torch.bfloat16,
                        enabled=dtype == "bfloat16"):
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            ids, lengths = batches.pad([streams[i].ids for i in idx],
                                       model.vocab.eos)
            nll, ent, gates, changes = _score_batch(net, ids.to(device), lengths,
                                                    chunk)
            for b, i in enumerate(idx):
                m = int(lengths[b]) - 1
                results[i] = TokenScores(
                    nll[b, :m].numpy().astype(np.float64),
                    ent[b, :m].numpy().astype(np.float64),
                    [None if not net.layers[k].has_gate else _read(gates[k], b, m)
                     for k in range(n_layers)],
                    [_read(changes[k], b, m) for k in range(n_layers)],
                )
    return results  # type: ignore[return-value]


def _score_batch(net, ids: torch.Tensor, lengths: torch.Tensor, chunk: int):
    """Per-target scores of one padded (B, L) batch, in chunks of ``chunk`` steps
    with the state carried: nll, entropy, gates and changes, each (B, L-1).

    The output layer runs on the rows of real targets only (stream ``b`` has
    ``lengths[b] - 1``); the padded positions of shorter streams cost a step of
    the recurrence but no product over the vocabulary, and stay NaN."""
    n_layers = net.config.layers
    B, L = ids.shape
    n = L - 1  # targets of the longest stream
    nll = torch.full((B, n), math.nan)
    ent = torch.full((B, n), math.nan)
    gates = [torch.full((B, n), math.nan) for _ in range(n_layers)]
    changes = [torch.empty(B, n) for _ in range(n_layers)]
    n_targets = (lengths - 1).to(ids.device)  # (B,)
    state = None
    for t0 in range(0, n, chunk):
        x = ids[:, t0 : t0 + chunk]  # (B, T)
        y = ids[:, t0 + 1 : t0 + chunk + 1]  # (B, T)
        x = x[:, : y.shape[1]]
        out = net(x, state, trace=True, decode=False)
        state = out.state
        sl = slice(t0, t0 + y.shape[1])
        steps = torch.arange(t0, t0 + y.shape[1], device=ids.device)
        real = steps.unsqueeze(0) < n_targets.unsqueeze(1)  # (B, T)
        nll_c, ent_c = _nll_entropy(net, out.hidden[real], y[real])
        real = real.cpu()
        nll[:, sl][real] = nll_c.cpu()
        ent[:, sl][real] = ent_c.cpu()
        for k in range(n_layers):
            if out.gates[k] is not None:
                gates[k][:, sl] = out.gates[k].float().cpu()
            changes[k][:, sl] = out.changes[k].float().cpu()
    return nll, ent, gates, changes


def _nll_entropy(
    net, hidden: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """``-logp[y]`` and the entropy (nats), (N,), from rows of the last layer's
    output, (N, H), and their targets, (N,).

    The output layer and the float32 log-softmax run on blocks of rows
    (:func:`_head_blocks`), so that the (N, V) scores never exist at once:
    memory stays small and the statistics run in the CPU's caches.
    """
    N, H = hidden.shape
    V = net.decoder.out_features
    low = (hidden.dtype == torch.bfloat16
           or torch.is_autocast_enabled(hidden.device.type))
    dtype = torch.bfloat16 if low else torch.float32
    # With the fused head, a plain product and the bias added inside the fused
    # float32 statistics: in bfloat16, adding it in the product (addmm) costs
    # half as much again as the product. The eager head adds it in the product,
    # which is cheaper than an extra pass of its own.
    fused = _head["name"] == "compile"
    h = hidden.to(dtype)
    weight_t = net.decoder.weight.to(dtype).t()  # (H, V)
    bias = net.decoder.bias
    if bias is not None:
        bias = bias.float() if fused else bias.to(dtype)
    nll = torch.empty(N, device=h.device)
    ent = torch.empty(N, device=h.device)
    stats = _softmax_stats_fn()
    rows, sub = _head_blocks(V, low, _head["name"])
    with torch.autocast(h.device.type, enabled=False):
        for r0 in range(0, N, rows):
            r1 = min(r0 + rows, N)
            if fused or bias is None:
                logits = torch.mm(h[r0:r1], weight_t)  # (R, V)
            else:
                logits = torch.addmm(bias, h[r0:r1], weight_t)
            for s0 in range(r0, r1, sub):
                s1 = min(s0 + sub, r1)
                nll[s0:s1], ent[s0:s1] = stats(logits[s0 - r0 : s1 - r0],
                                               bias if fused else None, y[s0:s1])
    return nll, ent


def _head_blocks(V: int, low: bool, head: str) -> tuple[int, int]:
    """Rows of scores per product of the output layer, and per call of the
    softmax statistics.

    A product needs a few hundred rows to run near the machine's peak (on a
    2-core AVX-512 machine, 128 rows reach 70% of the rate of 512), so a block
    holds at least 512 rows, and more where the vocabulary is small: about 2.5
    million scores (10 MB in float32), or 5 million in bfloat16 with the fused
    head, and at most 50 million (for a vocabulary of over 100,000). The eager
    statistics make several passes over their rows, so they run
    on sub-blocks of about 320,000 scores that stay in a core's L2 or L3 cache;
    the fused head makes two passes and takes the whole block.
    """
    fused = head == "compile"
    rows = max(512, (5_000_000 if fused and low else 2_500_000) // V)
    rows = min(rows, max(16, 50_000_000 // V))  # at most 200 MB of scores
    sub = rows if fused else max(1, 320_000 // V)
    return rows, sub


def _softmax_stats(logits: torch.Tensor, bias: torch.Tensor | None,
                   y: torch.Tensor):
    """``-logp[y]`` and the entropy (nats) of each row of scores ``logits + bias``
    (``logits`` when ``bias`` is None), in float32.

    With ``d = l - max(l)`` and ``s = sum(exp(d))``: ``logp = d - log s``, so
    ``-logp[y] = log s - d[y]`` and the entropy is ``log s - sum(exp(d) * d) / s``.
    """
    d = logits.float() if bias is None else logits.float() + bias
    d = d - d.amax(dim=-1, keepdim=True)  # (R, V), <= 0
    e = d.exp()
    s = e.sum(dim=-1)
    log_s = s.log()
    nll = log_s - d.gather(-1, y.unsqueeze(-1)).squeeze(-1)
    return nll, log_s - (e * d).sum(dim=-1) / s


SCORE_HEADS = ("eager", "compile")
_head = {"name": os.environ.get("SURPRISAL_SCORE_HEAD", "eager"), "fn": None}


def set_score_head(name: str) -> None:
    """Choose how the float32 softmax statistics of scoring run.

    Parameters
    ----------
    name : {"eager", "compile"}
        ``"compile"`` fuses them with ``torch.compile``, after a compilation of
        about 10 s once per process: on a 2-core CPU, scoring with the default
        model then runs 20 to 50% faster, so it pays off for large inputs only.
        It needs a C++ compiler (see :func:`check_score_head`). The
        environment variable ``SURPRISAL_SCORE_HEAD`` sets the initial choice.
    """
    if name not in SCORE_HEADS:
        raise ValueError(
            f"score head {name!r} is not one of {SCORE_HEADS}; set "
            f"SURPRISAL_SCORE_HEAD or call set_score_head with one of them"
        )
    _head.update(name=name, fn=None)


def check_score_head(net) -> None:
    """Build the chosen softmax statistics for ``net`` (a language model) now,
    on a few rows, so that a ``"compile"`` head that cannot be built fails
    before any scoring.

    Raises
    ------
    RuntimeError
        When ``torch.compile`` fails, most often for want of a C++ compiler.
    """
    fn = _softmax_stats_fn()
    if _head["name"] != "compile":
        return
    V = net.decoder.out_features
    bias = net.decoder.bias
    logits = torch.zeros(3, V, device=net.decoder.weight.device)
    try:
        with torch.no_grad():  # as in scoring, so that the code is reused
            fn(logits, None if bias is None else bias.float(),
               torch.zeros(3, dtype=torch.long, device=logits.device))
    except Exception as err:  # noqa: BLE001 - torch.compile raises many kinds
        _head["fn"] = None
        first = (str(err).strip().splitlines() or [""])[0][:300]
        raise RuntimeError(
            f"torch.compile could not build the fused softmax statistics "
            f"({type(err).__name__}: {first}); it needs a working C++ compiler "
            f"(g++ or clang++, or the one named by $CXX): install one, or score "
            f"without --compile"
        ) from err


def _softmax_stats_fn():
    if _head["fn"] is None:
        set_score_head(_head["name"])
        _head["fn"] = (torch.compile(_softmax_stats, dynamic=True)
                       if _head["name"] == "compile" else _softmax_stats)
    return _head["fn"]


def _read(a: torch.Tensor, b: int, m: int) -> np.ndarray:
    """Per-step values of row ``b`` re-indexed by target: step t reads ids[t], and
    target j is ids[j+1], read at step j+1. The last target (<eos>) is never read,
    and belongs to no word."""
    return np.append(a[b, 1:m].numpy(), np.nan)


def score_encoded(
    model: Model,
    encs: list[EncodedDocument],
    reset: str = "document",
    batch_size: int = 8,
    dtype: str = "float32",
    adapt_lr: float | None = None,
    adapt_window: int = 20,
) -> list[TokenScores]:
    """Token scores of encoded documents, reading each as one stream
    (``reset="document"``) or restarting the state at every sentence; with
    ``adapt_lr``, by dynamic evaluation (:mod:`surprisal.adapt`)."""
    if adapt_lr is not None:
        from surprisal.adapt import adapted_token_scores

        if reset != "document":
            raise ValueError("dynamic evaluation reads each document as one "
                             "stream; it does not combine with reset='sentence'")
        return adapted_token_scores(model, encs, lr=adapt_lr, window=adapt_window)
    if reset == "document":
        return token_scores(model, encs, batch_size, dtype=dtype)
    if reset != "sentence":
        raise ValueError(f"reset={reset!r} is not one of 'document', 'sentence'")
    pieces = [batches.split_sentences(e) for e in encs]
    flat = token_scores(model, [p for ps in pieces for p in ps], batch_size,
                        dtype=dtype)
    out, k = [], 0
    for ps in pieces:
        part = flat[k : k + len(ps)]
        k += len(ps)
        out.append(TokenScores(
            np.concatenate([p.nll for p in part]),
            np.concatenate([p.entropy for p in part]),
            [None if part[0].gates[g] is None
             else np.concatenate([p.gates[g] for p in part])
             for g in range(len(part[0].gates))],
            [np.concatenate([p.changes[g] for p in part])
             for g in range(len(part[0].changes))],
        ))
    return out


def _edge_punctuation(tokens: list[str], token_word: list[int]) -> np.ndarray:
    """Tokens that are punctuation attached at the start or end of their word
    (``England`` ``,`` -> the comma), not inside it (``long`` ``-`` ``bearded``)."""
    punct = np.array([_is_punct(t) for t in tokens], dtype=bool)
    edge = np.zeros(len(tokens), dtype=bool)
    start = 0
    for end in range(1, len(tokens) + 1):
        if end < len(tokens) and token_word[end] == token_word[start]:
            continue
        i = start
        while i < end and punct[i]:
            edge[i] = True
            i += 1
        j = end - 1
        while j >= i and punct[j]:
            edge[j] = True
            j -= 1
        start = end
    return edge


def _word_rows(
    doc: Document,
    enc: EncodedDocument,
    ts: TokenScores,
    unk: int,
    scale: float,
    unit: str,
    punct: str,
) -> dict[str, np.ndarray]:
    n_words = len(doc.words)
    tw = np.asarray(enc.target_word)
    real = tw >= 0  # targets that are word tokens (not <eos>)
    w = tw[real]
    nll = ts.nll[real]
    token_ids = np.asarray(enc.ids[1:])[real]
    if punct == "drop":
        keep = ~_edge_punctuation(doc.tokens, doc.token_word)
        nll = np.where(keep, nll, 0.0)
    n_tok = np.bincount(w, minlength=n_words)
    surprisal = np.bincount(w, weights=nll, minlength=n_words) * scale
    if punct == "drop":
        kept = np.bincount(w, weights=keep.astype(float), minlength=n_words)
        surprisal = np.where(kept > 0, surprisal, np.nan)
    first = np.searchsorted(w, np.arange(n_words))  # word tokens are in order
    rows = {
        f"surprisal_{unit}": surprisal,
        f"entropy_{unit}": ts.entropy[real][first] * scale,
        "n_tokens": n_tok,
        "oov": np.bincount(w, weights=token_ids == unk, minlength=n_words) > 0,
        "has_punct": np.array([has_attached_punct(x) for x in doc.words]),
    }
    for k, (g, c) in enumerate(zip(ts.gates, ts.changes, strict=True), start=1):
        if g is not None:
            gate_sum = np.bincount(w, weights=g[real], minlength=n_words)
            rows[f"gate_l{k}"] = gate_sum / n_tok
        rows[f"state_change_l{k}"] = (
            np.bincount(w, weights=c[real], minlength=n_words) / n_tok
        )
    return rows


def score_documents(
    docs: list[Document],
    model: Model,
    *,
    tokens: bool = False,
    unit: str = "bits",
    reset: str = "document",
    punct: str = "attach",
    batch_size: int = 8,
    dtype: str = "float32",
    adapt_lr: float | None = None,
    adapt_window: int = 20,
) -> pd.DataFrame:
    """Score tokenised documents.

    Parameters
    ----------
    docs : list of Document
        From :func:`surprisal.text.read_documents` or :func:`surprisal.text.segment`,
        made with ``model.text``.
    model : Model
        From :func:`surprisal.modelio.load`.
    tokens : bool
        One row per model token instead of one per word.
    unit : {"bits", "nats"}
        Unit of surprisal and entropy; it is part of the column names.
    reset : {"document", "sentence"}
        Read each document as one stream (default), or reset the state at every
        sentence.
    punct : {"attach", "drop"}
        Whether tokens made only of punctuation count toward their word's
        surprisal. With ``drop``, a word made only of punctuation gets NaN,
        explained by its ``has_punct`` flag.
    batch_size : int
        Documents run in parallel; values change by floating-point rounding only.
    dtype : {"float32", "bfloat16"}
        Precision of the network; log-probabilities are always float32.
    adapt_lr : float, optional
        Dynamic evaluation (:mod:`surprisal.adapt`): after scoring each window of
        ``adapt_window`` tokens, take a gradient step of this size on it, in a
        copy of the model that each document starts afresh. None scores with
        fixed weights.
    adapt_window : int
        Tokens per window of dynamic evaluation.

    Returns
    -------
    pandas.DataFrame
        Word rows: ``doc``, ``sentence``, ``word_index`` (all from 1), ``word`` (as
        written), ``surprisal_bits``, ``entropy_bits``, ``n_tokens``, ``oov``,
        ``has_punct``, and per layer k ``gate_lk`` (not for Elman) and
        ``state_change_lk``. Token rows replace ``n_tokens`` by ``token_index``
        and ``token``.
    """
    if unit not in UNITS:
        raise ValueError(f"unit={unit!r} is not one of {UNITS}")
    if punct not in ("attach", "drop"):
        raise ValueError(f"punct={punct!r} is not one of 'attach', 'drop'")
    scale = 1.0 / LN2 if unit == "bits" else 1.0
    encs = [batches.encode_document(d, model.vocab) for d in docs]
    scores = score_encoded(model, encs, reset, batch_size, dtype,
                           adapt_lr=adapt_lr, adapt_window=adapt_window)

    frames = []
    for d, (doc, enc, ts) in enumerate(zip(docs, encs, scores, strict=True), start=1):
        if tokens:
            frames.append(_token_frame(d, doc, enc, ts, model.vocab.unk, scale, unit))
            continue
        cols = _word_rows(doc, enc, ts, model.vocab.unk, scale, unit, punct)
        frame = pd.DataFrame({
            "doc": d,
            "sentence": np.asarray(doc.sentence) + 1,
            "word_index": np.arange(1, len(doc.words) + 1),
            "word": doc.words,
            **cols,
        })
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _token_frame(d, doc, enc, ts, unk, scale, unit) -> pd.DataFrame:
    tw = np.asarray(enc.target_word)
    real = tw >= 0
    w = tw[real]
    frame = pd.DataFrame({
        "doc": d,
        "sentence": np.asarray(doc.sentence)[w] + 1,
        "word_index": w + 1,
        "token_index": np.arange(1, len(w) + 1),
        "token": doc.tokens,
        f"surprisal_{unit}": ts.nll[real] * scale,
        f"entropy_{unit}": ts.entropy[real] * scale,
        "oov": np.asarray(enc.ids[1:])[real] == unk,
    })
    for k, (g, c) in enumerate(zip(ts.gates, ts.changes, strict=True), start=1):
        if g is not None:
            frame[f"gate_l{k}"] = g[real]
        frame[f"state_change_l{k}"] = c[real]
    return frame


def _groups(docs: Iterable[Document], group_tokens: int) -> Iterator[list[Document]]:
    group: list[Document] = []
    n = 0
    for doc in docs:
        group.append(doc)
        n += len(doc.tokens)
        if n >= group_tokens:
            yield group
            group, n = [], 0
    if group:
        yield group


def iter_score_file(
    path: str | Path,
    model: Model | None = None,
    *,
    group_tokens: int = 100_000,
    **options,
) -> Iterator[pd.DataFrame]:
    """Score a plain-text file as a stream of tables, one per group of documents.

    Concatenated, the tables equal :func:`score_file`'s (``doc`` keeps counting
    across groups). A document is never split, so one very long document is held
    in memory whole.

    Parameters
    ----------
    path : str or Path
        Plain text: one sentence (or paragraph) per line, a blank line between
        documents.
    model : Model, optional
        From :func:`surprisal.modelio.load`; the shipped model when omitted.
    group_tokens : int
        Documents are read until they hold at least this many tokens, then scored
        together (sorted by length, ``batch_size`` at a time).
    **options
        Those of :func:`score_documents`.

    Yields
    ------
    pandas.DataFrame
        The rows of one group of documents, in file order.

    Examples
    --------
    >>> from surprisal.score import iter_score_file
    >>> for part in iter_score_file("corpus.txt"):  # doctest: +SKIP
    ...     part.to_csv("out.tsv", sep="\t", mode="a", index=False)
    """
    from surprisal import modelio

    if group_tokens < 1:
        raise ValueError(f"group_tokens={group_tokens}: give a positive number")
    model = model if model is not None else modelio.load()
    n_docs = 0
    for group in _groups(iter_documents(path, model.text), group_tokens):
        table = score_documents(group, model, **options)
        table["doc"] += n_docs
        n_docs += len(group)
        yield table


def score_file(
    path: str | Path, model: Model | None = None, **options
) -> pd.DataFrame:
    """Score a plain-text file: one sentence (or paragraph) per line, a blank line
    between documents. ``options`` are those of :func:`score_documents`; for files
    too large to hold as one table, see :func:`iter_score_file`.

    Examples
    --------
    >>> from surprisal import score_file
    >>> table = score_file("story.txt")  # doctest: +SKIP
    >>> table[["word", "surprisal_bits"]].head()  # doctest: +SKIP
    """
    return pd.concat(list(iter_score_file(path, model, **options)),
                     ignore_index=True)


def write_rows(
    tables: Iterable[pd.DataFrame], out: str | Path | None, fmt: str, stdout=None
) -> int:
    """Write tables one after another as a single TSV or CSV, as they come.

    To a file, the rows go to a temporary file next to it that replaces ``out``
    only when every table is written, so a failed run leaves no partial file (and
    an existing ``out`` untouched). To ``stdout`` they are written as they come.

    Parameters
    ----------
    tables : iterable of pandas.DataFrame
        Tables with the same columns; the header is written once.
    out : str or Path or None
        Output file, or ``None`` for ``stdout``.
    fmt : {"tsv", "csv"}
    stdout : file-like, optional
        Where rows go without ``out`` [default: ``sys.stdout``].

    Returns
    -------
    int
        Rows written.
    """
    import sys

    if fmt not in ("tsv", "csv"):
        raise ValueError(f"fmt={fmt!r} cannot be streamed; use 'tsv' or 'csv'")
    sep = "\t" if fmt == "tsv" else ","
    n = 0

    def write_all(stream) -> None:
        nonlocal n
        for table in tables:
            stream.write(table.to_csv(sep=sep, index=False, header=n == 0,
                                      float_format="%.6g", lineterminator="\n"))
            n += len(table)

    if out is None:
        write_all(stdout if stdout is not None else sys.stdout)
        return n
    def write_file(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            write_all(f)

    write_via_temp(Path(out), write_file)
    return n
