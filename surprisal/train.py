"""Training: truncated backpropagation through time, checkpoints and resume.

The loop carries the recurrent state from window to window (see
:mod:`surprisal.batches` for the layout), clips gradients, halves the learning
rate when the validation perplexity stalls, and stops early after ``patience``
stalled epochs. The best model so far (by validation perplexity) is kept in the
output directory; ``OUT/checkpoint/`` holds the latest training state, written
every ``checkpoint_minutes`` and at the end of every epoch, so that
``resume=True`` continues a killed run exactly where it stopped. A checkpoint is
written whole into ``OUT/checkpoint.new/`` and then swapped in for the previous
one, so a run killed at any moment leaves one complete checkpoint, never the
files of two different steps.

Several processes (``torchrun --nproc_per_node N -m surprisal train ...``) train
one model with DistributedDataParallel (gloo on the CPU, NCCL on CUDA). The
(B, L) layout of the stream is the same as in one process and its rows are split
across ranks::

    data (B, L)      rows 0 .. B/N-1  -> rank 0
                     rows B/N .. 2B/N-1 -> rank 1    ...

Each rank averages the loss over its rows and DDP averages the gradients, so one
step sees the same global batch as a single process with the same ``batch_size``.
Rank 0 logs and writes the model and checkpoints; a checkpoint holds the state of
all B rows and every rank's random state, so a multi-process run resumes exactly
with the same number of processes (and continues, with other dropout masks, with
another). Every rank reads the training text itself, so the files must be
visible to all of them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import shutil
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from surprisal import __version__, batches, modelio
from surprisal.nn import LanguageModel, ModelConfig
from surprisal.runtime import stop_with_parent, warn_if_slow_bfloat16
from surprisal.sources import read_training_file
from surprisal.text import TextConfig
from surprisal.vocab import Vocab

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Hyperparameters and data of one training run; saved in the training record.

    Parameters
    ----------
    train : list of str
        Training files.
    valid : str
        Validation file.
    out : str
        Output model directory.
    format : {"auto", "text", "brown"}
        Layout of the input files (see :mod:`surprisal.sources`).
    epochs : int
        Maximum number of passes over the training text.
    batch_size, bptt : int
        B parallel streams, T steps per window.
    optimizer : {"adam", "sgd"}
    lr : float
        Initial learning rate.
    lr_decay : float
        Factor applied to the learning rate when validation perplexity stalls.
    min_lr : float
        Floor of the learning rate.
    patience : int
        Stalled epochs before stopping early.
    clip : float
        Maximum gradient norm.
    seed : int
    min_count, max_vocab : int
        Vocabulary cut-off (count) and largest size.
    checkpoint_minutes : float
        Minutes between mid-epoch checkpoints.
    device : {"auto", "cpu", "cuda"}
    dtype : {"float32", "bfloat16"}
        Compute precision of the forward pass (mixed precision through autocast:
        weights, optimizer state and the loss stay in float32).
    """

    train: list[str]
    valid: str
    out: str
    format: str = "auto"
    epochs: int = 10
    batch_size: int = 32
    bptt: int = 35
    optimizer: str = "adam"
    lr: float = 0.002
    lr_decay: float = 0.5
    min_lr: float = 1e-4
    patience: int = 3
    clip: float = 0.25
    seed: int = 1
    min_count: int = 1
    max_vocab: int | None = None
    checkpoint_minutes: float = 5.0
    device: str = "auto"
    dtype: str = "float32"
    model: dict = field(default_factory=dict)
    text: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Ranks:
    """Where this process stands in a distributed run (rank 0 of 1 when alone)."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    owns_group: bool = False

    @property
    def main(self) -> bool:
        return self.rank == 0


def _start_ranks(device: str) -> _Ranks:
    """Join the process group that ``torchrun`` describes in the environment."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return _Ranks()
    import torch.distributed as dist

    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if "TORCHELASTIC_RUN_ID" in os.environ:  # started by torchrun
        stop_with_parent()
    owns = False
    if not dist.is_initialized():
        cuda = device != "cpu" and torch.cuda.is_available()
        if cuda:
            torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl" if cuda else "gloo")
        owns = True
    rank = dist.get_rank()
    if rank:  # warnings about the shared text are rank 0's to give
        logging.getLogger("surprisal").setLevel(logging.ERROR)
    return _Ranks(rank, dist.get_world_size(), local_rank, owns)


