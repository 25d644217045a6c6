"""PRE-0 the bot's own configuration validation: a ``config/core.yaml`` the bot refuses to start
with is NO-GO in every phase.

``bootstrap_environment`` loads ``core.yaml`` (``bot_core.config.loader.load_core_config``) and
then calls ``assert_core_config_valid`` (``bot_core/config/validation.py``); any error stops the
bot before it trades (FORMATS.md §0.1). The gate re-implements those rules on the raw YAML, so
that every error names its file and line, and so that no upstream code runs inside the gate. Each
finding quotes the bot's own message (Polish, as the operator will see it in the bot's log) in
``found``.

Rules applied, as at upstream Dudzian/Dudzian f59f9e73 (README "PRE-0"):

* loader errors: an environment missing ``exchange``/``environment``/``keychain_key``/
  ``data_cache_path``/``risk_profile``; ``environment`` not exactly ``live``/``paper``/``testnet``
  (the bot's ``Environment`` enum is case-sensitive); a non-empty ``alert_throttle`` whose
  ``window_seconds`` (or ``window``) is absent or not positive;
* the loader's ``RiskProfileConfig``: every limit present and converted (``float``, ``int`` for
  ``max_open_positions``), ``data_quality`` and ``strategy_allocations`` converted;
* ``_validate_risk_profiles``: negative limits;
* ``_validate_runtime_controllers``: ``tick_seconds`` not positive, an interval the bot cannot
  parse;
* ``_validate_instrument_universes``: empty universes, instruments without assets, categories or
  exchange bindings, empty symbols, unparsable backfill intervals, non-positive ``lookback_days``;
* ``_validate_environments``: unknown risk profile or universe, a universe with no binding for the
  environment's exchange, ``default_strategy``/``default_controller`` against the defined
  strategies and ``runtime.controllers``, the default controller's interval missing from the
  universe's backfill, alert channels (format, type, key in ``alerts``), permissions both required
  and forbidden;
* ``_validate_metrics_service`` with its UI-alert, service-token and TLS rules, and what the
  loader refuses in ``runtime.metrics_service``: ``bot_config_metrics.py``;
* ``_validate_live_routing``, ``_validate_resource_limits``, ``_validate_decision_engine``,
  ``_validate_instrument_buckets``, ``_validate_strategies``, ``_validate_risk_service`` (its
  tokens and TLS by the metrics module's rules), ``_validate_risk_decision_log``,
  ``_validate_portfolio_decision_log``, ``_validate_security_baseline`` and
  ``_validate_environment_ai``, with their loaders' refusals: ``bot_config_runtime.py``.

Every block is read as the loader reads it (its defaults, conversions and exceptions). The bot's
warnings are not findings. What is not judged (only the bot's host can know it, or the loader
makes the rule unreachable) and where the gate is stricter on purpose: each module's docstring
and README "PRE-0".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from live_gate.checks import Findings
from live_gate.findings import Severity
from live_gate.kit.parse import NonFinite
from live_gate.kit.values import is_non_finite, leaves
from live_gate.resources.deployment import Deployment

REQUIREMENT = "PRE-0"
ENVIRONMENT_KINDS = ("live", "paper", "testnet")
REQUIRED_ENVIRONMENT_FIELDS = (
    "exchange",
    "environment",
    "keychain_key",
    "data_cache_path",
    "risk_profile",
)
RISK_LIMITS = (
    "max_daily_loss_pct",
    "max_position_pct",
    "target_volatility",
    "max_leverage",
    "stop_loss_atr_multiple",
    "max_open_positions",
    "hard_drawdown_pct",
)
ALERT_REGISTRIES = {
    "telegram": "telegram_channels",
    "email": "email_channels",
    "sms": "sms_providers",
    "signal": "signal_channels",
    "whatsapp": "whatsapp_channels",
    "messenger": "messenger_channels",
}
INTERVAL_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000}
# The bot builds ``config.strategies`` from the ``strategies`` entries of this engine only
# (loader ``_load_strategies``); other engines are strategy definitions it does not count here.
COUNTED_STRATEGY_ENGINE = "daily_trend_momentum"
REMEDY = "a configuration the bot's assert_core_config_valid accepts"
# Findings listed for one core.yaml (the bot's real configuration has 26 errors): aliases
# repeating a list of bad values made a million findings of 21 kB of YAML (a 1.3 GB evidence
# bundle, two minutes and 5.8 GB of memory for one run); the rest are counted in a fact.
MAX_FINDINGS = 500


#: a place in core.yaml: keys and list indices
YamlPath = tuple[str | int, ...]


def as_loaded(value: Any) -> Any:
    """The scalar the bot's ``yaml.safe_load`` makes of it: the gate's YAML reader keeps .nan and
    .inf as text (never a number for a check), the bot has floats."""
    if isinstance(value, NonFinite):
        text = value.text.strip().lower()
        if "nan" in text:
            return math.nan
        return -math.inf if text.startswith("-") else math.inf
    return value


def blank(value: Any) -> bool:
    """``value in (None, "")``, as the loader tests it (``0 in (None, "")`` is false)."""
    return value is None or (isinstance(value, str) and value == "")


class LoaderRaised(Exception):
    """The bot's loader would raise here: ``exc`` is the exception Python gives for the same
    operation on the same value; ``path`` is where in the YAML."""

    def __init__(self, exc: BaseException, path: YamlPath) -> None:
        super().__init__(str(exc))
        self.exc = exc
        self.path = path

    @property
    def bot_message(self) -> str:
        return f"load_core_config: {type(self.exc).__name__}: {self.exc}"


def converted(kind: Callable[[Any], Any], value: Any, path: YamlPath) -> Any:
    """``kind(value)`` as the loader calls it (``float``, ``int``): Python's own exception, as
    :class:`LoaderRaised`, where the loader would stop."""
    try:
        return kind(as_loaded(value))
    except (TypeError, ValueError, OverflowError) as exc:
        raise LoaderRaised(exc, path) from None


def subscripted(value: Any, key: str, path: YamlPath) -> Any:
    """``value[key]`` as the loader writes it: a KeyError for a key that is not there, a
    TypeError for a value that is not a mapping."""
    try:
        return as_loaded(value)[key]
    except (KeyError, TypeError, IndexError) as exc:
        raise LoaderRaised(exc, path) from None  # a key that is not there has no line


def _got_either(
    entry: Any, key: str, alias: str, default: Any, path: YamlPath
) -> tuple[Any, YamlPath]:
    """``entry.get(key, entry.get(alias, default))`` as the loader writes it (an AttributeError
    for anything not a mapping), and the place of the key it used."""
    if not isinstance(entry, dict):
        raise LoaderRaised(attribute_error(entry, "get"), path)
    used = alias if key not in entry and alias in entry else key
    return entry.get(key, entry.get(alias, default)), (*path, used)


def attribute_error(value: Any, name: str) -> AttributeError:
    """What Python says when the loader calls ``value.<name>`` on something without it (its
    wording, e.g. ``'datetime.date' object has no attribute 'get'`` for a YAML date)."""
    try:
        getattr(as_loaded(value), name)
    except AttributeError as exc:
        return exc
    return AttributeError(f"{type(as_loaded(value)).__name__!r} object has no attribute {name!r}")


def got(value: Any, key: str, default: Any, path: YamlPath) -> Any:
    """``value.get(key, default)``: an AttributeError in the loader for anything not a mapping."""
    if isinstance(value, dict):
        return value.get(key, default)
    raise LoaderRaised(attribute_error(value, "get"), path)


def items_of(value: Any, path: YamlPath) -> list[tuple[Any, Any]]:
    if isinstance(value, dict):
        return list(value.items())
    raise LoaderRaised(attribute_error(value, "items"), path)


def iterated(value: Any, path: YamlPath) -> list[Any]:
    """``for x in value``: a string gives its characters, a mapping its keys, as in the loader."""
    try:
        return [as_loaded(item) for item in as_loaded(value)]
    except TypeError as exc:
        raise LoaderRaised(exc, path) from None


def coerced(kind: Callable[[Any], Any], value: Any, default: Any, path: YamlPath) -> Any:
    """The loader's ``_coerce_float``/``_coerce_int``: None and "" give the default; a list or a
    mapping goes through ``str()`` first."""
    value = as_loaded(value)
    if blank(value):
        return default
    if isinstance(value, int | float | str | bytes | bytearray):
        return converted(kind, value, path)
    return converted(kind, str(value), path)


def loaded_data_quality(entry: dict[str, Any], path: YamlPath) -> None:
    """``_load_data_quality`` (an environment's or a risk profile's): a falsy entry is none;
    ``_coerce_float`` of each limit that is set."""
    raw = as_loaded(entry.get("data_quality"))
    if not raw:
        return
    where = (*path, "data_quality")
    for key in ("max_gap_minutes", "min_ok_ratio"):
        value = got(raw, key, None, where)
        if not blank(as_loaded(value)):
            coerced(float, value, 0.0, (*where, key))


def mapping_of(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def sequence_of(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def interval_error(interval: str) -> str | None:
    """The bot's message for an interval it cannot parse (``<digits><unit>``, unit m/h/d/w/M;
    only the month is case-sensitive), or ``None``."""
    text = interval.strip()
    if not text:
        return "interwał nie może być pusty"
    digits = ""
    suffix: str | None = None
    for char in text:
        if char.isdigit():
            if suffix is not None:
                return f"niepoprawny format interwału '{interval}'"
            digits += char
        else:
            if suffix is not None:
                return f"niepoprawny format interwału '{interval}'"
            suffix = char
    if not digits or suffix is None:
        return f"niepoprawny format interwału '{interval}'"
    if suffix not in INTERVAL_SECONDS:
        return f"nieobsługiwany sufiks interwału '{suffix}'"
    if int(digits) <= 0:
        return "interwał musi być dodatni"
    return None


def name_of(value: Any) -> Any:
    """A name from the YAML, usable as a key: a list or a mapping where a name belongs (the bot
    then fails with a TypeError at start-up) becomes its repr, which names nothing defined."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


