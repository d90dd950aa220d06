"""Delta-RNN against Elman, GRU and LSTM on Penn Treebank, matched on parameters.

    python scripts/ptb_comparison.py --ptb ../shared/data/penn_treebank_mikolov \
        --out runs/ptb --budget small --epochs 20
    python scripts/ptb_comparison.py --ptb ... --out runs/ptb \
        --table docs/ptb-results.md

For each cell, the hidden size (= embedding size, weights tied) is the largest
that keeps the model within the budget's parameter count, so every model gets
about the same number of parameters; every model gets the same epochs, batch,
BPTT, optimiser and learning-rate schedule. Each run writes a model directory
with its training record and a log; a killed run continues with the same
command (runs resume from their checkpoints). ``--table`` collects the finished
runs into a Markdown table: validation and test perplexity, parameters, training
tokens/s, wall time and epochs, and the settings used.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from surprisal import modelio
from surprisal.evaluate import perplexity
from surprisal.nn import LanguageModel, ModelConfig
from surprisal.train import TrainConfig, train

CELLS = ("delta", "elman", "gru", "lstm")
BUDGETS = {"small": 3_500_000, "medium": 15_000_000}
VOCAB = 10_000  # Mikolov's PTB, <eos> and <unk> included

# Settings shared by every run (the Delta-RNN reference's Adam schedule).
SETTINGS = dict(batch_size=32, bptt=35, lr=0.002, clip=0.25, lr_decay=0.5,
                min_lr=1e-4, patience=2, seed=1, checkpoint_minutes=5,
                text=dict(lowercase=True, sentences="line"))
DELTA = dict(outer_function="identity", alpha_init=2.0, inner_dropout=0.0)


def hidden_for_budget(cell: str, budget: int, layers: int = 1) -> int:
    """The largest hidden size (= embedding) whose tied model fits the budget."""
    lo, hi = 8, 4096
    while lo < hi:
        mid = (lo + hi + 1) // 2
        n = LanguageModel(ModelConfig(vocab_size=VOCAB, cell=cell, embedding=mid,
                                      hidden=mid, layers=layers)).n_parameters()
        lo, hi = (mid, hi) if n <= budget else (lo, mid - 1)
    return lo


def run(ptb: Path, out: Path, budget: str, epochs: int, dropout: float) -> None:
    for cell in CELLS:
        h = hidden_for_budget(cell, BUDGETS[budget])
        model = dict(cell=cell, embedding=h, hidden=h, dropout=dropout)
        if cell == "delta":
            model.update(DELTA)
        d = out / budget / cell
        d.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(d / "train.log")
        logging.getLogger().addHandler(handler)
        cfg = TrainConfig(train=[str(ptb / "ptb.train.txt")],
                          valid=str(ptb / "ptb.valid.txt"), out=str(d / "model"),
                          format="text", epochs=epochs, model=model, **SETTINGS)
        done = (d / "model" / "training.json").exists() and json.loads(
            (d / "model" / "training.json").read_text())["epochs_run"] >= epochs
        if not done:
            resume = (d / "model" / "checkpoint" / "trainer.json").exists()
            train(cfg, resume=resume, progress=False)
        logging.getLogger().removeHandler(handler)


def table(ptb: Path, out: Path) -> str:
    rows = ["| budget | cell | hidden | parameters | valid ppl | test ppl | "
            "train tokens/s | wall time | epochs |",
            "|---|---|---|---|---|---|---|---|---|"]
    for budget in BUDGETS:
        for cell in CELLS:
            d = out / budget / cell / "model"
            if not (d / "training.json").exists():
                continue
            m = modelio.load(d)
            rec = m.record
            test = perplexity(m, ptb / "ptb.test.txt")["ppl_token"]
            rate = sum(h["tokens_per_s"] for h in rec["history"]) / len(
                rec["history"])
            rows.append(
                f"| {budget} | {cell} | {m.net.config.hidden} | "
                f"{rec['parameters']:,} | {rec['best_valid_ppl']:.1f} | {test:.1f} | "
                f"{rate:,.0f} | {rec['wall_time_s'] / 60:.0f} min | "
                f"{rec['epochs_run']} |")
    settings = json.dumps({**SETTINGS, "delta": DELTA})
    return "\n".join(rows) + f"\n\nSettings: `{settings}`\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ptb", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--budget", choices=sorted(BUDGETS), default=None)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--dropout", type=float, default=0.3)
    ap.add_argument("--table", type=Path, default=None,
                    help="write the results table (Markdown) here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(message)s")
    if args.budget:
        run(args.ptb, args.out, args.budget, args.epochs, args.dropout)
    if args.table:
        args.table.write_text(table(args.ptb, args.out), encoding="utf-8")


if __name__ == "__main__":
    main()