def _gather(obj, ranks: _Ranks) -> list:
    """Every rank's ``obj``, in rank order (on every rank)."""
    if ranks.world == 1:
        return [obj]
    out = [None] * ranks.world
    torch.distributed.all_gather_object(out, obj)
    return out


def _from_rank0(value: float, ranks: _Ranks, device) -> float:
    """Rank 0's value on every rank, so that all ranks take the same decisions."""
    if ranks.world == 1:
        return value
    t = torch.tensor([float(value)], dtype=torch.float64, device=device)
    torch.distributed.broadcast(t, 0)
    return float(t.item())


def _load_text(cfg: TrainConfig, text: TextConfig):
    train_docs = []
    for f in cfg.train:
        train_docs.extend(read_training_file(f, text, cfg.format))
    valid_docs = read_training_file(cfg.valid, text, cfg.format, split="valid")
    return train_docs, valid_docs


def _make_optimizer(cfg: TrainConfig, net: LanguageModel) -> torch.optim.Optimizer:
    return make_optimizer(cfg.optimizer, net.parameters(), cfg.lr)


def make_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """The optimizer of a training run: ``"adam"`` or ``"sgd"``.

    Adam takes its fused step (one kernel over all parameters) where this PyTorch
    and device have it: the same update as the default step, in less time.
    """
    if name == "adam":
        params = list(params)
        try:
            return torch.optim.Adam(params, lr=lr, fused=True)
        except (RuntimeError, TypeError, ValueError):
            return torch.optim.Adam(params, lr=lr)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    raise ValueError(f"optimizer {name!r} is not one of 'adam', 'sgd'")


