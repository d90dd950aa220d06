"""Check a user's copy of a corpus against a manifest (``corpora/<name>.toml``).

A manifest has a ``[corpus]`` table (name, source, commit, licence, layout)
and one ``[[files]]`` entry per file: ``path`` (relative to the copy's root)
and ``sha256``.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib

from .base import CorpusError, require_file

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ManifestReport:
    """Result of :func:`verify_corpus`.

    Attributes
    ----------
    ok : list of str
        Files present with the expected checksum.
    missing : list of str
        Files absent from the copy.
    changed : list of str
        Files present with a different checksum.
    """

    ok: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True if no file is missing or changed."""
        return not (self.missing or self.changed)


def load_manifest(path: str | Path) -> dict[str, Any]:
    """Read and check a manifest TOML file.

    Parameters
    ----------
    path : str or Path
        The ``.toml`` file.

    Returns
    -------
    dict
        The parsed manifest.
    """
    path = require_file(path, "corpus manifest")
    try:
        manifest = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise CorpusError(f"{path}: not valid TOML: {err}; fix the syntax") from err
    files = manifest.get("files")
    if not isinstance(files, list) or not files:
        raise CorpusError(f"{path}: no [[files]] entries; list the corpus files")
    for k, entry in enumerate(files):
        if not {"path", "sha256"} <= set(entry):
            raise CorpusError(
                f"{path}: [[files]] entry {k + 1} lacks 'path' or 'sha256': {entry}"
            )
    return manifest


def sha256_of(path: str | Path, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 digest of a file."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify_corpus(manifest_path: str | Path, root: str | Path) -> ManifestReport:
    """Compare the files under ``root`` with the checksums of a manifest.

    Parameters
    ----------
    manifest_path : str or Path
        A manifest, e.g. ``corpora/natural_stories.toml`` of a source checkout.
    root : str or Path
        The user's copy of the corpus.

    Returns
    -------
    ManifestReport
        Files that are fine, missing or changed; each problem is also logged.

    Examples
    --------
    >>> report = verify_corpus("corpora/natural_stories.toml", "~/ns")  # doctest: +SKIP
    >>> report.passed  # doctest: +SKIP
    True
    """
    manifest = load_manifest(manifest_path)
    root = Path(root).expanduser()
    report = ManifestReport()
    for entry in manifest["files"]:
        path = root / entry["path"]
        if not path.is_file():
            report.missing.append(entry["path"])
            logger.warning("%s: missing (listed in %s)", path, manifest_path)
        elif sha256_of(path) != entry["sha256"]:
            report.changed.append(entry["path"])
            logger.warning(
                "%s: sha256 differs from %s; the copy is another version",
                path,
                manifest_path,
            )
        else:
            report.ok.append(entry["path"])
    return report
