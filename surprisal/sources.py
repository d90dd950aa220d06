"""Readers of training text: plain text files and the layouts of public corpora.

Every reader returns :class:`surprisal.text.Document` objects made by the one
tokeniser in :mod:`surprisal.text`, so that corpora that come pre-tokenised
(Brown) are re-tokenised the same way as the text a model later scores.

Formats
-------
``text``
    UTF-8 plain text: one sentence per line, a blank line between documents. The
    Penn Treebank files of Mikolov et al. are in this format (one document each;
    their ``<unk>`` is kept as the unknown token).
``brown``
    The NLTK distribution of the Brown corpus (``brown.zip`` or its unpacked
    folder): one document per text, ``word/tag`` tokens, one sentence per line.
``gutenberg``
    A folder of gzip-compressed books with a ``manifest.tsv`` whose ``file`` and
    ``split`` columns say which books are for training and which for validation
    (the layout of the Project Gutenberg narrative corpus). One document per
    book; paragraphs (blank-line separated, lines re-joined) are split into
    sentences by spaCy's sentencizer.
"""

from __future__ import annotations

import csv
import gzip
import zipfile
from pathlib import Path

from surprisal.text import Document, TextConfig, TextError, read_documents, segment

FORMATS = ("auto", "text", "brown", "gutenberg")

# Brown writes opening and closing double quotes as `` and ''.
_BROWN_QUOTES = {"``": '"', "''": '"'}


def detect_format(path: str | Path) -> str:
    """``brown`` for brown.zip or a folder holding ``cats.txt``; ``gutenberg`` for a
    folder holding ``manifest.tsv``; else ``text``."""
    path = Path(path)
    if path.suffix == ".zip" or (path.is_dir() and (path / "cats.txt").exists()):
        return "brown"
    if path.is_dir() and (path / "manifest.tsv").exists():
        return "gutenberg"
    return "text"


def read_training_file(
    path: str | Path, config: TextConfig, fmt: str = "auto", split: str = "train"
) -> list[Document]:
    """Documents of one training or validation file, in the given format.

    Parameters
    ----------
    path : str or Path
        A file (or, for Brown, a zip file or folder).
    config : TextConfig
        Normalisation and sentence rules of the model.
    fmt : {"auto", "text", "brown", "gutenberg"}
        The layout; ``auto`` guesses from the path (see :func:`detect_format`).
    split : {"train", "valid"}
        For layouts with a manifest (``gutenberg``): which books to read.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {FORMATS}")
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt == "brown":
        return read_brown(path, config)
    if fmt == "gutenberg":
        return read_gutenberg(path, config, split)
    return read_documents(path, config)


def brown_texts(path: str | Path) -> dict[str, str]:
    """The raw Brown texts by name (``ca01`` ...), from the zip file or a folder."""
    path = Path(path)
    if not path.exists():
        raise TextError(f"{path}: no such file or folder")
    texts: dict[str, str] = {}
    if path.is_dir():
        for f in sorted(path.iterdir()):
            if len(f.name) == 4 and f.name[:2].isalpha() and f.name[2:].isdigit():
                texts[f.name] = f.read_text(encoding="utf-8")
    else:
        with zipfile.ZipFile(path) as z:
            for name in sorted(z.namelist()):
                base = name.rsplit("/", 1)[-1]
                if len(base) == 4 and base[:2].isalpha() and base[2:].isdigit():
                    texts[base] = z.read(name).decode("utf-8")
    if not texts:
        raise TextError(f"{path}: no Brown texts (files named like ca01) found")
    return texts


def brown_sentences(raw: str) -> list[list[str]]:
    """Words of each sentence of one Brown text, tags stripped."""
    sentences = []
    for line in raw.split("\n"):
        words = []
        for item in line.split():
            word = item.rsplit("/", 1)[0]
            words.append(_BROWN_QUOTES.get(word, word))
        if words:
            sentences.append(words)
    return sentences


def read_brown(
    path: str | Path, config: TextConfig, names: list[str] | None = None
) -> list[Document]:
    """Brown texts as documents (all, or those named, e.g. ``["ca01"]``)."""
    texts = brown_texts(path)
    chosen = names if names is not None else list(texts)
    return [segment(brown_sentences(texts[n]), config) for n in chosen]


def gutenberg_books(path: str | Path, split: str) -> list[Path]:
    """The book files of one split, in manifest order."""
    path = Path(path)
    manifest = path / "manifest.tsv"
    if not manifest.is_file():
        raise TextError(f"{path}: no manifest.tsv; give the corpus folder")
    with manifest.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if rows and not {"file", "split"} <= set(rows[0]):
        raise TextError(f"{manifest}: needs the columns 'file' and 'split'")
    books = [path / r["file"] for r in rows if r["split"] == split]
    if not books:
        splits = sorted({r["split"] for r in rows})
        raise TextError(f"{manifest}: no books in split {split!r}; it has {splits}")
    missing = [b for b in books if not b.is_file()]
    if missing:
        raise TextError(f"{missing[0]}: listed in {manifest} but missing "
                        f"({len(missing)} books missing)")
    return books


def book_paragraphs(text: str) -> list[list[str]]:
    """Words of each paragraph of a book (blank-line separated, lines re-joined)."""
    paragraphs, current = [], []
    for line in text.replace("\r\n", "\n").split("\n"):
        words = line.split()
        if words:
            current.extend(words)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def read_gutenberg(
    path: str | Path, config: TextConfig, split: str = "train"
) -> list[Document]:
    """Books of one split as documents, sentences found by spaCy's sentencizer."""
    sentences = TextConfig(lowercase=config.lowercase, sentences="spacy")
    docs = []
    for book in gutenberg_books(path, split):
        with gzip.open(book, "rt", encoding="utf-8") as f:
            docs.append(segment(book_paragraphs(f.read()), sentences))
    return docs
