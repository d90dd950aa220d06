"""MECO L1 English eye-tracking, per-word means (Wilcox et al. 2023 release).

Only the per-word means over readers are read (``data/merged_data/en.csv`` of
github.com/wilcoxeg/xlang-processing). Known gaps of that table, reported in
``meta["gaps"]`` rather than filled in: the last word of every text is absent,
and text 3 lacks interest area 149.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from .base import (
    MEASURES_COLUMNS,
    STIMULI_COLUMNS,
    Corpus,
    CorpusError,
    add_position_in_sentence,
    check_positions,
    require_columns,
    require_file,
    sentence_ids_from_punctuation,
)

logger = logging.getLogger(__name__)

MERGED_FILE = "en_merged.csv"

#: Source column -> (measure name, MECO variable it averages).
MEASURES = {
    "firstfix_rt": ("first_fixation", "firstfix.dur"),
    "gaze_rt": ("gaze_duration", "firstrun.dur"),
    "total_rt": ("total_time", "dur"),
}


def read_meco_en(path: str | Path) -> Corpus:
    """Read the MECO English per-word means.

    Parameters
    ----------
    path : str or Path
        The merged table (``en.csv`` / ``en_merged.csv``) or a directory
        holding ``en_merged.csv``.

    Returns
    -------
    Corpus
        item = text (``trialid`` 1-12), position = interest area (``ianum``,
        1-based), subject ``"mean"``; measures ``first_fixation``,
        ``gaze_duration``, ``total_time`` in ms, means over readers with
        skipped words counted as 0 ms (as in the source). Sentences are split
        after words ending in ``. ? !`` (the table has no sentence ids).

    Raises
    ------
    CorpusError
        Missing file or column, or a word whose text or RTs differ between
        the table's per-model copies.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / MERGED_FILE
    path = require_file(path, "MECO merged per-word table")
    table = pd.read_csv(
        path, dtype={"ia": str}, keep_default_na=False, na_values={"total_rt": ["NA"]}
    )
    require_columns(table, ["trialid", "ianum", "ia", *MEASURES], path)

    # One row per (word, model): the per-word columns must agree across models.
    keys = ["trialid", "ianum"]
    spread = table.groupby(keys)[["ia", *MEASURES]].nunique()
    bad = spread[(spread > 1).any(axis=1)]
    if len(bad):
        trial, ianum = bad.index[0]
        raise CorpusError(
            f"{path}: text {trial} word {ianum} has different text or RTs in "
            "different model rows; use an unmodified copy of the file"
        )
    words = table.drop_duplicates(keys).sort_values(keys).reset_index(drop=True)

    stimuli = pd.DataFrame(
        {
            "item": words["trialid"].astype("int64"),
            "position": words["ianum"].astype("int64"),
            "word": words["ia"],
        }
    )
    gaps = check_positions(stimuli, path, allow_gaps=True)
    if gaps:
        logger.warning(
            "%s: %d interest areas missing from the table: %s", path, len(gaps), gaps
        )
    stimuli["sentence"] = stimuli.groupby("item")["word"].transform(
        lambda w: sentence_ids_from_punctuation(w)
    )
    stimuli = add_position_in_sentence(stimuli)[STIMULI_COLUMNS]

    long = words.melt(
        id_vars=["trialid", "ianum", "ia"],
        value_vars=list(MEASURES),
        var_name="source_column",
        value_name="value",
    )
    measures = pd.DataFrame(
        {
            "subject": "mean",
            "item": long["trialid"].astype("int64"),
            "position": long["ianum"].astype("int64"),
            "word": long["ia"],
            "measure": long["source_column"].map(lambda c: MEASURES[c][0]),
            "value": pd.to_numeric(long["value"], errors="raise").astype(float),
        }
    )
    measures = measures.sort_values(["item", "position", "measure"])

    meta = {
        "source": "https://github.com/wilcoxeg/xlang-processing "
        "(data/merged_data/en.csv); MECO wave 1, Siegelman et al. 2022",
        "licence": "MECO data CC BY 4.0; the repository states no licence",
        "measures": {name: "ms" for name, _ in MEASURES.values()},
        "measure_sources": {name: var for name, var in MEASURES.values()},
        "corrections": [],
        "gaps": gaps,
        "notes": [
            "means over readers (38 per word), skipped words counted as 0 ms",
            "sentences split after words ending in . ? ! (heuristic)",
            "positions missing from the source table are listed in 'gaps'",
        ],
    }
    return Corpus(
        stimuli=stimuli,
        measures=measures.reset_index(drop=True)[MEASURES_COLUMNS],
        meta=meta,
    )
