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
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys

log = logging.getLogger(__name__)

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
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    # Serve every block from the heap (no mmap) and never trim the heap's top.
    ok = mallopt(_M_MMAP_MAX, 0) == 1 and mallopt(_M_TRIM_THRESHOLD, 2**31 - 1) == 1
    log.debug("glibc keeps freed memory: %s", ok)
    return ok
