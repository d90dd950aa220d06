"""The command line, through click's test runner."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from surprisal.cli import main


@pytest.fixture
def runner():
    return CliRunner()


def _tsv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), sep="\t", keep_default_na=False,
                       na_values=[""])


def test_score_writes_one_row_per_word_to_stdout(runner, model):
    res = runner.invoke(main, ["score", "--model", str(model.path),
                               str(FIXTURES / "tiny.txt")])
    assert res.exit_code == 0, res.output
    table = _tsv(res.stdout)
    words = (FIXTURES / "tiny.txt").read_text().split()
    assert table.word.tolist() == words
    assert list(table.columns[:4]) == ["doc", "sentence", "word_index", "word"]
    assert np.isfinite(table.surprisal_bits).all()
    assert {"gate_l1", "gate_l2", "state_change_l1", "state_change_l2"} <= set(table)


@pytest.mark.parametrize("name,fmt", [("out.csv", None), ("out.parquet", None),
                                      ("out.dat", "tsv")])
def test_score_writes_files_by_extension_or_format(runner, model, tmp_path, name,
                                                   fmt):
    out = tmp_path / name
    args = ["score", "--model", str(model.path), str(FIXTURES / "tiny.txt"),
            "-o", str(out)] + (["--format", fmt] if fmt else [])
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    if name.endswith(".parquet"):
        table = pd.read_parquet(out)
    else:
        table = pd.read_csv(out, sep="," if name.endswith(".csv") else "\t")
    assert len(table) == len((FIXTURES / "tiny.txt").read_text().split())


def test_unknown_extension_asks_for_format(runner, model, tmp_path):
    res = runner.invoke(main, ["score", "--model", str(model.path),
                               str(FIXTURES / "tiny.txt"), "-o",
                               str(tmp_path / "x.dat")])
    assert res.exit_code != 0 and "--format" in res.output


def test_tokens_and_units(runner, model):
    path = str(FIXTURES / "tiny.txt")
    bits = _tsv(runner.invoke(main, ["score", "--model", str(model.path),
                                     path]).stdout)
    nats = _tsv(runner.invoke(main, ["score", "--model", str(model.path), "--unit",
                                     "nats", path]).stdout)
    np.testing.assert_allclose(bits.surprisal_bits,
                               nats.surprisal_nats / np.log(2), rtol=1e-5)
    np.testing.assert_allclose(bits.entropy_bits, nats.entropy_nats / np.log(2),
                               rtol=1e-5)
    toks = _tsv(runner.invoke(main, ["score", "--model", str(model.path),
                                     "--tokens", path]).stdout)
    assert len(toks) == bits.n_tokens.sum()
    assert "<eos>" not in set(toks.token)


def test_evaluate_prints_perplexities(runner, model):
    res = runner.invoke(main, ["evaluate", str(model.path),
                               str(FIXTURES / "tiny.txt")])
    assert res.exit_code == 0, res.output
    values = dict(line.split("\t") for line in res.stdout.strip().splitlines())
    assert float(values["ppl_token"]) > 1 and float(values["ppl_word"]) > 1
    assert int(values["words"]) == len((FIXTURES / "tiny.txt").read_text().split())


def test_train_then_score(runner, tmp_path):
    out = tmp_path / "m"
    res = runner.invoke(main, [
        "train", "--train", str(FIXTURES / "tiny.txt"), "--valid",
        str(FIXTURES / "tiny.txt"), "--out", str(out), "--cell", "gru",
        "--hidden", "8", "--epochs", "1", "--batch-size", "2", "--bptt", "5",
        "--no-progress"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["score", "--model", str(out),
                               str(FIXTURES / "tiny.txt")])
    assert res.exit_code == 0 and "gate_l1" in res.stdout


@pytest.mark.parametrize("content,message", [
    (None, "no such file"),
    (b"", "holds no words"),
    (b"good line\n\xc3\x28 bad\n", "line 2: invalid UTF-8 byte 0xc3"),
])
def test_bad_text_input_fails_with_a_clear_message(runner, model, tmp_path, content,
                                                   message):
    f = tmp_path / "in.txt"
    if content is not None:
        f.write_bytes(content)
    res = runner.invoke(main, ["score", "--model", str(model.path), str(f)])
    assert res.exit_code == 1
    assert message in res.output and "in.txt" in res.output


def test_bad_model_fails_with_a_clear_message(runner, model, tmp_path):
    res = runner.invoke(main, ["score", "--model", str(tmp_path / "nope"),
                               str(FIXTURES / "tiny.txt")])
    assert res.exit_code == 1 and "no such model directory" in res.output
    w = model.path / "model.safetensors"
    w.write_bytes(w.read_bytes()[:50])
    res = runner.invoke(main, ["score", "--model", str(model.path),
                               str(FIXTURES / "tiny.txt")])
    assert res.exit_code == 1 and "truncated" in res.output


def test_output_is_not_left_half_written(runner, model, tmp_path):
    out = tmp_path / "keep.tsv"
    out.write_text("precious\n")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\n")
    res = runner.invoke(main, ["score", "--model", str(model.path), str(bad),
                               "-o", str(out)])
    assert res.exit_code == 1 and out.read_text() == "precious\n"


def test_output_never_replaces_the_input(runner, model, tmp_path):
    f = tmp_path / "in.txt"
    f.write_text("The cat sat .\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(f)
    for out in (f, link):
        res = runner.invoke(main, ["score", "--model", str(model.path), str(f),
                                   "-o", str(out)])
        assert res.exit_code == 1
        assert f"-o {out} is the input file" in res.output
    assert f.read_text(encoding="utf-8") == "The cat sat .\n"


def test_output_through_a_link_keeps_the_link_and_the_permissions(runner, model,
                                                                  tmp_path):
    import os
    import stat

    target = tmp_path / "results" / "scores.tsv"
    target.parent.mkdir()
    target.write_text("old\n")
    target.chmod(0o600)
    link = tmp_path / "scores.tsv"
    link.symlink_to(target)
    res = runner.invoke(main, ["score", "--model", str(model.path),
                               str(FIXTURES / "tiny.txt"), "-o", str(link)])
    assert res.exit_code == 0, res.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert "surprisal_bits" in target.read_text().splitlines()[0].split("\t")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["scores.tsv"]


def test_compile_without_a_compiler_fails_with_a_clear_message(model, tmp_path):
    """--compile needs a C++ compiler; without one the error says so, before any
    scoring, and with no traceback."""
    import os
    import subprocess
    import sys

    fake = tmp_path / "bin" / "g++"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    env = dict(os.environ, CXX=str(fake), TORCHINDUCTOR_FORCE_DISABLE_CACHES="1",
               PATH=f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    res = subprocess.run(
        [sys.executable, "-m", "surprisal", "score", "--model", str(model.path),
         str(FIXTURES / "tiny.txt"), "--compile"],
        env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 1, res.stderr
    assert "--compile: torch.compile could not build" in res.stderr
    assert "needs a working C++ compiler" in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_output_to_devices_and_pipes_is_written_in_place(runner, model, tmp_path):
    """/dev/null, /dev/stdout or a named pipe is written to, never replaced by a
    regular file; a name without an extension is TSV."""
    import os
    import threading

    res = runner.invoke(main, ["score", "--model", str(model.path),
                               str(FIXTURES / "tiny.txt"), "-o", os.devnull])
    assert res.exit_code == 0, res.output
    assert not os.path.isfile(os.devnull)

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    res = runner.invoke(main, ["score", "--model", str(model.path),
                               str(FIXTURES / "tiny.txt"), "-o", str(fifo)])
    reader.join(timeout=60)
    assert res.exit_code == 0, res.output
    assert got and got[0].split("\n")[0].split("\t")[:4] == [
        "doc", "sentence", "word_index", "word"]
    assert not fifo.is_file() and fifo.exists()


def test_output_through_a_dangling_link_fails_before_scoring(runner, model, tmp_path):
    link = tmp_path / "scores.tsv"
    link.symlink_to(tmp_path / "missing" / "scores.tsv")
    res = runner.invoke(main, ["score", "--model", str(model.path),
                               str(FIXTURES / "tiny.txt"), "-o", str(link)])
    assert res.exit_code == 1
    assert f"the folder {tmp_path / 'missing'} (where it links to) does not exist" \
        in res.output
