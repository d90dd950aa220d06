"""Natural Stories (Futrell et al. 2021): words, per-word means, per-subject SPR.

Alignment correction (applied by default)
-----------------------------------------
The released per-word means (``processed_wordinfo.tsv``) are one word off: the
RT stored under zone z belongs to word z+1 (see docs/concepts/alignment.md). The corpus
script maps raw self-paced-reading display positions to words with
``zone - 2``; the mapping that fits the data is ``zone - 1``::

    raw display zone:   1     2     3    ...  N+1    N+2
    word (corrected):   -     1     2    ...   N      -
    word (released):    -     -     1    ...  N-1     N

so with ``alignment="corrected"`` word z gets the released RT of zone z-1
(word 1 of each story has no mean RT), and raw zone z goes to word z-1. Story
3 had a blank display after word 229: raw zone 231 is dropped and later raw
zones go to ``zone - 2`` (released script: ``zone - 3``). The story-3 rule
follows the corpus script; the staged data have no raw story-3 rows to
check it on. ``alignment="released"`` reproduces the published pairing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

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

Alignment = Literal["corrected", "released"]

WORDS_FILE = "naturalstories_RTS/all_stories.tok"
MEANS_FILE = "naturalstories_RTS/processed_wordinfo.tsv"
UD_FILE = "parses/ud/stories-aligned.conllx"
SPR_GLOBS = ("naturalstories_RTS/batch*_pro.csv", "partial_per_subject_spr/*.csv.gz")
SPR_COLUMNS = ["WorkerId", "correct", "item", "zone", "RT"]

LICENCE = "CC BY-NC-SA 4.0"
SOURCE = "https://github.com/languageMIT/naturalstories"

# Story 3 showed a blank display after this raw zone (corpus README, 2020-11-11).
_STORY3_BLANK_AFTER = 230

_CORRECTION_NOTE = (
    "alignment='corrected': released per-word RT at zone z-1 paired with word z "
    "(shifted one word forward within each story; word 1 of each story has no "
    "mean RT); raw per-subject display zones mapped to words by zone - 1 "
    "(story 3: raw zone 231 dropped, zone - 2 after it), not the corpus "
    "script's zone - 2. See docs/concepts/alignment.md."
)

_TOKEN_ID = re.compile(r"TokenId=(\d+)\.(\d+)")


def _check_alignment(alignment: str) -> None:
    if alignment not in ("corrected", "released"):
        raise ValueError(
            f"alignment={alignment!r}; choose one of {{'corrected', 'released'}}"
        )


def read_natural_stories_stimuli(root: str | Path) -> tuple[pd.DataFrame, str]:
    """Read the 10,256 words as displayed, with sentence ids.

    Words come from ``naturalstories_RTS/all_stories.tok`` (the strings shown in
    the experiment, typos included). Sentences come from the corpus's UD parse
    (``parses/ud/stories-aligned.conllx``, a word's sentence is that of its
    first parse token); without that file they are split after words ending
    in ``. ? !``.

    Parameters
    ----------
    root : str or Path
        The user's copy of the naturalstories repository.

    Returns
    -------
    stimuli : pandas.DataFrame
        The stimuli table, item = story number 1-10 (int).
    sentence_source : str
        Where the sentence ids came from.
    """
    root = Path(root)
    path = require_file(root / WORDS_FILE, "Natural Stories word list")
    words = pd.read_csv(path, sep="\t", dtype={"word": str}, keep_default_na=False)
    require_columns(words, ["word", "zone", "item"], path)
    stimuli = pd.DataFrame(
        {
            "item": words["item"].astype("int64"),
            "position": words["zone"].astype("int64"),
            "word": words["word"],
        }
    )
    check_positions(stimuli, path, line_of_row=lambda label: f"line {label + 2}")
    stimuli = stimuli.sort_values(["item", "position"]).reset_index(drop=True)

    ud = root / UD_FILE
    if ud.is_file():
        sentence = _ud_sentences(ud)
        keys = list(zip(stimuli["item"], stimuli["position"], strict=True))
        missing = [k for k in keys if k not in sentence]
        if missing:
            raise CorpusError(
                f"{ud}: no parse token for story {missing[0][0]} word "
                f"{missing[0][1]} ({len(missing)} words missing); use an "
                "unmodified copy of the corpus's UD parse"
            )
        stimuli["sentence"] = [sentence[k] for k in keys]
        source = f"UD parse ({UD_FILE})"
    else:
        logger.warning(
            "%s not found: splitting sentences after words ending in . ? !", ud
        )
        stimuli["sentence"] = stimuli.groupby("item")["word"].transform(
            lambda w: sentence_ids_from_punctuation(w)
        )
        source = "punctuation heuristic (UD parse not found)"
    return add_position_in_sentence(stimuli)[STIMULI_COLUMNS], source


def _ud_sentences(path: Path) -> dict[tuple[int, int], int]:
    """Map (story, word) to a 1-based sentence number within the story."""
    sentence_of: dict[tuple[int, int], int] = {}
    count: dict[int, int] = {}
    in_sentence = False
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                in_sentence = False
                continue
            match = _TOKEN_ID.search(line)
            if match is None:
                continue
            story, word = int(match.group(1)), int(match.group(2))
            if not in_sentence:
                count[story] = count.get(story, 0) + 1
                in_sentence = True
            sentence_of.setdefault((story, word), count[story])
    return sentence_of


def read_natural_stories_means(
    root: str | Path, *, alignment: Alignment = "corrected"
) -> pd.DataFrame:
    """Read the per-word mean RTs as a measures table (subject ``"mean"``).

    Parameters
    ----------
    root : str or Path
        The user's copy of the naturalstories repository.
    alignment : {'corrected', 'released'}
        ``corrected`` (default) pairs word z with the released RT at zone z-1;
        ``released`` keeps the file's pairing, which is one word off.

    Returns
    -------
    pandas.DataFrame
        Measures table, measure ``rt`` (ms, mean over readers after the
        corpus's filters). ``word`` is the file's word at the word's own zone.
    """
    _check_alignment(alignment)
    path = require_file(Path(root) / MEANS_FILE, "Natural Stories per-word RTs")
    table = pd.read_csv(path, sep="\t", dtype={"word": str}, keep_default_na=False)
    require_columns(table, ["word", "zone", "item", "meanItemRT"], path)
    table = table.sort_values(["item", "zone"]).reset_index(drop=True)
    table["item"] = table["item"].astype("int64")
    table["zone"] = table["zone"].astype("int64")

    value = table["meanItemRT"].astype(float)
    if alignment == "corrected":
        # The value at zone z-1 belongs to word z; a story's first word has none.
        prev_zone = table.groupby("item")["zone"].shift(1)
        value = table.groupby("item")["meanItemRT"].shift(1).astype(float)
        value[prev_zone != table["zone"] - 1] = float("nan")

    measures = pd.DataFrame(
        {
            "subject": "mean",
            "item": table["item"],
            "position": table["zone"],
            "word": table["word"],
            "measure": "rt",
            "value": value,
        }
    )
    return measures.dropna(subset=["value"]).reset_index(drop=True)[MEASURES_COLUMNS]


def read_spr_raw(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Read raw per-subject self-paced-reading files, unfiltered and unmapped.

    Parameters
    ----------
    paths : sequence of str or Path
        CSV files (optionally gzip-compressed) with columns ``WorkerId``,
        ``correct`` (comprehension questions right out of 6, per worker and
        story), ``item`` (story), ``zone`` (raw display position) and ``RT`` (ms).

    Returns
    -------
    pandas.DataFrame
        The rows of all files, in file order.
    """
    frames = []
    for raw_path in paths:
        path = require_file(raw_path, "raw self-paced-reading file")
        table = pd.read_csv(path, dtype={"WorkerId": str})
        require_columns(table, SPR_COLUMNS, path)
        frames.append(table)
    if not frames:
        raise CorpusError(
            "no raw self-paced-reading files given; pass spr_files or put "
            f"files matching {SPR_GLOBS} in the corpus directory"
        )
    return pd.concat(frames, ignore_index=True)


def map_spr_zones(zone: pd.Series, item: pd.Series, alignment: Alignment) -> pd.Series:
    """Map raw display zones to word positions (NaN where no word was shown).

    ``corrected``: ``zone - 1``; ``released``: the corpus script's ``zone - 2``.
    In story 3 raw zone 231 (a blank display) is dropped and later zones lose
    one more.
    """
    _check_alignment(alignment)
    offset = 1 if alignment == "corrected" else 2
    story3_late = (item == 3) & (zone > _STORY3_BLANK_AFTER)
    position = zone - offset - story3_late.astype(int)
    position = position.astype("float64")
    position[(item == 3) & (zone == _STORY3_BLANK_AFTER + 1)] = float("nan")
    return position


def read_natural_stories_spr(
    paths: Sequence[str | Path],
    stimuli: pd.DataFrame,
    *,
    alignment: Alignment = "corrected",
    rt_bounds: tuple[float, float] = (100.0, 3000.0),
    min_correct: int = 5,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Per-subject RTs from raw SPR files, mapped to words and filtered.

    Parameters
    ----------
    paths : sequence of str or Path
        Raw files, see :func:`read_spr_raw`.
    stimuli : pandas.DataFrame
        From :func:`read_natural_stories_stimuli`; supplies the word strings.
    alignment : {'corrected', 'released'}
        Zone mapping, see :func:`map_spr_zones`.
    rt_bounds : (float, float)
        Keep RT strictly between these (ms). The corpus uses (100, 3000).
    min_correct : int
        Keep worker-story pairs with at least this many comprehension answers
        right. The corpus uses ``correct > 4``, i.e. 5.

    Returns
    -------
    measures : pandas.DataFrame
        Measures table, measure ``rt`` in ms, one row per subject and word.
    counts : dict
        Rows, workers and worker-story pairs read, and rows left after each
        step.
    """
    raw = read_spr_raw(paths)
    counts = {
        "raw_rows": len(raw),
        "raw_workers": raw["WorkerId"].nunique(),
        "raw_stories": raw["item"].nunique(),
        "raw_worker_story_pairs": len(raw.groupby(["WorkerId", "item"])),
    }

    # Map display zones to words; the first and last displays are no word.
    raw = raw.assign(position=map_spr_zones(raw["zone"], raw["item"], alignment))
    words = stimuli[["item", "position", "word"]].astype({"position": "float64"})
    mapped = raw.merge(words, on=["item", "position"], how="inner")
    counts["rows_on_words"] = len(mapped)

    low, high = rt_bounds
    mapped = mapped[(mapped["RT"] > low) & (mapped["RT"] < high)]
    counts["rows_in_rt_bounds"] = len(mapped)
    mapped = mapped[mapped["correct"] >= min_correct]
    counts["rows_kept"] = len(mapped)
    counts["workers_kept"] = mapped["WorkerId"].nunique()
    for step, n in counts.items():
        logger.info("Natural Stories SPR: %s = %d", step, n)

    measures = pd.DataFrame(
        {
            "subject": mapped["WorkerId"],
            "item": mapped["item"].astype("int64"),
            "position": mapped["position"].astype("int64"),
            "word": mapped["word"],
            "measure": "rt",
            "value": mapped["RT"].astype(float),
        }
    )
    measures = measures.sort_values(["subject", "item", "position"])
    return measures.reset_index(drop=True)[MEASURES_COLUMNS], counts


def read_natural_stories(
    root: str | Path,
    *,
    measures: Literal["mean", "per_subject"] = "mean",
    alignment: Alignment = "corrected",
    spr_files: Sequence[str | Path] | None = None,
    rt_bounds: tuple[float, float] = (100.0, 3000.0),
    min_correct: int = 5,
) -> Corpus:
    """Read the user's copy of the Natural Stories corpus.

    By default the known one-word misalignment of the released RTs is
    corrected (see the module docstring); ``meta["corrections"]`` says so.

    Parameters
    ----------
    root : str or Path
        Directory of the naturalstories repository (``naturalstories_RTS/``,
        ``parses/``, ...).
    measures : {'mean', 'per_subject'}
        ``mean``: per-word means from ``processed_wordinfo.tsv`` (subject
        ``"mean"``). ``per_subject``: raw SPR files, filtered.
    alignment : {'corrected', 'released'}
        ``corrected`` (default) or the pairing as released (one word off).
    spr_files : sequence of paths, optional
        Raw SPR files for ``per_subject``. By default the files under ``root``
        matching ``naturalstories_RTS/batch*_pro.csv``, else
        ``partial_per_subject_spr/*.csv.gz``.
    rt_bounds : (float, float)
        RT filter for ``per_subject`` (exclusive bounds, ms).
    min_correct : int
        Comprehension filter for ``per_subject`` (answers right out of 6).

    Returns
    -------
    Corpus
        10,256 words in 10 stories; measure ``rt`` in ms.

    Examples
    --------
    >>> ns = read_natural_stories("~/data/naturalstories")  # doctest: +SKIP
    >>> ns.meta["corrections"]  # doctest: +SKIP
    """
    _check_alignment(alignment)
    root = Path(root).expanduser()
    stimuli, sentence_source = read_natural_stories_stimuli(root)

    meta: dict = {
        "source": SOURCE,
        "licence": LICENCE,
        "measures": {"rt": "ms"},
        "alignment": alignment,
        "corrections": [_CORRECTION_NOTE] if alignment == "corrected" else [],
        "notes": [f"sentences from {sentence_source}"],
    }
    if alignment == "released":
        logger.warning(
            "Natural Stories with alignment='released': RTs are one word off "
            "(see docs/concepts/alignment.md)"
        )

    if measures == "mean":
        table = read_natural_stories_means(root, alignment=alignment)
        meta["notes"].append(
            "per-word means of processed_wordinfo.tsv (RT in (100, 3000) ms, "
            "comprehension correct > 4, as filtered by the corpus)"
        )
    elif measures == "per_subject":
        if spr_files is None:
            spr_files = _find_spr_files(root)
        table, counts = read_natural_stories_spr(
            spr_files,
            stimuli,
            alignment=alignment,
            rt_bounds=rt_bounds,
            min_correct=min_correct,
        )
        meta["counts"] = counts
        meta["spr_files"] = [str(p) for p in spr_files]
        meta["notes"].append(
            f"per-subject RTs, kept RT in {rt_bounds} ms (exclusive) and "
            f"comprehension correct >= {min_correct}; word strings from "
            "all_stories.tok (raw files hold no words)"
        )
    else:
        raise ValueError(
            f"measures={measures!r}; choose one of {{'mean', 'per_subject'}}"
        )
    return Corpus(stimuli=stimuli, measures=table, meta=meta)


def _find_spr_files(root: Path) -> list[Path]:
    for pattern in SPR_GLOBS:
        found = sorted(root.glob(pattern))
        if found:
            return found
    raise CorpusError(
        f"{root}: no raw self-paced-reading files matching {list(SPR_GLOBS)}; "
        "pass spr_files=[...] with the paths of batch1_pro.csv/batch2_pro.csv"
    )


def natural_stories_text_variants(root: str | Path) -> dict[tuple[int, int], str]:
    """Words whose spelling in the corpus's master text differs from what readers saw.

    The self-paced reading display (``all_stories.tok``) keeps a few typos that the
    corpus's master table (``words.tsv``, the text that published models were run
    on) corrects, for example story 2 word 749, shown as ``peaked`` but ``peeked``
    in ``words.tsv``. Pass the result as ``variants`` to
    :func:`surprisal.align.tokens_to_words` so that published per-token files match
    the displayed words; the displayed spelling is what the output keeps.

    Returns
    -------
    dict
        ``(item, position) -> spelling in words.tsv``, whitespace removed.
    """
    root = Path(root).expanduser()
    path = require_file(root / "words.tsv", "Natural Stories master word table")
    master = pd.read_csv(path, sep="\t", header=None, names=["code", "token"],
                         keep_default_na=False, quoting=3, dtype=str)
    whole = master[master["code"].str.endswith(".whole")]
    parts = whole["code"].str.split(".", expand=True)
    spelled = {
        (int(i), int(p)): t.replace(" ", "")
        for i, p, t in zip(parts[0], parts[1], whole["token"], strict=True)
    }
    stimuli, _ = read_natural_stories_stimuli(root)
    return {
        (int(i), int(p)): spelled[(int(i), int(p))]
        for i, p, w in zip(stimuli["item"], stimuli["position"], stimuli["word"],
                           strict=True)
        if (int(i), int(p)) in spelled and spelled[(int(i), int(p))] != w
    }
