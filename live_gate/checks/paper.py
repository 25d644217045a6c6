"""PRE-8 paper accounting (the ledger reconciles) and ACT-3 live limits against what paper
trading showed. Both replay the paper ledger from the configured initial balances."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from live_gate.checks import Findings
from live_gate.paths import PathEscapesDeployment
from live_gate.resources.deployment import Environment
from live_gate.resources.ledger import LedgerEntry, Replay, paper_settings, read_ledger

FEE_TOLERANCE = 1e-9  # relative


@dataclass
class PaperRun:
    replay: Replay
    fills: int
    where: str


def _base_asset(environment: Environment, symbol: str, quote: str) -> str:
    exchange = environment.raw.get("exchange")
    universes = environment.deployment.section("instrument_universes")
    universe = universes.get(str(environment.raw.get("instrument_universe"))) or {}
    for instrument in (universe.get("instruments") or {}).values():
        if (
            isinstance(instrument, dict)
            and (instrument.get("exchanges") or {}).get(exchange) == symbol
            and instrument.get("base_asset")
        ):
            return str(instrument["base_asset"])
    if "/" in symbol:
        return symbol.split("/", 1)[0]
    return symbol[: -len(quote)] if symbol.endswith(quote) else symbol


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def replay_paper(environment: Environment, out: Findings, *, judge: bool) -> PaperRun | None:
    """Replay the environment's paper ledger; with ``judge``, report every accounting defect."""
    settings = paper_settings(environment)
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
    for entry in read_ledger(directory, environment.deployment.root):
        if isinstance(entry, tuple):
            if judge:
                out.block(
                    "ledger.line_invalid",
                    f"a ledger line does not parse: {entry[2]}",
                    file=entry[0],
                    line=entry[1],
                    expected="a ledger JSON object",
                    found="invalid line",
                )
            continue
        out.read(entry.file)
        if entry.data.get("status") != "filled" or entry.data.get("side") not in ("buy", "sell"):
            continue
        fills += 1
        _apply(environment, settings, replay, entry, out if judge else None)
    if fills == 0:
        out.block(
            "ledger.empty",
            f"the paper ledger of {environment.name} records no fill: paper trading showed nothing",
            file=directory.relative,
            expected="ledger-%Y%m%d.jsonl files with fills",
            found="none",
        )
        return None
    return PaperRun(replay, fills, directory.relative)


def _apply(
    environment: Environment,
    settings: Any,
    replay: Replay,
    entry: LedgerEntry,
    out: Findings | None,
) -> None:
    data = entry.data
    where = {"file": entry.file, "line": entry.line}
    symbol = str(data.get("symbol"))
    quantity, price, fee = (_number(data.get(k)) for k in ("quantity", "price", "fee"))
    if quantity is None or price is None or fee is None or quantity <= 0 or price <= 0:
        if out is not None:
            out.block(
                "ledger.not_positive",
                f"fill {data.get('order_id')}: quantity and price must be positive numbers",
                expected="quantity > 0, price > 0, fee a number",
                found=f"quantity={data.get('quantity')}, price={data.get('price')}",
                **where,
            )
        return
    try:
        when = entry.when
    except (KeyError, TypeError, ValueError, OverflowError):
        if out is not None:
            out.block(
                "ledger.undated",
                f"fill {data.get('order_id')} has no readable timestamp",
                expected="epoch seconds",
                found=data.get("timestamp"),
                **where,
            )
        return
    notional = quantity * price
    if out is not None:
        rates = (settings.maker_fee, settings.taker_fee)
        if not any(
            math.isclose(fee, notional * r, rel_tol=FEE_TOLERANCE, abs_tol=1e-12) for r in rates
        ):
            out.block(
                "ledger.fee_mismatch",
                f"fill {data.get('order_id')}: the fee is not the configured maker or taker rate",
                field="fee",
                expected=f"{notional * settings.maker_fee:.8g} (maker) or "
                f"{notional * settings.taker_fee:.8g} (taker)",
                found=fee,
                **where,
            )
        market = settings.market(symbol)
        if quantity < float(market.get("min_quantity", 0)) - 1e-12:
            out.block(
                "ledger.below_min_quantity",
                f"fill {data.get('order_id')}: quantity below the market minimum",
                field="quantity",
                expected=f">= {market.get('min_quantity')}",
                found=quantity,
                **where,
            )
        if notional < float(market.get("min_notional", 0)) - 1e-9:
            out.block(
                "ledger.below_min_notional",
                f"fill {data.get('order_id')}: notional below the market minimum",
                field="quantity*price",
                expected=f">= {market.get('min_notional')}",
                found=f"{notional:g}",
                **where,
            )
        step = market.get("step_size")
        if step and abs(quantity / float(step) - round(quantity / float(step))) > 1e-8:
            out.block(
                "ledger.step_size",
                f"fill {data.get('order_id')}: quantity is not a multiple of the step size",
                field="quantity",
                expected=f"a multiple of {step}",
                found=quantity,
                **where,
            )
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
            and not (_number(data.get("leverage")) or 0) >= 1
        ):
            out.block(
                "ledger.short_without_margin",
                f"fill {data.get('order_id')} sells "
                f"{base} the account does not hold, with no margin recorded",
                field="leverage",
                expected="leverage >= 1 for a short",
                found=data.get("leverage"),
                **where,
            )
    if out is not None and replay.balances.get(quote, 0.0) < -1e-9:
        out.block(
            "ledger.negative_balance",
            f"after fill {data.get('order_id')} the {quote} balance is negative",
            field=f"balance {quote}",
            expected=">= 0",
            found=f"{replay.balances[quote]:.2f}",
            **where,
        )
    replay.observe(when.strftime("%Y-%m-%d"))


