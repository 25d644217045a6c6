from collections.abc import Callable
from datetime import datetime

from pytest_bdd import then

from live_gate.checks.alerting import check_alert_audit, check_alert_channels, check_alert_throttle
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment

Check = Callable[[list[Finding]], None]


@then("every alert channel of the environment resolves to a defined channel")
def channels_resolve(judged: Environment, gate_check: Check) -> None:
    gate_check(check_alert_channels(judged))


@then("the alert throttle exists and never throttles critical alerts")
def throttle_spares_critical(judged: Environment, gate_check: Check) -> None:
    gate_check(check_alert_throttle(judged))


@then(
    "alerts are audited to files kept at least as long as the policy requires, and every "
    "audit record parses"
)
def audit_log_sound(
    judged: Environment, policy: Policy, as_of: datetime, gate_check: Check
) -> None:
    gate_check(check_alert_audit(judged, policy, as_of))
