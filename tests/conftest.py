"""Shared fixtures: small real models written to disk and read back."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import torch

from surprisal import modelio
from surprisal.nn import LanguageModel, ModelConfig
from surprisal.text import TextConfig, read_documents
from surprisal.vocab import Vocab

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def make_model(
    tmp_path: Path, cell: str = "delta", layers: int = 2, seed: int = 0, **kw
) -> modelio.Model:
    """A randomly initialised model over the tiny fixture's vocabulary, saved to
    disk and loaded back, so tests use the real file format."""
    torch.manual_seed(seed)
    text = TextConfig(lowercase=True)
    docs = read_documents(FIXTURES / "tiny.txt", text)
    vocab = Vocab.build(Counter(t for d in docs for t in d.tokens), min_count=2)
    config = ModelConfig(vocab_size=len(vocab), cell=cell, embedding=16, hidden=16,
                         layers=layers, **kw)
    net = LanguageModel(config)
    # Larger than the initial scale, so that predictions differ across contexts.
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    directory = tmp_path / f"model-{cell}-{layers}-{seed}"
    modelio.save(modelio.Model(net, vocab, text), directory)
    return modelio.load(directory)


@pytest.fixture
def model(tmp_path) -> modelio.Model:
    return make_model(tmp_path)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def default_model() -> modelio.Model:
    """The shipped model, loaded once."""
    if not (modelio.default_model_dir() / "model.safetensors").exists():
        pytest.skip("no default model shipped")
    return modelio.load()
