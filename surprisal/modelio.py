"""Model directories: the only place models are written and read.

A model directory holds::

    config.json        {"format", "version", "model": ModelConfig, "text": TextConfig}
    vocab.tsv          token<TAB>count, one line per id
    model.safetensors  the weights (no pickle anywhere)
    training.json      the training record: data, hyperparameters, perplexities,
                       wall time (absent for untrained models)

Every file is written atomically (to a temporary name, then renamed).
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_model, save_model

from surprisal.nn import LanguageModel, ModelConfig
from surprisal.text import TextConfig
from surprisal.vocab import Vocab

FORMAT = "delta-surprisal-model"
VERSION = 1


class ModelError(ValueError):
    """A model directory that cannot be loaded; the message says what to do."""


@dataclass
class Model:
    """A language model with everything needed to score text.

    Attributes
    ----------
    net : LanguageModel
        The network.
    vocab : Vocab
        Token ids.
    text : TextConfig
        How raw text was normalised and tokenised in training.
    record : dict
        The training record (empty for an untrained model).
    path : Path or None
        Where the model was loaded from.
    """

    net: LanguageModel
    vocab: Vocab
    text: TextConfig
    record: dict = field(default_factory=dict)
    path: Path | None = None


def atomic_write(path: str | Path, data: bytes | str) -> None:
    """Write a file so that readers see the old or the new content, never a part."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    write_via_temp(Path(path), lambda tmp: Path(tmp).write_bytes(raw))


def write_via_temp(path: Path, write) -> None:
    """Let ``write(tmp_path)`` fill a temporary file, then rename it to ``path``.

    A symbolic link is followed (its target is replaced, the link kept), and an
    existing file keeps its permissions; a new one gets the usual ones (0666
    less the umask). A device, pipe or socket (``/dev/null``, ``/dev/stdout``, a
    named pipe) is written in place, as there is no file to replace."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        write(str(path))
        return
    path = Path(os.path.realpath(path))
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_json(path: str | Path, obj: dict) -> None:
    atomic_write(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def save(model: Model, directory: str | Path) -> Path:
    """Write a model directory (created if needed)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    config = {
        "format": FORMAT,
        "version": VERSION,
        "model": model.net.config.to_dict(),
        "text": asdict(model.text),
    }
    write_json(d / "config.json", config)
    write_via_temp(d / "vocab.tsv", model.vocab.save)
    write_via_temp(d / "model.safetensors",
                    lambda tmp: save_model(model.net, tmp, metadata={"format": FORMAT}))
    if model.record:
        write_json(d / "training.json", model.record)
    return d


def default_model_dir() -> Path:
    """The small default model shipped inside the package."""
    return Path(str(resources.files("surprisal") / "default_model"))


def load(directory: str | Path | None = None, device: str = "cpu") -> Model:
    """Load a model directory; the shipped default when ``directory`` is None.

    Raises
    ------
    ModelError
        If the directory or one of its files is missing, unreadable or
        inconsistent.
    """
    d = default_model_dir() if directory is None else Path(directory)
    if not d.is_dir():
        raise ModelError(
            f"{d}: no such model directory; give a directory written by "
            f"`surprisal train` (it holds config.json, vocab.tsv, model.safetensors)"
        )
    for name in ("config.json", "vocab.tsv", "model.safetensors"):
        if not (d / name).is_file():
            raise ModelError(f"{d}: {name} is missing; this is not a complete model")

    try:
        config = json.loads((d / "config.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelError(f"{d / 'config.json'}: not valid JSON ({err})") from err
    if config.get("format") != FORMAT:
        raise ModelError(f"{d / 'config.json'}: not a {FORMAT} config")
    if config.get("version", 0) > VERSION:
        raise ModelError(
            f"{d}: model format version {config['version']} is newer than this "
            f"package reads ({VERSION}); upgrade delta-surprisal"
        )
    try:
        mconf = ModelConfig.from_dict(config["model"])
        tconf = TextConfig(**config["text"])
    except (KeyError, TypeError, ValueError) as err:
        raise ModelError(f"{d / 'config.json'}: invalid config ({err})") from err

    try:
        vocab = Vocab.load(d / "vocab.tsv")
    except ValueError as err:
        raise ModelError(str(err)) from err
    if len(vocab) != mconf.vocab_size:
        raise ModelError(
            f"{d}: vocab.tsv has {len(vocab)} tokens but config.json says "
            f"vocab_size={mconf.vocab_size}"
        )

    net = LanguageModel(mconf)
    try:
        missing, unexpected = load_model(
            net, d / "model.safetensors", strict=False, device=device
        )
    except (SafetensorError, OSError, RuntimeError, ValueError) as err:
        raise ModelError(
            f"{d / 'model.safetensors'}: cannot read the weights ({err}); the file "
            f"is damaged or truncated, copy or train the model again"
        ) from err
    if missing or unexpected:
        raise ModelError(
            f"{d / 'model.safetensors'}: weights do not match config.json "
            f"(missing {sorted(missing)}, unexpected {sorted(unexpected)})"
        )
    net.to(device).eval()

    record = {}
    if (d / "training.json").is_file():
        record = json.loads((d / "training.json").read_text(encoding="utf-8"))
    return Model(net, vocab, tconf, record, d)


def resolve_device(device: str) -> torch.device:
    """``auto`` picks CUDA when present, else the CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(f"--device {device}: CUDA is not available on this machine")
    return torch.device(device)
