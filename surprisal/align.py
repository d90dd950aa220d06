"""Mapping model tokens to the words readers saw, by character offsets.

Two producers of tokens meet the same stimulus words:

1. our own model, which tokenises the stimulus text itself
   (:func:`score_stimuli`): each token's character offset in the normalised text
   says which word it belongs to (see :func:`surprisal.text.segment`);
2. published per-token surprisal from other tools (:func:`tokens_to_words`): the
   token strings are matched against the words' characters with whitespace
   removed, in order::

       words    They  sailed  to  England,   slowly.
       chars    They  sailed  to  England ,  slowly .
       tokens   They| sailed| to| England|,| slowly|.
       word     0     1       2   3       3  4      4

   A token never covers parts of two words. An ``<unk>`` token stands for one or
   more characters inside one word; where that leaves a choice, the reading that
   lets every later token match is taken.

Every stimulus word gets exactly one row. When the characters disagree, an
:class:`AlignmentError` names the item, the position and both strings. There is
no fallback to another granularity.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from surprisal.text import SpanError, TextConfig, normalise_word, segment

log = logging.getLogger(__name__)

# Unknown-word tokens of other tools: <unk>, and the RNNG's classes such as
# <unkER>, <cunks>, <ununk>; also a bare UNK.
_UNK_RE = re.compile(r"^(<[^<>\s]*unk[^<>\s]*>|UNK(-[A-Za-z0-9-]+)?)$", re.I)
# WikiText-103 models (Transformer-XL) write a hyphen inside a word as @-@.
_WIKITEXT = {"@-@": "-", "@,@": ",", "@.@": "."}


def is_unk(token: str) -> bool:
    """Whether a token of another tool stands for an unknown word."""
    return bool(_UNK_RE.match(token.strip()))
# English clitics that corpora sometimes give a row of their own.
_CLITICS = {"n't", "'s", "'re", "'ve", "'ll", "'d", "'m"}


class AlignmentError(ValueError):
    """Stimulus words and model tokens that cannot be mapped onto each other."""


def _show(value) -> str:
    """An id for a message: 7, not np.int64(7)."""
    return repr(value.item() if hasattr(value, "item") else value)


def _attaches_left(word: str) -> bool:
    """A stimulus row the reader saw without a space before it: closing punctuation
    (``.``, ``,``, ``)``) or a clitic split off by the corpus (``n't``, ``'s``)."""
    if not word:
        return False
    if all(unicodedata.category(c) in ("Po", "Pe", "Pf") for c in word):
        return word not in ('"', "'") and not all(c in "#%&*@" for c in word)
    return word.lower().replace("\u2019", "'") in _CLITICS


def _attaches_right(word: str) -> bool:
    """Opening punctuation alone in a row (``(``), read with the next word."""
    return bool(word) and all(unicodedata.category(c) in ("Ps", "Pi") for c in word)


def glue_flags(words: list[str]) -> list[bool]:
    """Per word, whether it is read without a space before it."""
    flags = [False] * len(words)
    for i in range(1, len(words)):
        flags[i] = _attaches_left(words[i]) or _attaches_right(words[i - 1])
    return flags


def score_stimuli(
    stimuli: pd.DataFrame,
    model,
    *,
    item: str = "item",
    position: str = "position",
    word: str = "word",
    sentence: str | None = "sentence",
    group: str | None = None,
    allow_gaps: bool = False,
    **options,
) -> pd.DataFrame:
    """Score a stimuli table, one row per stimulus row, each word in its context.

    Parameters
    ----------
    stimuli : pandas.DataFrame
        One row per displayed word.
    model : surprisal.modelio.Model
        The model to score with.
    item, position, word : str
        Columns naming the text, the word's position in it and the word as shown.
    sentence : str or None
        Column of sentence ids; a sentence end is an ``<eos>`` in the stream.
        Without it (or when it is absent from the table), the model's own
        sentence rule applies within each item.
    group : str, optional
        Column whose values make one document, read as one stream: by default each
        item is one document.
    allow_gaps : bool
        Positions must run 1, 2, 3 ... within each item, because a missing word
        changes the context of every later word. A gap is an error unless this is
        True, in which case it is logged and the words are read as given.
    **options
        Passed to :func:`surprisal.score.score_documents` (``unit``, ``reset``,
        ``punct``, ``batch_size``, ``dtype``).

    Returns
    -------
    pandas.DataFrame
        The stimulus columns, then the score columns of
        :func:`surprisal.score.score_documents`, in the order of ``stimuli``.

    Raises
    ------
    AlignmentError
        If a model token covers parts of two stimulus words.
    """
    from surprisal.score import score_documents

    stimuli = stimuli.reset_index(drop=True)
    for col in (item, position, word):
        if col not in stimuli:
            raise AlignmentError(
                f"stimuli have no column {col!r}; columns are {list(stimuli)}")
    use_sentence = sentence is not None and sentence in stimuli
    keys = [group, item, position] if group else [item, position]
    table = stimuli.sort_values(keys, kind="stable")
    if table.duplicated(keys).any():
        dup = table[table.duplicated(keys, keep=False)].head(2)
        raise AlignmentError(f"stimuli hold the same {keys} twice:\n{dup}")

    _check_gaps(table, item, position, allow_gaps)

    docs, doc_rows = [], []
    text_config = model.text
    if not use_sentence and text_config.sentences == "line":
        text_config = TextConfig(lowercase=text_config.lowercase, sentences="spacy")
    for _, rows in table.groupby(group or item, sort=False):
        words = rows[word].astype(str).tolist()
        if use_sentence:
            sent_keys = list(zip(rows[item], rows[sentence], strict=True))
            bounds = [0] + [i for i in range(1, len(words))
                            if sent_keys[i] != sent_keys[i - 1]] + [len(words)]
        else:
            bounds = [0, len(words)]
        sents = [words[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
        glued = [glue_flags(s) for s in sents]
        try:
            docs.append(segment(sents, text_config, glued=glued))
        except SpanError as err:
            bad = rows.iloc[err.word]
            raise AlignmentError(
                f"item {_show(bad[item])}, position {bad[position]}: the model token "
                f"{err.token!r} covers parts of the stimulus word {bad[word]!r} and "
                f"the next one; merge the two rows or split them where the "
                f"tokeniser does") from None
        doc_rows.append(rows)

    scored = score_documents(docs, model, **options)
    scored = scored.drop(columns=["doc", "sentence", "word_index", "word"])
    ordered = pd.concat(doc_rows)
    scored.index = ordered.index
    return pd.concat([ordered, scored], axis=1).loc[stimuli.index]


def _check_gaps(table: pd.DataFrame, item: str, position: str, allow: bool) -> None:
    pos = table[position].to_numpy()
    same_item = (table[item].to_numpy()[1:] == table[item].to_numpy()[:-1])
    jumps = np.flatnonzero(same_item & (pos[1:] != pos[:-1] + 1))
    if not len(jumps):
        return
    rows = table.iloc[jumps]
    where = ", ".join(
        f"item {_show(i)} after position {p}"
        for i, p in zip(rows[item][:5], rows[position][:5], strict=True))
    message = (f"{len(jumps)} gaps in the word positions ({where}); the words "
               f"after a gap are read without the missing ones")
    if not allow:
        raise AlignmentError(message + ": complete the stimuli, or pass "
                             "allow_gaps=True to score them as they are")
    log.warning(message)


def score_stimuli_file(path: str | Path, model, *, item: str, position: str,
                       word: str, sentence: str | None = None,
                       **options) -> pd.DataFrame:
    """Read a CSV/TSV stimuli file (see :func:`surprisal.corpora.read_stimuli_file`)
    and score it with :func:`score_stimuli`.

    ``sentence`` names the file's sentence column; by default a column called
    ``sentence`` is used when the file has one, and sentences are guessed (with a
    warning) when it has none.
    """
    from surprisal.corpora import read_stimuli_file
    from surprisal.corpora.base import CorpusError

    if sentence is None:
        try:
            header = pd.read_csv(path, sep=None, engine="python", nrows=0)
        except (ValueError, OSError, UnicodeDecodeError):
            header = pd.DataFrame()
        sentence = "sentence" if "sentence" in header.columns else None
    corpus = read_stimuli_file(path, item=item, position=position, word=word,
                               sentence=sentence)
    try:
        return score_stimuli(corpus.stimuli, model, **options)
    except CorpusError as err:
        raise AlignmentError(str(err)) from err


def _norm(s: str) -> str:
    return "".join(normalise_word(s, lowercase=True).split())


def align_tokens(
    words: list[str], tokens: list[str], item: object = None
) -> np.ndarray:
    """The index of the word each token belongs to, by characters.

    Words and tokens are compared after NFC, quote folding and lower-casing, with
    whitespace removed (a token's leading space marker is ignored). Unknown-word
    tokens (:func:`is_unk`) stand for one or more characters within one word;
    WikiText's ``@-@`` is a hyphen, and HTML entities (``&apos;``) are decoded.

    Raises
    ------
    AlignmentError
        If the tokens do not spell the words; names the item, the word's position
        (from 1) and both strings.
    """
    text_parts = [_norm(w) for w in words]
    text = "".join(text_parts)
    word_end = np.cumsum([len(p) for p in text_parts])  # exclusive end per word
    word_of_char = np.repeat(np.arange(len(words)), [len(p) for p in text_parts])
    toks = [None if is_unk(t) else _norm(html.unescape(_WIKITEXT.get(t.strip(), t)))
            for t in tokens]

    # Forward pass: reach[i] maps each position reachable after token i to the
    # position it came from. A token stays inside one word.
    reach: list[dict[int, int]] = []
    current = {0: -1}
    for tok in toks:
        nxt: dict[int, int] = {}
        for p in current:
            if p >= len(text):
                continue
            end_of_word = int(word_end[word_of_char[p]])
            if tok is None:
                for e in range(p + 1, end_of_word + 1):
                    nxt.setdefault(e, p)
            elif tok == "":
                nxt.setdefault(p, p)
            elif text.startswith(tok, p) and p + len(tok) <= end_of_word:
                nxt.setdefault(p + len(tok), p)
        if not nxt:
            break
        reach.append(nxt)
        current = nxt

    if len(reach) < len(toks) or len(text) not in current:
        _raise_mismatch(words, tokens, text, word_of_char, reach, item)

    # Backward pass: the word of each token from its start position.
    out = np.empty(len(toks), dtype=np.int64)
    pos = len(text)
    for i in range(len(toks) - 1, -1, -1):
        start = reach[i][pos]
        out[i] = word_of_char[min(start, len(text) - 1)]
        pos = start
    return out


def _raise_mismatch(words, tokens, text, word_of_char, reach, item):
    matched = len(reach)
    far = max(reach[-1]) if reach else 0
    if far >= len(text):
        raise AlignmentError(
            f"item {_show(item)}: the words end but {len(tokens) - matched} tokens "
            f"remain, starting with {tokens[matched:matched + 3]!r}")
    w = int(word_of_char[far])
    tok = tokens[matched] if matched < len(tokens) else "(no more tokens)"
    raise AlignmentError(
        f"item {_show(item)}, position {w + 1}: stimulus word {words[w]!r} does not "
        f"match token {tok!r} (token {matched + 1}); the token file and the stimuli "
        f"hold different text here")


def tokens_to_words(
    stimuli: pd.DataFrame,
    tokens: pd.DataFrame,
    name: str,
    *,
    item: str = "item",
    position: str = "position",
    word: str = "word",
    variants: dict | None = None,
    match: str = "item",
) -> pd.DataFrame:
    """Map published per-token surprisal onto stimulus words.

    Parameters
    ----------
    stimuli : pandas.DataFrame
        One row per word: ``item``, ``position``, ``word``.
    tokens : pandas.DataFrame
        ``item``, ``token_index``, ``token``, ``surprisal_bits``, and optionally
        ``first_in_context`` (True where the source gives no real value, such as
        the 0 that some tools write for a text's first token).
    name : str
        Model name; the column made is ``surprisal_bits_<name>``.
    variants : dict, optional
        ``(item, position) -> spelling`` for words that the token file spells
        differently from the stimuli (a typo corrected in one of them); the tokens
        are matched against the variant, the output keeps the stimulus word, and
        the count is logged. See
        :func:`surprisal.corpora.natural_stories_text_variants`.
    match : {"item", "order"}
        ``item``: the token file's ``item`` ids are the stimuli's items.
        ``order``: the token file is one stream in file order (its ids number
        sentences, say), matched against all words in item and position order.

    Returns
    -------
    pandas.DataFrame
        ``item``, ``position``, ``word``, ``surprisal_bits_<name>`` (sum over the
        word's tokens), ``n_tokens_<name>``, ``oov_<name>`` (an ``<unk>`` token),
        and ``no_context_<name>``: True where a token had no real value, in which
        case the surprisal is NaN.
    """
    stimuli = stimuli.sort_values([item, position], kind="stable")
    if match == "order":
        groups = [("all", stimuli, tokens)]
    elif match == "item":
        # Item ids are matched as strings: one file may say 1 where the other "1".
        tok_groups = {str(k): g for k, g in tokens.groupby("item", sort=False)}
        missing = set(tok_groups) - set(stimuli[item].astype(str))
        if missing:
            raise AlignmentError(
                f"the token file has items the stimuli lack: {sorted(missing)[:5]}; "
                f"if it numbers sentences rather than items, match in order")
        groups = []
        for key, rows in stimuli.groupby(item, sort=False):
            if str(key) not in tok_groups:
                raise AlignmentError(
                    f"item {_show(key)}: the token file has no tokens for it")
            groups.append((key, rows, tok_groups[str(key)]))
    else:
        raise ValueError(f"match={match!r} is not one of 'item', 'order'")

    out = []
    for key, rows, t in groups:
        if match == "item":
            t = t.sort_values("token_index", kind="stable")
        spelled = rows[word].astype(str).tolist()
        if variants:
            spelled = [variants.get((i, p), w) for i, p, w in
                       zip(rows[item], rows[position], spelled, strict=True)]
        w = align_tokens(spelled, t.token.astype(str).tolist(), item=key)
        n = len(rows)
        s = np.bincount(w, weights=t.surprisal_bits.to_numpy(float), minlength=n)
        nctx = np.zeros(n, dtype=bool)
        if "first_in_context" in t:
            nctx = np.bincount(w, weights=t.first_in_context.to_numpy(bool),
                               minlength=n) > 0
        oov = np.bincount(w, weights=t.token.map(is_unk).to_numpy(float),
                          minlength=n) > 0
        out.append(pd.DataFrame({
            item: rows[item].to_numpy(), position: rows[position].to_numpy(),
            word: rows[word].to_numpy(),
            f"surprisal_bits_{name}": np.where(nctx, np.nan, s),
            f"n_tokens_{name}": np.bincount(w, minlength=n),
            f"oov_{name}": oov,
            f"no_context_{name}": nctx,
        }))
    if variants:
        log.info("%s: %d words matched through a spelling variant", name,
                 len(variants))
    return pd.concat(out, ignore_index=True)
