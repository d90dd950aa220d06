"""The fused Delta-RNN recurrences against the eager reference loop."""

from __future__ import annotations

import pytest
import torch

from surprisal.nn import LanguageModel, ModelConfig
from surprisal.nn import cells as cells_mod
from surprisal.nn.cells import DeltaRNNCell

# Tolerance in float32: 1e-6 absolute for values, and 1e-6 times the largest entry
# for each gradient. A weight gradient is a sum over every batch row and step (up
# to about 30 here), so float32 rounding in a different summation order scales
# with it; the hand-written gradient itself is checked in float64 by gradcheck.
TOL = 1e-6


@pytest.fixture
def recurrence():
    before = cells_mod.get_recurrence()
    yield cells_mod.set_recurrence
    cells_mod.set_recurrence(before)


def _run(cell, x, h0, name, set_recurrence, seed=5):
    set_recurrence(name)
    params = dict(cell.named_parameters())
    for p in params.values():
        p.grad = None
    x = x.clone().requires_grad_(True)
    h0 = h0.clone().requires_grad_(True)
    torch.manual_seed(seed)  # the same dropout mask on both paths
    out, state, gate, change = cell(x, (h0,), trace=True)
    # A mean loss (as in training) that weights every step and the final state
    # differently.
    w = torch.linspace(-1, 1, out.numel()).reshape(out.shape)
    loss = (out * w).mean() + state[0].pow(2).mean()
    loss.backward()
    grads = {k: p.grad.clone() for k, p in params.items()}
    return out, state[0], gate, change, x.grad, h0.grad, grads


@pytest.mark.parametrize("gate", ["input", "state"])
@pytest.mark.parametrize("outer", ["identity", "tanh"])
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_script_equals_eager_forward_and_gradients(gate, outer, dropout,
                                                   recurrence):
    torch.manual_seed(0)
    cell = DeltaRNNCell(5, 7, outer=outer, gate=gate, inner_dropout=dropout,
                        init_std=0.4)
    with torch.no_grad():
        for p in (cell.alpha, cell.beta1, cell.beta2, cell.b, cell.b_r):
            p.copy_(torch.randn(7))
    x, h0 = torch.randn(3, 9, 5), torch.randn(3, 7) * 0.5
    ref = _run(cell, x, h0, "eager", recurrence)
    got = _run(cell, x, h0, "script", recurrence)
    for r, g in zip(ref[:4], got[:4], strict=True):
        torch.testing.assert_close(g, r, rtol=0, atol=TOL)
    grads = {"x": ref[4], "h0": ref[5], **ref[6]}
    got_grads = {"x": got[4], "h0": got[5], **got[6]}
    for k, r in grads.items():
        scale = max(1.0, r.abs().max().item())
        torch.testing.assert_close(got_grads[k], r, rtol=0, atol=TOL * scale,
                                   msg=f"gradient of {k}")


@pytest.mark.parametrize("gate", ["input", "state"])
def test_hand_written_gradient_passes_gradcheck(gate):
    torch.manual_seed(1)
    B, T, H = 2, 4, 3
    a, c, g = (torch.randn(B, T, H, dtype=torch.float64, requires_grad=True)
               for _ in range(3))
    V = torch.randn(H, H, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(B, H, dtype=torch.float64, requires_grad=True)
    mask = torch.tensor([[2.0, 0.0, 2.0], [0.0, 2.0, 2.0]], dtype=torch.float64)
    if gate == "input":
        g = torch.sigmoid(g.detach()).requires_grad_(True)

    def f(a, c, g, V, h0):
        return cells_mod._DeltaScan.apply(a, c, g, V, h0, mask, gate == "state",
                                          True, "script")

    assert torch.autograd.gradcheck(f, (a, c, g, V, h0))


def test_language_model_is_the_same_under_every_recurrence(recurrence):
    torch.manual_seed(2)
    net = LanguageModel(ModelConfig(vocab_size=13, embedding=8, hidden=8, layers=2))
    ids = torch.randint(0, 13, (2, 11))
    recurrence("eager")
    ref = net(ids, trace=True)
    recurrence("script")
    got = net(ids, trace=True)
    torch.testing.assert_close(got.logits, ref.logits, rtol=0, atol=TOL)
    for r, g in zip(ref.gates + ref.changes, got.gates + got.changes, strict=True):
        torch.testing.assert_close(g, r, rtol=0, atol=TOL)


def test_bfloat16_autocast_runs_matmuls_and_output_layer_in_bfloat16(recurrence):
    recurrence("script")
    torch.manual_seed(3)
    net = LanguageModel(ModelConfig(vocab_size=13, embedding=8, hidden=8))
    ids = torch.randint(0, 13, (2, 5))
    ref = net(ids).logits
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = net(ids)
    assert out.logits.dtype == torch.bfloat16
    assert out.state[0][0].dtype == torch.float32  # the carried state stays fp32
    torch.testing.assert_close(out.logits.float(), ref, rtol=0.05, atol=0.05)


def test_unknown_recurrence_names_the_choices():
    with pytest.raises(ValueError, match="'eager', 'script', 'compile'"):
        cells_mod.set_recurrence("jit")
