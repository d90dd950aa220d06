"""Predictors: length rule, frequencies, spillover within items and subjects."""

import numpy as np
import pandas as pd
import pytest
from wordfreq import zipf_frequency as wf_zipf

from surprisal.analysis.predictors import (
    add_baseline_predictors,
    add_position_predictors,
    add_spillover,
    log_frequency_from_counts,
    shift_within,
    word_length,
    zipf_frequency,
)

from ._synth import per_reader_rt, word_table


def test_word_length_rule_hand_counted():
    words = ["England,", "\u201cYes!\u201d", "don't", "long-bearded", "o'clock",
             "(caf\u00e9)", "--", "a"]
    assert word_length(words).tolist() == [7, 3, 5, 12, 7, 4, 0, 1]


def test_zipf_strips_punctuation_lowercases_and_names_source():
    z = zipf_frequency(pd.Series(["The,", "house."]))
    assert z.tolist() == [wf_zipf("the", "en"), wf_zipf("house", "en")]
    assert "wordfreq 3." in z.attrs["source"]


def test_counts_frequency_hand_computed():
    # N = 9 + 1 = 10 tokens, V = 2 types, alpha = 1: denominator 10 + 1 * 3 = 13
    s = log_frequency_from_counts(["The", "dog", "unseen"], {"the": 9, "dog": 1},
                                  per=1e9)
    expected = np.log10(np.array([10, 2, 1]) / 13 * 1e9)
    np.testing.assert_allclose(s.to_numpy(), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="alpha"):
        log_frequency_from_counts(["a"], {"a": 1}, alpha=0)


def test_add_baseline_predictors_records_sources():
    df = add_baseline_predictors(word_table(2, 20))
    assert {"length", "log_freq"} <= set(df.columns)
    assert "wordfreq" in df.attrs["predictor_sources"]["log_freq"]


def test_position_in_sentence_computed_when_absent():
    df = word_table(2, 40)
    got = add_position_predictors(df.drop(columns="position_in_sentence"))
    assert got["position_in_sentence"].tolist() == df["position_in_sentence"].tolist()


def test_spillover_never_crosses_items_even_shuffled():
    df = word_table(4, 30).sample(frac=1.0, random_state=3)  # rows out of order
    out = add_spillover(df, ["surprisal_bits"], 3)
    for j in (1, 2, 3):
        col = out[f"surprisal_bits_lag{j}"]
        # first j words of every item have no lag j
        assert col[out["position"] <= j].isna().all()
        # elsewhere: the value of the word j positions back in the same item
        ref = out.set_index(["item", "position"])["surprisal_bits"]
        rows = out[out["position"] > j]
        expect = ref.loc[list(zip(rows["item"], rows["position"] - j, strict=True))]
        np.testing.assert_array_equal(col[out["position"] > j].to_numpy(),
                                      expect.to_numpy())


def test_spillover_gap_gives_nan_not_an_older_word():
    df = pd.DataFrame({"item": [1, 1, 1], "position": [1, 2, 4], "x": [1.0, 2, 4]})
    assert shift_within(df, "x", 1).isna().tolist() == [True, False, True]
    assert shift_within(df, "x", -1).tolist()[0] == 2.0  # lead


def test_spillover_never_crosses_subjects():
    df = per_reader_rt(n_subjects=3, n_items=2, n_words=10)
    out = add_spillover(df, ["rt"], 1, subject="subject")
    assert out.loc[out["position"] == 1, "rt_lag1"].isna().all()
    ref = out.set_index(["subject", "item", "position"])["rt"]
    rows = out[out["position"] > 1]
    keys = list(zip(rows["subject"], rows["item"], rows["position"] - 1, strict=True))
    np.testing.assert_array_equal(rows["rt_lag1"].to_numpy(), ref.loc[keys].to_numpy())
    with pytest.raises(ValueError, match="subject="):
        add_spillover(df, ["rt"], 1)
