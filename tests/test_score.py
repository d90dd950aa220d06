"""Scoring against the chain rule and against itself under batching and chunking."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import FIXTURES, make_model

from surprisal import batches
from surprisal.score import score_documents, token_scores
from surprisal.text import read_documents, segment


def _independent_word_logprob(model, doc) -> float:
    """log2 P(all word tokens of doc), one token at a time, float64 log-softmax,
    no batching, padding or chunking; sentence ends are context, not words."""
    enc = batches.encode_document(doc, model.vocab)
    state, total = None, 0.0
    with torch.no_grad():
        for t in range(len(enc.ids) - 1):
            out = model.net(torch.tensor([[enc.ids[t]]]), state)
            state = out.state
            logits = out.logits[0, 0].double()
            logp = logits - torch.logsumexp(logits, dim=0)
            if enc.target_word[t] >= 0:
                total += float(logp[enc.ids[t + 1]]) / math.log(2)
    return total


def test_word_surprisals_sum_to_minus_log2_probability(model):
    docs = read_documents(FIXTURES / "tiny.txt", model.text)
    table = score_documents(docs, model)
    for d, doc in enumerate(docs, start=1):
        ours = table.loc[table.doc == d, "surprisal_bits"].sum()
        assert ours == pytest.approx(-_independent_word_logprob(model, doc),
                                     rel=1e-5)


def test_batch_size_never_changes_a_value(model):
    docs = read_documents(FIXTURES / "tiny.txt", model.text)
    docs.append(segment([["A", "much", "longer", "one", "."]], model.text))
    one = score_documents(docs, model, batch_size=1)
    eight = score_documents(docs, model, batch_size=8)
    num = one.select_dtypes("number").columns
    np.testing.assert_allclose(one[num].to_numpy(float), eight[num].to_numpy(float),
                               atol=1e-5, rtol=0)


def test_output_layer_never_runs_on_padding(model, monkeypatch):
    """Streams of different lengths share a padded batch; the output layer sees
    each real target once, in every chunk, and no padded position."""
    from surprisal import score

    docs = read_documents(FIXTURES / "tiny.txt", model.text)
    docs.append(segment([["A", "much", "longer", "one", "than", "the", "rest",
                          "."]], model.text))
    encs = [batches.encode_document(d, model.vocab) for d in docs]
    rows = []
    head = score._nll_entropy

    def counting(net, hidden, y):
        rows.append(hidden.shape[0])
        return head(net, hidden, y)

    monkeypatch.setattr(score, "_nll_entropy", counting)
    out = token_scores(model, encs, batch_size=len(encs), chunk=3)
    n_targets = sum(len(e.ids) - 1 for e in encs)
    assert sum(rows) == n_targets
    assert max(len(e.ids) for e in encs) * len(encs) - len(encs) > n_targets
    assert all(np.isfinite(t.nll).all() for t in out)


def test_document_scored_whole_equals_pieces_with_state_carried(model):
    docs = read_documents(FIXTURES / "tiny.txt", model.text)
    encs = [batches.encode_document(d, model.vocab) for d in docs]
    whole = token_scores(model, encs, chunk=10_000)
    pieces = token_scores(model, encs, chunk=7)
    for a, b in zip(whole, pieces, strict=True):
        np.testing.assert_allclose(a.nll, b.nll, atol=1e-5)
        np.testing.assert_allclose(a.entropy, b.entropy, atol=1e-5)
        for ga, gb in zip(a.gates + a.changes, b.gates + b.changes, strict=True):
            np.testing.assert_allclose(ga, gb, atol=1e-5)


def test_sentence_reset_equals_scoring_sentences_alone(model):
    doc = read_documents(FIXTURES / "tiny.txt", model.text)[0]
    reset = score_documents([doc], model, reset="sentence")
    carried = score_documents([doc], model)
    alone = [segment([doc.words[i:j]], model.text) for i, j in
             _sentence_bounds(doc.sentence)]
    separate = score_documents(alone, model)
    np.testing.assert_allclose(reset.surprisal_bits, separate.surprisal_bits,
                               atol=1e-5)
    # The first sentence is the same either way; later ones see more context.
    first = reset.sentence == 1
    np.testing.assert_allclose(reset.surprisal_bits[first],
                               carried.surprisal_bits[first], atol=1e-5)
    assert not np.allclose(reset.surprisal_bits[~first],
                           carried.surprisal_bits[~first], atol=1e-3)


def _sentence_bounds(sentence):
    start = 0
    for i in range(1, len(sentence) + 1):
        if i == len(sentence) or sentence[i] != sentence[start]:
            yield start, i
            start = i


def test_token_rows_sum_to_word_rows(model):
    docs = read_documents(FIXTURES / "tiny.txt", model.text)
    words = score_documents(docs, model)
    toks = score_documents(docs, model, tokens=True)
    summed = toks.groupby(["doc", "word_index"]).surprisal_bits.sum().to_numpy()
    np.testing.assert_allclose(summed, words.surprisal_bits, rtol=1e-9)
    assert (toks.groupby(["doc", "word_index"]).size().to_numpy()
            == words.n_tokens).all()


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm"])
def test_every_cell_scores(tmp_path, cell):
    model = make_model(tmp_path, cell=cell, layers=1)
    docs = read_documents(FIXTURES / "tiny.txt", model.text)
    table = score_documents(docs, model)
    assert np.isfinite(table.surprisal_bits).all()
    assert ("gate_l1" in table) == (cell != "elman")
    assert np.isfinite(table.state_change_l1).all()


def test_punctuation_drop_leaves_out_punctuation_tokens(model):
    doc = segment([["They", "sailed", "to", "England,", "slowly", "."]], model.text)
    attach = score_documents([doc], model)
    drop = score_documents([doc], model, punct="drop")
    toks = score_documents([doc], model, tokens=True)
    england = toks[toks.word_index == 4]
    assert attach.surprisal_bits[3] == pytest.approx(england.surprisal_bits.sum())
    assert drop.surprisal_bits[3] == pytest.approx(
        england.surprisal_bits.iloc[0])
    assert attach.has_punct.tolist() == [False, False, False, True, False, True]
    assert np.isnan(drop.surprisal_bits[5])


def test_punctuation_drop_keeps_hyphens_inside_words(model):
    doc = segment([["the", "long-bearded", "man", "(left)."]], model.text)
    attach = score_documents([doc], model)
    drop = score_documents([doc], model, punct="drop")
    toks = score_documents([doc], model, tokens=True)
    assert drop.surprisal_bits[1] == pytest.approx(attach.surprisal_bits[1])
    left = toks[toks.word_index == 4]
    assert left.token.tolist() == ["(", "left", ")", "."]
    assert drop.surprisal_bits[3] == pytest.approx(left.surprisal_bits.iloc[1])


@pytest.mark.parametrize("head", ["eager", "fused"])
@pytest.mark.parametrize("blocks", [(7, 3), (5, 5), (1, 1), (1000, 1000)])
def test_output_layer_blocks_never_change_a_value(model, monkeypatch, blocks, head):
    """The output layer and softmax statistics run on blocks of rows and
    sub-blocks of those; any blocking gives the full log-softmax's values, with
    the bias in the product (eager head) or in the statistics (fused head, here
    run without compiling)."""
    from surprisal import score

    if head == "fused":
        monkeypatch.setitem(score._head, "name", "compile")
        monkeypatch.setitem(score._head, "fn", score._softmax_stats)
    with torch.no_grad():
        model.net.decoder.bias.normal_()
    torch.manual_seed(1)
    hidden = torch.randn(3, 11, model.net.config.hidden)
    y = torch.randint(0, model.net.config.vocab_size, (3, 11))
    monkeypatch.setattr(score, "_head_blocks", lambda V, low, head: blocks)
    with torch.no_grad():
        nll, ent = score._nll_entropy(model.net, hidden.reshape(-1, hidden.shape[-1]),
                                      y.reshape(-1))
        nll, ent = nll.view(3, 11), ent.view(3, 11)
        logp = torch.log_softmax(model.net.decoder(hidden).double(), dim=-1)
    np.testing.assert_allclose(nll, -logp.gather(-1, y[..., None])[..., 0],
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ent, -(logp.exp() * logp).sum(-1), rtol=1e-5,
                               atol=1e-5)


@pytest.mark.parametrize("V", [10, 20_000, 10_000_000])
def test_output_layer_blocks_are_whole_sub_blocks(V):
    from surprisal.score import _head_blocks

    for low in (False, True):
        for head in ("eager", "compile"):
            rows, sub = _head_blocks(V, low, head)
            assert rows >= min(512, max(16, 50_000_000 // V)) and 1 <= sub <= rows
            assert rows * V <= max(16 * V, 50_000_000)
