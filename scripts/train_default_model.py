"""Re-train the default model shipped in surprisal/default_model from the Brown corpus.

    python scripts/train_default_model.py --brown ../shared/data/brown/brown.zip \
        --out runs/default

The Brown texts are split by a fixed rule (every tenth text of each genre goes to
validation), written as plain text (one sentence per line, a blank line between
texts), and passed to ``surprisal train``. Copy ``OUT/model`` (without its
``checkpoint`` folder) to ``surprisal/default_model`` to ship it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from surprisal.sources import brown_sentences, brown_texts
from surprisal.train import TrainConfig, train

SETTINGS = dict(
    epochs=5, batch_size=32, bptt=35, lr=0.002, clip=0.25, seed=1,
    max_vocab=20000, patience=2, dtype="bfloat16", checkpoint_minutes=3,
    model=dict(cell="delta", embedding=256, hidden=256, layers=1, dropout=0.3,
               tie_weights=True),
    text=dict(lowercase=True, sentences="line"),
)


def split_brown(brown: Path, out: Path) -> tuple[Path, Path]:
    texts = brown_texts(brown)
    train_f, valid_f = out / "brown_train.txt", out / "brown_valid.txt"
    parts: dict[str, list[str]] = {"train": [], "valid": []}
    seen: dict[str, int] = {}
    for name in sorted(texts):
        genre = name[:2]
        seen[genre] = seen.get(genre, 0) + 1
        split = "valid" if seen[genre] % 10 == 0 else "train"
        lines = [" ".join(words) for words in brown_sentences(texts[name])]
        parts[split].append("\n".join(lines))
    train_f.write_text("\n\n".join(parts["train"]) + "\n", encoding="utf-8")
    valid_f.write_text("\n\n".join(parts["valid"]) + "\n", encoding="utf-8")
    return train_f, valid_f


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--brown", type=Path, required=True, help="brown.zip of NLTK")
    ap.add_argument("--out", type=Path, required=True, help="work directory")
    ap.add_argument("--resume", action="store_true", help="continue a killed run")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    train_f, valid_f = split_brown(args.brown, args.out)
    cfg = TrainConfig(train=[str(train_f)], valid=str(valid_f),
                      out=str(args.out / "model"), format="text", **SETTINGS)
    train(cfg, resume=args.resume, progress=False)


if __name__ == "__main__":
    main()
