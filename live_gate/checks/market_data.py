"""PRE-5 market data: the environment's OHLCV cache and the bot's risk state are complete and fresh
for the live market (runbook §1, Dostęp do danych).

Thresholds are the environment's ``data_quality`` (``max_gap_minutes``, ``min_ok_ratio``), each
falling back to its risk profile's (``bot_core/alerts/coverage.py:130-157``). As in the bot's
coverage check, a series is *ok* when the manifest knows it and its last bar is younger than two
intervals, and the ok ratio is the share of ok series. The gate adds what the bot's manifest
cannot show: the bars themselves, with no hole longer than ``max_gap_minutes``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from live_gate.checks import Findings, data_file, data_path, read_document
from live_gate.kit.files import InputRefused
from live_gate.kit.values import describe_flag, finite_number, strict_bool
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment
from live_gate.resources.market_data import (
    MANIFEST,
    PARQUET_ROOT,
    Manifest,
    Series,
    as_int,
    expected_series,
    ms_instant,
    namespace,
    partition_files,
    scan_bars,
)
from live_gate.resources.risk_profiles import (
    RISK_STATE_DIR,
    builtin_name,
    state_file_name,
    trading_profiles,
)
from live_gate.timeutil import iso

REQUIREMENT = "PRE-5"
THRESHOLDS = ("max_gap_minutes", "min_ok_ratio")


def _instant_ms(ms: int) -> str:
    instant = ms_instant(ms)
    return iso(instant) if instant is not None else f"{ms} (epoch ms, no calendar instant)"


def _skew(policy: Policy) -> timedelta:
    return timedelta(seconds=policy.clock_skew_seconds)


def data_quality_thresholds(
    environment: Environment, out: Findings | None = None
) -> dict[str, tuple[Any, str, int | None]]:
    """``{field: (value, where it came from, its line)}``, environment first, then the risk
    profile. A ``data_quality`` that is not a mapping is a finding in ``out`` (never read as
    absent, which would let the other level decide)."""
    deployment = environment.deployment
    levels: list[tuple[Any, str, tuple[str | int, ...]]] = [
        (
            environment.raw.get("data_quality"),
            f"environments.{environment.name}.data_quality",
            ("environments", environment.name, "data_quality"),
        ),
        (
            (environment.risk_profile or {}).get("data_quality"),
            f"risk_profiles.{environment.risk_profile_name}.data_quality",
            ("risk_profiles", str(environment.risk_profile_name), "data_quality"),
        ),
    ]
    found: dict[str, tuple[Any, str, int | None]] = {}
    for block, field, path in levels:
        if block is None:
            continue
        if not isinstance(block, dict):
            if out is not None:
                out.block(
                    "data.threshold_invalid",
                    f"{field} is not a mapping",
                    line=deployment.line(*path),
                    field=field,
                    expected="{max_gap_minutes: <minutes>, min_ok_ratio: <0..1>}",
                    found=repr(block),
                )
            continue
        for key in THRESHOLDS:
            if key not in found and block.get(key) is not None:
                found[key] = (block[key], f"{field}.{key}", deployment.line(*path, key))
    return found


def _thresholds(environment: Environment, out: Findings) -> tuple[float, float] | None:
    """``(max_gap_minutes, min_ok_ratio)`` when both are finite numbers in range."""
    thresholds = data_quality_thresholds(environment, out)
    values: dict[str, float] = {}
    for key in THRESHOLDS:
        if key not in thresholds:
            out.block(
                "data.threshold_missing",
                f"neither the environment nor its risk profile sets data_quality.{key}",
                line=environment.line("data_quality") or environment.line(),
                field=f"environments.{environment.name}.data_quality.{key}",
                expected="a number",
                found="absent",
            )
            continue
        raw, field, line = thresholds[key]
        number = finite_number(raw)
        expected = "minutes above 0" if key == "max_gap_minutes" else "a ratio from 0 to 1"
        if number is None:
            out.not_a_number(
                "data.threshold_invalid",
                field,
                raw,
                f"a finite number: {expected}",
                line=line,
                field=field,
            )
            continue
        if (key == "max_gap_minutes" and number <= 0) or (
            key == "min_ok_ratio" and not 0 <= number <= 1
        ):
            out.block(
                "data.threshold_invalid",
                f"{field} is out of range",
                line=line,
                field=field,
                expected=expected,
                found=f"{number:g}",
            )
            continue
        values[key] = number
    if len(values) < len(THRESHOLDS):
        return None
    out.fact(
        "thresholds",
        f"max gap {values['max_gap_minutes']:g} min ({thresholds['max_gap_minutes'][1]}), "
        f"min ok ratio {values['min_ok_ratio']:g} ({thresholds['min_ok_ratio'][1]})",
    )
    return values["max_gap_minutes"], values["min_ok_ratio"]


def check_market_data(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
    out = Findings(REQUIREMENT, environment.deployment.config_file)
    _check_ohlcv(out, environment, policy, as_of)
    # judged whatever the OHLCV cache showed, so that every NO-GO reason is given at once (a
    # data_cache_path leaving the deployment is reported once, by the OHLCV part)
    if data_path(environment, ".", Findings(REQUIREMENT)) is not None:
        _check_risk_state(out, environment, policy, as_of)
    return out


def _check_ohlcv(
    out: Findings, environment: Environment, policy: Policy, as_of: datetime
) -> Findings:
    deployment = environment.deployment
    files = deployment.files
    thresholds = _thresholds(environment, out)
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
    if out.blocking_count() or not series or thresholds is None:
        return out
    max_gap, min_ok = thresholds
    if data_path(environment, ".", out) is None:
        return out
    manifest_file = data_file(environment, MANIFEST, out)
    if manifest_file is None:
        return out
    if files.kind(manifest_file) == "missing":
        out.block(
            "data.manifest_missing",
            "the OHLCV cache has no manifest: no data was backfilled for this environment",
            file=manifest_file.relative,
            expected="the bot's ohlcv_manifest.sqlite",
            found="no such file",
        )
        return out
    try:
        manifest = Manifest(files, manifest_file)
    except InputRefused as exc:
        out.refused(exc)
        return out
    out.read(manifest_file.relative)
    try:
        ok = sum(
            _check_series(out, environment, policy, item, manifest, max_gap, as_of)
            for item in series
        )
    finally:
        manifest.close()
    ratio = ok / len(series)
    out.fact("ok ratio", f"{ok}/{len(series)} series = {ratio:.2f} (minimum {min_ok:g})")
    if ratio < min_ok:
        out.block(
            "data.ok_ratio_low",
            f"only {ok} of {len(series)} series are ok",
            file=manifest_file.relative,
            field="ok ratio",
            expected=f">= {min_ok:g}",
            found=f"{ratio:.2f}",
        )
    return out


def _manifest_int(
    out: Findings, manifest: Manifest, key: str, what: str
) -> tuple[int | None, bool]:
    """``(value, present)``; a value that is present but not an integer is a finding."""
    text = manifest.get(key)
    if text is None:
        return None, False
    value = as_int(text)
    if value is None or (key.startswith("last_timestamp::") and ms_instant(value) is None):
        out.block(
            "data.manifest_value_invalid",
            f"the manifest's {what} is not a number the bot could have written",
            file=manifest.relative,
            field=key,
            expected="an integer" if key.startswith("row_count::") else "epoch milliseconds",
            found=repr(text),
        )
        return None, True
    return value, True


def _check_series(
    out: Findings,
    environment: Environment,
    policy: Policy,
    item: Series,
    manifest: Manifest,
    max_gap: float,
    as_of: datetime,
) -> int:
    """Judge one series; 1 if the bot's coverage check would call it ok."""
    files = environment.deployment.files
    label = f"{item.symbol} {item.interval}"
    last, last_present = _manifest_int(out, manifest, f"last_timestamp::{item.key}", "last bar")
    count, _ = _manifest_int(out, manifest, f"row_count::{item.key}", "row count")
    status_ok = True
    last_at = ms_instant(last) if last is not None else None
    if last_at is None:
        if not last_present:
            out.block(
                "data.series_unknown",
                f"the manifest has no last bar for {label}",
                file=manifest.relative,
                field=f"last_timestamp::{item.key}",
                expected="the epoch-ms time of the last bar",
                found="absent",
            )
        status_ok = False
    elif (
        out.instant(
            "data.last_bar",
            f"{label}: the manifest's last bar",
            last_at,
            as_of=as_of,
            skew=_skew(policy),
            file=manifest.relative,
            field=f"last_timestamp::{item.key}",
        )
        is None
    ):
        status_ok = False
    else:
        age = (as_of - last_at) / timedelta(minutes=1)
        if age >= 2 * item.minutes:
            status_ok = False  # the bot's manifest status "warning"
            if age > max_gap:
                out.block(
                    "data.stale",
                    f"{label}: the last bar is {age:.0f} minutes old at {iso(as_of)}",
                    file=manifest.relative,
                    field=f"last_timestamp::{item.key}",
                    expected=f"within {max_gap:g} minutes (data_quality.max_gap_minutes)",
                    found=iso(last_at),
                )
    if count is not None and count < item.required_rows:
        status_ok = False
        out.block(
            "data.insufficient_rows",
            f"{label}: the manifest counts {count} bars, fewer "
            f"than {item.lookback_days:g} days need",
            file=manifest.relative,
            field=f"row_count::{item.key}",
            expected=f">= {item.required_rows}",
            found=count,
        )
    series_dir = data_file(
        environment,
        f"{PARQUET_ROOT}/{namespace(environment)}/{item.symbol}/{item.interval}",
        out,
    )
    if series_dir is None:
        return 0
    try:
        scan = scan_bars(files, partition_files(files, series_dir, out), item.minutes)
    except InputRefused as exc:  # a partition over the stream cap, too many entries...
        out.refused(exc)
        return 0
    for file in scan.files:
        out.read(file)
    where = series_dir.relative
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
    if scan.last_ms is not None:
        stored_last = ms_instant(scan.last_ms)
        # a bar dated after the evaluation instant is not data the bot had at it
        if (
            out.instant(
                "data.bars",
                f"{label}: the last stored bar",
                stored_last if stored_last is not None else f"{scan.last_ms} ms",
                as_of=as_of,
                skew=_skew(policy),
                file=where,
                field="open_time",
            )
            is None
        ):
            status_ok = False
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
            file=manifest.relative,
            field=f"last_timestamp::{item.key}",
            expected=_instant_ms(scan.last_ms),
            found=_instant_ms(last),
        )
    return 1 if status_ok else 0


