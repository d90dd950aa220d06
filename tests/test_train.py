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


def test_training_record_describes_the_run(tmp_path):
    train(_config(tmp_path / "m", epochs=1), progress=False)
    rec = json.loads((tmp_path / "m" / "training.json").read_text())
    assert rec["train_config"]["train"] == [str(FIXTURES / "tiny.txt")]
    assert rec["parameters"] == modelio.load(tmp_path / "m").net.n_parameters()
    assert rec["best_valid_ppl"] == pytest.approx(rec["history"][0]["valid_ppl"])
    assert rec["wall_time_s"] > 0
