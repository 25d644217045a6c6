from collections.abc import Callable
from datetime import datetime

from pytest_bdd import then

from live_gate.checks.ai_validation import check_data_quality, check_drift, check_walk_forward
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Deployment

Check = Callable[[list[Finding]], None]


@then(
    "the latest walk-forward validation is complete, accurate enough and signed off by "
    "compliance and risk"
)
def walk_forward_sound(
    deployment: Deployment, policy: Policy, as_of: datetime, gate_check: Check
) -> None:
    gate_check(check_walk_forward(deployment, policy, as_of))


@then("the latest data-quality report is ok and names no critical issue")
def data_quality_ok(
    deployment: Deployment, policy: Policy, as_of: datetime, gate_check: Check
) -> None:
    gate_check(check_data_quality(deployment, policy, as_of))


@then("the latest drift report shows drift below its threshold and no triggered feature")
def drift_below_threshold(
    deployment: Deployment, policy: Policy, as_of: datetime, gate_check: Check
) -> None:
    gate_check(check_drift(deployment, policy, as_of))
