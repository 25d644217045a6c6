"""ACT-6 AutoTrader/GUI (runbook §2.6): ``trusted_auto_confirm`` stays false for demo/paper
entrypoints; where it is true for the live entrypoint, the AutoTrader log shows the auto-trade
start without a manual click.

The bot logs through its emitter (``bot_core/auto_trader/app.py``): without trusted confirmation,
``start()`` logs "Auto-trade awaiting explicit activation" and waits for
``confirm_auto_trade(True)``; with it, the auto-trade thread starts at once. The gate reads the
emitter's records as JSON lines ``{"timestamp", "level", "component", "message"}`` at
``<data_cache_path>/logs/auto_trader.jsonl``.
"""

from __future__ import annotations

import json

from live_gate.checks import Findings, data_path
from live_gate.resources.deployment import Environment, UnreadableInput

REQUIREMENT = "ACT-6"
AUTO_TRADER_LOG = "logs/auto_trader.jsonl"
AWAITING = "Auto-trade awaiting explicit activation"
STARTED = "AutoTrader started"


def _is_demo_or_paper(environment: Environment | None, entry_env: str, tags: object) -> bool:
    tag_list = [str(t).lower() for t in tags] if isinstance(tags, list) else []
    if "demo" in entry_env.lower() or "demo" in tag_list or "paper" in tag_list:
        return True
    return environment is not None and environment.kind in ("paper", "testnet")


def check_auto_confirm(environment: Environment) -> Findings:
    deployment = environment.deployment
    out = Findings(REQUIREMENT, deployment.config_file)
    environments = deployment.section("environments")
    for entrypoint in deployment.entrypoints():
        bound = (
            deployment.environment(entrypoint.environment)
            if entrypoint.environment in environments
            else None
        )
        if not entrypoint.trusted_auto_confirm:
            continue
        if _is_demo_or_paper(bound, entrypoint.environment, entrypoint.raw.get("tags")):
            out.block(
                "auto_confirm.paper_trusted",
                f"entrypoint {entrypoint.name} ({entrypoint.environment}) starts auto-trade "
                "without confirmation in demo/paper; the runbook keeps it false there",
                line=deployment.line("runtime_entrypoints", entrypoint.name, "trusted_auto_confirm")
                or entrypoint.line,
                field=f"runtime_entrypoints.{entrypoint.name}.trusted_auto_confirm",
                expected="false",
                found="true",
            )
        elif entrypoint.environment == environment.name:
            _check_unattended_start(out, environment, entrypoint.name)
    return out


def _check_unattended_start(out: Findings, environment: Environment, entrypoint: str) -> None:
    log = data_path(environment, AUTO_TRADER_LOG, out)
    if log is None:
        return
    if not log.path.is_file():
        out.block(
            "auto_confirm.no_log",
            f"entrypoint {entrypoint} trusts auto-confirmation for "
            "live, but no AutoTrader log shows how it started",
            file=log.relative,
            expected="the AutoTrader log of the dry run",
            found="no such file",
        )
        return
    out.read(log.relative)
    try:
        lines = log.path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableInput(f"cannot read: {exc}", log.relative) from exc
    messages: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("component") == "AutoTrader":
            messages.append((number, str(record.get("message", ""))))
    starts = [n for n, m in messages if m.startswith(STARTED)]
    if not starts:
        out.block(
            "auto_confirm.no_start",
            "the AutoTrader log shows no start",
            file=log.relative,
            expected=f"a record {STARTED!r}",
            found="none",
        )
        return
    waited = [
        n
        for n, m in messages
        if m.startswith(AWAITING) and n < starts[-1] and n > (starts[-2] if len(starts) > 1 else 0)
    ]
    if waited:
        out.block(
            "auto_confirm.waited_for_click",
            "the last AutoTrader start waited for a "
            "manual confirmation, so trusted_auto_confirm is not in effect",
            file=log.relative,
            line=waited[-1],
            expected="a start without 'awaiting explicit activation'",
            found=AWAITING,
        )
