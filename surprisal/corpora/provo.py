"""MoTR (mouse-tracking for reading) measures on the Provo texts, per reader.

Data of Wilcox, Ding, Sachan & Jäger (2024), github.com/wilcoxeg/MoTR,
``experiments/provo/``: one CSV per reader (``reader_<id>_reading_measures.csv``)
and the passage texts (``provo_items.tsv``).
"""

from __future__ import annotations

import logging
import re
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

ITEMS_FILE = "provo_items.tsv"
READER_GLOB = "reading_measures_f160/reader_*_reading_measures.csv"
_READER_ID = re.compile(r"reader_(\w+?)_reading_measures\.csv$")

#: Duration measures read, all in ms (0 where the word was not read).
MEASURES = [
    "first_duration",
    "gaze_duration",
    "go_past_time",
    "right_bounded_rt",
    "total_duration",
]


def read_motr_provo(root: str | Path, *, reader_glob: str = READER_GLOB) -> Corpus:
    """Read MoTR per-reader measures and the Provo passage texts.

    Parameters
    ----------
    root : str or Path
        Directory holding ``provo_items.tsv`` and the reader files.
    reader_glob : str
        Pattern of the reader files below ``root``.

    Returns
    -------
    Corpus
        item = ``para_nr`` (passage 1-55), position = ``word_nr + 1``, subject
        = the reader id of the file name. Words are the whitespace-split
        passage texts; sentences are split after words ending in ``. ? !``.
        Measures in ms: first_duration, gaze_duration, go_past_time,
        right_bounded_rt, total_duration. ``meta["comprehension"]`` holds each
        reader's mean ``correctness``; no reader is excluded.

    Raises
    ------
    CorpusError
        Missing files or columns, or a reader's word that differs from the
        passage text at the same position.
    """
    root = Path(root).expanduser()
    items_path = require_file(root / ITEMS_FILE, "Provo passage texts")
    items = pd.read_csv(
        items_path, sep="\t", dtype={"text": str}, keep_default_na=False
    )
    require_columns(items, ["item_id", "text"], items_path)

    rows = []
    for item_id, text in zip(items["item_id"], items["text"], strict=True):
        words = text.split()
        sentences = sentence_ids_from_punctuation(words)
        for k, (word, sentence) in enumerate(zip(words, sentences, strict=True)):
            rows.append((int(item_id), k + 1, word, sentence))
    stimuli = pd.DataFrame(rows, columns=["item", "position", "word", "sentence"])
    check_positions(stimuli, items_path)
    stimuli = add_position_in_sentence(stimuli)[STIMULI_COLUMNS]
    text_word = stimuli.set_index(["item", "position"])["word"]

    files = sorted(root.glob(reader_glob))
    if not files:
        raise CorpusError(
            f"{root}: no reader files matching {reader_glob!r}; pass the MoTR "
            "provo data directory or set reader_glob"
        )
    frames, comprehension = [], {}
    for path in files:
        match = _READER_ID.search(path.name)
        subject = match.group(1) if match else path.stem
        table = pd.read_csv(path, dtype={"word": str}, keep_default_na=False)
        require_columns(table, ["para_nr", "word", "word_nr", *MEASURES], path)
        table["item"] = table["para_nr"].astype("int64")
        table["position"] = table["word_nr"].astype("int64") + 1
        _check_words(table, text_word, path)
        if "correctness" in table:
            comprehension[subject] = float(
                pd.to_numeric(table["correctness"], errors="coerce").mean()
            )
        long = table.melt(
            id_vars=["item", "position", "word"],
            value_vars=MEASURES,
            var_name="measure",
            value_name="value",
        )
        long.insert(0, "subject", subject)
        frames.append(long)
    measures = pd.concat(frames, ignore_index=True)
    measures["value"] = pd.to_numeric(measures["value"], errors="raise").astype(float)
    logger.info(
        "MoTR Provo: %d readers, %d rows", len(files), len(measures) // len(MEASURES)
    )

    meta = {
        "source": "https://github.com/wilcoxeg/MoTR (experiments/provo), "
        "commit bee2685ad444e4b2a8aaa3323ee4901aa631b24c",
        "licence": "none stated in the repository; Provo texts CC BY 4.0",
        "measures": {m: "ms" for m in MEASURES},
        "corrections": [],
        "comprehension": comprehension,
        "notes": [
            "mouse-tracking reading, not eye tracking; 0 ms = word not read",
            "sentences split after words ending in . ? ! (heuristic)",
        ],
    }
    return Corpus(stimuli=stimuli, measures=measures[MEASURES_COLUMNS], meta=meta)


def _check_words(table: pd.DataFrame, text_word: pd.Series, path: Path) -> None:
    keys = pd.MultiIndex.from_frame(table[["item", "position"]])
    expected = text_word.reindex(keys).to_numpy()
    bad = expected != table["word"].to_numpy()
    if bad.any():
        k = int(bad.argmax())
        raise CorpusError(
            f"{path}: line {k + 2}: word {table['word'].iloc[k]!r} at passage "
            f"{table['item'].iloc[k]} position {table['position'].iloc[k]} is "
            f"{expected[k]!r} in {ITEMS_FILE}; the reader file and the passage "
            "texts come from different versions"
        )
