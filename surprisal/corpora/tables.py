"""Analysis tables: a corpus's words, scored by models, joined to reading measures.

The result is the merged table that :mod:`surprisal.analysis` takes: one row per
word (per-word means) or per reader and word, with one column per measure, the
predictors of our model and any published model side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .base import Corpus
from .merge import merge_measures

logger = logging.getLogger(__name__)

PUBLISHED_NS = ("gpt2", "grnn", "txl", "ngram", "gpt3")


def analysis_table(
    corpus: Corpus,
    scored: Sequence[pd.DataFrame] = (),
    *,
    measure: str | None = None,
    case_sensitive: bool = True,
) -> pd.DataFrame:
    """Join scored words (ours and published) to a corpus's measures.

    Parameters
    ----------
    corpus : Corpus
        From one of the readers.
    scored : sequence of pandas.DataFrame
        Per-word tables keyed by ``item``, ``position`` and ``word`` (from
        :func:`surprisal.align.score_stimuli` or
        :func:`surprisal.align.tokens_to_words`); their other columns must not
        clash.
    measure : str, optional
        Keep one measure (e.g. ``"rt"``); by default every measure becomes a
        column of its own.
    case_sensitive : bool
        Passed to :func:`merge_measures`, which checks the word strings.

    Returns
    -------
    pandas.DataFrame
        One row per (subject, item, position), sorted, with a column per measure.
    """
    keys = ["item", "position"]
    words = corpus.stimuli.copy()
    for table in scored:
        extra = [c for c in table.columns if c not in words.columns or c in keys]
        check = table[keys + ["word"]].merge(words[keys + ["word"]], on=keys,
                                             how="left", suffixes=("", "_stim"))
        bad = check["word"] != check["word_stim"]
        if bad.any():
            row = check[bad].iloc[0]
            raise ValueError(
                f"item {row['item']}, position {row['position']}: scored word "
                f"{row['word']!r} differs from the corpus word {row['word_stim']!r}; "
                f"score the corpus's own stimuli table")
        words = words.merge(table[extra], on=keys, how="left", validate="1:1")
    measures = corpus.measures
    if measure is not None:
        measures = measures[measures["measure"] == measure]
        if measures.empty:
            raise ValueError(
                f"measure {measure!r} is not in this corpus; it has "
                f"{sorted(corpus.measures['measure'].unique())}")
    merged = merge_measures(words, measures, case_sensitive=case_sensitive)
    rows = ["subject"] + keys
    values = merged.pivot(index=rows, columns="measure", values="value")
    values.columns.name = None
    base = merged.drop(columns=["measure", "value"]).drop_duplicates(rows)
    wide = base.merge(values.reset_index(), on=rows, validate="1:1")
    return wide.sort_values(rows, kind="stable").reset_index(drop=True)


def natural_stories_table(
    root: str | Path,
    model=None,
    *,
    published_root: str | Path | None = None,
    published: Sequence[str] = ("gpt2",),
    alignment: str = "corrected",
    measures: str = "mean",
) -> pd.DataFrame:
    """Natural Stories, scored and joined to its reading times, in one call.

    Parameters
    ----------
    root : str or Path
        The user's copy of the Natural Stories repository.
    model : surprisal.modelio.Model, optional
        Our model; the shipped default when None.
    published_root : str or Path, optional
        Folder of Boyce & Levy (2023)'s files (``gpt_surp.txt`` ...); needed when
        ``published`` is not empty.
    published : sequence of {"gpt2", "grnn", "txl", "ngram", "gpt3"}
        Published models whose surprisal joins ours, as ``surprisal_bits_<name>``:
        Boyce & Levy (2023)'s GPT-2, GRNN LSTM, Transformer-XL and 5-gram files
        (in ``published_root``), and the corpus's own GPT-3 log-probabilities
        (``probs/all_stories_gpt3.csv`` in ``root``).
    alignment : {"corrected", "released"}
        Pairing of RTs and words (see :func:`read_natural_stories`).
    measures : {"mean", "per_subject"}
        Per-word mean RTs, or the per-reader self-paced reading data.

    Returns
    -------
    pandas.DataFrame
        One row per word (or reader and word): the stimulus columns, our
        model's ``surprisal_bits``, ``entropy_bits``, gates and state changes,
        the published surprisal columns, and ``rt`` in ms.
    """
    from surprisal import modelio
    from surprisal.align import score_stimuli, tokens_to_words

    from .natural_stories import natural_stories_text_variants, read_natural_stories
    from .published import read_boyce_levy_2023, read_gpt3_logprobs

    corpus = read_natural_stories(root, measures=measures, alignment=alignment)
    model = model if model is not None else modelio.load()
    tables = [score_stimuli(corpus.stimuli, model)]
    boyce = [p for p in published if p != "gpt3"]
    if published:
        if boyce and published_root is None:
            raise ValueError("published models need published_root, the folder of "
                             "Boyce & Levy (2023)'s files")
        variants = natural_stories_text_variants(root)
        for name in published:
            if name not in PUBLISHED_NS:
                raise ValueError(f"published model {name!r} is not one of "
                                 f"{PUBLISHED_NS}")
            if name == "gpt3":
                toks = read_gpt3_logprobs(Path(root) / "probs/all_stories_gpt3.csv")
            else:
                toks = read_boyce_levy_2023(published_root, model=name)
            tables.append(tokens_to_words(corpus.stimuli, toks, name,
                                          variants=variants))
    return analysis_table(corpus, tables, measure="rt")
