"""The documentation site builds without a warning (`mkdocs build --strict`).

Strict mode turns every warning into an error: a broken link between pages, a
page missing from the navigation, an API reference entry whose module or
docstring cannot be read. Skipped when the `docs` extra is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    pytest.importorskip("mkdocs_click")
    pytest.importorskip("material")

    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site),
         "--config-file", str(REPO / "mkdocs.yml")],
        cwd=REPO, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-5000:]
    for page in ("index.html", "reference/cli/index.html",
                 "reference/analysis/index.html", "model-card/index.html"):
        assert (site / page).is_file(), page
    cli_page = (site / "reference/cli/index.html").read_text(encoding="utf-8")
    assert "surprisal score" in cli_page
