"""PRE-0, more blocks of the bot's ``validate_core_config`` (upstream Dudzian/Dudzian f59f9e73,
``bot_core/config/validation.py``) and the loader code that builds what they validate
(``bot_core/config/loader.py``): ``runtime.live_routing``, ``runtime.resource_limits``,
``decision_engine`` (its orchestrator thresholds and ``tco`` block), ``instrument_buckets`` (and the
risk profiles' references to them), the ``daily_trend_momentum`` strategies (and the loader's
strategy definitions of every engine), ``runtime.risk_service`` (its ``rbac_tokens`` and ``tls`` by
the metrics service's rules, module bot_config_metrics), ``runtime.risk_decision_log``,
``runtime.portfolio_decision_log``, ``runtime.security_baseline`` and ``environments.*.ai``.

The gate judges the raw YAML, so each function first does what the loader does with it (defaults
for absent keys, ``float()``/``int()`` of what is there, the loader's own exceptions) and then
applies the validator's rules to the result. A value the loader cannot convert stops the bot with
an exception: the finding quotes it as ``load_core_config: <type>: <message>``, the message
being what Python says for the same conversion of the same value, and the rest of that block is
then not judged (the bot never gets that far). The validator's warnings are not findings. NaN
passes every comparison of the bot's validator, so these rules let it through as the bot does
(``bot_config.values_the_bot_misreads`` blocks every NaN of the file, stricter on purpose);
booleans are numbers wherever the loader calls ``float()``/``int()`` on them.

Rules the loader makes unreachable are not re-implemented: ``default_route`` empty while
``enabled`` and empty exchange names (the loader raises, or drops blank names), empty
``route_overrides`` routes or names (dropped), ``prometheus_alerts`` without ``name``/``expr``
(the loader raises its own message, which is), an empty ``decision_engine.tco`` report list (the
loader raises first), empty decision-log paths, risk-service profiles and security-baseline key
sources (the loader drops blanks or makes a path of them). Not judged: a path the loader would
fail to expand (``~user`` of an unknown user), which depends on the bot's machine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from live_gate.checks.bot_config import (
    COUNTED_STRATEGY_ENGINE,
    ConfigValidator,
    LoaderRaised,
    YamlPath,
    as_loaded,
    blank,
    converted,
    mapping_of,
    sequence_of,
)
from live_gate.checks.bot_config import coerced as _coerce
from live_gate.checks.bot_config import got as _get
from live_gate.checks.bot_config import items_of as _items
from live_gate.checks.bot_config import iterated as _iterate


def _float(value: Any, path: YamlPath) -> float:
    result: float = converted(float, value, path)
    return result


def _int(value: Any, path: YamlPath) -> int:
    result: int = converted(int, value, path)
    return result


def _number(value: float) -> str:
    """A float as the bot's f-string shows it."""
    return f"{value}"


Emit = Callable[..., None]


class _Block:
    """One block's findings: how it blocks, the validator, and the gate's words for the block.
    ``emit`` calls the findings' block method with the rule name written out where it is
    created, so that test_every_blocking_rule_has_a_seeded_defect finds every rule here."""

    def __init__(self, v: ConfigValidator, emit: Emit, name: str) -> None:
        self.v = v
        self.emit = emit
        self.name = name

    def error(self, bot_message: str, path: YamlPath, what: str) -> None:
        self.emit(**self.v.said(bot_message, path, what))

    def raised(self, refused: LoaderRaised) -> None:
        self.emit(**self.v.refused(refused, self.name))


# -- runtime.live_routing -----------------------------------------------------------------------


def live_routing(v: ConfigValidator) -> None:
    """``_load_live_routing`` + ``_validate_live_routing``. A ``runtime`` that is not a mapping
    stops the loader before any of these blocks: the metrics block reports it, once."""
    raw = mapping_of(v.raw.get("runtime")).get("live_routing")
    if not raw:  # the loader: no section, or an empty one, is no routing
        return
    block = _Block(
        v, lambda **f: v.out.block("config.live_routing_invalid", **f), "runtime.live_routing"
    )
    base: YamlPath = ("runtime", "live_routing")
    context = "runtime.live_routing"
    try:
        buckets = _load_live_routing(raw, base)
    except LoaderRaised as refused:
        block.raised(refused)
        return
    previous: float | None = None
    for index, bucket in enumerate(buckets):
        path: YamlPath = (*base, "latency_histogram_buckets", index)
        if bucket <= 0:
            block.error(
                f"{context}: latency_histogram_buckets muszą być dodatnie (otrzymano "
                f"{_number(bucket)})",
                path,
                f"latency histogram bucket {_number(bucket)} is not positive",
            )
        if previous is not None and bucket <= previous:
            block.error(
                f"{context}: latency_histogram_buckets muszą być ściśle rosnące",
                path,
                f"latency histogram bucket {_number(bucket)} does not exceed the one before it "
                f"({_number(previous)})",
            )
        previous = bucket


