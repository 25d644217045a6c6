from collections.abc import Callable
from datetime import datetime

from pytest_bdd import then

from live_gate.checks.freeze import check_config_freeze
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Deployment


@then("the configuration is frozen in a signed archive and has not changed since")
def config_frozen(
    deployment: Deployment,
    policy: Policy,
    as_of: datetime,
    gate_check: Callable[[list[Finding]], None],
) -> None:
    gate_check(check_config_freeze(deployment, policy, as_of))
