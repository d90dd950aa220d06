"""Peak memory (RSS) and speed of ``surprisal score`` on large inputs.

    python benchmarks/streaming_memory.py [--sizes-mb 10 100] [--model DIR]
        [--dtype bfloat16] [--compile]

Each input is the Natural Stories sample repeated (a blank line between copies,
so each story stays one document) to the given size in /tmp. Each run is a child
process, ``/usr/bin/time -v surprisal score --model DIR FILE -o OUT.tsv``, whose
"Maximum resident set size" is the peak RSS. Output rows are checked to equal
the number of words in the input.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from _paths import NATURAL_STORIES, default_model_dir, describe


def make_input(size_mb: float, tmp: Path) -> tuple[Path, int]:
    path = tmp / f"natural_stories_{size_mb:g}MB.txt"
    sample = NATURAL_STORIES.read_text(encoding="utf-8").strip() + "\n\n"
    copies = max(1, round(size_mb * 1e6 / len(sample.encode("utf-8"))))
    if not path.exists() or path.stat().st_size != copies * len(sample.encode()):
        with open(path, "w", encoding="utf-8") as f:
            for _ in range(copies):
                f.write(sample)
    return path, copies * len(sample.split())


def main() -> None:
    ap = argparse.ArgumentParser(description=describe(__doc__))
    ap.add_argument("--sizes-mb", type=float, nargs="+", default=[10, 100])
    ap.add_argument("--model", default=None)
    ap.add_argument("--tmp", default="/tmp")
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    ap.add_argument("--compile", action="store_true",
                    help="surprisal score --compile (the fused softmax head)")
    args = ap.parse_args()
    model = args.model or default_model_dir()
    for size in args.sizes_mb:
        path, n_words = make_input(size, Path(args.tmp))
        out = Path(args.tmp) / f"{path.stem}.scores.tsv"
        cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "surprisal", "score",
               "--model", str(model), str(path), "-o", str(out), "--dtype", args.dtype,
               *(["--compile"] if args.compile else [])]
        t = time.perf_counter()
        res = subprocess.run(cmd, capture_output=True, text=True,
                             env=dict(os.environ))
        wall = time.perf_counter() - t
        if res.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{res.stderr[-2000:]}")
        rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)",
                               res.stderr).group(1))
        with open(out, encoding="utf-8") as f:
            rows = sum(1 for _ in f) - 1
        assert rows == n_words, (rows, n_words)
        print(f"{path.stat().st_size / 1e6:7.1f} MB, {n_words} words: peak RSS "
              f"{rss_kb / 1024:.0f} MiB, {wall:.0f} s, {n_words / wall:.0f} words/s, "
              f"output {out.stat().st_size / 1e6:.0f} MB", flush=True)
        out.unlink()
    print(f"command: {' '.join(cmd[2:])}")


if __name__ == "__main__":
    main()
