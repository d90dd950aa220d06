"""The Delta-RNN's time loop: eager (the reference) against TorchScript and
torch.compile, for training and scoring (vocabulary 10k, batch 32, BPTT 35).

    python benchmarks/recurrence.py [--hidden 256] [--threads N]

The first call of each is timed apart (compilation); the rest as in
train_vs_lstm.py. torch.compile compiles again for every new sequence length, so
scoring is measured with chunks of the BPTT length for all three.
"""

from __future__ import annotations

import argparse
import time

import torch
from _harness import configure, delta_model, score_step, timeit, train_step
from _paths import describe

from surprisal.nn import cells


def main() -> None:
    ap = argparse.ArgumentParser(description=describe(__doc__))
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--vocab", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--bptt", type=int, default=35)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--recurrences", nargs="+", default=list(cells.RECURRENCES),
                    choices=cells.RECURRENCES)
    args = ap.parse_args()
    configure(args.threads)
    V, B, T, H = args.vocab, args.batch, args.bptt, args.hidden
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, H={H}, "
          f"V={V}, B={B}, T={T}")
    x, y = torch.randint(0, V, (B, T)), torch.randint(0, V, (B, T))
    for name in args.recurrences:
        cells.set_recurrence(name)
        train_rate, first, score_rate, first_score = measure(args, x, y)
        print(f"{name:>8}: training {train_rate:7.0f} tok/s (first call "
              f"{first:.1f}s), scoring {score_rate:7.0f} tok/s (first call "
              f"{first_score:.1f}s)", flush=True)


def measure(args, x, y):
    B, T = x.shape
    torch.manual_seed(0)
    net = delta_model(args.vocab, args.hidden)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    box = {"state": None}

    def train_once():
        box["state"] = train_step(net, opt, x, y, box["state"])

    t = time.perf_counter()
    train_once()
    first = time.perf_counter() - t
    train_rate = B * T / timeit(train_once, args.seconds)
    net.eval()
    t = time.perf_counter()
    score_step(net, x, y, None)
    first_score = time.perf_counter() - t
    score_rate = B * T / timeit(lambda: score_step(net, x, y, None), args.seconds)
    return train_rate, first, score_rate, first_score


if __name__ == "__main__":
    main()
