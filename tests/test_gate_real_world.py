"""The bot's own configuration (../shared/real-world): loaded despite its duplicate keys,
judged NO-GO for every live environment with true, specific reasons, and never written to.

Each live environment is judged once at check level (``tests.checklevel``, cached: the tests
only read the result); one whole gate run shows the verdict, the terminal and the evidence, and
asserts that it finds, requirement by requirement, the blockers the check level finds.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

from live_gate.resources.deployment import Deployment
from tests.checklevel import CheckLevelResult, judge_checks
from tests.conftest import REPO
from tests.shared_runs import tree_state

REAL_WORLD = Path(os.environ.get("LIVE_GATE_REAL_WORLD", REPO.parent / "shared" / "real-world"))
pytestmark = pytest.mark.skipif(
    not (REAL_WORLD / "config" / "core.yaml").is_file(),
    reason="../shared/real-world is not beside this checkout",
)

LIVE_ENVIRONMENTS = [
    "binance_live",
    "binance_futures_live",
    "deribit_futures_live",
    "bitmex_futures_live",
    "kraken_live",
    "kraken_futures_live",
    "nowa_gielda_live",
    "coinbase_futures_live",
    "zonda_live",
]


_snapshot = tree_state  # (imported by other modules under this name)


@cache
def judged(environment: str) -> CheckLevelResult:
    """The live_gate phase's checks on the real configuration, for one environment (read-only,
    asserted below: the judgement never writes into the deployment)."""
    before = _snapshot(REAL_WORLD)
    result = judge_checks(REAL_WORLD, env=environment)
    assert _snapshot(REAL_WORLD) == before, "the checks wrote into the deployment they judged"
    assert result.problems == [] and result.errors == {}, (result.problems, result.errors)
    return result


def failed(result: CheckLevelResult, requirement: str) -> bool:
    """``failed`` in a whole run: a blocking finding, no error."""
    return requirement in result.blocked and requirement not in result.errors


def test_the_real_config_loads_with_its_duplicate_keys_reported() -> None:
    deployment = Deployment(REAL_WORLD)
    assert sorted(deployment.live_environment_names()) == sorted(LIVE_ENVIRONMENTS)
    assert len(deployment.environment_names()) == 27
    duplicated = {d.path: (d.first_line, d.duplicate_line) for d in deployment.duplicate_keys}
    assert duplicated == {
        "environments.coinbase_paper": (1553, 2198),
        "environments.okx_paper": (1605, 2247),
        "environments.kucoin_paper": (1694, 2298),
        "environments.bybit_paper": (1743, 2347),
    }


@pytest.mark.parametrize("environment", LIVE_ENVIRONMENTS)
def test_every_live_environment_is_no_go_with_true_reasons(environment: str) -> None:
    gate = judged(environment)
    # §0.5: no runtime entrypoint is bound to any live environment
    assert failed(gate, "PRE-1")
    assert "entrypoint.none_bound" in gate.rules("PRE-1")
    # the upstream has no compliance register
    assert "register.missing" in gate.rules("ACT-2")
    # upstream's live environments use the profile names conservative/balanced/aggressive: the
    # bot builds its hard-coded classes and ignores core.yaml's values (loader.py:57-61), so the
    # limits it enforces (0.04 daily loss, 0.30 position share) are above the policy caps
    assert failed(gate, "PRE-2")
    pre2 = gate.blocking("PRE-2")
    assert {f.rule for f in pre2} == {"limit.above_cap"}
    assert all("enforced by bot_core/risk/profiles/" in (f.found or "") for f in pre2), pre2
    assert failed(gate, "PRE-3")
    # every ip_allowlist upstream is empty (FORMATS.md §1.1, §4.3)
    assert "allowlist.empty" in gate.rules("ACT-5")
    # the upstream route core_spot serves balanced/aggressive, not the live conservative profile
    assert "route.missing" in gate.rules("PRE-7")


def test_a_whole_run_is_no_go_as_the_checks_find(run_gate) -> None:
    """One live environment judged by the whole gate: NO-GO with a non-zero exit, the duplicate
    keys in the evidence's warnings, the deployment untouched, and for every requirement the
    blockers (and failed status) the check level finds for it."""
    environment = "deribit_futures_live"
    before = _snapshot(REAL_WORLD)
    gate = run_gate(REAL_WORLD, "--env", environment)
    assert _snapshot(REAL_WORLD) == before, "the gate wrote into the deployment it judged"
    assert gate.verdict == "NO-GO" and gate.exit_code != 0
    assert any(
        "environments.coinbase_paper is defined twice" in w for w in gate.evidence["warnings"]
    )
    checks = judged(environment)
    for requirement in gate.evidence["requirements"]:
        name = requirement["id"]
        assert gate.rules(name) == checks.rules(name), name
        assert (requirement["status"] == "failed") == failed(checks, name), name
    # the terminal names the file and line of the 63-digit digest
    assert "config/core.yaml:2002" in gate.output
    assert "expected: 64 hexadecimal digits" in gate.output


@pytest.mark.parametrize(
    ("environment", "rules"),
    [
        # §1.1: live_readiness with signed documents that are not shipped and sign-offs from 2024
        ("binance_live", {"document.file_missing", "signoff.stale", "document.category_missing"}),
        # §0.3: a 63-hex-digit digest
        ("deribit_futures_live", {"document.sha256_malformed", "document.file_missing"}),
        ("bitmex_futures_live", {"document.sha256_malformed"}),
        # no live_readiness at all
        ("kraken_live", {"readiness.missing"}),
        ("zonda_live", {"readiness.missing"}),
    ],
)
def test_pre1_reasons(environment: str, rules: set[str]) -> None:
    gate = judged(environment)
    assert rules <= gate.rules("PRE-1"), gate.rules("PRE-1")


@pytest.mark.parametrize(
    ("environment", "rules"),
    [
        ("nowa_gielda_live", {"audit.missing"}),
        ("coinbase_futures_live", {"throttle.missing", "audit.missing"}),
        # the audit directory under var/data/<env>/ is not shipped: no alert was ever recorded
        ("binance_live", {"audit.directory_absent"}),
    ],
)
def test_pre3_reasons(environment: str, rules: set[str]) -> None:
    assert judged(environment).rules("PRE-3") == rules


def test_the_malformed_digest_is_named_with_its_line() -> None:
    """(The whole run above shows the same in the terminal.)"""
    (finding,) = [
        f for f in judged("deribit_futures_live").blocking("PRE-1")
        if f.rule == "document.sha256_malformed"
    ]  # fmt: skip
    assert finding.location() == "config/core.yaml:2002"
    assert finding.expected == "64 hexadecimal digits"


@pytest.mark.parametrize("environment", ["binance_live", "zonda_live"])
def test_the_rest_of_the_pre_checklist(environment: str) -> None:
    gate = judged(environment)
    # §1.4: no licence file is shipped, and the licence policy allows no live profile
    assert {"license.file_missing", "license.no_live_profile"} <= gate.rules("PRE-4")
    assert "data.manifest_missing" in gate.rules("PRE-5")
    assert gate.rules("PRE-6") == {"ai.report_missing"}
    assert gate.rules("PRE-9") == {"quick_test.missing"}


# validate_core_config(load_core_config("config/core.yaml")) of upstream f59f9e73 on this config,
# run outside the project (the bot's 26 errors, verbatim; FORMATS.md §0.1). The bot prints the
# last one with the path resolved against the config folder; the gate quotes it as configured.
MULTI = "uniwersum instrumentów 'core_multi_exchange' nie zawiera powiązań dla giełdy"
BOT_ERRORS = {
    "uniwersum instrumentów 'cross_exchange_core': instrument 'BTC_USDT_CROSS': "
    "nieobsługiwany sufiks interwału 's'",
    "uniwersum instrumentów 'cross_exchange_core': instrument 'ETH_USDT_CROSS': "
    "nieobsługiwany sufiks interwału 's'",
    *(
        f"środowisko '{env}': {MULTI} '{exchange}'"
        for env, exchange in [
            ("coinbase_paper", "coinbase_spot"),
            ("okx_paper", "okx_spot"),
            ("okx_margin_testnet", "okx_margin"),
            ("kucoin_paper", "kucoin_spot"),
            ("bybit_paper", "bybit_spot"),
            ("bybit_futures_testnet", "bybit_futures"),
            ("deribit_futures_paper", "deribit_futures"),
            ("deribit_futures_testnet", "deribit_futures"),
            ("deribit_futures_live", "deribit_futures"),
            ("bitmex_futures_paper", "bitmex_futures"),
            ("bitmex_futures_testnet", "bitmex_futures"),
            ("bitmex_futures_live", "bitmex_futures"),
            ("nowa_gielda_paper", "nowa_gielda_spot"),
            ("nowa_gielda_live", "nowa_gielda_spot"),
            ("coinbase_offline", "coinbase_spot"),
            ("coinbase_margin_paper", "coinbase_margin"),
            ("coinbase_futures_live", "coinbase_futures"),
        ]
    ),
    "środowisko 'nowa_gielda_paper': default_strategy nie jest ustawione mimo zdefiniowanych "
    "strategii",
    "środowisko 'nowa_gielda_paper': default_controller nie jest ustawione mimo zdefiniowanych "
    "kontrolerów runtime",
    "środowisko 'nowa_gielda_live': default_strategy nie jest ustawione mimo zdefiniowanych "
    "strategii",
    "środowisko 'nowa_gielda_live': default_controller nie jest ustawione mimo zdefiniowanych "
    "kontrolerów runtime",
    "środowisko 'coinbase_offline': domyślna strategia 'manual_override' nie istnieje w sekcji "
    "strategies",
    "środowisko 'coinbase_offline': domyślny kontroler 'manual_override' nie istnieje w sekcji "
    "runtime.controllers",
    "runtime.metrics_service: ui_alerts_risk_profiles_file "
    "'configs/telemetry_risk_profiles.yaml' nie istnieje",
}


def test_pre0_reports_the_bots_own_26_configuration_errors() -> None:
    gate = judged("binance_live")
    assert failed(gate, "PRE-0")
    findings = gate.findings["PRE-0"]
    assert len(BOT_ERRORS) == 26
    assert {f.found for f in findings} == BOT_ERRORS
    assert len(findings) == 26
    assert all(f.file == "config/core.yaml" and f.line for f in findings)
    lines = {f.found: f.line for f in findings}
    assert (
        lines[
            "środowisko 'coinbase_offline': domyślna strategia 'manual_override' nie istnieje w "
            "sekcji strategies"
        ]
        == 2583
    )
