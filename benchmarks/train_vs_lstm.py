"""Training and scoring tokens/s: the Delta-RNN against torch.nn.LSTM in the same
embedding/output harness (vocabulary 10k, batch 32, BPTT 35, float32).

    python benchmarks/train_vs_lstm.py [--hidden 256 512 1024] [--rounds 3]
        [--threads N]

Training: forward, cross-entropy, backward, gradient clipping and a (fused) Adam
step per window, the state carried. Scoring: forward without gradients, float32
log-softmax, the target's log-probability and the entropy, over chunks of 256
steps. Each figure is the fastest of the runs within ``--seconds``; the two models
are measured in ``--rounds`` alternating rounds, and the median ratio is reported
with its range, since the machine's speed drifts.
"""

from __future__ import annotations

import argparse
import statistics

import torch
from _harness import (
    LSTMLanguageModel,
    configure,
    delta_model,
    score_step,
    timeit,
    train_step,
)
from _paths import describe

from surprisal.nn import cells
from surprisal.train import make_optimizer


def measure(net, V, B, T, seconds, chunk):
    opt = make_optimizer("adam", net.parameters(), 1e-3)
    x = torch.randint(0, V, (B, T))
    y = torch.randint(0, V, (B, T))
    box = {"state": None}

    def train_once():
        box["state"] = train_step(net, opt, x, y, box["state"])

    net.train()
    t_train = timeit(train_once, seconds)
    xs = torch.randint(0, V, (B, chunk))
    ys = torch.randint(0, V, (B, chunk))
    net.eval()
    t_score = timeit(lambda: score_step(net, xs, ys, None), seconds)
    return B * T / t_train, B * chunk / t_score


def main() -> None:
    ap = argparse.ArgumentParser(description=describe(__doc__))
    ap.add_argument("--hidden", type=int, nargs="+", default=[256, 512, 1024])
    ap.add_argument("--vocab", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--bptt", type=int, default=35)
    ap.add_argument("--chunk", type=int, default=256, help="scoring chunk")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternating rounds of both models; the median ratio counts")
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = ap.parse_args()
    configure(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"Delta-RNN recurrence {cells.get_recurrence()!r}, V={args.vocab}, "
          f"B={args.batch}, T={args.bptt}, scoring chunk {args.chunk}")
    print(f"{'H':>5} {'model':>6} {'train tok/s':>12} {'score tok/s':>12}")
    rows = []
    for H in args.hidden:
        torch.manual_seed(0)
        nets = {"delta": delta_model(args.vocab, H),
                "lstm": LSTMLanguageModel(args.vocab, H)}
        ratios = []
        for _ in range(args.rounds):
            res = {}
            for name, net in nets.items():
                res[name] = measure(net, args.vocab, args.batch, args.bptt,
                                    args.seconds, args.chunk)
                print(f"{H:>5} {name:>6} {res[name][0]:>12.0f} "
                      f"{res[name][1]:>12.0f}", flush=True)
            ratios.append((res["delta"][0] / res["lstm"][0],
                           res["delta"][1] / res["lstm"][1]))
        rows.append((H, ratios))
    print("\nratio Delta-RNN / nn.LSTM, median [lowest, highest] of the rounds "
          "(target: training >= 1.0 at every size, >= 1.5 at 1024); 'bound' is "
          "the ratio of their multiply-adds per token, 4H(E+H)+HV over H(E+H)+HV, "
          "which caps the speed-up when both run at the same FLOP rate")
    for H, ratios in rows:
        tr, sc = sorted(r[0] for r in ratios), sorted(r[1] for r in ratios)
        V = args.vocab
        bound = (4 * H * 2 * H + H * V) / (H * 2 * H + H * V)
        print(f"H={H:>5}  training {statistics.median(tr):.2f}x "
              f"[{tr[0]:.2f}, {tr[-1]:.2f}]  scoring {statistics.median(sc):.2f}x "
              f"[{sc[0]:.2f}, {sc[-1]:.2f}]  bound {bound:.2f}")

if __name__ == "__main__":
    main()
