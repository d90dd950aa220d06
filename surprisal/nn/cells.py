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

The Delta-RNN has two implementations of its time loop, chosen with
:func:`set_recurrence` or the environment variable ``SURPRISAL_RECURRENCE``:

- ``"eager"``: the generic loop of :class:`Cell` over ``step()``, one autograd node
  per operation; the reference that the other paths are tested against;
- ``"script"`` (default): the forward and the backward loop are TorchScript
  functions behind one autograd node, with the gradient written out by hand (see
  :class:`_DeltaScan`); the weight gradient of ``V`` and everything that does not
  depend on the previous step are computed for the whole sequence at once;
- ``"compile"``: the same two loops compiled by ``torch.compile``. Each new
  sequence length or batch size compiles again (tens of seconds on a CPU), so it
  suits long runs of equal-sized windows only.
"""

from __future__ import annotations

import math
import os
import warnings

import torch
from torch import Tensor, nn

State = tuple[Tensor, ...]

RECURRENCES = ("eager", "script", "compile")
_recurrence = {"name": os.environ.get("SURPRISAL_RECURRENCE", "script")}
_compiled: dict[str, object] = {}


def set_recurrence(name: str) -> None:
    """Choose the implementation of the Delta-RNN time loop for this process.

    Parameters
    ----------
    name : {"eager", "script", "compile"}
        See the module docstring. The environment variable
        ``SURPRISAL_RECURRENCE`` sets the initial choice.
    """
    if name not in RECURRENCES:
        raise ValueError(
            f"recurrence {name!r} is not one of {RECURRENCES}; set "
            f"SURPRISAL_RECURRENCE or call set_recurrence with one of them"
        )
    _recurrence["name"] = name


def get_recurrence() -> str:
    """The implementation of the Delta-RNN time loop in use."""
    name = _recurrence["name"]
    if name not in RECURRENCES:
        raise ValueError(
            f"SURPRISAL_RECURRENCE={name!r} is not one of {RECURRENCES}; "
            f"unset it or use one of them"
        )
    return name


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

    def forward(
        self, x: Tensor, state: State | None = None, trace: bool = False
    ) -> tuple[Tensor, State, Tensor | None, Tensor | None]:
        """Run the cell over a sequence; see :meth:`Cell.forward`. The time loop
        is the one chosen by :func:`set_recurrence`."""
        name = get_recurrence()
        if name == "eager":
            return super().forward(x, state, trace)
        B, T, _ = x.shape
        if state is None:
            state = self.init_state(B, x)
        self.begin(x)
        h0 = state[0]  # (B, H)

        # Input-driven terms for all steps (as in project()); with the paper's gate
        # r_t depends on the input only, so its sigmoid is taken here too. They
        # are computed time-major, (T, B, H), the layout of the time loop, and
        # handed on as (B, T, H) views.
        # (A 2-D product on a contiguous copy: a strided 3-D product is many times
        # slower in bfloat16.)
        xt = x.transpose(0, 1).reshape(T * B, -1)  # (T*B, E)
        wx = (xt @ self.W.t()).view(T, B, -1)  # (T, B, H)
        a = self.alpha * wx + self.beta1
        c = self.beta2 * wx + self.b
        g = wx + self.b_r
        state_gate = self.gate == "state"
        if not state_gate:
            g = torch.sigmoid(g)

        # Under autocast the recurrent matrix product runs in the autocast dtype and
        # the element-wise update in the dtype of a and c, as in the eager loop.
        V = self.V
        if torch.is_autocast_enabled(x.device.type):
            V = V.to(torch.get_autocast_dtype(x.device.type))
        h0 = h0.to(a.dtype)
        with torch.autocast(x.device.type, enabled=False):
            out = _DeltaScan.apply(
                a.transpose(0, 1), c.transpose(0, 1), g.transpose(0, 1), V, h0,
                self._mask, state_gate, self.outer == "tanh", name)  # (B, T, H)
        new_state = (out[:, -1],)
        if not trace:
            return out, new_state, None, None

        # Trace for the whole sequence at once, from h_{t-1} and h_t, time-major.
        out_tm = out.transpose(0, 1)  # (T, B, H)
        hprev = torch.cat([h0.unsqueeze(0), out_tm[:-1]], dim=0)  # (T, B, H)
        if state_gate:
            vh = (hprev.to(V.dtype) @ V.t()).to(a.dtype)
            g = torch.sigmoid(g + vh)
        gate = g.mean(dim=-1).t()  # (B, T)
        change = (out_tm - hprev).norm(dim=-1).t()  # (B, T)
        return out, new_state, gate, change

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


def _delta_forward_loop(
    a: Tensor,
    c: Tensor,
    g: Tensor,
    V: Tensor,
    h0: Tensor,
    mask: Tensor | None,
    state_gate: bool,
    outer_tanh: bool,
    vh_buf: Tensor | None,
    u_buf: Tensor | None,
) -> Tensor:
    """The Delta-RNN's sequential part, time-major. ``a``, ``c``: (T, B, H)
    input-driven terms; ``g``: the gate ``r`` (paper's gate) or its input part
    (state-aware gate). ``Vh_t`` and ``u_t = tanh(Vh_t * a_t + c_t)`` are kept in
    ``vh_buf`` and ``u_buf`` when given (for the backward pass). Every step writes
    into contiguous rows of the outputs (``out=``), so that a step is five kernels
    and no copies."""
    T = a.shape[0]
    out = torch.empty_like(a)  # (T, B, H)
    Vt = V.t().contiguous()  # the product runs faster on a contiguous operand
    h = h0  # (B, H)
    low = V.dtype != a.dtype
    vh = torch.empty_like(h0)
    z = torch.empty_like(h0)
    for t in range(T):
        if vh_buf is not None:
            vh = vh_buf[t]
        if low:
            vh.copy_(torch.mm(h.to(V.dtype), Vt))
        else:
            torch.mm(h, Vt, out=vh)
        if u_buf is not None:
            z = u_buf[t]
        torch.addcmul(c[t], vh, a[t], out=z)
        z.tanh_()
        zm = z * mask if mask is not None else z
        r = torch.sigmoid(g[t] + vh) if state_gate else g[t]
        h_t = out[t]
        torch.lerp(zm, h, r, out=h_t)  # (1 - r) * z + r * h
        if outer_tanh:
            h_t.tanh_()
        h = h_t
    return out


def _delta_backward_loop(
    gout: Tensor, d1: Tensor | None, r: Tensor, K: Tensor, V: Tensor
) -> tuple[Tensor, Tensor]:
    """Carry the gradient back through time (time-major, (T, B, H)).

    With ``s_t`` the state before ``Phi`` and ``gs_t`` its gradient::

        gs_t      = (gout_t + carry_t) * d1_t        d1 = Phi'(s_t)
        carry_t-1 = gs_t * r_t + (gs_t * K_t) @ V    K = d s_t / d Vh_t

    Returns every ``gs_t`` (T, B, H) and the gradient of ``h_0`` (B, H).
    """
    T = gout.shape[0]
    gs_all = torch.empty_like(gout)
    carry = torch.zeros_like(gout[0])
    same = V.dtype == gout.dtype
    for t in range(T - 1, -1, -1):
        gs = gs_all[t]
        torch.add(gout[t], carry, out=gs)
        if d1 is not None:
            gs.mul_(d1[t])
        gvh = gs * K[t]
        if same:
            carry = torch.addmm(gs * r[t], gvh, V)
        else:
            carry = gs * r[t] + torch.mm(gvh.to(V.dtype), V).to(gs.dtype)
    return gs_all, carry


def _loops(name: str):
    """The forward and backward loop for a recurrence name, compiled once."""
    if name not in _compiled:
        if name == "script":
            # TorchScript is deprecated in PyTorch 2.x but still the faster of the
            # two on CPU here (benchmarks/recurrence.py); its warning says nothing
            # a user can act on.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated")
                fns = (torch.jit.script(_delta_forward_loop),
                       torch.jit.script(_delta_backward_loop))
        elif name == "compile":
            fns = (torch.compile(_delta_forward_loop, dynamic=False),
                   torch.compile(_delta_backward_loop, dynamic=False))
        else:
            fns = (_delta_forward_loop, _delta_backward_loop)
        _compiled[name] = fns
    return _compiled[name]


class _DeltaScan(torch.autograd.Function):
    """The Delta-RNN recurrence over a whole sequence as one autograd node.

    Forward: :func:`_delta_forward_loop`. Backward, with ``u = tanh(Vh*a + c)``,
    ``z = m*u`` (``m`` the dropout mask), ``s = z + r*(h_prev - z)``::

        ds/dVh = (1 - r) * m * (1 - u^2) * a  [+ (h_prev - z) * r * (1 - r)]
        ds/da  = (1 - r) * m * (1 - u^2) * Vh
        ds/dc  = (1 - r) * m * (1 - u^2)
        ds/dr  = h_prev - z                      (paper's gate: g is r)
        ds/dg  = (h_prev - z) * r * (1 - r)      (state-aware gate)
        dL/dV  = sum over b, t of (dL/dVh_t)^T h_prev_t

    Only the carry of the gradient through ``h`` is sequential. The forward pass
    keeps ``Vh`` and ``u`` when a gradient will be needed.
    """

    @staticmethod
    def forward(ctx, a, c, g, V, h0, mask, state_gate, outer_tanh, name):
        forward_loop, _ = _loops(name)
        keep = any(ctx.needs_input_grad[:5])
        # The loops run time-major, (T, B, H), so that each step's rows are
        # contiguous; the output goes back as a (B, T, H) view.
        a, c, g = (v.transpose(0, 1).contiguous() for v in (a, c, g))
        vh = torch.empty_like(a) if keep else None  # (T, B, H)
        u = torch.empty_like(a) if keep else None  # (T, B, H)
        out = forward_loop(a, c, g, V, h0, mask, state_gate, outer_tanh, vh, u)
        ctx.save_for_backward(a, g, V, h0, mask, out, vh, u)
        ctx.flags = (state_gate, outer_tanh, name)
        return out.transpose(0, 1)

    @staticmethod
    def backward(ctx, gout):
        a, g, V, h0, mask, out, vh, u = ctx.saved_tensors  # time-major
        state_gate, outer_tanh, name = ctx.flags
        _, backward_loop = _loops(name)
        H = a.shape[-1]

        # The forward quantities of all steps at once, (T, B, H).
        hprev = torch.cat([h0.unsqueeze(0), out[:-1]], dim=0)
        du = 1 - u * u if mask is None else mask * (1 - u * u)
        z = u if mask is None else u * mask
        r = torch.sigmoid(g + vh) if state_gate else g
        dr = hprev - z  # ds/dr
        gp_per_gs = (1 - r) * du  # ds/d(Vh*a + c)
        K = gp_per_gs * a
        if state_gate:
            dr = dr * r * (1 - r)  # ds/dg
            K = K + dr
        d1 = 1 - out * out if outer_tanh else None

        gs, gh0 = backward_loop(gout.transpose(0, 1).contiguous(), d1, r, K, V)
        gp = gs * gp_per_gs
        gvh = gs * K
        gV = gvh.reshape(-1, H).to(V.dtype).t() @ hprev.reshape(-1, H).to(V.dtype)
        return ((gp * vh).transpose(0, 1), gp.transpose(0, 1),
                (gs * dr).transpose(0, 1), gV, gh0, None, None, None, None)


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