class CappedFindings(Findings):
    """PRE-0's findings, the first :data:`MAX_FINDINGS` listed and the rest counted: the verdict
    is the same (every one of them blocks), the bundle stays small."""

    def __init__(self, requirement: str, file: str | None = None) -> None:
        super().__init__(requirement, file)
        self.unlisted = 0
        self.uncounted = False  # a walk stopped once full: the count is a lower bound

    @property
    def full(self) -> bool:
        return len(self) >= MAX_FINDINGS

    def _add(self, severity: Severity, rule: str, message: str, where: dict[str, Any]) -> None:
        if self.full:
            self.unlisted += 1
            return
        super()._add(severity, rule, message, where)

    def close(self) -> None:
        if self.unlisted or self.uncounted:
            self.fact(
                "findings not listed",
                f"{'at least ' if self.uncounted else ''}{max(self.unlisted, 1)} more (the first "
                f"{MAX_FINDINGS} are listed; every one blocks)",
            )


class ConfigValidator:
    """The bot's configuration rules applied to the raw YAML, one method per block of
    ``validate_core_config``; each error a blocking finding of PRE-0 (``said``: the gate's words,
    the line, the bot's own message). Other modules of ``live_gate.checks`` may add blocks
    (functions taking the validator), called from :func:`check_bot_config`."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.raw = deployment.raw
        self.out = CappedFindings(REQUIREMENT, deployment.config_file)

    def said(self, bot_message: str, path: tuple[str | int, ...], what: str) -> dict[str, Any]:
        """A finding's text and place: what the gate saw, the line, and the bot's own message."""
        return {
            "message": f"the bot refuses this configuration at start-up: {what}",
            "line": self.deployment.line(*path),
            "field": ".".join(str(p) for p in path) or None,
            "expected": REMEDY,
            "found": bot_message,
        }

    def refused(self, refused: LoaderRaised, block: str = "") -> dict[str, Any]:
        """:meth:`said` for a loader exception: Python's own words, where it stopped (or the
        ``block`` it was reading, when the place is the section itself)."""
        dotted = ".".join(str(p) for p in refused.path) or block
        return self.said(
            refused.bot_message,
            refused.path,
            f"the loader cannot read {dotted} ({type(refused.exc).__name__})",
        )

    # -- loader -------------------------------------------------------------------------------
    def environments(self) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {}
        for name, entry in mapping_of(self.raw.get("environments")).items():
            env = mapping_of(entry)
            path = ("environments", str(name))
            missing = [f for f in REQUIRED_ENVIRONMENT_FIELDS if f not in env]
            for field in missing:
                self.out.block(
                    "config.environment_field_missing",
                    **self.said(
                        f"load_core_config: KeyError {field!r}",
                        path,
                        f"environment {name} has no {field}",
                    ),
                )
            kind = env.get("environment")
            if "environment" in env and kind not in ENVIRONMENT_KINDS:
                self.out.block(
                    "config.environment_kind",
                    **self.said(
                        f"load_core_config: ValueError: {kind!r} is not a valid Environment",
                        (*path, "environment"),
                        f"environment {name} is of kind {kind!r}, not one of live, paper, testnet",
                    ),
                )
            throttle = as_loaded(env.get("alert_throttle"))
            if throttle:
                # the loader's _load_alert_throttle: float(entry.get("window_seconds", ...))
                try:
                    value, where = _got_either(
                        throttle, "window_seconds", "window", 0.0, (*path, "alert_throttle")
                    )
                    window = converted(float, value, where)
                except LoaderRaised as refused:
                    self.out.block(
                        "config.throttle_window",
                        **self.said(
                            refused.bot_message,
                            refused.path,
                            f"environment {name}: the loader cannot read alert_throttle "
                            f"({type(refused.exc).__name__})",
                        ),
                    )
                    window = math.inf  # judged: no second finding
                if window <= 0:
                    self.out.block(
                        "config.throttle_window",
                        **self.said(
                            "alert_throttle.window_seconds musi być dodatnie",
                            (*path, "alert_throttle", "window_seconds"),
                            f"environment {name}: alert_throttle.window_seconds is not positive",
                        ),
                    )
            result[str(name)] = env
        return result

    # -- validate_core_config ---------------------------------------------------------------
    def risk_profiles(self) -> None:
        """The loader's ``RiskProfileConfig`` for each profile (every limit required, converted
        with ``float()``, ``int()`` for ``max_open_positions``; ``data_quality`` and
        ``strategy_allocations`` converted), then ``_validate_risk_profiles``: negative limits."""
        for name, limits in self._loaded_risk_profiles().items():
            for key in RISK_LIMITS:
                value = limits[key]
                if value < 0:
                    self.out.block(
                        "config.risk_limit_negative",
                        **self.said(
                            f"profil ryzyka '{name}': {key} nie może być ujemne",
                            ("risk_profiles", str(name), key),
                            f"risk profile {name}: {key} is negative",
                        ),
                    )

    def _loaded_risk_profiles(self) -> dict[str, dict[str, float]]:
        """Each profile's limits as the loader converts them; a profile the loader cannot read
        (it stops the bot at start-up) is a finding, quoting Python's own exception."""
        loaded: dict[str, dict[str, float]] = {}
        raw = as_loaded(self.raw.get("risk_profiles", {})) or {}
        if not isinstance(raw, dict):
            refused = LoaderRaised(attribute_error(raw, "items"), ("risk_profiles",))
            self.out.block("config.risk_profile_unloadable", **self.refused(refused))
            return loaded
        for name, entry in raw.items():
            path: YamlPath = ("risk_profiles", str(name))
            try:
                limits = {
                    key: converted(
                        int if key == "max_open_positions" else float,
                        subscripted(entry, key, path),
                        (*path, key),
                    )
                    for key in RISK_LIMITS
                }
                loaded_data_quality(entry, path)
                allocations = entry.get("strategy_allocations", {}) or {}
                for bucket, weight in items_of(allocations, (*path, "strategy_allocations")):
                    converted(float, weight, (*path, "strategy_allocations", str(bucket)))
            except LoaderRaised as refused:
                self.out.block("config.risk_profile_unloadable", **self.refused(refused))
                continue
            loaded[str(name)] = limits
        return loaded

    def controllers(self) -> dict[str, str]:
        """Runtime controllers by name, with their interval (the loader's default ``1d``)."""
        result: dict[str, str] = {}
        runtime = mapping_of(self.raw.get("runtime"))
        section = as_loaded(runtime.get("controllers")) or {}
        try:
            entries = items_of(section, ("runtime", "controllers"))
        except LoaderRaised as refused:
            self.out.block("config.controller_invalid", **self.refused(refused))
            return result
        for name, entry in entries:
            path = ("runtime", "controllers", str(name))
            try:
                value, where = _got_either(entry, "tick_seconds", "tick", 60.0, path)
                tick = converted(float, value, where)
            except LoaderRaised as refused:
                self.out.block("config.controller_invalid", **self.refused(refused))
                # the bot stops there; the controller is defined (no finding more for an
                # environment naming it), with no interval to compare
                result[str(name)] = ""
                continue
            controller: dict[str, Any] = entry
            if tick <= 0:
                self.out.block(
                    "config.controller_invalid",
                    **self.said(
                        f"kontroler runtime '{name}': tick_seconds musi być dodatnie",
                        (*path, "tick_seconds"),
                        f"runtime controller {name}: tick_seconds is not positive",
                    ),
                )
            interval = str(controller.get("interval", "1d"))
            problem = interval_error(interval)
            if problem is not None:
                self.out.block(
                    "config.controller_invalid",
                    **self.said(
                        f"kontroler runtime '{name}': {problem}",
                        (*path, "interval"),
                        f"runtime controller {name}: interval {interval!r} cannot be parsed",
                    ),
                )
            result[str(name)] = interval
        return result

    def universes(self, exchanges: set[str]) -> None:
        for name, entry in mapping_of(self.raw.get("instrument_universes")).items():
            context = f"uniwersum instrumentów '{name}'"
            path = ("instrument_universes", str(name))
            instruments = mapping_of(mapping_of(entry).get("instruments"))
            if not instruments:
                self.out.block(
                    "config.universe_invalid",
                    **self.said(
                        f"{context}: musi zawierać co najmniej jeden instrument",
                        path,
                        f"universe {name} has no instruments",
                    ),
                )
                continue
            for instrument_name, data in instruments.items():
                instrument = mapping_of(data)
                where = (*path, "instruments", str(instrument_name))
                inst = f"{context}: instrument '{instrument_name}'"
                # the loader's str(data.get("base_asset", "")): null is "None", not empty
                if not all(
                    str(as_loaded(instrument.get(key, ""))) for key in ("base_asset", "quote_asset")
                ):
                    self.out.block(
                        "config.universe_invalid",
                        **self.said(
                            f"{inst}: base_asset i quote_asset muszą być ustawione",
                            where,
                            f"instrument {instrument_name} lacks base_asset or quote_asset",
                        ),
                    )
                self._categories(instrument, where, inst, instrument_name)
                symbols = mapping_of(instrument.get("exchanges"))
                if not symbols:
                    self.out.block(
                        "config.universe_invalid",
                        **self.said(
                            f"{inst}: musi mieć przypisane co najmniej jedno powiązanie giełdowe",
                            where,
                            f"instrument {instrument_name} is bound to no exchange",
                        ),
                    )
                for exchange, symbol in symbols.items():
                    if str(as_loaded(symbol)) == "":  # the loader's str(): null is "None"
                        self.out.block(
                            "config.universe_invalid",
                            **self.said(
                                f"{inst}: symbol dla giełdy '{exchange}' nie może być pusty",
                                (*where, "exchanges", str(exchange)),
                                f"instrument {instrument_name}: empty symbol for {exchange}",
                            ),
                        )
                for index, window in enumerate(sequence_of(instrument.get("backfill"))):
                    spec = mapping_of(window)
                    interval = str(spec.get("interval", ""))
                    wpath = (*where, "backfill", index)
                    if not interval.strip():
                        self.out.block(
                            "config.universe_invalid",
                            **self.said(
                                f"{inst}: interwał w sekcji backfill nie może być pusty",
                                wpath,
                                f"instrument {instrument_name}: a backfill window has no interval",
                            ),
                        )
                        continue
                    problem = interval_error(interval)
                    if problem is not None:
                        self.out.block(
                            "config.universe_invalid",
                            **self.said(
                                f"{inst}: {problem}",
                                (*wpath, "interval"),
                                f"instrument {instrument_name}: backfill interval {interval!r} "
                                "cannot be parsed",
                            ),
                        )
                        continue
                    try:  # the loader's int(window["lookback_days"]): 0.5 is 0, "1.5" raises
                        lookback = converted(
                            int,
                            subscripted(window, "lookback_days", wpath),
                            (*wpath, "lookback_days"),
                        )
                    except LoaderRaised as refused:
                        self.out.block(
                            "config.universe_invalid",
                            **self.said(
                                refused.bot_message,
                                refused.path,
                                f"instrument {instrument_name}: the loader cannot read "
                                f"lookback_days ({type(refused.exc).__name__})",
                            ),
                        )
                        continue
                    if lookback <= 0:
                        self.out.block(
                            "config.universe_invalid",
                            **self.said(
                                f"{inst}: lookback_days dla interwału '{interval}' "
                                "musi być dodatni",
                                (*wpath, "lookback_days"),
                                f"instrument {instrument_name}: lookback_days is not positive",
                            ),
                        )

    def _categories(
        self, instrument: dict[str, Any], where: YamlPath, inst: str, instrument_name: Any
    ) -> None:
        """The loader's ``tuple(data.get("categories", ()) or ())`` (a string gives its
        characters, a mapping its keys), then the validator's ``cat.lower()`` on each, which
        raises for a category that is not text: the bot does not start."""
        path = (*where, "categories")
        raw = as_loaded(instrument.get("categories", ())) or ()
        try:
            categories = [as_loaded(c) for c in raw]
        except TypeError as exc:
            bot, what = LoaderRaised(exc, path).bot_message, "categories is not a list"
        else:
            odd = [c for c in categories if not hasattr(c, "lower")]
            if categories and not odd:
                return
            if not categories:
                bot, what, path = (
                    f"{inst}: lista kategorii nie może być pusta",
                    "has no categories",
                    where,
                )
            else:
                error = attribute_error(odd[0], "lower")
                bot = f"validate_core_config: {type(error).__name__}: {error}"
                what = f"category {odd[0]!r} is not text"
        self.out.block(
            "config.universe_invalid",
            **self.said(bot, path, f"instrument {instrument_name}: {what}"),
        )

    def environment_rules(
        self, envs: dict[str, dict[str, Any]], controllers: dict[str, str]
    ) -> None:
        risk_profiles = set(mapping_of(self.raw.get("risk_profiles")))
        universes = mapping_of(self.raw.get("instrument_universes"))
        strategies = {
            str(name)
            for name, entry in mapping_of(self.raw.get("strategies")).items()
            if str(mapping_of(entry).get("engine", "")) == COUNTED_STRATEGY_ENGINE
        }
        for name, env in envs.items():
            context = f"środowisko '{name}'"
            path = ("environments", name)
            profile = name_of(env.get("risk_profile"))
            if "risk_profile" in env and profile not in risk_profiles:
                self.out.block(
                    "config.risk_profile_undefined",
                    **self.said(
                        f"{context}: profil ryzyka '{profile}' nie istnieje w konfiguracji",
                        (*path, "risk_profile"),
                        f"environment {name}: risk profile {profile!r} is not defined",
                    ),
                )
            universe = env.get("instrument_universe")
            # an empty list or mapping is no universe to the bot (checked at f59f9e73: accepted)
            universe_name = None if universe in ([], {}) else name_of(universe)
            if universe_name and universe_name not in universes:
                self.out.block(
                    "config.universe_undefined",
                    **self.said(
                        f"{context}: uniwersum instrumentów '{universe_name}' nie istnieje",
                        (*path, "instrument_universe"),
                        f"environment {name}: universe {universe_name!r} is not defined",
                    ),
                )
                continue  # as the bot does: nothing else of this environment is validated
            intervals: set[str] = set()
            if universe_name:
                exchange = name_of(env.get("exchange"))
                instruments = mapping_of(mapping_of(universes[universe_name]).get("instruments"))
                matching = [
                    mapping_of(i)
                    for i in instruments.values()
                    if exchange in mapping_of(mapping_of(i).get("exchanges"))
                ]
                if not matching:
                    self.out.block(
                        "config.universe_no_exchange",
                        **self.said(
                            f"{context}: uniwersum instrumentów '{universe_name}' nie zawiera "
                            f"powiązań dla giełdy '{exchange}'",
                            (*path, "instrument_universe"),
                            f"environment {name}: universe {universe_name} binds no symbol on "
                            f"{exchange}",
                        ),
                    )
                intervals = {
                    str(mapping_of(w).get("interval", "")).strip().lower()
                    for i in matching
                    for w in sequence_of(i.get("backfill"))
                    if str(mapping_of(w).get("interval", "")).strip()
                }
            self._defaults(name, env, strategies, controllers, intervals)
            self._channels(name, env)
            self._permissions(name, env)

    def _defaults(
        self,
        name: str,
        env: dict[str, Any],
        strategies: set[str],
        controllers: dict[str, str],
        intervals: set[str],
    ) -> None:
        context = f"środowisko '{name}'"
        path = ("environments", name)
        strategy = name_of(env.get("default_strategy"))
        if strategies:
            if not strategy:
                self.out.block(
                    "config.default_strategy",
                    **self.said(
                        f"{context}: default_strategy nie jest ustawione mimo "
                        "zdefiniowanych strategii",
                        path,
                        f"environment {name} sets no default_strategy although strategies "
                        "are defined",
                    ),
                )
            elif strategy not in strategies:
                self.out.block(
                    "config.default_strategy",
                    **self.said(
                        f"{context}: domyślna strategia '{strategy}' nie istnieje w sekcji "
                        "strategies",
                        (*path, "default_strategy"),
                        f"environment {name}: default_strategy {strategy!r} is not a defined "
                        "strategy",
                    ),
                )
        elif strategy:
            self.out.block(
                "config.default_strategy",
                **self.said(
                    f"{context}: domyślna strategia '{strategy}' wskazana bez dostępnych strategii",
                    (*path, "default_strategy"),
                    f"environment {name}: default_strategy {strategy!r} set but no strategies are "
                    f"defined (engine {COUNTED_STRATEGY_ENGINE})",
                ),
            )
        controller = name_of(env.get("default_controller"))
        controller_interval: str | None = None
        if controllers:
            if not controller:
                self.out.block(
                    "config.default_controller",
                    **self.said(
                        f"{context}: default_controller nie jest ustawione mimo zdefiniowanych "
                        "kontrolerów runtime",
                        path,
                        f"environment {name} sets no default_controller although runtime "
                        "controllers are defined",
                    ),
                )
            elif controller not in controllers:
                self.out.block(
                    "config.default_controller",
                    **self.said(
                        f"{context}: domyślny kontroler '{controller}' nie istnieje w sekcji "
                        "runtime.controllers",
                        (*path, "default_controller"),
                        f"environment {name}: default_controller {controller!r} is not in "
                        "runtime.controllers",
                    ),
                )
            else:
                controller_interval = controllers[str(controller)].strip().lower() or None
        elif controller:
            self.out.block(
                "config.default_controller",
                **self.said(
                    f"{context}: domyślny kontroler '{controller}' wskazany bez dostępnych "
                    "kontrolerów runtime",
                    (*path, "default_controller"),
                    f"environment {name}: default_controller {controller!r} set but "
                    "runtime.controllers defines none",
                ),
            )
        if controller_interval and intervals and controller_interval not in intervals:
            self.out.block(
                "config.controller_interval",
                **self.said(
                    f"{context}: domyślny kontroler '{controller}' używa interwału "
                    f"'{controllers[str(controller)]}' niedostępnego w oknach backfill uniwersum "
                    f"'{env.get('instrument_universe')}' dla giełdy '{env.get('exchange')}'",
                    (*path, "default_controller"),
                    f"environment {name}: the default controller's interval is not backfilled "
                    f"({', '.join(sorted(intervals))})",
                ),
            )

    def _channels(self, name: str, env: dict[str, Any]) -> None:
        context = f"środowisko '{name}'"
        from live_gate.checks.bot_config_core import loaded_sequence

        alerts = mapping_of(self.raw.get("alerts"))
        # the loader's tuple(... or ()): a string gives its characters, a mapping its keys
        for index, channel in enumerate(loaded_sequence(env.get("alert_channels"))):
            text = str(channel)
            path = ("environments", name, "alert_channels", index)
            backend, _, key = text.partition(":")
            backend, key = backend.strip().lower(), key.strip()
            if ":" not in text or not backend or not key:
                bot = f"{context}: kanał alertowy '{text}' ma nieprawidłowy format"
                what = f"alert channel {text!r} is not <type>:<name>"
            elif backend not in ALERT_REGISTRIES:
                bot = f"{context}: kanał alertowy '{text}' wskazuje nieobsługiwany typ '{backend}'"
                what = f"alert channel {text!r} has an unsupported type {backend!r}"
            elif key not in mapping_of(alerts.get(ALERT_REGISTRIES[backend])):
                bot = f"{context}: kanał alertowy '{text}' nie istnieje w sekcji alerts"
                what = f"alert channel {text!r} is not in alerts.{ALERT_REGISTRIES[backend]}"
            else:
                continue
            self.out.block(
                "config.alert_channel",
                **self.said(bot, path, what),
            )

    def _permissions(self, name: str, env: dict[str, Any]) -> None:
        # The loader falls back to the environment's permission_profile for an absent or empty
        # list (loader: permission_profile, required_permissions, forbidden_permissions), and
        # iterates what is there as it is (a string gives its characters, a mapping its keys).
        from live_gate.checks.bot_config_core import loaded_permissions

        required, forbidden = loaded_permissions(self.raw.get("permission_profiles"), env)
        overlap = set(required) & set(forbidden)
        if overlap:
            listed = ", ".join(sorted(overlap))
            self.out.block(
                "config.permission_overlap",
                **self.said(
                    f"środowisko '{name}': uprawnienia {listed} nie mogą jednocześnie "
                    "znajdować się w required i forbidden",
                    ("environments", name, "forbidden_permissions"),
                    f"environment {name}: {listed} both required and forbidden",
                ),
            )