def _load_live_routing(raw: Any, base: YamlPath) -> list[float]:
    """What the loader does with the section, up to its exceptions; returns the latency buckets
    (the only values the validator can still refuse)."""
    enabled = bool(as_loaded(_get(raw, "enabled", False, base)))
    route = [
        str(entry).strip()
        for entry in _iterate(raw.get("default_route", []), (*base, "default_route"))
        if str(entry).strip()
    ]
    if enabled and not route:
        raise LoaderRaised(
            ValueError("runtime.live_routing.default_route musi zawierać co najmniej jedną giełdę"),
            (*base, "default_route"),
        )
    overrides = raw.get("route_overrides") or {}
    if isinstance(overrides, dict):
        for symbol, entries in overrides.items():
            if as_loaded(entries):
                _iterate(entries, (*base, "route_overrides", str(symbol)))
    buckets: list[float] = []
    raw_buckets = raw.get("latency_histogram_buckets") or ()
    for index, entry in enumerate(_iterate(raw_buckets, (*base, "latency_histogram_buckets"))):
        if blank(entry):
            continue
        try:
            buckets.append(float(entry))
        except OverflowError as exc:  # not caught by the loader: it stops the bot as it is
            raise LoaderRaised(exc, (*base, "latency_histogram_buckets", index)) from None
        except (TypeError, ValueError):
            raise LoaderRaised(
                ValueError("latency_histogram_buckets musi zawierać wartości liczbowe"),
                (*base, "latency_histogram_buckets", index),
            ) from None
    alerts = raw.get("prometheus_alerts") or ()
    for index, entry in enumerate(_iterate(alerts, (*base, "prometheus_alerts"))):
        if not isinstance(entry, dict):
            continue  # the loader skips what is not a mapping
        path: YamlPath = (*base, "prometheus_alerts", index)
        name = str(as_loaded(entry.get("name", ""))).strip()
        expr = str(as_loaded(entry.get("expr", ""))).strip()
        if not name or not expr:
            raise LoaderRaised(
                ValueError(
                    "Każdy alert w runtime.live_routing.prometheus_alerts wymaga pól name i expr"
                ),
                path,
            )
        for key in ("labels", "annotations"):
            value = as_loaded(entry.get(key)) or {}
            if not isinstance(value, dict):
                raise LoaderRaised(
                    ValueError(f"{key} w prometheus_alerts musi być mapą"), (*path, key)
                )
    return buckets


# -- runtime.resource_limits --------------------------------------------------------------------

RESOURCE_LIMITS = (
    # key, the loader's alias, positive (True) or non-negative (False)
    ("cpu_percent", "cpu", True),
    ("memory_mb", "memory", True),
    ("io_read_mb_s", "io_read", False),
    ("io_write_mb_s", "io_write", False),
)


def resource_limits(v: ConfigValidator) -> None:
    """``_load_runtime_resource_limits`` + ``_validate_resource_limits``: an absent limit is 0,
    which ``cpu_percent`` and ``memory_mb`` may not be."""
    entry = mapping_of(v.raw.get("runtime")).get("resource_limits")
    if not isinstance(entry, dict) or not entry:
        return  # the loader ignores anything else
    block = _Block(
        v, lambda **f: v.out.block("config.resource_limits_invalid", **f), "runtime.resource_limits"
    )
    base: YamlPath = ("runtime", "resource_limits")
    values: dict[str, float] = {}
    try:
        for key, alias, _ in RESOURCE_LIMITS:
            used = key if key in entry or alias not in entry else alias
            values[key] = _float(entry.get(key, entry.get(alias, 0.0)), (*base, used))
        key, alias = "headroom_warning_threshold", "warning_threshold"
        used = key if key in entry or alias not in entry else alias
        _float(entry.get(key, entry.get(alias, 0.85)), (*base, used))
    except LoaderRaised as refused:
        block.raised(refused)
        return
    for key, _, positive in RESOURCE_LIMITS:
        value = values[key]
        if positive and value <= 0:
            block.error(
                f"runtime.resource_limits: {key} musi być dodatnie",
                (*base, key),
                f"{key} is {_number(value)}{' (absent)' if key not in entry else ''}, not positive",
            )
        elif not positive and value < 0:
            block.error(
                f"runtime.resource_limits: {key} nie może być ujemne",
                (*base, key),
                f"{key} is negative ({_number(value)})",
            )


# -- decision_engine ----------------------------------------------------------------------------

THRESHOLD_KEYS = (
    "max_cost_bps",
    "min_net_edge_bps",
    "max_daily_loss_pct",
    "max_drawdown_pct",
    "max_position_ratio",
    "max_open_positions",
)
POLICY_MODES = ("shadow", "assist", "live")
# the loader's defaults for the report ages (DecisionEngineTCOConfig)
TCO_WARN_HOURS = 24.0
TCO_MAX_HOURS = 72.0


