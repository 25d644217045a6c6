from collections.abc import Callable
from datetime import datetime

from pytest_bdd import then

from live_gate.checks.market_data import check_market_data
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment


@then(
    "the market data of every traded series is complete and fresh, and a current risk "
    "snapshot is present"
)
def market_data_complete(
    judged: Environment,
    policy: Policy,
    as_of: datetime,
    gate_check: Callable[[list[Finding]], None],
) -> None:
    gate_check(check_market_data(judged, policy, as_of))
