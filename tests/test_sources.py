"""Readers of training text in the layouts of public corpora."""

from __future__ import annotations

import gzip
import zipfile

import pytest

from surprisal.sources import detect_format, read_training_file
from surprisal.text import TextConfig, TextError


def test_brown_tags_are_stripped_and_quotes_restored(tmp_path):
    z = tmp_path / "brown.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("brown/ca01", "\n\n\tThe/at jury/nn said/vbd ``/`` no/at ''/'' ./.\n"
                                 "\n\tIt/pps ended/vbd ./.\n")
        f.writestr("brown/README", "not a text")
    docs = read_training_file(z, TextConfig(lowercase=False))
    assert detect_format(z) == "brown" and len(docs) == 1
    assert docs[0].words == ["The", "jury", "said", '"', "no", '"', ".", "It",
                             "ended", "."]
    assert docs[0].sentence == [0] * 7 + [1] * 3


def test_gutenberg_reads_the_split_of_the_manifest(tmp_path):
    (tmp_path / "books").mkdir()
    for name, text in [("a", "First line of\na paragraph. And more.\n\nNext one."),
                       ("b", "Held out book.")]:
        with gzip.open(tmp_path / "books" / f"{name}.txt.gz", "wt") as f:
            f.write(text)
    (tmp_path / "manifest.tsv").write_text(
        "file\ttitle\tsplit\nbooks/a.txt.gz\tA\ttrain\nbooks/b.txt.gz\tB\tvalid\n")
    assert detect_format(tmp_path) == "gutenberg"
    train = read_training_file(tmp_path, TextConfig(), split="train")
    valid = read_training_file(tmp_path, TextConfig(), split="valid")
    assert len(train) == 1 and len(valid) == 1
    assert train[0].words[:5] == ["First", "line", "of", "a", "paragraph."]
    assert max(train[0].sentence) == 2  # two sentences, then the next paragraph
    assert valid[0].words == ["Held", "out", "book."]
    with pytest.raises(TextError, match="no books in split 'test'"):
        read_training_file(tmp_path, TextConfig(), split="test")
