"""PRE-6 AI model validation: the latest walk-forward, data-quality and drift reports exist,
match their schemas, and pass the policy's thresholds (runbook §1, Walidacja modeli AI)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from live_gate.checks import Findings
from live_gate.paths import ConfinedPath, PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.ai_reports import AiReport, MalformedReport, load_latest
from live_gate.resources.deployment import Deployment
from live_gate.timeutil import InvalidInstant, iso, parse_instant

REQUIREMENT = "PRE-6"
COMPLETED_SIGN_OFF = ("approved", "waived")  # bot_core/ai/data_monitoring.py:93-103
REQUIRED_SIGN_OFF_ROLES = ("compliance", "risk")


def _latest(deployment: Deployment, policy: Policy, kind: str, out: Findings) -> AiReport | None:
    try:
        root: ConfinedPath = deployment.resolve_from_root(policy.ai_audit_root)
    except PathEscapesDeployment as exc:
        out.escaped(exc, field="gate policy ai_audit_root")
        return None
    try:
        report = load_latest(root, kind, deployment.root)
    except MalformedReport as exc:
        out.read(exc.relative)
        out.block(
            "ai.report_invalid",
            f"the latest {kind} report does not match its schema: {exc.problem}",
            file=exc.relative,
            expected=f"a report valid against schemas/ai_{kind}.schema.json",
            found=exc.problem,
        )
        return None
    if report is None:
        out.block(
            "ai.report_missing",
            f"there is no {kind} report",
            file=f"{root.relative}/{kind}",
            expected=f"<generated_at %Y%m%dT%H%M%SZ>.json in {root.relative}/{kind}/",
            found="no report",
        )
        return None
    out.read(report.relative)
    out.fact(f"latest {kind} report", report.relative)
    return report


def _check_age(report: AiReport, policy: Policy, out: Findings, as_of: datetime) -> None:
    try:
        generated = parse_instant(str(report.data.get("generated_at")))
    except InvalidInstant:
        out.block(
            "ai.generated_at_invalid",
            "the report's generated_at is unreadable",
            file=report.relative,
            field="generated_at",
            expected="an ISO-8601 timestamp",
            found=report.data.get("generated_at"),
        )
        return
    if as_of - generated > timedelta(days=policy.ai_report_max_age_days):
        out.block(
            "ai.report_stale",
            f"the latest {report.kind} report is {(as_of - generated).days} days old",
            file=report.relative,
            field="generated_at",
            expected=f"generated within {policy.ai_report_max_age_days:g} days of {iso(as_of)}",
            found=iso(generated),
        )


def check_walk_forward(deployment: Deployment, policy: Policy, as_of: datetime) -> Findings:
    out = Findings(REQUIREMENT)
    report = _latest(deployment, policy, "walk_forward", out)
    if report is None:
        return out
    _check_age(report, policy, out, as_of)
    data, file = report.data, report.relative
    wf = data["walk_forward"]
    out.fact("job", str(data["job_name"]))
    out.fact("dataset rows", f"{data['dataset']['rows']} (minimum {policy.ai_min_dataset_rows})")
    out.fact("average MAE", f"{wf['average_mae']:g} (maximum {policy.ai_max_average_mae:g})")
    out.fact(
        "MAE per window",
        ", ".join(f"{w['mae']:g}" for w in wf["windows"])
        + f" (maximum {policy.ai_max_window_mae:g})",
    )
    if data["dataset"]["rows"] < policy.ai_min_dataset_rows:
        out.block(
            "ai.dataset_too_small",
            "the walk-forward validation used too few rows",
            file=file,
            field="dataset.rows",
            expected=f">= {policy.ai_min_dataset_rows}",
            found=data["dataset"]["rows"],
        )
    if wf["average_mae"] > policy.ai_max_average_mae:
        out.block(
            "ai.average_mae_high",
            "the walk-forward average MAE is above the policy's",
            file=file,
            field="walk_forward.average_mae",
            expected=f"<= {policy.ai_max_average_mae:g}",
            found=wf["average_mae"],
        )
    for index, window in enumerate(wf["windows"]):
        if window["mae"] > policy.ai_max_window_mae:
            out.block(
                "ai.window_mae_high",
                f"walk-forward window {index} has an MAE above the policy's",
                file=file,
                field=f"walk_forward.windows[{index}].mae",
                expected=f"<= {policy.ai_max_window_mae:g}",
                found=window["mae"],
            )
    accuracy = wf.get("average_directional_accuracy")
    if accuracy is not None:
        out.fact(
            "directional accuracy", f"{accuracy:g} (minimum {policy.ai_min_directional_accuracy:g})"
        )
        if accuracy < policy.ai_min_directional_accuracy:
            out.block(
                "ai.directional_accuracy_low",
                "the model's directional accuracy is below the policy's",
                file=file,
                field="walk_forward.average_directional_accuracy",
                expected=f">= {policy.ai_min_directional_accuracy:g}",
                found=accuracy,
            )
    sign_off: dict[str, Any] = data["sign_off"]
    for role in REQUIRED_SIGN_OFF_ROLES:
        status = (sign_off.get(role) or {}).get("status")
        out.fact(f"{role} sign-off", str(status))
        if status not in COMPLETED_SIGN_OFF:
            out.block(
                "ai.sign_off_incomplete",
                f"the {role} sign-off of the walk-forward report is not complete",
                file=file,
                field=f"sign_off.{role}.status",
                expected="approved or waived",
                found=status or "absent",
            )
    return out


def check_data_quality(deployment: Deployment, policy: Policy, as_of: datetime) -> Findings:
    out = Findings(REQUIREMENT)
    report = _latest(deployment, policy, "data_quality", out)
    if report is None:
        return out
    _check_age(report, policy, out, as_of)
    data, file = report.data, report.relative
    summary = data["summary"]
    out.fact("status", str(summary["status"]))
    out.fact("total gaps", str(summary["total_gaps"]))
    out.fact("source", str(data["source"]))
    if summary["status"] != "ok":
        out.block(
            "ai.data_quality_not_ok",
            "the latest data-quality report is not ok",
            file=file,
            field="summary.status",
            expected="ok",
            found=summary["status"],
        )
    for index, issue in enumerate(data["issues"]):
        if issue["severity"] == "critical":
            out.block(
                "ai.data_quality_critical_issue",
                f"critical data-quality issue {issue['code']}: {issue['message']}",
                file=file,
                field=f"issues[{index}]",
                expected="no critical issue",
                found=issue["code"],
            )
    return out


def check_drift(deployment: Deployment, policy: Policy, as_of: datetime) -> Findings:
    out = Findings(REQUIREMENT)
    report = _latest(deployment, policy, "drift", out)
    if report is None:
        return out
    _check_age(report, policy, out, as_of)
    data, file = report.data, report.relative
    drift = data["metrics"]["feature_drift"]
    threshold = float(
        drift.get("threshold") or data.get("threshold") or policy.ai_default_drift_threshold
    )
    out.fact("drift score", f"{drift['score']:g} against threshold {threshold:g}")
    out.fact("PSI / KS", f"{drift['psi']:g} / {drift['ks']:g}")
    if drift["score"] >= threshold:
        out.block(
            "ai.drift_above_threshold",
            "feature drift reached its threshold",
            file=file,
            field="metrics.feature_drift.score",
            expected=f"< {threshold:g}",
            found=drift["score"],
        )
    triggered = data["metrics"]["distribution_summary"]["triggered_features"]
    out.fact("triggered features", ", ".join(triggered) or "none")
    if triggered:
        out.block(
            "ai.drift_triggered_features",
            "features triggered the drift detector: " + ", ".join(triggered),
            file=file,
            field="metrics.distribution_summary.triggered_features",
            expected="[]",
            found=triggered,
        )
    return out