RISK_STATE_NUMBERS = (
    "start_of_day_equity",
    "daily_realized_pnl",
    "weekly_realized_pnl",
    "peak_equity",
    "last_equity",
)


def _check_risk_state(
    out: Findings, environment: Environment, policy: Policy, as_of: datetime
) -> None:
    """The bot's persisted risk state of every profile the environment trades with
    (``FileRiskRepository``, ``<data_cache_path>/risk_state/<profile>.json``)."""
    for profile in trading_profiles(environment):
        _check_one_risk_state(out, environment, profile.name, policy, as_of)


def _check_one_risk_state(
    out: Findings, environment: Environment, profile: str, policy: Policy, as_of: datetime
) -> None:
    files = environment.deployment.files
    state_file = data_file(environment, f"{RISK_STATE_DIR}/{state_file_name(profile)}", out)
    if state_file is None:
        return
    relative = state_file.relative
    if files.kind(state_file) == "missing":
        out.block(
            "risk_state.missing",
            f"there is no persisted risk state of profile {profile!r}: the bot would start it "
            "from a fresh state and forget the day's losses and any engaged kill-switch",
            file=relative,
            expected="the risk state FileRiskRepository writes when the bot registers the "
            "profile (any bootstrap of the environment, e.g. the §2.7 read-only dry run)",
            found="no such file",
        )
        return
    # The bot's load() silently starts a fresh state from a file it cannot parse; the gate
    # refuses it instead (stricter on purpose: the recorded losses would be lost).
    document = read_document(
        files,
        state_file,
        out,
        malformed_rule="risk_state.malformed",
        what="the risk state",
        expected="a JSON object (FileRiskRepository)",
    )
    if document is None:
        return
    data = document.data
    if not isinstance(data, dict):
        out.block(
            "risk_state.malformed",
            "the risk state is not a JSON object: the bot would silently start from a fresh state",
            file=relative,
            expected="a JSON object",
            found=type(data).__name__,
        )
        return
    expected_name = builtin_name(profile) or profile
    if data.get("profile") != expected_name:
        out.block(
            "risk_state.profile",
            "the risk state is of another risk profile",
            file=relative,
            field="profile",
            expected=expected_name,
            found=data.get("profile"),
        )
    _risk_state_day(out, relative, data.get("current_day"), policy, as_of)
    for key in RISK_STATE_NUMBERS:
        if key in data and finite_number(data[key]) is None:
            out.not_a_number(
                "risk_state.not_a_number",
                f"the risk state's {key}",
                data[key],
                "a finite number (the bot recomputes its loss limits from it)",
                file=relative,
                field=key,
            )
    liquidation = data.get("force_liquidation", False)
    flag = strict_bool(liquidation)
    if flag is None:
        out.block(
            "risk_state.malformed",
            "the risk state's force_liquidation is not a boolean",
            file=relative,
            field="force_liquidation",
            expected="true or false (the bot writes a boolean)",
            found=describe_flag(liquidation),
        )
    elif flag:
        out.block(
            "risk_state.force_liquidation",
            f"the bot's kill-switch is engaged for profile {profile!r}: it allows only orders "
            "that reduce exposure until the state is reset",
            file=relative,
            field="force_liquidation",
            expected="false",
            found="true",
        )


