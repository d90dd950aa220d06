"""Perplexity of a model on a text, per model token and per word."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from surprisal import batches
from surprisal.modelio import Model
from surprisal.score import score_encoded
from surprisal.text import read_documents


def perplexity(
    model: Model, path: str | Path, batch_size: int = 8, reset: str = "document",
    adapt_lr: float | None = None, adapt_window: int = 20,
) -> dict:
    """Perplexity of ``model`` on the plain-text file ``path``.

    Returns
    -------
    dict
        ``tokens`` (predicted tokens, sentence ends included), ``words``
        (whitespace words), ``ppl_token`` = exp(total NLL / tokens), ``ppl_word`` =
        exp(NLL of the words' tokens / words), sentence ends left out, and
        ``oov_token_rate``, ``oov_word_rate``. With ``adapt_lr``, by dynamic
        evaluation (see :func:`surprisal.score.score_documents`).
    """
    docs = read_documents(path, model.text)
    encs = [batches.encode_document(d, model.vocab) for d in docs]
    scores = score_encoded(model, encs, reset=reset, batch_size=batch_size,
                           adapt_lr=adapt_lr, adapt_window=adapt_window)
    total = sum(float(s.nll.sum()) for s in scores)
    n_targets = sum(e.n_targets for e in encs)
    word_nll = 0.0
    n_words = oov_tokens = n_word_tokens = 0
    oov_words = 0
    for doc, enc, s in zip(docs, encs, scores, strict=True):
        real = np.asarray(enc.target_word) >= 0
        word_nll += float(s.nll[real].sum())
        n_words += len(doc.words)
        ids = np.asarray(enc.ids[1:])[real]
        is_unk = ids == model.vocab.unk
        oov_tokens += int(is_unk.sum())
        n_word_tokens += int(real.sum())
        oov_words += len(set(np.asarray(enc.target_word)[real][is_unk].tolist()))
    return {
        "tokens": n_targets,
        "words": n_words,
        "ppl_token": math.exp(total / n_targets),
        "ppl_word": math.exp(word_nll / n_words),
        "oov_token_rate": oov_tokens / n_word_tokens,
        "oov_word_rate": oov_words / n_words,
    }
