"""PRE-0, ``runtime.metrics_service`` (live_gate/checks/bot_config_metrics.py): the bot's
``_validate_metrics_service`` and what its loader refuses in that block.

``METRICS_DEFECTS`` are seeded defects, one or more per blocking rule of the module; they are part
of ``test_every_blocking_rule_has_a_seeded_defect`` (tests/test_gate_defects.py) and are judged at
check level (tests/checklevel.py). Each adds to the reference deployment (which has no metrics
service) the block the real configuration has, valid but for the one defect, so each must give
exactly its rule. The contract files (tests/contract/corpus/core_config/*/metrics_*.yaml) are the
same families judged by the bot's own loader and validator.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from live_gate.checks.bot_config import RISK_LIMITS, check_bot_config
from live_gate.resources.deployment import Deployment
from tests.checklevel import judge_checks
from tests.mutations import Mutation
from tests.test_gate_defects import core

# runtime.metrics_service of the real configuration (/work/shared/real-world/config/core.yaml),
# less ui_alerts_risk_profiles_file (its own rule) and with the reference's risk profile.
REAL_BLOCK: dict[str, Any] = {
    "enabled": True,
    "host": "127.0.0.1",
    "port": 55060,
    "history_size": 1024,
    "auth_token_env": "METRICS_SERVICE_AUTH_TOKEN",
    "log_sink": True,
    "jsonl_path": "audit/metrics/telemetry.jsonl",
    "jsonl_fsync": False,
    "ui_alerts_jsonl_path": "audit/metrics/ui_alerts.jsonl",
    "ui_alerts_risk_profile": "conservative_live",
    "tls": {
        "enabled": True,
        "certificate_path": "secrets/runtime/metrics/server.crt",  # absent: the bot accepts
        "private_key_path": "secrets/runtime/metrics/server.key",
        "client_ca_path": "secrets/runtime/metrics/clients.pem",
        "require_client_auth": True,
    },
    "reduce_motion_alerts": True,
    "reduce_motion_category": "ui.performance",
    "reduce_motion_severity_active": "warning",
    "reduce_motion_severity_recovered": "info",
    "overlay_alerts": True,
    "overlay_alert_category": "ui.performance",
    "overlay_alert_severity_exceeded": "warning",
    "overlay_alert_severity_recovered": "info",
    "overlay_alert_severity_critical": "critical",
    "overlay_alert_critical_threshold": 3,
    "jank_alerts": True,
    "jank_alert_category": "ui.performance",
    "jank_alert_severity_spike": "warning",
    "jank_alert_severity_critical": "critical",
    "jank_alert_critical_over_ms": 12.0,
    "performance_alerts": True,
    "performance_alert_mode": "enable",
    "performance_category": "ui.performance",
    "performance_severity_warning": "warning",
    "performance_severity_critical": "critical",
    "performance_severity_recovered": "info",
    "performance_event_to_frame_warning_ms": 55.0,
    "performance_event_to_frame_critical_ms": 75.0,
    "cpu_utilization_warning_percent": 80.0,
    "cpu_utilization_critical_percent": 95.0,
    "gpu_utilization_warning_percent": 70.0,
    "gpu_utilization_critical_percent": 85.0,
    "ram_usage_warning_megabytes": 6144,
    "ram_usage_critical_megabytes": 8192,
}


def metrics(change: Callable[[dict[str, Any]], Any] | None = None, block: Any = None) -> Mutation:
    """The reference with a metrics service: the real one changed by ``change``, or ``block``."""

    def apply(data: dict[str, Any]) -> None:
        service = copy.deepcopy(REAL_BLOCK) if block is None else block
        if change is not None:
            change(service)
        data.setdefault("runtime", {})["metrics_service"] = service

    return core(apply)


def tls(**values: Any) -> Mutation:
    return metrics(lambda m: m["tls"].update(values))


def tokens(*entries: Any) -> Mutation:
    return metrics(lambda m: m.update(rbac_tokens=list(entries)))


def set_(**values: Any) -> Mutation:
    return metrics(lambda m: m.update(values))


METRICS_DEFECTS: list[tuple[str, Mutation, str, str]] = [
    ("metrics port is not a number", set_(port="metrics"), "PRE-0", "config.metrics_unloadable"),
    ("metrics history size is null", set_(history_size=None), "PRE-0", "config.metrics_unloadable"),
    ("metrics service is a string", metrics(block="on"), "PRE-0", "config.metrics_unloadable"),
    (
        "performance alert mode misspelt",
        set_(performance_alert_mode="enabled"),
        "PRE-0",
        "config.metrics_unloadable",
    ),
    (
        "ui alerts audit backend unknown",
        set_(ui_alerts_audit_backend="sqlite"),
        "PRE-0",
        "config.metrics_unloadable",
    ),
    (
        "overlay threshold not an integer",
        set_(overlay_alert_critical_threshold="2.5"),
        "PRE-0",
        "config.metrics_unloadable",
    ),
    (
        "performance threshold not a number",
        set_(cpu_utilization_warning_percent="high"),
        "PRE-0",
        "config.metrics_unloadable",
    ),
    (
        "pinned fingerprint not hexadecimal",
        tls(pinned_fingerprints=["sha256:not-a-digest"]),
        "PRE-0",
        "config.metrics_unloadable",
    ),
    (
        "rbac token without id",
        tokens({"token_env": "UI_TOKEN"}),
        "PRE-0",
        "config.metrics_unloadable",
    ),
    (
        "TLS enabled without a certificate",
        tls(certificate_path=None),
        "PRE-0",
        "config.metrics_tls",
    ),
    ("TLS enabled without a private key", tls(private_key_path=""), "PRE-0", "config.metrics_tls"),
    (
        "mutual TLS without a client CA",
        metrics(lambda m: m["tls"].pop("client_ca_path")),
        "PRE-0",
        "config.metrics_tls",
    ),
    ("rbac token without a secret", tokens({"token_id": "ui"}), "PRE-0", "config.metrics_token"),
    (
        "rbac token hashed with md5",
        tokens({"token_id": "ui", "token_hash": "md5:0cc175b9c0f1b6a831c399e269772661"}),
        "PRE-0",
        "config.metrics_token",
    ),
    (
        "rbac token hash not hexadecimal",
        tokens({"token_id": "ui", "token_hash": "sha256:secret"}),
        "PRE-0",
        "config.metrics_token",
    ),
    (
        "overlay alert category empty",
        set_(overlay_alert_category=""),
        "PRE-0",
        "config.metrics_ui_alert",
    ),
    (
        "performance severity blank",
        set_(performance_severity_critical=" "),
        "PRE-0",
        "config.metrics_ui_alert",
    ),
    (
        "jank threshold zero",
        set_(jank_alert_critical_over_ms=0),
        "PRE-0",
        "config.metrics_ui_alert",
    ),
    (
        "cpu critical threshold below warning",
        set_(cpu_utilization_critical_percent=75),
        "PRE-0",
        "config.metrics_threshold",
    ),
    (
        "frame critical threshold below the loader's default warning",
        metrics(
            lambda m: (
                m.pop("performance_event_to_frame_warning_ms"),
                m.update(performance_event_to_frame_critical_ms=40),
            )
        ),
        "PRE-0",
        "config.metrics_threshold",
    ),
    (
        "ram warning threshold negative",
        set_(ram_usage_warning_megabytes=-1),
        "PRE-0",
        "config.metrics_threshold",
    ),
    (
        "grpc metadata key in capitals",
        set_(grpc_metadata={"X-Deployment": "kl-live"}),
        "PRE-0",
        "config.metrics_unloadable",
    ),
    (
        "grpc metadata value file missing",
        set_(grpc_metadata=[{"key": "x-team", "value_file": "secrets/grpc_team.txt"}]),
        "PRE-0",
        "config.metrics_unloadable",
    ),
    (
        "ui alerts risk profile undefined",
        set_(ui_alerts_risk_profile="aggressive"),
        "PRE-0",
        "config.metrics_risk_profile",
    ),
]


@pytest.mark.parametrize(
    ("defect", "mutate", "requirement", "rule"),
    METRICS_DEFECTS,
    ids=[d[0].replace(" ", "-") for d in METRICS_DEFECTS],
)
def test_metrics_defect_is_caught_by_its_check(
    defect: str, mutate: Mutation, requirement: str, rule: str, reference: Path
) -> None:
    """Check level (tests/checklevel.py): the gate's own steps for PRE-0; the block is valid but
    for the one defect, so the defect's rule is the only one."""
    mutate(reference)
    judged = judge_checks(reference, requirements={requirement})
    assert judged.rules(requirement) == {rule}, (defect, judged.findings.get(requirement))
    findings = judged.blocking(requirement)
    assert all(f.file and f.line for f in findings), [f.explain() for f in findings]


