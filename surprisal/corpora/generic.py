"""Read a user's own stimuli table (CSV or TSV) into a :class:`Corpus`."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from .base import (
    STIMULI_COLUMNS,
    Corpus,
    CorpusError,
    add_position_in_sentence,
    check_positions,
    empty_measures,
    require_columns,
    require_file,
    sentence_ids_from_punctuation,
)

logger = logging.getLogger(__name__)

_SEPARATORS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": "\t"}


def read_stimuli_file(
    path: str | Path,
    *,
    item: str,
    position: str,
    word: str,
    sentence: str | None = None,
    sep: str | None = None,
    zero_based: bool = False,
    encoding: str = "utf-8",
) -> Corpus:
    """Read a stimuli table with one row per displayed word.

    Parameters
    ----------
    path : str or Path
        A CSV or TSV file with a header row.
    item, position, word : str
        Names of the columns holding the text id, the word position within
        the text and the word as displayed (punctuation attached).
    sentence : str, optional
        Column with a sentence id within the item. Without it, sentences are
        split after words ending in ``. ? !`` (a heuristic, noted in ``meta``).
    sep : str, optional
        Field separator; by default ``,`` for ``.csv`` and a tab for ``.tsv``,
        ``.tab`` and ``.txt``.
    zero_based : bool
        Positions in the file count from 0; they are shifted to count from 1.
    encoding : str
        Text encoding of the file.

    Returns
    -------
    Corpus
        ``stimuli`` filled, ``measures`` empty.

    Raises
    ------
    CorpusError
        Missing file or column, empty words, non-integer, duplicate or
        non-contiguous positions. The message gives the file, line and value.

    Examples
    --------
    >>> corpus = read_stimuli_file(
    ...     "my_items.csv", item="text", position="idx", word="token"
    ... )  # doctest: +SKIP
    """
    path = require_file(path, "stimuli file")
    if sep is None:
        sep = _SEPARATORS.get(path.suffix.lower())
        if sep is None:
            raise CorpusError(
                f"{path}: cannot tell the separator from the extension "
                f"{path.suffix!r}; pass sep=',' or sep='\\t'"
            )

    # Every column as text, so that words such as "NA" or "null" stay words.
    try:
        table = pd.read_csv(
            path, sep=sep, dtype=str, keep_default_na=False, encoding=encoding
        )
    except UnicodeDecodeError as err:
        raise CorpusError(
            f"{path}: the file is not valid {encoding} ({err.reason}); re-encode "
            "it as UTF-8 (for example with `iconv -f latin1 -t utf-8`)"
        ) from err
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as err:
        raise CorpusError(
            f"{path}: cannot read it as a table with a header row ({err}); give a "
            "CSV or TSV file with one row per word"
        ) from err
    if table.empty:
        raise CorpusError(f"{path}: the table has a header but no rows")
    columns = [item, position, word] + ([sentence] if sentence else [])
    require_columns(table, columns, path)

    # With a header row and no multi-line fields, data row i is on line i + 2.
    def line(label: object) -> str:
        return f"line {int(label) + 2}"

    positions = pd.to_numeric(table[position].str.strip(), errors="coerce")
    bad = positions.isna() | (positions % 1 != 0)
    if bad.any():
        label = bad.idxmax()
        raise CorpusError(
            f"{path}: {line(label)}: position {table.at[label, position]!r} in "
            f"column {position!r} is not an integer; positions must be whole "
            "word numbers"
        )
    empty = table[word].str.strip() == ""
    if empty.any():
        label = empty.idxmax()
        raise CorpusError(
            f"{path}: {line(label)}: empty word in column {word!r}; every "
            "position needs the word as displayed"
        )

    # Item ids stay text unless every one is a whole number.
    items = pd.to_numeric(table[item].str.strip(), errors="coerce")
    if items.notna().all() and (items % 1 == 0).all():
        items = items.astype("int64")
    else:
        items = table[item]
    stimuli = pd.DataFrame(
        {
            "item": items,
            "position": positions.astype("int64") + (1 if zero_based else 0),
            "word": table[word],
        }
    )
    check_positions(stimuli, path, line_of_row=line)

    notes = []
    if sentence:
        stimuli["sentence"] = table[sentence]
    else:
        stimuli = stimuli.sort_values(["item", "position"], kind="stable")
        stimuli["sentence"] = stimuli.groupby("item", sort=False)["word"].transform(
            lambda words: sentence_ids_from_punctuation(words)
        )
        notes.append("sentences split after words ending in . ? ! (heuristic)")
        logger.warning(
            "%s: no sentence column given; sentences are guessed by splitting after "
            "words ending in . ? ! (name the column to use the file's own)", path)
    stimuli = add_position_in_sentence(stimuli)[STIMULI_COLUMNS]

    logger.info(
        "%s: %d words in %d items", path, len(stimuli), stimuli["item"].nunique()
    )
    meta = {
        "source": str(path),
        "licence": "unknown (user-supplied file)",
        "measures": {},
        "corrections": [],
        "notes": notes,
    }
    return Corpus(stimuli=stimuli, measures=empty_measures(), meta=meta)
