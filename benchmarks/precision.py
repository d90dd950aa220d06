"""bfloat16 against float32 scoring of Natural Stories with the default model: the
surprisal error per word, in bits, and the speed of each.

    python benchmarks/precision.py [--model DIR] [--threads N]

The text is tokenised once; both runs then score it with
``surprisal.score.score_documents`` (autocast bfloat16 for the matrix products and
the output layer, float32 log-softmax). Words/s is the best of ``--repeats`` runs
over the whole text, tokenisation not included.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _harness import configure
from _paths import NATURAL_STORIES, default_model_dir, describe

from surprisal import modelio
from surprisal.nn import cells
from surprisal.score import SCORE_HEADS, score_documents, set_score_head
from surprisal.text import read_documents


def main() -> None:
    ap = argparse.ArgumentParser(description=describe(__doc__))
    ap.add_argument("--model", default=None, help="model directory")
    ap.add_argument("--text", default=str(NATURAL_STORIES))
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--heads", nargs="+", default=["eager", "compile"],
                    choices=SCORE_HEADS,
                    help="softmax statistics: eager, or fused by torch.compile")
    args = ap.parse_args()
    configure(args.threads)
    model_dir = args.model or default_model_dir()
    model = modelio.load(model_dir)
    docs = read_documents(args.text, model.text)
    n_words = sum(len(d.words) for d in docs)
    print(f"model {model_dir} ({model.net.config.cell}, H={model.net.config.hidden}, "
          f"V={model.net.config.vocab_size}); {args.text}: {len(docs)} documents, "
          f"{n_words} words; {torch.get_num_threads()} threads, recurrence "
          f"{cells.get_recurrence()!r}")

    for head in args.heads:
        set_score_head(head)
        tables, rate = {}, {}
        for dtype in ("float32", "bfloat16"):
            score_documents(docs[:2], model, dtype=dtype)  # warm-up, compilation
            best = float("inf")
            for _ in range(args.repeats):
                t = time.perf_counter()
                tables[dtype] = score_documents(docs, model, dtype=dtype,
                                                batch_size=args.batch_size)
                best = min(best, time.perf_counter() - t)
            rate[dtype] = n_words / best
            print(f"head {head:>7}, {dtype:>9}: {rate[dtype]:8.0f} words/s (model "
                  f"and softmax, text already tokenised)")
        f32, b16 = tables["float32"], tables["bfloat16"]
        diff = np.abs(b16.surprisal_bits.to_numpy() - f32.surprisal_bits.to_numpy())
        ent = np.abs(b16.entropy_bits.to_numpy() - f32.entropy_bits.to_numpy())
        print(f"  bfloat16 - float32 surprisal, |difference| per word: mean "
              f"{diff.mean():.4f} bits, max {diff.max():.4f} bits, 99th percentile "
              f"{np.percentile(diff, 99):.4f} bits (mean surprisal "
              f"{f32.surprisal_bits.mean():.2f} bits)")
        print(f"  entropy |difference|: mean {ent.mean():.4f} bits, "
              f"max {ent.max():.4f} bits")
        print(f"  bfloat16 speed-up: {rate['bfloat16'] / rate['float32']:.2f}x")
    print("targets: mean |difference| <= 0.02 bits; bfloat16 >= 3x float32")


if __name__ == "__main__":
    main()
