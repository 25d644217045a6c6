"""PRE-5 market data: the environment's OHLCV cache and risk snapshot are complete and fresh
for the live market (runbook §1, Dostęp do danych).

Thresholds are the environment's ``data_quality`` (``max_gap_minutes``, ``min_ok_ratio``), each
falling back to its risk profile's (``bot_core/alerts/coverage.py:130-157``). As in the bot's
coverage check, a series is *ok* when the manifest knows it and its last bar is younger than two
intervals, and the ok ratio is the share of ok series. The gate adds what the bot's manifest
cannot show: the bars themselves, with no hole longer than ``max_gap_minutes``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from live_gate.checks import Findings, data_path
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment, UnreadableInput
from live_gate.resources.market_data import (
    MANIFEST,
    PARQUET_ROOT,
    as_int,
    expected_series,
    namespace,
    read_manifest,
    scan_bars,
)
from live_gate.timeutil import InvalidInstant, iso, parse_instant

REQUIREMENT = "PRE-5"
RISK_SNAPSHOT = "risk_snapshot.json"


def _instant_ms(ms: int) -> str:
    return iso(datetime.fromtimestamp(ms / 1000, tz=UTC))


def data_quality_thresholds(environment: Environment) -> dict[str, tuple[Any, str]]:
    """``{field: (value, where it came from)}``, environment first, then the risk profile."""
    own = environment.block("data_quality") or {}
    profile = (environment.risk_profile or {}).get("data_quality") or {}
    found: dict[str, tuple[Any, str]] = {}
    for key in ("max_gap_minutes", "min_ok_ratio"):
        if own.get(key) is not None:
            found[key] = (own[key], f"environments.{environment.name}.data_quality.{key}")
        elif isinstance(profile, dict) and profile.get(key) is not None:
            found[key] = (
                profile[key],
                f"risk_profiles.{environment.risk_profile_name}.data_quality.{key}",
            )
    return found


def check_market_data(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
    deployment = environment.deployment
    out = Findings(REQUIREMENT, deployment.config_file)
    thresholds = data_quality_thresholds(environment)
    for key in ("max_gap_minutes", "min_ok_ratio"):
        if key not in thresholds:
            out.block(
                "data.threshold_missing",
                f"neither the environment nor its risk profile sets data_quality.{key}",
                line=environment.line("data_quality") or environment.line(),
                field=f"environments.{environment.name}.data_quality.{key}",
                expected="a number",
                found="absent",
            )
    series, problems = expected_series(environment)
    for problem in problems:
        out.block(
            "data.universe_invalid",
            problem,
            line=environment.line("instrument_universe"),
            field=f"environments.{environment.name}.instrument_universe",
        )
    if not series and not problems:
        out.block(
            "data.no_series",
            "the instrument universe lists no backfilled series for "
            f"{environment.raw.get('exchange')}",
            line=environment.line("instrument_universe"),
            field="instrument_universes.*.instruments.*.exchanges",
            expected="at least one symbol with a backfill window",
            found="none",
        )
    if out.blocking_count() or not series:
        return out
    max_gap = float(thresholds["max_gap_minutes"][0])
    min_ok = float(thresholds["min_ok_ratio"][0])
    out.fact(
        "thresholds",
        f"max gap {max_gap:g} min ({thresholds['max_gap_minutes'][1]}), "
        f"min ok ratio {min_ok:g} ({thresholds['min_ok_ratio'][1]})",
    )
    cache = data_path(environment, ".", out)
    if cache is None:
        return out
    manifest_path = cache.path / MANIFEST
    manifest_rel = f"{cache.relative}/{MANIFEST}"
    if not manifest_path.is_file():
        out.block(
            "data.manifest_missing",
            "the OHLCV cache has no manifest: no data was backfilled for this environment",
            file=manifest_rel,
            expected="the bot's ohlcv_manifest.sqlite",
            found="no such file",
        )
        return out
    out.read(manifest_rel)
    manifest = read_manifest(manifest_path, manifest_rel)
    ok = 0
    for item in series:
        ok += _check_series(
            out, environment, item, manifest, manifest_rel, cache.path, max_gap, as_of
        )
    ratio = ok / len(series)
    out.fact("ok ratio", f"{ok}/{len(series)} series = {ratio:.2f} (minimum {min_ok:g})")
    if ratio < min_ok:
        out.block(
            "data.ok_ratio_low",
            f"only {ok} of {len(series)} series are ok",
            file=manifest_rel,
            field="ok ratio",
            expected=f">= {min_ok:g}",
            found=f"{ratio:.2f}",
        )
    _check_risk_snapshot(out, environment, cache.path, cache.relative, policy, as_of)
    return out


def _check_series(
    out: Findings,
    environment: Environment,
    item: Any,
    manifest: dict[str, str],
    manifest_rel: str,
    cache_dir: Any,
    max_gap: float,
    as_of: datetime,
) -> int:
    """Judge one series; 1 if the bot's coverage check would call it ok."""
    deployment = environment.deployment
    label = f"{item.symbol} {item.interval}"
    last = as_int(manifest.get(f"last_timestamp::{item.key}"))
    count = as_int(manifest.get(f"row_count::{item.key}"))
    status_ok = True
    if last is None:
        out.block(
            "data.series_unknown",
            f"the manifest has no last bar for {label}",
            file=manifest_rel,
            field=f"last_timestamp::{item.key}",
            expected="the epoch-ms time of the last bar",
            found="absent or invalid",
        )
        status_ok = False
    else:
        age = (as_of - datetime.fromtimestamp(last / 1000, tz=UTC)) / timedelta(minutes=1)
        if age < -1:
            out.block(
                "data.from_future",
                f"{label}: the last bar is after the evaluation instant",
                file=manifest_rel,
                field=f"last_timestamp::{item.key}",
                expected=f"at or before {iso(as_of)}",
                found=_instant_ms(last),
            )
            status_ok = False
        elif age >= 2 * item.minutes:
            status_ok = False  # the bot's manifest status "warning"
            if age > max_gap:
                out.block(
                    "data.stale",
                    f"{label}: the last bar is {age:.0f} minutes old at {iso(as_of)}",
                    file=manifest_rel,
                    field=f"last_timestamp::{item.key}",
                    expected=f"within {max_gap:g} minutes (data_quality.max_gap_minutes)",
                    found=_instant_ms(last),
                )
    if count is not None and count < item.required_rows:
        status_ok = False
        out.block(
            "data.insufficient_rows",
            f"{label}: the manifest counts {count} bars, fewer "
            f"than {item.lookback_days:g} days need",
            file=manifest_rel,
            field=f"row_count::{item.key}",
            expected=f">= {item.required_rows}",
            found=count,
        )
    series_dir = cache_dir / PARQUET_ROOT / namespace(environment) / item.symbol / item.interval
    scan = scan_bars(series_dir, item.minutes, deployment.root)
    for file in scan.files:
        out.read(file)
    where = series_dir.relative_to(deployment.root).as_posix()
    if not scan.rows:
        out.block(
            "data.bars_missing",
            f"{label}: no bars are stored",
            file=where,
            expected="monthly Parquet partitions year=YYYY/month=MM/data.parquet",
            found="none",
        )
        return 0
    out.fact(
        label,
        f"{scan.rows} bars, {_instant_ms(scan.first_ms or 0)} → "
        f"{_instant_ms(scan.last_ms or 0)}, longest hole {scan.max_gap_minutes:g} min",
    )
    if scan.max_gap_minutes > max_gap:
        out.block(
            "data.gap",
            f"{label}: {scan.max_gap_minutes:g} minutes without a bar after "
            f"{_instant_ms(scan.gap_after_ms or 0)}",
            file=where,
            expected=f"no hole longer than {max_gap:g} minutes",
            found=f"{scan.max_gap_minutes:g} minutes",
        )
    if scan.out_of_order:
        out.block(
            "data.unordered",
            f"{label}: {scan.out_of_order} bars are duplicated or out of order",
            file=where,
            expected="strictly increasing open_time",
            found=f"{scan.out_of_order} bars",
        )
    if scan.rows < item.required_rows:
        out.block(
            "data.insufficient_rows",
            f"{label}: {scan.rows} bars stored, fewer than {item.lookback_days:g} days need",
            file=where,
            expected=f">= {item.required_rows}",
            found=scan.rows,
        )
    if last is not None and scan.last_ms is not None and scan.last_ms != last:
        out.warn(
            "data.manifest_disagrees",
            f"{label}: the manifest's last bar differs from the stored bars",
            file=manifest_rel,
            field=f"last_timestamp::{item.key}",
            expected=_instant_ms(scan.last_ms),
            found=_instant_ms(last),
        )
    return 1 if status_ok else 0