def decision_engine(v: ConfigValidator) -> None:
    """``_load_decision_engine_config`` (its exceptions) + ``_validate_decision_engine`` (the
    ``tco`` report ages). No ``orchestrator`` and no ``profile_overrides``: the bot loads no
    decision engine at all, and judges nothing of it (not even ``tco``)."""
    raw = v.raw.get("decision_engine")
    if raw is None:
        return
    block = _Block(
        v, lambda **f: v.out.block("config.decision_engine_invalid", **f), "decision_engine"
    )
    try:
        ages = _load_decision_engine(raw)
    except LoaderRaised as refused:
        block.raised(refused)
        return
    if ages is None:
        return
    (warn, warn_path), (most, most_path) = ages
    if warn <= 0:
        block.error(
            "decision_engine.tco.warn_report_age_hours musi być dodatnie, jeśli jest ustawione",
            warn_path,
            f"decision_engine.tco.warn_report_age_hours is {_number(warn)}, not positive",
        )
    if most <= 0:
        block.error(
            "decision_engine.tco.max_report_age_hours musi być dodatnie, jeśli jest ustawione",
            most_path,
            f"decision_engine.tco.max_report_age_hours is {_number(most)}, not positive",
        )
    if warn > most:
        block.error(
            "decision_engine.tco.warn_report_age_hours nie może przekraczać max_report_age_hours",
            warn_path,
            f"decision_engine.tco: the warning age {_number(warn)} h exceeds the maximum age "
            f"{_number(most)} h (the loader's defaults are {TCO_WARN_HOURS:g} and "
            f"{TCO_MAX_HOURS:g})",
        )


Ages = tuple[tuple[float, YamlPath], tuple[float, YamlPath]]


def _load_decision_engine(raw: Any) -> Ages | None:
    """The loader's reading of the section, up to its exceptions; the tco report ages, or None
    when the bot builds no tco block."""
    base: YamlPath = ("decision_engine",)
    orchestrator = _get(raw, "orchestrator", None, base)
    overrides = raw.get("profile_overrides")
    if orchestrator is None and overrides is None:
        return None
    _threshold(orchestrator, (*base, "orchestrator"), fallback=False)
    for profile, entry in _items(overrides or {}, (*base, "profile_overrides")):
        _threshold(entry, (*base, "profile_overrides", str(profile)), fallback=True)
    stress = raw.get("stress_tests") or {}
    if as_loaded(stress):
        for key in ("cost_shock_bps", "latency_spike_ms", "slippage_multiplier"):
            value = _get(stress, key, None, (*base, "stress_tests"))
            _coerce(float, value, 0.0, (*base, "stress_tests", key))
    for key in ("min_probability", "penalty_cost_bps"):
        _float(raw.get(key, 0.0), (*base, key))
    mode = str(as_loaded(raw.get("opportunity_policy_mode", "shadow")) or "shadow")
    if mode.strip().lower() not in POLICY_MODES:
        raise LoaderRaised(
            ValueError(
                "decision_engine.opportunity_policy_mode musi być jednym z: shadow, assist, live"
            ),
            (*base, "opportunity_policy_mode"),
        )
    if not isinstance(raw.get("opportunity_ai_enabled", True), bool):
        raise LoaderRaised(
            ValueError("decision_engine.opportunity_ai_enabled musi być wartością logiczną"),
            (*base, "opportunity_ai_enabled"),
        )
    for key in ("evaluation_history_limit", "max_autonomous_open_winners_per_batch"):
        value = as_loaded(raw.get(key))
        if blank(value):
            continue
        try:
            _coerce(int, value, 0, (*base, key))
        except LoaderRaised as refused:
            if isinstance(refused.exc, OverflowError):
                raise  # the loader catches only TypeError and ValueError
            raise LoaderRaised(
                ValueError(f"decision_engine.{key} musi być liczbą całkowitą"), (*base, key)
            ) from None
    tco = raw.get("tco")
    if not as_loaded(tco):
        return None
    return _load_tco(tco, (*base, "tco"))


def _threshold(entry: Any, path: YamlPath, *, fallback: bool) -> None:
    """``_build_decision_threshold``: the orchestrator needs every key; a profile override falls
    back on the orchestrator's."""
    if entry is None:
        if fallback:
            return
        raise LoaderRaised(ValueError("Brak sekcji 'orchestrator' w decision_engine"), path)
    try:
        data = dict(as_loaded(entry))
    except (TypeError, ValueError) as exc:
        raise LoaderRaised(exc, path) from None
    for key in THRESHOLD_KEYS:
        if key not in data:
            if fallback:
                continue
            raise LoaderRaised(
                ValueError(f"Brak wymaganego pola '{key}' w konfiguracji decision orchestratora"),
                path,
            )
        kind: Callable[[Any], Any] = int if key == "max_open_positions" else float
        _coerce(kind, data[key], 0, (*path, key))
    latency = as_loaded(data.get("max_latency_ms"))
    if latency is not None:
        _float(latency, (*path, "max_latency_ms"))
    notional = as_loaded(data.get("max_trade_notional"))
    if not blank(notional):
        _coerce(float, notional, 0.0, (*path, "max_trade_notional"))


