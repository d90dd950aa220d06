"""Shared pieces of the benchmarks: the nn.LSTM baseline in the toolkit's harness,
timing, and FLOP counts. Benchmarks print their figures; they are not tests."""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch import nn

from surprisal.nn import LanguageModel, ModelConfig
from surprisal.nn.lm import LMOutput
from surprisal.runtime import retain_freed_memory


class LSTMLanguageModel(nn.Module):
    """torch.nn.LSTM between the same tied embedding and output layer as
    :class:`surprisal.nn.LanguageModel`."""

    def __init__(self, vocab: int, hidden: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.rnn = nn.LSTM(hidden, hidden, batch_first=True)
        self.decoder = nn.Linear(hidden, vocab)
        self.decoder.weight = self.embed.weight

    def forward(self, ids, state=None, trace=False):
        x, s = self.rnn(self.embed(ids), state)  # (B, T, H)
        return LMOutput(self.decoder(x), s)


def configure(threads: int) -> None:
    """Threads, and the allocator setting that ``surprisal`` commands apply."""
    torch.set_num_threads(threads)
    retain_freed_memory()


def delta_model(vocab: int, hidden: int) -> LanguageModel:
    return LanguageModel(ModelConfig(vocab_size=vocab, embedding=hidden,
                                     hidden=hidden, dropout=0.0))


def detach(state):
    """Detach a state made of tensors, tuples and lists."""
    if torch.is_tensor(state):
        return state.detach()
    return type(state)(detach(s) for s in state)


def train_step(net, opt, x, y, state):
    """One window of truncated BPTT as in :func:`surprisal.train.train`."""
    out = net(x, state)
    loss = F.cross_entropy(out.logits.reshape(-1, out.logits.shape[-1]),
                           y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 0.25)
    opt.step()
    return detach(out.state)


@torch.no_grad()
def score_step(net, x, y, state, dtype=torch.float32):
    """What scoring does per chunk: forward, float32 log-softmax, the target's
    log-probability and the entropy."""
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
        out = net(x, state)
    logp = F.log_softmax(out.logits.float(), dim=-1)
    nll = -logp.gather(-1, y.unsqueeze(-1))
    ent = -(logp.exp() * logp).sum(-1)
    return out.state, nll, ent


def timeit(fn, min_time: float = 3.0, warmup: int = 2, min_runs: int = 3) -> float:
    """Seconds per call: the fastest of runs after ``warmup`` calls (the least
    disturbed by other processes on a shared machine)."""
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < min_time:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def matmul_peak(dtype=torch.float32, n: int = 2048) -> float:
    """Measured GFLOP/s of an n x n by n x n matrix product (best of several)."""
    a = torch.randn(n, n).to(dtype)
    b = torch.randn(n, n).to(dtype)
    c = torch.empty(n, n, dtype=dtype)
    for _ in range(2):
        torch.mm(a, b, out=c)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        torch.mm(a, b, out=c)
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def delta_flops_per_token(E: int, H: int, V: int, layers: int = 1) -> dict:
    """Multiply-adds x 2 of one forward step of the Delta-RNN language model."""
    proj = recur = 0
    for i in range(layers):
        proj += 2 * (E if i == 0 else H) * H  # W x_t
        recur += 2 * H * H  # V h_{t-1}
    return {"projection": proj, "recurrent": recur, "output": 2 * H * V}
