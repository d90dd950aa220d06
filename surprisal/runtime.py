"""Process-wide settings that make training and scoring faster on a CPU.

:func:`retain_freed_memory` keeps memory that PyTorch frees inside the process.
By default glibc returns every block larger than its mmap threshold (at most
32 MB) to the operating system when it is freed, and the next block of that size
is new memory that the kernel must zero page by page. Training allocates and
frees blocks of that size at every step (the output layer's scores are batch x
BPTT x vocabulary floats). With the setting, such blocks are reused: training in
``benchmarks/train_vs_lstm.py`` (hidden size 1024, 2 CPU threads) ran 15 to 25%
faster. The price is that the process's
resident memory stays at its peak instead of shrinking after it.

``surprisal`` commands call it on start; set ``SURPRISAL_MALLOC=system`` to keep
glibc's defaults.

:func:`stop_with_parent` makes a worker that ``torchrun`` started stop when
``torchrun`` itself dies, even by SIGKILL: its workers run in sessions of their
own, and would otherwise go on training, and writing checkpoints, unseen. They
are killed (SIGKILL), since a worker waiting in a collective operation for a
peer that is gone never gets to run a handler for a gentler signal;
checkpoints survive a kill at any moment.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys

log = logging.getLogger(__name__)

def _libc():
    """The C library (Linux); raises OSError where it cannot be loaded."""
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4


def retain_freed_memory() -> bool:
    """Tell glibc's allocator to keep freed memory for reuse (see module docs).

    Returns
    -------
    bool
        Whether the setting took effect: False on other C libraries and systems,
        or when ``SURPRISAL_MALLOC=system``.
    """
    choice = os.environ.get("SURPRISAL_MALLOC", "retain")
    if choice not in ("retain", "system"):
        raise ValueError(f"SURPRISAL_MALLOC={choice!r} is not one of 'retain', "
                         f"'system'; unset it or use one of them")
    if choice == "system" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = _libc().mallopt
    except (OSError, AttributeError):
        return False
    # Serve every block from the heap (no mmap) and never trim the heap's top.
    ok = mallopt(_M_MMAP_MAX, 0) == 1 and mallopt(_M_TRIM_THRESHOLD, 2**31 - 1) == 1
    log.debug("glibc keeps freed memory: %s", ok)
    return ok


_PR_SET_PDEATHSIG = 1


def stop_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Have the kernel send ``sig`` to this process when its parent exits.

    Returns
    -------
    bool
        Whether the request took effect: False on systems other than Linux.

    Raises
    ------
    SystemExit
        When the parent has already exited (this process was adopted by init).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        ok = _libc().prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if ok and os.getppid() == 1:
        raise SystemExit(128 + int(sig))
    return ok


def native_bfloat16(device) -> bool:
    """Whether ``device`` (a :class:`torch.device`) has bfloat16 matrix products
    in hardware.

    On a CPU that means AMX or AVX-512 BF16 (Intel Sapphire Rapids and newer, AMD
    Zen 4 and newer); without them PyTorch emulates bfloat16 products by
    converting to float32, and ``--dtype bfloat16`` gains nothing or loses. On
    CUDA it means compute capability 8.0 (Ampere) or newer. Other device types,
    and CPUs whose features PyTorch cannot report, count as native.
    """
    import torch

    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type != "cpu":
        return True
    get_capabilities = getattr(torch.cpu, "get_capabilities", None)
    if get_capabilities is None:
        return True
    caps = get_capabilities()
    return bool(caps.get("amx_bf16") or caps.get("avx512_bf16"))


def warn_if_slow_bfloat16(device, dtype: str) -> bool:
    """Log a warning when ``dtype`` is bfloat16 and ``device`` lacks native
    bfloat16 (:func:`native_bfloat16`); returns whether it warned."""
    if dtype != "bfloat16" or native_bfloat16(device):
        return False
    log.warning("this %s has no bfloat16 matrix products in hardware (AMX or "
                "AVX-512 BF16 on a CPU, Ampere or newer on CUDA), so --dtype "
                "bfloat16 is unlikely to be faster than float32 here; use "
                "--dtype float32", device.type)
    return True
