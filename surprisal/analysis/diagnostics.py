"""Alignment diagnostic: do words not yet displayed predict the reading time?

In self-paced reading (moving window) the word after the current one is not on
screen, so its properties cannot affect the current reading time. If they do, the
measures are shifted against the words (methods.md: the released Natural Stories
per-word means are one word off).

:func:`check_alignment` does two things:

1. Regresses the measure at word ``z`` on length and surprisal of words ``z-3`` to
   ``z+2`` (lags and leads within the item, and the subject for per-reader data)
   by OLS, and reports the t value of each. If a lead (``z+1``, ``z+2``) has
   ``|t| > threshold`` (default 4: far above noise for thousands of words, yet
   below the t = 9 and 17 seen on the misaligned Natural Stories file), it issues
   an :class:`AlignmentWarning`.
2. Re-pairs the measure with the words at shifts ``-2..+2``: under shift ``s``
   word ``z`` gets the measure stored at position ``z + s`` of the same item (so
   ``s = -1`` is "word z's RT is the one stored at zone z-1", the correction of
   the released Natural Stories file). Each shift is fitted on the same rows
   twice: with the lags and leads, giving its largest lead |t|; and with length
   and surprisal of word ``z`` alone, giving the log-likelihood and R-squared in
   the table. The best shift is the best-fitting one among the shifts whose
   leads stay below the threshold. The fit alone is not a safe guide: in
   self-paced reading the spillover from the previous word is strong, so a table
   paired one word too late fits word ``z`` almost as well as the right one;
   and with lags in the fit every backward shift fits about equally well.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from surprisal.analysis._io import AnalysisWarning, read_table
from surprisal.analysis.models import OLSModel, term_name
from surprisal.analysis.predictors import lag_name, shift_within, word_length

logger = logging.getLogger(__name__)


class AlignmentWarning(AnalysisWarning):
    """Properties of words not yet displayed predict the reading measure."""


@dataclass
class AlignmentResult:
    """Outcome of :func:`check_alignment`.

    Attributes
    ----------
    terms : pandas.DataFrame
        One row per predictor and word: ``predictor, offset, word, coef, t, p``,
        where ``offset`` is the word's position relative to ``z`` (-3 .. +2) and
        ``word`` the label ``"z-3"`` .. ``"z+2"``.
    shifts : pandas.DataFrame
        ``shift, llf, rsquared, nobs`` for each tried shift.
    best_shift : int
        Shift with the highest log-likelihood.
    flagged : bool
        Whether any lead's ``|t|`` exceeds ``threshold``.
    max_lead_t : float
        Largest ``|t|`` among leads.
    threshold : float
        The threshold used.
    nobs : int
        Rows of the lead/lag regression.
    """

    terms: pd.DataFrame
    shifts: pd.DataFrame
    best_shift: int
    flagged: bool
    max_lead_t: float
    threshold: float
    nobs: int

    def summary(self) -> str:
        """Plain-text rendering."""
        wide = self.terms.pivot(index="word", columns="predictor", values="t")
        wide = wide.loc[self.terms.sort_values("offset")["word"].unique()]
        verdict = (
            f"MISALIGNED: a lead has |t| = {self.max_lead_t:.1f} > {self.threshold:g}"
            if self.flagged
            else f"no lead effect (max |t| = {self.max_lead_t:.1f} <= "
            f"{self.threshold:g})"
        )
        return (
            f"t values (n = {self.nobs}):\n{wide.round(2).to_string()}\n\n"
            f"fit by shift of the measure:\n"
            f"{self.shifts.round(4).to_string(index=False)}\n\n"
            f"{verdict}; best shift: {self.best_shift:+d}"
        )


def _label(offset: int) -> str:
    return "z" if offset == 0 else f"z{offset:+d}"


def check_alignment(data: pd.DataFrame, measure: str = "rt",
                    surprisal: str = "surprisal_bits", length: str = "length", *,
                    item: str = "item", position: str = "position",
                    subject: str | None = None, word: str = "word", lags: int = 3,
                    leads: int = 2, shifts: Sequence[int] = range(-2, 3),
                    threshold: float = 4.0,
                    warn: bool = True) -> AlignmentResult:
    """Check that the reading measure is aligned with the words.

    Parameters
    ----------
    data : pandas.DataFrame
        Per-word mean table (one row per item, position) or per-reader table
        (pass ``subject``).
    measure : str, default "rt"
        Reading measure.
    surprisal : str, default "surprisal_bits"
        Surprisal column.
    length : str, default "length"
        Word length column; computed from ``word`` (see
        :func:`surprisal.analysis.predictors.word_length`) when absent.
    item, position, subject, word : str
        Column names.
    lags, leads : int, default 3 and 2
        Words before and after ``z`` in the regression.
    shifts : sequence of int, default -2..2
        Shifts of the measure to try.
    threshold : float, default 4.0
        ``|t|`` of a lead above which the table is flagged.
    warn : bool, default True
        Issue an :class:`AlignmentWarning` when flagged.

    Returns
    -------
    AlignmentResult

    Examples
    --------
    >>> res = check_alignment(table, "rt", "surprisal_bits")  # doctest: +SKIP
    >>> print(res.summary())  # doctest: +SKIP
    """
    needed = [c for c in (measure, surprisal, item, position, subject) if c]
    absent = [c for c in needed if c not in data.columns]
    if absent:
        raise KeyError(f"columns {absent} are not in the table; it has "
                       f"{list(data.columns)}")
    df = data.copy()
    if length not in df.columns:
        if word not in df.columns:
            raise KeyError(f"neither {length!r} nor {word!r} in the table; pass the "
                           "length column or the word column")
        df[length] = word_length(df[word]).to_numpy()
    keys = {"item": item, "position": position, "subject": subject}

    # lead/lag regression
    offsets = list(range(-leads, lags + 1))
    terms = []
    for pred in (length, surprisal):
        for off in offsets:
            name = lag_name(pred, off)
            if off != 0:
                df[name] = shift_within(df, pred, off, **keys).to_numpy()
            terms.append((pred, off, name))
    formula = f"{term_name(measure)} ~ " + " + ".join(term_name(t[2]) for t in terms)
    complete = df[[measure] + [t[2] for t in terms]].notna().all(axis=1)
    fit = OLSModel(formula, df.loc[complete]).fit()
    table = pd.DataFrame([
        {"predictor": pred, "offset": -off, "word": _label(-off),
         "coef": fit.params[term_name(name)], "t": fit.tvalues[term_name(name)],
         "p": fit.pvalues[term_name(name)]}
        for pred, off, name in terms
    ])
    lead_t = table.loc[table["offset"] > 0, "t"].abs()
    max_lead = float(lead_t.max()) if len(lead_t) else 0.0
    flagged = max_lead > threshold

    # Shifts of the measure, all on the same rows. Each is fitted twice: with the
    # lags and leads, for its largest lead |t|; and with word z alone, for its
    # log-likelihood. The best shift is the best-fitting one among those where
    # words not yet displayed do not matter (all shifts when none passes).
    shifted = {s: f"shift_{'m' if s < 0 else 'p'}{abs(s)}" for s in shifts}
    for s, col in shifted.items():
        df[col] = shift_within(df, measure, -s, **keys).to_numpy()
    names = [t[2] for t in terms]
    current = [t[2] for t in terms if t[1] == 0]
    same = df[list(shifted.values()) + names].notna().all(axis=1)
    rhs_all = " + ".join(term_name(c) for c in names)
    rhs_now = " + ".join(term_name(c) for c in current)
    leads = [term_name(t[2]) for t in terms if t[1] < 0]
    fits = []
    for s, col in shifted.items():
        full = OLSModel(f"{term_name(col)} ~ {rhs_all}", df.loc[same]).fit()
        now = OLSModel(f"{term_name(col)} ~ {rhs_now}", df.loc[same]).fit()
        lead = float(full.tvalues[leads].abs().max()) if leads else 0.0
        fits.append({"shift": s, "max_lead_t": lead, "llf": now.llf,
                     "rsquared": now.extra["rsquared"], "nobs": now.nobs})
    shift_table = pd.DataFrame(fits)
    clean = shift_table[shift_table["max_lead_t"] <= threshold]
    pool = clean if len(clean) else shift_table
    best = int(pool.loc[pool["llf"].idxmax(), "shift"])

    result = AlignmentResult(table, shift_table, best, flagged, max_lead, threshold,
                             fit.nobs)
    logger.info("alignment: max lead |t| %.2f, best shift %+d", max_lead, best)
    if flagged and warn:
        worst = table.loc[lead_t.idxmax()]
        warnings.warn(
            f"{worst['predictor']} of word {worst['word']} (not yet displayed) "
            f"predicts {measure} with t = {worst['t']:.1f} (threshold "
            f"{threshold:g}): the measure looks shifted against the words; best "
            f"fitting shift is {best:+d} (word z gets the value stored at z"
            f"{best:+d}). Re-pair the measure with the words before analysis.",
            AlignmentWarning,
            stacklevel=2,
        )
    return result


def check_alignment_file(path: str | os.PathLike, measure: str = "rt",
                         surprisal: str = "surprisal_bits",
                         **kwargs) -> AlignmentResult:
    """Read a merged table (CSV/TSV/Parquet) and run :func:`check_alignment`.

    For the command line: ``surprisal check-alignment TABLE`` can call this and
    print ``result.summary()``. ``kwargs`` go to :func:`check_alignment`.
    """
    return check_alignment(read_table(path), measure, surprisal, **kwargs)


__all__ = ["AlignmentResult", "AlignmentWarning", "check_alignment",
           "check_alignment_file"]
