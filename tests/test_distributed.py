"""Two processes with DistributedDataParallel train the same model as one process
with the same global batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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


def _torchrun(out, *extra):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("WORLD_SIZE", None)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           "--nproc_per_node", "2", "-m", "surprisal", "train", *ARGS,
           "--out", str(out), *extra]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-3000:]
    return res


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