def _load_tco(tco: Any, base: YamlPath) -> Ages:
    if not isinstance(tco, dict):
        raise LoaderRaised(ValueError("Sekcja decision_engine.tco musi być mapą"), base)
    reports = as_loaded(tco.get("reports"))
    if not reports:
        raise LoaderRaised(
            ValueError(
                "Sekcja decision_engine.tco wymaga listy 'reports' z co najmniej jedną ścieżką"
            ),
            (*base, "reports") if "reports" in tco else base,
        )
    if not isinstance(reports, str | bytes):
        if not isinstance(reports, list):
            raise LoaderRaised(
                ValueError("Pole decision_engine.tco.reports musi być listą ścieżek"),
                (*base, "reports"),
            )
        if not [entry for entry in reports if str(as_loaded(entry)).strip()]:
            raise LoaderRaised(
                ValueError("Pole decision_engine.tco.reports nie może być puste"),
                (*base, "reports"),
            )
    formats = as_loaded(tco.get("runtime_export_formats"))
    if formats is not None and not isinstance(formats, str | bytes | list):
        raise LoaderRaised(
            ValueError("decision_engine.tco.runtime_export_formats must be a string or sequence"),
            (*base, "runtime_export_formats"),
        )
    flush = as_loaded(tco.get("runtime_flush_events"))
    if not blank(flush):
        path: YamlPath = (*base, "runtime_flush_events")
        _int(_float(flush, path), path)
    metadata = tco.get("runtime_metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise LoaderRaised(
            ValueError("decision_engine.tco.runtime_metadata must be a mapping"),
            (*base, "runtime_metadata"),
        )
    limit = as_loaded(tco.get("runtime_cost_limit_bps"))
    if not blank(limit):
        _coerce(float, limit, 0.0, (*base, "runtime_cost_limit_bps"))
    ages: list[tuple[float, YamlPath]] = []
    for key, default in (
        ("warn_report_age_hours", TCO_WARN_HOURS),
        ("max_report_age_hours", TCO_MAX_HOURS),
    ):
        value = as_loaded(tco.get(key))
        path = (*base, key)
        if blank(value):
            ages.append((default, base))  # an absent or empty age keeps the loader's default
        else:
            ages.append((float(_coerce(float, value, 0.0, path)), path))
    return ages[0], ages[1]


# -- instrument_buckets -------------------------------------------------------------------------


def instrument_buckets(v: ConfigValidator) -> None:
    """``_load_instrument_buckets`` + ``_validate_instrument_buckets``, and the risk profiles'
    ``instrument_buckets`` references (``_validate_risk_profiles``)."""
    block = _Block(
        v, lambda **f: v.out.block("config.instrument_bucket_invalid", **f), "instrument_buckets"
    )
    section = v.raw.get("instrument_buckets", {}) or {}
    universes = set(mapping_of(v.raw.get("instrument_universes")))
    try:
        buckets = _items(section, ("instrument_buckets",))
        loaded = [_load_bucket(name, entry) for name, entry in buckets]
    except LoaderRaised as refused:
        block.raised(refused)
        return
    for name, universe, symbols, limits in loaded:
        context = f"koszyk instrumentów '{name}'"
        path: YamlPath = ("instrument_buckets", str(name))
        if not symbols:
            block.error(
                f"{context}: lista symboli nie może być pusta",
                (*path, "symbols"),
                f"instrument bucket {name} lists no symbol",
            )
        if universe and universe not in universes:
            block.error(
                f"{context}: referencja do nieistniejącego uniwersum '{universe}'",
                (*path, "universe"),
                f"instrument bucket {name}: universe {universe!r} is not in instrument_universes",
            )
        for key, value in limits:
            if value is not None and value <= 0:
                block.error(
                    f"{context}: {key} musi być dodatnie, otrzymano {_number(value)}",
                    (*path, key),
                    f"instrument bucket {name}: {key} is {_number(value)}, not positive",
                )
    _profile_references(v, {name for name, *_ in loaded})


Bucket = tuple[Any, str, list[Any], list[tuple[str, float | None]]]


def _load_bucket(name: Any, entry: Any) -> Bucket:
    path: YamlPath = ("instrument_buckets", str(name))
    universe = str(as_loaded(_get(entry, "universe", "", path)))
    symbols = _iterate(entry.get("symbols", ()) or (), (*path, "symbols"))
    limits: list[tuple[str, float | None]] = []
    for key in ("max_position_pct", "max_notional_usd"):
        value = entry.get(key)
        limits.append((key, None if value is None else _float(value, (*path, key))))
    _iterate(entry.get("tags", ()) or (), (*path, "tags"))
    return name, universe, symbols, limits


def _profile_references(v: ConfigValidator, buckets: set[Any]) -> None:
    block = _Block(
        v, lambda **f: v.out.block("config.risk_profile_bucket_undefined", **f), "risk_profiles"
    )
    for name, entry in mapping_of(v.raw.get("risk_profiles")).items():
        if not isinstance(entry, dict):
            continue  # the bot's loader fails on the profile itself: not this rule
        path: YamlPath = ("risk_profiles", str(name), "instrument_buckets")
        try:
            references = _iterate(entry.get("instrument_buckets", ()) or (), path)
        except LoaderRaised as refused:
            block.raised(refused)
            continue
        for index, reference in enumerate(references):
            if str(reference) not in buckets:  # names as the loader keys them
                block.error(
                    f"profil ryzyka '{name}': koszyk instrumentów '{reference}' nie istnieje w "
                    "konfiguracji",
                    (*path, index),
                    f"risk profile {name}: instrument bucket {reference!r} is not defined",
                )


# -- strategies ---------------------------------------------------------------------------------

