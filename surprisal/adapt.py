"""Dynamic evaluation: a model that adapts to the text it reads.

Each document is read in windows of ``window`` tokens. A window is scored first,
then the model takes one gradient step on that window's loss before it reads the
next::

    window 1: score, then step      window 2: score, then step      ...
    weights:  w0                    w1 = w0 - lr * grad_1           ...

so every score depends only on text already read. For reading research this is a
model of adaptation to a text (Krause et al. 2018 call it dynamic evaluation; the
Delta-RNN paper uses it in evaluation). The steps change a copy of the network:
the loaded model, and the file it came from, are never modified. By default every
document starts again from the loaded weights (``scope="document"``); with
``scope="corpus"`` the adapted weights carry from document to document.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
import torch.nn.functional as F

from surprisal.batches import EncodedDocument
from surprisal.modelio import Model
from surprisal.nn import detach_state
from surprisal.score import TokenScores


def adapted_token_scores(
    model: Model,
    streams: list[EncodedDocument],
    lr: float = 1e-3,
    window: int = 20,
    scope: str = "document",
) -> list[TokenScores]:
    """Score id streams with dynamic evaluation (see the module docstring).

    Parameters
    ----------
    model : Model
        The model; its network is copied, never changed.
    streams : list of EncodedDocument
        Documents as id streams.
    lr : float
        Learning rate of the plain gradient step taken after each window; 0 gives
        the scores of ordinary scoring.
    window : int
        Tokens per window.
    scope : {"document", "corpus"}
        Restart every document from the loaded weights, or carry the adapted
        weights on.

    Returns
    -------
    list of TokenScores
        As :func:`surprisal.score.token_scores`.
    """
    if scope not in ("document", "corpus"):
        raise ValueError(f"scope={scope!r} is not one of 'document', 'corpus'")
    if lr < 0 or window < 1:
        raise ValueError(f"need lr >= 0 and window >= 1, got lr={lr}, window={window}")
    device = next(model.net.parameters()).device
    net = None
    results = []
    for enc in streams:
        if net is None or scope == "document":
            net = copy.deepcopy(model.net)
            net.eval()  # no dropout: the gradient step is the only change
        results.append(_adapt_one(net, enc, lr, window, device))
    return results


def _adapt_one(net, enc: EncodedDocument, lr: float, window: int,
               device) -> TokenScores:
    ids = torch.tensor(enc.ids, dtype=torch.long, device=device).unsqueeze(0)
    n = ids.shape[1] - 1
    n_layers = len(net.layers)
    nll, ent = np.empty(n), np.empty(n)
    gates = [np.full(n + 1, math.nan) for _ in range(n_layers)]
    changes = [np.full(n + 1, math.nan) for _ in range(n_layers)]
    state = None
    for t0 in range(0, n, window):
        x = ids[:, t0 : min(t0 + window, n)]  # (1, T)
        y = ids[:, t0 + 1 : t0 + 1 + x.shape[1]]  # (1, T)
        out = net(x, state, trace=True)
        logp = F.log_softmax(out.logits.float(), dim=-1)  # (1, T, V)
        token_nll = -logp.gather(-1, y.unsqueeze(-1)).squeeze(-1)  # (1, T)

        # Record the window's scores before the model learns from it.
        sl = slice(t0, t0 + x.shape[1])
        nll[sl] = token_nll[0].detach().double().cpu().numpy()
        ent[sl] = -(logp.exp() * logp).sum(-1)[0].detach().double().cpu().numpy()
        for k in range(n_layers):
            if out.gates[k] is not None:
                gates[k][sl] = out.gates[k][0].detach().cpu().numpy()
            changes[k][sl] = out.changes[k][0].detach().cpu().numpy()

        if lr > 0:
            net.zero_grad(set_to_none=True)
            token_nll.mean().backward()
            with torch.no_grad():
                for p in net.parameters():
                    if p.grad is not None:
                        p.sub_(lr * p.grad)
        state = detach_state(out.state)

    return TokenScores(
        nll, ent,
        [None if not net.layers[k].has_gate else _by_target(gates[k], n)
         for k in range(n_layers)],
        [_by_target(changes[k], n) for k in range(n_layers)],
    )


def _by_target(steps: np.ndarray, n: int) -> np.ndarray:
    """Step t reads ids[t]; target j is read at step j+1 (as in token_scores)."""
    return np.append(steps[1:n], np.nan)
