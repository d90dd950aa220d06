"""Where the benchmarks find their model and text."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NATURAL_STORIES = ROOT / "corpora" / "samples" / "natural_stories.txt"


def describe(doc: str) -> str:
    """A script's description for ``--help``: the first paragraph of its docstring."""
    return " ".join(doc.split("\n\n")[0].split())


def default_model_dir() -> Path:
    """The shipped default model once trained, else the training run's model."""
    for d in (ROOT / "surprisal" / "default_model",
              ROOT / "runs" / "default" / "model"):
        if (d / "config.json").exists():
            return d
    raise SystemExit(
        "no default model: train one with scripts/train_default_model.py "
        "(it writes runs/default/model) or pass --model"
    )