STRATEGY_INTS = ("fast_ma", "slow_ma", "breakout_lookback", "momentum_window", "atr_window")
STRATEGY_FLOATS = ("atr_multiplier", "min_trend_strength", "min_momentum")
STRATEGY_DEFAULTS: dict[str, float] = {
    "fast_ma": 20,
    "slow_ma": 100,
    "breakout_lookback": 55,
    "momentum_window": 20,
    "atr_window": 14,
    "atr_multiplier": 2.0,
    "min_trend_strength": 0.005,
    "min_momentum": 0.0,
}
# strategy definition fields the loader wants as a list, a tuple or one string
DEFINITION_SEQUENCES = ("risk_classes", "required_data", "risk_hooks")


def strategies(v: ConfigValidator) -> None:
    """``_load_strategies`` (which builds ``config.strategies`` from the entries of engine
    ``daily_trend_momentum`` only, with its defaults for absent parameters), the loader's
    ``_load_strategy_definitions`` over every entry of the section (its exceptions), and
    ``_validate_strategies``."""
    block = _Block(v, lambda **f: v.out.block("config.strategy_invalid", **f), "strategies")
    section = v.raw.get("strategies", {}) or {}
    try:
        entries = _items(section, ("strategies",))
        loaded = [
            (name, _load_strategy(name, entry))
            for name, entry in entries
            if str(as_loaded(_get(entry, "engine", "", ("strategies", str(name)))))
            == COUNTED_STRATEGY_ENGINE
        ]
        for name, entry in entries:
            _load_definition(name, entry)
    except LoaderRaised as refused:
        block.raised(refused)
        return
    for name, params in loaded:
        _strategy_rules(block, name, params)


def _strategy_rules(block: _Block, name: Any, params: dict[str, float]) -> None:
    context = f"strategia '{name}'"
    path: YamlPath = ("strategies", str(name), "parameters")

    def error(bot: str, key: str, what: str) -> None:
        block.error(f"{context}: {bot}", (*path, key), f"strategy {name}: {what}")

    fast, slow = params["fast_ma"], params["slow_ma"]
    for key in ("fast_ma", "slow_ma"):
        if params[key] <= 0:
            error(f"{key} musi być dodatnie", key, f"{key} is {params[key]}, not positive")
    if fast >= slow:
        error(
            f"fast_ma musi być mniejsze od slow_ma, otrzymano {fast} >= {slow}",
            "fast_ma",
            f"fast_ma {fast} is not below slow_ma {slow}",
        )
    for key in ("breakout_lookback", "momentum_window", "atr_window", "atr_multiplier"):
        if params[key] <= 0:
            error(f"{key} musi być dodatnie", key, f"{key} is {params[key]}, not positive")


def _load_strategy(name: Any, entry: Any) -> dict[str, float]:
    path: YamlPath = ("strategies", str(name), "parameters")
    params = entry.get("parameters", {}) or {}
    result: dict[str, float] = {}
    for key in (*STRATEGY_INTS, *STRATEGY_FLOATS):
        value = _get(params, key, STRATEGY_DEFAULTS[key], path)
        kind = _int if key in STRATEGY_INTS else _float
        result[key] = kind(value, (*path, key))
    return result


def _load_definition(name: Any, entry: Any) -> None:
    path: YamlPath = ("strategies", str(name))
    if not str(as_loaded(_get(entry, "engine", "", path))).strip():
        return  # the loader skips an entry without an engine
    for key in ("parameters", "metadata"):
        value = entry.get(key)
        if as_loaded(value):
            _items(value, (*path, key))
    for key in DEFINITION_SEQUENCES:
        value = as_loaded(entry.get(key))
        if value and not isinstance(value, str | list):
            raise LoaderRaised(
                TypeError("Strategy definition field must be a sequence of strings"),
                (*path, key),
            )


# -- runtime.risk_service, runtime.risk_decision_log, runtime.portfolio_decision_log,
# -- runtime.security_baseline --------------------------------------------------------------------


def _runtime_entry(v: ConfigValidator, key: str) -> Any:
    return mapping_of(v.raw.get("runtime")).get(key)


def _is_unset(value: Any) -> bool:
    """``value in (None, "", False)``, the loader's test for an unset path or variable name
    (0 equals False there too)."""
    return bool(as_loaded(value) in (None, "", False))


