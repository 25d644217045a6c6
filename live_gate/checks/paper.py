"""PRE-8 paper accounting (the ledger reconciles) and ACT-3 live limits against what paper
trading showed. Both replay the paper ledger from the configured initial balances.

The ledger is streamed (a fill is applied and forgotten); every number a fill carries must be
finite (NaN passes every comparison), every fill is dated no later than the evaluation instant
plus the clock skew, and a side or status the simulator never writes is a finding, never a line
silently left out. Per-line findings are named one by one up to :data:`REPORTED` per rule, then
counted.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from live_gate.checks import Findings
from live_gate.errors import UnreadableInput
from live_gate.findings import Finding
from live_gate.kit.files import InputRefused
from live_gate.kit.parse import NonFinite
from live_gate.kit.values import describe_flag, finite_number, non_finite_paths, strict_bool
from live_gate.paths import PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment
from live_gate.resources.ledger import (
    LedgerEntry,
    LedgerProblem,
    PaperSettings,
    Replay,
    SettingProblem,
    read_ledger,
    read_paper_settings,
    replay_once,
)
from live_gate.resources.risk_profiles import enforced_limits, trading_profiles
from live_gate.timeutil import iso

FEE_TOLERANCE = 1e-9  # relative
REPORTED = 20
FILL_NUMBERS = ("quantity", "price", "fee")
OPTIONAL_NUMBERS = ("leverage", "position_value")
SIDES = ("buy", "sell", "cancel")
STATUSES = ("filled", "cancelled")


@dataclass
class PaperRun:
    replay: Replay
    fills: int
    where: str


class _Limit:
    """At most :data:`REPORTED` findings per rule; the rest are counted."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def __call__(self, rule: str) -> bool:
        self.counts[rule] += 1
        return self.counts[rule] <= REPORTED

    def summarise(self, out: Findings, file: str) -> None:
        for rule, count in self.counts.items():
            if count > REPORTED:
                out.block(
                    rule,
                    f"{count - REPORTED} more ledger lines break this rule (the first "
                    f"{REPORTED} are listed)",
                    file=file,
                    expected="none",
                    found=f"{count} lines",
                )


def _base_asset(environment: Environment, symbol: str, quote: str) -> str:
    exchange = environment.raw.get("exchange")
    universes = environment.deployment.section("instrument_universes")
    universe = universes.get(str(environment.raw.get("instrument_universe"))) or {}
    instruments = universe.get("instruments") if isinstance(universe, dict) else None
    for instrument in (instruments or {}).values() if isinstance(instruments, dict) else ():
        if (
            isinstance(instrument, dict)
            and isinstance(instrument.get("exchanges"), dict)
            and instrument["exchanges"].get(exchange) == symbol
            and instrument.get("base_asset")
        ):
            return str(instrument["base_asset"])
    if "/" in symbol:
        return symbol.split("/", 1)[0]
    return symbol[: -len(quote)] if symbol.endswith(quote) else symbol


def report_setting_problems(
    out: Findings, environment: Environment, problems: list[SettingProblem]
) -> None:
    for problem in problems:
        out.block(
            "paper.setting_invalid",
            f"the paper setting {problem.field} cannot be used: the replay would compute with it",
            file=environment.deployment.config_file,
            line=problem.line,
            field=problem.field,
            expected=problem.expected,
            found=problem.found,
        )


