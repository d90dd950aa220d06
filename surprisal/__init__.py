"""delta-surprisal: word-level surprisal from Delta-RNN language models."""

__version__ = "0.1.0"