def risk_service(v: ConfigValidator) -> None:
    """``_load_risk_service`` + ``_validate_risk_service``: the port, the history size and the
    publishing interval, as the loader converts them; its ``rbac_tokens`` and ``tls`` by the
    metrics service's service-token and TLS rules (the same loader code and validator rules).
    A loader refusal there is reported beside the validator's errors of the block, which the bot
    would not reach: the same verdict, one finding more."""
    raw = _runtime_entry(v, "risk_service")
    if not as_loaded(raw):
        return  # the loader: no section, or an empty one, is no risk service
    block = _Block(
        v, lambda **f: v.out.block("config.risk_service_invalid", **f), "runtime.risk_service"
    )
    base: YamlPath = ("runtime", "risk_service")
    context = "runtime.risk_service"
    try:
        _get(raw, "enabled", True, base)
        port = _int(raw.get("port", 0), (*base, "port"))
        history = _int(raw.get("history_size", 256), (*base, "history_size"))
        interval = _float(
            raw.get("publish_interval_seconds", 5.0), (*base, "publish_interval_seconds")
        )
        _iterate(raw.get("profiles") or (), (*base, "profiles"))
    except LoaderRaised as refused:
        block.raised(refused)
        return
    if history <= 0:
        block.error(
            f"{context}: history_size musi być dodatnie",
            (*base, "history_size"),
            f"risk service history_size is {history}, not positive",
        )
    if port < 0:
        block.error(
            f"{context}: port nie może być ujemny", (*base, "port"), f"risk service port {port}"
        )
    if interval <= 0:
        block.error(
            f"{context}: publish_interval_seconds musi być dodatnie",
            (*base, "publish_interval_seconds"),
            f"risk service publish_interval_seconds is {_number(interval)}, not positive",
        )
    # the same loader and rules as the metrics service's tokens and TLS
    from live_gate.checks.bot_config_metrics import service_tokens, tls_block

    service = ("runtime", "risk_service")
    rule = "config.risk_service_invalid"
    service_tokens(v, raw, service, context, rule, rule)
    tls_block(v, raw, service, context, rule, rule)


def risk_decision_log(v: ConfigValidator) -> None:
    """``_load_risk_decision_log`` + ``_validate_risk_decision_log``."""
    emit = lambda **f: v.out.block("config.risk_decision_log_invalid", **f)  # noqa: E731
    _decision_log(v, "risk_decision_log", 1000, emit)


def portfolio_decision_log(v: ConfigValidator) -> None:
    """``_load_portfolio_decision_log`` + ``_validate_portfolio_decision_log``."""
    emit = lambda **f: v.out.block("config.portfolio_decision_log_invalid", **f)  # noqa: E731
    _decision_log(v, "portfolio_decision_log", 512, emit)


def _decision_log(v: ConfigValidator, key: str, default_entries: int, emit: Emit) -> None:
    raw = _runtime_entry(v, key)
    if not as_loaded(raw):
        return
    block = _Block(v, emit, f"runtime.{key}")
    base: YamlPath = ("runtime", key)
    context = f"runtime.{key}"
    try:
        enabled = bool(as_loaded(_get(raw, "enabled", True, base)))
        entries = _int(raw.get("max_entries", default_entries), (*base, "max_entries"))
    except LoaderRaised as refused:
        block.raised(refused)
        return
    if not enabled:
        return  # the bot validates a disabled log no further
    if entries <= 0:
        block.error(
            f"{context}: max_entries musi być dodatnie",
            (*base, "max_entries"),
            f"{key}.max_entries is {entries}, not positive",
        )
    env = as_loaded(raw.get("signing_key_env"))
    sources = [
        name
        for name, present in (
            ("signing_key_env", isinstance(env, str) and bool(env.strip())),
            ("signing_key_path", not _is_unset(raw.get("signing_key_path"))),
            ("signing_key_value", not blank(as_loaded(raw.get("signing_key_value")))),
        )
        if present
    ]
    if len(sources) > 1:
        block.error(
            f"{context}: skonfiguruj tylko jedno źródło klucza podpisu (env/path/value)",
            (*base, sources[1]),
            f"{key} names more than one signing key source ({', '.join(sources)})",
        )


def security_baseline(v: ConfigValidator) -> None:
    """``_load_security_baseline`` + ``_validate_security_baseline`` (its ``signing`` block)."""
    raw = _runtime_entry(v, "security_baseline")
    signing = raw.get("signing") if isinstance(raw, dict) else None
    if not isinstance(signing, dict):
        return  # the loader ignores anything else: no signing rules apply
    block = _Block(
        v,
        lambda **f: v.out.block("config.security_baseline_invalid", **f),
        "runtime.security_baseline",
    )
    base: YamlPath = ("runtime", "security_baseline", "signing")
    context = "runtime.security_baseline.signing"
    env = signing.get("signing_key_env")
    sources = [
        name
        for name, present in (
            ("signing_key_env", not _is_unset(env) and bool(str(as_loaded(env)).strip())),
            ("signing_key_path", not _is_unset(signing.get("signing_key_path"))),
            ("signing_key_value", not blank(as_loaded(signing.get("signing_key_value")))),
        )
        if present
    ]
    required = bool(as_loaded(signing.get("require_signature", False)))
    if len(sources) > 1:
        block.error(
            f"{context}: skonfiguruj tylko jedno źródło klucza podpisu (env/path/value)",
            (*base, sources[1]),
            f"security_baseline.signing names more than one signing key source "
            f"({', '.join(sources)})",
        )
    if required and not sources:
        block.error(
            f"{context}: require_signature ustawione na True wymaga konfiguracji klucza podpisu",
            (*base, "require_signature"),
            "security_baseline.signing requires a signature but names no signing key",
        )


# -- environments.*.ai --------------------------------------------------------------------------

ENSEMBLE_AGGREGATIONS = ("mean", "median", "max", "min", "weighted")
# EnvironmentAIPipelineScheduleConfig's defaults, which the loader applies to absent values
SCHEDULE_DEFAULTS = {"interval_seconds": 3600.0, "seq_len": 64, "folds": 3}


