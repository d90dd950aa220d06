"""Exclusions: each step counted, counts add up, presets follow methods.md."""

import numpy as np
import pandas as pd
import pytest

from surprisal.analysis import exclusions as ex

from ._synth import per_reader_rt, per_word_rt


def _check_counts_add_up(table: pd.DataFrame, n_in: int, n_out: int) -> None:
    assert (table["rows_before"] - table["removed"] == table["rows_after"]).all()
    assert table["rows_before"].iloc[0] == n_in
    assert (table["rows_before"].iloc[1:].to_numpy()
            == table["rows_after"].iloc[:-1].to_numpy()).all()
    assert table["rows_after"].iloc[-1] == n_out
    assert table["removed"].sum() == n_in - n_out


def test_natural_stories_preset_counts_add_up_and_match_hand_counts():
    df = per_word_rt(seed=4)
    df.loc[df.index[:7], "rt"] = 50.0      # below bound
    df.loc[df.index[7:10], "rt"] = 3000.0  # at the (open) upper bound
    df.loc[df.index[10], "rt"] = 100.0     # at the (open) lower bound
    df.loc[df.index[11], "rt"] = 100.5     # kept
    df.loc[df.index[20:25], "entropy_bits"] = np.nan
    pipe = ex.preset("natural_stories_spr", model_columns=["entropy_bits"])
    res = pipe.apply(df)
    _check_counts_add_up(res.table, len(df), len(res.data))
    t = res.table.set_index("step")
    assert t.loc["rt_bounds", "removed"] == 11
    assert "skipped" in t.loc["comprehension", "note"]  # no such column here
    assert res.data["rt"].between(100, 3000, inclusive="neither").all()
    assert (res.data["position_in_sentence"] != 1).all()
    assert not res.data["oov"].any()
    assert res.data["entropy_bits"].notna().all()
    assert pipe.spillover == 3


def test_sentence_edges_removes_first_and_last_word():
    df = pd.DataFrame({"item": 1, "sentence": [1, 1, 1, 2, 2],
                       "position_in_sentence": [1, 2, 3, 1, 2]})
    kept = ex.ExclusionPipeline([ex.sentence_edges()]).apply(df).data
    assert kept.index.tolist() == [1]


def test_few_observations_and_punctuation_steps():
    df = per_reader_rt(n_subjects=4, n_items=1, n_words=30)
    df = df[~((df["subject"] == "s0") & (df["position"] > 5))]
    pipe = ex.preset("eye_tracking", subject="subject", min_obs=10, punctuation=True)
    res = pipe.apply(df)
    _check_counts_add_up(res.table, len(df), len(res.data))
    assert "s0" not in set(res.data["subject"])
    assert not res.data["has_punct"].any()
    assert pipe.spillover == 2


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="natural_stories_spr"):
        ex.preset("natural-stories")
    with pytest.raises(KeyError, match="rt_ms"):
        ex.ExclusionPipeline([ex.rt_bounds("rt_ms")]).apply(pd.DataFrame({"rt": [1]}))
