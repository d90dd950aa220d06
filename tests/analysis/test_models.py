"""Models: OLS against closed form, planted 5 ms/bit recovered, MixedLM, GAM."""

import warnings

import numpy as np
import pytest

from surprisal.analysis.models import (
    GAMModel,
    MissingDataWarning,
    MixedModel,
    ModelConvergenceWarning,
    OLSModel,
    _reissue_warnings,
    compare_shapes,
)

from ._synth import per_reader_rt, per_word_rt

FORMULA = "rt ~ surprisal_bits + length"


def test_ols_matches_closed_form_lstsq():
    df = per_word_rt(seed=1)
    res = OLSModel(FORMULA, df).fit()
    X = np.column_stack([np.ones(len(df)), df["surprisal_bits"], df["length"]])
    y = df["rt"].to_numpy()
    beta, rss, *_ = np.linalg.lstsq(X, y, rcond=None)
    sigma2 = rss[0] / (len(y) - X.shape[1])
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(X.T @ X)))
    np.testing.assert_allclose(res.params.to_numpy(), beta, rtol=1e-9)
    np.testing.assert_allclose(res.bse.to_numpy(), se, rtol=1e-9)
    # ML log-likelihood with variance RSS / n
    n = len(y)
    llf = -n / 2 * (np.log(2 * np.pi * rss[0] / n) + 1)
    np.testing.assert_allclose(res.llf, llf, rtol=1e-10)
    assert res.aic == pytest.approx(2 * 4 - 2 * llf)
    frame = res.summary_frame()
    assert list(frame.columns) == ["coef", "se", "statistic", "p", "ci_low", "ci_high"]


@pytest.mark.parametrize("cluster", [None, "item"])
def test_ols_recovers_planted_slope(cluster):
    df = per_word_rt(n_items=10, seed=2)
    res = OLSModel(FORMULA, df, cluster=cluster).fit()
    ci = res.conf_int().loc["surprisal_bits"]
    assert ci["lower"] < 5.0 < ci["upper"]
    assert ci["upper"] - ci["lower"] < 2.0  # informative, not a trivially wide CI


def test_ols_drops_missing_with_named_warning():
    df = per_word_rt(seed=3)
    df.loc[df.index[:4], "length"] = np.nan
    with pytest.warns(MissingDataWarning, match="4 of"):
        res = OLSModel(FORMULA, df, cluster="item").fit()
    assert res.nobs == len(df) - 4


def test_mixedlm_recovers_planted_slope_with_ml():
    df = per_reader_rt(seed=5, item_sd=0.0)
    res = MixedModel(FORMULA, df, subject="subject", slope="surprisal_bits").fit()
    ci = res.conf_int().loc["surprisal_bits"]
    assert ci["lower"] < 5.0 < ci["upper"]
    assert res.converged and not res.reml and np.isfinite(res.aic)
    # planted by-reader SDs: intercept 40, slope 1.5, residual 40
    assert res.random_effects["subject surprisal_bits"] == pytest.approx(2.25, rel=1)
    assert res.random_effects["Residual"] == pytest.approx(1600, rel=0.1)


def test_mixedlm_crossed_item_intercept_as_variance_components():
    df = per_reader_rt(n_subjects=8, n_items=6, n_words=20, seed=6)
    res = MixedModel(FORMULA, df, subject="subject", slope="surprisal_bits",
                     crossed="item").fit()
    assert {"subject", "item", "subject:surprisal_bits", "Residual"} <= set(
        res.random_effects.index)
    ci = res.conf_int().loc["surprisal_bits"]
    assert ci["lower"] < 5.0 < ci["upper"]
    assert res.converged and res.random_effects["item"] > 0


def test_statsmodels_convergence_warnings_become_named_category():
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    msg = warnings.WarningMessage(
        ConvergenceWarning("The MLE may be on the boundary"), ConvergenceWarning,
        "f.py", 1)
    with pytest.warns(ModelConvergenceWarning, match="boundary"):
        _reissue_warnings([msg], "MixedLM test", converged=True)


def test_gam_shapes_prefer_log_for_log_data_and_spline_nests_linear():
    rng = np.random.default_rng(7)
    df = per_word_rt(n_items=10, seed=7)
    df["rt"] = (300 + 30 * np.log(df["surprisal_bits"] + 1) + 3 * df["length"]
                + rng.normal(0, 5, len(df)))
    cmp = compare_shapes(df, "rt", "surprisal_bits", ["length"], df=6)
    table = cmp.table.set_index("shape")
    assert table.loc["log", "aic"] < table.loc["linear", "aic"]
    assert cmp.best in {"log", "spline"}
    assert cmp.lr_linear_vs_spline["df"] == 4  # 6 cubic B-splines span 1 and x
    assert cmp.lr_linear_vs_spline["p_value"] < 1e-6
    assert cmp.table["llf"].max() == table.loc[cmp.best, "llf"] or cmp.best == "log"
    # the spline curve follows the planted log shape (up to a constant)
    curve = cmp.curves
    truth = 30 * np.log(curve["x"] + 1)
    resid = curve["spline"] - truth
    assert resid.std() < 3.0


def test_gam_spline_on_linear_data_is_not_better_than_linear():
    df = per_word_rt(n_items=10, seed=8)
    res = GAMModel("rt ~ length", df, "surprisal_bits").fit()
    assert res.k_params == 1 + 1 + 5 + 1  # intercept, length, 5 bases, scale
    cmp = compare_shapes(df, "rt", "surprisal_bits", ["length"])
    assert cmp.lr_linear_vs_spline["p_value"] > 0.001
