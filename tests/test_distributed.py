"""Two processes with DistributedDataParallel train the same model as one process
with the same global batch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from click.testing import CliRunner
from conftest import FIXTURES

from surprisal import modelio
from surprisal.cli import main
from surprisal.nn import LanguageModel

# Plain SGD and no dropout, so that the two runs differ only by float32 rounding
# (the loss averaged in two halves, the gradients summed across processes). Adam
# would turn rounding in near-zero gradients into steps of +-lr. Measured
# differences are about 1e-8; weights move by up to 0.8 in this run.
ARGS = ["--train", str(FIXTURES / "tiny.txt"), "--valid", str(FIXTURES / "tiny.txt"),
        "--hidden", "12", "--batch-size", "4", "--bptt", "6", "--optimizer", "sgd",
        "--lr", "1.0", "--dropout", "0", "--seed", "3", "--device", "cpu",
        "--no-progress", "--checkpoint-minutes", "0"]
TOL = 1e-6


def _torchrun_cmd(out, *extra, args=ARGS):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("WORLD_SIZE", None)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           "--nproc_per_node", "2", "-m", "surprisal", "train", *args,
           "--out", str(out), *extra]
    return cmd, env


def _torchrun(out, *extra, args=ARGS):
    cmd, env = _torchrun_cmd(out, *extra, args=args)
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-3000:]
    return res


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (torchrun starts its workers in
    sessions of their own, so a signal to its process group misses them)."""
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry))
    return kids


def _alive(pid: int) -> bool:
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _start_and_wait(cmd, env, info, window):
    """Start ``cmd`` and wait until its checkpoint has passed ``window``;
    return the process and its workers' pids."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        try:
            if json.loads(info.read_text())["window"] >= window:
                break
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            pass
        time.sleep(0.01)
    return proc, _children(proc.pid)


def _wait_gone(pids, seconds=30.0) -> list[int]:
    deadline = time.time() + seconds
    while time.time() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


def _weights(path):
    return modelio.load(path).net.state_dict()


@pytest.mark.skipif(not torch.distributed.is_available(),
                    reason="this PyTorch has no torch.distributed")
def test_two_processes_train_like_one(tmp_path):
    res = CliRunner().invoke(main, ["train", *ARGS, "--epochs", "1",
                                    "--out", str(tmp_path / "one")])
    assert res.exit_code == 0, res.output
    _torchrun(tmp_path / "two", "--epochs", "1")

    one, two = _weights(tmp_path / "one"), _weights(tmp_path / "two")
    torch.manual_seed(3)  # the initial weights of both runs
    start = LanguageModel(modelio.load(tmp_path / "one").net.config).state_dict()
    for k in one:
        assert not torch.equal(one[k], start[k]), k  # training moved every weight
        torch.testing.assert_close(two[k], one[k], rtol=0, atol=TOL, msg=k)
    rec1 = json.loads((tmp_path / "one" / "training.json").read_text())
    rec2 = json.loads((tmp_path / "two" / "training.json").read_text())
    assert rec2["history"][0]["train_ppl"] == pytest.approx(
        rec1["history"][0]["train_ppl"], rel=1e-5)

    # A finished two-process run resumed for one more epoch equals two epochs in
    # one process.
    _torchrun(tmp_path / "two", "--epochs", "2", "--resume")
    res = CliRunner().invoke(main, ["train", *ARGS, "--epochs", "2",
                                    "--out", str(tmp_path / "one2")])
    assert res.exit_code == 0, res.output
    one2, two2 = _weights(tmp_path / "one2"), _weights(tmp_path / "two")
    for k in one2:
        torch.testing.assert_close(two2[k], one2[k], rtol=0, atol=TOL, msg=k)


@pytest.mark.skipif(not torch.distributed.is_available(),
                    reason="this PyTorch has no torch.distributed")
def test_killed_two_process_run_resumes_mid_epoch(tmp_path):
    """torchrun and both workers are killed (SIGKILL) in the middle of an epoch;
    the resumed run ends with the weights of a run that was never stopped."""
    text = tmp_path / "train.txt"
    text.write_text((FIXTURES / "tiny.txt").read_text() * 40)
    args = ["--train", str(text), *ARGS[2:], "--epochs", "1"]
    _torchrun(tmp_path / "whole", args=args)

    cmd, env = _torchrun_cmd(tmp_path / "killed", args=args)
    info = tmp_path / "killed" / "checkpoint" / "trainer.json"
    proc, workers = _start_and_wait(cmd, env, info, window=10)
    try:
        assert len(workers) == 2, workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert _wait_gone(workers) == []
    progress = json.loads(info.read_text())
    assert progress["epoch"] == 0 and progress["window"] >= 10, progress

    _torchrun(tmp_path / "killed", "--resume", args=args)
    whole, resumed = _weights(tmp_path / "whole"), _weights(tmp_path / "killed")
    for k in whole:
        torch.testing.assert_close(resumed[k], whole[k], rtol=0, atol=TOL, msg=k)


@pytest.mark.skipif(not torch.distributed.is_available()
                    or not sys.platform.startswith("linux"),
                    reason="needs torch.distributed and Linux's parent-death signal")
def test_workers_stop_when_torchrun_is_killed(tmp_path):
    """Killing torchrun alone (SIGKILL) stops its workers, which would otherwise
    train on and keep writing checkpoints."""
    text = tmp_path / "train.txt"
    text.write_text((FIXTURES / "tiny.txt").read_text() * 400)
    args = ["--train", str(text), *ARGS[2:], "--epochs", "1"]
    cmd, env = _torchrun_cmd(tmp_path / "m", args=args)
    info = tmp_path / "m" / "checkpoint" / "trainer.json"
    proc, workers = _start_and_wait(cmd, env, info, window=5)
    try:
        assert proc.poll() is None, "the run ended before it could be killed"
        assert len(workers) == 2, workers
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # torchrun only
        proc.wait()
    left = _wait_gone(workers)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []


@pytest.mark.skipif(not torch.distributed.is_available(),
                    reason="this PyTorch has no torch.distributed")
def test_busy_directory_is_refused_by_every_process(tmp_path):
    """A multi-process run into a directory that another run holds stops at once,
    every process with the same clear error, and no process hangs or fails on a
    lost peer."""
    import fcntl

    out = tmp_path / "busy"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        cmd, env = _torchrun_cmd(out, "--epochs", "1")
        res = subprocess.run(cmd, env=env, capture_output=True, text=True,
                             timeout=120)
    finally:
        os.close(fd)
    assert res.returncode != 0
    assert res.stderr.count("another training run is writing to this directory") == 2
    assert "Connection reset" not in res.stderr and "gloo" not in res.stderr.lower()
    assert list(out.iterdir()) == []
