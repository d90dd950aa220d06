"""Reading-time report: from a config and a merged table to a folder of results.

:func:`make_report` reads a merged per-word (or per-reader) table, adds the
baseline predictors, spillover and exclusions, fits the models, cross-validates
every predictor set against the baseline, tests the shape of the surprisal effect
and writes::

    out_dir/
      report.md, report.html
      config.json              the resolved config (defaults filled in)
      versions.json            python, pandas, numpy, scipy, statsmodels,
                               matplotlib, wordfreq, delta-surprisal
      tables/{coefficients,delta_ll,exclusions,shapes,alignment}.{csv,tex}
      figures/{coefficients,delta_ll,surprisal_curve,
               delta_ll_vs_perplexity}.{png,pdf}

``alignment`` files are written when ``alignment_check`` is true (default);
``delta_ll_vs_perplexity`` only when the config gives perplexities (otherwise a
logged note, repeated in the report). Every file is written atomically.

Config (JSON or TOML file, or a dict)
-------------------------------------
Required: ``data`` (path of a CSV/TSV/Parquet table; relative to the config
file), ``models`` (name -> list of predictor columns, e.g.
``{"gpt2": ["surprisal_gpt2"], "delta+entropy": ["surprisal_delta",
"entropy_bits"]}``; the first column of each is the one whose slope is reported).
Optional, with defaults in :data:`DEFAULT_CONFIG`: ``measure``, column names
(``item``, ``position``, ``word``, ``sentence``, ``position_in_sentence``,
``subject``), ``baseline`` (``length`` and ``log_freq`` are computed when absent:
characters without attached punctuation, wordfreq Zipf), ``frequency_counts``
(path of a two-column ``word<TAB>count`` file, no header, e.g. the training
corpus's counts: ``log_freq`` then comes from it, add-one smoothed, log10 per
billion), ``spillover`` (k; None
takes the preset's), ``no_spillover`` (baseline columns entered at lag 0 only),
``exclusions`` (a preset name or ``{"preset": name, ...overrides}``), ``folds``,
``fold_by`` ({"row", "item"}), ``seed``, ``n_boot``, ``n_perm``, ``cluster``
(column for cluster-robust SEs, or null), ``mixed`` (also fit MixedLM on
per-reader data: by-reader intercept and slope of the main predictor),
``mixed_crossed`` (column of a crossed intercept, e.g. ``"item"``, see
:class:`~surprisal.analysis.models.MixedModel`), ``perplexity`` (model name ->
perplexity), ``shape_df``, ``alignment_check``, ``title``.
"""

from __future__ import annotations

import html
import json
import logging
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from surprisal.analysis import exclusions as excl
from surprisal.analysis._io import atomic_path, atomic_write_text, read_table
from surprisal.analysis.crossval import compare_predictor_sets
from surprisal.analysis.diagnostics import check_alignment
from surprisal.analysis.models import MixedModel, OLSModel, compare_shapes, term_name
from surprisal.analysis.predictors import (
    add_baseline_predictors,
    add_position_predictors,
    add_spillover,
    spillover_names,
)

logger = logging.getLogger(__name__)

DEFAULT_CONFIG: dict[str, Any] = {
    "data": None,
    "models": None,
    "measure": "rt",
    "item": "item",
    "position": "position",
    "word": "word",
    "sentence": "sentence",
    "position_in_sentence": "position_in_sentence",
    "subject": None,
    "baseline": ["length", "log_freq", "position_in_sentence"],
    "frequency_counts": None,
    "no_spillover": ["position", "position_in_sentence"],
    "spillover": None,
    "exclusions": "natural_stories_spr",
    "folds": 10,
    "fold_by": "row",
    "seed": 0,
    "n_boot": 1000,
    "n_perm": 1000,
    "cluster": "item",
    "mixed": False,
    "mixed_crossed": None,
    "perplexity": None,
    "shape_df": 6,
    "alignment_check": True,
    "title": "Surprisal and reading times",
}
"""Every config key with its default; ``data`` and ``models`` are required."""


