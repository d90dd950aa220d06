"""Synthetic merged tables with planted effects, for the analysis tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

VOCAB = [
    "the", "of", "house", "river", "walked", "quickly", "a", "old", "man", "dog",
    "England", "don't", "long-bearded", "o'clock", "story", "she", "said", "and",
    "yesterday", "mountain", "cat", "ran", "into", "garden", "beautiful", "it",
]


def word_table(n_items: int = 6, n_words: int = 120, seed: int = 0) -> pd.DataFrame:
    """Per-word table without a measure: words, sentences, flags, predictors."""
    rng = np.random.default_rng(seed)
    rows = []
    for item in range(1, n_items + 1):
        sentence, pos_in_sentence = 1, 0
        for pos in range(1, n_words + 1):
            pos_in_sentence += 1
            word = str(rng.choice(VOCAB))
            end = pos_in_sentence >= 8 and rng.random() < 0.3 or pos == n_words
            if end:
                word += "."
            elif rng.random() < 0.1:
                word += ","
            rows.append({
                "item": item, "position": pos, "word": word, "sentence": sentence,
                "position_in_sentence": pos_in_sentence,
                "oov": bool(rng.random() < 0.03), "has_punct": word[-1] in ".,",
                "n_tokens": 1,
            })
            if end:
                sentence, pos_in_sentence = sentence + 1, 0
    df = pd.DataFrame(rows)
    n = len(df)
    df["surprisal_bits"] = rng.gamma(2.0, 3.0, n)
    df["surprisal_gpt2"] = df["surprisal_bits"] + rng.normal(0, 1.0, n)
    df["entropy_bits"] = rng.gamma(3.0, 1.5, n)
    df["gate_l1"] = rng.normal(0, 1, n)
    df["length"] = df["word"].str.strip(".,").str.len()
    return df


def lagged(df: pd.DataFrame, column: str, offset: int) -> np.ndarray:
    """Value at position - offset within the item, 0 where absent (reference)."""
    out = df.groupby("item")[column].shift(offset)
    return out.fillna(0.0).to_numpy()


def per_word_rt(n_items: int = 6, n_words: int = 120, seed: int = 0,
                slope: float = 5.0, noise: float = 20.0,
                shift: int = 0) -> pd.DataFrame:
    """Per-word means: rt = 300 + slope*s + 3*len + 2*s_lag1 + noise.

    ``shift=1`` stores at word z the RT of word z+1 (a table one word off).
    """
    rng = np.random.default_rng(seed + 1)
    df = word_table(n_items, n_words, seed)
    rt = (300 + slope * df["surprisal_bits"] + 3 * df["length"]
          + 2 * lagged(df, "surprisal_bits", 1) + rng.normal(0, noise, len(df)))
    df["rt"] = rt
    if shift:
        df["rt"] = df.groupby("item")["rt"].shift(-shift)
    return df


def per_reader_rt(n_subjects: int = 16, n_items: int = 3, n_words: int = 60,
                  seed: int = 0, slope: float = 5.0,
                  item_sd: float = 20.0) -> pd.DataFrame:
    """Per-reader table with by-reader intercepts and surprisal slopes."""
    rng = np.random.default_rng(seed + 2)
    words = word_table(n_items, n_words, seed)
    df = words.merge(pd.DataFrame({"subject": [f"s{i}" for i in range(n_subjects)]}),
                     how="cross")
    codes = pd.factorize(df["subject"])[0]
    # centred, so that the readers' average slope is exactly the planted one
    intercept = _centred(rng.normal(0, 40, n_subjects))[codes]
    slopes = _centred(rng.normal(0, 1.5, n_subjects))[codes]
    item_effect = _centred(rng.normal(0, item_sd, n_items))[df["item"].to_numpy() - 1]
    df["rt"] = (300 + intercept + item_effect + (slope + slopes) * df["surprisal_bits"]
                + 3 * df["length"] + rng.normal(0, 40, len(df)))
    return df


def _centred(x: np.ndarray) -> np.ndarray:
    return x - x.mean()
