"""Report: runs on a small synthetic merged table and writes every promised file."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from surprisal.analysis.report import load_config, make_report, to_latex

from ._synth import per_reader_rt, per_word_rt

TABLES = ["coefficients", "delta_ll", "exclusions", "shapes", "alignment"]
FIGURES = ["coefficients", "delta_ll", "surprisal_curve", "delta_ll_vs_perplexity"]


@pytest.fixture
def config(tmp_path):
    per_word_rt(n_items=4, n_words=80, seed=31).to_csv(tmp_path / "merged.csv",
                                                       index=False)
    return {
        "data": str(tmp_path / "merged.csv"),
        "models": {"delta": ["surprisal_bits"], "gpt2": ["surprisal_gpt2"],
                   "delta+entropy": ["surprisal_bits", "entropy_bits"]},
        "baseline": ["length", "log_freq", "position_in_sentence"],
        "spillover": 1, "folds": 5, "seed": 3, "n_boot": 50, "n_perm": 50,
        "perplexity": {"delta": 80.0, "gpt2": 30.0},
    }


def test_report_writes_every_promised_file(tmp_path, config):
    out = tmp_path / "report"
    res = make_report(config, out)
    expected = [out / n for n in ("report.md", "report.html", "config.json",
                                  "versions.json")]
    expected += [out / "tables" / f"{t}.{e}" for t in TABLES for e in ("csv", "tex")]
    expected += [out / "figures" / f"{f}.{e}" for f in FIGURES for e in ("png", "pdf")]
    for path in expected:
        assert path.is_file() and path.stat().st_size > 0, path
        assert path in res.files
    assert not [p for p in out.rglob(".*") if p.is_file()]  # no temp files left

    versions = json.loads((out / "versions.json").read_text())
    assert {"python", "pandas", "statsmodels", "numpy", "wordfreq",
            "delta-surprisal"} <= set(versions)
    saved = json.loads((out / "config.json").read_text())
    assert saved["models"] == config["models"] and saved["fold_by"] == "row"

    dll = pd.read_csv(out / "tables" / "delta_ll.csv")
    assert list(dll["name"]) == ["delta", "gpt2", "delta+entropy"]
    assert (dll["delta_ll_per_word"] > 0).all()
    excl = pd.read_csv(out / "tables" / "exclusions.csv")
    assert (excl["rows_before"] - excl["removed"] == excl["rows_after"]).all()
    coefs = pd.read_csv(out / "tables" / "coefficients.csv")
    assert {"coef", "se", "statistic", "p", "ci_low", "ci_high"} <= set(coefs.columns)
    assert "\\toprule" in (out / "tables" / "delta_ll.tex").read_text()
    md = (out / "report.md").read_text()
    assert "figures/delta_ll.png" in md and "wordfreq" in md


def test_report_without_perplexity_skips_figure_with_note(tmp_path, config):
    del config["perplexity"]
    config["alignment_check"] = False
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**config, "data": "merged.csv"}))  # relative path
    res = make_report(path, tmp_path / "out")
    assert not (tmp_path / "out" / "figures" / "delta_ll_vs_perplexity.png").exists()
    assert any("perplexit" in n for n in res.notes)
    assert "perplexit" in (tmp_path / "out" / "report.md").read_text()


def test_report_on_per_reader_data_with_mixed_model(tmp_path):
    per_reader_rt(n_subjects=8, n_items=8, n_words=25, seed=32).to_csv(
        tmp_path / "reader.tsv", sep="\t", index=False)
    res = make_report({
        "data": str(tmp_path / "reader.tsv"), "subject": "subject", "mixed": True,
        "models": {"m": ["surprisal_bits"]}, "fold_by": "item", "folds": 4,
        "n_boot": 50, "n_perm": 50, "alignment_check": False,
        "exclusions": {"preset": "natural_stories_spr", "min_obs": 20},
    }, tmp_path / "out")
    coefs = res.tables["coefficients"].query("term == 'surprisal_bits'")
    assert list(coefs["fit"].str.split().str[0]) == ["ols", "mixedlm"]
    assert (coefs["ci_low"] < 5.0).all() and (coefs["ci_high"] > 5.0).all()
    assert "few_observations" in set(res.tables["exclusions"]["step"])


def test_toml_config_and_counts_table_frequency(tmp_path):
    per_word_rt(n_items=3, n_words=60, seed=33).to_csv(tmp_path / "m.csv",
                                                       index=False)
    (tmp_path / "counts.tsv").write_text("the\t900\nhouse\t99\n")
    (tmp_path / "c.toml").write_text(
        'data = "m.csv"\nfrequency_counts = "counts.tsv"\nfolds = 3\n'
        "n_boot = 20\nn_perm = 20\nalignment_check = false\n"
        '[models]\ndelta = ["surprisal_bits"]\n')
    res = make_report(tmp_path / "c.toml", tmp_path / "out")
    assert res.config["folds"] == 3
    md = (tmp_path / "out" / "report.md").read_text()
    assert "counts table (2 types, 999 tokens), add-1 smoothing" in md


def test_config_errors_name_the_key():
    with pytest.raises(ValueError, match="fold"):
        load_config({"data": "x.csv", "models": {"m": ["s"]}, "folds_by": "item"})
    with pytest.raises(ValueError, match="'models' is required"):
        load_config({"data": "x.csv"})
    with pytest.raises(ValueError, match="'mixed' is true but 'subject' is not set"):
        load_config({"data": "x.csv", "models": {"m": ["s"]}, "mixed": True})


def test_latex_escapes_special_characters():
    tex = to_latex(pd.DataFrame({"term": ["surprisal_bits"], "p": [0.5]}))
    assert "surprisal\\_bits" in tex


def test_analysis_never_imports_torch():
    code = "import sys, surprisal.analysis; print('torch' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, check=True)
    assert run.stdout.strip() == "False"
