from collections.abc import Callable
from datetime import datetime

from pytest_bdd import parsers, then

from live_gate.checks.quick_tests import check_quick_test
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Deployment


@then(
    parsers.parse(
        'the recorded result of the quick test "{command}" is recent and shows no failure'
    )
)
def quick_test_passed(
    command: str,
    deployment: Deployment,
    policy: Policy,
    as_of: datetime,
    gate_check: Callable[[list[Finding]], None],
) -> None:
    gate_check(check_quick_test(deployment, command, policy, as_of))
