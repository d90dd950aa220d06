"""The ``Corpus`` container, the ``CorpusError`` exception and shared helpers.

Every reader in :mod:`surprisal.corpora` returns a :class:`Corpus`: two tidy
tables and a metadata dict.

``stimuli``, one row per word as displayed to readers::

    item | position | word | sentence | position_in_sentence
         | 1-based  | punctuation attached | id within item | 1-based

``measures``, long format, one row per (subject, word, measure)::

    subject | item | position | word | measure | value
    "mean" for corpora released only as per-word means; ``word`` is the string
    from the measures source file so that a merge can check strings.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

STIMULI_COLUMNS = ["item", "position", "word", "sentence", "position_in_sentence"]
MEASURES_COLUMNS = ["subject", "item", "position", "word", "measure", "value"]

#: Divide a value in nats by this to get bits.
LN2 = math.log(2.0)

# A word ends a sentence when it ends in . ? ! (possibly followed by closing
# quotes or brackets).
_SENTENCE_END = re.compile(r"[.?!][\"'\u2019\u201d)\]]*$")

_QUOTE_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
    }
)


class CorpusError(ValueError):
    """A corpus file is missing, malformed, or disagrees with another table.

    The message names the file (or table), the row or line and the value,
    and says what to do.
    """


@dataclass(frozen=True)
class Corpus:
    """A reading-time corpus as two tidy tables plus metadata.

    Parameters
    ----------
    stimuli : pandas.DataFrame
        Columns ``item, position, word, sentence, position_in_sentence``.
    measures : pandas.DataFrame
        Columns ``subject, item, position, word, measure, value``.
    meta : dict
        ``source``, ``licence``, ``measures`` (name -> unit), ``corrections``
        (list of str) and ``notes``; readers may add more keys.
    """

    stimuli: pd.DataFrame
    measures: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, cols, table in (
            ("stimuli", STIMULI_COLUMNS, self.stimuli),
            ("measures", MEASURES_COLUMNS, self.measures),
        ):
            missing = [c for c in cols if c not in table.columns]
            if missing:
                raise CorpusError(
                    f"Corpus.{name} lacks columns {missing}; it needs exactly {cols}"
                )


def empty_measures() -> pd.DataFrame:
    """Return an empty measures table with the standard columns and dtypes."""
    return pd.DataFrame(
        {
            "subject": pd.Series(dtype=object),
            "item": pd.Series(dtype=object),
            "position": pd.Series(dtype="int64"),
            "word": pd.Series(dtype=object),
            "measure": pd.Series(dtype=object),
            "value": pd.Series(dtype="float64"),
        }
    )


def require_file(path: str | Path, what: str) -> Path:
    """Return ``path`` as a Path, or raise CorpusError if it is not a file.

    Parameters
    ----------
    path : str or Path
        File expected to exist.
    what : str
        What the file is, for the message (e.g. ``"Natural Stories word list"``).
    """
    path = Path(path)
    if not path.is_file():
        raise CorpusError(
            f"{path}: {what} not found; pass the path to your own copy of the "
            "corpus (see the manifest in corpora/ for the expected layout)"
        )
    return path


def require_columns(
    table: pd.DataFrame, columns: Iterable[str], source: str | Path
) -> None:
    """Raise CorpusError naming ``source`` if any of ``columns`` is absent."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise CorpusError(
            f"{source}: missing column(s) {missing}; found {list(table.columns)}. "
            "Check the file's header or name the right columns"
        )


def normalize_word(word: str, *, casefold: bool = False) -> str:
    """Normalise a word for comparison: Unicode NFC, curly quotes made straight.

    Parameters
    ----------
    word : str
        The word string.
    casefold : bool
        Also compare case-insensitively.

    Examples
    --------
    >>> normalize_word("don\u2019t")
    "don't"
    """
    out = unicodedata.normalize("NFC", str(word)).translate(_QUOTE_MAP)
    return out.casefold() if casefold else out


def sentence_ids_from_punctuation(words: Iterable[str]) -> list[int]:
    """Number sentences 1, 2, ... ending each at a word ending in ``. ? !``.

    This is a heuristic for corpora that give no sentence segmentation; it
    splits after abbreviations such as ``Mr.`` too. Readers that use it say so
    in ``meta["notes"]``.
    """
    ids: list[int] = []
    current = 1
    for word in words:
        ids.append(current)
        if _SENTENCE_END.search(str(word)):
            current += 1
    return ids


def add_position_in_sentence(stimuli: pd.DataFrame) -> pd.DataFrame:
    """Return ``stimuli`` sorted by (item, position) with ``position_in_sentence``.

    The position counts from 1 within each (item, sentence), in the order of
    ``position``.
    """
    out = stimuli.sort_values(["item", "position"], kind="stable").reset_index(
        drop=True
    )
    out["position_in_sentence"] = (
        out.groupby(["item", "sentence"], sort=False).cumcount() + 1
    ).astype("int64")
    return out


def check_positions(
    table: pd.DataFrame,
    source: str | Path,
    *,
    line_of_row: Any = None,
    allow_gaps: bool = False,
) -> list[tuple[Any, int]]:
    """Check that positions are unique per item and run 1..n without gaps.

    Parameters
    ----------
    table : pandas.DataFrame
        Has integer columns ``item`` and ``position``.
    source : str or Path
        Named in error messages.
    line_of_row : callable, optional
        Maps a row label of ``table`` to a file line number for messages.
    allow_gaps : bool
        If true, gaps are returned instead of raised.

    Returns
    -------
    list of (item, position)
        The missing positions (empty unless ``allow_gaps``).
    """
    where = line_of_row or (lambda label: f"row {label}")

    dup = table.duplicated(["item", "position"], keep="first")
    if dup.any():
        label = dup.idxmax()
        row = table.loc[label]
        raise CorpusError(
            f"{source}: {where(label)}: duplicate (item, position) = "
            f"({_plain(row['item'])!r}, {row['position']}); each word needs a unique "
            "position within its item"
        )

    gaps: list[tuple[Any, int]] = []
    for item, group in table.groupby("item", sort=False):
        positions = group["position"].sort_values()
        first = int(positions.iloc[0])
        if first != 1:
            raise CorpusError(
                f"{source}: item {item!r} starts at position {first}, not 1; "
                "positions must count words from 1 (pass zero_based=True for a "
                "0-based file)"
            )
        expected = set(range(1, int(positions.iloc[-1]) + 1))
        missing = sorted(expected - set(positions.astype(int)))
        if missing and not allow_gaps:
            after = positions[positions < missing[0]].index[-1]
            raise CorpusError(
                f"{source}: {where(after)}: item {_plain(item)!r} jumps from position "
                f"{missing[0] - 1} to {positions[positions > missing[0]].iloc[0]}"
                f" (position {missing[0]} missing); add the missing word(s) or "
                "fix the numbering"
            )
        gaps.extend((item, p) for p in missing)
    return gaps


def _plain(value):
    """A numpy scalar as the Python value, for messages: 1, not np.int64(1)."""
    return value.item() if hasattr(value, "item") else value
