"""Scoring throughput as achieved GFLOP/s against the matrix-product peak measured
in the same run, in float32 and bfloat16.

    python benchmarks/scoring_flops.py [--hidden 256 1024] [--threads N]

The scored work is the toolkit's own :func:`surprisal.score.token_scores` (the
path behind ``surprisal score``: sorted, batched streams, chunks of 256 steps,
float32 log-softmax, surprisal, entropy, gates and state change) over B random
streams of L tokens. FLOPs counted per token, multiply-adds x 2: the input
projection 2*E*H, the recurrent product 2*H*H and the output layer 2*H*V;
element-wise work and the softmax are not counted. The bound is the time those
FLOPs take at the peak of a 2048 x 2048 matrix product of the same dtype,
measured just before each row (a shared machine's speed drifts within minutes);
the table ends with the range of those peaks.
"""

from __future__ import annotations

import argparse
import time

import torch
from _harness import (
    configure,
    delta_flops_per_token,
    delta_model,
    matmul_peak,
)
from _paths import describe

from surprisal.batches import EncodedDocument
from surprisal.modelio import Model
from surprisal.nn import cells
from surprisal.score import SCORE_HEADS, set_score_head, token_scores
from surprisal.text import TextConfig
from surprisal.vocab import Vocab


def main() -> None:
    ap = argparse.ArgumentParser(description=describe(__doc__))
    ap.add_argument("--hidden", type=int, nargs="+", default=[256, 1024])
    ap.add_argument("--vocab", type=int, default=10_000)
    ap.add_argument("--streams", type=int, default=32, help="B")
    ap.add_argument("--length", type=int, default=1024, help="L, tokens per stream")
    ap.add_argument("--batch-size", type=int, default=32,
                    help="streams scored in parallel")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--heads", nargs="+", default=["eager", "compile"],
                    choices=SCORE_HEADS,
                    help="softmax statistics: eager, or fused by torch.compile")
    args = ap.parse_args()
    configure(args.threads)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"recurrence {cells.get_recurrence()!r}")
    peaks: dict[str, list[float]] = {"float32": [], "bfloat16": []}
    V, B, L = args.vocab, args.streams, args.length
    vocab = Vocab(["<eos>", "<unk>"] + [f"w{i}" for i in range(V - 2)])
    g = torch.Generator().manual_seed(0)
    streams = [EncodedDocument(torch.randint(0, V, (L + 1,), generator=g).tolist(),
                               [0] * L) for _ in range(B)]
    print(f"V={V}, {B} streams x {L} tokens, batch {args.batch_size}\n")
    print(f"{'H':>5} {'head':>7} {'dtype':>9} {'tok/s':>8} {'GFLOP/s':>8} "
          f"{'peak':>6} {'% of peak':>9} {'bf16 speed-up':>13}")
    for H, head in [(H, head) for H in args.hidden for head in args.heads]:
        set_score_head(head)
        torch.manual_seed(0)
        model = Model(delta_model(V, H).eval(), vocab, TextConfig())
        flops = sum(delta_flops_per_token(H, H, V).values())
        rate = {}
        for dtype in ("float32", "bfloat16"):
            token_scores(model, streams[:2], args.batch_size, dtype=dtype)  # warm-up
            peak = matmul_peak(getattr(torch, dtype))
            peaks[dtype].append(peak)
            best = float("inf")
            for _ in range(args.repeats):
                t = time.perf_counter()
                token_scores(model, streams, args.batch_size, dtype=dtype)
                best = min(best, time.perf_counter() - t)
            rate[dtype] = B * L / best
            gflops = rate[dtype] * flops / 1e9
            extra = (f"{rate['bfloat16'] / rate['float32']:>12.2f}x"
                     if dtype == "bfloat16" else "")
            print(f"{H:>5} {head:>7} {dtype:>9} {rate[dtype]:>8.0f} {gflops:>8.1f} "
                  f"{peak:>6.0f} {100 * gflops / peak:>8.1f}% {extra}", flush=True)
    for dtype, ps in peaks.items():
        print(f"matmul peak, {dtype}: {min(ps):.0f} to {max(ps):.0f} GFLOP/s")
    print("targets: float32 >= 60% of the float32 peak; bfloat16 >= 3x float32")


if __name__ == "__main__":
    main()
