"""Signed, self-checking bundles and their history: every tampering of issue 12's "Why" is
detected by `live-gate verify`, which never hangs and never reads outside the bundle; two runs
of one environment and phase compare ("Since the previous run", `live-gate diff`, the index)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from live_gate.checksums import write_checksums
from live_gate.cli import main
from live_gate.sealing import SIGNATURE, SigningKeyError, parse_key
from tests.conftest import live_gate_command
from tests.shared_runs import SIGNING_KEY_HEX, SignedRuns

KEY_HEX = SIGNING_KEY_HEX


@pytest.fixture(scope="module")
def runs(signed_runs: SignedRuns) -> dict[str, Path]:
    """The session's two signed runs of binance_live/live_gate (``live-gate run`` in real
    processes, the key from a file, then from the environment): NO-GO without the licence, then
    GO."""
    old, new = signed_runs.bundles()
    second_output = signed_runs.key.parent / "second.txt"
    second_output.write_text(signed_runs.second.stdout)
    return {
        "evidence": signed_runs.evidence,
        "key": signed_runs.key,
        "old": old,
        "new": new,
        "second_output": second_output,
    }


def _copy(bundle: Path, tmp_path: Path) -> Path:
    target = tmp_path / "binance_live" / "live_gate" / bundle.name
    shutil.copytree(bundle, target)
    return target


def _cli(*args: str) -> tuple[int, str, str]:
    """``live-gate ARGS`` in this process: status, stdout, stderr (verify, diff and index are
    plain functions of the bundle; ``live-gate run`` above is a real process)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _verify(bundle: Path, *extra: str) -> tuple[int, str]:
    code, out, err = _cli("verify", str(bundle), *extra)
    return code, out + err


def _evidence(bundle: Path) -> dict:
    return json.loads((bundle / "evidence.json").read_text())


# --------------------------------------------------------------------------- signatures


def test_signed_bundles_verify_with_the_key(runs: dict[str, Path]) -> None:
    for name in ("old", "new"):
        code, out = _verify(runs[name], "--key-file", str(runs["key"]))
        assert code == 0, out
        assert "signature: verified" in out
    code, out = _verify(runs["new"])
    assert code == 0 and "signature: present, NOT checked" in out
    assert sorted(p.name for p in runs["new"].iterdir()) == [
        "SHA256SUMS",
        "evidence.json",
        "report.html",
        SIGNATURE,
    ]


def test_a_wrong_key_is_named(runs: dict[str, Path], tmp_path: Path) -> None:
    other = tmp_path / "other.key"
    other.write_text("77" * 32)
    code, out = _verify(runs["new"], "--key-file", str(other))
    assert code == 1 and "was made with key sha256:" in out


def test_an_unsigned_bundle_is_reported_unsigned(runs: dict[str, Path], tmp_path: Path) -> None:
    bundle = _copy(runs["new"], tmp_path)
    (bundle / SIGNATURE).unlink()
    code, out = _verify(bundle)
    assert code == 0 and "signature: UNSIGNED" in out
    code, out = _verify(bundle, "--key-file", str(runs["key"]))
    assert code == 1 and "the bundle is unsigned" in out


def test_no_go_edited_to_go_with_sums_recomputed(runs: dict[str, Path], tmp_path: Path) -> None:
    bundle = _copy(runs["old"], tmp_path)
    evidence = _evidence(bundle)
    evidence.update(verdict="GO", run_problems=[], exit_status=0)
    for requirement in evidence["requirements"]:
        requirement["status"] = "passed"
    (bundle / "evidence.json").write_text(json.dumps(evidence))
    write_checksums(bundle)
    code, out = _verify(bundle, "--key-file", str(runs["key"]))
    assert code == 1, out
    assert "evidence.json: changed since it was signed (TAMPERED)" in out
    assert "report.html states verdict NO-GO, evidence.json GO" in out
    assert "PRE-4: report.html states failed, evidence.json passed" in out
    assert "signature: TAMPERED" in out
    # and without the key, the report and the recomputed verdict still give it away
    code, out = _verify(bundle)
    assert code == 1 and "report.html states verdict NO-GO, evidence.json GO" in out


