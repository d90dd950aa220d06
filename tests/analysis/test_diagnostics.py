"""Alignment diagnostic: flags a table one word off, passes an aligned one."""

import warnings

import pytest

from surprisal.analysis.diagnostics import AlignmentWarning, check_alignment

from ._synth import per_word_rt


def test_aligned_table_passes_and_shift_zero_fits_best():
    df = per_word_rt(n_items=8, seed=21)
    with warnings.catch_warnings():
        warnings.simplefilter("error", AlignmentWarning)
        res = check_alignment(df, "rt", "surprisal_bits", "length")
    assert not res.flagged and res.best_shift == 0
    t = res.terms.set_index(["predictor", "word"])["t"]
    assert t[("surprisal_bits", "z")] > 10 and t[("surprisal_bits", "z-1")] > 3
    assert set(res.shifts["shift"]) == {-2, -1, 0, 1, 2}


def test_table_one_word_off_is_flagged_and_shift_minus_one_fits_best():
    # rt stored at word z is the rt of word z+1 (driven by its surprisal)
    df = per_word_rt(n_items=8, seed=21, shift=1)
    with pytest.warns(AlignmentWarning, match="z\\+1"):
        res = check_alignment(df, "rt", "surprisal_bits", "length")
    assert res.flagged and res.max_lead_t > 10
    assert res.best_shift == -1
    assert "MISALIGNED" in res.summary()


def test_length_computed_from_words_when_absent():
    df = per_word_rt(n_items=4, seed=22).drop(columns="length")
    res = check_alignment(df, "rt", "surprisal_bits", warn=False)
    assert "length" in set(res.terms["predictor"])
