"""The cases of ../shared/acceptance/cases.md, one test (or more) each, run with a
small fixture model and with the shipped default model."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from conftest import make_model

from surprisal import batches, modelio
from surprisal.align import score_stimuli
from surprisal.cli import main
from surprisal.score import score_documents, token_scores
from surprisal.text import segment


@pytest.fixture(params=["fixture", "default"])
def any_model(request, tmp_path):
    if request.param == "fixture":
        return make_model(tmp_path)
    if not (modelio.default_model_dir() / "model.safetensors").exists():
        pytest.skip("no default model shipped")
    return modelio.load()


def score_text(model, text: str, **kw) -> pd.DataFrame:
    sentences = [line.split() for line in text.splitlines() if line.strip()]
    return score_documents([segment(sentences, model.text)], model, **kw)


def stimuli(words, item=1, sentence=None):
    return pd.DataFrame({"item": item, "position": range(1, len(words) + 1),
                         "word": words,
                         "sentence": sentence or [1] * len(words)})


def test_case_01_first_word_is_scored_from_the_start_of_text(any_model):
    t = score_text(any_model, "The cat slept.")
    first = t.surprisal_bits.iloc[0]
    assert math.isfinite(first) and first > 0 and not math.copysign(1, first) < 0


def test_case_02_punctuation_rows_are_read_without_a_space(any_model):
    rows = score_stimuli(stimuli(["The", "dog", "ran", "."]), any_model)
    assert len(rows) == 4
    text = score_text(any_model, "The dog ran.", tokens=True)
    np.testing.assert_allclose(rows.surprisal_bits, text.surprisal_bits, rtol=1e-6)
    assert rows.has_punct.tolist() == [False, False, False, True]


def test_case_03_attached_punctuation_attach_and_drop(any_model):
    words = "They sailed to England, slowly.".split()
    toks = score_text(any_model, " ".join(words), tokens=True)
    england = toks[toks.word_index == 4].surprisal_bits.to_numpy()
    assert len(england) == 2  # England + ,
    attach = score_stimuli(stimuli(words), any_model)
    drop = score_stimuli(stimuli(words), any_model, punct="drop")
    assert len(attach) == len(words)
    assert attach.surprisal_bits.iloc[3] == pytest.approx(england.sum(), rel=1e-6)
    assert drop.surprisal_bits.iloc[3] == pytest.approx(england[0], rel=1e-6)
    assert attach.has_punct.iloc[3] and not attach.has_punct.iloc[2]


def test_case_04_clitic_word_is_one_row_with_pieces_summed(any_model):
    t = score_text(any_model, "They don't know.")
    toks = score_text(any_model, "They don't know.", tokens=True)
    assert t.word.tolist() == ["They", "don't", "know."]
    assert t.n_tokens.iloc[1] == 2
    assert toks[toks.word_index == 2].token.tolist() == ["do", "n't"]
    assert t.surprisal_bits.iloc[1] == pytest.approx(
        toks[toks.word_index == 2].surprisal_bits.sum(), rel=1e-9)


def test_case_05_apostrophes_and_hyphens_keep_one_row(any_model):
    words = "At six o'clock the long-bearded man left.".split()
    for table in (score_text(any_model, " ".join(words)),
                  score_stimuli(stimuli(words), any_model)):
        assert table.word.tolist() == words
        assert np.isfinite(table.surprisal_bits).all()
    t = score_text(any_model, " ".join(words))
    assert t.n_tokens[t.word == "long-bearded"].item() == 3


def test_case_06_unknown_word_is_flagged_and_counted(any_model, tmp_path, caplog):
    t = score_text(any_model, "The zorblax walked to the mill.")
    assert t.word.tolist() == ["The", "zorblax", "walked", "to", "the", "mill."]
    assert t.oov.tolist() == [False, True, False, False, False, False]
    assert math.isfinite(t.surprisal_bits.iloc[1])
    f = tmp_path / "z.txt"
    f.write_text("The zorblax walked to the mill.\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="surprisal"):
        res = CliRunner().invoke(main, ["score", "--model", str(any_model.path),
                                        str(f)])
    assert res.exit_code == 0
    assert "1 of 6 words hold an out-of-vocabulary token" in caplog.text


def test_case_07_bom_and_crlf_give_the_same_rows(any_model, tmp_path):
    plain, bom = tmp_path / "plain.txt", tmp_path / "bom.txt"
    plain.write_bytes("The caf\u00e9 opened.\n".encode())
    bom.write_bytes(b"\xef\xbb\xbf" + "The caf\u00e9 opened.\r\n".encode())
    outs = []
    for f in (plain, bom):
        out = tmp_path / (f.stem + ".tsv")
        res = CliRunner().invoke(main, ["score", "--model", str(any_model.path),
                                        str(f), "-o", str(out)])
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert "caf\u00e9".encode() in outs[0]
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("The caf\u00e9 opened.\n".encode("latin-1"))
    res = CliRunner().invoke(main, ["score", "--model", str(any_model.path),
                                    str(bad)])
    assert res.exit_code == 1
    assert "latin1.txt line 1: invalid UTF-8 byte 0xe9" in res.output


def test_case_08_batch_size_and_padding_change_nothing(any_model):
    docs = [segment([["A", "short", "one."]], any_model.text),
            segment([["A", "much", "longer", "second", "sentence", "here."]],
                    any_model.text)]
    one = score_documents(docs, any_model, batch_size=1)
    two = score_documents(docs, any_model, batch_size=2)
    num = one.select_dtypes("number").columns
    np.testing.assert_allclose(one[num].to_numpy(float), two[num].to_numpy(float),
                               atol=1e-5, rtol=0)


def test_case_09_story_is_one_stream_and_reset_is_explicit(any_model):
    story = "The fox ran.\nIt was fast.\nThen it slept."
    whole = score_text(any_model, story)
    # In pieces of three steps, the state carried from piece to piece.
    doc = segment([s.split() for s in story.splitlines()], any_model.text)
    enc = batches.encode_document(doc, any_model.vocab)
    pieces = token_scores(any_model, [enc], chunk=3)[0]
    real = np.asarray(enc.target_word) >= 0
    per_word = np.bincount(np.asarray(enc.target_word)[real],
                           weights=pieces.nll[real]) / math.log(2)
    np.testing.assert_allclose(whole.surprisal_bits, per_word, atol=1e-5)
    reset = score_text(any_model, story, reset="sentence")
    later = whole.sentence > 1
    assert not np.allclose(whole.surprisal_bits[later], reset.surprisal_bits[later])


def test_case_10_units_are_named_and_convert(any_model):
    bits = score_text(any_model, "Some text to score here.")
    nats = score_text(any_model, "Some text to score here.", unit="nats")
    assert "surprisal_bits" in bits and "surprisal_nats" in nats
    assert "surprisal_bits" not in nats and "entropy_nats" in nats
    np.testing.assert_allclose(bits.surprisal_bits, nats.surprisal_nats / np.log(2),
                               rtol=1e-6)


def test_case_11_near_zero_probability_stays_finite_in_bfloat16(tmp_path):
    model = make_model(tmp_path, layers=1, tie_weights=False)
    target = model.vocab.stoi["mill"]
    with torch.no_grad():
        model.net.decoder.bias[target] = -3.0e4
    t = score_text(model, "the miller saw the mill .", dtype="bfloat16")
    s = t.surprisal_bits[t.word == "mill"].item()
    assert math.isfinite(s) and s > 1e4
    assert np.isfinite(t.surprisal_bits).all() and np.isfinite(t.entropy_bits).all()


def test_case_12_no_end_of_sentence_row(any_model):
    t = score_text(any_model, "This is a short sentence.")
    assert t.word.tolist() == ["This", "is", "a", "short", "sentence."]
    toks = score_text(any_model, "This is a short sentence.", tokens=True)
    assert toks.token.tolist()[-1] == "." and "<eos>" not in toks.token.tolist()
