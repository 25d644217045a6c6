from collections.abc import Callable
from datetime import datetime

from pytest_bdd import then

from live_gate.checks.alert_test import check_alert_test, check_no_open_critical_alert
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment

Check = Callable[[list[Finding]], None]


@then(
    "a critical test alert reached every channel of the environment recently, and no critical "
    "alert was throttled"
)
def alert_test_confirmed(
    judged: Environment, policy: Policy, as_of: datetime, gate_check: Check
) -> None:
    gate_check(check_alert_test(judged, policy, as_of))


@then("every recent critical alert has been acknowledged")
def no_open_critical(
    judged: Environment, policy: Policy, as_of: datetime, gate_check: Check
) -> None:
    gate_check(check_no_open_critical_alert(judged, policy, as_of))
