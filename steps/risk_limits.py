from collections.abc import Callable

from pytest_bdd import then

from live_gate.checks.risk_limits import check_risk_limits
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment


@then(
    "the environment's risk profile sets its four limits, positive, consistent and within "
    "the policy's caps"
)
def risk_limits_sound(
    judged: Environment, policy: Policy, gate_check: Callable[[list[Finding]], None]
) -> None:
    gate_check(check_risk_limits(judged, policy))
