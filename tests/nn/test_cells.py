"""The cells against hand computations of their equations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from surprisal.nn import CELLS, DeltaRNNCell, LanguageModel, ModelConfig


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _delta_by_hand(cell: DeltaRNNCell, x: np.ndarray, gate: str, outer: str):
    """The equations of the Delta-RNN, step by step in float64 numpy."""
    W, V = (cell.W.detach().double().numpy(), cell.V.detach().double().numpy())
    a, b1, b2, b, br = (getattr(cell, n).detach().double().numpy()
                        for n in ("alpha", "beta1", "beta2", "b", "b_r"))
    h = np.zeros(V.shape[0])
    hs, rs = [], []
    for x_t in x:
        wx = W @ x_t
        vh = V @ h
        z = np.tanh(a * vh * wx + b1 * vh + b2 * wx + b)
        r = _sigmoid(wx + br) if gate == "input" else _sigmoid(wx + vh + br)
        h_new = (1 - r) * z + r * h
        h = np.tanh(h_new) if outer == "tanh" else h_new
        hs.append(h)
        rs.append(r)
    return np.array(hs), np.array(rs)


@pytest.mark.parametrize("gate", ["input", "state"])
@pytest.mark.parametrize("outer", ["identity", "tanh"])
def test_delta_cell_matches_hand_computation(gate, outer):
    torch.manual_seed(3)
    cell = DeltaRNNCell(3, 4, outer=outer, gate=gate, init_std=0.5).double()
    with torch.no_grad():  # non-trivial values for every parameter
        for p in (cell.alpha, cell.beta1, cell.beta2, cell.b, cell.b_r):
            p.copy_(torch.randn(4, dtype=torch.float64))
    x = torch.randn(1, 5, 3, dtype=torch.float64)
    out, state, gate_mean, change = cell(x, trace=True)

    hs, rs = _delta_by_hand(cell, x[0].numpy(), gate, outer)
    np.testing.assert_allclose(out[0].detach().numpy(), hs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gate_mean[0].detach().numpy(), rs.mean(axis=1),
                               rtol=1e-12)
    prev = np.vstack([np.zeros(4), hs[:-1]])
    np.testing.assert_allclose(change[0].detach().numpy(),
                               np.linalg.norm(hs - prev, axis=1), rtol=1e-12)
    np.testing.assert_allclose(state[0][0].detach().numpy(), hs[-1], rtol=1e-12)


def test_delta_parameter_count_is_EH_plus_HH_plus_5H():
    E, H = 7, 5
    cell = DeltaRNNCell(E, H)
    assert sum(p.numel() for p in cell.parameters()) == E * H + H * H + 5 * H


def test_gru_and_lstm_match_torch_reference():
    torch.manual_seed(0)
    x = torch.randn(2, 6, 3)
    gru = CELLS["gru"](3, 4)
    ref = torch.nn.GRU(3, 4, batch_first=True)
    with torch.no_grad():
        # torch.nn.GRU orders its gates r, z, n, as ours do.
        ref.weight_ih_l0.copy_(gru.W.weight)
        ref.bias_ih_l0.copy_(gru.W.bias)
        ref.weight_hh_l0.copy_(gru.U.weight)
        ref.bias_hh_l0.copy_(gru.U.bias)
    torch.testing.assert_close(gru(x)[0], ref(x)[0], rtol=1e-5, atol=1e-6)

    lstm = CELLS["lstm"](3, 4)
    ref = torch.nn.LSTM(3, 4, batch_first=True)
    with torch.no_grad():
        # torch.nn.LSTM orders its gates i, f, g, o, as ours do.
        ref.weight_ih_l0.copy_(lstm.W.weight)
        ref.bias_ih_l0.copy_(lstm.W.bias)
        ref.weight_hh_l0.copy_(lstm.U.weight)
        ref.bias_hh_l0.zero_()
    torch.testing.assert_close(lstm(x)[0], ref(x)[0], rtol=1e-5, atol=1e-6)


def test_elman_matches_torch_reference():
    torch.manual_seed(0)
    x = torch.randn(2, 6, 3)
    cell = CELLS["elman"](3, 4)
    ref = torch.nn.RNN(3, 4, batch_first=True)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(cell.W.weight)
        ref.bias_ih_l0.copy_(cell.W.bias)
        ref.weight_hh_l0.copy_(cell.U.weight)
        ref.bias_hh_l0.zero_()
    out, _, gate, change = cell(x, trace=True)
    torch.testing.assert_close(out, ref(x)[0], rtol=1e-5, atol=1e-6)
    assert gate is None and change.shape == (2, 6)


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("gate", ["input", "state"])
def test_gradients_reach_every_parameter(cell, gate):
    torch.manual_seed(0)
    net = LanguageModel(ModelConfig(vocab_size=11, cell=cell, embedding=6, hidden=6,
                                    layers=2, gate=gate, dropout=0.1,
                                    inner_dropout=0.1))
    ids = torch.randint(0, 11, (3, 5))
    out = net(ids)
    loss = torch.nn.functional.cross_entropy(out.logits.reshape(-1, 11),
                                             ids.roll(-1, 1).reshape(-1))
    loss.backward()
    for name, p in net.named_parameters():
        assert p.grad is not None, name
        assert p.grad.abs().sum() > 0, name


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_gate_is_the_share_of_the_old_state_kept(cell):
    torch.manual_seed(0)
    c = CELLS[cell](3, 4)
    _, state, gate, change = c(torch.randn(2, 5, 3), trace=True)
    assert change.shape == (2, 5) and (change >= 0).all()
    if cell == "elman":
        assert gate is None
    else:
        assert gate.shape == (2, 5) and ((gate > 0) & (gate < 1)).all()


def test_tied_weights_share_one_matrix():
    net = LanguageModel(ModelConfig(vocab_size=9, embedding=4, hidden=4))
    assert net.decoder.weight is net.embed.weight
    with pytest.raises(ValueError, match="tie_weights needs hidden == embedding"):
        ModelConfig(vocab_size=9, embedding=4, hidden=5)
