"""Exclusions: named, counted filtering steps applied in order.

Each step is an :class:`ExclusionStep`: a name, a description and a function that
returns a boolean mask of the rows to keep. An :class:`ExclusionPipeline` applies
its steps in order and returns the kept rows and a table of
``(step, rows_before, removed, rows_after)``, so every exclusion is counted and
reported (methods.md, "Standard exclusions").

Presets (:data:`PRESETS`, :func:`preset`) follow methods.md:

``natural_stories_spr``
    Self-paced reading, Natural Stories: comprehension score > 4 (when a
    comprehension column is present), RT in (100, 3000) ms (open interval, the
    corpus's official filter), first and last word of each sentence, out-of-
    vocabulary words, missing values, readers with fewer than 100 remaining
    observations (per-reader data only; 100 is this toolkit's default, not a
    corpus rule). Attached punctuation is kept
    (``punctuation=True`` to drop it). Recommended spillover: 3 words.
``eye_tracking``
    Eye tracking (MECO, Provo): skipped words (duration <= 0) are not reading
    times, no upper bound; first and last word of each sentence, out-of-vocabulary
    words, missing values, readers with fewer than 100 observations. Recommended
    spillover: 2 words.
``none``
    Only missing values in the model columns (a regression cannot use them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

Mask = Callable[[pd.DataFrame], "pd.Series | np.ndarray"]


@dataclass(frozen=True)
class ExclusionStep:
    """One named exclusion.

    Attributes
    ----------
    name : str
        Short name shown in the counts table.
    keep : callable
        ``keep(frame) -> bool mask`` of rows to keep.
    description : str
        What the step removes, in words.
    columns : tuple of str
        Columns the step needs. When ``required`` is False and one is absent, the
        step is skipped and the table says so in its ``note`` column.
    required : bool
        Whether absent columns are an error.
    """

    name: str
    keep: Mask
    description: str = ""
    columns: tuple[str, ...] = ()
    required: bool = True


@dataclass
class ExclusionResult:
    """Outcome of an :class:`ExclusionPipeline`.

    Attributes
    ----------
    data : pandas.DataFrame
        The kept rows (original index).
    table : pandas.DataFrame
        One row per step: ``step, rows_before, removed, rows_after, description,
        note``.
    """

    data: pd.DataFrame
    table: pd.DataFrame

    @property
    def removed_total(self) -> int:
        """Rows removed by all steps together."""
        return int(self.table["removed"].sum())


@dataclass
class ExclusionPipeline:
    """Steps applied in order.

    Parameters
    ----------
    steps : list of ExclusionStep
        The steps.
    name : str
        Name of the pipeline (e.g. the preset), for reports.
    spillover : int or None
        The spillover the preset recommends, for reports and defaults.

    Examples
    --------
    >>> df = pd.DataFrame({"rt": [50.0, 300.0, 5000.0]})
    >>> res = ExclusionPipeline([rt_bounds("rt", 100, 3000)]).apply(df)
    >>> res.table[["step", "rows_before", "removed", "rows_after"]].values.tolist()
    [['rt_bounds', 3, 2, 1]]
    """

    steps: list[ExclusionStep] = field(default_factory=list)
    name: str = "custom"
    spillover: int | None = None

    def apply(self, data: pd.DataFrame) -> ExclusionResult:
        """Apply the steps in order; return kept rows and the counts table."""
        rows = []
        current = data
        for step in self.steps:
            before = len(current)
            absent = [c for c in step.columns if c not in current.columns]
            note = ""
            if absent and step.required:
                raise KeyError(
                    f"exclusion step {step.name!r} needs column(s) {absent}, absent "
                    "from the table; rename the column, pass its name to the step, "
                    "or leave the step out"
                )
            if absent:
                note = f"skipped: column(s) {absent} absent"
                logger.info("exclusion %s %s", step.name, note)
            else:
                mask = np.asarray(step.keep(current), dtype=bool)
                if mask.shape != (before,):
                    raise ValueError(
                        f"exclusion step {step.name!r} returned a mask of shape "
                        f"{mask.shape} for {before} rows; return one bool per row"
                    )
                current = current.loc[mask]
            after = len(current)
            rows.append(
                {
                    "step": step.name,
                    "rows_before": before,
                    "removed": before - after,
                    "rows_after": after,
                    "description": step.description,
                    "note": note,
                }
            )
            logger.info("exclusion %s: removed %d of %d", step.name, before - after,
                        before)
        table = pd.DataFrame(
            rows,
            columns=["step", "rows_before", "removed", "rows_after", "description",
                     "note"],
        )
        return ExclusionResult(data=current, table=table)


# -- step factories ----------------------------------------------------------


def rt_bounds(
    column: str = "rt",
    low: float = 100.0,
    high: float = 3000.0,
    *,
    inclusive: bool = False,
) -> ExclusionStep:
    """Keep rows with ``low < column < high`` (``<=`` when ``inclusive``).

    Missing values of ``column`` are removed too (they are not within bounds).
    """
    if not low < high:
        raise ValueError(f"RT bounds ({low}, {high}): low must be below high")

    def keep(df: pd.DataFrame) -> np.ndarray:
        x = df[column].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            if inclusive:
                return (x >= low) & (x <= high)
            return (x > low) & (x < high)

    brackets = "[]" if inclusive else "()"
    return ExclusionStep(
        "rt_bounds",
        keep,
        f"{column} outside {brackets[0]}{low:g}, {high:g}{brackets[1]}",
        (column,),
    )


def min_value(column: str, threshold: float, *, name: str | None = None,
              required: bool = False) -> ExclusionStep:
    """Keep rows with ``column > threshold`` (e.g. comprehension score > 4)."""

    def keep(df: pd.DataFrame) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return df[column].to_numpy(dtype=float) > threshold

    return ExclusionStep(
        name or f"{column}_min", keep, f"{column} <= {threshold:g}", (column,),
        required,
    )


def sentence_edges(
    *,
    item: str = "item",
    sentence: str = "sentence",
    position_in_sentence: str = "position_in_sentence",
    first: bool = True,
    last: bool = True,
) -> ExclusionStep:
    """Remove the first and/or last word of each sentence.

    The last word is the one with the largest ``position_in_sentence`` within
    ``(item, sentence)`` in the table as it reaches this step; apply this step
    before steps that could remove sentence-final words.
    """

    def keep(df: pd.DataFrame) -> np.ndarray:
        pos = df[position_in_sentence]
        out = np.ones(len(df), dtype=bool)
        if first:
            out &= (pos != 1).to_numpy()
        if last:
            last_pos = df.groupby([item, sentence])[position_in_sentence].transform(
                "max"
            )
            out &= (pos != last_pos).to_numpy()
        return out

    which = " and ".join(w for w, on in (("first", first), ("last", last)) if on)
    return ExclusionStep(
        "sentence_edges", keep, f"{which} word of each sentence",
        (item, sentence, position_in_sentence),
    )


def flag(column: str, *, name: str | None = None, description: str = "",
         required: bool = True) -> ExclusionStep:
    """Remove rows where the boolean ``column`` is true (missing counts as false)."""

    def keep(df: pd.DataFrame) -> np.ndarray:
        return ~df[column].fillna(False).astype(bool).to_numpy()

    return ExclusionStep(name or column, keep, description or f"{column} is true",
                         (column,), required)


def attached_punctuation(column: str = "has_punct") -> ExclusionStep:
    """Remove words carrying attached punctuation."""
    return flag(column, name="punctuation", description="attached punctuation")


def out_of_vocabulary(column: str = "oov") -> ExclusionStep:
    """Remove words with an out-of-vocabulary token."""
    return flag(column, name="oov", description="out-of-vocabulary word")


def missing_values(columns: Iterable[str]) -> ExclusionStep:
    """Remove rows with a missing value in any of ``columns`` (the model's)."""
    columns = tuple(dict.fromkeys(columns))

    def keep(df: pd.DataFrame) -> np.ndarray:
        return df[list(columns)].notna().all(axis=1).to_numpy()

    return ExclusionStep("missing", keep, f"missing value in {list(columns)}",
                         columns)


def few_observations(subject: str = "subject", min_n: int = 100) -> ExclusionStep:
    """Remove readers with fewer than ``min_n`` rows left at this step."""

    def keep(df: pd.DataFrame) -> np.ndarray:
        return (df.groupby(subject)[subject].transform("size") >= min_n).to_numpy()

    return ExclusionStep("few_observations", keep,
                         f"readers with fewer than {min_n} observations", (subject,))


# -- presets -----------------------------------------------------------------

PRESETS: dict[str, dict] = {
    "natural_stories_spr": {
        "rt_low": 100.0, "rt_high": 3000.0, "comprehension_min": 4.0,
        "punctuation": False, "min_obs": 100, "spillover": 3,
    },
    "eye_tracking": {
        "rt_low": 0.0, "rt_high": np.inf, "comprehension_min": None,
        "punctuation": False, "min_obs": 100, "spillover": 2,
    },
    "none": {
        "rt_low": None, "rt_high": None, "comprehension_min": None,
        "punctuation": False, "min_obs": None, "spillover": 0, "edges": False,
        "oov": False,
    },
}
"""Named preset settings; see the module docstring."""


def preset(
    name: str,
    *,
    measure: str = "rt",
    model_columns: Sequence[str] = (),
    subject: str | None = None,
    item: str = "item",
    sentence: str = "sentence",
    position_in_sentence: str = "position_in_sentence",
    oov: str = "oov",
    has_punct: str = "has_punct",
    comprehension: str = "comprehension",
    **overrides,
) -> ExclusionPipeline:
    """Build the exclusion pipeline of a named preset.

    Parameters
    ----------
    name : {"natural_stories_spr", "eye_tracking", "none"}
        Preset name.
    measure : str, default "rt"
        Reading measure column.
    model_columns : sequence of str
        Columns the models use; rows missing any are removed (with ``measure``).
    subject : str or None
        Subject column for per-reader data; enables the few-observations step.
    item, sentence, position_in_sentence, oov, has_punct, comprehension : str
        Column names.
    **overrides
        Replace preset settings: ``rt_low``, ``rt_high``, ``comprehension_min``,
        ``punctuation`` (True to drop attached punctuation), ``min_obs``,
        ``spillover``, ``edges``, ``oov``.

    Returns
    -------
    ExclusionPipeline

    Examples
    --------
    >>> [s.name for s in preset("natural_stories_spr").steps]
    ['comprehension', 'rt_bounds', 'sentence_edges', 'oov', 'missing']
    """
    if name not in PRESETS:
        raise ValueError(f"exclusion preset {name!r} unknown; use one of "
                         f"{sorted(PRESETS)}")
    unknown = set(overrides) - set(PRESETS["none"]) - {"edges", "oov"}
    if unknown:
        raise ValueError(f"unknown preset setting(s) {sorted(unknown)}; allowed: "
                         f"{sorted(PRESETS['none'])}")
    cfg = {"edges": True, "oov": True, **PRESETS[name], **overrides}

    steps: list[ExclusionStep] = []
    if cfg["comprehension_min"] is not None:
        steps.append(min_value(comprehension, cfg["comprehension_min"],
                               name="comprehension", required=False))
    if cfg["rt_low"] is not None:
        steps.append(rt_bounds(measure, cfg["rt_low"], cfg["rt_high"]))
    if cfg["edges"]:
        steps.append(sentence_edges(item=item, sentence=sentence,
                                    position_in_sentence=position_in_sentence))
    if cfg["punctuation"]:
        steps.append(attached_punctuation(has_punct))
    if cfg["oov"]:
        steps.append(out_of_vocabulary(oov))
    steps.append(missing_values([measure, *model_columns]))
    if subject is not None and cfg["min_obs"]:
        steps.append(few_observations(subject, int(cfg["min_obs"])))
    return ExclusionPipeline(steps, name=name, spillover=cfg["spillover"])


__all__ = [
    "PRESETS",
    "ExclusionPipeline",
    "ExclusionResult",
    "ExclusionStep",
    "attached_punctuation",
    "few_observations",
    "flag",
    "min_value",
    "missing_values",
    "out_of_vocabulary",
    "preset",
    "rt_bounds",
    "sentence_edges",
]
