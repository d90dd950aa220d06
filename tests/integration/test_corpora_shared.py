"""Integration tests of the corpus readers on the staged data in ../shared/data.

Counts asserted here are those stated in the data's PROVENANCE.md files.
"""

from pathlib import Path

import numpy as np
import pytest

from surprisal.corpora import (
    WordMismatchError,
    merge_measures,
    read_boyce_levy_2023,
    read_gpt3_logprobs,
    read_gpt_surp_trans,
    read_meco_en,
    read_motr_provo,
    read_natural_stories,
    read_natural_stories_means,
    read_pauli_levinson,
    read_spr_raw,
    verify_corpus,
)

REPO = Path(__file__).resolve().parents[2]
DATA = (REPO / "../shared/data").resolve()
NS = DATA / "natural_stories"
SPR = NS / "partial_per_subject_spr/batch2_raw_spr.brightp.csv.gz"
PUBLISHED = DATA / "natural_stories_published_surprisal"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"{DATA} not found"),
]


@pytest.fixture(autouse=True)
def _need_data():
    if not DATA.is_dir():
        pytest.skip(f"{DATA} not found")


@pytest.fixture(scope="module")
def per_subject():
    return {
        a: read_natural_stories(NS, measures="per_subject", alignment=a)
        for a in ("corrected", "released")
    }


def test_spr_raw_counts_match_provenance(per_subject):
    raw = read_spr_raw([SPR])
    assert len(raw) == 113_691
    assert raw["WorkerId"].nunique() == 98
    assert sorted(raw["item"].unique()) == [6, 7, 8, 9, 10]
    assert len(raw.groupby(["WorkerId", "item"])) == 112
    counts = per_subject["corrected"].meta["counts"]
    assert counts["raw_rows"] == 113_691 and counts["raw_workers"] == 98


def test_raw_zones_have_two_more_displays_than_words():
    stimuli = read_natural_stories(NS).stimuli
    n_words = stimuli.groupby("item").size()
    raw = read_spr_raw([SPR])
    n_zones = raw.groupby("item")["zone"].max()
    assert (n_zones == n_words.loc[n_zones.index] + 2).all()


def test_natural_stories_word_count_and_filters(per_subject):
    corpus = per_subject["corrected"]
    assert len(corpus.stimuli) == 10_256
    rt = corpus.measures["value"]
    assert rt.gt(100).all() and rt.lt(3000).all()
    assert corpus.meta["corrections"]
    assert per_subject["released"].meta["corrections"] == []


def _r_with_subject_means(means, measures):
    subject_mean = measures.groupby(["item", "position"])["value"].mean()
    joined = means.set_index(["item", "position"])["value"].to_frame("m")
    joined = joined.join(subject_mean.rename("s"), how="inner")
    return np.corrcoef(joined["m"], joined["s"])[0, 1]


def test_corrected_means_match_zone_minus_one(per_subject):
    # Measured on the staged copy: r = 0.82 (corrected with zone - 1),
    # 0.58 (corrected with zone - 2), 0.59 (released with zone - 1).
    corrected = read_natural_stories_means(NS, alignment="corrected")
    released = read_natural_stories_means(NS, alignment="released")
    r_good = _r_with_subject_means(corrected, per_subject["corrected"].measures)
    r_bad = _r_with_subject_means(released, per_subject["corrected"].measures)
    r_script = _r_with_subject_means(corrected, per_subject["released"].measures)
    assert r_good > 0.75
    assert r_bad < 0.7 and r_script < 0.7
    assert r_good - max(r_bad, r_script) > 0.1


def test_merge_refuses_shifted_natural_stories():
    corpus = read_natural_stories(NS)
    scored = corpus.stimuli[["item", "position", "word"]]
    assert len(merge_measures(scored, corpus.measures)) == len(corpus.measures)
    with pytest.raises(WordMismatchError):
        merge_measures(scored.assign(position=scored["position"] + 1), corpus.measures)


def test_meco_and_motr_counts():
    meco = read_meco_en(DATA / "meco_en_wilcox2023")
    # PROVENANCE: 2,107 words with an LM row (monot models); 12 texts.
    assert len(meco.stimuli) == 2_107
    assert meco.stimuli["item"].nunique() == 12
    assert set(meco.measures["measure"]) == {
        "first_fixation",
        "gaze_duration",
        "total_time",
    }
    motr = read_motr_provo(DATA / "motr_provo")
    assert motr.measures["subject"].nunique() == 51
    n_rows = len(motr.measures) // motr.measures["measure"].nunique()
    assert n_rows == 44_719
    assert sorted(motr.stimuli["item"].unique()) == list(range(1, 56))


@pytest.mark.parametrize(
    ("model", "rows"),
    [
        ("gpt2", 12_412),
        ("grnn", 12_214 - 474),
        ("txl", 12_183 - 474),
        ("ngram", 11_740),
    ],
)
def test_boyce_levy_importers(model, rows):
    tokens = read_boyce_levy_2023(PUBLISHED / "boyce_levy_2023_maze_repo", model)
    assert len(tokens) == rows
    assert np.isfinite(tokens["surprisal_bits"]).all()
    assert tokens["item"].nunique() == 10
    assert tokens["sentence_id"].nunique() == 474


def test_gpt2_word_map_sums_tokens():
    directory = PUBLISHED / "boyce_levy_2023_maze_repo"
    words = read_gpt_surp_trans(directory / "gpt_surp_trans.txt")
    tokens = read_boyce_levy_2023(directory, "gpt2")
    assert len(words) == 10_256
    assert words["surprisal_bits"].sum() == pytest.approx(
        tokens["surprisal_bits"].sum(), rel=1e-9
    )


@pytest.mark.parametrize("model", ["lstm", "rnng"])
def test_pauli_levinson_importers(model):
    tokens = read_pauli_levinson(
        PUBLISHED / "pauli_levinson_rnng_and_rts", model, unit="nats"
    )
    assert len(tokens) == 11_680
    assert np.isfinite(tokens["surprisal_bits"]).all()
    assert tokens["item"].nunique() == 10


def test_gpt3_importer_converts_nats():
    tokens = read_gpt3_logprobs(NS / "probs/all_stories_gpt3.csv")
    assert len(tokens) == 12_373
    missing = tokens["surprisal_bits"].isna()
    assert missing.sum() == 10
    assert tokens.loc[missing, "first_in_context"].all()
    assert np.isfinite(tokens.loc[~missing, "surprisal_bits"]).all()
    assert (tokens.loc[~missing, "surprisal_bits"] >= 0).all()


@pytest.mark.parametrize(
    ("manifest", "folder"),
    [
        ("natural_stories", "natural_stories"),
        ("meco_en", "meco_en_wilcox2023"),
        ("motr_provo", "motr_provo"),
        ("natural_stories_published_surprisal", "natural_stories_published_surprisal"),
    ],
)
def test_manifests_verify_staged_copies(manifest, folder, tmp_path):
    report = verify_corpus(REPO / "corpora" / f"{manifest}.toml", DATA / folder)
    assert report.passed, (report.missing, report.changed)
    empty = verify_corpus(REPO / "corpora" / f"{manifest}.toml", tmp_path)
    assert not empty.passed and len(empty.missing) == len(report.ok)
