"""A real analysis of Natural Stories: per-word means and the per-reader data of
stories 6-10, with the default model's surprisal and the published GPT-2's."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from surprisal.align import score_stimuli, tokens_to_words
from surprisal.analysis import MixedModel, check_alignment
from surprisal.cli import main
from surprisal.corpora import (
    analysis_table,
    natural_stories_table,
    natural_stories_text_variants,
    read_boyce_levy_2023,
    read_natural_stories,
    read_natural_stories_stimuli,
)

REPO = Path(__file__).resolve().parents[2]
DATA = (REPO / "../shared/data").resolve()
NS = DATA / "natural_stories"
BOYCE = DATA / "natural_stories_published_surprisal/boyce_levy_2023_maze_repo"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"{DATA} not found"),
]




@pytest.fixture(scope="module")
def tables(default_model, tmp_path_factory):
    out = {}
    folder = tmp_path_factory.mktemp("ns")
    # The words are scored once; each pairing of RTs joins the same scores.
    stimuli = read_natural_stories_stimuli(NS)[0]
    scored = [score_stimuli(stimuli, default_model),
              tokens_to_words(stimuli, read_boyce_levy_2023(BOYCE, model="gpt2"),
                              "gpt2", variants=natural_stories_text_variants(NS))]
    for alignment in ("corrected", "released"):
        corpus = read_natural_stories(NS, alignment=alignment)
        table = analysis_table(corpus, scored, measure="rt")
        path = folder / f"ns_{alignment}.tsv"
        table.to_csv(path, sep="\t", index=False)
        out[alignment] = (table, path)
    return out


def test_check_alignment_flags_the_released_table_and_passes_the_corrected(tables):
    runner = CliRunner()
    for alignment, code in (("released", 3), ("corrected", 0)):
        res = runner.invoke(main, ["check-alignment", str(tables[alignment][1]),
                                   "--surprisal", "surprisal_bits_gpt2"])
        assert res.exit_code == code, res.output
        assert ("MISALIGNED" in res.output) == (alignment == "released")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        released = check_alignment(tables["released"][0], "rt", "surprisal_bits")
        corrected = check_alignment(tables["corrected"][0], "rt", "surprisal_bits")
    assert released.flagged and released.best_shift == -1
    assert not corrected.flagged and corrected.best_shift == 0


def test_report_on_per_word_means(tables, tmp_path):
    config = {
        "data": str(tables["corrected"][1]),
        "models": {"delta": ["surprisal_bits"], "gpt2": ["surprisal_bits_gpt2"],
                   "delta+gate": ["surprisal_bits", "gate_l1"]},
        "exclusions": "natural_stories_spr", "n_boot": 200, "n_perm": 200,
    }
    cfg = tmp_path / "report.json"
    cfg.write_text(json.dumps(config))
    res = CliRunner().invoke(main, ["report", str(cfg), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    dll = pd.read_csv(tmp_path / "r/tables/delta_ll.csv").set_index("name")
    assert set(dll.index) == {"delta", "gpt2", "delta+gate"}
    # Both models' surprisal improve held-out fit, with a CI above 0, and the
    # slope is positive: more surprising words are read more slowly.
    assert (dll.loc[["delta", "gpt2"], "ci_low"] > 0).all()
    assert (dll.loc[["delta", "gpt2"], "slope"] > 0).all()
    for name in ("report.md", "report.html", "figures/delta_ll.png",
                 "figures/surprisal_curve.pdf", "tables/exclusions.tex"):
        assert (tmp_path / "r" / name).is_file()


def test_mixed_model_on_per_reader_stories_6_to_10(default_model):
    table = natural_stories_table(NS, default_model, measures="per_subject",
                                  published=())
    assert set(table.item) == {6, 7, 8, 9, 10}
    assert table.subject.nunique() == 88
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check = check_alignment(table, "rt", "surprisal_bits", subject="subject")
    assert not check.flagged
    data = table[(table.position_in_sentence > 1) & ~table.has_punct].copy()
    data["length"] = data.word.str.len()
    fit = MixedModel("rt ~ surprisal_bits + length", data, subject="subject",
                     slope="surprisal_bits").fit()
    low, high = fit.conf_int().loc["surprisal_bits"]
    assert low > 0 and np.isfinite(fit.llf)
