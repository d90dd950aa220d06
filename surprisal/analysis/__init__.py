"""Statistical analysis of reading times against surprisal and other predictors.

Modules
-------
predictors
    Word length, log frequency, positions, spillover copies within items.
exclusions
    Named, counted exclusion steps and corpus presets.
models
    OLS, linear mixed-effects (MixedLM) and GAM shape tests with a results object.
crossval
    Cross-validated delta log-likelihood per word, bootstrap CI, sign-flip test.
diagnostics
    Alignment check: do words not yet displayed predict the reading time?
report
    ``make_report(config, out_dir)``: tables, figures, Markdown and HTML.

This package never imports torch: it runs on any table of predictors.
"""

from surprisal.analysis._io import AnalysisWarning, read_table
from surprisal.analysis.crossval import (
    DeltaLLResult,
    FewGroupsWarning,
    compare_predictor_sets,
    delta_loglik,
)
from surprisal.analysis.diagnostics import (
    AlignmentResult,
    AlignmentWarning,
    check_alignment,
    check_alignment_file,
)
from surprisal.analysis.exclusions import ExclusionPipeline, ExclusionResult, preset
from surprisal.analysis.models import (
    GAMModel,
    MissingDataWarning,
    MixedModel,
    ModelConvergenceWarning,
    OLSModel,
    RegressionResults,
    compare_shapes,
)
from surprisal.analysis.predictors import (
    add_baseline_predictors,
    add_position_predictors,
    add_spillover,
    log_frequency_from_counts,
    word_length,
    zipf_frequency,
)
from surprisal.analysis.report import ReportResult, make_report

__all__ = [
    "AlignmentResult",
    "AlignmentWarning",
    "AnalysisWarning",
    "DeltaLLResult",
    "ExclusionPipeline",
    "ExclusionResult",
    "FewGroupsWarning",
    "GAMModel",
    "MissingDataWarning",
    "MixedModel",
    "ModelConvergenceWarning",
    "OLSModel",
    "RegressionResults",
    "ReportResult",
    "add_baseline_predictors",
    "add_position_predictors",
    "add_spillover",
    "check_alignment",
    "check_alignment_file",
    "compare_predictor_sets",
    "compare_shapes",
    "delta_loglik",
    "log_frequency_from_counts",
    "make_report",
    "preset",
    "read_table",
    "word_length",
    "zipf_frequency",
]