def test_report_line_dropped_before_the_report_was_edited(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    bundle = _copy(runs["old"], tmp_path)
    sums = bundle / "SHA256SUMS"
    kept = [line for line in sums.read_text().splitlines(True) if "report.html" not in line]
    sums.write_text("".join(kept))
    report = bundle / "report.html"
    report.write_text(report.read_text().replace('data-verdict="NO-GO"', 'data-verdict="GO"'))
    code, out = _verify(bundle)
    assert code == 1
    assert "report.html: not listed in SHA256SUMS" in out
    assert "report.html states verdict GO, evidence.json NO-GO" in out


def test_empty_sums_and_an_extra_file(runs: dict[str, Path], tmp_path: Path) -> None:
    bundle = _copy(runs["new"], tmp_path)
    (bundle / "SHA256SUMS").write_text("")
    code, out = _verify(bundle)
    assert code == 1
    assert "evidence.json: not listed in SHA256SUMS" in out
    assert "report.html: not listed in SHA256SUMS" in out
    bundle = _copy(runs["new"], tmp_path / "again")
    (bundle / "extra.txt").write_text("planted")
    code, out = _verify(bundle)
    assert code == 1 and "extra.txt: not listed in SHA256SUMS" in out
    write_checksums(bundle)  # even listed, it was added after signing
    code, out = _verify(bundle, "--key-file", str(runs["key"]))
    assert code == 1 and "extra.txt: added after signing (TAMPERED)" in out


def test_evidence_copied_from_another_run(runs: dict[str, Path], tmp_path: Path) -> None:
    bundle = _copy(runs["new"], tmp_path)
    shutil.copy2(runs["old"] / "evidence.json", bundle / "evidence.json")
    write_checksums(bundle)
    code, out = _verify(bundle)
    assert code == 1
    assert "the evidence was not written with this report" in out
    assert f"evidence.json was written for bundle {runs['old'].name}" in out
    code, out = _verify(bundle, "--key-file", str(runs["key"]))
    assert code == 1 and "an evidence file from another run (TAMPERED)" in out


def test_a_path_outside_the_bundle_is_never_looked_up(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    bundle = _copy(runs["new"], tmp_path)
    digest = hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest()
    with (bundle / "SHA256SUMS").open("a") as sums:
        sums.write(f"{digest}  ../../../etc/passwd\n{digest}  /etc/passwd\n")
    code, out = _verify(bundle)
    assert code == 1
    assert "'../../../etc/passwd' lies outside the bundle; not looked up" in out
    assert "'/etc/passwd' lies outside the bundle; not looked up" in out


def test_links_and_fifos_are_named_never_followed_or_opened(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    bundle = _copy(runs["new"], tmp_path)
    report = bundle / "report.html"
    outside = tmp_path / "report.html"
    shutil.move(report, outside)
    report.symlink_to(outside)
    os.mkfifo(bundle / "pipe")
    # a real process with a 300 s timeout: a FIFO opened for reading would block
    done = live_gate_command("verify", str(bundle))
    code, out = done.returncode, done.stdout + done.stderr
    assert code == 1
    assert "report.html: a symbolic link in the bundle; it was not read" in out
    assert "pipe: a FIFO in the bundle; it was not read" in out


def test_upper_case_digests_are_accepted_as_sha256sum_does(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    bundle = _copy(runs["new"], tmp_path)
    sums = bundle / "SHA256SUMS"
    lines = sums.read_text().splitlines(True)
    sums.write_text("".join(f"{line[:64].upper()}{line[64:]}" for line in lines))
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=bundle, capture_output=True, check=False
    )
    assert check.returncode == 0
    code, out = _verify(bundle, "--key-file", str(runs["key"]))
    assert code == 0, out
    assert "signature: verified" in out
    assert "bundle intact: verdict GO" in out


# --------------------------------------------------------------------------- history


def test_layout_latest_and_index(runs: dict[str, Path]) -> None:
    folder = runs["new"].parent
    assert folder.name == "live_gate" and folder.parent.name == "binance_live"
    assert (folder / "latest").resolve() == runs["new"].resolve()
    index = (runs["evidence"] / "index.html").read_text()
    assert index.count("<tr>") == 3  # header and two runs
    assert index.index(runs["new"].name) < index.index(runs["old"].name)  # newest first
    assert f'href="binance_live/live_gate/{runs["new"].name}/report.html"' in index
    assert 'data-verdict="GO"' in index and 'data-verdict="NO-GO"' in index
    assert 'name="viewport"' in index and "<script" not in index


def test_since_the_previous_run(runs: dict[str, Path]) -> None:
    first = _evidence(runs["old"])["previous"]
    assert first == {"bundle": None, "verified": False, "first_run": True}
    previous = _evidence(runs["new"])["previous"]
    assert previous["verified"] is True
    assert previous["bundle"] == f"binance_live/live_gate/{runs['old'].name}"
    assert {"id": "PRE-4", "from": "failed", "to": "passed"} in previous["changed"]
    assert any(f.startswith("PRE-4 license.file_missing") for f in previous["resolved_findings"])
    assert previous["new_findings"] == []
    report = (runs["new"] / "report.html").read_text()
    assert "Since the previous run" in report and "PRE-4: failed → passed" in report
    output = runs["second_output"].read_text()
    assert "since the previous run: PRE-4: failed → passed" in output


def test_diff(runs: dict[str, Path], tmp_path: Path) -> None:
    code, out, err = _cli(
        "diff", str(runs["old"]), str(runs["new"]), "--key-file", str(runs["key"])
    )
    assert code == 0, err
    assert "(NO-GO) ->" in out and "(GO)" in out
    assert "PRE-4: failed → passed" in out
    assert "resolved: PRE-4 license.file_missing" in out
    tampered = _copy(runs["new"], tmp_path)
    (tampered / "evidence.json").write_text("{}")
    code, out, err = _cli("diff", str(runs["old"]), str(tampered))
    assert code == 1 and "is NOT intact, nothing compared" in err


def test_index_command(runs: dict[str, Path], tmp_path: Path) -> None:
    shutil.copytree(runs["evidence"], tmp_path / "copy", symlinks=True)
    (tmp_path / "copy" / "index.html").unlink()
    code, _, err = _cli("index", str(tmp_path / "copy"))
    assert code == 0, err
    assert (tmp_path / "copy" / "index.html").read_text().count("<tr>") == 3
    assert _cli("index", str(tmp_path / "nowhere"))[0] == 2


def test_key_parsing() -> None:
    assert parse_key(KEY_HEX.encode() + b"\n", "test") == bytes.fromhex(KEY_HEX)
    raw = b"a raw passphrase of some length"
    assert parse_key(raw + b"\n", "test") == raw
    with pytest.raises(SigningKeyError, match="at least 16"):
        parse_key(b"short", "test")
