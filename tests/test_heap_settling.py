"""A gate run keeps its long-lived objects out of the cyclic collector's way while it runs
(live_gate.plugin.settle_heap): the first run of a process freezes them to the end, a later
run in the same process hands the heap back to the collector and leaves it alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from live_gate import plugin
from tests.conftest import REPO, gate_arguments, scenario_count


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The number of frozen objects after each settling, this process taken as a new one."""
    counts: list[int] = []
    real, real_unfreeze = plugin.settle_heap, gc.unfreeze
    unfrozen = [True]  # whether gc.unfreeze ran since the last count

    def counting(config: pytest.Config) -> None:
        real(config)
        # gc.get_freeze_count() walks every frozen object: 10 ms with this process's heap frozen,
        # 0.5 s over a run's settlings. Frozen objects leave the permanent generation only by
        # gc.unfreeze (this process's modules, frozen with it, stay alive), so a count above
        # zero holds until the next unfreeze and is only taken again after one.
        if unfrozen[0] or not counts or counts[-1] == 0:
            counts.append(gc.get_freeze_count())
            unfrozen[0] = False
        else:
            counts.append(counts[-1])

    def unfreezing() -> None:
        unfrozen[0] = True
        real_unfreeze()

    gc.unfreeze()
    monkeypatch.setattr(gc, "unfreeze", unfreezing)
    monkeypatch.setattr(plugin, "settle_heap", counting)
    monkeypatch.setattr(plugin, "_GATE_RUNS", 0)
    try:
        yield counts
    finally:
        gc.unfreeze()


def test_the_first_run_settles_after_each_scenario_a_later_one_unfreezes(
    reference: Path, run_gate: Any, frozen: list[int]
) -> None:
    assert run_gate(reference, fresh_process=False).verdict == "GO"
    assert len(frozen) >= scenario_count() + 2  # started, collected, each scenario, the end
    assert min(frozen) > 0 and gc.get_freeze_count() > 0  # frozen to the end of the process
    frozen.clear()
    assert run_gate(reference, fresh_process=False).verdict == "GO"
    # once it judges (configured), the second run has given the heap back and freezes nothing
    assert len(frozen) > 2 and max(frozen[1:]) == 0 and gc.get_freeze_count() == 0


def test_a_session_that_judges_nothing_is_not_a_run(
    reference: Path, run_pytest: Any, run_gate: Any, frozen: list[int]
) -> None:
    """A fleet warms its parent with a collect-only session before it forks: each member is
    still its process's first judging run, and freezes."""
    arguments = gate_arguments(REPO, "live_gate", None, True)
    code, output = run_pytest(
        *arguments, f"--deployment={reference}", "--collect-only", "-q", fresh_process=False
    )
    assert code == 0 and "no verdict" in output, output
    assert plugin._GATE_RUNS == 0
    frozen.clear()
    assert run_gate(reference, fresh_process=False).verdict == "GO"
    assert min(frozen) > 0
