"""delta-surprisal: word-level surprisal from Delta-RNN language models.

The names below load their modules on first use, so that ``import surprisal``
(and :mod:`surprisal.analysis`, which never needs torch) stays light.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "load_model": ("surprisal.modelio", "load"),
    "score_file": ("surprisal.score", "score_file"),
    "score_documents": ("surprisal.score", "score_documents"),
    "score_stimuli": ("surprisal.align", "score_stimuli"),
    "tokens_to_words": ("surprisal.align", "tokens_to_words"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'surprisal' has no attribute {name!r}")
