"""The allocator setting that the commands apply on start."""

from __future__ import annotations

import sys

import pytest

from surprisal.runtime import retain_freed_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_retain_freed_memory_takes_effect_on_glibc(monkeypatch):
    monkeypatch.delenv("SURPRISAL_MALLOC", raising=False)
    assert retain_freed_memory() is True


def test_system_allocator_can_be_kept(monkeypatch):
    monkeypatch.setenv("SURPRISAL_MALLOC", "system")
    assert retain_freed_memory() is False


def test_unknown_setting_is_an_error(monkeypatch):
    monkeypatch.setenv("SURPRISAL_MALLOC", "fast")
    with pytest.raises(ValueError, match="SURPRISAL_MALLOC='fast'"):
        retain_freed_memory()
