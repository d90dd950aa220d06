"""Token-to-word alignment by characters, and stimuli scored in context."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from surprisal.align import (
    AlignmentError,
    align_tokens,
    glue_flags,
    score_stimuli,
    tokens_to_words,
)
from surprisal.cli import main
from surprisal.score import score_documents
from surprisal.text import segment


def test_tokens_map_to_words_by_characters():
    words = ["They", "sailed", "to", "England,", "slowly."]
    toks = ["They", " sailed", " to", " England", ",", " slowly", "."]
    assert align_tokens(words, toks).tolist() == [0, 1, 2, 3, 3, 4, 4]


def test_case_and_quote_variants_do_not_matter():
    words = ["\u201cDon\u2019t", "go!\u201d"]
    toks = ['"', "do", "n't", " GO", "!", '"']
    assert align_tokens(words, toks).tolist() == [0, 0, 0, 1, 1, 1]


@pytest.mark.parametrize("toks,expected", [
    (["the", "<unk>", ",", "said"], [0, 1, 1, 2]),      # unk inside a word
    (["the", "<unk>", "said"], [0, 1, 2]),              # a whole word; 'the' in
    (["the", "<unkER>", "<unk>", "said"], [0, 1, 1, 2]),  # two in one word
])
def test_unknown_tokens_stand_for_characters_of_one_word(toks, expected):
    assert align_tokens(["the", "brother,", "said"], toks).tolist() == expected


def test_wikitext_and_html_escapes_are_decoded():
    words = ["long-bearded", "boar's"]
    toks = ["long", "@-@", "bearded", "boar", "&apos;s"]
    assert align_tokens(words, toks).tolist() == [0, 0, 0, 1, 1]


def test_mismatch_names_item_position_and_both_strings():
    with pytest.raises(AlignmentError) as err:
        align_tokens(["His", "brother", "peaked", "and"],
                     ["His", " brother", " peek", "ed", " and"], item=2)
    msg = str(err.value)
    assert "item 2" in msg and "position 3" in msg
    assert "'peaked'" in msg and "' peek'" in msg


def test_extra_or_missing_tokens_are_refused():
    with pytest.raises(AlignmentError, match="tokens remain"):
        align_tokens(["a", "b"], ["a", "b", "c"], item="x")
    with pytest.raises(AlignmentError, match="position 2"):
        align_tokens(["a", "b"], ["a"], item="x")


def test_a_token_never_spans_two_words():
    with pytest.raises(AlignmentError, match="position 1"):
        align_tokens(["ab", "c"], ["abc"])


def test_tokens_to_words_sums_and_flags():
    stim = pd.DataFrame({"item": [1, 1, 1], "position": [1, 2, 3],
                         "word": ["If", "England,", "zorb"]})
    toks = pd.DataFrame({"item": 1, "token_index": range(5),
                         "token": ["If", " England", ",", " zo", "<unk>"],
                         "surprisal_bits": [0.0, 5.0, 1.0, 2.0, 3.0],
                         "first_in_context": [True, False, False, False, False]})
    out = tokens_to_words(stim, toks, "m")
    assert out["n_tokens_m"].tolist() == [1, 2, 2]
    assert np.isnan(out["surprisal_bits_m"][0])
    assert out["surprisal_bits_m"][1:].tolist() == [6.0, 5.0]
    assert out["no_context_m"].tolist() == [True, False, False]
    assert out["oov_m"].tolist() == [False, False, True]


def test_variants_match_tokens_but_keep_the_displayed_word():
    stim = pd.DataFrame({"item": 2, "position": [1, 2], "word": ["he", "peaked"]})
    toks = pd.DataFrame({"item": 2, "token_index": [0, 1, 2],
                         "token": ["he", " peek", "ed"],
                         "surprisal_bits": [1.0, 2.0, 3.0]})
    with pytest.raises(AlignmentError):
        tokens_to_words(stim, toks, "m")
    out = tokens_to_words(stim, toks, "m", variants={(2, 2): "peeked"})
    assert out.word.tolist() == ["he", "peaked"]
    assert out["surprisal_bits_m"].tolist() == [1.0, 5.0]


def test_glue_rules():
    assert glue_flags(["The", "dog", "ran", "."]) == [False, False, False, True]
    assert glue_flags(["do", "n't", "(", "see", ")"]) == [False, True, False, True,
                                                          True]
    assert glue_flags(["said", '"', "Hi"]) == [False, False, False]


def test_stimuli_rows_come_back_in_input_order_one_each(model):
    words = ["The", "cat", "slept", ".", "A", "dog", "ran", "."]
    stim = pd.DataFrame({"item": [2, 2, 2, 2, 1, 1, 1, 1],
                         "position": [1, 2, 3, 4, 1, 2, 3, 4], "word": words,
                         "sentence": 1, "extra": range(8)})
    stim = stim.sample(frac=1.0, random_state=0)
    out = score_stimuli(stim, model)
    assert out.index.tolist() == list(range(8))
    assert out.extra.tolist() == stim.extra.tolist()
    assert np.isfinite(out.surprisal_bits).all()


def test_items_are_scored_in_context_and_groups_join_items(model):
    stim = pd.DataFrame({"story": 1, "item": [1, 1, 2, 2],
                         "position": [1, 2, 1, 2],
                         "word": ["The", "mill.", "The", "cat."], "sentence": 1})
    alone = score_stimuli(stim, model)
    joined = score_stimuli(stim, model, group="story")
    # Item 2 read after item 1 differs from item 2 read alone; item 1 is the same.
    assert alone.surprisal_bits[:2].tolist() == pytest.approx(
        joined.surprisal_bits[:2].tolist())
    assert alone.surprisal_bits[2] != pytest.approx(joined.surprisal_bits[2])
    doc = segment([["The", "mill."], ["The", "cat."]], model.text)
    ref = score_documents([doc], model)
    np.testing.assert_allclose(joined.surprisal_bits, ref.surprisal_bits, rtol=1e-6)


def test_stimulus_token_spanning_two_rows_is_an_error(model):
    stim = pd.DataFrame({"item": 7, "position": [1, 2, 3],
                         "word": ["they", "smile", ":"], "sentence": 1})
    # ":" and ")" are read without spaces, and ":)" is one token.
    stim = pd.concat([stim, pd.DataFrame({"item": [7], "position": [4],
                                          "word": [")"], "sentence": [1]})])
    with pytest.raises(AlignmentError) as err:
        score_stimuli(stim, model)
    assert "item 7, position 3" in str(err.value) and "':'" in str(err.value)


def test_cli_score_stimuli_and_align(model, tmp_path):
    stim = tmp_path / "stim.tsv"
    pd.DataFrame({"story": 1, "pos": [1, 2, 3, 4],
                  "text": ["The", "dog", "ran", "."]}).to_csv(stim, sep="\t",
                                                            index=False)
    res = CliRunner().invoke(main, [
        "score", "--model", str(model.path), "--stimuli", str(stim),
        "--item-col", "story", "--position-col", "pos", "--word-col", "text"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 5 and lines[4].split("\t")[2] == "."

    toks = tmp_path / "toks.tsv"
    toks.write_text("sentence_id\ttoken_id\ttoken\tsurprisal\n1\t1\tThe\t0\n"
                    "1\t2\tdog\t3.5\n1\t3\tran\t2\n1\t4\t.\t1\n")
    out = tmp_path / "aligned.csv"
    res = CliRunner().invoke(main, ["align", str(toks), str(stim), "--item-col",
                                    "story", "--position-col", "pos",
                                    "--word-col", "text", "--name", "lmzoo",
                                    "-o", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out)
    assert table.surprisal_bits_lmzoo.tolist()[1:] == [3.5, 2.0, 1.0]

    bad = tmp_path / "bad.tsv"
    bad.write_text("sentence_id\ttoken_id\ttoken\tsurprisal\n1\t1\tThe\t0\n"
                   "1\t2\tcat\t3.5\n1\t3\tran\t2\n1\t4\t.\t1\n")
    res = CliRunner().invoke(main, ["align", str(bad), str(stim), "--item-col",
                                    "story", "--position-col", "pos",
                                    "--word-col", "text"])
    assert res.exit_code == 1
    assert "position 2" in res.output and "'dog'" in res.output


def test_a_gap_in_positions_is_refused_unless_allowed(model, caplog):
    stim = pd.DataFrame({"item": [3, 3, 3], "position": [1, 2, 4],
                         "word": ["The", "old", "mill."], "sentence": 1})
    with pytest.raises(AlignmentError, match="item 3 after position 2"):
        score_stimuli(stim, model)
    out = score_stimuli(stim, model, allow_gaps=True)
    assert len(out) == 3 and "1 gaps in the word positions" in caplog.text
