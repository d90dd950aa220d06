"""Streaming: lazy reading, group-by-group scoring and rows written as they come."""

from __future__ import annotations

import functools
import io

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from surprisal import score as score_mod
from surprisal.cli import main
from surprisal.score import iter_documents, iter_score_file, score_documents
from surprisal.text import TextError, read_documents


def _many_documents(tmp_path, n=7):
    text = (FIXTURES / "tiny.txt").read_text().strip()
    path = tmp_path / "many.txt"
    path.write_text("\n\n".join([text] * n) + "\n", encoding="utf-8")
    return path


def test_lazy_reader_equals_the_whole_file_reader(model, tmp_path):
    raw = "\ufeffOne two .\r\nThree\rfour .\n\n\n  \nFive six\n"
    path = tmp_path / "odd.txt"
    path.write_bytes(raw.encode("utf-8"))
    lazy = list(iter_documents(path, model.text))
    whole = read_documents(path, model.text)
    assert [d.__dict__ for d in lazy] == [d.__dict__ for d in whole]
    assert [d.line for d in lazy] == [[1, 1, 1, 2, 3, 3], [7, 7]]


def test_documents_are_read_one_at_a_time(model, tmp_path):
    path = tmp_path / "late_error.txt"
    path.write_bytes(b"first document .\n\nsecond \xff document\n")
    docs = iter_documents(path, model.text)
    assert next(docs).words == ["first", "document", "."]
    with pytest.raises(TextError, match="line 3: invalid UTF-8 byte 0xff"):
        next(docs)


def test_empty_file_is_refused(model, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n\n")
    with pytest.raises(TextError, match="holds no words"):
        list(iter_documents(path, model.text))


@pytest.mark.parametrize("tokens", [False, True])
def test_groups_concatenate_to_the_whole_table(model, tmp_path, tokens):
    path = _many_documents(tmp_path)
    parts = list(iter_score_file(path, model, group_tokens=40, tokens=tokens))
    assert len(parts) > 2
    streamed = pd.concat(parts, ignore_index=True)
    whole = score_documents(read_documents(path, model.text), model, tokens=tokens)
    pd.testing.assert_frame_equal(streamed, whole, rtol=0, atol=1e-5)
    assert streamed.doc.tolist() == whole.doc.tolist()


def test_cli_stream_equals_the_whole_table(model, tmp_path):
    path = _many_documents(tmp_path)
    runner = CliRunner()
    res = runner.invoke(main, ["score", "--model", str(model.path), str(path)])
    assert res.exit_code == 0, res.output
    streamed = pd.read_csv(io.StringIO(res.stdout), sep="\t")
    whole = score_documents(read_documents(path, model.text), model)
    assert streamed.word.tolist() == whole.word.tolist()
    assert streamed.doc.tolist() == whole.doc.tolist()
    pd.testing.assert_series_equal(streamed.surprisal_bits, whole.surprisal_bits,
                                   rtol=1e-5)
    assert res.stdout.count("surprisal_bits") == 1  # one header


def test_failure_mid_stream_leaves_no_file(model, tmp_path, monkeypatch):
    # Small groups, so that rows are written before the reader meets the bad byte.
    monkeypatch.setattr(score_mod, "iter_score_file",
                        functools.partial(score_mod.iter_score_file, group_tokens=10))
    path = _many_documents(tmp_path, n=3)
    path.write_bytes(path.read_bytes() + b"\nbad \xff\n")
    runner = CliRunner()
    res = runner.invoke(main, ["score", "--model", str(model.path), str(path)])
    assert res.exit_code == 1 and "invalid UTF-8 byte 0xff" in res.output
    assert "surprisal_bits" in res.stdout  # rows went out before the error

    out = tmp_path / "out.tsv"
    res = runner.invoke(main, ["score", "--model", str(model.path), str(path),
                               "-o", str(out)])
    assert res.exit_code == 1 and "invalid UTF-8 byte 0xff" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [path.name, model.path.name])


def test_terminated_run_leaves_no_temporary_file(model, tmp_path):
    """SIGTERM during scoring: a non-zero exit, the earlier output untouched and
    no temporary file left next to it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    path = _many_documents(tmp_path, n=20_000)
    out = tmp_path / "out" / "scores.tsv"
    out.parent.mkdir()
    out.write_text("earlier results\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "surprisal", "score", "--model", str(model.path),
         str(path), "-o", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if any(p.name.startswith(".scores.tsv.") for p in out.parent.iterdir()):
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be terminated"
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err[-2000:]
    assert [p.name for p in out.parent.iterdir()] == ["scores.tsv"]
    assert out.read_text() == "earlier results\n"
