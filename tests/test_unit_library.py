"""Unit tests of the library's building blocks."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from live_gate import signing
from live_gate.catalogue import feature_header, load_catalogue
from live_gate.findings import Finding, Severity
from live_gate.localfiles import read_key_file
from live_gate.outcomes import ScenarioRecord, Status, Verdict, aggregate, decide
from live_gate.paths import DeploymentPaths, PathEscapesDeployment
from live_gate.policy import Policy, PolicyError, policy_from_mapping
from live_gate.redaction import REDACTED, Redactor, collect_secrets
from live_gate.scenarios import load_gate_features
from live_gate.timeutil import InvalidInstant, iso, parse_instant
from live_gate.yamlsource import YamlError, parse_yaml

# ----------------------------------------------------------------------------- YAML


def test_yaml_keeps_the_last_duplicate_and_reports_it() -> None:
    doc = parse_yaml("a:\n  x: 1\nb: 2\na:\n  y: 3\n")
    assert doc.data == {"a": {"y": 3}, "b": 2}
    assert [(d.path, d.first_line, d.duplicate_line) for d in doc.duplicates] == [("a", 1, 4)]
    assert doc.line_of("a", "y") == 5
    assert doc.line_of("a", "x") == 4  # the shadowed key is gone; its parent's line remains


def test_yaml_lines_of_sequences_and_missing_keys() -> None:
    doc = parse_yaml("envs:\n  live:\n    channels:\n      - a\n      - b\n")
    assert doc.line_of("envs", "live", "channels", 1) == 5
    assert doc.line_of("envs", "live", "missing") == 2


def test_yaml_merge_keys_as_safe_load() -> None:
    doc = parse_yaml("base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n")
    assert doc.data["child"] == {"x": 1, "y": 2}


def test_yaml_error_has_a_line() -> None:
    with pytest.raises(YamlError) as error:
        parse_yaml("a: 1\nb: [unclosed\n")
    assert error.value.line == 3


# ----------------------------------------------------------------------------- paths


def test_paths_inside_are_resolved(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    paths = DeploymentPaths(tmp_path)
    resolved = paths.resolve(tmp_path / "config", "docs/../docs/a.pdf")
    assert resolved.relative == "config/docs/a.pdf"


@pytest.mark.parametrize(
    "configured", ["/etc/passwd", "../x", "a/../../x", "C:\\x", "\\\\srv\\x", ""]
)
def test_paths_leaving_the_deployment_are_refused(tmp_path: Path, configured: str) -> None:
    with pytest.raises(PathEscapesDeployment):
        DeploymentPaths(tmp_path / "root").resolve(tmp_path / "root", configured)


def test_symlinks_leaving_the_deployment_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(tmp_path, root / "up")
    with pytest.raises(PathEscapesDeployment, match="symbolic link"):
        DeploymentPaths(root).resolve(root, "up/secret")


# ----------------------------------------------------------------------------- signing


def test_canonical_json_matches_the_bot() -> None:
    assert signing.canonical_json({"b": 1, "a": "ż"}) == '{"a":"ż","b":1}'.encode()


def test_sign_and_verify_both_algorithms() -> None:
    for algorithm in ("HMAC-SHA256", "HMAC-SHA384"):
        envelope = signing.sign({"x": 1}, b"k" * 32, "kid", algorithm)
        assert signing.verify({"x": 1}, envelope["signature"], b"k" * 32)
        assert not signing.verify({"x": 2}, envelope["signature"], b"k" * 32)
        assert not signing.verify({"x": 1}, envelope["signature"], b"j" * 32)


def test_unknown_algorithm_never_verifies() -> None:
    assert not signing.verify({}, {"algorithm": "HMAC-MD5", "value": "x"}, b"k")


def test_key_id_normalisation() -> None:
    assert signing.normalise_key_id("Stage6 Runbooks-Demo!") == "stage6_runbooks_demo"


def test_real_upstream_signature_verifies() -> None:
    """The upstream's stage6 manifest signature verifies with its committed demo key
    (FORMATS.md §5.2): our canonical JSON and HMAC are the bot's."""
    import json

    real = Path(__file__).resolve().parents[2] / "shared" / "real-world"
    sig = real / "var/audit/stage6/stage6_preliminary_checklist.md.sig"
    if not sig.is_file():
        pytest.skip("../shared/real-world is not beside this checkout")
    envelope = json.loads(sig.read_text())
    key = read_key_file(real / "secrets/hmac/stage6_runbooks.key")
    assert signing.verify(envelope["payload"], envelope["signature"], key)


