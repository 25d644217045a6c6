from collections.abc import Callable
from datetime import datetime

from pytest_bdd import then

from live_gate.checks.kyc_aml import (
    check_entrypoint_compliance,
    check_live_readiness_documents,
    check_live_readiness_signoff,
)
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment

Check = Callable[[list[Finding]], None]


@then(
    "every runtime entrypoint bound to the environment carries a signed compliance packet "
    "that allows live trading, permits the environment's risk profile and has sign-offs"
)
def entrypoints_compliant(judged: Environment, gate_check: Check) -> None:
    gate_check(check_entrypoint_compliance(judged))


@then(
    "the live-readiness checklist is signed by the required roles within the policy's sign-off age"
)
def checklist_signed(
    judged: Environment, policy: Policy, as_of: datetime, gate_check: Check
) -> None:
    gate_check(check_live_readiness_signoff(judged, policy, as_of))


@then(
    "every required document exists inside the deployment, matches its SHA-256 digest and "
    "carries a current signature that verifies"
)
def documents_verified(
    judged: Environment, policy: Policy, as_of: datetime, gate_check: Check
) -> None:
    gate_check(check_live_readiness_documents(judged, policy, as_of))