def check_paper_ledger(environment: Environment) -> Findings:
    """PRE-8: the paper environment's ledger reconciles. Judged on the environment itself when
    it is paper, else on its paper counterpart (same exchange)."""
    out = Findings("PRE-8", None)
    paper = paper_counterpart(environment, out)
    if paper is None:
        return out
    run = replay_paper(paper, out, judge=True)
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
SMOKE_FIELDS = {
    "drawdown_pct": "hard_drawdown_pct",
    "daily_loss_pct": "max_daily_loss_pct",
    "active_positions": "max_open_positions",
}


def smoke_risk_states(paper: Environment, out: Findings) -> list[tuple[str, float, str]]:
    """``risk_state`` figures of the paper smoke summaries
    (``audit/smoke_reports/*/summary.json``) of the paper environment."""
    import json

    root = paper.deployment.root
    found: list[tuple[str, float, str]] = []
    for path in sorted((root / SMOKE_REPORTS).glob("*/summary.json")):
        relative = path.relative_to(root).as_posix()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            out.warn(
                "paper.smoke_unreadable", "a paper smoke summary cannot be read", file=relative
            )
            continue
        if not isinstance(data, dict) or data.get("environment") != paper.name:
            continue
        out.read(relative)
        state = data.get("risk_state") or {}
        for field, key in SMOKE_FIELDS.items():
            value = _number(state.get(field)) if isinstance(state, dict) else None
            if value is not None:
                found.append((key, abs(value), f"{relative} (risk_state.{field})"))
    return found


def check_limits_against_paper(environment: Environment) -> Findings:
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
    scratch = Findings("ACT-3", None)  # accounting defects are PRE-8's to report
    run = replay_paper(paper, scratch, judge=False)
    out.extend(
        f
        for f in scratch
        if f.rule in ("paper.not_configured", "ledger.empty", "path.escapes_deployment")
    )
    out.artifacts.extend(scratch.artifacts)
    if run is None:
        return out
    observed = {
        "hard_drawdown_pct": run.replay.max_drawdown,
        "max_daily_loss_pct": run.replay.worst_daily_loss,
        "max_position_pct": run.replay.largest_position_share,
        "max_open_positions": float(run.replay.max_open_positions),
    }
    # the paper smoke reports' own risk state (FORMATS.md §8) may have seen worse than the ledger
    for key, value, where in smoke_risk_states(paper, out):
        if value > observed[key]:
            observed[key] = value
            out.fact(f"worst {key} from", where)
    labels = {
        "hard_drawdown_pct": "drawdown",
        "max_daily_loss_pct": "worst daily loss",
        "max_position_pct": "largest position share",
        "max_open_positions": "open positions",
    }
    name = environment.risk_profile_name
    for key, value in observed.items():
        limit = profile.get(key)
        shown = f"{value:.4g}"
        out.fact(f"paper {labels[key]}", f"{shown} (live limit {limit})")
        if isinstance(limit, int | float) and not isinstance(limit, bool) and value > limit:
            out.block(
                "paper.beyond_live_limit",
                f"paper trading on {paper.name} showed {labels[key]} {shown}, beyond the "
                f"live limit {limit} of profile {name!r}: update the RiskProfile or "
                "explain the discrepancy",
                line=environment.deployment.line("risk_profiles", str(name), key),
                field=f"risk_profiles.{name}.{key}",
                expected=f"paper <= {limit}",
                found=shown,
            )
    return out
