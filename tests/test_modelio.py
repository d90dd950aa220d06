"""Model directories: round trip, and refusal of damaged ones."""

from __future__ import annotations

import json

import pytest
import torch
from conftest import FIXTURES, make_model

from surprisal import modelio
from surprisal.score import score_documents
from surprisal.text import read_documents


def test_save_and_load_give_identical_outputs(tmp_path, model):
    docs = read_documents(FIXTURES / "tiny.txt", model.text)
    again = modelio.load(modelio.save(model, tmp_path / "copy"))
    a = score_documents(docs, model)
    b = score_documents(docs, again)
    assert a.equals(b)
    for (na, pa), (nb, pb) in zip(model.net.state_dict().items(),
                                  again.net.state_dict().items(), strict=True):
        assert na == nb and torch.equal(pa, pb)


def test_model_files_hold_no_pickle(model):
    names = sorted(p.name for p in model.path.iterdir())
    assert names == ["config.json", "model.safetensors", "vocab.tsv"]
    config = json.loads((model.path / "config.json").read_text())
    assert config["format"] == "delta-surprisal-model"
    # A safetensors file starts with the length of its JSON header.
    head = (model.path / "model.safetensors").read_bytes()[:9]
    assert head[8:9] == b"{"


def test_truncated_weights_are_refused(tmp_path):
    m = make_model(tmp_path)
    weights = m.path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    with pytest.raises(modelio.ModelError, match="damaged or truncated"):
        modelio.load(m.path)


def test_unknown_directory_and_missing_files_are_refused(tmp_path):
    with pytest.raises(modelio.ModelError, match="no such model directory"):
        modelio.load(tmp_path / "nowhere")
    m = make_model(tmp_path)
    (m.path / "vocab.tsv").unlink()
    with pytest.raises(modelio.ModelError, match="vocab.tsv is missing"):
        modelio.load(m.path)


def test_config_that_disagrees_with_weights_is_refused(tmp_path):
    m = make_model(tmp_path)
    cfg = json.loads((m.path / "config.json").read_text())
    cfg["model"]["hidden"] = cfg["model"]["embedding"] = 8
    (m.path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(modelio.ModelError, match=r"model.safetensors"):
        modelio.load(m.path)
