"""Recurrent cells and the language model (imports torch only)."""

from surprisal.nn.cells import CELLS, Cell, DeltaRNNCell, ElmanCell, GRUCell, LSTMCell
from surprisal.nn.lm import LanguageModel, LMOutput, ModelConfig, detach_state

__all__ = [
    "CELLS",
    "Cell",
    "DeltaRNNCell",
    "ElmanCell",
    "GRUCell",
    "LSTMCell",
    "LanguageModel",
    "LMOutput",
    "ModelConfig",
    "detach_state",
]