def replay_paper(
    environment: Environment,
    out: Findings,
    *,
    judge: bool,
    as_of: datetime,
    skew: timedelta,
) -> PaperRun | None:
    """Replay the environment's paper ledger; with ``judge``, report every accounting defect."""
    settings, problems = read_paper_settings(environment)
    if problems:
        report_setting_problems(out, environment, problems)
        return None
    if settings is None:
        out.block(
            "paper.not_configured",
            f"{environment.name} has no paper_trading settings",
            file=environment.deployment.config_file,
            line=environment.line(),
            field=f"environments.{environment.name}.adapter_settings.paper_trading",
            expected="the paper simulator's settings",
            found="absent",
        )
        return None
    try:
        directory = environment.resolve_data_path(settings.ledger_directory)
    except PathEscapesDeployment as exc:
        out.escaped(
            exc,
            file=environment.deployment.config_file,
            field="adapter_settings.paper_trading.ledger_directory",
        )
        return None
    replay = Replay(settings.quote_asset, dict(settings.initial_balances))
    fills = 0
    limit = _Limit()
    for entry in read_ledger(environment, directory, settings.ledger_pattern, out):
        if isinstance(entry, LedgerProblem):
            if judge and limit("ledger.line_invalid"):
                out.block(
                    "ledger.line_invalid",
                    f"a ledger line does not parse: {entry.problem}",
                    file=entry.file,
                    line=entry.line,
                    expected="a ledger JSON object",
                    found="invalid line",
                )
            continue
        side, status = entry.data.get("side"), entry.data.get("status")
        if side not in SIDES or status not in STATUSES:
            if judge and limit("ledger.line_invalid"):
                out.block(
                    "ledger.line_invalid",
                    f"ledger entry {entry.data.get('order_id')!r} has a side or status the "
                    "simulator never writes",
                    file=entry.file,
                    line=entry.line,
                    field="side/status",
                    expected=f"side in {SIDES}, status in {STATUSES}",
                    found=f"side={side!r}, status={status!r}",
                )
            continue
        if status != "filled" or side == "cancel":
            continue
        fills += 1
        _apply(environment, settings, replay, entry, out if judge else None, limit, as_of, skew)
    limit.summarise(out, directory.relative)
    if fills == 0:
        out.block(
            "ledger.empty",
            f"the paper ledger of {environment.name} records no fill: paper trading showed nothing",
            file=directory.relative,
            expected=f"{settings.ledger_pattern} files with fills",
            found="none",
        )
        return None
    return PaperRun(replay, fills, directory.relative)


@dataclass(frozen=True)
class SharedReplay:
    """One judged replay of a paper ledger (``replay_paper`` with ``judge=True``): its result and
    everything it found and read, for each requirement that needs it to take its share."""

    run: PaperRun | None
    findings: tuple[Finding, ...]
    artifacts: tuple[str, ...]

    def into(self, out: Findings, rules: Collection[str] | None = None) -> PaperRun | None:
        """Copy the findings (only ``rules`` when given) into ``out`` as ``out``'s requirement's,
        and the files read as its artifacts; return the replay's result."""
        for finding in self.findings:
            if rules is None or finding.rule in rules:
                out.append(replace(finding, requirement=out.requirement))
        for artifact in self.artifacts:
            out.read(artifact)
        return self.run


def shared_replay(paper: Environment, as_of: datetime, skew: timedelta) -> SharedReplay:
    """The paper ledger of ``paper`` replayed and judged once per deployment object and judging
    instant (``live_gate.resources.ledger.replay_once``): PRE-8 reports all it found, ACT-3 uses
    its figures. Judging a line changes nothing the replay computes (the balances and extremes
    are the same with ``judge=False``), so ACT-3 sees exactly what its own replay would give."""

    def compute() -> SharedReplay:
        scratch = Findings("PRE-8", None)
        run = replay_paper(paper, scratch, judge=True, as_of=as_of, skew=skew)
        return SharedReplay(run, tuple(scratch), tuple(scratch.artifacts))

    return replay_once(paper, (as_of, skew), compute)


