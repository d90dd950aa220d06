"""The README's two commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.+?)\n```", readme)
    assert len(commands) >= 2
    ci = (REPO / ".ci/run").read_text(encoding="utf-8")
    for command in commands[:2]:
        assert command in ci, f"{command!r} is not run by .ci/run"
