"""Unit tests of the generic stimuli reader and the lm-zoo importer."""

import math

import pytest

from surprisal.corpora import CorpusError, read_lmzoo_surprisals, read_stimuli_file


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_csv_and_computes_sentences(tmp_path):
    path = write(
        tmp_path,
        "s.csv",
        "text,idx,tok\nA,1,The\nA,2,cat.\nA,3,NA\nB,1,Hi!\n",
    )
    corpus = read_stimuli_file(path, item="text", position="idx", word="tok")
    st = corpus.stimuli
    assert st["word"].tolist() == ["The", "cat.", "NA", "Hi!"]
    assert st["sentence"].tolist() == [1, 1, 2, 1]
    assert st["position_in_sentence"].tolist() == [1, 2, 1, 1]
    assert corpus.measures.empty


def test_tsv_with_sentence_column_and_zero_based(tmp_path):
    path = write(tmp_path, "s.tsv", "i\tp\tw\ts\n1\t0\tx\t7\n1\t1\ty\t7\n")
    corpus = read_stimuli_file(
        path, item="i", position="p", word="w", sentence="s", zero_based=True
    )
    assert corpus.stimuli["position"].tolist() == [1, 2]
    assert corpus.stimuli["position_in_sentence"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("i,p,w\n1,1,a\n1,1,b\n", r"line 3: duplicate .*\(1, 1\)"),
        ("i,p,w\n1,1,a\n1,x2,b\n", r"line 3: position 'x2'"),
        ("i,p,w\n1,1,a\n1,1.5,b\n", r"line 3: position '1.5'"),
        ("i,p,w\n1,1,a\n1,3,b\n", r"line 2: item 1 jumps from position 1 to 3"),
        ("i,p,w\n1,2,a\n", r"starts at position 2"),
        ("i,p,x\n1,1,a\n", r"missing column\(s\) \['w'\]"),
    ],
)
def test_bad_input_names_file_line_and_value(tmp_path, body, expected):
    path = write(tmp_path, "bad.csv", body)
    with pytest.raises(CorpusError, match=expected) as info:
        read_stimuli_file(path, item="i", position="p", word="w")
    assert "bad.csv" in str(info.value)


def test_missing_file_and_unknown_extension(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        read_stimuli_file(tmp_path / "no.csv", item="i", position="p", word="w")
    path = write(tmp_path, "s.dat", "i,p,w\n")
    with pytest.raises(CorpusError, match="sep="):
        read_stimuli_file(path, item="i", position="p", word="w")


def test_lmzoo_bpe_marker_log_lines_and_units(tmp_path):
    path = write(
        tmp_path,
        "z.tsv",
        "log line\nsentence_id\ttoken_id\ttoken\tsurprisal\n"
        "1\t1\tThe\t0.0\n1\t2\t\u0120cat\t2.0\n2\t1\tnull\t0.0\n",
    )
    bits = read_lmzoo_surprisals(path)
    assert bits["token"].tolist() == ["The", " cat", "null"]
    assert bits["token_index"].tolist() == [0, 1, 0]
    assert bits["first_in_context"].tolist() == [True, False, True]
    nats = read_lmzoo_surprisals(path, unit="nats")
    assert nats["surprisal_bits"].iloc[1] == pytest.approx(2.0 / math.log(2))