def test_payload_digest_aliases() -> None:
    assert signing.payload_digest({"document": {"hashes": {"sha256": "d"}}}) == "d"
    assert signing.payload_digest({"hashes": {"sha256": "h"}, "document": {"sha256": "d"}}) == "h"
    assert signing.payload_digest({}) is None


# ----------------------------------------------------------------------------- time and policy


def test_instants() -> None:
    assert parse_instant("2026-01-01T00:00:00Z") == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_instant("2026-01-01T01:00:00+01:00") == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_instant("2026-01-01T00:00:00").tzinfo is not None  # naive: UTC, as the bot
    assert iso(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00Z"
    with pytest.raises(InvalidInstant):
        parse_instant("soon")


def test_policy_defaults_and_overrides() -> None:
    policy = policy_from_mapping(
        {"risk_caps": {"max_open_positions": 4}, "required_signer_roles": ["compliance"]}
    )
    assert policy.risk_caps.max_open_positions == 4
    assert policy.risk_caps.max_daily_loss_pct == Policy().risk_caps.max_daily_loss_pct
    assert policy.required_signer_roles == ("compliance",)
    assert policy.to_json()["risk_caps"]["max_open_positions"] == 4


@pytest.mark.parametrize(
    "raw",
    [
        {"unknown": 1},
        {"risk_caps": {"max_daily_loss_pct": 2}},
        {"signoff_max_age_days": -1},
        {
            "waivers": [
                {
                    "requirement": "PRE-1",
                    "environment": "e",
                    "reason": "because reasons",
                    "approved_by": ["one"],
                    "expires_at": "2026-01-01T00:00:00Z",
                }
            ]
        },
        {
            "waivers": [
                {
                    "requirement": "PRE-1",
                    "environment": "e",
                    "reason": "because reasons",
                    "approved_by": ["one", "two"],
                    "expires_at": "whenever",
                }
            ]
        },
    ],
)
def test_policy_rejects_invalid_values(raw: dict[str, object]) -> None:
    with pytest.raises(PolicyError):
        policy_from_mapping(raw)


# ----------------------------------------------------------------------------- outcomes


def _record(status: Status | None, message: str = "") -> ScenarioRecord:
    return ScenarioRecord(
        nodeid="n", requirements=("PRE-2",), phases=("live_gate",), status=status, message=message
    )


def test_requirement_status_is_the_worst_scenario() -> None:
    catalogue = load_catalogue()
    assert aggregate("PRE-2", catalogue, [_record(Status.PASSED)]).status is Status.PASSED
    assert (
        aggregate("PRE-2", catalogue, [_record(Status.PASSED), _record(Status.FAILED, "x")]).status
        is Status.FAILED
    )
    assert (
        aggregate(
            "PRE-2", catalogue, [_record(Status.FAILED, "x"), _record(Status.ERROR, "y")]
        ).status
        is Status.ERROR
    )
    # a scenario that never finished counts as an error, never as passed
    assert aggregate("PRE-2", catalogue, [_record(None)]).status is Status.ERROR


def test_verdict_fails_closed() -> None:
    catalogue = load_catalogue()
    passed = aggregate("PRE-2", catalogue, [_record(Status.PASSED)])
    failed = aggregate("PRE-2", catalogue, [_record(Status.FAILED, "x")])
    na = aggregate("PRE-2", catalogue, [_record(Status.NOT_APPLICABLE, "n/a")])
    assert decide([passed], []) is Verdict.GO
    assert decide([passed], ["a run problem"]) is Verdict.NO_GO
    assert decide([passed, failed], []) is Verdict.NO_GO
    assert decide([], []) is Verdict.NO_GO
    assert decide([na], []) is Verdict.NO_GO  # nothing was actually verified


def test_finding_explains_itself() -> None:
    finding = Finding(
        "PRE-2",
        "limit.above_cap",
        "too high",
        Severity.BLOCKER,
        file="config/core.yaml",
        line=7,
        field="risk_profiles.x.y",
        expected="<= 1",
        found="2",
    )
    text = finding.explain()
    assert "config/core.yaml:7" in text and "expected: <= 1" in text and "found: 2" in text


# ----------------------------------------------------------------------------- redaction


def test_secrets_are_collected_and_redacted(tmp_path: Path) -> None:
    (tmp_path / "secrets" / "hmac").mkdir(parents=True)
    (tmp_path / "secrets" / "hmac" / "a.key").write_text("super-secret-value\n")
    (tmp_path / "secrets" / "keys.json").write_text(
        '{"keys": {"k1": "hex:' + b"another-secret".hex() + '"}}'
    )
    redactor = Redactor(collect_secrets(tmp_path))
    assert redactor.text("x super-secret-value y") == f"x {REDACTED} y"
    assert redactor.text("another-secret") == REDACTED
    assert redactor.data({"k": ["super-secret-value"]}) == {"k": [REDACTED]}
    assert redactor.text("short") == "short"


def test_the_example_gate_config_is_valid_and_holds_the_defaults() -> None:
    from live_gate.policy import load_policy
    from tests.conftest import REPO

    assert load_policy(REPO / "fixtures" / "gate-config.example.yaml") == Policy()


def test_a_requirement_with_scenarios_that_did_not_run_is_an_error() -> None:
    catalogue = load_catalogue()
    ran = ScenarioRecord(
        nodeid="n",
        requirements=("PRE-7",),
        phases=("live_gate",),
        status=Status.PASSED,
        expected_id="pre_7_execution_router.feature:27",
    )
    outcome = aggregate("PRE-7", catalogue, [ran], ["'A rejection is final' (x.feature:9)"])
    assert outcome.status is Status.ERROR
    assert outcome.reason.startswith("1 of its 2 scenario(s) did not run (partial run)")
    assert aggregate("PRE-7", catalogue, [], ["a", "b"]).status is Status.ERROR


# ----------------------------------------------------------------------------- the catalogue


def test_the_catalogue_declares_each_requirement_once() -> None:
    catalogue = load_catalogue()
    pre7 = catalogue.get("PRE-7")
    assert pre7.accepted_by == "SRE and Risk" and pre7.impact == "blocker"
    assert pre7.tags() == {"PRE-7", "owner-sre", "owner-risk"}
    header = feature_header(pre7)
    assert header.startswith("Feature: PRE-7 The live execution router fails over safely\n")
    assert "  Impact: blocker. Accepted by: SRE and Risk." in header
    assert all(len(line) <= 100 for line in header.splitlines())


def test_the_expected_scenarios_expand_outlines_row_by_row() -> None:
    features = load_gate_features(load_catalogue())
    quick = [s for s in features.scenarios if s.feature == "pre_9_quick_tests.feature"]
    assert [s.example for s in quick][:2] == [(("command", "lint_paths"),), (("command", "mypy"),)]
    assert quick[0].id == "pre_9_quick_tests.feature:9:15"
    assert quick[0].name == "The quick test lint_paths passed recently"
    assert quick[0].steps[-1] == (
        "Then",
        'the recorded result of the quick test "lint_paths" is recent and shows no failure',
    )
    assert len({s.id for s in features.scenarios}) == len(features.scenarios)
    assert len(features.digest) == len(features.scenarios_digest) == 64


# ----------------------------------------------------------------------------- running the gate


def test_live_gate_run_pins_pytest_to_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from live_gate.cli import main as cli_main
    from live_gate.cli import pytest_arguments
    from tests.conftest import REPO

    monkeypatch.chdir(tmp_path)
    seen: list[list[str]] = []
    monkeypatch.setattr("pytest.main", lambda args: seen.append(args) or 0)
    assert (
        cli_main(["run", "-m", "paper_nightly", "--deployment", "dep", "--env", "x", "-k", "y"])
        == 0
    )
    (args,) = seen
    assert args[:6] == [
        f"--rootdir={REPO}",
        "-c",
        f"{REPO}/pyproject.toml",
        f"{REPO}/steps",
        "-m",
        "paper_nightly",
    ]
    assert f"--deployment={tmp_path / 'dep'}" in args
    assert f"--evidence-dir={tmp_path / 'reports'}" in args
    assert args[-3:] == ["--env=x", "-k", "y"]
    assert callable(pytest_arguments)


def test_the_evidence_dir_never_overlaps_the_deployment(tmp_path: Path) -> None:
    from live_gate.run import evidence_dir_conflict

    deployment = tmp_path / "bot"
    (deployment / "var").mkdir(parents=True)
    (tmp_path / "link").symlink_to(deployment / "var")
    assert evidence_dir_conflict(tmp_path / "reports", deployment) is None
    assert "lies inside the deployment" in str(evidence_dir_conflict(deployment / "r", deployment))
    assert "after resolving symbolic links" in str(
        evidence_dir_conflict(tmp_path / "link" / "r", deployment)
    )
    assert "lies inside --evidence-dir" in str(evidence_dir_conflict(tmp_path, deployment))