@torch.no_grad()
def stream_nll(
    net: LanguageModel, stream: torch.Tensor, batch_size: int = 16, bptt: int = 128
) -> tuple[float, int]:
    """Summed negative log-likelihood (nats) of a stream and the number of targets."""
    was_training = net.training
    net.eval()
    device = next(net.parameters()).device
    data = batches.batchify(stream, min(batch_size, max(1, stream.numel() // 2)))
    total, n, state = 0.0, 0, None
    for x, y in batches.windows(data, bptt):
        out = net(x.to(device), state)
        state = out.state
        logp = F.log_softmax(out.logits.float(), dim=-1)
        total -= logp.gather(-1, y.to(device).unsqueeze(-1)).sum().item()
        n += y.numel()
    net.train(was_training)
    return total, n


def _save_checkpoint(
    ckdir: Path,
    net,
    opt,
    progress: dict,
    state,
    vocab: Vocab,
    text: TextConfig,
    rank_rng: list[torch.Tensor] | None = None,
) -> None:
    """Write the checkpoint ``ckdir``: whole into a sibling directory first, then
    swapped in (see :func:`_settle_checkpoint`)."""
    final, ckdir = ckdir, _sibling(ckdir, "new")
    shutil.rmtree(ckdir, ignore_errors=True)
    ckdir.mkdir(parents=True)
    modelio.save(modelio.Model(net, vocab, text), ckdir)

    # Optimizer tensors and RNG state go to safetensors, the rest to JSON: no pickle.
    tensors, meta = {}, {"param_groups": [], "state_keys": {}}
    sd = opt.state_dict()
    for g in sd["param_groups"]:
        meta["param_groups"].append({k: v for k, v in g.items()})
    for pid, pstate in sd["state"].items():
        keys = []
        for k, v in pstate.items():
            if torch.is_tensor(v):
                tensors[f"opt.{pid}.{k}"] = v.detach().cpu().contiguous()
                keys.append(k)
        meta["state_keys"][str(pid)] = keys
    tensors["rng.cpu"] = torch.get_rng_state()
    for r, rng in enumerate(rank_rng or []):
        tensors[f"rng.cpu.rank{r}"] = rng
    if torch.cuda.is_available():
        tensors["rng.cuda"] = torch.cuda.get_rng_state()
    if state is not None:
        for i, s in enumerate(state):
            for j, t in enumerate(s):
                tensors[f"hidden.{i}.{j}"] = t.detach().cpu().contiguous()
    fd_path = ckdir / "trainer.safetensors"
    tmp = ckdir / ".trainer.safetensors.tmp"
    save_file(tensors, str(tmp))
    tmp.replace(fd_path)
    # trainer.json last: a directory that holds it is complete.
    modelio.write_json(ckdir / "trainer.json", {"optimizer": meta, **progress})

    old = _sibling(final, "old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    ckdir.rename(final)
    shutil.rmtree(old, ignore_errors=True)


# Settings a resumed run must share with its checkpoint; the others (epochs,
# patience, checkpoint interval, device, precision, file paths) may change.
_RESUME_SAME = ("format", "batch_size", "bptt", "optimizer", "lr", "lr_decay",
                "min_lr", "clip", "seed", "min_count", "max_vocab", "model", "text")


def _check_resumed_settings(ckdir: Path, cfg: TrainConfig) -> None:
    """Refuse to resume from a checkpoint made with other settings, naming them."""
    saved = json.loads((ckdir / "trainer.json").read_text()).get("train_config")
    if saved is None:  # a checkpoint of an earlier version: its model only
        config = json.loads((ckdir / "config.json").read_text())["model"]
        saved = {"model": {k: config[k] for k in cfg.model if k in config}}
    now = asdict(cfg)
    diffs = []
    for key in _RESUME_SAME:
        if key not in saved:
            continue
        a, b = saved[key], now[key]
        if isinstance(a, dict) and isinstance(b, dict):
            diffs += [f"{k} {a.get(k)!r} in the checkpoint, {b.get(k)!r} now"
                      for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        elif a != b:
            diffs.append(f"{key} {a!r} in the checkpoint, {b!r} now")
    if diffs:
        raise ValueError(
            f"{ckdir}: the checkpoint was made with other settings ("
            + "; ".join(diffs) + "); resume with the checkpoint's settings, or "
            "train into another --out")


def _sibling(ckdir: Path, tag: str) -> Path:
    return ckdir.with_name(f"{ckdir.name}.{tag}")


def _settle_checkpoint(ckdir: Path) -> None:
    """Finish a checkpoint swap that a killed run left half done: keep the newest
    complete checkpoint (one that holds ``trainer.json``) as ``ckdir`` and remove
    the rest."""
    new, old = _sibling(ckdir, "new"), _sibling(ckdir, "old")
    if not (ckdir / "trainer.json").exists():
        for candidate in (new, old):
            if (candidate / "trainer.json").exists():
                shutil.rmtree(ckdir, ignore_errors=True)
                candidate.rename(ckdir)
                log.info("%s: completed from %s", ckdir, candidate.name)
                break
    for stale in (new, old):
        shutil.rmtree(stale, ignore_errors=True)


def _load_checkpoint(ckdir: Path, net, opt, device, rank: int = 0):
    tensors = load_file(str(ckdir / "trainer.safetensors"))
    info = json.loads((ckdir / "trainer.json").read_text())
    meta = info["optimizer"]
    state = {}
    for pid, keys in meta["state_keys"].items():
        state[int(pid)] = {k: tensors[f"opt.{pid}.{k}"].to(device) for k in keys}
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    torch.set_rng_state(tensors.get(f"rng.cpu.rank{rank}", tensors["rng.cpu"]))
    if "rng.cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors["rng.cuda"])
    hidden = None
    if "hidden.0.0" in tensors:
        hidden = []
        for i in range(net.config.layers):
            n = net.layers[i].n_states
            hidden.append(
                tuple(tensors[f"hidden.{i}.{j}"].to(device) for j in range(n))
            )
    return info, hidden


def train(cfg: TrainConfig, resume: bool = False, progress: bool = True) -> Path:
    """Train a language model and write its model directory.

    Parameters
    ----------
    cfg : TrainConfig
        Data and hyperparameters; ``cfg.model`` holds :class:`ModelConfig` fields
        (without ``vocab_size``) and ``cfg.text`` :class:`TextConfig` fields.
    resume : bool
        Continue from ``OUT/checkpoint`` (same data and settings).
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    Path
        The model directory (the best model by validation perplexity).

    Notes
    -----
    Started by ``torchrun`` (``WORLD_SIZE`` > 1 in the environment), it trains
    with DistributedDataParallel; see the module docstring.
    """
    ranks = _start_ranks(cfg.device)
    try:
        return _train(cfg, resume, progress, ranks)
    finally:
        if ranks.owns_group:
            torch.distributed.destroy_process_group()


class BusyError(RuntimeError):
    """Another training run is writing to the same model directory."""


@contextlib.contextmanager
def _exclusive(out: Path, ranks: _Ranks):
    """Hold an exclusive lock on the directory ``out`` (taken by rank 0, on
    POSIX systems), so that two runs never write one model directory or its
    checkpoints. Every rank learns whether it was free. A directory made here and
    left empty by a failed run is removed."""
    made = not out.exists()
    fd, busy = None, None
    if ranks.main and fcntl is not None:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            busy = (f"{out}: another training run is writing to this directory; "
                    f"wait for it to end or stop it, or train into another --out")
    if ranks.world > 1:
        box = [busy]
        torch.distributed.broadcast_object_list(box, src=0)
        busy = box[0]
    try:
        if busy:
            raise BusyError(busy)
        yield
    except BaseException:
        if ranks.main and made and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        raise
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock


def _train(cfg: TrainConfig, resume: bool, progress: bool, ranks: _Ranks) -> Path:
    out = Path(cfg.out)
    with _exclusive(out, ranks):
        return _train_locked(cfg, resume, progress, ranks)


def _train_locked(cfg: TrainConfig, resume: bool, progress: bool,
                  ranks: _Ranks) -> Path:
    out = Path(cfg.out)
    ckdir = out / "checkpoint"
    if ranks.main:
        _settle_checkpoint(ckdir)
    if ranks.world > 1:
        torch.distributed.barrier()
    if resume and not (ckdir / "trainer.json").exists():
        raise FileNotFoundError(
            f"{ckdir}: no checkpoint to resume from; run without --resume"
        )
    if resume:
        _check_resumed_settings(ckdir, cfg)
    if cfg.batch_size % ranks.world:
        raise ValueError(
            f"--batch-size {cfg.batch_size} does not split into {ranks.world} "
            f"processes; use a multiple of {ranks.world}"
        )
    torch.manual_seed(cfg.seed)
    device = modelio.resolve_device(cfg.device)
    if device.type == "cuda" and ranks.world > 1:
        device = torch.device("cuda", ranks.local_rank)
    if ranks.main:
        warn_if_slow_bfloat16(device, cfg.dtype)
    text = TextConfig(**cfg.text)
    info = log.info if ranks.main else (lambda *args: None)

    # Text, vocabulary and id streams.
    t0 = time.time()
    train_docs, valid_docs = _load_text(cfg, text)
    if resume:
        vocab = Vocab.load(ckdir / "vocab.tsv")
    else:
        counts = Counter(t for d in train_docs for t in d.tokens)
        vocab = Vocab.build(counts, cfg.min_count, cfg.max_vocab)
    train_stream = batches.training_stream(train_docs, vocab)
    valid_stream = batches.training_stream(valid_docs, vocab)
    n_words = sum(len(d.words) for d in train_docs)
    info(
        "read %d documents, %d words, %d tokens; vocabulary %d (%.1fs)",
        len(train_docs), n_words, train_stream.numel(), len(vocab), time.time() - t0,
    )

    mconf = ModelConfig(vocab_size=len(vocab), **cfg.model)
    net = LanguageModel(mconf).to(device)
    opt = _make_optimizer(cfg, net)

    # This rank's rows of the (B, L) layout (all of them in one process).
    data = batches.batchify(train_stream, cfg.batch_size)
    rows = cfg.batch_size // ranks.world
    mine = slice(ranks.rank * rows, (ranks.rank + 1) * rows)
    data = data[mine].to(device)
    n_win = batches.n_windows(data, cfg.bptt)
    info("%s model, %d parameters, %d windows per epoch, %d process(es)",
         mconf.cell, net.n_parameters(), n_win, ranks.world)
    step_net = net
    if ranks.world > 1:
        from torch.nn.parallel import DistributedDataParallel

        step_net = DistributedDataParallel(
            net, device_ids=[device.index] if device.type == "cuda" else None
        )
        # Dropout masks differ across ranks, as across rows in one process.
        torch.manual_seed(cfg.seed + 1000 * ranks.rank)

    prog = {"epoch": 0, "window": 0, "best_valid_ppl": math.inf, "stalled": 0,
            "elapsed_s": 0.0, "history": [], "tokens_seen": 0}
    hidden = None
    if resume:
        net_state = modelio.load(ckdir, device=str(device)).net.state_dict()
        net.load_state_dict(net_state)
        prog, hidden = _load_checkpoint(ckdir, net, opt, device, ranks.rank)
        prog.pop("optimizer", None)
        if hidden is not None and ranks.world > 1:
            hidden = [tuple(t[mine] for t in s) for s in hidden]
        info("resumed at epoch %d, window %d", prog["epoch"] + 1, prog["window"])

    def checkpoint(state, sums=(0.0, 0), epoch_s=0.0) -> None:
        # Collective: the state of every row, every rank's random state, and the
        # epoch's loss and token count so far, summed over the ranks.
        rng = _gather(torch.get_rng_state(), ranks)
        gathered = _gather(sums, ranks)
        prog["epoch_sums"] = [sum(g[0] for g in gathered),
                              sum(g[1] for g in gathered)]
        prog["epoch_s"] = epoch_s
        prog["train_config"] = asdict(cfg)
        if state is not None and ranks.world > 1:
            parts = _gather([tuple(t.cpu() for t in s) for s in state], ranks)
            state = [tuple(torch.cat([p[i][j] for p in parts])
                           for j in range(len(s))) for i, s in enumerate(state)]
        if ranks.main:
            _save_checkpoint(ckdir, net, opt, prog, state, vocab, text,
                             rank_rng=rng if ranks.world > 1 else None)

    def lr() -> float:
        return opt.param_groups[0]["lr"]

    if cfg.dtype not in ("float32", "bfloat16"):
        raise ValueError(f"dtype {cfg.dtype!r} is not one of 'float32', 'bfloat16'")
    autocast = torch.autocast(
        device.type, dtype=torch.bfloat16, enabled=cfg.dtype == "bfloat16"
    )
    start = time.time() - prog["elapsed_s"]
    last_ck = time.time()
    model = modelio.Model(net, vocab, text)
    while prog["epoch"] < cfg.epochs:
        net.train()
        epoch_loss, epoch_n, t_epoch = 0.0, 0, time.time()
        if prog["window"]:  # resumed mid-epoch: the epoch's figures so far
            loss_n = prog.get("epoch_sums", [0.0, 0])
            if ranks.main:  # the sums over all ranks, kept by rank 0
                epoch_loss, epoch_n = float(loss_n[0]), int(loss_n[1])
            t_epoch -= prog.get("epoch_s", 0.0)
        resumed_n = epoch_n
        bar = tqdm(total=n_win, initial=prog["window"],
                   disable=not (progress and ranks.main),
                   desc=f"epoch {prog['epoch'] + 1}", unit="win", leave=False)
        for x, y in batches.windows(data, cfg.bptt, start=prog["window"]):
            with autocast:
                res = step_net(x, hidden)
            loss = F.cross_entropy(
                res.logits.float().reshape(-1, len(vocab)), y.reshape(-1)
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.clip)
            opt.step()
            hidden = [tuple(t.detach().float() for t in s) for s in res.state]

            epoch_loss += loss.item() * y.numel()
            epoch_n += y.numel()
            prog["window"] += 1
            prog["tokens_seen"] += y.numel() * ranks.world
            rate = ((resumed_n + (epoch_n - resumed_n) * ranks.world)
                    / max(time.time() - t_epoch, 1e-9))
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}",
                            ppl=f"{math.exp(min(loss.item(), 50)):.1f}",
                            tok_s=f"{rate:.0f}", lr=f"{lr():.2g}")
            due = time.time() - last_ck > cfg.checkpoint_minutes * 60
            if _from_rank0(due, ranks, device):
                prog["elapsed_s"] = time.time() - start
                checkpoint(hidden, (epoch_loss, epoch_n), time.time() - t_epoch)
                last_ck = time.time()
        bar.close()

        # Validation, learning-rate decay and early stopping (rank 0's figures,
        # so that every rank decides alike).
        nll, n = stream_nll(net, valid_stream)
        valid_ppl = _from_rank0(math.exp(nll / n), ranks, device)
        if ranks.world > 1:
            sums = torch.tensor([epoch_loss, epoch_n], dtype=torch.float64,
                                device=device)
            torch.distributed.all_reduce(sums)
            epoch_loss, epoch_n = float(sums[0]), int(sums[1])
        train_ppl = math.exp(epoch_loss / max(epoch_n, 1))
        prog["epoch"] += 1
        prog["window"] = 0
        hidden = None
        prog["elapsed_s"] = time.time() - start
        prog["history"].append({
            "epoch": prog["epoch"], "lr": lr(), "train_ppl": train_ppl,
            "valid_ppl": valid_ppl,
            "tokens_per_s": epoch_n / (time.time() - t_epoch),
            "elapsed_s": prog["elapsed_s"],
        })
        info("epoch %d | lr %.2g | train loss %.3f | train ppl %.2f | "
             "valid ppl %.2f | %.0f tok/s | %.0fs",
             prog["epoch"], lr(), math.log(train_ppl), train_ppl, valid_ppl,
             prog["history"][-1]["tokens_per_s"], prog["elapsed_s"])
        stop = False
        if valid_ppl < prog["best_valid_ppl"]:
            prog["best_valid_ppl"] = valid_ppl
            prog["stalled"] = 0
            if ranks.main:
                model.record = _record(cfg, prog, net, train_stream, valid_stream,
                                       n_words)
                modelio.save(model, out)
        else:
            prog["stalled"] += 1
            for g in opt.param_groups:
                g["lr"] = max(g["lr"] * cfg.lr_decay, cfg.min_lr)
            stop = prog["stalled"] >= cfg.patience
        if stop:
            info("validation perplexity stalled for %d epochs: stopping",
                 prog["stalled"])
            prog["epoch"] = cfg.epochs
        checkpoint(None)
        last_ck = time.time()

    # The record of the kept (best) model, with the final totals.
    if ranks.world > 1:
        torch.distributed.barrier()
    if not ranks.main:
        return out
    final = modelio.load(out, device=str(device))
    final.record = _record(cfg, prog, net, train_stream, valid_stream, n_words)
    final.record["best_valid_ppl"] = prog["best_valid_ppl"]
    modelio.write_json(out / "training.json", final.record)
    return out


def _record(cfg, prog, net, train_stream, valid_stream, n_words) -> dict:
    return {
        "package_version": __version__,
        "torch_version": torch.__version__,
        "train_config": asdict(cfg),
        "parameters": net.n_parameters(),
        "train_tokens": int(train_stream.numel()),
        "train_words": n_words,
        "valid_tokens": int(valid_stream.numel()),
        "epochs_run": prog["epoch"],
        "best_valid_ppl": prog["best_valid_ppl"],
        "wall_time_s": prog["elapsed_s"],
        "history": prog["history"],
    }
