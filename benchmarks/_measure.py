"""What every large-input benchmark measures the same way: a measurement in a fresh interpreter
(the script run again with ``--measure ...``, its result the last stdout line as JSON), that
process's peak resident set, and the floor every streamed format is compared with: a plain
``json.loads`` loop over the same lines."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM; ``ru_maxrss`` would also count the parent's
    pages from before ``exec``)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def json_loads_loop(directory: str) -> dict[str, Any]:
    """Every line of every file of ``directory`` through ``json.loads``: the floor."""
    started = time.perf_counter()
    count = 0
    for path in sorted(Path(directory).iterdir()):
        with path.open("rb") as handle:
            for line in handle:
                json.loads(line)
                count += 1
    return {"seconds": time.perf_counter() - started, "records": count}


def answer(result: dict[str, Any]) -> None:
    """The child's side of :func:`in_child`: its result, with this process's peak resident set,
    as the last line of stdout."""
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def in_child(script: str, what: str, *arguments: str) -> dict[str, Any]:
    """Run ``script --measure ARGUMENTS`` in a fresh interpreter and return its JSON result."""
    done = subprocess.run(
        [sys.executable, script, "--measure", *arguments], capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"the {what} measurement failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bytecode_environment(folder: Path, cached: bool) -> dict[str, str]:
    """The environment the measured commands run in. ``cached`` (``--bytecode-cache``): as an
    installation runs, whatever this shell says: PYTHONDONTWRITEBYTECODE dropped and the bytecode
    kept under ``folder`` (never in the checkout or the environment), filled by a warm-up round.
    Else inherited: with PYTHONDONTWRITEBYTECODE set (as in some containers) every run compiles
    the gate's modules from source and pytest rewrites them again (the package is a pytest
    plugin)."""
    environment = dict(os.environ)
    if cached:
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        environment["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    return environment


def bytecode_note(cached: bool) -> str | None:
    """The line that says how the measured commands treated bytecode, if it is worth saying."""
    if cached:
        return "bytecode cached (--bytecode-cache): as an installation runs"
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return (
            "PYTHONDONTWRITEBYTECODE is set: every run compiled the gate's modules from source "
            "(--bytecode-cache measures an installation that keeps its bytecode)"
        )
    return None
