from collections.abc import Callable
from datetime import datetime

from pytest_bdd import then

from live_gate.checks.close import check_archive, check_journal, check_slo, check_summary
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment

Check = Callable[[list[Finding]], None]


@then("the window's audit logs are archived with checksums that match them")
def archived(judged: Environment, policy: Policy, as_of: datetime, gate_check: Check) -> None:
    gate_check(check_archive(judged, as_of, policy=policy))


@then(
    "the migration summary states the KYC status, the limits, the alerts and the window's "
    "duration, with no warning and no passphrase"
)
def summarised(judged: Environment, policy: Policy, as_of: datetime, gate_check: Check) -> None:
    gate_check(check_summary(judged, as_of, policy=policy))


@then("the decision journal records the paper to live transition of the environment")
def journalled(judged: Environment, policy: Policy, as_of: datetime, gate_check: Check) -> None:
    gate_check(check_journal(judged, as_of, policy=policy))


@then("every SLO was met during the first 60 minutes after activation")
def first_hour_slo(judged: Environment, policy: Policy, as_of: datetime, gate_check: Check) -> None:
    gate_check(check_slo(judged, as_of, first_hour=True, policy=policy))


@then("every SLO was met over the whole live window")
def window_slo(judged: Environment, policy: Policy, as_of: datetime, gate_check: Check) -> None:
    gate_check(check_slo(judged, as_of, first_hour=False, policy=policy))
