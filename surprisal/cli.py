"""The ``surprisal`` command: thin click commands over the library.

Data goes to stdout or to the file named by ``-o``; progress and logs to stderr.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import sys
import threading
from pathlib import Path

import click
import numpy as np

from surprisal import __version__

log = logging.getLogger("surprisal")

FORMATS = ("tsv", "csv", "parquet")


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _load_model(model_dir: Path | None, device: str = "cpu"):
    from surprisal import modelio

    try:
        return modelio.load(model_dir, device=str(modelio.resolve_device(device)))
    except modelio.ModelError as err:
        _fail(str(err))


def _adapt_options(command):
    """The options of dynamic evaluation, shared by score and evaluate."""
    for option in reversed([
        click.option("--adapt", is_flag=True,
                     help="Dynamic evaluation: after each window, a gradient step "
                          "on it (a model of adaptation to the text; the model on "
                          "disk is never changed)."),
        click.option("--adapt-lr", type=click.FloatRange(0), default=0.01,
                     show_default=True,
                     help="With --adapt: learning rate of each step."),
        click.option("--adapt-window", type=click.IntRange(1), default=20,
                     show_default=True, help="With --adapt: tokens per window."),
    ]):
        command = option(command)
    return command


# Output formats by file extension; a name without one (``-o /dev/stdout``) is TSV.
_SUFFIX_FORMATS = {"txt": "tsv", "tab": "tsv", "pq": "parquet", "": "tsv"}


def _output_format(out: Path | None, fmt: str | None) -> str:
    """``fmt``, or the format that the extension of ``out`` names (TSV on stdout)."""
    if fmt is not None:
        return fmt
    suffix = out.suffix.lower().lstrip(".") if out else ""
    fmt = _SUFFIX_FORMATS.get(suffix, suffix)
    if fmt not in FORMATS:
        _fail(f"-o {out}: cannot tell the format from the extension '.{suffix}'; "
              f"use --format {{{','.join(FORMATS)}}}")
    return fmt


def _check_output(out: Path | None, fmt: str, inputs=()) -> None:
    """Refuse an output that cannot be written, or that would replace one of the
    ``inputs``, before any work is done."""
    for f in inputs:
        if out is not None and f is not None and out.exists() and f.exists() \
                and os.path.samefile(out, f):
            _fail(f"-o {out} is the input file {f}; write the output to another "
                  f"file")
    if fmt == "parquet":
        if out is None:
            _fail("--format parquet needs -o FILE; Parquet is not written to stdout")
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            _fail("Parquet output needs pyarrow: pip install pyarrow, or write "
                  "-o FILE.tsv or FILE.csv")
    if out is not None:
        folder = Path(os.path.realpath(out)).parent
        if not folder.is_dir():
            where = "" if folder == out.parent.resolve() else " (where it links to)"
            _fail(f"-o {out}: the folder {folder}{where} does not exist; create "
                  f"it first")


def write_table(table, out: Path | None, fmt: str | None) -> None:
    """Write a DataFrame as TSV to stdout, or atomically to a file whose format
    comes from ``fmt`` or its extension."""
    from surprisal.modelio import atomic_write

    fmt = _output_format(out, fmt)
    if fmt == "parquet":
        if out is None:
            _fail("--format parquet needs -o FILE; Parquet is not written to stdout")
        buf = io.BytesIO()
        table.to_parquet(buf, index=False)
        atomic_write(out, buf.getvalue())
        return
    text = table.to_csv(sep="\t" if fmt == "tsv" else ",", index=False,
                        float_format="%.6g", lineterminator="\n")
    if out is None:
        click.echo(text, nl=False)
    else:
        atomic_write(out, text)


def _exit_on_signal(signum, frame) -> None:
    raise SystemExit(128 + signum)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="surprisal")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv).")
def main(verbose: int) -> None:
    """Word-level surprisal from Delta-RNN language models, for reading research."""
    level = logging.WARNING - 10 * verbose if verbose else logging.INFO
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    from surprisal.runtime import retain_freed_memory

    # A terminated run (SIGTERM, as sent by job schedulers and torchrun) unwinds
    # like an interrupted one, so that no temporary output file is left behind.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        retain_freed_memory()
    except ValueError as e:
        raise click.UsageError(str(e)) from None


@main.command()
@click.option("--train", "train_files", multiple=True, required=True,
              type=click.Path(exists=True, dir_okay=True, path_type=Path),
              help="Training text (repeat for several files).")
@click.option("--valid", required=True,
              type=click.Path(exists=True, dir_okay=True, path_type=Path),
              help="Validation text.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Model directory to write.")
@click.option("--format", "fmt",
              type=click.Choice(["auto", "text", "brown", "gutenberg"]),
              default="auto", show_default=True, help="Layout of the input files.")
@click.option("--cell", type=click.Choice(["delta", "lstm", "gru", "elman"]),
              default="delta", show_default=True, help="Recurrent cell.")
@click.option("--layers", type=click.IntRange(1), default=1, show_default=True,
              help="Stacked recurrent layers.")
@click.option("--hidden", type=click.IntRange(1), default=256, show_default=True,
              help="Hidden units per layer.")
@click.option("--embedding", type=click.IntRange(1), default=None,
              help="Embedding size [default: the hidden size].")
@click.option("--tie/--no-tie", default=True, show_default=True,
              help="Share the embedding with the output layer (needs equal sizes).")
@click.option("--dropout", type=click.FloatRange(0, 1, max_open=True), default=0.2,
              show_default=True, help="Outer dropout (embeddings, layer outputs).")
@click.option("--inner-dropout", type=click.FloatRange(0, 1, max_open=True),
              default=0.0, show_default=True,
              help="Delta-RNN: dropout on the proposal z_t.")
@click.option("--outer-function", type=click.Choice(["identity", "tanh"]),
              default="identity", show_default=True, help="Delta-RNN: Phi.")
@click.option("--gate", type=click.Choice(["input", "state"]), default="input",
              show_default=True,
              help="Delta-RNN: the paper's gate, or the state-aware variant.")
@click.option("--alpha-init", type=float, default=1.0, show_default=True,
              help="Delta-RNN: initial alpha.")
@click.option("--epochs", type=click.IntRange(1), default=10, show_default=True)
@click.option("--batch-size", type=click.IntRange(1), default=32, show_default=True)
@click.option("--bptt", type=click.IntRange(1), default=35, show_default=True,
              help="Steps of truncated backpropagation through time.")
@click.option("--optimizer", type=click.Choice(["adam", "sgd"]), default="adam",
              show_default=True)
@click.option("--lr", type=click.FloatRange(0, min_open=True), default=0.002,
              show_default=True, help="Initial learning rate.")
@click.option("--clip", type=click.FloatRange(0, min_open=True), default=0.25,
              show_default=True, help="Maximum gradient norm.")
@click.option("--patience", type=click.IntRange(1), default=3, show_default=True,
              help="Stalled epochs before stopping early.")
@click.option("--min-count", type=click.IntRange(1), default=1, show_default=True,
              help="Rarer tokens become <unk>.")
@click.option("--max-vocab", type=click.IntRange(3), default=None,
              help="Largest vocabulary.")
@click.option("--cased/--lowercase", default=False, show_default=True,
              help="Keep case, or lower-case all text.")
@click.option("--sentences", type=click.Choice(["line", "spacy"]), default="line",
              show_default=True,
              help="A line is a sentence, or spaCy's sentencizer splits lines.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--dtype", type=click.Choice(["float32", "bfloat16"]),
              default="float32", show_default=True, help="Compute precision.")
@click.option("--checkpoint-minutes", type=click.FloatRange(0), default=5.0,
              show_default=True, help="Minutes between mid-epoch checkpoints.")
@click.option("--resume", is_flag=True, help="Continue from OUT/checkpoint.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
              show_default=True, help="Where to train: auto is a GPU when there "
                                      "is one.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def train(train_files, valid, out, fmt, cell, layers, hidden, embedding, tie,
          dropout, inner_dropout, outer_function, gate, alpha_init, epochs,
          batch_size, bptt, optimizer, lr, clip, patience, min_count, max_vocab,
          cased, sentences, seed, dtype, checkpoint_minutes, resume, device,
          no_progress):
    """Train a language model on plain text (or Brown) and write a model directory.

    Started with ``torchrun --nproc_per_node N -m surprisal train ...`` it trains
    in N processes with DistributedDataParallel; --batch-size is the global batch
    and must be a multiple of N.
    """
    from surprisal.modelio import ModelError
    from surprisal.text import TextError
    from surprisal.train import BusyError, TrainConfig
    from surprisal.train import train as run

    cfg = TrainConfig(
        train=[str(f) for f in train_files], valid=str(valid), out=str(out),
        format=fmt, epochs=epochs, batch_size=batch_size, bptt=bptt,
        optimizer=optimizer, lr=lr, clip=clip, patience=patience, seed=seed,
        min_count=min_count, max_vocab=max_vocab,
        checkpoint_minutes=checkpoint_minutes, device=device, dtype=dtype,
        model=dict(cell=cell, layers=layers, hidden=hidden,
                   embedding=embedding or hidden, tie_weights=tie, dropout=dropout,
                   inner_dropout=inner_dropout, outer_function=outer_function,
                   gate=gate, alpha_init=alpha_init),
        text=dict(lowercase=not cased, sentences=sentences),
    )
    try:
        path = run(cfg, resume=resume, progress=not no_progress)
    except (TextError, ModelError, FileNotFoundError, ValueError, BusyError) as err:
        _fail(str(err))
    # Under torchrun every process returns here; the path is printed once.
    if os.environ.get("RANK", "0") == "0":
        click.echo(str(path))


@main.command()
@click.argument("model_dir", type=click.Path(path_type=Path))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--batch-size", type=click.IntRange(1), default=8, show_default=True)
@click.option("--reset", type=click.Choice(["document", "sentence"]),
              default="document", show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="cpu",
              show_default=True, help="Where to run the model.")
@_adapt_options
def evaluate(model_dir, file, batch_size, reset, device, adapt, adapt_lr,
             adapt_window):
    """Perplexity of MODEL_DIR on the text in FILE, per model token and per word.

    Per token: over every predicted token, sentence ends included. Per word: the
    probability of the words (sentence ends left out) per whitespace word.
    """
    from surprisal.evaluate import perplexity
    from surprisal.text import TextError

    model = _load_model(model_dir, device)
    try:
        res = perplexity(model, file, batch_size=batch_size, reset=reset,
                         adapt_lr=adapt_lr if adapt else None,
                         adapt_window=adapt_window)
    except (TextError, ValueError) as err:
        _fail(str(err))
    for key, value in res.items():
        click.echo(f"{key}\t{value:.6g}" if isinstance(value, float)
                   else f"{key}\t{value}")


@main.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--model", "model_dir", type=click.Path(path_type=Path), default=None,
              help="Model directory [default: the shipped model].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Output file [default: TSV on stdout].")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format [default: from the extension of -o, else tsv].")
@click.option("--tokens", is_flag=True, help="One row per model token.")
@click.option("--unit", type=click.Choice(["bits", "nats"]), default="bits",
              show_default=True, help="Unit of surprisal and entropy.")
@click.option("--reset", type=click.Choice(["document", "sentence"]),
              default="document", show_default=True,
              help="Carry the state through a document, or reset it per sentence.")
@click.option("--punct", type=click.Choice(["attach", "drop"]), default="attach",
              show_default=True,
              help="Whether attached punctuation counts toward a word's surprisal.")
@click.option("--batch-size", type=click.IntRange(1), default=8, show_default=True,
              help="Documents scored in parallel (values change by floating-point "
                   "rounding only).")
@click.option("--dtype", type=click.Choice(["float32", "bfloat16"]),
              default="float32", show_default=True,
              help="Precision of the network; log-probabilities stay float32.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="cpu",
              show_default=True, help="Where to run the model.")
@click.option("--stimuli", type=click.Path(path_type=Path), default=None,
              help="A CSV/TSV stimuli table instead of FILE: one row per word.")
@click.option("--item-col", default="item", show_default=True,
              help="Stimuli: the item column.")
@click.option("--position-col", default="position", show_default=True,
              help="Stimuli: the word position column.")
@click.option("--word-col", default="word", show_default=True,
              help="Stimuli: the word column.")
@click.option("--sentences", "sentence_rule", type=click.Choice(["line", "spacy"]),
              default=None,
              help="A line is one sentence, or spaCy's sentencizer splits lines "
                   "[default: the model's own rule].")
@click.option("--sentence-col", default=None,
              help="Stimuli: the sentence column [default: 'sentence' when the "
                   "file has one; otherwise sentences are guessed, with a warning].")
@_adapt_options
@click.option("--compile", "compile_softmax", is_flag=True,
              help="Fuse the softmax statistics with torch.compile: about 10 s "
                   "once, then faster; for large inputs. Needs a C++ compiler.")
def score(file, model_dir, output, fmt, tokens, unit, reset, punct, batch_size,
          dtype, device, stimuli, item_col, position_col, word_col, sentence_rule,
          sentence_col, adapt, adapt_lr, adapt_window, compile_softmax):
    """Surprisal of every word of FILE (plain text: one sentence per line, a blank
    line between documents), or of every row of a --stimuli table.

    FILE is read and scored a group of documents at a time and TSV/CSV rows are
    written as they come (with -o, to a temporary file that replaces the output
    only when all are done), so memory does not grow
    with the file. Parquet output and --stimuli are written as one table.
    """
    from surprisal.text import TextError

    if (file is None) == (stimuli is None):
        _fail("give either FILE or --stimuli FILE")
    fmt = _output_format(output, fmt)
    _check_output(output, fmt, inputs=(file, stimuli))
    model = _load_model(model_dir, device)
    from surprisal.runtime import warn_if_slow_bfloat16

    warn_if_slow_bfloat16(next(model.net.parameters()).device, dtype)
    if sentence_rule is not None:
        import dataclasses

        model.text = dataclasses.replace(model.text, sentences=sentence_rule)
    if compile_softmax:
        from surprisal.score import check_score_head, set_score_head

        set_score_head("compile")
        try:
            check_score_head(model.net)
        except RuntimeError as err:
            _fail(f"--compile: {err}")
    options = dict(unit=unit, reset=reset, punct=punct, batch_size=batch_size,
                   dtype=dtype, adapt_lr=adapt_lr if adapt else None,
                   adapt_window=adapt_window)
    col = f"surprisal_{unit}"
    totals = {"rows": 0, "oov": 0}

    def checked(tables):
        for table in tables:
            bad = ~np.isfinite(table[col].to_numpy(dtype=float))
            if punct == "drop" and "has_punct" in table:
                bad &= ~table["has_punct"].to_numpy()
            if bad.any():
                _fail(f"{int(bad.sum())} rows have a non-finite {col}; this is a "
                      f"bug, please report it with the input")
            totals["rows"] += len(table)
            if not tokens and "oov" in table:
                totals["oov"] += int(table["oov"].sum())
            yield table

    try:
        if stimuli is not None:
            if tokens:
                _fail("--tokens is for plain text; stimuli give one row per word")
            from surprisal.align import AlignmentError, score_stimuli_file

            try:
                tables = [score_stimuli_file(stimuli, model, item=item_col,
                                             position=position_col, word=word_col,
                                             sentence=sentence_col, **options)]
            except (AlignmentError, ValueError) as err:
                hint = (" (name the columns with --item-col, --position-col, "
                        "--word-col, --sentence-col)" if "column" in str(err) else "")
                _fail(f"{err}{hint}")
        else:
            from surprisal.score import iter_score_file

            tables = iter_score_file(file, model, tokens=tokens, **options)
        if fmt == "parquet":
            import pandas as pd

            write_table(pd.concat(list(checked(tables)), ignore_index=True),
                        output, fmt)
        else:
            from surprisal.score import write_rows

            write_rows(checked(tables), output, fmt)
    except (TextError, ValueError) as err:
        _fail(str(err))
    if totals["oov"]:
        log.info("%d of %d words hold an out-of-vocabulary token (oov column)",
                 totals["oov"], totals["rows"])


@main.command()
@click.argument("tokens", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("stimuli", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default="model", show_default=True,
              help="Model name, used in the output columns.")
@click.option("--unit", type=click.Choice(["bits", "nats"]), default="bits",
              show_default=True, help="Unit of the surprisal column of TOKENS.")
@click.option("--match", type=click.Choice(["item", "order"]), default="item",
              show_default=True,
              help="Match the token file's ids to the stimuli's items, or read the "
                   "token file as one stream in order (when its ids number "
                   "sentences, as lm-zoo's do).")
@click.option("--item-col", default="item", show_default=True)
@click.option("--position-col", default="position", show_default=True)
@click.option("--word-col", default="word", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Output file [default: TSV on stdout].")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None)
def align(tokens, stimuli, name, unit, match, item_col, position_col, word_col,
          output, fmt):
    """Map a per-token surprisal file (lm-zoo TSV, or a table with item, token and
    surprisal columns) onto the words of a STIMULI table, in bits."""
    from surprisal.align import AlignmentError, tokens_to_words
    from surprisal.corpora import CorpusError, read_stimuli_file
    from surprisal.corpora.published import read_token_table

    suffix = output.suffix.lower() if output else ""
    _check_output(output, fmt or ("parquet" if suffix == ".parquet" else "tsv"),
                  inputs=(Path(tokens), Path(stimuli)))
    try:
        corpus = read_stimuli_file(stimuli, item=item_col, position=position_col,
                                   word=word_col)
        toks = read_token_table(tokens, unit=unit)
        table = tokens_to_words(corpus.stimuli, toks, name, match=match)
    except (AlignmentError, CorpusError, ValueError) as err:
        _fail(str(err))
    write_table(table, output, fmt)


@main.command("check-alignment")
@click.argument("table", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--measure", default="rt", show_default=True,
              help="Reading-time column.")
@click.option("--surprisal", "surprisal_col", default="surprisal_bits",
              show_default=True, help="Surprisal column.")
@click.option("--length", default="length", show_default=True,
              help="Word-length column (computed from the word column when absent).")
@click.option("--item-col", default="item", show_default=True)
@click.option("--position-col", default="position", show_default=True)
@click.option("--threshold", type=float, default=4.0, show_default=True,
              help="|t| of a lead effect that flags a misaligned table.")
def check_alignment(table, measure, surprisal_col, length, item_col, position_col,
                    threshold):
    """Regress reading time on words z-3 .. z+2 of a merged TABLE and flag effects
    of words not yet displayed; also fit shifts of -2 .. +2. Exits with status 3
    when the table looks misaligned."""
    import warnings

    from surprisal.analysis import check_alignment_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = check_alignment_file(table, measure, surprisal_col, length=length,
                                       item=item_col, position=position_col,
                                       threshold=threshold)
        except (KeyError, ValueError) as err:
            _fail(str(err))
    click.echo(res.summary())
    if res.flagged:
        log.warning("%s looks misaligned: see the lead effects above", table)
        sys.exit(3)


@main.command()
@click.argument("config", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the report into.")
def report(config, out):
    """Run the regression analysis described by CONFIG (JSON or TOML) and write a
    report folder: Markdown, HTML, LaTeX and CSV tables, PNG and PDF figures."""
    from surprisal.analysis import make_report

    try:
        res = make_report(config, out)
    except (KeyError, ValueError, FileNotFoundError) as err:
        _fail(str(err))
    click.echo(str(res.out_dir))
