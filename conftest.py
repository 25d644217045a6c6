"""Root conftest: loads the step definitions.

The live-gate plugin itself is a pytest11 entry point of the installed package; it is inert
unless the run collects the gate's own ``steps/`` or ``features/`` (so the self-test suite in
``tests/`` is a plain pytest suite).
"""

pytest_plugins = [
    "steps.common",
    "steps.kyc_aml",
    "steps.risk_limits",
    "steps.alerting",
    "steps.register",
    "steps.licence",
    "steps.quick_tests",
    "steps.ai_validation",
    "steps.market_data",
    "steps.escalation",
    "steps.secrets",
    "steps.alert_test",
    "steps.freeze",
    "steps.dry_run",
    "steps.auto_trader",
    "steps.paper",
    "steps.router",
    "steps.close",
]
