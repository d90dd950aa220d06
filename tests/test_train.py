"""The training loop: it learns, it is repeatable, and a killed run resumes exactly."""

from __future__ import annotations

import json

import pytest
import torch
from conftest import FIXTURES

from surprisal import modelio
from surprisal import train as train_mod
from surprisal.train import TrainConfig, train


def _config(out, **kw) -> TrainConfig:
    base = dict(train=[str(FIXTURES / "tiny.txt")], valid=str(FIXTURES / "tiny.txt"),
                out=str(out), epochs=3, batch_size=2, bptt=6, lr=0.01, seed=7,
                device="cpu", checkpoint_minutes=60,
                model=dict(embedding=12, hidden=12, dropout=0.1))
    base.update(kw)
    return TrainConfig(**base)


def _weights(path):
    return modelio.load(path).net.state_dict()


def test_loss_goes_down(tmp_path):
    train(_config(tmp_path / "m", epochs=4), progress=False)
    history = json.loads((tmp_path / "m" / "training.json").read_text())["history"]
    assert history[-1]["train_ppl"] < 0.7 * history[0]["train_ppl"]
    assert history[-1]["valid_ppl"] < history[0]["valid_ppl"]


def test_fixed_seed_gives_the_same_model(tmp_path):
    train(_config(tmp_path / "a", epochs=1), progress=False)
    train(_config(tmp_path / "b", epochs=1), progress=False)
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_killed_run_resumes_to_the_same_model(tmp_path, monkeypatch):
    train(_config(tmp_path / "full"), progress=False)

    # Kill the second run right after its fourth mid-epoch checkpoint.
    real_save = train_mod._save_checkpoint
    calls = {"n": 0}

    def save_then_die(*args, **kwargs):
        real_save(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt

    monkeypatch.setattr(train_mod, "_save_checkpoint", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        train(_config(tmp_path / "killed", checkpoint_minutes=0), progress=False)
    monkeypatch.setattr(train_mod, "_save_checkpoint", real_save)
    info = json.loads((tmp_path / "killed/checkpoint/trainer.json").read_text())
    assert info["window"] > 0  # it died mid-epoch

    train(_config(tmp_path / "killed"), resume=True, progress=False)
    a, b = _weights(tmp_path / "full"), _weights(tmp_path / "killed")
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


class _Killed(BaseException):
    """The process dies here."""


_KILL_POINTS = {
    # stage: (where the kill strikes, what it leaves on disk)
    "writing": "the new checkpoint lacks trainer.json",
    "moving aside": "the old and the new checkpoint are both complete",
    "swapping": "no checkpoint, only the new one and the old one",
    "cleaning up": "the new checkpoint, and the old one not yet removed",
}


@pytest.mark.parametrize("stage", list(_KILL_POINTS))
def test_run_killed_while_checkpointing_resumes_exactly(tmp_path, monkeypatch, stage):
    """Wherever a kill strikes during a checkpoint, the resumed run ends with the
    weights and the per-epoch figures of a run that was never stopped."""
    import shutil
    from pathlib import Path

    train(_config(tmp_path / "full"), progress=False)
    out = tmp_path / "killed"
    ck, new, old = (out / "checkpoint", out / "checkpoint.new",
                    out / "checkpoint.old")

    real_save, real_json = train_mod._save_checkpoint, modelio.write_json
    real_rename, real_rmtree = Path.rename, shutil.rmtree
    calls = {"n": 0}

    def counted_save(*args, **kwargs):
        calls["n"] += 1
        real_save(*args, **kwargs)

    def die_if(strike: bool) -> None:
        if strike and calls["n"] == 4:  # the fourth checkpoint, mid-epoch
            raise _Killed

    def write_json(path, obj):
        die_if(stage == "writing" and Path(path) == new / "trainer.json")
        real_json(path, obj)

    def rename(self, target):
        die_if(stage == "moving aside" and self == ck
               or stage == "swapping" and self == new)
        return real_rename(self, target)

    def rmtree(path, *args, **kwargs):
        die_if(stage == "cleaning up" and Path(path) == old and old.exists()
               and not new.exists())
        return real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(train_mod, "_save_checkpoint", counted_save)
    monkeypatch.setattr(modelio, "write_json", write_json)
    monkeypatch.setattr(Path, "rename", rename)
    monkeypatch.setattr(shutil, "rmtree", rmtree)
    with pytest.raises(_Killed):
        train(_config(out, checkpoint_minutes=0), progress=False)
    monkeypatch.undo()

    complete = {d.name: (d / "trainer.json").exists() for d in (ck, new, old)
                if d.exists()}
    expected = {"writing": {"checkpoint": True, "checkpoint.new": False},
                "moving aside": {"checkpoint": True, "checkpoint.new": True},
                "swapping": {"checkpoint.new": True, "checkpoint.old": True},
                "cleaning up": {"checkpoint": True, "checkpoint.old": True}}
    assert complete == expected[stage], _KILL_POINTS[stage]

    train(_config(out), resume=True, progress=False)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("checkpoint")) \
        == ["checkpoint"]
    a, b = _weights(tmp_path / "full"), _weights(out)
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    hist = [json.loads((d / "training.json").read_text())["history"]
            for d in (tmp_path / "full", out)]
    assert [h["epoch"] for h in hist[1]] == [1, 2, 3]
    for h_full, h_resumed in zip(*hist, strict=True):
        assert h_resumed["train_ppl"] == pytest.approx(h_full["train_ppl"], rel=1e-6)
        assert h_resumed["valid_ppl"] == pytest.approx(h_full["valid_ppl"], rel=1e-6)


def test_resume_without_checkpoint_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint to resume from"):
        train(_config(tmp_path / "none"), resume=True, progress=False)


@pytest.mark.skipif(train_mod.fcntl is None, reason="no POSIX file locks")
def test_second_run_into_a_busy_directory_is_refused(tmp_path):
    """While one run holds a model directory, another run into it fails and
    writes nothing there; once the first ends, the directory is free."""
    import fcntl
    import os

    from click.testing import CliRunner

    from surprisal.cli import main

    out = tmp_path / "m"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)  # a running trainer's lock
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    args = ["train", "--train", str(FIXTURES / "tiny.txt"), "--valid",
            str(FIXTURES / "tiny.txt"), "--out", str(out), "--hidden", "8",
            "--epochs", "1", "--device", "cpu", "--no-progress"]
    try:
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 1, res.output
        assert f"{out}: another training run is writing to this directory" in res.output
        assert "Traceback" not in res.output
        assert list(out.iterdir()) == []
    finally:
        os.close(fd)
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert (out / "model.safetensors").exists()


