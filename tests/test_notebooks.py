"""Run the notebooks of analyses/ from top to bottom with small settings.

Each notebook keeps every path and setting in its first code cell. The test
inserts a cell right after it that replaces some of them (the data folder, an
output folder under tmp_path, fewer stories, fewer folds and resamples), so the
notebooks run as a user runs them, only smaller. All four together take a few
minutes on two CPU cores.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from surprisal import modelio

REPO = Path(__file__).resolve().parents[1]
ANALYSES = REPO / "analyses"
DATA = (REPO / ".." / "shared" / "data").resolve()

SMALL = {
    "01_score_natural_stories.ipynb": {"STORIES": [1, 2], "N_WORDS": 5},
    "02_regression_natural_stories.ipynb": {
        "PUBLISHED": ["gpt2", "ngram"], "FOLDS": 5, "N_BOOT": 100, "N_PERM": 100,
    },
    "03_gates_and_state_change.ipynb": {"FOLDS": 5, "N_BOOT": 100, "N_PERM": 100},
    "04_train_your_own.ipynb": {
        "MAX_LINES": 1000, "HIDDEN": 32, "STORIES": [1, 2, 3, 4, 5],
        "N_BOOT": 100, "N_PERM": 100,
    },
}


def run_notebook(path: Path, overrides: dict, cwd: Path):
    """Execute the notebook at ``path`` in ``cwd`` with ``overrides`` set in a cell
    inserted after its first code cell; return the executed notebook."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")

    nb = nbformat.read(path, as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    source = "\n".join(f"{name} = {value!r}" for name, value in overrides.items())
    nb.cells.insert(first + 1, nbformat.v4.new_code_cell(source))
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


def _stored_without_outputs(path: Path) -> list[str]:
    import json

    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c.get("id", "?") for c in cells if c["cell_type"] == "code"
            and (c.get("outputs") or c.get("execution_count") is not None)]


@pytest.mark.parametrize("name", sorted(SMALL))
def test_notebook_is_stored_without_outputs(name):
    assert _stored_without_outputs(ANALYSES / name) == []


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SMALL))
def test_notebook_runs(name, tmp_path):
    if not DATA.is_dir():
        pytest.skip(f"{DATA} is absent")
    if not (modelio.default_model_dir() / "model.safetensors").is_file():
        pytest.skip("the shipped default model (surprisal/default_model) is absent")
    overrides = {"DATA": str(DATA), "OUT": str(tmp_path / "out"), **SMALL[name]}
    # nbclient raises CellExecutionError, naming the cell, when a cell fails.
    run_notebook(ANALYSES / name, overrides, ANALYSES)
    assert any((tmp_path / "out").iterdir()), "the notebook wrote nothing to OUT"
