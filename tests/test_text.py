"""Normalisation, tokenisation with offsets, and reading files."""

from __future__ import annotations

import pytest

from surprisal.text import (
    TextConfig,
    TextError,
    normalise_word,
    read_documents,
    segment,
)


def test_quote_and_apostrophe_variants_fold_to_ascii():
    assert normalise_word("\u201cDon\u2019t\u201d", lowercase=False) == '"Don\'t"'
    assert normalise_word("\u2018o\u2019clock\u2019", lowercase=True) == "'o'clock'"


def test_nfc_joins_decomposed_accents():
    assert normalise_word("cafe\u0301", lowercase=False) == "caf\u00e9"


def test_every_token_maps_to_the_word_it_came_from():
    cfg = TextConfig(lowercase=False)
    words = ["They", "don\u2019t", "know,", "at", "six", "o'clock", "long-bearded",
             "cafe\u0301s."]
    doc = segment([words], cfg)
    joined = {}
    for tok, w in zip(doc.tokens, doc.token_word, strict=True):
        joined[w] = joined.get(w, "") + tok
    assert [joined[i] for i in range(len(words))] == [
        normalise_word(w, False) for w in words]
    assert doc.tokens[:3] == ["They", "do", "n't"]


def test_sentences_split_by_line_or_by_sentencizer(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("One sentence here. Another one here.\nA third.\n\nNew doc.\n",
                 encoding="utf-8")
    by_line = read_documents(f, TextConfig(sentences="line"))
    by_spacy = read_documents(f, TextConfig(sentences="spacy"))
    assert len(by_line) == 2
    assert by_line[0].sentence == [0, 0, 0, 0, 0, 0, 1, 1]
    assert by_spacy[0].sentence == [0, 0, 0, 1, 1, 1, 2, 2]
    assert by_line[1].words == ["New", "doc."]


def test_invalid_utf8_names_file_line_and_byte(tmp_path):
    f = tmp_path / "bad.txt"
    f.write_bytes(b"fine line\nsecond line\nthird \xff line\n")
    with pytest.raises(TextError, match=r"bad.txt line 3: invalid UTF-8 byte 0xff"):
        read_documents(f, TextConfig())


def test_bom_and_crlf_are_transparent(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes("The caf\u00e9 opened.\n".encode())
    b.write_bytes(b"\xef\xbb\xbf" + "The caf\u00e9 opened.\r\n".encode())
    da, db = read_documents(a, TextConfig()), read_documents(b, TextConfig())
    assert [d.words for d in da] == [d.words for d in db]
    assert [d.tokens for d in da] == [d.tokens for d in db]


def test_empty_and_missing_files_are_refused(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(TextError, match="holds no words"):
        read_documents(empty, TextConfig())
    with pytest.raises(TextError, match="no such file"):
        read_documents(tmp_path / "nope.txt", TextConfig())


def test_binary_file_with_nul_bytes_is_refused(tmp_path):
    f = tmp_path / "zeros.bin"
    f.write_bytes(b"fine words\nmore \x00\x00\x00\n")
    with pytest.raises(TextError, match=r"zeros.bin line 2: a NUL byte at file "
                                        r"offset 16; this looks like a binary file"):
        read_documents(f, TextConfig())


@pytest.mark.parametrize("sentences", ["line", "spacy"])
def test_a_line_longer_than_spacy_limit_is_read_whole(tmp_path, sentences):
    """spaCy refuses texts over 1,000,000 characters by default, for the memory
    of models this toolkit does not load."""
    f = tmp_path / "one_line.txt"
    f.write_text("the cat sat . " * 80_000 + "\n", encoding="utf-8")  # 1.12M chars
    (doc,) = read_documents(f, TextConfig(sentences=sentences))
    assert len(doc.words) == 320_000


def test_lines_holding_several_sentences_are_reported(tmp_path, caplog):
    f = tmp_path / "crowded.txt"
    f.write_text('One here.\n"Hello," she said. It is fine.\n', encoding="utf-8")
    read_documents(f, TextConfig(sentences="line"))
    assert "1 line seems to hold more than one sentence (first: line 2)" in caplog.text
    caplog.clear()
    read_documents(f, TextConfig(sentences="spacy"))
    assert "more than one sentence" not in caplog.text


def test_spacy_memory_stays_bounded_on_many_word_forms(monkeypatch):
    """spaCy remembers every string it sees; the pipeline is renewed past a limit,
    and tokens come out the same across the renewal."""
    from surprisal import text

    monkeypatch.setattr(text, "MAX_SPACY_VOCAB", 2_000)
    config = TextConfig()
    words = [f"w{i}x" for i in range(6_000)]
    docs = [segment([words[i : i + 50] + ["."]], config)
            for i in range(0, len(words), 50)]
    assert [t for d in docs for t in d.tokens if t != "."] == words
    assert len(text._nlp(False).vocab.strings) <= 2_000 + 200
