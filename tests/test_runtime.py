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


def test_bfloat16_support_is_read_from_the_cpu_features(monkeypatch):
    import torch

    from surprisal import runtime

    cpu = torch.device("cpu")
    features = {"amx_bf16": False, "avx512_bf16": False}
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: features)
    assert runtime.native_bfloat16(cpu) is False
    features["avx512_bf16"] = True
    assert runtime.native_bfloat16(cpu) is True
    features.update(avx512_bf16=False, amx_bf16=True)
    assert runtime.native_bfloat16(cpu) is True


def test_bfloat16_without_hardware_support_is_warned_about(monkeypatch, caplog):
    import torch

    from surprisal import runtime

    cpu = torch.device("cpu")
    monkeypatch.setattr(runtime, "native_bfloat16", lambda device: False)
    with caplog.at_level("WARNING", logger="surprisal.runtime"):
        assert runtime.warn_if_slow_bfloat16(cpu, "float32") is False
        assert not caplog.records
        assert runtime.warn_if_slow_bfloat16(cpu, "bfloat16") is True
    assert "--dtype float32" in caplog.text
    monkeypatch.setattr(runtime, "native_bfloat16", lambda device: True)
    assert runtime.warn_if_slow_bfloat16(cpu, "bfloat16") is False
