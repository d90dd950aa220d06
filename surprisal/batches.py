"""Token streams and batches, for training and for scoring.

A document becomes one stream of ids. ``<eos>`` starts the document (so its first
word is conditioned on the start of the text) and ends every sentence::

    words:    The cat slept .  It purred .
    stream:   <eos> the cat slept . <eos> it purred . <eos>
    inputs:   stream[:-1]          (what the model reads at step t)
    targets:  stream[1:]           (what it predicts at step t)
    word:     0 1 2 3 -1 4 5 6 -1  (the word each target belongs to; -1 for <eos>)

Training lays one long stream (documents back to back) out as B parallel rows and
cuts it into windows of T steps, carrying the state from window to window::

    stream  t0 t1 t2 ................................ t_{N-1}
    data    (B, L): row b is stream[b*L : (b+1)*L]
    window k:  x = data[:, k*T : k*T+T]      (B, T)
               y = data[:, k*T+1 : k*T+T+1]  (B, T)

Scoring pads documents of unequal length at the end, so padding comes after every
real step and never enters a state that a real token's score depends on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

from surprisal.text import Document
from surprisal.vocab import Vocab


@dataclass
class EncodedDocument:
    """A document as one id stream, with the word each target belongs to."""

    ids: list[int]
    target_word: list[int]

    @property
    def n_targets(self) -> int:
        return len(self.ids) - 1


def encode_document(doc: Document, vocab: Vocab) -> EncodedDocument:
    """The id stream of a document (see the module docstring for the layout)."""
    token_ids = vocab.encode(doc.tokens)
    ids = [vocab.eos]
    target_word = []
    for i, (tid, w) in enumerate(zip(token_ids, doc.token_word, strict=True)):
        ids.append(tid)
        target_word.append(w)
        last_of_sentence = i + 1 == len(token_ids) or (
            doc.sentence[doc.token_word[i + 1]] != doc.sentence[w]
        )
        if last_of_sentence:
            ids.append(vocab.eos)
            target_word.append(-1)
    return EncodedDocument(ids, target_word)


def split_sentences(enc: EncodedDocument) -> list[EncodedDocument]:
    """One stream per sentence, each starting from ``<eos>``: for scoring with the
    state reset at every sentence."""
    out, start = [], 0
    for j, w in enumerate(enc.target_word):
        if w == -1:
            out.append(
                EncodedDocument(enc.ids[start : j + 2], enc.target_word[start : j + 1])
            )
            start = j + 1
    return out


def training_stream(docs: list[Document], vocab: Vocab) -> Tensor:
    """All documents back to back as one id stream; consecutive documents share the
    ``<eos>`` between them."""
    ids = [vocab.eos]
    for doc in docs:
        ids.extend(encode_document(doc, vocab).ids[1:])
    return torch.tensor(ids, dtype=torch.long)


def batchify(stream: Tensor, batch_size: int) -> Tensor:
    """Lay a stream out as (B, L) parallel rows, dropping the remainder."""
    L = stream.numel() // batch_size
    if L < 2:
        raise ValueError(
            f"{stream.numel()} tokens are too few for batch size {batch_size}; "
            f"use a smaller --batch-size or more text"
        )
    return stream[: batch_size * L].view(batch_size, L)


def windows(data: Tensor, bptt: int, start: int = 0) -> Iterator[tuple[Tensor, Tensor]]:
    """Windows ``(x, y)`` of at most ``bptt`` steps over (B, L) data, from window
    number ``start``."""
    L = data.shape[1]
    for i in range(start * bptt, L - 1, bptt):
        T = min(bptt, L - 1 - i)
        yield data[:, i : i + T], data[:, i + 1 : i + 1 + T]


def n_windows(data: Tensor, bptt: int) -> int:
    return (data.shape[1] - 2) // bptt + 1


def pad(streams: list[list[int]], value: int) -> tuple[Tensor, Tensor]:
    """Pad id streams at the end to one (B, L) tensor; also return their lengths."""
    lengths = torch.tensor([len(s) for s in streams], dtype=torch.long)
    out = torch.full((len(streams), int(lengths.max())), value, dtype=torch.long)
    for b, s in enumerate(streams):
        out[b, : len(s)] = torch.tensor(s, dtype=torch.long)
    return out, lengths