@dataclass
class ReportResult:
    """What :func:`make_report` produced.

    Attributes
    ----------
    out_dir : pathlib.Path
        The report folder.
    files : list of pathlib.Path
        Every file written.
    tables : dict of str to pandas.DataFrame
        The tables, by name.
    notes : list of str
        Notes shown in the report (skipped parts, warnings).
    config : dict
        The resolved config.
    """

    out_dir: Path
    files: list[Path] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)


# -- config ---------------------------------------------------------------------


def load_config(config: Mapping[str, Any] | str | os.PathLike) -> dict[str, Any]:
    """Resolve a config dict or JSON/TOML file: defaults filled, keys checked.

    A relative ``data`` path in a file is taken relative to the file's folder.
    """
    base = Path.cwd()
    if not isinstance(config, Mapping):
        path = Path(config)
        if not path.exists():
            raise FileNotFoundError(f"config {path} does not exist")
        if path.suffix.lower() == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError as err:
                raise ValueError(f"{path}: reading TOML needs Python >= 3.11; use a "
                                 "JSON config") from err
            config = tomllib.loads(path.read_text(encoding="utf-8"))
        elif path.suffix.lower() == ".json":
            config = json.loads(path.read_text(encoding="utf-8"))
        else:
            raise ValueError(f"config {path}: use a .json or .toml file")
        base = path.resolve().parent
    unknown = sorted(set(config) - set(DEFAULT_CONFIG))
    if unknown:
        raise ValueError(f"unknown config key(s) {unknown}; allowed: "
                         f"{sorted(DEFAULT_CONFIG)}")
    cfg = {**DEFAULT_CONFIG, **dict(config)}
    for key in ("data", "models"):
        if not cfg[key]:
            raise ValueError(f"config key {key!r} is required; see "
                             "surprisal.analysis.report's docstring")
    if not isinstance(cfg["models"], Mapping) or not all(
        isinstance(v, list | tuple) and v for v in cfg["models"].values()
    ):
        raise ValueError("config 'models' must map each model name to a non-empty "
                         'list of predictor columns, e.g. {"gpt2": ["surprisal_gpt2"]}')
    if cfg["fold_by"] not in {"row", "item"}:
        raise ValueError(f"fold_by={cfg['fold_by']!r}; use 'row' or 'item'")
    if cfg["mixed"] and not cfg["subject"]:
        raise ValueError("config 'mixed' is true but 'subject' is not set: a mixed "
                         "model needs the column of participants, e.g. "
                         '"subject": "participant", on a table with one row per '
                         "participant and word; or set 'mixed' to false for "
                         "per-word mean reading times")
    for key in ("data", "frequency_counts"):
        if cfg[key]:
            path = Path(cfg[key])
            cfg[key] = str(path if path.is_absolute() else base / path)
    return cfg


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages the analysis depends on."""
    import surprisal

    out = {"python": platform.python_version()}
    for dist in ("pandas", "numpy", "scipy", "statsmodels", "matplotlib", "wordfreq"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    out["delta-surprisal"] = surprisal.__version__
    return out


# -- rendering --------------------------------------------------------------------

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$",
                  "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _fmt(v: Any) -> str:
    if isinstance(v, float | np.floating):
        if not np.isfinite(v):
            return "" if np.isnan(v) else str(v)
        return f"{v:.4g}"
    return str(v)


def to_latex(table: pd.DataFrame, caption: str = "") -> str:
    """A booktabs ``tabular`` (in a ``table`` float) of ``table``, no index."""
    def esc(s: str) -> str:
        return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in s)

    cols = list(table.columns)
    lines = ["\\begin{table}", "\\centering"]
    if caption:
        lines.append(f"\\caption{{{esc(caption)}}}")
    lines += [f"\\begin{{tabular}}{{{'l' * len(cols)}}}", "\\toprule",
              " & ".join(esc(str(c)) for c in cols) + " \\\\", "\\midrule"]
    for row in table.itertuples(index=False):
        lines.append(" & ".join(esc(_fmt(v)) for v in row) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}", "\\end{table}", ""]
    return "\n".join(lines)


def _markdown_table(table: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        return _fmt(v).replace("|", "\\|")

    head = "| " + " | ".join(cell(c) for c in table.columns) + " |"
    rule = "|" + "---|" * len(table.columns)
    rows = ["| " + " | ".join(cell(v) for v in r) + " |"
            for r in table.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def _render(blocks: list[tuple], title: str) -> tuple[str, str]:
    """Render report blocks to (markdown, html)."""
    md, body = [f"# {title}", ""], [f"<h1>{html.escape(title)}</h1>"]
    for kind, *args in blocks:
        if kind == "h":
            md += [f"## {args[0]}", ""]
            body.append(f"<h2>{html.escape(args[0])}</h2>")
        elif kind == "p":
            md += [args[0], ""]
            body.append(f"<p>{html.escape(args[0])}</p>")
        elif kind == "table":
            md += [_markdown_table(args[0]), ""]
            body.append(args[0].to_html(index=False, float_format=_fmt, border=0))
        elif kind == "fig":
            md += [f"![{args[1]}]({args[0]})", ""]
            body.append(f'<figure><img src="{html.escape(args[0])}" width="600">'
                        f"<figcaption>{html.escape(args[1])}</figcaption></figure>")
    page = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>"
            "body{font-family:sans-serif;max-width:60em;margin:auto}"
            "table{border-collapse:collapse}td,th{padding:2px 8px;"
            "border-bottom:1px solid #ccc;text-align:right}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
    return "\n".join(md), page


# -- figures ----------------------------------------------------------------------


def _save_figure(fig, stem: Path, files: list[Path]) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.tight_layout()
    for ext in ("png", "pdf"):
        target = stem.with_suffix(f".{ext}")
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=ext, dpi=150)
        files.append(target)


def _figure(width: float = 6.0, height: float = 4.0):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def _coefficient_plot(coefs: pd.DataFrame, model: str, stem: Path,
                      files: list[Path]) -> None:
    sub = coefs[(coefs["model"] == model) & (coefs["term"] != "Intercept")]
    fig, ax = _figure(6, 0.5 + 0.3 * len(sub))
    y = np.arange(len(sub))[::-1]
    ax.errorbar(sub["coef"], y, xerr=[sub["coef"] - sub["ci_low"],
                                      sub["ci_high"] - sub["coef"]], fmt="o")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, sub["term"])
    ax.set_xlabel("coefficient (measure units per predictor unit), 95% CI")
    ax.set_title(f"OLS coefficients, model {model}")
    _save_figure(fig, stem, files)


def _delta_ll_plot(dll: pd.DataFrame, stem: Path, files: list[Path]) -> None:
    fig, ax = _figure(6, 0.8 + 0.4 * len(dll))
    y = np.arange(len(dll))[::-1]
    ax.errorbar(dll["delta_ll_per_word"], y,
                xerr=[dll["delta_ll_per_word"] - dll["ci_low"],
                      dll["ci_high"] - dll["delta_ll_per_word"]], fmt="o")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, dll["name"])
    ax.set_xlabel("delta log-likelihood per word over baseline (nats), 95% CI")
    _save_figure(fig, stem, files)


def _curve_plot(data: pd.DataFrame, measure: str, predictor: str, curves: pd.DataFrame,
                stem: Path, files: list[Path], n_bins: int = 20) -> None:
    x, y = data[predictor], data[measure]
    bins = pd.qcut(x, q=min(n_bins, x.nunique()), duplicates="drop")
    grouped = pd.DataFrame({"x": x, "y": y}).groupby(bins, observed=True)
    means = grouped.agg(x=("x", "mean"), y=("y", "mean"), sd=("y", "std"),
                        n=("y", "size"))
    fig, ax = _figure()
    ax.errorbar(means["x"], means["y"], yerr=means["sd"] / np.sqrt(means["n"]),
                fmt="o", color="black", label="binned means (±1 SE)")
    for shape in [c for c in curves.columns if c != "x"]:
        ax.plot(curves["x"], curves[shape], label=f"{shape} fit")
    ax.set_xlabel(predictor)
    ax.set_ylabel(measure)
    ax.legend()
    _save_figure(fig, stem, files)


def _perplexity_plot(dll: pd.DataFrame, ppl: Mapping[str, float], stem: Path,
                     files: list[Path]) -> None:
    sub = dll[dll["name"].isin(list(ppl))]
    fig, ax = _figure()
    p = np.array([ppl[n] for n in sub["name"]], dtype=float)
    ax.errorbar(p, sub["delta_ll_per_word"],
                yerr=[sub["delta_ll_per_word"] - sub["ci_low"],
                      sub["ci_high"] - sub["delta_ll_per_word"]], fmt="o")
    for name, px, d in zip(sub["name"], p, sub["delta_ll_per_word"], strict=True):
        ax.annotate(name, (px, d), textcoords="offset points", xytext=(4, 4))
    ax.set_xscale("log")
    ax.set_xlabel("perplexity (log scale)")
    ax.set_ylabel("delta log-likelihood per word (nats)")
    _save_figure(fig, stem, files)


# -- the report ---------------------------------------------------------------------


def _write_table(table: pd.DataFrame, name: str, caption: str, tdir: Path,
                 files: list[Path]) -> None:
    atomic_write_text(tdir / f"{name}.csv", table.to_csv(index=False))
    atomic_write_text(tdir / f"{name}.tex", to_latex(table, caption))
    files += [tdir / f"{name}.csv", tdir / f"{name}.tex"]


def prepare_table(cfg: Mapping[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read the table and add baseline predictors and spillover copies.

    Returns the table and a dict with ``baseline`` (columns with lags),
    ``models`` (name -> columns with lags) and the pipeline ``preset``.
    """
    data = read_table(cfg["data"])
    baseline = list(cfg["baseline"])
    need_len = "length" in baseline and "length" not in data.columns
    need_freq = "log_freq" in baseline and "log_freq" not in data.columns
    if need_len or need_freq:
        frequency: Any = "wordfreq"
        if cfg["frequency_counts"]:
            counts = pd.read_csv(cfg["frequency_counts"], sep="\t", header=None,
                                 names=["word", "count"], keep_default_na=False,
                                 quoting=3)
            frequency = counts.set_index("word")["count"]
        added = add_baseline_predictors(data, word=cfg["word"], frequency=frequency)
        for col in ("length", "log_freq"):
            if col not in data.columns:
                data[col] = added[col]
                data.attrs.setdefault("predictor_sources", {})[col] = added.attrs[
                    "predictor_sources"][col]
    if cfg["position_in_sentence"] in baseline:
        data = add_position_predictors(
            data, item=cfg["item"], position=cfg["position"],
            sentence=cfg["sentence"], position_in_sentence=cfg["position_in_sentence"])

    spec = cfg["exclusions"]
    spec = {"preset": spec} if isinstance(spec, str) else dict(spec)
    preset_name = spec.pop("preset")
    if preset_name not in excl.PRESETS:
        raise ValueError(f"exclusions preset {preset_name!r} is not one of "
                         f"{sorted(excl.PRESETS)}")
    k = cfg["spillover"]
    if k is None:
        k = excl.PRESETS[preset_name]["spillover"]
    spill = [c for c in baseline if c not in cfg["no_spillover"]]
    model_cols = list(dict.fromkeys(c for v in cfg["models"].values() for c in v))
    data = add_spillover(data, spill + model_cols, k, item=cfg["item"],
                         position=cfg["position"], subject=cfg["subject"])
    base_cols = spillover_names(spill, k) + [c for c in baseline if c not in spill]
    models = {n: spillover_names(v, k) for n, v in cfg["models"].items()}
    used = list(dict.fromkeys(base_cols + [c for v in models.values() for c in v]))
    pipeline = excl.preset(
        preset_name, measure=cfg["measure"], model_columns=used,
        subject=cfg["subject"], item=cfg["item"], sentence=cfg["sentence"],
        position_in_sentence=cfg["position_in_sentence"], **spec)
    return data, {"baseline": base_cols, "models": models, "pipeline": pipeline,
                  "spillover": k}


