"""pytest loads the plugin in every session (`pytest tests`, `pytest --help`): loading it imports
no JSON Schema library, no reference builder, no exchange or Parquet library."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("jsonschema", "live_gate.reference.builder", "ccxt", "pyarrow", "responses")


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, pytest, live_gate.plugin\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
