"""live-gate: the acceptance gate between paper trading and real money for bot_core deployments.

The package holds all the logic; the Gherkin features and the step definitions beside it are thin.
Data flows one way: load the deployment -> resolve and confine paths -> read artifacts -> checks
(plain functions returning findings) -> steps assert -> the plugin gathers outcomes by requirement
tag -> evidence -> report.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("live-gate")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

PHASES: tuple[str, ...] = ("live_gate", "paper_nightly", "live_close")