#: strings the bot's loader turns into a flag with Python's ``bool()``, for which "false" is true
QUOTED_FLAGS = frozenset({"true", "false"})


def values_the_bot_misreads(v: ConfigValidator) -> None:
    """Stricter than the bot, on purpose (README "Where the gate is stricter than the bot"), in
    the whole of ``core.yaml`` at once rather than block by block: NaN or Infinity, which the
    bot's loader converts with ``float()`` and every comparison of its validation lets through
    (a limit of NaN is no limit); and the string ``"true"`` or ``"false"`` (quoted), which the
    loader reads as a flag with ``bool()``, so that ``"false"`` switches the thing on."""
    for path, value in leaves(v.raw):
        if is_non_finite(value):
            v.out.block(
                "config.not_finite",
                f"{'.'.join(map(str, path))} is {value}: the bot reads it as a number that "
                "passes every comparison of its validation (stricter than the bot on purpose)",
                line=v.deployment.line(*path),
                field=".".join(map(str, path)),
                expected="a finite number",
                found=str(value),
            )
        elif isinstance(value, str) and value.strip().lower() in QUOTED_FLAGS:
            v.out.block(
                "config.quoted_flag",
                f"{'.'.join(map(str, path))} is the string {value!r}: where the bot expects a "
                "flag it reads any non-empty string as true (stricter than the bot on purpose)",
                line=v.deployment.line(*path),
                field=".".join(map(str, path)),
                expected=f"the YAML boolean {value.strip().lower()}, unquoted",
                found=repr(value),
            )


def check_bot_config(deployment: Deployment) -> Findings:
    # both modules build on this one (a module-level import would be circular)
    from live_gate.checks import bot_config_runtime
    from live_gate.checks.bot_config_core import core_blocks
    from live_gate.checks.bot_config_metrics import metrics_service

    validator = ConfigValidator(deployment)
    values_the_bot_misreads(validator)
    envs = validator.environments()
    core_blocks(validator)
    validator.risk_profiles()
    controllers = validator.controllers()
    exchanges = {str(env.get("exchange")) for env in envs.values()}
    validator.universes(exchanges)
    validator.environment_rules(envs, controllers)
    metrics_service(validator)
    bot_config_runtime.live_routing(validator)
    bot_config_runtime.resource_limits(validator)
    bot_config_runtime.decision_engine(validator)
    bot_config_runtime.instrument_buckets(validator)
    bot_config_runtime.strategies(validator)
    bot_config_runtime.risk_service(validator)
    bot_config_runtime.risk_decision_log(validator)
    bot_config_runtime.portfolio_decision_log(validator)
    bot_config_runtime.security_baseline(validator)
    bot_config_runtime.environment_ai(validator)
    validator.out.close()
    return validator.out
