"""Cross-validated delta log-likelihood: folds, reference values, calibration."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from surprisal.analysis.crossval import (
    bootstrap_ci,
    compare_predictor_sets,
    delta_loglik,
    heldout_loglik,
    make_folds,
    sign_flip_test,
)

from ._synth import per_word_rt


def test_folds_are_seeded_balanced_and_keep_groups_together():
    f1, f2 = make_folds(103, 10, seed=1), make_folds(103, 10, seed=1)
    np.testing.assert_array_equal(f1, f2)
    assert np.bincount(f1).min() >= 10 and np.bincount(f1).max() <= 11
    groups = np.repeat(np.arange(20), 7)
    g = make_folds(len(groups), 5, seed=0, groups=groups)
    assert pd.Series(g).groupby(groups).nunique().eq(1).all()
    with pytest.raises(ValueError, match="lower k"):
        make_folds(20, 5, groups=np.repeat([0, 1, 2], [7, 7, 6]))


def test_heldout_loglik_matches_statsmodels_and_scipy():
    df = per_word_rt(n_items=2, seed=3)
    X = sm.add_constant(df[["surprisal_bits", "length"]].to_numpy())
    y = df["rt"].to_numpy()
    folds = make_folds(len(y), 4, seed=0)
    ll = heldout_loglik(y, X, folds)
    for f in range(4):
        test = folds == f
        fit = sm.OLS(y[~test], X[~test]).fit()  # fit.scale = RSS / (n - p)
        ref = stats.norm.logpdf(y[test], fit.predict(X[test]), np.sqrt(fit.scale))
        np.testing.assert_allclose(ll[test], ref, rtol=1e-10)


def test_planted_effect_is_detected_and_slope_recovered():
    df = per_word_rt(n_items=8, seed=4)
    df["noise"] = np.random.default_rng(0).normal(size=len(df))
    table = compare_predictor_sets(
        df, "rt", ["length"], {"surprisal": ["surprisal_bits"], "noise": ["noise"]},
        n_boot=200, n_perm=200, seed=1)
    row = table.set_index("name").loc["surprisal"]
    assert row["ci_low"] > 0 and row["p_value"] < 0.01
    assert row["slope_ci_low"] < 5.0 < row["slope_ci_high"]
    noise = table.set_index("name").loc["noise"]
    assert noise["ci_low"] < 0 < noise["ci_high"]
    assert list(table.columns[:6]) == ["name", "delta_ll_per_word", "ci_low",
                                       "ci_high", "p_value", "n"]
    # same seed, same numbers
    again = compare_predictor_sets(
        df, "rt", ["length"], {"surprisal": ["surprisal_bits"], "noise": ["noise"]},
        n_boot=200, n_perm=200, seed=1)
    pd.testing.assert_frame_equal(table, again)


def test_grouped_folds_bootstrap_and_flip_items():
    df = per_word_rt(n_items=12, n_words=40, seed=5)
    res = delta_loglik(df, "rt", ["length"], ["length", "surprisal_bits"], k=6,
                       group="item", n_boot=100, n_perm=100)
    assert res.settings["group"] == "item" and res.n == len(df)
    assert pd.Series(res.folds).groupby(df["item"].to_numpy()).nunique().eq(1).all()
    assert res.ci_low > 0


def test_missing_values_are_an_error_naming_the_remedy():
    df = per_word_rt(n_items=2, seed=6)
    df.loc[df.index[0], "surprisal_bits"] = np.nan
    with pytest.raises(ValueError, match="'missing' exclusion"):
        delta_loglik(df, "rt", ["length"], ["length", "surprisal_bits"])


def test_sign_flip_p_values_uniform_under_symmetric_null():
    # 200 null datasets of symmetric differences, 99 sign flips each
    rng = np.random.default_rng(11)
    p = np.array([sign_flip_test(rng.standard_t(4, size=60), n_perm=99, seed=i)
                  for i in range(200)])
    assert stats.kstest(p, "uniform").pvalue > 0.01
    lo, hi = stats.binom.ppf([0.005, 0.995], 200, 0.05)
    assert lo <= (p <= 0.05).sum() <= hi


def test_full_pipeline_is_not_anticonservative_under_null():
    # extra predictor unrelated to rt: rejection rate at 0.05 must not exceed the
    # binomial upper bound (the test is conservative here, see crossval docstring)
    rng = np.random.default_rng(12)
    n, rejections = 80, 0
    for i in range(200):
        x = rng.normal(size=n)
        df = pd.DataFrame({"x": x, "z": rng.normal(size=n)})
        df["y"] = 2 * x + rng.normal(size=n)
        res = delta_loglik(df, "y", ["x"], ["x", "z"], k=10, seed=i, n_boot=10,
                           n_perm=99)
        rejections += res.p_value <= 0.05
    assert rejections <= stats.binom.ppf(0.995, 200, 0.05)


def test_bootstrap_ci_covers_mean_of_normal_sample():
    rng = np.random.default_rng(13)
    d = rng.normal(0.3, 1.0, 400)
    lo, hi = bootstrap_ci(d, 500, seed=0)
    half = 1.96 / np.sqrt(400)
    assert lo == pytest.approx(d.mean() - half, abs=0.03)
    assert hi == pytest.approx(d.mean() + half, abs=0.03)
