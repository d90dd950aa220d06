"""Importers of surprisal published by others, as per-token tables.

Every importer returns one row per model token, in file order::

    item | token_index | token | surprisal_bits | first_in_context | ...
         | 0-based within item  | bits = nats / ln 2

``token`` is the string as in the file, except that the GPT-2 byte-level BPE
space marker ``Ġ`` (U+0120) becomes a leading space (``Ġyou`` -> `` you``).
``first_in_context`` marks the first token of each sentence or story: the
published value there is 0 (lm-zoo, Boyce & Levy) or empty (GPT-3), which is
not a surprisal; exclude those rows. End-of-sentence tokens (``<eos>``) are
dropped. Mapping tokens onto stimulus words is not done here.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .base import LN2, CorpusError, require_columns, require_file

logger = logging.getLogger(__name__)

Unit = Literal["bits", "nats"]
TOKEN_COLUMNS = ["item", "token_index", "token", "surprisal_bits", "first_in_context"]

BPE_SPACE = "\u0120"
EOS = "<eos>"


def to_bits(values: pd.Series, unit: Unit) -> pd.Series:
    """Convert surprisal values to bits (``bits = nats / ln 2``).

    Parameters
    ----------
    values : pandas.Series
        Surprisal values.
    unit : {'bits', 'nats'}
        Unit of ``values``.
    """
    if unit == "bits":
        return values.astype(float)
    if unit == "nats":
        return values.astype(float) / LN2
    raise ValueError(f"unit={unit!r}; choose one of {{'bits', 'nats'}}")


def _read_table(path: Path, **kwargs) -> pd.DataFrame:
    # Tokens such as "NA" or "null" must stay strings; CRLF files are common.
    table = pd.read_csv(
        path, sep="\t", quoting=3, keep_default_na=False, dtype=str, **kwargs
    )
    for column in table.columns:
        table[column] = table[column].str.rstrip("\r")
    return table


def _numeric(table: pd.DataFrame, column: str, path: Path, offset: int) -> pd.Series:
    values = pd.to_numeric(table[column], errors="coerce")
    bad = values.isna() & (table[column] != "")
    if bad.any():
        k = int(bad.to_numpy().argmax())
        raise CorpusError(
            f"{path}: line {k + offset}: {column} {table[column].iloc[k]!r} is not "
            "a number; check that the file is an unmodified copy"
        )
    return values


def _bpe_to_space(token: str) -> str:
    return " " + token[1:] if token.startswith(BPE_SPACE) else token


def _finish(table: pd.DataFrame) -> pd.DataFrame:
    table["token_index"] = table.groupby("item", sort=False).cumcount()
    extra = [c for c in table.columns if c not in TOKEN_COLUMNS]
    return table[TOKEN_COLUMNS + extra].reset_index(drop=True)


def read_lmzoo_surprisals(path: str | Path, *, unit: Unit = "bits") -> pd.DataFrame:
    """Read an lm-zoo ``get-surprisals`` TSV.

    Columns ``sentence_id, token_id, token, surprisal``; lm-zoo reports
    surprisal in bits. Lines before the header (tool log lines) are skipped.

    Parameters
    ----------
    path : str or Path
        The TSV file.
    unit : {'bits', 'nats'}
        Unit of the file's surprisal column.

    Returns
    -------
    pandas.DataFrame
        item = ``sentence_id`` (int), plus ``sentence_id`` and ``token_id``.
    """
    path = require_file(path, "lm-zoo surprisal file")
    with path.open(encoding="utf-8") as handle:
        lines = [line.startswith("sentence_id\t") for line in handle]
    if not any(lines):
        raise CorpusError(
            f"{path}: no header line starting 'sentence_id<TAB>'; an lm-zoo "
            "file has columns sentence_id, token_id, token, surprisal"
        )
    skip = lines.index(True)
    table = _read_table(path, skiprows=skip)
    require_columns(table, ["sentence_id", "token_id", "token", "surprisal"], path)
    first_line = skip + 2
    sentence = _numeric(table, "sentence_id", path, first_line).astype("int64")
    token_id = _numeric(table, "token_id", path, first_line).astype("int64")
    surprisal = _numeric(table, "surprisal", path, first_line)
    out = pd.DataFrame(
        {
            "item": sentence,
            "token": table["token"].map(_bpe_to_space),
            "surprisal_bits": to_bits(surprisal, unit),
            "first_in_context": token_id == token_id.groupby(sentence).transform("min"),
            "sentence_id": sentence,
            "token_id": token_id,
        }
    )
    return _finish(out[out["token"] != EOS].copy())


def _story_of_sentence(words_path: Path) -> pd.DataFrame:
    """Global sentence number (1..474) -> Story_Num, from Boyce & Levy words.txt."""
    words = _read_table(require_file(words_path, "Boyce & Levy words.txt"))
    require_columns(words, ["Story_Num", "Sentence_Num"], words_path)
    pairs = words[["Story_Num", "Sentence_Num"]].astype("int64").drop_duplicates()
    pairs = pairs.sort_values(["Story_Num", "Sentence_Num"]).reset_index(drop=True)
    pairs["sentence_id"] = np.arange(1, len(pairs) + 1)
    return pairs


def read_boyce_levy_2023(
    directory: str | Path,
    model: Literal["gpt2", "grnn", "txl", "ngram"],
) -> pd.DataFrame:
    """Read the Boyce & Levy (2023) Natural Stories token surprisals.

    Files of github.com/vboyce/natural-stories-maze ``Prep_code/``: lm-zoo
    output, in bits (their paper plots "Surprisal (bits)"). Sentences were
    scored one at a time (474 sentences), so each sentence's first token has
    surprisal 0 (``first_in_context``), except for the 5-gram, which
    conditions on a sentence-start symbol.

    Parameters
    ----------
    directory : str or Path
        Folder with the ``*_out_all.txt``/``gpt_surp.txt`` files and
        ``words.txt``.
    model : {'gpt2', 'grnn', 'txl', 'ngram'}
        GPT-2 (``gpt_surp.txt``), Gulordava LSTM (``grnn_out_all.txt``),
        Transformer-XL (``txl_out_all.txt``), 5-gram (``ngram_out_all.txt``,
        lower-cased tokens).

    Returns
    -------
    pandas.DataFrame
        item = story (1-10); also ``sentence_id`` (1-474 over the corpus) and
        ``sentence`` (within the story).
    """
    directory = Path(directory).expanduser()
    files = {
        "gpt2": "gpt_surp.txt",
        "grnn": "grnn_out_all.txt",
        "txl": "txl_out_all.txt",
        "ngram": "ngram_out_all.txt",
    }
    if model not in files:
        raise ValueError(f"model={model!r}; choose one of {set(files)}")
    path = require_file(directory / files[model], f"Boyce & Levy {model} file")

    if model in ("gpt2", "ngram"):
        tokens = read_lmzoo_surprisals(path, unit="bits")
    else:
        tokens = _read_eos_stream(path)
    stories = _story_of_sentence(directory / "words.txt")
    n_sentences = tokens["sentence_id"].max()
    if n_sentences != len(stories):
        raise CorpusError(
            f"{path}: {n_sentences} sentences but words.txt has {len(stories)}; "
            "the two files come from different versions"
        )
    tokens = tokens.drop(columns="item").merge(stories, on="sentence_id")
    tokens = tokens.rename(columns={"Story_Num": "item", "Sentence_Num": "sentence"})
    return _finish(tokens.drop(columns="token_index"))


def _read_eos_stream(path: Path) -> pd.DataFrame:
    """Read a headerless ``token<TAB>surprisal`` file with ``<eos>`` rows."""
    table = _read_table(path, header=None, names=["token", "surprisal"])
    surprisal = _numeric(table, "surprisal", path, 1)
    is_eos = table["token"] == EOS
    # Sentence k is the run of tokens after the (k-1)-th <eos>.
    sentence = is_eos.shift(1, fill_value=False).cumsum() + 1
    out = pd.DataFrame(
        {
            "item": sentence,
            "token": table["token"],
            "surprisal_bits": to_bits(surprisal, "bits"),
            "first_in_context": ~sentence.duplicated(),
            "sentence_id": sentence,
        }
    )
    return _finish(out[~is_eos].copy())


def read_gpt_surp_trans(path: str | Path) -> pd.DataFrame:
    """Read Boyce & Levy's own GPT-2 token-to-word map, summed per word.

    ``gpt_surp_trans.txt`` (no header): Story_Num, Sentence_Num,
    Word_In_Sentence_Num, Word_In_Story_Num, Word, Token, Surprisal (bits).
    A word's surprisal is the sum over its tokens.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    pandas.DataFrame
        Columns ``item`` (story), ``position`` (= Natural Stories zone),
        ``word``, ``surprisal_bits``, ``n_tokens``.
    """
    path = require_file(path, "Boyce & Levy gpt_surp_trans.txt")
    names = [
        "story",
        "sentence",
        "word_in_sentence",
        "position",
        "word",
        "token",
        "surprisal",
    ]
    table = _read_table(path, header=None, names=names)
    surprisal = _numeric(table, "surprisal", path, 1)
    table = table.assign(
        item=_numeric(table, "story", path, 1).astype("int64"),
        position=_numeric(table, "position", path, 1).astype("int64"),
        surprisal_bits=surprisal,
    )
    words = table.groupby(["item", "position"], sort=True).agg(
        word=("word", "first"),
        surprisal_bits=("surprisal_bits", "sum"),
        n_tokens=("token", "size"),
    )
    return words.reset_index()


def read_pauli_levinson(
    directory: str | Path,
    model: Literal["lstm", "rnng"],
    *,
    unit: Unit | None = None,
    rnng_column: Literal["leaf_surp", "branch_surp"] = "leaf_surp",
) -> pd.DataFrame:
    """Read Pauli & Levinson's LSTM or RNNG surprisal on Natural Stories.

    Files of github.com/brightp-py/rnng-and-rts ``data/``. PTB-style tokens
    (punctuation split off), 484 sentences; story ids come from ``ids.tsv``
    joined on (sent, sent_pos).

    Parameters
    ----------
    directory : str or Path
        Folder with ``naturalstories_{lstm,rnng}.output`` and ``ids.tsv``.
    model : {'lstm', 'rnng'}
        Gulordava et al. (2018) LSTM (nats: its script takes ``-log_softmax``)
        or RNNG (aistairc/rnng-pytorch).
    unit : {'bits', 'nats'}, optional
        Unit of the file. Defaults to nats for the LSTM. The RNNG's log base is
        not documented in its repository, so for it ``unit`` is required.
    rnng_column : {'leaf_surp', 'branch_surp'}
        RNNG surprisal ignoring (leaf) or including (branch) structure actions.

    Returns
    -------
    pandas.DataFrame
        item = story; also ``sent``, ``sent_pos``, ``story_pos`` (as in
        ids.tsv: 0-based in story 1, 1-based in stories 2-10).
    """
    directory = Path(directory).expanduser()
    if model == "lstm":
        column, unit = "lstm_surp", unit or "nats"
    elif model == "rnng":
        column = rnng_column
        if unit is None:
            raise ValueError(
                "the RNNG file's log base is undocumented; pass unit='nats' or "
                "unit='bits' after checking how your copy was produced"
            )
    else:
        raise ValueError(f"model={model!r}; choose one of {{'lstm', 'rnng'}}")
    path = require_file(
        directory / f"naturalstories_{model}.output", f"Pauli & Levinson {model}"
    )
    table = _read_table(path)
    require_columns(table, ["sent", "sent_pos", "word", column], path)
    ids_path = require_file(directory / "ids.tsv", "Pauli & Levinson ids.tsv")
    ids = _read_table(ids_path)
    require_columns(ids, ["sent", "sent_pos", "story", "story_pos"], ids_path)

    keys = ["sent", "sent_pos"]
    for frame in (table, ids):
        frame[keys] = frame[keys].astype("int64")
    ids = ids.drop_duplicates(keys)[[*keys, "story", "story_pos"]]
    joined = table.merge(ids, on=keys, how="left", validate="one_to_one")
    missing = joined["story"].isna()
    if missing.any():
        k = int(missing.to_numpy().argmax())
        raise CorpusError(
            f"{path}: line {k + 2}: (sent, sent_pos) = ({joined['sent'].iloc[k]}, "
            f"{joined['sent_pos'].iloc[k]}) not in {ids_path}; use the ids.tsv "
            "of the same release"
        )
    out = pd.DataFrame(
        {
            "item": joined["story"].astype("int64"),
            "token": joined["word"],
            "surprisal_bits": to_bits(_numeric(table, column, path, 2), unit),
            "first_in_context": joined.index == 0,
            "sent": joined["sent"],
            "sent_pos": joined["sent_pos"],
            "story_pos": joined["story_pos"].astype("int64"),
        }
    )
    return _finish(out)


def read_gpt3_logprobs(path: str | Path) -> pd.DataFrame:
    """Read the Natural Stories GPT-3 token log-probabilities.

    ``probs/all_stories_gpt3.csv``: natural-log probabilities from the OpenAI
    API (davinci), one row per BPE token, leading spaces kept as in the file.
    ``surprisal_bits = -logprob / ln 2``. The first token of each story has no
    log-probability: its surprisal is NaN and ``first_in_context`` is true.

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        item = story 1-10 (the file's 0-based ``story`` + 1); also ``offset``
        (character offset of the token in the story).
    """
    path = require_file(path, "GPT-3 log-probability file")
    table = pd.read_csv(path, dtype={"token": str}, keep_default_na=False)
    require_columns(table, ["token", "logprob", "offset", "story"], path)
    logprob = _numeric(table, "logprob", path, 2)
    missing = logprob.isna()
    first = table["story"].ne(table["story"].shift())
    if (missing & ~first).any():
        k = int((missing & ~first).to_numpy().argmax())
        raise CorpusError(
            f"{path}: line {k + 2}: empty logprob for token "
            f"{table['token'].iloc[k]!r}, which does not start a story; only "
            "the first token of each story may lack a log-probability"
        )
    out = pd.DataFrame(
        {
            "item": table["story"].astype("int64") + 1,
            "token": table["token"],
            "surprisal_bits": -logprob / math.log(2.0),
            "first_in_context": first,
            "offset": table["offset"].astype("int64"),
        }
    )
    return _finish(out)


def read_token_table(path: str | Path, *, unit: Unit = "bits") -> pd.DataFrame:
    """Read per-token surprisal: an lm-zoo TSV, or any CSV/TSV with the columns
    ``item``, ``token`` and ``surprisal`` (and optionally ``token_index``; file
    order otherwise).

    Parameters
    ----------
    path : str or Path
        The file (``.csv`` is comma-separated, anything else tab-separated).
    unit : {'bits', 'nats'}
        Unit of the file's surprisal column.
    """
    path = require_file(path, "per-token surprisal file")
    with path.open(encoding="utf-8") as handle:
        head = handle.read(65536)
    if "sentence_id\ttoken_id\ttoken\tsurprisal" in head:
        return read_lmzoo_surprisals(path, unit=unit)
    table = pd.read_csv(path, sep="," if path.suffix.lower() == ".csv" else "\t",
                        quoting=3, keep_default_na=False, dtype=str)
    require_columns(table, ["item", "token", "surprisal"], path)
    surprisal = _numeric(table, "surprisal", path, 2)
    out = pd.DataFrame({
        "item": _item_values(table["item"]),
        "token": table["token"].map(_bpe_to_space),
        "surprisal_bits": to_bits(surprisal, unit),
        "first_in_context": surprisal.isna().to_numpy(),
    })
    if "token_index" in table:
        out["order"] = _numeric(table, "token_index", path, 2)
        out = out.sort_values(["item", "order"], kind="stable").drop(columns="order")
    return _finish(out)


def _item_values(items: pd.Series) -> pd.Series:
    """Item ids as integers when every id is one, else as strings."""
    numbers = pd.to_numeric(items, errors="coerce")
    return numbers.astype("int64") if numbers.notna().all() else items
