"""The report as a compliance officer sees it: rendered by a real browser (headless Chromium) at
1400 px and 390 px wide, and printed to PDF.

pytest-html builds its results table with JavaScript from an embedded data blob, and the gate's
CSS reorders pytest-html's page, so only a browser shows what is where. A small script (PROBE)
injected into a copy of the report measures the rendered page (positions, widths, contrast of
every text, the visible text) and writes the figures into the DOM, where they are read back.

One Chromium serves the whole session: it is driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: NUL-separated JSON on file descriptors 3 and 4, no network, no
extra library), each page in a fresh window, instead of a browser started per page.
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from live_gate.reference.builder import DEMO_KEYS
from tests.conftest import GateResult, edit_core, live_env
from tests.test_gate_defects import compliance, refreeze
from tests.test_gate_real_world import REAL_WORLD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOTEXT = shutil.which("pdftotext")
REQUIRED = os.environ.get("LIVE_GATE_REQUIRE_BROWSER") == "1"
if REQUIRED and (CHROMIUM is None or PDFTOTEXT is None):
    raise RuntimeError(
        "LIVE_GATE_REQUIRE_BROWSER=1 but chromium or pdftotext (poppler-utils) is not installed"
    )
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

#: what the first screen of a laptop shows (1400 x 900)
FOLD = 900

PROBE = r"""
<script>
(function () {
  function rgba(text) {
    const m = text.match(/rgba?\(([^)]+)\)/);
    if (!m) return [255, 255, 255, 1];
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function over(top, bottom) {  // alpha-composite top over an opaque bottom
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  }
  function background(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  }
  function luminance(c) {
    const f = v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  }
  function contrast(a, b) {
    const x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  function box(selector) {
    const e = document.querySelector(selector);
    if (!e) return null;
    const r = e.getBoundingClientRect();
    return {top: r.top + scrollY, bottom: r.bottom + scrollY, left: r.left, right: r.right,
            shown: r.width > 0 && r.height > 0};
  }
  const skip = 'script, style, template, #probe';
  const out = {width: innerWidth, height: innerHeight,
               scrollWidth: document.documentElement.scrollWidth,
               viewportMeta: !!document.querySelector('head meta[name=viewport]'),
               boxes: {}, overflow: [], lowContrast: [], statusOff: []};
  for (const [name, selector] of Object.entries({
      verdict: '.verdict h2', owners: '.owners-summary', blockers: '.blockers',
      waivers: '.waivers', requirements: '.gate-section table.gate', evidence: '.evidence',
      engineers: '#for-engineers', results: '#results-table', environment: '#environment',
      generated: 'body > p'})) {
    out.boxes[name] = box(selector);
  }
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest(skip)) continue;
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    // pytest-html's own tables scroll inside themselves on a phone
    if (!e.closest('#results-table, #environment') && (r.right > innerWidth + 1 || r.left < -1)) {
      out.overflow.push(
        e.tagName + '.' + e.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(e);
    if (style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
    const bg = background(e);
    const ratio = contrast(over(rgba(style.color), bg), bg);
    if (ratio < 4.5) {
      out.lowContrast.push(e.tagName + '.' + e.className + ' "' +
        e.textContent.trim().slice(0, 40) + '" ' + style.color + ' ' + ratio.toFixed(2));
    }
  }
  for (const e of document.querySelectorAll('.additional-summary.prefix .st')) {
    const r = e.getBoundingClientRect();
    if (r.width && (r.right > innerWidth + 1 || r.left < 0)) out.statusOff.push(e.textContent);
  }
  out.text = document.body.innerText;
  parent.postMessage(JSON.stringify(out), '*');
})();
</script>
"""

#: headless Chromium will not make a window narrower than 500 px, so the report is measured in
#: an iframe of the exact size; the probe inside posts its figures to this page
FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{src}" width="{width}" height="{height}" style="border:0;display:block"></iframe>
<pre id="probe"></pre>
<script>
addEventListener('message', e => {{ document.getElementById('probe').textContent = e.data; }});
</script>
</body></html>"""


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe."""

    TIMEOUT = 60.0  # seconds for any one answer: a hung browser fails the test, never hangs it

    def __init__(self, profile: Path) -> None:
        assert CHROMIUM is not None
        to_browser, self._to_browser = os.pipe()
        self._from_browser, from_browser = os.pipe()
        # the protocol expects the pipe on file descriptors 3 (commands) and 4 (answers); bash
        # moves it there (dash's redirections take one-digit descriptors only)
        self.process = subprocess.Popen(
            [
                "bash", "-c", f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser}', CHROMIUM,
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                f"--user-data-dir={profile}", "--window-size=1600,1000",
                "--remote-debugging-pipe", "about:blank",
            ],
            pass_fds=(to_browser, from_browser),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._last_id = 0
        self._events: list[dict[str, Any]] = []
        self._page: Page | None = None

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer")
            if select.select([self._from_browser], [], [], left)[0]:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed its pipe")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        answer: dict[str, Any] = json.loads(message)
        return answer

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._last_id += 1
        message: dict[str, Any] = {"id": self._last_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.TIMEOUT
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self._last_id:
                assert "error" not in answer, f"{method}: {answer['error']}"
                result: dict[str, Any] = answer["result"]
                return result
            self._events.append(answer)

    def _wait_for(self, event: str, session: str) -> None:
        def wanted(e: dict[str, Any]) -> bool:
            return e.get("method") == event and e.get("sessionId") == session

        if any(wanted(e) for e in self._events):
            self._events = [e for e in self._events if not wanted(e)]
            return
        deadline = time.monotonic() + self.TIMEOUT
        while not wanted(answer := self._receive(deadline)):
            self._events.append(answer)

    def evaluate(self, session: str, expression: str) -> Any:
        found = self.send("Runtime.evaluate", session, expression=expression, returnByValue=True)
        return found["result"].get("value")

    def page(self, url: str) -> Page:
        """``url`` loaded in the browser's one 1600 x 1000 window (as ``--window-size`` made
        it), which every page reuses: a new window costs more than the page."""
        if self._page is None:
            target = self.send(
                "Target.createTarget", url="about:blank", newWindow=True, width=1600, height=1000
            )["targetId"]
            session = self.send("Target.attachToTarget", targetId=target, flatten=True)
            self._page = Page(self, target, session["sessionId"])
            self.send("Page.enable", self._page.session)
        self.send("Page.navigate", self._page.session, url=url)
        self._wait_for("Page.loadEventFired", self._page.session)
        return self._page

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass  # it may close its pipe before it answers; the process is waited for below
        finally:
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
            os.close(self._to_browser)
            os.close(self._from_browser)


class Page:
    def __init__(self, browser: Browser, target: str, session: str) -> None:
        self.browser, self.target, self.session = browser, target, session

    def evaluate(self, expression: str) -> Any:
        return self.browser.evaluate(self.session, expression)

    def settled(self, expression: str) -> Any:
        """The value of ``expression`` once it is truthy (scripts run after the load event)."""
        deadline = time.monotonic() + Browser.TIMEOUT
        while not (value := self.evaluate(expression)):
            assert time.monotonic() < deadline, f"never true: {expression}"
            time.sleep(0.02)
        return value

    def pdf(self) -> bytes:
        """Printed as ``--print-to-pdf --no-pdf-header-footer`` prints (the protocol's
        defaults: no header and footer, US Letter, no backgrounds)."""
        return base64.b64decode(self.browser.send("Page.printToPDF", self.session)["data"])


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    started = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield started
    started.close()


def _rendered_dom(browser: Browser, report: Path) -> str:
    """The DOM once pytest-html's script has built its results table (as ``--dump-dom``)."""
    page = browser.page(report.as_uri())
    page.settled("document.readyState === 'complete'")
    return str(page.evaluate("document.documentElement.outerHTML"))


def measure(
    browser: Browser, report: Path, tmp: Path, width: int, height: int = FOLD
) -> dict[str, Any]:
    """The report rendered in a ``width`` x ``height`` viewport, measured by PROBE."""
    probed = tmp / f"probed-{width}.html"
    text = report.read_text(encoding="utf-8")
    probed.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    frame = tmp / f"frame-{width}.html"
    frame.write_text(FRAME.format(src=probed.name, width=width, height=height), "utf-8")
    found = browser.page(frame.as_uri()).settled("document.getElementById('probe').textContent")
    figures: dict[str, Any] = json.loads(found)
    assert (figures["width"], figures["height"]) == (width, height)
    return figures


def printed(browser: Browser, report: Path, tmp: Path) -> tuple[int, str]:
    """The report printed to PDF as Chromium prints it: pages, and the text on them (white
    space collapsed)."""
    pdf = tmp / "report.pdf"
    page = browser.page(report.as_uri())
    page.settled("document.readyState === 'complete'")
    pdf.write_bytes(page.pdf())
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    text = subprocess.run(
        [PDFTOTEXT, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return pages, " ".join(text.replace("-\n", "-").split())  # lines wrap where paper ends


def _bare(text: str) -> str:
    """A long token may wrap anywhere on paper, and pdftotext joins a word hyphenated at a line
    end ("auto-" + "trade" -> "autotrade"): text compared without spaces and hyphens."""
    return "".join(text.split()).replace("-", "")


def _before(figures: dict[str, Any], first: str, second: str) -> bool:
    return bool(figures["boxes"][first]["bottom"] <= figures["boxes"][second]["top"])


def _common(figures: dict[str, Any]) -> None:
    """What every rendering must hold, at any width."""
    assert figures["viewportMeta"], "no viewport meta in the head"
    assert figures["lowContrast"] == [], figures["lowContrast"][:10]
    assert figures["overflow"] == [], figures["overflow"][:10]
    assert figures["scrollWidth"] <= figures["width"], "the page scrolls sideways"
    assert figures["statusOff"] == []
    text = figures["text"]
    # pytest-html's chrome (its date line, environment table, per-test table with the node
    # ids) is shown below the compliance part, under "For engineers" (innerText follows the
    # DOM, so the positions are the rendered boxes)
    assert _before(figures, "requirements", "engineers")
    for chrome in ("results", "generated", "environment"):
        assert _before(figures, "engineers", chrome), chrome
    # filters of outcomes that did not occur, and empty logs, are not shown at all
    for noise in (
        "Expected failures",
        "Unexpected passes",
        "Reruns",
        "Retried",
        "No log output captured",
    ):
        assert noise not in text, noise


def test_rendered_no_go_report(reference: Path, tmp_path: Path, run_gate, browser: Browser) -> None:
    edit_core(
        reference, lambda d: live_env(d)["alert_throttle"].__setitem__("exclude_severities", [])
    )
    gate = run_gate(reference)
    dom = _rendered_dom(browser, gate.bundle / "report.html")
    assert "NO-GO: this deployment must not trade real money" in dom
    assert "live-gate binance_live: NO-GO" in dom
    # the JavaScript-rendered results table carries the requirement column and the steps
    assert 'class="col-requirement">PRE-3<' in dom
    assert "the alert throttle exists and never throttles critical alerts" in dom
    assert "step-failed" in dom and "step-passed" in dom
    for secret in DEMO_KEYS.values():
        assert secret not in dom

    wide = measure(browser, gate.bundle / "report.html", tmp_path, 1400)
    _common(wide)
    # above the fold: the verdict, who must act, and the first blocker in the runbook's words
    assert wide["boxes"]["verdict"]["bottom"] < FOLD
    assert wide["boxes"]["owners"]["bottom"] < FOLD
    assert wide["boxes"]["blockers"]["top"] < FOLD
    text = wide["text"]
    blockers = text[text.index("What blocks, and what to do") :]
    assert "Owner: SRE" in blockers
    card = blockers[blockers.index("PRE-3") :]
    for part in (
        "What is wrong:",
        "critical",
        "What the runbook says to do:",
        "Runbook §1 Alerty i audyt",
        "Who accepts: SRE",
    ):
        assert part in card, part
    assert "✘ FAILED" in text, "a status is a word with a symbol, not a colour alone"

    phone = measure(browser, gate.bundle / "report.html", tmp_path, 390, 844)
    _common(phone)
    verdict = phone["boxes"]["verdict"]
    assert verdict["right"] <= 390 and verdict["bottom"] < 844, "the headline on a phone's screen"

    pages, paper = printed(browser, gate.bundle / "report.html", tmp_path)
    assert "NO-GO: this deployment must not trade real money" in paper
    assert "What the runbook says to do" in paper and "Who accepts: SRE" in paper
    assert "exclude_severities" in paper or "critical" in paper
    for chrome in (
        "Report generated on",
        "For engineers",
        "steps/test_runbook.py",
        "No log output captured",
        "Expected failures",
        "Show all details",
    ):
        assert chrome not in paper, chrome
    assert pages <= 12, pages  # 2 blockers and the evidence of 17 requirements met


def test_rendered_go_report_shows_the_evidence(
    reference_go: GateResult, tmp_path: Path, browser: Browser
) -> None:
    gate = reference_go  # the shared whole run on the reference deployment (only read here)
    assert gate.verdict == "GO"
    wide = measure(browser, gate.bundle / "report.html", tmp_path, 1400)
    _common(wide)
    assert wide["boxes"]["verdict"]["bottom"] < FOLD
    text = wide["text"]
    assert "GO: this deployment may proceed to the next runbook step" in text
    evidence = text[text.index("What was checked") : text.index("For engineers")]
    # what was checked, visible without a click: scenarios, files with digests, key figures
    pre1 = gate.requirement("PRE-1")
    for artifact in pre1["artifacts"]:
        assert artifact["path"] in evidence and artifact["sha256"] in evidence
    for scenario in pre1["scenarios"]:
        assert scenario["name"] in evidence
    pre5 = gate.requirement("PRE-5")
    for fact in [f for s in pre5["scenarios"] for f in s["facts"]]:
        assert fact["value"] in evidence
    assert "✔ PASSED" in evidence
    assert "scenario(s) passed" in text
    phone = measure(browser, gate.bundle / "report.html", tmp_path, 390, 844)
    _common(phone)


def test_waivers_stand_next_to_the_verdict(
    reference: Path, tmp_path: Path, run_gate, browser: Browser
) -> None:
    compliance("signoffs", ["compliance:a.nowak", "risk:k.zielinska"])(reference)
    refreeze(reference)
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        yaml.safe_dump(
            {
                "waivers": [
                    {
                        "requirement": "ACT-2",
                        "environment": "binance_live",
                        "reason": "security sign-off delegated during the audit freeze",
                        "approved_by": ["compliance:a.nowak", "cro:j.kowalski"],
                        "expires_at": "2026-11-30T00:00:00Z",
                    }
                ]
            }
        )
    )
    gate: GateResult = run_gate(reference, f"--gate-config={policy}")
    assert gate.status("ACT-2") == "waived"
    wide = measure(browser, gate.bundle / "report.html", tmp_path, 1400)
    _common(wide)
    assert wide["boxes"]["waivers"]["top"] < FOLD, "the waivers are above the fold"
    text = wide["text"]
    waivers = text[text.index("Waivers in force (1)") :]
    for part in (
        "ACT-2",
        "security sign-off delegated during the audit freeze",
        "compliance:a.nowak, cro:j.kowalski",
        "2026-11-30T00:00:00Z",
        "⚑ WAIVED",
    ):
        assert part in waivers, part
    _, paper = printed(browser, gate.bundle / "report.html", tmp_path)
    assert "Waivers in force (1)" in paper and "cro:j.kowalski" in paper


@pytest.mark.skipif(
    not (REAL_WORLD / "config" / "core.yaml").is_file(),
    reason="../shared/real-world is not beside this checkout",
)
def test_the_real_config_no_go_reads_on_paper_and_on_a_phone(
    tmp_path: Path, run_gate, browser: Browser
) -> None:
    gate = run_gate(REAL_WORLD, "--env", "binance_live")
    assert gate.verdict == "NO-GO"
    phone = measure(browser, gate.bundle / "report.html", tmp_path, 390, 844)
    _common(phone)
    pages, paper = printed(browser, gate.bundle / "report.html", tmp_path)
    # 21 pages of collapsed findings before; now every blocker, expanded, on about a dozen
    assert pages <= 15, pages
    flat = paper
    assert "NO-GO: this deployment must not trade real money" in flat
    for requirement in gate.evidence["requirements"]:
        if requirement["status"] in ("failed", "error"):
            assert f"{requirement['id']} {requirement['title']}" in flat, requirement["id"]
            assert _bare(requirement["remedy"]) in _bare(flat), requirement["id"]
    assert "no runtime entrypoint is bound to environment binance_live" in flat
    for chrome in ("Report generated on", "steps/test_runbook.py", "No log output captured"):
        assert chrome not in paper, chrome