def _check_risk_snapshot(
    out: Findings,
    environment: Environment,
    cache_dir: Any,
    cache_rel: str,
    policy: Policy,
    as_of: datetime,
) -> None:
    relative = f"{cache_rel}/{RISK_SNAPSHOT}"
    path = cache_dir / RISK_SNAPSHOT
    if not path.is_file():
        out.block(
            "risk_snapshot.missing",
            "there is no risk snapshot for the environment",
            file=relative,
            expected="a risk snapshot (live-gate format, see README)",
            found="no such file",
        )
        return
    out.read(relative)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UnreadableInput(f"cannot read: {exc.strerror}", relative) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        out.block(
            "risk_snapshot.malformed",
            f"the risk snapshot is not JSON: {exc}",
            file=relative,
            expected="a JSON object",
            found="malformed",
        )
        return
    if not isinstance(data, dict):
        out.block(
            "risk_snapshot.malformed",
            "the risk snapshot is not a JSON object",
            file=relative,
            expected="a JSON object",
            found=type(data).__name__,
        )
        return
    if data.get("profile") != environment.risk_profile_name:
        out.block(
            "risk_snapshot.profile",
            "the risk snapshot is of another risk profile",
            file=relative,
            field="profile",
            expected=environment.risk_profile_name,
            found=data.get("profile"),
        )
    try:
        generated = parse_instant(str(data.get("generated_at")))
    except InvalidInstant:
        out.block(
            "risk_snapshot.undated",
            "the risk snapshot has no readable generated_at",
            file=relative,
            field="generated_at",
            expected="an ISO-8601 timestamp",
            found=data.get("generated_at"),
        )
        return
    max_age = timedelta(hours=policy.risk_snapshot_max_age_hours)
    if as_of - generated > max_age:
        out.block(
            "risk_snapshot.stale",
            f"the risk snapshot is {(as_of - generated) / timedelta(hours=1):.0f} hours old",
            file=relative,
            field="generated_at",
            expected=f"within {policy.risk_snapshot_max_age_hours:g} hours of {iso(as_of)}",
            found=iso(generated),
        )
