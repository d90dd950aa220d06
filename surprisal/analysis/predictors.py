"""Baseline predictors of reading time: length, frequency, position, spillover.

Rules
-----
* **Word length** is the number of characters of the displayed word after removing
  the punctuation attached at its start and end (Unicode categories ``P*``: commas,
  full stops, quotes including curly ones, brackets, dashes). Punctuation inside the
  word is kept and counted: ``England,`` -> 7, ``"Yes!"`` -> 3, ``don't`` -> 5,
  ``long-bearded`` -> 12, ``o'clock`` -> 7. A word made only of punctuation has
  length 0.
* **Log frequency** is either the Zipf value of ``wordfreq`` (log10 of frequency
  per billion words) of the lower-cased word with attached punctuation stripped, or
  the same scale computed from a user-given counts table with add-alpha smoothing
  (see :func:`log_frequency_from_counts`). The source is recorded in the returned
  Series' ``attrs["source"]`` and in ``DataFrame.attrs["predictor_sources"]``.
* **Spillover** copies of a predictor for lag ``j`` hold the value of the word at
  ``position - j`` of the same item (and the same subject for per-reader data).
  Lags are looked up by position, not by row order, so they never cross an item or
  a subject boundary, and a word missing from the table gives NaN rather than the
  value of an older word.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)


def strip_punctuation(word: str) -> str:
    """Remove punctuation attached at the start and end of ``word``.

    Parameters
    ----------
    word : str
        A displayed stimulus word.

    Returns
    -------
    str
        The word without leading and trailing Unicode punctuation (``P*``).

    Examples
    --------
    >>> strip_punctuation("\u201cEngland,\u201d")
    'England'
    >>> strip_punctuation("don't")
    "don't"
    """
    start, end = 0, len(word)
    while start < end and unicodedata.category(word[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(word[end - 1]).startswith("P"):
        end -= 1
    return word[start:end]


def word_length(words: Iterable[str]) -> pd.Series:
    """Length in characters of each word without attached punctuation.

    Parameters
    ----------
    words : iterable of str
        Displayed words (a Series keeps its index).

    Returns
    -------
    pandas.Series
        Integer lengths, named ``length``.

    Examples
    --------
    >>> word_length(["England,", "don't"]).tolist()
    [7, 5]
    """
    words = pd.Series(words) if not isinstance(words, pd.Series) else words
    out = words.astype(str).map(lambda w: len(strip_punctuation(w))).astype(int)
    out.name = "length"
    out.attrs["source"] = "characters without leading/trailing punctuation"
    return out


def _wordfreq_version() -> str:
    try:
        return version("wordfreq")
    except PackageNotFoundError:
        return "unknown"


def zipf_frequency(words: Iterable[str], lang: str = "en") -> pd.Series:
    """Zipf frequency of each word from ``wordfreq``.

    The word is lower-cased and its attached punctuation stripped before the
    look-up. ``wordfreq`` returns 0.0 for words it does not know; that floor is kept
    (and counted in a log message) rather than turned into a missing value.

    Parameters
    ----------
    words : iterable of str
        Displayed words.
    lang : str, default "en"
        Language code passed to ``wordfreq.zipf_frequency``.

    Returns
    -------
    pandas.Series
        Zipf values (log10 frequency per billion words), named ``zipf``, with
        ``attrs["source"]`` naming wordfreq and its version.
    """
    from wordfreq import zipf_frequency as _zipf

    words = pd.Series(words) if not isinstance(words, pd.Series) else words
    keys = words.astype(str).map(lambda w: strip_punctuation(w).lower())
    table = {k: _zipf(k, lang) for k in pd.unique(keys)}
    out = keys.map(table).astype(float)
    n_unknown = int((out == 0).sum())
    if n_unknown:
        logger.info("wordfreq knows no frequency for %d words (Zipf 0.0)", n_unknown)
    out.name = "zipf"
    out.attrs["source"] = (
        f"wordfreq {_wordfreq_version()} zipf_frequency(word, {lang!r}); "
        "lower-cased, attached punctuation stripped"
    )
    return out


def log_frequency_from_counts(
    words: Iterable[str],
    counts: Mapping[str, float] | pd.Series,
    *,
    alpha: float = 1.0,
    per: float = 1e9,
    lowercase: bool = True,
) -> pd.Series:
    """Log10 frequency per ``per`` words from a counts table, add-alpha smoothed.

    With ``N`` the total count and ``V`` the number of distinct types in
    ``counts``, a word with count ``c`` (0 if absent) gets
    ``log10((c + alpha) / (N + alpha * (V + 1)) * per)``; the extra ``+1`` type
    reserves probability mass for all unseen words together. With the default
    ``per=1e9`` the scale matches Zipf values.

    Parameters
    ----------
    words : iterable of str
        Displayed words; attached punctuation is stripped before the look-up.
    counts : mapping or pandas.Series
        Word -> count, e.g. the language model's training-corpus counts.
    alpha : float, default 1.0
        Smoothing constant (add-one by default). Must be > 0 so that unseen words
        get a finite value.
    per : float, default 1e9
        Frequencies are expressed per this many words.
    lowercase : bool, default True
        Lower-case words and counts keys (counts of keys that collide are summed).

    Returns
    -------
    pandas.Series
        Log frequencies named ``log_freq`` with ``attrs["source"]`` describing them.

    Examples
    --------
    >>> s = log_frequency_from_counts(["the", "cat"], {"the": 9, "cat": 0}, per=1)
    >>> round(float(s.iloc[0]), 4)  # log10(10 / (9 + 3))
    -0.0792
    """
    if not alpha > 0:
        raise ValueError(f"alpha={alpha!r}: smoothing must be > 0; use e.g. 1.0")
    counts = pd.Series(counts, dtype=float)
    if (counts < 0).any():
        bad = counts[counts < 0].index[0]
        raise ValueError(f"counts[{bad!r}] is negative; counts must be >= 0")
    if lowercase:
        counts = counts.groupby(counts.index.astype(str).str.lower()).sum()
    total, n_types = float(counts.sum()), len(counts)
    denom = total + alpha * (n_types + 1)

    words = pd.Series(words) if not isinstance(words, pd.Series) else words
    keys = words.astype(str).map(strip_punctuation)
    if lowercase:
        keys = keys.str.lower()
    c = keys.map(counts).fillna(0.0).astype(float)
    out = np.log10((c + alpha) / denom * per)
    out.name = "log_freq"
    out.attrs["source"] = (
        f"counts table ({n_types} types, {total:.0f} tokens), add-{alpha:g} "
        f"smoothing, log10 per {per:g} words"
    )
    return out


def add_baseline_predictors(
    data: pd.DataFrame,
    *,
    word: str = "word",
    frequency: str | Mapping[str, float] | pd.Series = "wordfreq",
    length_column: str = "length",
    frequency_column: str = "log_freq",
    lang: str = "en",
    alpha: float = 1.0,
) -> pd.DataFrame:
    """Return a copy of ``data`` with word length and log frequency columns.

    Parameters
    ----------
    data : pandas.DataFrame
        Merged per-word table.
    word : str, default "word"
        Column of displayed words.
    frequency : {"wordfreq"} or mapping or pandas.Series, default "wordfreq"
        ``"wordfreq"`` for Zipf values, or a word -> count table for
        :func:`log_frequency_from_counts`.
    length_column, frequency_column : str
        Names of the new columns.
    lang : str, default "en"
        Language for wordfreq.
    alpha : float, default 1.0
        Smoothing for a counts table.

    Returns
    -------
    pandas.DataFrame
        Copy with the two columns; ``attrs["predictor_sources"]`` maps each new
        column to a description of its source.
    """
    _require(data, [word])
    out = data.copy()
    out[length_column] = word_length(out[word]).to_numpy()
    if isinstance(frequency, str):
        if frequency != "wordfreq":
            raise ValueError(
                f"frequency={frequency!r}; use 'wordfreq' or a word -> count table"
            )
        freq = zipf_frequency(out[word], lang=lang)
    else:
        freq = log_frequency_from_counts(out[word], frequency, alpha=alpha)
    out[frequency_column] = freq.to_numpy()
    sources = dict(out.attrs.get("predictor_sources", {}))
    sources[length_column] = "characters without leading/trailing punctuation"
    sources[frequency_column] = freq.attrs["source"]
    out.attrs["predictor_sources"] = sources
    return out


def add_position_predictors(
    data: pd.DataFrame,
    *,
    item: str = "item",
    position: str = "position",
    sentence: str = "sentence",
    position_in_sentence: str = "position_in_sentence",
) -> pd.DataFrame:
    """Return a copy with position in text and, if absent, position in sentence.

    ``position`` (1-based position in the item) is kept as the position in text.
    ``position_in_sentence`` is computed (1-based, by position order within
    ``(item, sentence)``) only when the column is missing.
    """
    _require(data, [item, position])
    out = data.copy()
    if position_in_sentence not in out.columns:
        _require(out, [sentence])
        order = out.sort_values([item, position]).groupby(
            [item, sentence], sort=False
        ).cumcount()
        out[position_in_sentence] = (order + 1).reindex(out.index)
    return out


def shift_within(
    data: pd.DataFrame,
    column: str,
    offset: int,
    *,
    item: str = "item",
    position: str = "position",
    subject: str | None = None,
) -> pd.Series:
    """Value of ``column`` at ``position - offset`` in the same item (and subject).

    ``offset > 0`` is a lag (a preceding word), ``offset < 0`` a lead (a following
    word). Rows whose target position is absent from the item get NaN.

    Parameters
    ----------
    data : pandas.DataFrame
        Per-word or per-reader table.
    column : str
        Column to shift.
    offset : int
        Number of words back (positive) or forward (negative).
    item, position : str
        Item id and 1-based position columns.
    subject : str or None
        Subject column for per-reader data; lags then stay within a subject.

    Returns
    -------
    pandas.Series
        Aligned to ``data.index``.

    Raises
    ------
    ValueError
        If (subject, item, position) does not identify rows uniquely.
    """
    keys = ([subject] if subject else []) + [item]
    _require(data, keys + [position, column])
    key_frame = data[keys + [position]]
    if key_frame.duplicated().any():
        dup = key_frame[key_frame.duplicated()].iloc[0].to_dict()
        remedy = "" if subject else "; for per-reader data pass subject="
        raise ValueError(f"rows are not unique by {keys + [position]}: {dup}{remedy}")
    source = pd.Series(
        data[column].to_numpy(), index=pd.MultiIndex.from_frame(key_frame)
    )
    target = key_frame.copy()
    target[position] = target[position] - offset
    values = source.reindex(pd.MultiIndex.from_frame(target)).to_numpy()
    return pd.Series(values, index=data.index, name=column)


def lag_name(column: str, offset: int) -> str:
    """Column name of a shifted copy: ``{column}_lag{j}`` or ``{column}_lead{j}``."""
    if offset == 0:
        return column
    return f"{column}_lag{offset}" if offset > 0 else f"{column}_lead{-offset}"


def add_spillover(
    data: pd.DataFrame,
    columns: Sequence[str],
    k: int,
    *,
    item: str = "item",
    position: str = "position",
    subject: str | None = None,
) -> pd.DataFrame:
    """Return a copy with lag-1..k copies of ``columns`` within items (and subjects).

    Parameters
    ----------
    data : pandas.DataFrame
        Table with one row per (subject,) item, position.
    columns : sequence of str
        Predictors to copy.
    k : int
        Largest lag; 0 adds nothing.
    item, position, subject : str
        Key columns, see :func:`shift_within`.

    Returns
    -------
    pandas.DataFrame
        Copy with columns ``{column}_lag{j}`` for j = 1..k. The first j words of
        each item have NaN in lag j.

    Examples
    --------
    >>> df = pd.DataFrame({"item": [1, 1, 2], "position": [1, 2, 1],
    ...                    "s": [1.0, 2.0, 3.0]})
    >>> add_spillover(df, ["s"], 1)["s_lag1"].tolist()
    [nan, 1.0, nan]
    """
    if k < 0 or int(k) != k:
        raise ValueError(f"k={k!r}: spillover must be a whole number >= 0")
    out = data.copy()
    for col in columns:
        for j in range(1, int(k) + 1):
            out[lag_name(col, j)] = shift_within(
                data, col, j, item=item, position=position, subject=subject
            ).to_numpy()
    return out


def spillover_names(columns: Iterable[str], k: int) -> list[str]:
    """Names of ``columns`` and their lag-1..k copies, lag 0 first per column."""
    return [lag_name(c, j) for c in columns for j in range(0, int(k) + 1)]


def _require(data: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise KeyError(
            f"column(s) {missing} not in the table; present: {list(data.columns)}; "
            "pass the right column name or add the column"
        )


__all__ = [
    "add_baseline_predictors",
    "add_position_predictors",
    "add_spillover",
    "lag_name",
    "log_frequency_from_counts",
    "shift_within",
    "spillover_names",
    "strip_punctuation",
    "word_length",
    "zipf_frequency",
]
