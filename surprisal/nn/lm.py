"""The language model: embedding, a stack of recurrent cells, and the output layer.

Dimension letters: B batch, T time, E embedding, H hidden, V vocabulary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from torch import Tensor, nn

from surprisal.nn.cells import CELLS, Cell, State


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild a model; saved as ``config.json``.

    Parameters
    ----------
    vocab_size : int
        V, the number of output tokens.
    cell : {"delta", "elman", "gru", "lstm"}
        The recurrent cell.
    embedding : int
        E, the width of the token embedding.
    hidden : int
        H, the width of each recurrent layer.
    layers : int
        Number of stacked layers; layer l+1 reads the hidden states of layer l.
    dropout : float
        Outer dropout: on the embeddings and on each layer's output ``h_t`` as it
        is passed upwards (never inside the recurrence).
    inner_dropout : float
        Delta-RNN only: dropout on the proposal ``z_t``.
    outer_function : {"identity", "tanh"}
        Delta-RNN only: the outer function ``Phi``.
    gate : {"input", "state"}
        Delta-RNN only: the paper's gate or the state-aware variant.
    alpha_init : float
        Delta-RNN only: initial ``alpha``.
    init_std : float
        Delta-RNN only: std of the Gaussian initialisation of ``W`` and ``V``.
    tie_weights : bool
        Share the embedding matrix with the output layer (needs H == E).
    """

    vocab_size: int
    cell: str = "delta"
    embedding: int = 256
    hidden: int = 256
    layers: int = 1
    dropout: float = 0.0
    inner_dropout: float = 0.0
    outer_function: str = "identity"
    gate: str = "input"
    alpha_init: float = 1.0
    init_std: float = 0.05
    tie_weights: bool = True

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell={self.cell!r} is not one of {sorted(CELLS)}")
        if self.tie_weights and self.hidden != self.embedding:
            raise ValueError(
                f"tie_weights needs hidden == embedding, got hidden={self.hidden} "
                f"and embedding={self.embedding}; set both to the same size or "
                f"turn weight tying off"
            )
        if self.layers < 1:
            raise ValueError(f"layers={self.layers}: a model needs at least 1 layer")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown model config keys: {sorted(unknown)}")
        return cls(**d)


@dataclass
class LMOutput:
    """What one forward pass returns.

    Attributes
    ----------
    logits : Tensor or None
        (B, T, V) unnormalised scores of the next token; ``None`` when the
        forward pass was asked not to decode (then see ``hidden``).
    state : list of tuple of Tensor
        Final state of each layer, to carry into the next segment.
    gates : list of Tensor or None
        Per layer, (B, T) gate averaged over units (``None`` for Elman or without
        ``trace``).
    changes : list of Tensor or None
        Per layer, (B, T) norm of the state change.
    hidden : Tensor or None
        (B, T, H) output of the last layer, the input of the output layer; only
        without decoding.
    """

    logits: Tensor | None
    state: list[State]
    gates: list[Tensor | None] | None = None
    changes: list[Tensor | None] | None = None
    hidden: Tensor | None = None


class LanguageModel(nn.Module):
    """A recurrent language model with a choice of cell."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        c = config
        self.embed = nn.Embedding(c.vocab_size, c.embedding)
        nn.init.normal_(self.embed.weight, std=0.05)
        self.drop = nn.Dropout(c.dropout)
        cell = CELLS[c.cell]
        self.layers = nn.ModuleList(
            cell(
                c.embedding if i == 0 else c.hidden,
                c.hidden,
                outer=c.outer_function,
                gate=c.gate,
                inner_dropout=c.inner_dropout,
                alpha_init=c.alpha_init,
                init_std=c.init_std,
            )
            for i in range(c.layers)
        )
        self.decoder = nn.Linear(c.hidden, c.vocab_size)
        nn.init.zeros_(self.decoder.bias)
        if c.tie_weights:
            self.decoder.weight = self.embed.weight

    @property
    def cells(self) -> list[Cell]:
        return list(self.layers)

    def forward(
        self,
        ids: Tensor,
        state: list[State] | None = None,
        trace: bool = False,
        decode: bool = True,
    ) -> LMOutput:
        """Scores of the next token at every position.

        Parameters
        ----------
        ids : Tensor
            (B, T) input token ids.
        state : list of tuple of Tensor, optional
            Carried state, one tuple per layer.
        trace : bool
            Also return per-step gates and state changes.
        decode : bool
            Apply the output layer. Without it, ``hidden`` holds the last layer's
            output, for a caller that applies ``decoder`` in pieces (scoring does,
            so that the (B, T, V) scores never exist at once).
        """
        x = self.drop(self.embed(ids))  # (B, T, E)
        new_state, gates, changes = [], [], []
        for i, cell in enumerate(self.layers):
            x, s, g, ch = cell(x, None if state is None else state[i], trace=trace)
            x = self.drop(x)  # (B, T, H)
            new_state.append(s)
            gates.append(g)
            changes.append(ch)
        if not decode:
            return LMOutput(None, new_state, gates if trace else None,
                            changes if trace else None, hidden=x)
        logits = self.decoder(x)  # (B, T, V)
        if not trace:
            return LMOutput(logits, new_state)
        return LMOutput(logits, new_state, gates, changes)

    def n_parameters(self) -> int:
        """Trainable parameters, a tied matrix counted once."""
        return sum(p.numel() for p in self.parameters())


def detach_state(state: list[State]) -> list[State]:
    """Cut the graph at a segment boundary (truncated backpropagation through time)."""
    return [tuple(t.detach() for t in s) for s in state]
