"""Root conftest: loads every step module of ``steps/`` (found by folder, not listed).

The live-gate plugin itself is a pytest11 entry point of the installed package; it judges a
session only when the session is meant to be a gate run (``live_gate.plugin.is_gate_run``), so
the self-test suite in ``tests/`` stays a plain pytest suite.
"""

from pathlib import Path

import pytest

pytest_plugins = sorted(
    f"steps.{path.stem}"
    for path in (Path(__file__).resolve().parent / "steps").glob("*.py")
    if not path.name.startswith(("test_", "_"))
)


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.hasplugin("live_gate"):
        # the step definitions need the gate's fixtures: without the plugin nothing is judged
        raise pytest.UsageError(
            "the live-gate plugin is not loaded (-p no:live_gate, or the package is not "
            "installed: pip install -e <checkout>): nothing can be judged"
        )