@pytest.mark.parametrize(
    "mutate",
    [
        metrics(),
        # what the loader's defaults make of a minimal block: every alert block on, defaults
        metrics(block={"enabled": True}),
        metrics(
            block={
                "reduce_motion_alerts": True,
                "overlay_alerts": True,
                "jank_alerts": True,
                "performance_alerts": True,
            }
        ),
        # alert blocks switched off are not validated (the bot's mode "disable")
        set_(performance_alert_mode="disable", cpu_utilization_warning_percent=0),
        set_(jank_alerts=False, jank_alert_category="", jank_alert_critical_over_ms=-1),
        # as the loader normalises them
        set_(ui_alerts_risk_profile=" CONSERVATIVE_LIVE ", ui_alerts_audit_backend="AUTO"),
        set_(performance_alert_mode=" JSONL ", overlay_alert_category=None),
        tls(enabled=False, certificate_path=None, pinned_fingerprints=["SHA256:AB:CD", None]),
        tls(require_client_auth=False, client_ca_path=None),
        set_(tls="on"),  # not a mapping: the loader ignores it (no TLS)
        tokens(
            {"token_id": "ui", "token_env": "UI_TOKEN", "scopes": ["metrics.read"]},
            {"id": "ops", "hash": "sha3_256:" + "ab" * 32},
            "not-a-token",  # the loader skips what is not a mapping
        ),
        set_(
            grpc_metadata=[
                "x-team=ops",
                "x-region:eu",
                {"key": "x-trace-bin", "value_base64": "/w=="},
                {"key": "x-token", "value_env": "NOT_SET_ON_THE_GATE"},  # the bot's host's
            ],
            grpc_metadata_files="config/grpc_headers.txt",
        ),
        set_(grpc_metadata={"x-team": "ops", "x-core": {"value_file": "core.yaml"}}),
        metrics(block={}),  # an empty block is no service
        metrics(block=None),
    ],
)
def test_a_valid_metrics_service_gives_no_finding(mutate: Mutation, reference: Path) -> None:
    mutate(reference)
    judged = judge_checks(reference, requirements={"PRE-0"})
    assert judged.findings.get("PRE-0", []) == [], [f.explain() for f in judged.findings["PRE-0"]]