def _ai_error(message: str, path: YamlPath) -> LoaderRaised:
    return LoaderRaised(ValueError(message), path)


def environment_ai(v: ConfigValidator) -> None:
    """``_load_environment_ai`` (its exceptions, for every environment) and
    ``_validate_environment_ai`` (for the environments the bot's validator reaches the end of:
    not those whose ``instrument_universe`` is undefined, where it stops)."""
    block = _Block(
        v, lambda **f: v.out.block("config.environment_ai_invalid", **f), "environments.*.ai"
    )
    profiles = set(mapping_of(v.raw.get("risk_profiles")))
    universes = mapping_of(v.raw.get("instrument_universes"))
    for name, entry in mapping_of(v.raw.get("environments")).items():
        env = mapping_of(entry)
        raw = env.get("ai")
        if not as_loaded(raw):
            continue  # no AI configuration
        base: YamlPath = ("environments", str(name), "ai")
        try:
            loaded = _load_ai(raw, base)
        except LoaderRaised as refused:
            block.raised(refused)
            continue
        universe = as_loaded(env.get("instrument_universe"))
        try:
            undefined = bool(universe) and universe not in universes
        except TypeError:
            undefined = True  # unhashable: the bot fails there (bot_config reports it)
        if not undefined:
            context = f"środowisko '{name}'.ai"
            _ai_rules(block, context, base, loaded, profiles)
            section = mapping_of(raw)  # a mapping: the loader read it
            if not blank(as_loaded(section.get("model_dir"))):
                _name_too_long(block, context, section.get("model_dir"), (*base, "model_dir"))
            for index, model in enumerate(sequence_of(section.get("models"))):
                path: YamlPath = (*base, "models", index, "path")
                _name_too_long(block, context, mapping_of(model).get("path"), path)


AIModel = tuple[str, str, str | None, float | None, YamlPath]
AILoaded = tuple[float, float | None, str | None, list[AIModel]]


def _load_ai(raw: Any, base: YamlPath) -> AILoaded:
    _get(raw, "enabled", True, base)
    threshold = raw.get("threshold_bps", raw.get("threshold"))
    key = "threshold_bps" if "threshold_bps" in raw or "threshold" not in raw else "threshold"
    threshold_bps = float(_coerce(float, threshold, 5.0, (*base, key)))
    profile_raw = as_loaded(raw.get("default_risk_profile"))
    default_profile = str(profile_raw).strip() if profile_raw else None
    notional_raw = as_loaded(raw.get("default_notional"))
    notional = (
        None
        if blank(notional_raw)
        else float(_coerce(float, notional_raw, 0.0, (*base, "default_notional")))
    )
    _iterate(raw.get("preload", ()) or (), (*base, "preload"))
    models: list[AIModel] = []
    for index, item in enumerate(_iterate(raw.get("models", ()) or (), (*base, "models"))):
        path: YamlPath = (*base, "models", index)
        if not isinstance(item, dict):
            raise _ai_error("environment.ai.models musi zawierać obiekty mapujące", path)
        symbol = as_loaded(item.get("symbol"))
        kind = as_loaded(item.get("model_type", item.get("type")))
        if not symbol or not kind or not as_loaded(item.get("path")):
            raise _ai_error(
                "Każdy model AI musi mieć pola 'symbol', 'model_type' oraz 'path'", path
            )
        own = as_loaded(item.get("risk_profile"))
        amount = as_loaded(item.get("notional"))
        models.append(
            (
                str(symbol),
                str(kind),
                str(own).strip() if own else None,
                None if blank(amount) else float(_coerce(float, amount, 0.0, (*path, "notional"))),
                path,
            )
        )
    for index, item in enumerate(_iterate(raw.get("ensembles", ()) or (), (*base, "ensembles"))):
        _load_ensemble(item, (*base, "ensembles", index))
    schedules = raw.get("pipeline_schedules", ()) or ()
    for index, item in enumerate(_iterate(schedules, (*base, "pipeline_schedules"))):
        _load_schedule(item, (*base, "pipeline_schedules", index))
    return threshold_bps, notional, default_profile, models