def test_resume_with_other_settings_is_refused(tmp_path):
    """A checkpoint resumes only with the settings it was made with; the error
    names each difference, and the checkpoint is left as it was."""
    from click.testing import CliRunner

    from surprisal.cli import main

    out = tmp_path / "m"
    base = ["train", "--train", str(FIXTURES / "tiny.txt"), "--valid",
            str(FIXTURES / "tiny.txt"), "--out", str(out), "--hidden", "8",
            "--epochs", "1", "--optimizer", "sgd", "--device", "cpu",
            "--no-progress"]
    res = CliRunner().invoke(main, base)
    assert res.exit_code == 0, res.output
    before = (out / "checkpoint" / "trainer.json").read_text()
    args = [a if a != "8" else "16" for a in base]
    args = [a if a != "sgd" else "adam" for a in args] + ["--epochs", "2", "--resume"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 1
    assert "the checkpoint was made with other settings" in res.output
    assert "optimizer 'sgd' in the checkpoint, 'adam' now" in res.output
    assert "hidden 8 in the checkpoint, 16 now" in res.output
    assert "Traceback" not in res.output
    assert (out / "checkpoint" / "trainer.json").read_text() == before
    # More epochs (and another checkpoint interval) are fine.
    res = CliRunner().invoke(main, base + ["--epochs", "2", "--resume",
                                           "--checkpoint-minutes", "1"])
    assert res.exit_code == 0, res.output


def test_failed_run_leaves_no_empty_output_directory(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"words\n\x00\n")
    out = tmp_path / "new"
    from surprisal.text import TextError

    with pytest.raises(TextError, match="NUL byte"):
        train(_config(out, train=[str(bad)]), progress=False)
    assert not out.exists()


def test_training_record_describes_the_run(tmp_path):
    train(_config(tmp_path / "m", epochs=1), progress=False)
    rec = json.loads((tmp_path / "m" / "training.json").read_text())
    assert rec["train_config"]["train"] == [str(FIXTURES / "tiny.txt")]
    assert rec["parameters"] == modelio.load(tmp_path / "m").net.n_parameters()
    assert rec["best_valid_ppl"] == pytest.approx(rec["history"][0]["valid_ppl"])
    assert rec["wall_time_s"] > 0
