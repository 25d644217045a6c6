from collections.abc import Callable
from datetime import datetime

from pytest_bdd import then

from live_gate.checks.auto_trader import check_auto_confirm
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment


@then("automatic confirmation of auto-trade is trusted only where the runbook allows it")
def auto_confirm_sound(
    judged: Environment,
    policy: Policy,
    as_of: datetime,
    gate_check: Callable[[list[Finding]], None],
) -> None:
    gate_check(check_auto_confirm(judged, policy, as_of))