def _load_ensemble(item: Any, path: YamlPath) -> None:
    prefix = "environment.ai.ensembles"
    if not isinstance(item, dict):
        raise _ai_error(f"{prefix} musi zawierać obiekty mapujące", path)
    components_raw = as_loaded(item.get("components"))
    if not as_loaded(item.get("name")) or not components_raw:
        raise _ai_error("Każdy zespół AI musi mieć pola 'name' oraz 'components'", path)
    components = [
        str(c).strip() for c in _iterate(components_raw, (*path, "components")) if str(c).strip()
    ]
    if not components:
        raise _ai_error(f"{prefix}[].components nie może być puste", (*path, "components"))
    if len({c.lower() for c in components}) != len(components):
        raise _ai_error(
            f"{prefix}[].components nie może zawierać duplikatów", (*path, "components")
        )
    aggregation_raw = as_loaded(item.get("aggregation", "mean"))
    aggregation = str(aggregation_raw).strip().lower() if aggregation_raw else "mean"
    if aggregation not in ENSEMBLE_AGGREGATIONS:
        raise _ai_error(
            f"{prefix}[].aggregation musi należeć do {{mean,median,max,min,weighted}}",
            (*path, "aggregation"),
        )
    weights_raw = as_loaded(item.get("weights"))
    wpath: YamlPath = (*path, "weights")
    weights: list[float] | None
    if weights_raw is None:
        weights = None
    elif isinstance(weights_raw, list):
        weights = [float(_coerce(float, w, 0.0, (*wpath, i))) for i, w in enumerate(weights_raw)]
    else:
        raise _ai_error(f"{prefix}[].weights musi być listą liczb", wpath)
    if weights is not None and len(weights) != len(components):
        raise _ai_error(f"{prefix}[].weights musi odpowiadać liczbie komponentów", wpath)
    if weights is not None and aggregation != "weighted":
        raise _ai_error(f"{prefix}[].weights można podać tylko dla agregacji 'weighted'", wpath)
    if weights is None and aggregation == "weighted":
        raise _ai_error(
            f"{prefix}[].aggregation='weighted' wymaga listy wag", (*path, "aggregation")
        )


def _load_schedule(item: Any, path: YamlPath) -> None:
    prefix = "environment.ai.pipeline_schedules"
    if not isinstance(item, dict):
        raise _ai_error(f"{prefix} musi zawierać obiekty mapujące", path)
    types_raw = as_loaded(item.get("model_types")) or as_loaded(item.get("models"))
    if not as_loaded(item.get("symbol")) or not types_raw or not as_loaded(item.get("data_source")):
        raise _ai_error(
            "Harmonogram pipeline'u wymaga pól 'symbol', 'model_types' oraz 'data_source'", path
        )
    key = "model_types" if as_loaded(item.get("model_types")) else "models"
    if not [t for t in _iterate(types_raw, (*path, key)) if str(t).strip()]:
        raise _ai_error(f"{prefix}[].model_types nie może być puste", (*path, key))
    interval_raw = as_loaded(item.get("interval_seconds", item.get("interval")))
    ikey = (
        "interval_seconds" if "interval_seconds" in item or "interval" not in item else "interval"
    )
    interval = (
        SCHEDULE_DEFAULTS["interval_seconds"]
        if blank(interval_raw)
        else _float(interval_raw, (*path, ikey))
    )
    if interval <= 0:
        raise _ai_error(f"{prefix}[].interval_seconds musi być dodatnie", (*path, ikey))
    for name in ("seq_len", "folds"):
        value = _coerce(int, item.get(name), SCHEDULE_DEFAULTS[name], (*path, name))
        if value <= 0:
            raise _ai_error(f"{prefix}[].{name} musi być dodatnie", (*path, name))


# Linux NAME_MAX: the bot's validator calls Path.exists() on the model folder and on every model
# file, which raises OSError (ENAMETOOLONG) for a longer name instead of answering False.
NAME_MAX_BYTES = 255


def _name_too_long(block: _Block, context: str, value: Any, path: YamlPath) -> None:
    """Stricter on purpose: the bot's validator crashes on such a path (OSError) when the folders
    before the long name exist on its machine, which the gate cannot know; no such name is ever
    a real model path, so the gate refuses it wherever it is."""
    text = str(as_loaded(value))
    if any(len(part.encode("utf-8", "surrogatepass")) > NAME_MAX_BYTES for part in text.split("/")):
        block.error(
            "validate_core_config: OSError: [Errno 36] File name too long",
            path,
            f"{context}: a name in the path {text[:60]}... is longer than {NAME_MAX_BYTES} bytes",
        )


def _ai_rules(
    block: _Block, context: str, base: YamlPath, loaded: AILoaded, profiles: set[Any]
) -> None:
    threshold, notional, default_profile, models = loaded
    if threshold < 0:
        block.error(
            f"{context}: threshold_bps nie może być ujemne",
            (*base, "threshold_bps"),
            f"{context}: threshold_bps is {_number(threshold)}, negative",
        )
    if notional is not None and notional <= 0:
        block.error(
            f"{context}: default_notional musi być dodatnie",
            (*base, "default_notional"),
            f"{context}: default_notional is {_number(notional)}, not positive",
        )
    if default_profile and default_profile not in profiles:
        block.error(
            f"{context}: domyślny profil ryzyka '{default_profile}' nie istnieje w sekcji "
            "risk_profiles",
            (*base, "default_risk_profile"),
            f"{context}: default_risk_profile {default_profile!r} is not a defined risk profile",
        )
    for symbol, kind, own, amount, path in models:
        entry = f"{context}.models[{symbol}:{kind}]"
        profile = own or default_profile
        if profile and profile not in profiles:
            block.error(
                f"{entry}: profil ryzyka '{profile}' nie istnieje w konfiguracji",
                (*path, "risk_profile") if own else path,
                f"{entry}: risk profile {profile!r} is not defined",
            )
        if amount is not None and amount <= 0:
            block.error(
                f"{entry}: notional musi być dodatnie",
                (*path, "notional"),
                f"{entry}: notional is {_number(amount)}, not positive",
            )
