"""ACT-4 alert test and ESC-1 open critical alert, both read from the file alert audit log.

Both judge the one streamed reading of the log (:func:`scan_alert_audit`) that PRE-3 also uses.
An instant later than the evaluation instant plus the clock skew never counts as recent: a test
alert, a critical alert or an acknowledgement dated in the future is a finding.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from live_gate.checks import Findings
from live_gate.checks.alerting import channel_name
from live_gate.policy import Policy
from live_gate.resources.alert_audit import (
    MAX_TRACKED,
    REPORTED,
    SUPPRESSED,
    AlertAuditScan,
    AlertRef,
    scan_alert_audit,
)
from live_gate.resources.deployment import Environment
from live_gate.timeutil import iso


def _read(out: Findings, scan: AlertAuditScan) -> None:
    for file in scan.files:
        out.read(file)
    for error in scan.refused:  # a log that cannot be read through can hide what is asked
        out.refused(error)


def check_alert_test(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
    """Runbook §2.4: a test alert of severity critical reached every channel of the environment
    within the window, and nothing critical was throttled (``__suppressed__``)."""
    out = Findings("ACT-4", environment.deployment.config_file)
    scan = scan_alert_audit(environment, policy, as_of)
    window = policy.alert_test_window_hours
    if scan is None:
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
    _read(out, scan)
    skew = timedelta(seconds=policy.clock_skew_seconds)
    for ref in scan.tests_misdated.items:
        out.instant(
            "alert_test.timestamp",
            f"the test alert on {ref.channel}",
            ref.timestamp,
            as_of=as_of,
            skew=skew,
            file=ref.file,
            line=ref.line,
            field="timestamp",
        )
    if scan.tests_misdated.more:
        out.block(
            "alert_test.timestamp.in_future",
            f"{scan.tests_misdated.more} more test alerts are dated after the evaluation "
            "instant or cannot be dated",
            file=scan.directory,
            expected=f"at or before {iso(as_of)}",
            found=f"{scan.tests_misdated.count} misdated test alerts",
        )
    for index, channel in enumerate(environment.alert_channels):
        name = channel_name(channel)
        delivered = scan.tests_by_channel[name]
        out.fact(name, f"{delivered} test alert(s) in the last {window:g} h")
        if not delivered:
            out.block(
                "alert_test.channel_missing",
                f"no critical test alert was delivered on {name} in the {window:g} hours "
                f"before {iso(as_of)}: run the alert integration test",
                file=scan.directory,
                field=f"environments.{environment.name}.alert_channels[{index}]",
                expected=f"a record channel={name}, severity=critical, "
                f"category={policy.alert_test_category}",
                found="none",
            )
    for ref in scan.suppressed.items:
        out.block(
            "alert_test.critical_suppressed",
            f"the throttle suppressed a {ref.severity} {ref.category} alert: {ref.title!r}",
            file=ref.file,
            line=ref.line,
            expected="no critical alert and no excluded category suppressed",
            found=SUPPRESSED,
        )
    if scan.suppressed.more:
        out.block(
            "alert_test.critical_suppressed",
            f"the throttle suppressed {scan.suppressed.more} more critical or exempt alerts",
            file=scan.directory,
            expected="no critical alert and no excluded category suppressed",
            found=f"{scan.suppressed.count} suppressed",
        )
    return out


def check_no_open_critical_alert(
    environment: Environment, policy: Policy, as_of: datetime
) -> Findings:
    """ESC-1: every critical alert of the window is acknowledged: a record of category
    ``acknowledgement``, at or after the alert and no later than the evaluation instant, whose
    ``ctx_acknowledges`` names it (``ctx_alert_id``, else ``"<timestamp> <title>"``)."""
    out = Findings("ESC-1", environment.deployment.config_file)
    scan = scan_alert_audit(environment, policy, as_of)
    if scan is None:
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
    _read(out, scan)
    skew = timedelta(seconds=policy.clock_skew_seconds)
    for capped, prefix, what in (
        (scan.criticals_future, "critical.timestamp", "critical alert"),
        (scan.acknowledgements_future, "critical.acknowledgement", "acknowledgement"),
    ):
        for ref in capped.items:
            out.instant(
                prefix,
                f"{what} {ref.title!r}",
                ref.timestamp,
                as_of=as_of,
                skew=skew,
                file=ref.file,
                line=ref.line,
                field="timestamp",
            )
        if capped.more:
            out.block(
                f"{prefix}.in_future",
                f"{capped.more} more {what}s are dated after the evaluation instant",
                file=scan.directory,
                expected=f"at or before {iso(as_of)}",
                found=f"{capped.count} dated in the future",
            )
    if scan.overflow:
        out.block(
            "critical.too_many",
            f"the alert audit log holds more than {MAX_TRACKED:,} distinct critical alerts or "
            f"acknowledgements in the {policy.critical_alert_window_hours:g} hours before "
            f"{iso(as_of)}: the gate does not judge that many (escalate: runbook §3)",
            file=scan.directory,
            expected=f"at most {MAX_TRACKED:,}",
            found="more",
        )
    open_alerts = scan.open_criticals()
    out.fact("open critical alerts", str(len(open_alerts)))
    for key, ref in open_alerts[:REPORTED]:
        _unconfirmed(out, key, ref)
    if len(open_alerts) > REPORTED:
        out.block(
            "critical.unconfirmed",
            f"{len(open_alerts) - REPORTED} more critical alerts are not acknowledged",
            file=scan.directory,
            expected="an acknowledgement for every critical alert",
            found=f"{len(open_alerts)} open",
        )
    return out


def _unconfirmed(out: Findings, key: str, ref: AlertRef) -> None:
    out.block(
        "critical.unconfirmed",
        f"critical alert {ref.title!r} ({key}) is not acknowledged. "
        "Runbook §3: switch enable_auto_trade to False, enable emergency mode in the "
        "RiskEngine (risk_engine.activate_emergency_mode()), escalate to #sec-alerts",
        file=ref.file,
        line=ref.line,
        expected=f"an acknowledgement record with ctx_acknowledges={key} at or after "
        f"{ref.timestamp}",
        found="none",
    )
