"""Natural Stories end to end: every word scored once, published surprisal mapped
onto the displayed words, and the alignment layer refusing what does not match."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from surprisal.align import AlignmentError, score_stimuli, tokens_to_words
from surprisal.corpora import (
    natural_stories_text_variants,
    read_boyce_levy_2023,
    read_gpt3_logprobs,
    read_gpt_surp_trans,
    read_natural_stories_stimuli,
    read_pauli_levinson,
)
from surprisal.score import score_file

REPO = Path(__file__).resolve().parents[2]
DATA = (REPO / "../shared/data").resolve()
NS = DATA / "natural_stories"
BOYCE = DATA / "natural_stories_published_surprisal/boyce_levy_2023_maze_repo"
PAULI = DATA / "natural_stories_published_surprisal/pauli_levinson_rnng_and_rts"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"{DATA} not found"),
]


@pytest.fixture(scope="module")
def stimuli():
    if not NS.is_dir():
        pytest.skip(f"{NS} not found")
    return read_natural_stories_stimuli(NS)[0]




def test_sample_text_gives_one_finite_row_per_word(default_model):
    sample = REPO / "corpora/samples/natural_stories.txt"
    table = score_file(sample, default_model)
    assert len(table) == len(sample.read_text(encoding="utf-8").split()) == 10_256
    assert table.doc.nunique() == 10
    assert np.isfinite(table.surprisal_bits).all()
    assert np.isfinite(table.entropy_bits).all()
    assert (table.surprisal_bits > 0).all()


def test_every_stimulus_word_gets_exactly_one_row(stimuli, default_model):
    scored = score_stimuli(stimuli, default_model)
    assert len(scored) == len(stimuli) == 10_256
    assert scored[["item", "position"]].equals(stimuli[["item", "position"]])
    assert (scored.word == stimuli.word).all()
    assert np.isfinite(scored.surprisal_bits).all()
    assert (scored.n_tokens >= 1).all()


def test_published_gpt2_matches_its_authors_word_mapping(stimuli):
    variants = natural_stories_text_variants(NS)
    ours = tokens_to_words(stimuli, read_boyce_levy_2023(BOYCE, model="gpt2"),
                           "gpt2", variants=variants)
    theirs = read_gpt_surp_trans(BOYCE / "gpt_surp_trans.txt")
    merged = ours.merge(theirs, on=["item", "position"], validate="1:1")
    assert len(merged) == 10_256
    # The file scores each of its 474 sentences alone and writes 0 for the first
    # token, which had no context; we give NaN and a flag for those words.
    ctx = ~merged.no_context_gpt2
    assert (~ctx).sum() == 474 and merged.surprisal_bits_gpt2[~ctx].isna().all()
    np.testing.assert_allclose(merged.surprisal_bits_gpt2[ctx],
                               merged.surprisal_bits[ctx], atol=1e-6)
    assert (merged.n_tokens_gpt2 == merged.n_tokens).all()


@pytest.mark.parametrize("model", ["grnn", "txl", "ngram"])
def test_other_published_models_align_on_every_word(stimuli, model):
    words = tokens_to_words(stimuli, read_boyce_levy_2023(BOYCE, model=model), model,
                            variants=natural_stories_text_variants(NS))
    assert len(words) == 10_256
    col = words[f"surprisal_bits_{model}"]
    assert np.isfinite(col[~words[f"no_context_{model}"]]).all()


def test_gpt3_log_probabilities_align_in_bits(stimuli):
    toks = read_gpt3_logprobs(NS / "probs/all_stories_gpt3.csv")
    words = tokens_to_words(stimuli, toks, "gpt3",
                            variants=natural_stories_text_variants(NS))
    assert len(words) == 10_256
    assert words.no_context_gpt3.sum() == 10  # the first token of each story
    assert (words.surprisal_bits_gpt3.dropna() >= 0).all()


def test_only_one_known_typo_separates_display_and_master_text():
    assert natural_stories_text_variants(NS) == {(2, 749): "peeked"}


def test_a_different_text_version_is_refused_not_misaligned(stimuli):
    # These files hold a sentence the displayed stories do not (story 1, word 534).
    toks = read_pauli_levinson(PAULI, model="lstm")
    with pytest.raises(AlignmentError, match="item 1, position 534"):
        tokens_to_words(stimuli, toks, "lstm",
                        variants=natural_stories_text_variants(NS))
