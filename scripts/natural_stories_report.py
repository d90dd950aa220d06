"""The Natural Stories analysis of the default model beside published models.

    python scripts/natural_stories_report.py --data ../shared/data --out reports/ns

Scores the stories with a model (the shipped default unless --model is given),
joins the corrected per-word mean RTs and the published surprisal of GPT-2, the
GRNN LSTM, Transformer-XL, a 5-gram model and GPT-3, and writes the report of
``surprisal report`` with the spillover baseline of methods.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from surprisal import modelio
from surprisal.analysis import make_report
from surprisal.corpora import natural_stories_table

PUBLISHED = ("gpt2", "grnn", "txl", "ngram", "gpt3")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True,
                    help="folder holding natural_stories/ and "
                         "natural_stories_published_surprisal/")
    ap.add_argument("--out", type=Path, required=True, help="report folder")
    ap.add_argument("--model", type=Path, default=None, help="model directory")
    ap.add_argument("--folds", type=int, default=10)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(message)s")
    start = time.time()
    model = modelio.load(args.model)
    table = natural_stories_table(
        args.data / "natural_stories", model,
        published_root=args.data / "natural_stories_published_surprisal"
        / "boyce_levy_2023_maze_repo",
        published=PUBLISHED)
    args.out.mkdir(parents=True, exist_ok=True)
    data = args.out / "natural_stories_merged.tsv"
    table.to_csv(data, sep="\t", index=False)

    models = {"delta": ["surprisal_bits"]}
    models.update({p: [f"surprisal_bits_{p}"] for p in PUBLISHED})
    models["delta+entropy"] = ["surprisal_bits", "entropy_bits"]
    models["delta+gate"] = ["surprisal_bits", "gate_l1"]
    models["delta+state_change"] = ["surprisal_bits", "state_change_l1"]
    models["delta+entropy+gate+state_change"] = [
        "surprisal_bits", "entropy_bits", "gate_l1", "state_change_l1"]
    config = {
        "title": "Natural Stories: surprisal and per-word mean reading times",
        "data": str(data.resolve()), "models": models,
        "exclusions": "natural_stories_spr", "folds": args.folds,
    }
    if model.record.get("best_valid_ppl"):
        config["perplexity"] = {"delta": model.record["best_valid_ppl"]}
    result = make_report(config, args.out)
    print(result.tables["delta_ll"].to_string(index=False))
    print(f"wall time {time.time() - start:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
