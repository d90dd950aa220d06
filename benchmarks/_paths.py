"""Where the benchmarks find their model and text."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NATURAL_STORIES = ROOT / "corpora" / "samples" / "natural_stories.txt"


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