def make_report(config: Mapping[str, Any] | str | os.PathLike,
                out_dir: str | os.PathLike) -> ReportResult:
    """Run the analysis described by ``config`` and write the report to ``out_dir``.

    Parameters
    ----------
    config : dict or path
        Config dict, or a JSON/TOML file (see the module docstring).
    out_dir : path
        Output folder (created if needed; existing files are replaced).

    Returns
    -------
    ReportResult
        The folder, every written file, the tables and the notes.

    Examples
    --------
    >>> make_report({"data": "merged.tsv",
    ...              "models": {"gpt2": ["surprisal_gpt2"]}}, "out")  # doctest: +SKIP
    """
    cfg = load_config(config)
    out = Path(out_dir)
    tdir, fdir = out / "tables", out / "figures"
    for d in (out, tdir, fdir):
        d.mkdir(parents=True, exist_ok=True)
    result = ReportResult(out_dir=out, config=cfg)
    files, notes, tables = result.files, result.notes, result.tables
    measure, item = cfg["measure"], cfg["item"]

    # predictors, spillover (before exclusions, so lags see every word), exclusions
    raw, spec = prepare_table(cfg)
    excluded = spec["pipeline"].apply(raw)
    data = excluded.data
    tables["exclusions"] = excluded.table
    logger.info("report: %d of %d rows kept", len(data), len(raw))

    # alignment check on the table before exclusions (neighbours must be present)
    main = next(iter(cfg["models"]))
    main_pred = cfg["models"][main][0]
    if cfg["alignment_check"]:
        align = check_alignment(
            raw, measure, main_pred, "length", item=item, position=cfg["position"],
            subject=cfg["subject"], word=cfg["word"])
        tables["alignment"] = align.terms
        tables["alignment_shifts"] = align.shifts
        if align.flagged:
            notes.append(f"ALIGNMENT WARNING: a not-yet-displayed word predicts "
                         f"{measure} (max |t| = {align.max_lead_t:.1f}); best shift "
                         f"{align.best_shift:+d}.")

    # in-sample regressions, one per model
    coefs = []
    for name, cols in spec["models"].items():
        full = list(dict.fromkeys(spec["baseline"] + cols))
        formula = f"{term_name(measure)} ~ " + " + ".join(map(term_name, full))
        res = OLSModel(formula, data, cluster=cfg["cluster"]).fit()
        frame = res.summary_frame().reset_index()
        frame.insert(0, "model", name)
        frame["fit"] = f"ols ({res.cov_type})"
        coefs.append(frame)
        if cfg["mixed"] and cfg["subject"] and name == main:
            mres = MixedModel(formula, data, subject=cfg["subject"],
                              slope=main_pred, crossed=cfg["mixed_crossed"]).fit()
            mframe = mres.summary_frame().reset_index()
            mframe.insert(0, "model", name)
            mframe["fit"] = "mixedlm (ML)"
            coefs.append(mframe)
    tables["coefficients"] = pd.concat(coefs, ignore_index=True)

    # cross-validated predictive power
    sets = {n: [c for c in cols if c not in spec["baseline"]]
            for n, cols in spec["models"].items()}
    dll = compare_predictor_sets(
        data, measure, spec["baseline"], sets, k=cfg["folds"], seed=cfg["seed"],
        group=item if cfg["fold_by"] == "item" else None, n_boot=cfg["n_boot"],
        n_perm=cfg["n_perm"], slope_terms={n: v[0] for n, v in cfg["models"].items()},
        cluster=cfg["cluster"])
    tables["delta_ll"] = dll

    # shape of the main predictor's effect
    covariates = [c for c in spec["baseline"] + spec["models"][main] if c != main_pred]
    shapes = compare_shapes(data, measure, main_pred, covariates, df=cfg["shape_df"])
    tables["shapes"] = shapes.table
    lr = shapes.lr_linear_vs_spline

    # files: tables, figures, text, provenance
    captions = {
        "exclusions": "Exclusion steps, in order",
        "coefficients": "Regression coefficients (95% CI)",
        "delta_ll": "Cross-validated delta log-likelihood per word (nats)",
        "shapes": f"Shape of the {main_pred} effect",
        "alignment": "Alignment check: t values of words z-3 to z+2",
        "alignment_shifts": "Alignment check: fit by shift of the measure",
    }
    for name, table in tables.items():
        _write_table(table, name, captions[name], tdir, files)
    _coefficient_plot(tables["coefficients"], main, fdir / "coefficients", files)
    _delta_ll_plot(dll, fdir / "delta_ll", files)
    _curve_plot(data, measure, main_pred, shapes.curves, fdir / "surprisal_curve",
                files)
    ppl = cfg["perplexity"] or {}
    if any(n in ppl for n in dll["name"]):
        _perplexity_plot(dll, ppl, fdir / "delta_ll_vs_perplexity", files)
    else:
        msg = "no perplexities in the config: delta LL vs perplexity figure skipped"
        logger.info(msg)
        notes.append(msg)

    sources = raw.attrs.get("predictor_sources", {})
    blocks: list[tuple] = [
        ("p", f"Data: {cfg['data']}; measure {measure}; {len(raw)} rows read, "
              f"{len(data)} analysed; spillover k = {spec['spillover']}; "
              f"exclusion preset {spec['pipeline'].name}."),
        *[("p", f"{col}: {src}") for col, src in sources.items()],
        *[("p", n) for n in notes],
        ("h", "Exclusions"), ("table", tables["exclusions"], ""),
        ("h", "Predictive power"),
        ("p", f"{cfg['folds']}-fold cross-validation by {cfg['fold_by']}, seed "
              f"{cfg['seed']}; baseline: {', '.join(spec['baseline'])}. CI: "
              f"percentile bootstrap ({cfg['n_boot']}); p: one-sided sign-flip "
              f"permutation test ({cfg['n_perm']}). slope: in-sample OLS, measure "
              "units per predictor unit (ms per bit for RT and surprisal in bits)."),
        ("table", dll, ""), ("fig", "figures/delta_ll.png", "delta LL per model"),
        ("h", "Coefficients"), ("table", tables["coefficients"], ""),
        ("fig", "figures/coefficients.png", f"coefficients of {main}"),
        ("h", "Shape of the effect"),
        ("p", f"Best shape by AIC: {shapes.best}. Linear vs spline LR test: "
              f"chi2 = {lr['statistic']:.2f}, df = {lr['df']}, "
              f"p = {lr['p_value']:.3g}."),
        ("table", shapes.table, ""),
        ("fig", "figures/surprisal_curve.png", f"{measure} by {main_pred}"),
    ]
    if "delta_ll_vs_perplexity" in {f.stem for f in files}:
        blocks.append(("fig", "figures/delta_ll_vs_perplexity.png",
                       "delta LL against perplexity"))
    if "alignment" in tables:
        blocks += [("h", "Alignment check"), ("table", tables["alignment"], ""),
                   ("table", tables["alignment_shifts"], "")]
    versions = package_versions()
    blocks += [("h", "Provenance"),
               ("p", "; ".join(f"{k} {v}" for k, v in versions.items())),
               ("p", "Config: config.json")]
    md, page = _render(blocks, cfg["title"])
    for name, text in (("report.md", md), ("report.html", page),
                       ("config.json", json.dumps(cfg, indent=2, default=str)),
                       ("versions.json", json.dumps(versions, indent=2))):
        files.append(atomic_write_text(out / name, text))
    logger.info("report written to %s (%d files)", out, len(files))
    return result


__all__ = [
    "DEFAULT_CONFIG",
    "ReportResult",
    "load_config",
    "make_report",
    "package_versions",
    "prepare_table",
    "to_latex",
]
