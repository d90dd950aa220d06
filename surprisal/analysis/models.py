"""Regression models of reading time: OLS, linear mixed effects, GAM shape tests.

Every model is built from a formula and a DataFrame; ``fit()`` returns a
:class:`RegressionResults` with named attributes (``params``, ``bse``,
``tvalues``, ``pvalues``, ``llf``, ``nobs``, ``aic``, ``bic``, ``conf_int()``,
``summary_frame()``). Text is rendered from results by :meth:`summary`.

Models
------
:class:`OLSModel`
    Least squares on by-word mean reading times; optional cluster-robust
    standard errors (clusters e.g. ``item``).
:class:`MixedModel`
    statsmodels ``MixedLM`` on per-reader data, fitted with ML (``reml=False``)
    by default so that likelihoods can be compared. Two structures:

    * ``crossed=None`` (default): groups are readers; by-reader random intercept
      and surprisal slope, correlated (lme4: ``(1 + surprisal | subject)``).
    * ``crossed="item"`` or ``"word"``: statsmodels has no crossed random effects,
      so the data form one single group and every random effect is a variance
      component: by-reader intercept, by-reader slope and the by-item intercept
      (lme4: ``(1 | subject) + (0 + surprisal | subject) + (1 | item)``). The
      limit: the reader intercept and slope are then **uncorrelated**, and the
      cost grows with the number of levels (sparse matrices are used; a by-word
      intercept over ~10,000 words is slow and memory-hungry).

    Convergence problems (statsmodels ``ConvergenceWarning``, a fit on the
    boundary, ``converged`` False) are re-issued as
    :class:`ModelConvergenceWarning`.
:class:`GAMModel` and :func:`compare_shapes`
    Shape of the surprisal effect: statsmodels ``GLMGam`` with a ``BSplines``
    smooth of the predictor against a linear and a logarithmic term. The spline
    is unpenalised by default (``alpha=0``: a regression spline with ``df`` basis
    functions), so its log-likelihood and parameter count are exact and the
    linear model is nested in it (B-splines with the intercept span straight
    lines): AIC for all shapes and a likelihood-ratio test of linear vs spline.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from surprisal.analysis._io import AnalysisWarning

logger = logging.getLogger(__name__)


class ModelConvergenceWarning(AnalysisWarning):
    """A model fit did not converge or ended on the boundary of its space."""


class MissingDataWarning(AnalysisWarning):
    """Rows with missing values in model columns were dropped at fit time."""


def gaussian_llf(resid: np.ndarray, scale: float | None = None) -> float:
    """Gaussian log-likelihood of residuals.

    With ``scale`` None the ML variance ``sum(resid**2) / n`` is used (the
    concentrated log-likelihood, as statsmodels' OLS ``llf``).
    """
    resid = np.asarray(resid, dtype=float)
    n = resid.size
    var = float(resid @ resid) / n if scale is None else float(scale)
    return float(-0.5 * n * np.log(2 * np.pi * var) - 0.5 * (resid @ resid) / var)


@dataclass
class RegressionResults:
    """Results of a fitted model.

    Attributes
    ----------
    model : str
        {"ols", "mixedlm", "gam", "glm"}.
    formula : str
        Fixed-effects formula.
    params, bse, tvalues, pvalues : pandas.Series
        Fixed-effect estimates, standard errors, test statistics (t or z) and
        two-sided p-values, indexed by term.
    llf : float
        Log-likelihood (ML unless ``reml`` is True).
    nobs : int
        Rows used.
    k_params : int
        Number of estimated parameters counted in AIC/BIC (fixed effects,
        variance parameters and the residual variance).
    aic, bic : float
        Information criteria from ``llf`` and ``k_params`` (NaN under REML).
    cov_type : str
        How standard errors were computed.
    statistic : {"t", "z"}
        Distribution of ``tvalues``.
    df_resid : float
        Residual degrees of freedom for t-based intervals (inf for z).
    converged : bool
        Whether the optimiser converged (always True for OLS).
    reml : bool
        Whether the fit is REML.
    random_effects : pandas.Series
        Variance parameters of a mixed model (empty otherwise), with the residual
        variance under ``"Residual"``.
    extra : dict
        Model-specific results (e.g. a GAM's curve).
    raw : object
        The statsmodels results object, for anything not mirrored here.
    """

    model: str
    formula: str
    params: pd.Series
    bse: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    llf: float
    nobs: int
    k_params: int
    cov_type: str = "nonrobust"
    statistic: str = "t"
    df_resid: float = np.inf
    converged: bool = True
    reml: bool = False
    random_effects: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    extra: dict[str, Any] = field(default_factory=dict)
    raw: Any = field(default=None, repr=False)

    @property
    def aic(self) -> float:
        """Akaike information criterion, ``2 k - 2 llf``."""
        return np.nan if self.reml else 2 * self.k_params - 2 * self.llf

    @property
    def bic(self) -> float:
        """Bayesian information criterion, ``log(n) k - 2 llf``."""
        return np.nan if self.reml else np.log(self.nobs) * self.k_params - 2 * self.llf

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Confidence intervals of ``params`` (columns ``lower``, ``upper``)."""
        if self.statistic == "t" and np.isfinite(self.df_resid):
            q = stats.t.ppf(1 - alpha / 2, self.df_resid)
        else:
            q = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame(
            {"lower": self.params - q * self.bse, "upper": self.params + q * self.bse}
        )

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """Tidy coefficient table: coef, se, statistic, p, ci_low, ci_high."""
        ci = self.conf_int(alpha)
        return pd.DataFrame(
            {
                "coef": self.params,
                "se": self.bse,
                "statistic": self.tvalues,
                "p": self.pvalues,
                "ci_low": ci["lower"],
                "ci_high": ci["upper"],
            }
        ).rename_axis("term")

    def summary(self) -> str:
        """Plain-text rendering of the results."""
        head = (
            f"{self.model} {self.formula}\n"
            f"nobs={self.nobs} llf={self.llf:.2f} aic={self.aic:.2f} "
            f"bic={self.bic:.2f} cov_type={self.cov_type} "
            f"converged={self.converged}\n"
        )
        body = self.summary_frame().to_string(float_format=lambda v: f"{v:.4g}")
        if len(self.random_effects):
            body += "\n\nvariance parameters\n" + self.random_effects.to_string()
        return head + body


# -- helpers -------------------------------------------------------------------


def _complete_rows(formula: str, data: pd.DataFrame, extra: Sequence[str]) -> pd.Index:
    """Index of rows with no missing value in the formula's or ``extra`` columns."""
    import statsmodels.formula.api as smf

    rows = smf.ols(formula, data).data.row_labels
    sub = data.loc[rows, list(extra)] if extra else data.loc[rows]
    keep = sub.notna().all(axis=1) if extra else pd.Series(True, index=rows)
    rows = rows[keep.to_numpy()]
    dropped = len(data) - len(rows)
    if dropped:
        warnings.warn(
            f"{dropped} of {len(data)} rows have missing values in the model "
            "columns and were dropped; apply the 'missing' exclusion step to count "
            "them in the exclusion table",
            MissingDataWarning,
            stacklevel=3,
        )
    return rows


# statsmodels messages about a first optimiser that failed before a retry; they are
# only logged when the final fit converged.
_RETRY_MESSAGES = ("failed to converge", "Retrying MixedLM optimization")


def _reissue_warnings(caught: list[warnings.WarningMessage], what: str,
                      converged: bool) -> None:
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    for w in caught:
        text = str(w.message)
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        elif converged and any(m in text for m in _RETRY_MESSAGES):
            logger.info("%s: %s (a later optimiser converged)", what, text)
        else:
            warnings.warn(f"{what}: {text}", ModelConvergenceWarning, stacklevel=3)


# -- OLS -----------------------------------------------------------------------


class OLSModel:
    """Ordinary least squares from a formula, e.g. on by-word mean RTs.

    Parameters
    ----------
    formula : str
        Patsy formula, e.g. ``"rt ~ surprisal + length + log_freq"``.
    data : pandas.DataFrame
        Table holding the formula's columns.
    cluster : str or None
        Column whose values define clusters for cluster-robust (sandwich)
        standard errors, e.g. ``"item"``; None for classical standard errors.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"s": rng.normal(size=200)})
    >>> df["rt"] = 300 + 5 * df["s"] + rng.normal(size=200)
    >>> res = OLSModel("rt ~ s", df).fit()
    >>> bool(abs(res.params["s"] - 5) < 0.5)
    True
    """

    def __init__(self, formula: str, data: pd.DataFrame, *,
                 cluster: str | None = None) -> None:
        if cluster is not None and cluster not in data.columns:
            raise KeyError(f"cluster column {cluster!r} not in the table; pass an "
                           "existing column such as 'item', or cluster=None")
        self.formula = formula
        self.cluster = cluster
        rows = _complete_rows(formula, data, [cluster] if cluster else [])
        self.data = data.loc[rows]

    def fit(self) -> RegressionResults:
        """Fit by least squares and return :class:`RegressionResults`."""
        import statsmodels.formula.api as smf

        model = smf.ols(self.formula, self.data)
        if self.cluster is None:
            res = model.fit()
            cov_type = "nonrobust"
        else:
            groups = pd.factorize(self.data[self.cluster])[0]
            # t with G - 1 degrees of freedom: with few clusters, z is too liberal
            res = model.fit(cov_type="cluster", cov_kwds={"groups": groups},
                            use_t=True)
            cov_type = f"cluster({self.cluster}, G={groups.max() + 1})"
        df_t = getattr(res, "df_resid_inference", None) or res.df_resid
        return RegressionResults(
            model="ols",
            formula=self.formula,
            params=res.params,
            bse=res.bse,
            tvalues=res.tvalues,
            pvalues=res.pvalues,
            llf=float(res.llf),
            nobs=int(res.nobs),
            k_params=int(res.df_model + 1 + 1),
            cov_type=cov_type,
            statistic="t",
            df_resid=float(df_t),
            extra={"rsquared": float(res.rsquared)},
            raw=res,
        )


# -- mixed effects ----------------------------------------------------------------


def term_name(col: str) -> str:
    """Formula reference to a column: the bare name when it is an identifier."""
    return col if col.isidentifier() else f"Q({col!r})"


class MixedModel:
    """Linear mixed-effects model (statsmodels ``MixedLM``) on per-reader data.

    Parameters
    ----------
    formula : str
        Fixed effects, e.g. ``"rt ~ surprisal + length + log_freq"``.
    data : pandas.DataFrame
        Per-reader table (one row per subject, item, position).
    subject : str, default "subject"
        Reader column (random intercept and slope).
    slope : str or None, default "surprisal"
        Column with a by-reader random slope; None for intercepts only.
    crossed : str or None
        Column with a crossed random intercept (``"item"`` or a word id column).
        See the module docstring for what this changes (uncorrelated reader
        effects, single group, cost).
    reml : bool, default False
        REML instead of ML. Keep False when comparing likelihoods or AIC.
    method : str or list of str, optional
        Optimiser(s) passed to ``MixedLM.fit``. Default: statsmodels' choice for
        ``crossed=None``; ``["powell", "lbfgs"]`` for crossed effects, where the
        gradient optimisers often stop early (seen on small synthetic data).

    Examples
    --------
    >>> res = MixedModel("rt ~ surprisal", df).fit()  # doctest: +SKIP
    """

    def __init__(self, formula: str, data: pd.DataFrame, *, subject: str = "subject",
                 slope: str | None = "surprisal", crossed: str | None = None,
                 reml: bool = False, method: str | list[str] | None = None) -> None:
        needed = [c for c in (subject, slope, crossed) if c is not None]
        absent = [c for c in needed if c not in data.columns]
        if absent:
            raise KeyError(f"column(s) {absent} not in the table; pass existing "
                           "column names for subject=, slope=, crossed=")
        self.formula, self.subject, self.slope = formula, subject, slope
        self.crossed, self.reml, self.method = crossed, reml, method
        self.data = data.loc[_complete_rows(formula, data, needed)]

    def _statsmodels_model(self):
        import statsmodels.formula.api as smf

        if self.crossed is None:
            re_formula = f"~{term_name(self.slope)}" if self.slope else "1"
            return smf.mixedlm(self.formula, self.data,
                               groups=self.data[self.subject], re_formula=re_formula)
        vc = {self.subject: f"0 + C({term_name(self.subject)})",
              self.crossed: f"0 + C({term_name(self.crossed)})"}
        if self.slope:
            vc[f"{self.subject}:{self.slope}"] = (
                f"0 + C({term_name(self.subject)}):{term_name(self.slope)}"
            )
        one = np.ones(len(self.data))
        return smf.mixedlm(self.formula, self.data, groups=one, re_formula="0",
                           vc_formula=vc, use_sparse=True)

    def fit(self) -> RegressionResults:
        """Fit by ML (or REML) and return :class:`RegressionResults`."""
        model = self._statsmodels_model()
        kwargs = {"reml": self.reml}
        if self.method is not None:
            kwargs["method"] = self.method
        elif self.crossed is not None:
            kwargs["method"] = ["powell", "lbfgs"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = model.fit(**kwargs)
        converged = bool(getattr(res, "converged", True))
        _reissue_warnings(caught, f"MixedLM {self.formula}", converged)
        if not converged:
            warnings.warn(f"MixedLM {self.formula}: the optimiser did not converge; "
                          "try method=['lbfgs', 'powell'], rescale predictors, or "
                          "drop the random slope", ModelConvergenceWarning,
                          stacklevel=2)

        fe = res.fe_params
        bse = pd.Series(np.asarray(res.bse_fe), index=fe.index)
        z = fe / bse
        variances = {}
        if res.cov_re.shape[0]:
            for i, a in enumerate(res.cov_re.index):
                for b in res.cov_re.index[i:]:
                    pair = a if a == b else f"{a}x{b}"
                    name = f"{self.subject} {pair}"
                    variances[name] = float(res.cov_re.loc[a, b])
        if len(res.vcomp):
            for name, v in zip(model.exog_vc.names, res.vcomp, strict=True):
                variances[name] = float(v)
        variances["Residual"] = float(res.scale)
        k = len(fe) + int(res.k_re2) + int(res.k_vc) + 1
        return RegressionResults(
            model="mixedlm",
            formula=self.formula,
            params=fe,
            bse=bse,
            tvalues=z,
            pvalues=pd.Series(2 * stats.norm.sf(np.abs(z)), index=fe.index),
            llf=float(res.llf),
            nobs=int(res.nobs),
            k_params=k,
            cov_type="model",
            statistic="z",
            converged=converged,
            reml=self.reml,
            random_effects=pd.Series(variances),
            extra={"structure": "crossed" if self.crossed else "by-subject"},
            raw=res,
        )


# -- GAM / shape of the effect ------------------------------------------------------


class GAMModel:
    """Gaussian GAM: parametric formula plus a B-spline smooth of one predictor.

    Parameters
    ----------
    formula : str
        Parametric part, e.g. ``"rt ~ length + log_freq"`` (``"rt ~ 1"`` for none).
    data : pandas.DataFrame
        The table.
    smooth : str
        Column to smooth (e.g. surprisal).
    df : int, default 6
        Number of B-spline basis functions.
    degree : int, default 3
        Spline degree.
    alpha : float, default 0.0
        Penalty weight; 0 gives an unpenalised regression spline whose parameter
        count is exact (needed for AIC and the likelihood-ratio test).
    """

    def __init__(self, formula: str, data: pd.DataFrame, smooth: str, *, df: int = 6,
                 degree: int = 3, alpha: float = 0.0) -> None:
        if smooth not in data.columns:
            raise KeyError(f"smooth column {smooth!r} not in the table")
        if df <= degree:
            raise ValueError(f"df={df} must exceed degree={degree}; use e.g. df=6")
        self.formula, self.smooth = formula, smooth
        self.df, self.degree, self.alpha = df, degree, alpha
        self.data = data.loc[_complete_rows(formula, data, [smooth])]

    def fit(self, grid: np.ndarray | None = None) -> RegressionResults:
        """Fit; ``extra["curve"]`` holds the fitted curve on ``grid``.

        The curve is intercept + parametric terms at their means + smooth(x).
        """
        from statsmodels.gam.api import BSplines, GLMGam

        x = self.data[[self.smooth]].to_numpy(dtype=float)
        bs = BSplines(x, df=[self.df], degree=[self.degree])
        model = GLMGam.from_formula(self.formula, data=self.data, smoother=bs,
                                    alpha=[self.alpha])
        res = model.fit()
        resid = self.data[model.endog_names].to_numpy(float) - res.fittedvalues
        llf = gaussian_llf(np.asarray(resid))
        k = int(np.linalg.matrix_rank(model.exog)) + 1

        if grid is None:
            grid = _grid(x[:, 0])
        n_par = model.exog.shape[1] - bs.dim_basis
        lin = np.asarray(res.params[:n_par])
        par_means = np.asarray(model.exog[:, :n_par].mean(axis=0))
        basis = bs.transform(np.asarray(grid, float)[:, None])
        curve = float(par_means @ lin) + basis @ np.asarray(res.params[n_par:])
        names = list(model.exog_names)
        params = pd.Series(np.asarray(res.params), index=names)
        bse = pd.Series(np.asarray(res.bse), index=names)
        return RegressionResults(
            model="gam",
            formula=f"{self.formula} + s({self.smooth}, df={self.df})",
            params=params,
            bse=bse,
            tvalues=params / bse,
            pvalues=pd.Series(2 * stats.norm.sf(np.abs(params / bse)), index=names),
            llf=llf,
            nobs=len(self.data),
            k_params=k,
            statistic="z",
            extra={"curve": pd.DataFrame({"x": grid, "fitted": curve}),
                   "alpha": self.alpha},
            raw=res,
        )


def _grid(x: np.ndarray, n: int = 100) -> np.ndarray:
    lo, hi = np.nanquantile(x, [0.005, 0.995])
    return np.linspace(lo, hi, n)


@dataclass
class ShapeComparison:
    """Comparison of shapes of one predictor's effect.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per shape: ``shape, llf, k_params, aic, delta_aic`` (AIC minus
        the best AIC).
    lr_linear_vs_spline : dict
        ``statistic``, ``df`` and ``p_value`` of the likelihood-ratio test of the
        linear model nested in the spline.
    curves : pandas.DataFrame
        ``x`` and one fitted column per shape, for plotting.
    best : str
        Shape with the lowest AIC.
    results : dict of RegressionResults
        The fitted models by shape.
    """

    table: pd.DataFrame
    lr_linear_vs_spline: dict[str, float]
    curves: pd.DataFrame
    best: str
    results: dict[str, RegressionResults]


def compare_shapes(data: pd.DataFrame, measure: str, predictor: str,
                   covariates: Sequence[str] = (), *, df: int = 6, degree: int = 3,
                   log_offset: float = 1.0) -> ShapeComparison:
    """Compare linear, logarithmic and spline shapes of ``predictor``'s effect.

    Shapes: ``linear`` (``measure ~ covariates + x``), ``log``
    (``... + log(x + log_offset)``, the offset keeps zero surprisal finite) and
    ``spline`` (:class:`GAMModel`, unpenalised B-splines with ``df`` bases).
    All are Gaussian ML fits on the same rows, compared by AIC; linear vs spline
    also by a likelihood-ratio test (nested).

    Parameters
    ----------
    data : pandas.DataFrame
        Table with ``measure``, ``predictor`` and ``covariates``.
    measure, predictor : str
        Response and the predictor whose shape is tested.
    covariates : sequence of str
        Other predictors, entered linearly.
    df, degree : int
        Spline basis size and degree.
    log_offset : float, default 1.0
        Added before the logarithm; must make ``x + log_offset`` positive.

    Returns
    -------
    ShapeComparison
    """
    cols = [measure, predictor, *covariates]
    sub = data.loc[data[cols].notna().all(axis=1), cols].copy()
    if (sub[predictor] + log_offset <= 0).any():
        raise ValueError(f"{predictor} + log_offset={log_offset} is not positive for "
                         "some rows; raise log_offset")
    sub["_log_x"] = np.log(sub[predictor] + log_offset)
    rhs = " + ".join(term_name(c) for c in covariates) or "1"
    lhs = term_name(measure)
    grid = _grid(sub[predictor].to_numpy(float))
    cov_means = sub[list(covariates)].mean() if covariates else pd.Series(dtype=float)

    results: dict[str, RegressionResults] = {}
    curves = pd.DataFrame({"x": grid})
    for shape, term, transform in (
        ("linear", term_name(predictor), lambda g: g),
        ("log", "_log_x", lambda g: np.log(g + log_offset)),
    ):
        res = OLSModel(f"{lhs} ~ {rhs} + {term}", sub).fit()
        res.model = "glm"
        const = res.params["Intercept"] + sum(
            res.params[term_name(c)] * cov_means[c] for c in covariates
        )
        curves[shape] = const + res.params[term] * transform(grid)
        results[shape] = res
    gam = GAMModel(f"{lhs} ~ {rhs}", sub, predictor, df=df, degree=degree).fit(grid)
    curves["spline"] = gam.extra["curve"]["fitted"].to_numpy()
    results["spline"] = gam

    table = pd.DataFrame(
        [{"shape": s, "llf": r.llf, "k_params": r.k_params, "aic": r.aic}
         for s, r in results.items()]
    )
    table["delta_aic"] = table["aic"] - table["aic"].min()
    lin, spl = results["linear"], results["spline"]
    lr = 2 * (spl.llf - lin.llf)
    ddf = spl.k_params - lin.k_params
    lr_test = {"statistic": float(lr), "df": int(ddf),
               "p_value": float(stats.chi2.sf(lr, ddf)) if ddf > 0 else np.nan}
    best = str(table.loc[table["aic"].idxmin(), "shape"])
    return ShapeComparison(table, lr_test, curves, best, results)


__all__ = [
    "GAMModel",
    "MissingDataWarning",
    "MixedModel",
    "ModelConvergenceWarning",
    "OLSModel",
    "RegressionResults",
    "ShapeComparison",
    "compare_shapes",
    "gaussian_llf",
    "term_name",
]