def _apply(
    environment: Environment,
    settings: PaperSettings,
    replay: Replay,
    entry: LedgerEntry,
    out: Findings | None,
    limit: _Limit,
    as_of: datetime,
    skew: timedelta,
) -> None:
    data = entry.data
    where = {"file": entry.file, "line": entry.line}
    order = data.get("order_id")
    numbers: dict[str, float] = {}
    broken = False
    for key in FILL_NUMBERS + OPTIONAL_NUMBERS:
        value = data.get(key)
        if value is None and key in OPTIONAL_NUMBERS:
            continue
        number = finite_number(value)
        if number is None:
            broken = True
            if out is not None and limit("ledger.not_a_number"):
                out.not_a_number(
                    "ledger.not_a_number",
                    f"fill {order}: {key}",
                    value,
                    "a finite number",
                    field=key,
                    **where,
                )
            continue
        numbers[key] = number
    if broken:
        return
    quantity, price, fee = numbers["quantity"], numbers["price"], numbers["fee"]
    if quantity <= 0 or price <= 0:
        if out is not None and limit("ledger.not_positive"):
            out.block(
                "ledger.not_positive",
                f"fill {order}: quantity and price must be positive numbers",
                expected="quantity > 0, price > 0",
                found=f"quantity={data.get('quantity')}, price={data.get('price')}",
                **where,
            )
        return
    stamp = finite_number(data.get("timestamp"))
    when: datetime | None = None
    if stamp is not None:
        try:
            when = datetime.fromtimestamp(stamp, tz=UTC)
        except (OverflowError, OSError, ValueError):
            when = None
    if when is None:
        if out is not None and limit("ledger.undated"):
            raw = data.get("timestamp")
            out.block(
                "ledger.undated",
                f"fill {order} has no readable timestamp",
                field="timestamp",
                expected="epoch seconds (a finite number)",
                found=f"{raw!r} ({type(raw).__name__})" if raw is not None else "absent",
                **where,
            )
        return
    if out is not None and when > as_of + skew and limit("ledger.timestamp.in_future"):
        out.instant(
            "ledger.timestamp",
            f"fill {order}",
            when,
            as_of=as_of,
            skew=skew,
            file=entry.file,
            line=entry.line,
            field="timestamp",
        )
    notional = quantity * price
    if out is not None:
        _judge_fill(settings, data, quantity, price, fee, notional, out, limit, where)
    symbol = str(data.get("symbol"))
    base = _base_asset(environment, symbol, settings.quote_asset)
    quote = settings.quote_asset
    replay.last_price[base] = price
    if data["side"] == "buy":
        replay.balances[quote] = replay.balances.get(quote, 0.0) - notional - fee
        replay.balances[base] = replay.balances.get(base, 0.0) + quantity
    else:
        held = replay.balances.get(base, 0.0)
        replay.balances[base] = held - quantity
        replay.balances[quote] = replay.balances.get(quote, 0.0) + notional - fee
        if (
            out is not None
            and held - quantity < -1e-12
            and not numbers.get("leverage", 0.0) >= 1
            and limit("ledger.short_without_margin")
        ):
            out.block(
                "ledger.short_without_margin",
                f"fill {order} sells {base} the account does not hold, with no margin recorded",
                field="leverage",
                expected="leverage >= 1 for a short",
                found=data.get("leverage"),
                **where,
            )
    if (
        out is not None
        and replay.balances.get(quote, 0.0) < -1e-9
        and limit("ledger.negative_balance")
    ):
        out.block(
            "ledger.negative_balance",
            f"after fill {order} the {quote} balance is negative",
            field=f"balance {quote}",
            expected=">= 0",
            found=f"{replay.balances[quote]:.2f}",
            **where,
        )
    replay.observe(when.strftime("%Y-%m-%d"))


def _judge_fill(
    settings: PaperSettings,
    data: dict[str, Any],
    quantity: float,
    price: float,
    fee: float,
    notional: float,
    out: Findings,
    limit: _Limit,
    where: dict[str, Any],
) -> None:
    order = data.get("order_id")
    rates = (settings.maker_fee, settings.taker_fee)
    if not any(
        math.isclose(fee, notional * r, rel_tol=FEE_TOLERANCE, abs_tol=1e-12) for r in rates
    ) and limit("ledger.fee_mismatch"):
        out.block(
            "ledger.fee_mismatch",
            f"fill {order}: the fee is not the configured maker or taker rate",
            field="fee",
            expected=f"{notional * settings.maker_fee:.8g} (maker) or "
            f"{notional * settings.taker_fee:.8g} (taker)",
            found=fee,
            **where,
        )
    market = settings.market(str(data.get("symbol")))
    if quantity < market.get("min_quantity", 0.0) - 1e-12 and limit("ledger.below_min_quantity"):
        out.block(
            "ledger.below_min_quantity",
            f"fill {order}: quantity below the market minimum",
            field="quantity",
            expected=f">= {market.get('min_quantity')}",
            found=quantity,
            **where,
        )
    if notional < market.get("min_notional", 0.0) - 1e-9 and limit("ledger.below_min_notional"):
        out.block(
            "ledger.below_min_notional",
            f"fill {order}: notional below the market minimum",
            field="quantity*price",
            expected=f">= {market.get('min_notional')}",
            found=f"{notional:g}",
            **where,
        )
    step = market.get("step_size")
    if step and abs(quantity / step - round(quantity / step)) > 1e-8 and limit("ledger.step_size"):
        out.block(
            "ledger.step_size",
            f"fill {order}: quantity is not a multiple of the step size",
            field="quantity",
            expected=f"a multiple of {step}",
            found=quantity,
            **where,
        )


