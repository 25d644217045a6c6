"""ACT-4 alert test and ESC-1 open critical alert, both read from the file alert audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

from live_gate.checks import Findings
from live_gate.checks.alerting import channel_name
from live_gate.policy import Policy
from live_gate.resources.alert_audit import AlertRecord, environment_alerts
from live_gate.resources.deployment import Environment
from live_gate.timeutil import iso

SUPPRESSED = "__suppressed__"  # bot_core/alerts/router.py: a throttled message
ACKNOWLEDGEMENT = "acknowledgement"


def _in_window(record: AlertRecord, as_of: datetime, hours: float) -> bool:
    if record.when is None:
        return True  # an undated record cannot be proven to be outside the window
    return as_of - timedelta(hours=hours) <= record.when <= as_of


def check_alert_test(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
    """Runbook §2.4: a test alert of severity critical reached every channel of the environment
    within the window, and nothing critical was throttled (``__suppressed__``)."""
    out = Findings("ACT-4", environment.deployment.config_file)
    records, where = environment_alerts(environment)
    window = policy.alert_test_window_hours
    if where is None:
        out.block(
            "alert_test.no_audit_log",
            "there is no file alert audit log in which the "
            "alert test could be confirmed (see PRE-3)",
            line=environment.line("alert_audit") or environment.line(),
            field=f"environments.{environment.name}.alert_audit",
            expected="a file audit log",
            found="none",
        )
        return out
    for file in sorted({r.file for r in records}):
        out.read(file)
    recent = [r for r in records if _in_window(r, as_of, window)]
    tests = [
        r for r in recent if r.category == policy.alert_test_category and r.severity == "critical"
    ]
    for index, channel in enumerate(environment.alert_channels):
        name = channel_name(channel)
        delivered = [r for r in tests if r.channel == name]
        out.fact(name, f"{len(delivered)} test alert(s) in the last {window:g} h")
        if not delivered:
            out.block(
                "alert_test.channel_missing",
                f"no critical test alert was delivered on {name} in the {window:g} hours "
                f"before {iso(as_of)}: run the alert integration test",
                file=where,
                field=f"environments.{environment.name}.alert_channels[{index}]",
                expected=f"a record channel={name}, severity=critical, "
                f"category={policy.alert_test_category}",
                found="none",
            )
    throttle = environment.block("alert_throttle") or {}
    exempt = {str(c).lower() for c in throttle.get("exclude_categories") or []}
    for record in recent:
        if record.channel != SUPPRESSED:
            continue
        if record.severity == "critical" or record.category in exempt:
            out.block(
                "alert_test.critical_suppressed",
                f"the throttle suppressed a {record.severity} {record.category} alert: "
                f"{record.record.get('title')!r}",
                file=record.file,
                line=record.line,
                expected="no critical alert and no excluded category suppressed",
                found=SUPPRESSED,
            )
    return out


def _alert_key(record: AlertRecord) -> str:
    explicit = record.record.get("ctx_alert_id")
    if explicit:
        return str(explicit)
    return f"{record.record.get('timestamp')} {record.record.get('title')}"


def check_no_open_critical_alert(
    environment: Environment, policy: Policy, as_of: datetime
) -> Findings:
    """ESC-1: every critical alert of the window is acknowledged: a later record of category
    ``acknowledgement`` whose ``ctx_acknowledges`` names it (``ctx_alert_id``, else
    ``"<timestamp> <title>"``)."""
    out = Findings("ESC-1", environment.deployment.config_file)
    records, where = environment_alerts(environment)
    if where is None:
        out.block(
            "critical.no_audit_log",
            "there is no file alert audit log: open critical "
            "alerts cannot be ruled out (see PRE-3)",
            line=environment.line("alert_audit") or environment.line(),
            field=f"environments.{environment.name}.alert_audit",
            expected="a file audit log",
            found="none",
        )
        return out
    acknowledged = {
        str(r.record.get("ctx_acknowledges"))
        for r in records
        if r.category == ACKNOWLEDGEMENT and r.record.get("ctx_acknowledges")
    }
    open_alerts: dict[str, AlertRecord] = {}
    for record in records:
        if (
            record.severity != "critical"
            or record.channel == SUPPRESSED
            or record.category in (policy.alert_test_category, ACKNOWLEDGEMENT)
            or not _in_window(record, as_of, policy.critical_alert_window_hours)
        ):
            continue
        key = _alert_key(record)
        if key not in acknowledged:
            open_alerts.setdefault(key, record)
    out.fact("open critical alerts", str(len(open_alerts)))
    for key, record in open_alerts.items():
        out.block(
            "critical.unconfirmed",
            f"critical alert {record.record.get('title')!r} ({key}) is not acknowledged. "
            "Runbook §3: switch enable_auto_trade to False, enable emergency mode in the "
            "RiskEngine (risk_engine.activate_emergency_mode()), escalate to #sec-alerts",
            file=record.file,
            line=record.line,
            expected=f"an acknowledgement record with ctx_acknowledges={key}",
            found="none",
        )
    return out
