from collections.abc import Callable
from datetime import datetime

from pytest_bdd import then

from live_gate.checks.licence import check_licence
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Deployment


@then("the OEM licence is genuine, current, not revoked, and covers live trading")
def licence_valid(
    deployment: Deployment,
    policy: Policy,
    as_of: datetime,
    gate_check: Callable[[list[Finding]], None],
) -> None:
    gate_check(check_licence(deployment, policy, as_of))