def judge(tmp_path: Path, service: Any) -> list[tuple[str, int | None, str]]:
    (tmp_path / "config").mkdir()
    # a profile the loader can read (every limit), for ui_alerts_risk_profile to name
    limits = dict.fromkeys(RISK_LIMITS, 1)
    document = {"risk_profiles": {"balanced": limits}, "runtime": {"metrics_service": service}}
    (tmp_path / "config" / "core.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return [(f.rule, f.line, str(f.found)) for f in check_bot_config(Deployment(tmp_path))]


HOSTILE: list[Any] = [
    [1],
    True,
    math.nan,
    {"port": math.nan},
    {"port": math.inf, "history_size": [1]},
    {"port": {"a": 1}, "history_size": "1e3"},
    {"tls": {"enabled": math.nan, "pinned_fingerprints": math.inf}},
    {"tls": {"enabled": "false", "certificate_path": [], "private_key_path": {}}},
    {"rbac_tokens": math.nan},
    {"rbac_tokens": {"token_id": ["x"], "token_hash": {"a": 1}, "scopes": 1.5}},
    {"performance_alerts": "no", "cpu_utilization_warning_percent": math.inf},
    {"overlay_alerts": [0], "overlay_alert_critical_threshold": -math.inf},
    {"jank_alerts": 1, "jank_alert_critical_over_ms": [], "jank_alert_category": None},
    {"ui_alerts_risk_profile": ["balanced"], "ui_alerts_audit_backend": {"file": 1}},
    {"grpc_metadata_files": 1.5, "grpc_metadata_directories": {"a": "b"}},
    {"ui_alerts_risk_profiles_file": ["x"]},
]


@pytest.mark.parametrize("service", HOSTILE, ids=[repr(h)[:40] for h in HOSTILE])
def test_hostile_shapes_are_judged_never_a_crash(tmp_path: Path, service: Any) -> None:
    found = judge(tmp_path, service)
    assert all(line for _, line, _ in found), found


def test_grpc_metadata_files_are_looked_for_in_the_deployment(tmp_path: Path) -> None:
    """``value_file`` is resolved against the config folder; the gate never looks outside the
    deployment (a blocker, as for every configured path)."""
    (tmp_path / "config" / "headers").mkdir(parents=True)
    entries = [
        {"key": "x-a", "value_file": "headers"},
        {"key": "x-b", "value_path": "missing.txt"},
        {"key": "x-c", "value_file": "../../../etc/hostname"},
    ]
    document = {"runtime": {"metrics_service": {"grpc_metadata": entries}}}
    (tmp_path / "config" / "core.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    found = [(f.rule, str(f.found)) for f in check_bot_config(Deployment(tmp_path))]
    assert found[:2] == [
        (
            "config.metrics_unloadable",
            "load_core_config: IsADirectoryError: [Errno 21] Is a directory: 'headers'",
        ),
        (
            "config.metrics_unloadable",
            "load_core_config: ValueError: grpc_metadata value_file 'missing.txt' nie istnieje",
        ),
    ]
    assert [rule for rule, _ in found[2:]] == ["path.escapes_deployment"]


def test_the_bots_words_and_the_place(tmp_path: Path) -> None:
    found = judge(
        tmp_path,
        {
            "port": "55o60",
            "tls": {"enabled": True, "require_client_auth": True},
            "rbac_tokens": ["skipped", {"token_id": "a", "token_hash": "sha1:00"}],
            "overlay_alerts": True,
            "overlay_alert_critical_threshold": 0,
            "performance_alerts": True,
            "cpu_utilization_critical_percent": "50",
            "ui_alerts_risk_profile": "Balanced",  # lower-cased by the loader: defined
        },
    )
    said = {text: rule for rule, _, text in found}
    context = "runtime.metrics_service"
    assert said == {
        "load_core_config: ValueError: invalid literal for int() with base 10: '55o60'": (
            "config.metrics_unloadable"
        ),
        f"{context}: TLS wymaga certificate_path przy włączonym szyfrowaniu": "config.metrics_tls",
        f"{context}: TLS wymaga private_key_path przy włączonym szyfrowaniu": "config.metrics_tls",
        f"{context}: TLS z require_client_auth wymaga client_ca_path": "config.metrics_tls",
        # the validator counts the entries the loader kept
        f"{context}.rbac_tokens[1].token_hash wykorzystuje nieobsługiwany algorytm 'sha1'": (
            "config.metrics_token"
        ),
        f"{context}: overlay_alert_critical_threshold musi być dodatnie (otrzymano 0)": (
            "config.metrics_ui_alert"
        ),
        f"{context}: cpu_utilization_critical_percent nie może być mniejsze niż "
        "cpu_utilization_warning_percent": "config.metrics_threshold",
    }


@pytest.mark.parametrize(("runtime", "kind"), [([1], "list"), ("metrics", "str")])
def test_a_runtime_section_that_is_not_a_mapping_is_refused_as_the_loader_refuses_it(
    tmp_path: Path, runtime: Any, kind: str
) -> None:
    (tmp_path / "config").mkdir()
    document = {"runtime": runtime}
    (tmp_path / "config" / "core.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    found = [(f.rule, f.line, str(f.found)) for f in check_bot_config(Deployment(tmp_path))]
    assert found == [
        (
            "config.metrics_unloadable",
            1,
            f"load_core_config: AttributeError: '{kind}' object has no attribute 'get'",
        )
    ]


def test_a_grpc_metadata_entry_the_loader_refuses_is_not_quoted(tmp_path: Path) -> None:
    """A list entry without ``=`` or ``:`` is most likely a header with its value (a bearer
    token); no key name marks it as a secret for redaction, so the finding must not quote it
    (found in a whole run's evidence.json and report.html by the review of PRE-0)."""
    secret = "Bearer SUPERSECRETgrpc77"
    (tmp_path / "config").mkdir()
    limits = dict.fromkeys(RISK_LIMITS, 1)
    service = {
        "grpc_metadata": [
            f"authorization {secret}",
            # base64 padding makes the text a key=value, whose key holds the token
            f"authorization {secret}==",
            f"x-api-key {secret}:x",
        ]
    }
    document = {"risk_profiles": {"balanced": limits}, "runtime": {"metrics_service": service}}
    (tmp_path / "config" / "core.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    findings = list(check_bot_config(Deployment(tmp_path)))
    assert [f.rule for f in findings] == ["config.metrics_unloadable"] * 3
    for finding in findings:
        for value in (finding.message, finding.found, finding.expected, finding.field):
            assert "SUPERSECRET" not in str(value), finding


def test_an_integer_threshold_the_validator_cannot_convert_stops_the_bot(tmp_path: Path) -> None:
    """The loader keeps ``int(10**400)``; the validator's ``float()`` of it raises OverflowError,
    which it does not catch (checked against the bot at f59f9e73): the gate passed it."""
    found = judge(tmp_path, {"overlay_alerts": True, "overlay_alert_critical_threshold": 10**400})
    assert [(rule, message) for rule, _, message in found] == [
        (
            "config.metrics_ui_alert",
            "validate_core_config: OverflowError: int too large to convert to float",
        )
    ]
