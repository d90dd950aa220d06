"""Reading text files, normalising words, and tokenising them with character offsets.

One normaliser and one tokeniser serve training and scoring, so that a model sees
the same tokens in both. The pipeline for one document is::

    lines of text ──split on whitespace──▶ words (kept as written)
    each word ──NFC, quote folding, optional lower-casing──▶ normalised word
    normalised words joined by single spaces ──spaCy rules──▶ tokens with offsets

Because normalisation is applied word by word and the normalised words are joined
by exactly one space, every token's character offset falls inside exactly one
word, and the offset says which (see :func:`segment`). spaCy's tokeniser never
merges across whitespace, so a token never spans two words.

Sentences: every line is one sentence unless ``sentences="spacy"`` asks spaCy's
rule-based sentencizer to split lines further. Sentence boundaries always fall
between words. Documents are separated by blank lines.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

# A sentence end followed by the start of another sentence within one line.
_INNER_END = re.compile(r"[.!?][\"')\]]*\s+[\"'(\[]*[A-Z]")

UNK = "<unk>"
EOS = "<eos>"

# Quote and apostrophe variants folded to their ASCII forms, one character each,
# so folding never moves an offset.
_QUOTES = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark, the usual typographic apostrophe
    "\u201a": "'",  # single low-9 quotation mark
    "\u201b": "'",  # single high-reversed-9 quotation mark
    "\u2032": "'",  # prime
    "\u02bc": "'",  # modifier letter apostrophe
    "\uff07": "'",  # fullwidth apostrophe
    "`": "'",
    "\u00b4": "'",  # acute accent used as an apostrophe
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',  # double low-9 quotation mark
    "\u201f": '"',  # double high-reversed-9 quotation mark
    "\u2033": '"',  # double prime
    "\u00ab": '"',  # left-pointing double angle quotation mark
    "\u00bb": '"',  # right-pointing double angle quotation mark
    "\uff02": '"',  # fullwidth quotation mark
}
_QUOTE_TABLE = str.maketrans(_QUOTES)


class TextError(ValueError):
    """Input text that cannot be read: names the file, line and offending value."""


class SpanError(TextError):
    """A model token that covers parts of two words (only possible when words are
    glued together without a space, see :func:`segment`)."""

    def __init__(self, message: str, word: int, token: str):
        super().__init__(message)
        self.word = word
        self.token = token


@dataclass(frozen=True)
class TextConfig:
    """How raw text becomes tokens; saved with every model.

    Parameters
    ----------
    lowercase : bool
        Lower-case every word after NFC normalisation.
    sentences : {"line", "spacy"}
        ``"line"``: each line is one sentence. ``"spacy"``: lines are further split
        by spaCy's rule-based sentencizer.
    """

    lowercase: bool = True
    sentences: str = "line"

    def __post_init__(self) -> None:
        if self.sentences not in ("line", "spacy"):
            raise ValueError(
                f"sentences={self.sentences!r} is not one of 'line', 'spacy'"
            )


def normalise_word(word: str, lowercase: bool) -> str:
    """Unicode NFC, quote and apostrophe variants folded to ASCII, optional lower case.

    Examples
    --------
    >>> normalise_word("Don\u2019t", lowercase=True)
    "don't"
    """
    word = unicodedata.normalize("NFC", word).translate(_QUOTE_TABLE)
    return word.lower() if lowercase else word


@functools.lru_cache(maxsize=2)
def _nlp(sentencizer: bool):
    import spacy
    from spacy.symbols import ORTH

    nlp = spacy.blank("en")
    # spaCy's limit on the length of a text guards the memory of its parser and
    # entity models; a tokenizer and a rule-based sentencizer need little, so a
    # single long line is read whole.
    nlp.max_length = 2**31 - 1
    # The unknown-word marker of pre-processed corpora (Penn Treebank) is one token.
    nlp.tokenizer.add_special_case(UNK, [{ORTH: UNK}])
    if sentencizer:
        nlp.add_pipe("sentencizer")
    return nlp


# spaCy keeps every distinct string it has seen (its vocabulary and tokenizer
# cache), so memory would grow with the number of word forms of a long input.
# Past this many entries the pipeline is made afresh, which keeps it bounded.
MAX_SPACY_VOCAB = 200_000


def _bounded_nlp(sentencizer: bool):
    nlp = _nlp(sentencizer)
    if len(nlp.vocab.strings) > MAX_SPACY_VOCAB:
        _nlp.cache_clear()
        nlp = _nlp(sentencizer)
    return nlp


def _spacy_doc(text: str, sentencizer: bool):
    return _bounded_nlp(sentencizer)(text)


def tokenise(text: str) -> list[tuple[int, str]]:
    """Tokens of normalised text as ``(character offset, token)`` pairs."""
    return [(t.idx, t.text) for t in _bounded_nlp(False).make_doc(text)]


@dataclass
class Document:
    """One document: its words as written and its tokens, mapped onto each other.

    Attributes
    ----------
    words : list of str
        The whitespace-delimited words, exactly as written in the input.
    sentence : list of int
        Sentence index (from 0) of each word.
    tokens : list of str
        Model tokens (normalised), in order. Sentence ends are not tokens here; the
        model's stream adds them (see :mod:`surprisal.batches`).
    token_word : list of int
        For each token, the index of the word it belongs to.
    line : list of int
        Line number (from 1) in the source file of each word, for error messages.
    """

    words: list[str] = field(default_factory=list)
    sentence: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    token_word: list[int] = field(default_factory=list)
    line: list[int] = field(default_factory=list)

    @property
    def n_sentences(self) -> int:
        return self.sentence[-1] + 1 if self.sentence else 0

    def sentence_tokens(self) -> Iterator[list[str]]:
        """Tokens grouped by sentence."""
        start = 0
        for end in range(1, len(self.tokens) + 1):
            if end == len(self.tokens) or (
                self.sentence[self.token_word[end]]
                != self.sentence[self.token_word[start]]
            ):
                yield self.tokens[start:end]
                start = end


def segment(
    sentences: list[list[str]],
    config: TextConfig,
    lines: list[int] | None = None,
    glued: list[list[bool]] | None = None,
) -> Document:
    """Tokenise a document given as sentences of words.

    Parameters
    ----------
    sentences : list of list of str
        Words of each sentence (or line), as written.
    config : TextConfig
        Normalisation and sentence rules.
    lines : list of int, optional
        Source line of each sentence, kept for error messages.
    glued : list of list of bool, optional
        Per word, True when the reader saw no space before it (a stimulus row
        holding only a period, say). Words are otherwise joined by one space.

    Returns
    -------
    Document

    Raises
    ------
    SpanError
        If a token covers parts of two glued words.
    """
    doc = Document()
    n_sent = 0
    for s, words in enumerate(sentences):
        if not words:
            continue
        norm = [normalise_word(w, config.lowercase) for w in words]

        # Offsets of each normalised word in the text joined by single spaces
        # (or by nothing, for glued words).
        glue = glued[s] if glued is not None else [False] * len(words)
        starts, pieces, pos = [], [], 0
        for i, w in enumerate(norm):
            if i > 0 and not glue[i]:
                pieces.append(" ")
                pos += 1
            starts.append(pos)
            pieces.append(w)
            pos += len(w)
        text = "".join(pieces)

        first_word = len(doc.words)
        spacy_doc = _spacy_doc(text, config.sentences == "spacy")
        new_sentence_at = {0}
        for tok in spacy_doc:
            w = bisect.bisect_right(starts, tok.idx) - 1
            if w + 1 < len(starts) and tok.idx + len(tok.text) > starts[w + 1]:
                raise SpanError(
                    f"token {tok.text!r} covers parts of the words {words[w]!r} and "
                    f"{words[w + 1]!r}",
                    first_word + w,
                    tok.text,
                )
            doc.tokens.append(tok.text)
            doc.token_word.append(first_word + w)
            if config.sentences == "spacy" and tok.is_sent_start:
                # A sentence starts at a word boundary only; a split inside a word
                # (rare: "etc.The") moves to the start of the next word.
                new_sentence_at.add(w if tok.idx == starts[w] else w + 1)

        sent_of_word, current = [], n_sent - 1
        for w in range(len(words)):
            if w in new_sentence_at:
                current += 1
            sent_of_word.append(current)
        n_sent = current + 1
        doc.words.extend(words)
        doc.sentence.extend(sent_of_word)
        doc.line.extend([lines[s] if lines else s + 1] * len(words))
    return doc


def iter_documents(path: str | Path, config: TextConfig) -> Iterator[Document]:
    """Read a plain-text file lazily, one document at a time (the layout of
    :func:`surprisal.text.read_documents`: one sentence per line, a blank line
    between documents; a byte-order mark is dropped, CRLF and CR end lines).

    Raises
    ------
    TextError
        If the file is missing, is a directory, is not valid UTF-8 (named by line
        and byte, raised when the reader gets there), or holds no words.
    """
    path = Path(path)
    if not path.exists():
        raise TextError(f"{path}: no such file")
    if path.is_dir():
        raise TextError(f"{path}: is a directory; give a text file")
    block: list[list[str]] = []
    block_lines: list[int] = []
    n_docs = 0
    number = 0
    check_lines = config.sentences == "line"
    crowded, first_crowded = 0, 0  # a count, so memory does not grow with the file
    with open(path, "rb") as f:
        offset = 0  # of the line in the file, after a byte-order mark
        for raw in f:
            if number == 0 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                byte = raw[err.start : err.start + 1].hex()
                raise TextError(
                    f"{path} line {number + 1}: invalid UTF-8 byte 0x{byte} at file "
                    f"offset {offset + err.start}; if this is text in another "
                    f"encoding, re-encode it as UTF-8 (for example with `iconv -f "
                    f"latin1 -t utf-8`)"
                ) from None
            nul = raw.find(b"\0")
            if nul >= 0:
                raise TextError(
                    f"{path} line {number + 1}: a NUL byte at file offset "
                    f"{offset + nul}; this looks like a binary file, "
                    f"not text: give a UTF-8 text file"
                )
            offset += len(raw)
            # A lone CR also ends a line.
            for line in text.rstrip("\n").rstrip("\r").split("\r"):
                number += 1
                if check_lines and _INNER_END.search(line):
                    crowded += 1
                    first_crowded = first_crowded or number
                words = line.split()
                if words:
                    block.append(words)
                    block_lines.append(number)
                elif block:
                    yield segment(block, config, block_lines)
                    n_docs += 1
                    block, block_lines = [], []
    if block:
        yield segment(block, config, block_lines)
        n_docs += 1
    if not n_docs:
        raise TextError(f"{path}: the file holds no words; give a non-empty text file")
    if crowded:
        log.warning(
            "%s: %s to hold more than one sentence (first: line %d); each line "
            "is read as one sentence, so put one sentence per line or split "
            "lines with --sentences spacy", path,
            "1 line seems" if crowded == 1 else f"{crowded} lines seem",
            first_crowded)


def read_documents(path: str | Path, config: TextConfig) -> list[Document]:
    """Read a plain-text file: one sentence (or paragraph) per line, a blank line
    between documents (all at once; :func:`iter_documents` reads lazily).

    Raises
    ------
    TextError
        If the file cannot be decoded or holds no words.
    """
    return list(iter_documents(path, config))
