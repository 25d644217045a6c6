"""A gate run keeps its long-lived objects out of the cyclic collector's way while it runs, and
hands the heap back whole when it ends (live_gate.plugin.settle_heap)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from live_gate import plugin
from tests.conftest import scenario_count


def test_a_gate_run_settles_after_each_scenario_and_unfreezes_at_the_end(
    reference: Path, run_gate: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen: list[int] = []
    real = plugin.settle_heap

    def counting(config: pytest.Config) -> None:
        real(config)
        frozen.append(gc.get_freeze_count())

    monkeypatch.setattr(plugin, "settle_heap", counting)
    gc.unfreeze()
    result = run_gate(reference)
    assert result.verdict == "GO"
    assert len(frozen) >= scenario_count() + 2  # started, collected, each scenario, the end
    assert min(frozen) > 0
    assert gc.get_freeze_count() == 0  # this process goes on with an ordinary heap
