"""Unit tests of merge_measures."""

import logging

import pandas as pd
import pytest

from surprisal.corpora import CorpusError, WordMismatchError, merge_measures

WORDS = ["\u201cHello,\u201d", "don\u2019t", "Cafe\u0301", "go", "go"]


def scored_table():
    return pd.DataFrame(
        {
            "item": 1,
            "position": range(1, 6),
            "word": WORDS,
            "surprisal_bits": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )


def measures_table(words=None, positions=range(1, 6)):
    words = words or ['"Hello,"', "don't", "Caf\u00e9", "go", "go"]
    return pd.DataFrame(
        {
            "subject": "s1",
            "item": 1,
            "position": list(positions),
            "word": words,
            "measure": "rt",
            "value": [300.0, 310.0, 320.0, 330.0, 340.0],
        }
    )


def test_merge_normalises_quotes_and_nfc():
    merged = merge_measures(scored_table(), measures_table())
    assert merged["surprisal_bits"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert merged["value"].tolist() == [300.0, 310.0, 320.0, 330.0, 340.0]


def test_shifted_table_is_refused_with_item_position_and_strings():
    shifted = scored_table().assign(position=lambda t: t["position"] + 1)
    with pytest.raises(WordMismatchError, match=r"item 1 position 2: measures") as e:
        merge_measures(shifted, measures_table())
    assert '"don\'t"' in str(e.value) or "don't" in str(e.value)


def test_case_option():
    measures = measures_table(words=['"hello,"', "DON'T", "café", "go", "go"])
    with pytest.raises(WordMismatchError):
        merge_measures(scored_table(), measures)
    merged = merge_measures(scored_table(), measures, case_sensitive=False)
    assert len(merged) == 5


def test_unmatched_rows_logged_or_raised(caplog):
    measures = measures_table(positions=range(2, 7))
    measures["word"] = ["don't", "Café", "go", "go", "extra"]
    with caplog.at_level(logging.WARNING):
        merged = merge_measures(scored_table(), measures)
    assert len(merged) == 4
    assert "1 measures rows have no scored word and 1 scored words" in caplog.text
    with pytest.raises(CorpusError, match="no scored word"):
        merge_measures(scored_table(), measures, unmatched="raise")


def test_duplicate_scored_positions_refused():
    scored = pd.concat([scored_table(), scored_table().head(1)])
    with pytest.raises(CorpusError, match=r"duplicate \(item, position\)"):
        merge_measures(scored, measures_table())
