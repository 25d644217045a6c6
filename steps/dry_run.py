from collections.abc import Callable
from datetime import datetime

from pytest_bdd import then

from live_gate.checks.adapters import check_adapters
from live_gate.checks.dry_run import check_dry_run
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment

Check = Callable[[list[Finding]], None]


@then("a recent read-only dry run of the environment reported every checklist item ok")
def dry_run_ok(judged: Environment, policy: Policy, as_of: datetime, gate_check: Check) -> None:
    gate_check(check_dry_run(judged, policy, as_of))


@then("no exchange adapter of the environment requires a reconnect")
def adapters_connected(
    judged: Environment, policy: Policy, as_of: datetime, gate_check: Check
) -> None:
    gate_check(check_adapters(judged, policy, as_of))
