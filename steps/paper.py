from collections.abc import Callable
from datetime import datetime

from pytest_bdd import then

from live_gate.checks.paper import check_limits_against_paper, check_paper_ledger
from live_gate.checks.paper_sim import check_simulator_rules
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment

Check = Callable[[list[Finding]], None]


@then(
    "the paper ledger reconciles: fees at the configured rates, market minimums respected, "
    "and balances never negative without margin"
)
def paper_ledger_reconciles(
    judged: Environment, policy: Policy, as_of: datetime, gate_check: Check
) -> None:
    gate_check(check_paper_ledger(judged, policy, as_of))


@then("what paper trading showed stays within the live risk profile's limits")
def limits_cover_paper(
    judged: Environment, policy: Policy, as_of: datetime, gate_check: Check
) -> None:
    gate_check(check_limits_against_paper(judged, policy, as_of))


@then(
    "the paper simulator applies the market's minimums, the fees of each order type, adverse "
    "slippage and the quote balance"
)
def simulator_rules(judged: Environment, policy: Policy, gate_check: Check) -> None:
    gate_check(check_simulator_rules(judged, policy))
