from collections.abc import Callable

from pytest_bdd import then

from live_gate.checks.escalation import check_no_blocked_checklist_item
from live_gate.findings import Finding
from live_gate.resources.deployment import Environment


@then("no item of the bot's live-readiness checklist is blocked")
def checklist_not_blocked(judged: Environment, gate_check: Callable[[list[Finding]], None]) -> None:
    gate_check(check_no_blocked_checklist_item(judged))
