"""MECO and MoTR-Provo stimuli scored in context: one row per word, gaps refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from surprisal.align import AlignmentError, score_stimuli
from surprisal.corpora import read_meco_en, read_motr_provo

DATA = (Path(__file__).resolve().parents[2] / "../shared/data").resolve()

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"{DATA} not found"),
]




def test_provo_texts_get_one_row_per_word(default_model):
    corpus = read_motr_provo(DATA / "motr_provo")
    scored = score_stimuli(corpus.stimuli, default_model)
    assert len(scored) == len(corpus.stimuli) == 2744
    assert np.isfinite(scored.surprisal_bits).all()
    assert (scored.word == corpus.stimuli.word).all()


def test_meco_gap_is_refused_then_scored_when_allowed(default_model):
    corpus = read_meco_en(DATA / "meco_en_wilcox2023")
    with pytest.raises(AlignmentError, match="item 3 after position 148"):
        score_stimuli(corpus.stimuli, default_model)
    scored = score_stimuli(corpus.stimuli, default_model, allow_gaps=True)
    assert len(scored) == len(corpus.stimuli) == 2107
    assert np.isfinite(scored.surprisal_bits).all()
