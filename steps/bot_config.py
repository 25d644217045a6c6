from collections.abc import Callable

from pytest_bdd import then

from live_gate.checks.bot_config import check_bot_config
from live_gate.findings import Finding
from live_gate.resources.deployment import Environment


@then("the bot's own start-up validation accepts the core configuration")
def bot_config_accepted(judged: Environment, gate_check: Callable[[list[Finding]], None]) -> None:
    # The bot validates the whole file whichever environment it starts.
    gate_check(check_bot_config(judged.deployment))
