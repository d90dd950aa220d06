"""Recurrent cells behind one interface: Delta-RNN, Elman, GRU and LSTM.

Dimension letters: B batch, T time, E input size, H hidden size, P = k*H the width
of a cell's input projection. Tensors are batch-first: ``x`` is (B, T, E).

Every cell splits its work in two:

- ``project(x)``: everything that depends on the input only, for the whole sequence
  in one matrix product before the time loop, (B, T, E) -> (B, T, P);
- ``step(p_t, state)``: the sequential part for one time step, returning the new
  hidden state ``h_t`` (B, H), the full state tuple, and the cell's gate (B, H) or
  ``None`` when the cell has no gate (Elman).

The gate is the share of the old state kept: the Delta-RNN's ``r_t``, the GRU's
update gate ``z_t`` and the LSTM's forget gate ``f_t``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

State = tuple[Tensor, ...]


class Cell(nn.Module):
    """Common time loop; subclasses define ``project``, ``step`` and ``n_states``."""

    n_states = 1
    has_gate = True

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size

    def init_state(self, batch: int, like: Tensor) -> State:
        zeros = like.new_zeros(batch, self.hidden_size)
        return tuple(zeros for _ in range(self.n_states))

    def project(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def step(self, p_t: Tensor, state: State) -> tuple[Tensor, State, Tensor | None]:
        raise NotImplementedError

    def begin(self, x: Tensor) -> None:
        """Hook run once per sequence before the loop (e.g. dropout masks)."""

    def forward(
        self, x: Tensor, state: State | None = None, trace: bool = False
    ) -> tuple[Tensor, State, Tensor | None, Tensor | None]:
        """Run the cell over a sequence.

        Parameters
        ----------
        x : Tensor
            Inputs, (B, T, E).
        state : tuple of Tensor, optional
            State carried from the previous segment; zeros when omitted.
        trace : bool
            Also return, per step, the gate averaged over units and the size of
            the state change ``||h_t - h_{t-1}||``.

        Returns
        -------
        out : Tensor
            Hidden states, (B, T, H).
        state : tuple of Tensor
            The final state, to carry into the next segment.
        gate : Tensor or None
            (B, T) mean gate over units; ``None`` without ``trace`` or for Elman.
        change : Tensor or None
            (B, T) Euclidean norm of the change of ``h``; ``None`` without ``trace``.
        """
        B, T, _ = x.shape
        if state is None:
            state = self.init_state(B, x)
        self.begin(x)
        p = self.project(x)  # (B, T, P)
        h = state[0]
        outs, gates, changes = [], [], []
        for t in range(T):
            h_new, state, gate = self.step(p[:, t], state)
            outs.append(h_new)
            if trace:
                changes.append((h_new - h).norm(dim=-1))
                if gate is not None:
                    gates.append(gate.mean(dim=-1))
            h = h_new
        out = torch.stack(outs, dim=1)  # (B, T, H)
        gate_t = torch.stack(gates, dim=1) if trace and gates else None
        change_t = torch.stack(changes, dim=1) if trace else None
        return out, state, gate_t, change_t


class DeltaRNNCell(Cell):
    """The Delta-RNN of Ororbia, Mikolov and Reitter (2017).

    ::

        Wx_t = W x_t                      (computed for all t before the loop)
        Vh   = V h_{t-1}
        z_t  = tanh(alpha * Vh * Wx_t + beta1 * Vh + beta2 * Wx_t + b)
        r_t  = sigmoid(Wx_t + b_r)        gate = "input" (the paper)
        r_t  = sigmoid(Wx_t + Vh + b_r)   gate = "state" (this toolkit's variant,
                                          not in the paper)
        h_t  = Phi((1 - r_t) * z_t + r_t * h_{t-1})

    Parameters per layer: ``E*H + H*H + 5*H``.

    Parameters
    ----------
    outer : {"identity", "tanh"}
        The outer function ``Phi``.
    gate : {"input", "state"}
        The paper's input-driven gate, or the state-aware variant.
    inner_dropout : float
        Dropout on the proposal ``z_t``, one mask per sequence.
    alpha_init : float
        Initial value of ``alpha`` (the reference uses 1, and 2 on Penn Treebank).
    init_std : float
        Standard deviation of the Gaussian initialisation of ``W`` and ``V``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        outer: str = "identity",
        gate: str = "input",
        inner_dropout: float = 0.0,
        alpha_init: float = 1.0,
        init_std: float = 0.05,
    ):
        super().__init__(input_size, hidden_size)
        if outer not in ("identity", "tanh"):
            raise ValueError(f"outer={outer!r} is not one of 'identity', 'tanh'")
        if gate not in ("input", "state"):
            raise ValueError(f"gate={gate!r} is not one of 'input', 'state'")
        H = hidden_size
        self.outer = outer
        self.gate = gate
        self.inner_dropout = inner_dropout
        self.W = nn.Parameter(torch.randn(H, input_size) * init_std)
        self.V = nn.Parameter(torch.randn(H, H) * init_std)
        self.alpha = nn.Parameter(torch.full((H,), float(alpha_init)))
        self.beta1 = nn.Parameter(torch.ones(H))
        self.beta2 = nn.Parameter(torch.ones(H))
        self.b = nn.Parameter(torch.zeros(H))
        self.b_r = nn.Parameter(torch.zeros(H))
        self._mask: Tensor | None = None

    def begin(self, x: Tensor) -> None:
        self._mask = None
        if self.training and self.inner_dropout > 0:
            keep = 1.0 - self.inner_dropout
            mask = x.new_empty(x.shape[0], self.hidden_size).bernoulli_(keep)
            self._mask = mask / keep

    def project(self, x: Tensor) -> Tensor:
        # Everything input-driven, for all steps at once:
        #   a_t = alpha * Wx_t + beta1   (multiplies Vh)
        #   c_t = beta2 * Wx_t + b       (added)
        #   g_t = Wx_t + b_r             (the gate's pre-activation)
        wx = x @ self.W.t()  # (B, T, H)
        a = self.alpha * wx + self.beta1
        c = self.beta2 * wx + self.b
        return torch.cat([a, c, wx + self.b_r], dim=-1)  # (B, T, 3H)

    def step(self, p_t: Tensor, state: State) -> tuple[Tensor, State, Tensor]:
        (h,) = state
        a, c, g = p_t.chunk(3, dim=-1)
        vh = h @ self.V.t()
        z = torch.tanh(vh * a + c)
        if self._mask is not None:
            z = z * self._mask
        r = torch.sigmoid(g + vh if self.gate == "state" else g)
        h_new = z + r * (h - z)  # (1 - r) * z + r * h
        if self.outer == "tanh":
            h_new = torch.tanh(h_new)
        return h_new, (h_new,), r


