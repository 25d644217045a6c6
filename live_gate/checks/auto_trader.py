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

from datetime import datetime, timedelta

from live_gate.checks import Findings, data_path
from live_gate.errors import UnreadableInput
from live_gate.kit.files import InputRefused
from live_gate.kit.values import describe_flag, judge_instant, strict_bool
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment

REQUIREMENT = "ACT-6"
AUTO_TRADER_LOG = "logs/auto_trader.jsonl"
AWAITING = "Auto-trade awaiting explicit activation"
STARTED = "AutoTrader started"
REPORTED = 20


def _is_demo_or_paper(environment: Environment | None, entry_env: str, tags: object) -> bool:
    tag_list = [str(t).lower() for t in tags] if isinstance(tags, list) else []
    if "demo" in entry_env.lower() or "demo" in tag_list or "paper" in tag_list:
        return True
    return environment is not None and environment.kind in ("paper", "testnet")


def check_auto_confirm(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
    deployment = environment.deployment
    out = Findings(REQUIREMENT, deployment.config_file)
    environments = deployment.section("environments")
    for entrypoint in deployment.entrypoints():
        bound = (
            deployment.environment(entrypoint.environment)
            if entrypoint.environment in environments
            else None
        )
        line = (
            deployment.line("runtime_entrypoints", entrypoint.name, "trusted_auto_confirm")
            or entrypoint.line
        )
        field = f"runtime_entrypoints.{entrypoint.name}.trusted_auto_confirm"
        raw = entrypoint.raw.get("trusted_auto_confirm", False)
        trusted = strict_bool(raw)
        if trusted is None:
            # the bot would read "false" or 1 as true and start trading without a click
            out.block(
                "auto_confirm.not_boolean",
                f"entrypoint {entrypoint.name}: trusted_auto_confirm is not a boolean",
                line=line,
                field=field,
                expected="true or false (a YAML boolean)",
                found=describe_flag(raw),
            )
            continue
        if not trusted:
            continue
        if _is_demo_or_paper(bound, entrypoint.environment, entrypoint.raw.get("tags")):
            out.block(
                "auto_confirm.paper_trusted",
                f"entrypoint {entrypoint.name} ({entrypoint.environment}) starts auto-trade "
                "without confirmation in demo/paper; the runbook keeps it false there",
                line=line,
                field=field,
                expected="false",
                found="true",
            )
        elif entrypoint.environment == environment.name:
            _check_unattended_start(out, environment, entrypoint.name, policy, as_of)
    return out


def _check_unattended_start(
    out: Findings, environment: Environment, entrypoint: str, policy: Policy, as_of: datetime
) -> None:
    files = environment.deployment.files
    cache = data_path(environment, ".", out)
    if cache is None:
        return
    try:
        log = files.at(f"{cache.relative}/{AUTO_TRADER_LOG}")
    except InputRefused as exc:
        out.refused(exc)
        return
    kind = files.kind(log)
    if kind not in ("file", "missing"):
        # never opened (a FIFO would hang the reader), never listed as evidence
        out.refused(InputRefused(f"is {kind}, not a regular file; it was not read", log.relative))
        return
    if kind == "missing":
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
    skew = timedelta(seconds=policy.clock_skew_seconds)
    # streamed: only the line of the last start and of the last wait before it are kept
    last_start: int | None = None
    wait_since: int | None = None  # the last wait after the latest start
    wait_before: int | None = None  # the last wait between the previous start and the latest
    last_stamp: object = None
    invalid = misdated = 0
    try:
        for number, record, problem in files.json_lines(log):
            if problem is None and not isinstance(record, dict):
                problem = "not a JSON object"
            if problem is not None:
                invalid += 1
                if invalid <= REPORTED:
                    out.block(
                        "auto_confirm.line_invalid",
                        f"an AutoTrader log line does not parse: {problem}",
                        file=log.relative,
                        line=number,
                        expected='a JSON object {"timestamp", "level", "component", "message"}',
                        found="invalid line",
                    )
                continue
            assert isinstance(record, dict)
            if record.get("component") != "AutoTrader":
                continue
            stamp = record.get("timestamp")
            _, problem_at = judge_instant(stamp, as_of=as_of, skew=skew)
            if problem_at is not None:
                misdated += 1
                if misdated <= REPORTED:
                    out.instant(
                        "auto_confirm.timestamp",
                        "an AutoTrader log record",
                        stamp,
                        as_of=as_of,
                        skew=skew,
                        file=log.relative,
                        line=number,
                        field="timestamp",
                    )
                continue  # a record dated after the evaluation instant decides nothing
            message = str(record.get("message", ""))
            if message.startswith(STARTED):
                last_start, wait_before, wait_since = number, wait_since, None
                last_stamp = stamp
            elif message.startswith(AWAITING):
                wait_since = number
    except UnreadableInput as exc:
        out.refused(exc)
        return
    if invalid > REPORTED:
        out.block(
            "auto_confirm.line_invalid",
            f"{invalid - REPORTED} more AutoTrader log lines do not parse",
            file=log.relative,
            expected="JSON objects",
            found=f"{invalid} invalid lines",
        )
    if misdated > REPORTED:
        out.block(
            "auto_confirm.timestamp.invalid",
            f"{misdated - REPORTED} more AutoTrader records are undated or dated after the "
            "evaluation instant",
            file=log.relative,
            expected="ISO-8601 timestamps no later than the evaluation instant",
            found=f"{misdated} misdated records",
        )
    if last_start is None:
        out.block(
            "auto_confirm.no_start",
            "the AutoTrader log shows no start",
            file=log.relative,
            expected=f"a record {STARTED!r}",
            found="none",
        )
        return
    # the start must be the dry run's: no older than the policy's dry-run age (ACT-7)
    out.instant(
        "auto_confirm.timestamp",
        "the last AutoTrader start",
        last_stamp,
        as_of=as_of,
        skew=skew,
        max_age=timedelta(hours=policy.dry_run_max_age_hours),
        file=log.relative,
        line=last_start,
        field="timestamp",
    )
    if wait_before is not None:
        out.block(
            "auto_confirm.waited_for_click",
            "the last AutoTrader start waited for a "
            "manual confirmation, so trusted_auto_confirm is not in effect",
            file=log.relative,
            line=wait_before,
            expected="a start without 'awaiting explicit activation'",
            found=AWAITING,
        )
