"""Dynamic evaluation: scores first, then learns; never touches the loaded model."""

from __future__ import annotations

import hashlib

import numpy as np
import torch
from conftest import FIXTURES

from surprisal import batches
from surprisal.adapt import adapted_token_scores
from surprisal.score import token_scores
from surprisal.text import read_documents


def _streams(model):
    docs = read_documents(FIXTURES / "tiny.txt", model.text)
    return [batches.encode_document(d, model.vocab) for d in docs]


def test_learning_rate_zero_equals_plain_scoring(model):
    encs = _streams(model)
    plain = token_scores(model, encs)
    adapted = adapted_token_scores(model, encs, lr=0.0, window=5)
    for a, b in zip(plain, adapted, strict=True):
        np.testing.assert_allclose(a.nll, b.nll, atol=1e-5)
        np.testing.assert_allclose(a.entropy, b.entropy, atol=1e-5)
        for ga, gb in zip(a.gates + a.changes, b.gates + b.changes, strict=True):
            np.testing.assert_allclose(ga, gb, atol=1e-5)


def test_weights_change_only_in_an_adapted_copy(model):
    weights = model.path / "model.safetensors"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    before = {k: v.clone() for k, v in model.net.state_dict().items()}
    adapted_token_scores(model, _streams(model), lr=0.5, window=4, scope="corpus")
    assert all(torch.equal(before[k], v) for k, v in model.net.state_dict().items())
    assert hashlib.sha256(weights.read_bytes()).hexdigest() == digest


def test_adaptation_lowers_surprisal_of_repeated_text(model):
    enc = _streams(model)[0]
    # The same document twice in one stream: an adapting reader expects the repeat.
    twice = batches.EncodedDocument(enc.ids + enc.ids[1:],
                                    enc.target_word + enc.target_word)
    n = enc.n_targets
    plain = token_scores(model, [twice])[0].nll[n:].sum()
    adapted = adapted_token_scores(model, [twice], lr=0.1, window=10)[0].nll[n:].sum()
    assert adapted < 0.9 * plain


def test_adapt_in_score_output_and_cli(model, tmp_path):
    from click.testing import CliRunner

    from surprisal.cli import main
    from surprisal.score import score_documents

    docs = read_documents(FIXTURES / "tiny.txt", model.text)
    plain = score_documents(docs, model)
    zero = score_documents(docs, model, adapt_lr=0.0, adapt_window=7)
    moved = score_documents(docs, model, adapt_lr=0.5, adapt_window=7)
    np.testing.assert_allclose(plain.surprisal_bits, zero.surprisal_bits, atol=1e-5)
    # The first window is scored before any step; later words see adapted weights.
    first = moved.word_index <= 3
    np.testing.assert_allclose(plain.surprisal_bits[first],
                               moved.surprisal_bits[first], atol=1e-5)
    assert not np.allclose(plain.surprisal_bits[~first], moved.surprisal_bits[~first])

    res = CliRunner().invoke(main, ["score", "--model", str(model.path), "--adapt",
                                    "--adapt-lr", "0.5", str(FIXTURES / "tiny.txt")])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["evaluate", str(model.path), "--adapt",
                                    "--reset", "sentence", str(FIXTURES / "tiny.txt")])
    assert res.exit_code == 1 and "does not combine" in res.output