class ElmanCell(Cell):
    """Elman RNN: ``h_t = tanh(W x_t + b + U h_{t-1})``. It has no gate."""

    has_gate = False

    def __init__(self, input_size: int, hidden_size: int, **_):
        super().__init__(input_size, hidden_size)
        self.W = nn.Linear(input_size, hidden_size)
        self.U = nn.Linear(hidden_size, hidden_size, bias=False)
        _uniform_init(self, hidden_size)

    def project(self, x: Tensor) -> Tensor:
        return self.W(x)

    def step(self, p_t: Tensor, state: State) -> tuple[Tensor, State, None]:
        h = torch.tanh(p_t + self.U(state[0]))
        return h, (h,), None


class GRUCell(Cell):
    """GRU (Cho et al. 2014), with PyTorch's convention
    ``h_t = (1 - z_t) * n_t + z_t * h_{t-1}``; the gate reported is ``z_t``."""

    def __init__(self, input_size: int, hidden_size: int, **_):
        super().__init__(input_size, hidden_size)
        self.W = nn.Linear(input_size, 3 * hidden_size)
        self.U = nn.Linear(hidden_size, 3 * hidden_size)
        _uniform_init(self, hidden_size)

    def project(self, x: Tensor) -> Tensor:
        return self.W(x)

    def step(self, p_t: Tensor, state: State) -> tuple[Tensor, State, Tensor]:
        (h,) = state
        xr, xz, xn = p_t.chunk(3, dim=-1)
        hr, hz, hn = self.U(h).chunk(3, dim=-1)
        r = torch.sigmoid(xr + hr)
        z = torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)
        h_new = n + z * (h - n)
        return h_new, (h_new,), z


class LSTMCell(Cell):
    """LSTM (Hochreiter & Schmidhuber 1997) with a forget gate; the gate reported is
    the forget gate ``f_t``. The state is ``(h, c)``."""

    n_states = 2

    def __init__(self, input_size: int, hidden_size: int, **_):
        super().__init__(input_size, hidden_size)
        self.W = nn.Linear(input_size, 4 * hidden_size)
        self.U = nn.Linear(hidden_size, 4 * hidden_size, bias=False)
        _uniform_init(self, hidden_size)

    def project(self, x: Tensor) -> Tensor:
        return self.W(x)

    def step(self, p_t: Tensor, state: State) -> tuple[Tensor, State, Tensor]:
        h, c = state
        i, f, g, o = (p_t + self.U(h)).chunk(4, dim=-1)
        f = torch.sigmoid(f)
        c = f * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, (h, c), f


def _uniform_init(module: nn.Module, hidden_size: int) -> None:
    # PyTorch's own recurrent layers draw from U(-1/sqrt(H), 1/sqrt(H)).
    bound = 1.0 / math.sqrt(hidden_size)
    for p in module.parameters():
        nn.init.uniform_(p, -bound, bound)


CELLS: dict[str, type[Cell]] = {
    "delta": DeltaRNNCell,
    "elman": ElmanCell,
    "gru": GRUCell,
    "lstm": LSTMCell,
}
