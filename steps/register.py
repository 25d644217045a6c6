from collections.abc import Callable
from datetime import datetime

from pytest_bdd import then

from live_gate.checks.register import check_register
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment


@then("every sign-off the current compliance register requires for the environment is present")
def register_signoffs_present(
    judged: Environment,
    policy: Policy,
    as_of: datetime,
    gate_check: Callable[[list[Finding]], None],
) -> None:
    gate_check(check_register(judged, policy, as_of))