def check_paper_ledger(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
    """PRE-8: the paper environment's ledger reconciles. Judged on the environment itself when
    it is paper, else on its paper counterpart (same exchange)."""
    out = Findings("PRE-8", None)
    paper = paper_counterpart(environment, out)
    if paper is None:
        return out
    skew = timedelta(seconds=policy.clock_skew_seconds)
    run = shared_replay(paper, as_of, skew).into(out)
    if run is not None:
        out.fact("paper ledger", f"{run.fills} fills in {run.where}")
    return out


def paper_counterpart(environment: Environment, out: Findings) -> Environment | None:
    if environment.kind in ("paper", "testnet"):
        return environment
    deployment = environment.deployment
    exchange = environment.raw.get("exchange")
    candidates = [
        name
        for name, raw in deployment.section("environments").items()
        if isinstance(raw, dict)
        and str(raw.get("environment", "")).lower() == "paper"
        and raw.get("exchange") == exchange
    ]
    preferred = environment.name.replace("_live", "_paper")
    name = (
        preferred if preferred in candidates else (candidates[0] if len(candidates) == 1 else None)
    )
    if name is None:
        out.block(
            "paper.no_counterpart",
            f"no single paper environment trades {exchange} like "
            f"{environment.name}: paper trading cannot vouch for it",
            file=deployment.config_file,
            line=deployment.line("environments"),
            field="environments",
            expected=f"a paper environment on {exchange}",
            found=", ".join(candidates) or "none",
        )
        return None
    return deployment.environment(name)


SMOKE_REPORTS = "audit/smoke_reports"
SMOKE_SUMMARY = "summary.json"
SMOKE_FIELDS = {
    "drawdown_pct": "hard_drawdown_pct",
    "daily_loss_pct": "max_daily_loss_pct",
    "active_positions": "max_open_positions",
}


def _line_of(lines: list[bytes], *keys: str) -> int | None:
    """The line of ``"keys[0]"``, then of ``"keys[1]"`` at or after it...: where a field of a
    pretty-printed JSON document is (a pointer for the operator, not a parser)."""
    index = 0
    for key in keys:
        token = b'"' + key.encode("utf-8") + b'"'
        while index < len(lines) and token not in lines[index]:
            index += 1
        if index == len(lines):
            return None
    return index + 1


def smoke_risk_states(
    paper: Environment,
    out: Findings,
    as_of: datetime,
    skew: timedelta,
    max_age: timedelta | None = None,
) -> list[tuple[str, float, str]]:
    """``risk_state`` figures of the paper smoke summaries
    (``audit/smoke_reports/*/summary.json``) of the paper environment. Every run folder is
    listed through the kit (a run folder or summary that leaves the deployment, or a summary that
    is not a regular file, is a finding); every number of a summary's risk state must be finite;
    its window must not end after the evaluation instant, and the newest run must have ended
    within ``max_age`` (``paper.smoke_stale``): §2.3 compares the live limits with what paper
    trading shows now, not with a run from another configuration months ago. Older runs still
    count (a worse figure they saw is a discrepancy to explain)."""
    files = paper.deployment.files
    try:
        folder = files.at(SMOKE_REPORTS)
    except InputRefused as exc:
        out.refused(exc)
        return []
    kind = files.kind(folder)
    if kind == "missing":
        return []
    if kind != "dir":
        out.refused(InputRefused(f"is {kind}, not a folder; it was not read", folder.relative))
        return []
    found: list[tuple[str, float, str]] = []
    newest: tuple[datetime, str] | None = None
    # upstream keeps zip archives beside the run folders: files there are passed over
    for run in files.listing(folder, out, want="dir", skip=("file",)):
        try:
            summary = files.at(f"{run.relative}/{SMOKE_SUMMARY}")
            if files.kind(summary) == "missing":
                continue
            document = files.json(summary)
            data = [raw for _, raw in files.lines(summary)]
        except UnreadableInput as exc:
            out.refused(exc)
            continue
        relative = summary.relative
        if not isinstance(document, dict):
            out.refused(UnreadableInput("is not a JSON object", relative, 1))
            continue
        if document.get("environment") != paper.name:
            continue
        out.read(relative)
        figures, ended = _smoke_summary(document, data, relative, out, as_of, skew)
        found += figures
        if ended is not None and (newest is None or ended > newest[0]):
            newest = (ended, relative)
    if newest is not None and max_age is not None and as_of - newest[0] > max_age:
        out.block(
            "paper.smoke_stale",
            f"the newest paper smoke run of {paper.name} ended {iso(newest[0])}: paper trading "
            "shows nothing recent to compare the live limits with",
            file=newest[1],
            field="window.end",
            expected=f"ended after {iso(as_of - max_age)} (gate policy smoke_summary_max_age_days)",
            found=iso(newest[0]),
        )
    return found


def _smoke_summary(
    document: dict[str, Any],
    data: list[bytes],
    relative: str,
    out: Findings,
    as_of: datetime,
    skew: timedelta,
) -> tuple[list[tuple[str, float, str]], datetime | None]:
    """The summary's risk figures and the instant its window ended (None when unusable)."""
    window = document.get("window")
    ended: datetime | None = None
    for key, required in (("end", True), ("start", False)):
        instant = out.instant(
            "paper.smoke_time",
            f"the paper smoke run's window {key}",
            window.get(key) if isinstance(window, dict) else None,
            as_of=as_of,
            skew=skew,
            required=required,
            file=relative,
            line=_line_of(data, "window", key),
            field=f"window.{key}",
        )
        if key == "end":
            ended = instant
    state = document.get("risk_state")
    if not isinstance(state, dict):
        out.block(
            "paper.smoke_malformed",
            "the paper smoke summary has no risk_state mapping",
            file=relative,
            line=_line_of(data, "risk_state"),
            field="risk_state",
            expected="a mapping (drawdown_pct, daily_loss_pct, active_positions, limits...)",
            found=f"{state!r} ({type(state).__name__})" if state is not None else "absent",
        )
        return [], ended
    for path, value in non_finite_paths(state, "risk_state"):
        out.not_a_number(
            "paper.smoke_not_a_number",
            f"the paper smoke summary's {path}",
            value,
            "a finite number",
            file=relative,
            line=_line_of(data, *(k for k in path.replace("[", ".[").split(".") if k[:1] != "[")),
            field=path,
        )
    liquidated = state.get("force_liquidation", False)
    flag = strict_bool(liquidated)
    if flag is None:
        out.block(
            "paper.smoke_flag_not_boolean",
            "risk_state.force_liquidation is not a boolean",
            file=relative,
            line=_line_of(data, "risk_state", "force_liquidation"),
            field="risk_state.force_liquidation",
            expected="true or false (the bot writes a boolean)",
            found=describe_flag(liquidated),
        )
    elif flag:
        out.block(
            "paper.smoke_force_liquidation",
            "the paper smoke run ended in a forced liquidation: the risk limits did not hold "
            "in paper trading",
            file=relative,
            line=_line_of(data, "risk_state", "force_liquidation"),
            field="risk_state.force_liquidation",
            expected="false",
            found="true",
        )
    found: list[tuple[str, float, str]] = []
    for field, key in SMOKE_FIELDS.items():
        if field not in state:
            continue
        value = finite_number(state[field])
        if value is None:
            if not isinstance(state[field], NonFinite):  # NaN is reported above
                out.not_a_number(
                    "paper.smoke_not_a_number",
                    f"the paper smoke summary's risk_state.{field}",
                    state[field],
                    "a finite number",
                    file=relative,
                    line=_line_of(data, "risk_state", field),
                    field=f"risk_state.{field}",
                )
            continue
        found.append((key, abs(value), f"{relative} (risk_state.{field})"))
    return found, ended


def check_limits_against_paper(
    environment: Environment, policy: Policy, as_of: datetime
) -> Findings:
    """ACT-3: what paper trading showed stays within the live risk profile's limits."""
    out = Findings("ACT-3", environment.deployment.config_file)
    paper = paper_counterpart(environment, out)
    profile = environment.risk_profile
    if paper is None or profile is None:
        if profile is None:
            out.block(
                "paper.live_profile_missing",
                "the live risk profile is not defined (PRE-2)",
                line=environment.line("risk_profile"),
                field=f"environments.{environment.name}.risk_profile",
                expected="a defined profile",
                found=environment.risk_profile_name,
            )
        return out
    skew = timedelta(seconds=policy.clock_skew_seconds)
    # the replay PRE-8 judges (one pass per run); its accounting defects are PRE-8's to report,
    # ACT-3 takes only what makes the replay unusable
    run = shared_replay(paper, as_of, skew).into(
        out,
        rules=(
            "paper.not_configured",
            "paper.setting_invalid",
            "ledger.empty",
            "path.escapes_deployment",
            "input.refused",
        ),
    )
    if run is None:
        return out
    observed = {
        "hard_drawdown_pct": run.replay.max_drawdown,
        "max_daily_loss_pct": run.replay.worst_daily_loss,
        "max_position_pct": run.replay.largest_position_share,
        "max_open_positions": float(run.replay.max_open_positions),
    }
    # the paper smoke reports' own risk state (FORMATS.md §8) may have seen worse than the ledger
    for key, value, where in smoke_risk_states(
        paper, out, as_of, skew, timedelta(days=policy.smoke_summary_max_age_days)
    ):
        if value > observed[key]:
            observed[key] = value
            out.fact(f"worst {key} from", where)
    labels = {
        "hard_drawdown_pct": "drawdown",
        "max_daily_loss_pct": "worst daily loss",
        "max_position_pct": "largest position share",
        "max_open_positions": "open positions",
    }
    # the limits the bot will enforce live: of every profile it trades with (a bound
    # entrypoint's own wins), the built-in class's for a built-in name
    for trading in trading_profiles(environment, include_environment=True):
        _compare_with_live(out, environment, paper, trading.name, observed, labels)
    return out


def _compare_with_live(
    out: Findings,
    environment: Environment,
    paper: Environment,
    name: str,
    observed: dict[str, float],
    labels: dict[str, str],
) -> None:
    limits = enforced_limits(environment, name)
    for key, value in observed.items():
        enforced = limits.get(key)
        limit = enforced.value if enforced is not None else None
        shown = f"{value:.4g}"
        source = enforced.source if enforced is not None else f"risk_profiles.{name}.{key}"
        out.fact(f"paper {labels[key]}", f"{shown} (live limit {limit}, {source})")
        line = enforced.line if enforced is not None else None
        if line is None:
            line = environment.deployment.line("risk_profiles", name, key)
        if limit is None:
            continue
        number = finite_number(limit)
        if number is None:
            out.not_a_number(
                "paper.live_limit_not_a_number",
                f"the live limit risk_profiles.{name}.{key}",
                limit,
                "a finite number to compare paper trading with",
                line=line,
                field=f"risk_profiles.{name}.{key}",
            )
        elif value > number:
            out.block(
                "paper.beyond_live_limit",
                f"paper trading on {paper.name} showed {labels[key]} {shown}, beyond the "
                f"live limit {limit} of profile {name!r} ({source}): update the RiskProfile or "
                "explain the discrepancy",
                line=line,
                field=f"risk_profiles.{name}.{key}",
                expected=f"paper <= {limit}",
                found=shown,
            )
