"""Shared internals of the analysis package: table reading, atomic writes, warnings.

Every file the analysis writes goes through :func:`atomic_path`: the content is
written to a temporary file in the destination directory and moved into place with
:func:`os.replace`, so a reader never sees a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd


class AnalysisWarning(UserWarning):
    """Base category of the recoverable statistical problems of the analysis."""


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a merged per-word table from CSV, TSV or Parquet.

    Parameters
    ----------
    path : str or os.PathLike
        File ending in ``.csv``, ``.tsv``, ``.tab``, ``.txt`` (tab-separated) or
        ``.parquet``/``.pq``.

    Returns
    -------
    pandas.DataFrame
        The table as read.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the extension is not one of the supported ones.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file; give the merged table's path")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix in {".tsv", ".tab", ".txt"}:
        return pd.read_csv(path, sep="\t")
    if suffix in {".parquet", ".pq"}:
        return pd.read_parquet(path)
    raise ValueError(
        f"{path}: unsupported table extension {suffix!r}; "
        "use .csv, .tsv or .parquet"
    )


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` on success.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination. Its directory must exist.

    Yields
    ------
    pathlib.Path
        Temporary file in the same directory (same suffix, so that writers which
        infer the format from the name, such as matplotlib, keep working).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