def _risk_state_day(
    out: Findings, relative: str, raw: Any, policy: Policy, as_of: datetime
) -> None:
    """Freshness from ``current_day``, the only time the state records (a UTC date: the engine's
    clock is naive ``datetime.utcnow``). The file's modification time is never used: a copy, a
    restore from backup or a ``touch`` sets it, and the bot does not record it."""
    field = "current_day"
    out.fact(
        "risk state freshness",
        f"{relative}: judged from current_day (a UTC date, the only time the bot records); "
        "the file's modification time is not evidence and is not used",
    )
    if raw is None:
        out.block(
            "risk_state.current_day.missing",
            "the risk state records no current_day: its age cannot be known",
            file=relative,
            field=field,
            expected="a date YYYY-MM-DD (RiskState.to_mapping writes it)",
            found="absent",
        )
        return
    try:
        day = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        day = None
    if day is None:
        out.block(
            "risk_state.current_day.invalid",
            "the risk state's current_day is not a date (the bot's restore would fail)",
            file=relative,
            field=field,
            expected="a date YYYY-MM-DD",
            found=describe_flag(raw),
        )
        return
    latest = (as_of + _skew(policy)).astimezone(UTC).date()
    today = as_of.astimezone(UTC).date()
    if day > latest:
        out.block(
            "risk_state.current_day.in_future",
            "the risk state's current_day is after the evaluation date",
            file=relative,
            field=field,
            expected=f"<= {today.isoformat()} (UTC)",
            found=raw,
        )
        return
    oldest = today - timedelta(days=policy.risk_state_max_age_days)
    if day < oldest:
        out.block(
            "risk_state.current_day.stale",
            f"the risk state was last rolled on {raw}: the bot has not run this profile since "
            f"(more than {policy.risk_state_max_age_days} UTC day(s) before the evaluation)",
            file=relative,
            field=field,
            expected=f">= {oldest.isoformat()} (gate policy risk_state_max_age_days)",
            found=raw,
        )
