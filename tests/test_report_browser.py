"""The report as a compliance officer sees it: rendered by a real browser (headless Chromium).

pytest-html builds its results table with JavaScript from an embedded data blob, so only a
browser shows whether the requirement column and the Gherkin steps really appear.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from live_gate.reference.builder import DEMO_KEYS
from tests.conftest import edit_core, live_env

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("LIVE_GATE_REQUIRE_BROWSER") == "1":
    raise RuntimeError("LIVE_GATE_REQUIRE_BROWSER=1 but no chromium is installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def _rendered_dom(report: Path, profile: Path) -> str:
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=3000",
            "--dump-dom",
            report.as_uri(),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_rendered_no_go_report(reference: Path, tmp_path: Path, run_gate) -> None:
    edit_core(
        reference, lambda d: live_env(d)["alert_throttle"].__setitem__("exclude_severities", [])
    )
    gate = run_gate(reference)
    dom = _rendered_dom(gate.bundle / "report.html", tmp_path / "profile")
    assert "NO-GO: this deployment must not trade real money" in dom
    assert "live-gate binance_live: NO-GO" in dom
    # the JavaScript-rendered results table carries the requirement column and the steps
    assert 'class="col-requirement">PRE-3<' in dom
    assert "the alert throttle exists and never throttles critical alerts" in dom
    assert "step-failed" in dom and "step-passed" in dom
    assert "What the runbook says to do" in dom
    # the verdict is shown above pytest-html's environment table (reordered by our CSS)
    assert ".summary { order: -1; }" in dom
    for secret in DEMO_KEYS.values():
        assert secret not in dom
