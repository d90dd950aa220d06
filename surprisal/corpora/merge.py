"""Join per-word model output to reading measures, checking the word strings.

A join on (item, position) alone cannot see a table that is shifted by one
word; this one compares the words at every joined position and refuses any
disagreement.
"""

from __future__ import annotations

import logging
from typing import Literal

import pandas as pd

from .base import CorpusError, normalize_word, require_columns

logger = logging.getLogger(__name__)

KEYS = ["item", "position"]


class WordMismatchError(CorpusError):
    """The scored table and the measures disagree on a word string."""


def merge_measures(
    scored: pd.DataFrame,
    measures: pd.DataFrame,
    *,
    case_sensitive: bool = True,
    unmatched: Literal["log", "raise"] = "log",
    max_shown: int = 5,
) -> pd.DataFrame:
    """Join scored words to measures on (item, position), checking the words.

    Words are compared after Unicode NFC normalisation and with curly quotes
    and apostrophes made straight (and case-folded if ``case_sensitive`` is
    false).

    Parameters
    ----------
    scored : pandas.DataFrame
        One row per word: ``item``, ``position``, ``word`` and any predictor
        columns.
    measures : pandas.DataFrame
        Measures table (``subject, item, position, word, measure, value``), or
        any table with ``item``, ``position`` and ``word``.
    case_sensitive : bool
        Compare case too (default). Set false when the model lower-cases.
    unmatched : {'log', 'raise'}
        What to do with measures rows without a scored word and scored words
        without measures: count them and log a warning (default; they are
        left out of the result), or raise :class:`CorpusError`.
    max_shown : int
        Number of mismatches listed in the error.

    Returns
    -------
    pandas.DataFrame
        Inner join: the measures columns plus the scored table's other
        columns; the scored word string is kept as ``word_scored``.

    Raises
    ------
    WordMismatchError
        Any joined position whose word strings differ; the message names the
        item, position and both strings of the first ``max_shown``.
    CorpusError
        Missing columns, duplicate scored (item, position), or unmatched rows
        when ``unmatched="raise"``.

    Examples
    --------
    >>> merged = merge_measures(scored, corpus.measures)  # doctest: +SKIP
    """
    if unmatched not in ("log", "raise"):
        raise ValueError(f"unmatched={unmatched!r}; choose one of {{'log', 'raise'}}")
    require_columns(scored, [*KEYS, "word"], "scored table")
    require_columns(measures, [*KEYS, "word"], "measures table")
    dup = scored.duplicated(KEYS)
    if dup.any():
        row = scored[dup].iloc[0]
        raise CorpusError(
            f"scored table: duplicate (item, position) = ({row['item']!r}, "
            f"{row['position']}); give one row per word"
        )

    # Join with an indicator, so unmatched rows on either side can be counted.
    left = scored.rename(columns={"word": "word_scored"})
    joined = measures.merge(left, on=KEYS, how="outer", indicator=True)
    only_measures = joined["_merge"] == "left_only"
    only_scored = joined["_merge"] == "right_only"
    n_measures = int(only_measures.sum())
    n_scored = len(joined.loc[only_scored, KEYS].drop_duplicates())
    merged = joined[joined["_merge"] == "both"].drop(columns="_merge")

    # Compare the words at every joined position.
    words = merged[[*KEYS, "word", "word_scored"]].drop_duplicates(KEYS)
    a = words["word"].map(lambda w: normalize_word(w, casefold=not case_sensitive))
    b = words["word_scored"].map(
        lambda w: normalize_word(w, casefold=not case_sensitive)
    )
    bad = words[a != b]
    if len(bad):
        shown = "; ".join(
            f"item {r.item!r} position {r.position}: measures {r.word!r} vs "
            f"scored {r.word_scored!r}"
            for r in bad.head(max_shown).itertuples()
        )
        raise WordMismatchError(
            f"{len(bad)} of {len(words)} joined words differ between the "
            f"measures and the scored table, first: {shown}. The tables are "
            "misaligned (shifted?) or come from different texts; fix the "
            "positions, or pass case_sensitive=False if only case differs"
        )

    if n_measures or n_scored:
        message = (
            f"{n_measures} measures rows have no scored word and {n_scored} "
            "scored words have no measures"
        )
        if unmatched == "raise":
            first = joined[only_measures | only_scored].iloc[0]
            raise CorpusError(
                f"{message} (first: item {first['item']!r} position "
                f"{first['position']}); score every measured word, or pass "
                "unmatched='log' to drop them"
            )
        logger.warning("merge_measures: %s; they are left out", message)
    return merged.reset_index(drop=True)
