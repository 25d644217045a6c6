from collections.abc import Callable
from datetime import datetime

from pytest_bdd import then

from live_gate.checks.secrets import check_ip_allowlist, check_key_rotation, check_permissions
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment

Check = Callable[[list[Finding]], None]


@then("the environment's trade key was rotated within the policy's interval")
def key_rotated(judged: Environment, policy: Policy, as_of: datetime, gate_check: Check) -> None:
    gate_check(check_key_rotation(judged, policy, as_of))


@then("the IP allowlist names the trading hosts by literal address")
def allowlist_literal(judged: Environment, gate_check: Check) -> None:
    gate_check(check_ip_allowlist(judged))


@then("the key may trade but never withdraw")
def permissions_safe(judged: Environment, gate_check: Check) -> None:
    gate_check(check_permissions(judged))
