"""PRE-0, the core blocks of ``core.yaml`` read as the bot's ``load_core_config`` reads them
(upstream Dudzian/Dudzian f59f9e73, ``bot_core/config/loader.py``): ``instrument_universes``
(``_load_instrument_universes``), ``permission_profiles`` (``_load_permission_profiles``),
``exchange_lifecycle`` (``_load_exchange_lifecycle``), ``environments`` and what the loader reads
of each environment (permissions, ``adapter_settings``/``adapter_factories``,
``alert_channels``, ``ip_allowlist``, ``data_source``, ``report_storage``, ``alert_throttle``,
``alert_audit``, ``decision_journal``, ``data_quality``, ``stream``, ``live_readiness``), and the
``alerts`` channel registries (``telegram_channels``, ``email_channels``, ``sms_providers``,
``signal_channels``, ``whatsapp_channels``, ``messenger_channels``).

A value the loader cannot read raises at start-up and the bot does not run: each such place is a
blocking finding quoting the exception as ``load_core_config: <type>: <message>`` (Python's own
words for the same operation on the same value, or the loader's own message where it raises one).
The bot stops at its first exception; the gate reports the first of each block or entry, so that
an operator fixes them in one pass. The validator's rules on what the loader made (alert channels,
permissions) are in :mod:`live_gate.checks.bot_config`, which reads them through
:func:`loaded_permissions` and :func:`loaded_sequence` below, as the loader does: a string gives
its characters and a mapping its keys, where a lenient reading would see nothing.

Already judged elsewhere, not again here: the five required fields and ``environment``'s kind,
and ``alert_throttle``'s window (:meth:`ConfigValidator.environments`), ``ai``
(``bot_config_runtime``). An environment entry that is not a mapping is judged there too (every
required field is missing for the loader's ``entry[...]``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from live_gate.checks.bot_config import (
    ConfigValidator,
    LoaderRaised,
    YamlPath,
    as_loaded,
    blank,
    coerced,
    converted,
    got,
    items_of,
    iterated,
    loaded_data_quality,
    subscripted,
)

#: each registry of ``alerts``: the keys the loader subscripts (``entry[key]``, in its order),
#: and whether it converts ``port`` / ``max_sender_length`` with ``int()``
ALERT_LOADERS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "sms_providers": (("provider", "api_base_url", "from_number"), "max_sender_length"),
    "signal_channels": (("service_url", "sender_number"), None),
    "whatsapp_channels": (("phone_number_id",), None),
    "messenger_channels": (("page_id",), None),
    "telegram_channels": (("chat_id", "token_secret"), None),
    "email_channels": (("host",), "port"),
}
#: keys the loader subscripts later: after ``recipients`` (whatsapp, messenger), after ``port``
#: and before ``recipients`` (email)
LATE_KEYS = {
    "whatsapp_channels": ("token_secret",),
    "messenger_channels": ("token_secret",),
    "email_channels": ("from_address",),
}


def _raised(message: str, path: YamlPath) -> LoaderRaised:
    """An exception the loader raises with its own message (``raise ValueError("...")``)."""
    return LoaderRaised(ValueError(message), path)


def loaded_sequence(value: Any) -> list[Any]:
    """``tuple(value or ())`` as the loader builds ``alert_channels`` and the permission lists;
    nothing where the loader raises (that is a finding of :func:`core_blocks`)."""
    try:
        return iterated(as_loaded(value) or (), ())
    except LoaderRaised:
        return []


def _profile_permissions(raw: Any, name: Any) -> tuple[list[str], list[str]]:
    """A permission profile's lists as ``_load_permission_profiles`` makes them."""
    profiles = as_loaded(raw) or {}
    if not isinstance(profiles, dict) or not isinstance(name, str) or not name.strip():
        return [], []
    entry = profiles.get(name.strip())
    if not isinstance(entry, dict):
        return [], []
    required, forbidden = (
        [str(v).lower() for v in loaded_sequence(entry.get(key, ()))]
        for key in ("required_permissions", "forbidden_permissions")
    )
    return required, forbidden


def loaded_permissions(raw_profiles: Any, env: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The environment's required and forbidden permissions as the loader makes them: its own
    list unless absent (None) or empty, then its ``permission_profile``'s."""
    profile = _profile_permissions(raw_profiles, env.get("permission_profile"))
    result = []
    for key, fallback in zip(
        ("required_permissions", "forbidden_permissions"), profile, strict=True
    ):
        raw = as_loaded(env.get(key))
        own = None if raw is None else [str(v).lower() for v in loaded_sequence(raw)]
        result.append(own if own else fallback)
    return result[0], result[1]


class _Reader:
    """Findings of one block: each loader exception blocks with ``rule``."""

    def __init__(self, v: ConfigValidator, emit: Callable[..., None], block: str) -> None:
        self.v = v
        self.emit = emit
        self.block = block

    @contextmanager
    def entry(self) -> Iterator[None]:
        """The loader stops at the first exception of an entry; the next entry is read anew."""
        try:
            yield
        except LoaderRaised as refused:
            self.emit(**self.v.refused(refused, self.block))


def core_blocks(v: ConfigValidator) -> None:
    instrument_universes(v)
    permission_profiles(v)
    exchange_lifecycle(v)
    environments(v)
    alerts(v)


# -- instrument_universes -----------------------------------------------------------------------


def instrument_universes(v: ConfigValidator) -> None:
    """``_load_instrument_universes``: ``.items()`` of the section, of each universe's
    ``instruments`` and each instrument's ``exchanges``; each ``backfill`` window iterated as
    ``tuple(... or ())`` (a string gives its characters, a mapping its keys), then
    ``window["interval"]`` and ``int(window["lookback_days"])``. The validator's rules on what
    this makes: :meth:`ConfigValidator.universes` (same rule)."""
    reader = _Reader(
        v, lambda **kw: v.out.block("config.universe_invalid", **kw), "instrument_universes"
    )
    base: YamlPath = ("instrument_universes",)
    with reader.entry():
        for name, entry in items_of(as_loaded(v.raw.get("instrument_universes", {})) or {}, base):
            path = (*base, str(name))
            with reader.entry():
                instruments = as_loaded(got(entry, "instruments", {}, path)) or {}
                for instrument, data in items_of(instruments, (*path, "instruments")):
                    with reader.entry():
                        _instrument(data, (*path, "instruments", str(instrument)))


def _instrument(data: Any, path: YamlPath) -> None:
    backfill = as_loaded(got(data, "backfill", (), path))
    if not isinstance(backfill, list):  # a list's windows: ConfigValidator.universes
        for window in iterated(backfill or (), (*path, "backfill")):
            subscripted(window, "interval", (*path, "backfill"))
            lookback = subscripted(window, "lookback_days", (*path, "backfill"))
            converted(int, lookback, (*path, "backfill"))
    items_of(as_loaded(data.get("exchanges", {})) or {}, (*path, "exchanges"))


# -- permission_profiles ------------------------------------------------------------------------


def permission_profiles(v: ConfigValidator) -> None:
    """``_load_permission_profiles``: ``(raw.get("permission_profiles", {}) or {}).items()``,
    then ``entry.get(...)`` and ``tuple(... or ())`` of each list."""
    reader = _Reader(
        v, lambda **kw: v.out.block("config.permission_profile_unloadable", **kw), "profiles"
    )
    base: YamlPath = ("permission_profiles",)
    with reader.entry():
        for name, entry in items_of(as_loaded(v.raw.get("permission_profiles", {})) or {}, base):
            path = (*base, str(name))
            with reader.entry():
                for key in ("required_permissions", "forbidden_permissions"):
                    iterated(as_loaded(got(entry, key, (), path)) or (), (*path, key))


# -- exchange_lifecycle -------------------------------------------------------------------------

LIFECYCLE_STATUSES = ("active", "disabled", "deprecated")


def exchange_lifecycle(v: ConfigValidator) -> None:
    """``_load_exchange_lifecycle``: anything but a mapping is ignored; each exchange's status (a
    mapping's ``status``, else the value itself unless None or "", lower-cased, "active" when
    blank) must be active, disabled or deprecated, or the loader raises its own ValueError."""
    raw = as_loaded(v.raw.get("exchange_lifecycle")) or {}
    if not isinstance(raw, dict):
        return
    for exchange, entry in raw.items():
        normalized = str(as_loaded(exchange)).strip().lower()
        if not normalized:
            continue
        entry = as_loaded(entry)
        status = "active"
        if isinstance(entry, dict):
            status = str(as_loaded(entry.get("status", "active"))).strip().lower() or "active"
        elif not blank(entry):
            status = str(entry).strip().lower() or "active"
        if status in LIFECYCLE_STATUSES:
            continue
        path: YamlPath = ("exchange_lifecycle", str(exchange))
        refused = _raised(f"Nieznany status lifecycle dla giełdy '{normalized}': {status}", path)
        v.out.block(
            "config.exchange_lifecycle_unloadable",
            **v.said(
                refused.bot_message,
                (*path, "status") if isinstance(entry, dict) else path,
                f"exchange {normalized}: lifecycle status {status!r} is not one of "
                f"{', '.join(LIFECYCLE_STATUSES)}",
            ),
        )


# -- environments ---------------------------------------------------------------------------------


def environments(v: ConfigValidator) -> None:
    """What the loader's environment loop reads of each entry, in its order."""
    reader = _Reader(
        v, lambda **kw: v.out.block("config.environment_unloadable", **kw), "environments"
    )
    base: YamlPath = ("environments",)
    with reader.entry():
        entries = items_of(as_loaded(v.raw.get("environments", {})) or {}, base)
        for name, entry in entries:
            if not isinstance(entry, dict):
                continue  # every required field missing: ConfigValidator.environments
            path = (*base, str(name))
            for step in _ENVIRONMENT_READS:
                with reader.entry():
                    step(entry, path)


def _listed(entry: dict[str, Any], path: YamlPath) -> None:
    """``tuple(str(v).lower() for v in (raw or ()))`` of each permission list,
    ``tuple(entry.get(...) or ())`` of ``alert_channels`` and ``ip_allowlist``."""
    for key in ("required_permissions", "forbidden_permissions", "alert_channels", "ip_allowlist"):
        iterated(as_loaded(entry.get(key)) or (), (*path, key))


def _adapters(entry: dict[str, Any], path: YamlPath) -> None:
    """``(entry.get("adapter_settings", {}) or {}).items()``, and ``adapter_factories``."""
    for key in ("adapter_settings", "adapter_factories"):
        items_of(as_loaded(entry.get(key, {})) or {}, (*path, key))


def _data_source(entry: dict[str, Any], path: YamlPath) -> None:
    raw = as_loaded(entry.get("data_source"))
    if raw:
        got(raw, "enable_snapshots", True, (*path, "data_source"))


def _storage(
    entry: dict[str, Any], path: YamlPath, key: str, default: str, allowed: set[str], message: str
) -> None:
    """``_load_report_storage``, ``_load_alert_audit``, ``_load_decision_journal``: the backend
    (``backend`` or ``type``), then ``retention_days`` through ``_coerce_int``, then a ``file``
    backend needs a ``directory``."""
    raw = as_loaded(entry.get(key))
    if not raw:
        return
    where = (*path, key)
    backend_raw = got(raw, "backend", got(raw, "type", default, where), where)
    backend = str(as_loaded(backend_raw)).strip().lower()
    at = (*where, "backend" if "backend" in raw else "type")
    if key != "alert_audit" and backend in {"disabled", "none"}:
        return
    if backend not in allowed:
        raise _raised(message, at)
    directory = as_loaded(raw.get("directory"))
    retention = as_loaded(raw.get("retention_days"))
    if not blank(retention):
        coerced(int, retention, 0, (*where, "retention_days"))
    if key == "report_storage":
        return  # the loader requires no directory here
    if backend == "file" and (directory is None or not str(directory)):
        raise _raised(f"{key}.directory jest wymagane dla backendu 'file'", where)


def _report_storage(entry: dict[str, Any], path: YamlPath) -> None:
    _storage(
        entry, path, "report_storage", "file", {"file"},
        "report_storage.backend musi być 'file' lub 'disabled'",
    )  # fmt: skip


def _throttle(entry: dict[str, Any], path: YamlPath) -> None:
    """``_load_alert_throttle`` after its window (judged by ``config.throttle_window``)."""
    raw = as_loaded(entry.get("alert_throttle"))
    if not raw or not isinstance(raw, dict):
        return  # not a mapping: config.throttle_window
    where = (*path, "alert_throttle")
    try:
        window = converted(float, raw.get("window_seconds", raw.get("window", 0.0)), where)
    except LoaderRaised:
        return  # config.throttle_window
    if window <= 0:
        return  # config.throttle_window (NaN is not: the loader's ``<= 0`` lets it through)
    for key in ("exclude_severities", "exclude_categories"):
        iterated(as_loaded(raw.get(key, ())) or (), (*where, key))
    converted(int, raw.get("max_entries", 2048), (*where, "max_entries"))


def _alert_audit(entry: dict[str, Any], path: YamlPath) -> None:
    _storage(
        entry, path, "alert_audit", "memory", {"memory", "file"},
        "alert_audit.backend musi mieć wartość 'memory' lub 'file'",
    )  # fmt: skip


def _decision_journal(entry: dict[str, Any], path: YamlPath) -> None:
    _storage(
        entry, path, "decision_journal", "memory", {"memory", "file"},
        "decision_journal.backend musi być 'memory', 'file' lub 'disabled'",
    )  # fmt: skip


def _stream(entry: dict[str, Any], path: YamlPath) -> None:
    """``_load_environment_stream``: a mapping; ``int(port)``; ``_coerce_float`` of
    ``retry_after`` and ``poll_interval``, each with the loader's own message."""
    raw = as_loaded(entry.get("stream"))
    if not raw:
        return
    where = (*path, "stream")
    if not isinstance(raw, dict):
        raise LoaderRaised(
            TypeError("Sekcja environment.stream musi być obiektem mapującym"), where
        )
    try:
        converted(int, raw.get("port", 8765), (*where, "port"))
    except LoaderRaised as refused:
        raise _raised("environment.stream.port musi być liczbą całkowitą", refused.path) from None
    for key in ("retry_after", "poll_interval"):
        value = as_loaded(raw.get(key))
        if blank(value):
            continue
        try:
            coerced(float, value, 0.0, (*where, key))
        except LoaderRaised as refused:
            raise _raised(f"environment.stream.{key} musi być liczbą", refused.path) from None


def _text(value: Any) -> str | None:
    """The loader's ``_normalize_string``: None, "", False (and 0, equal to False) are none."""
    value = as_loaded(value)
    if value is None or (isinstance(value, str) and value == "") or value == False:  # noqa: E712
        return None
    return str(value).strip() or None


def _live_readiness(entry: dict[str, Any], path: YamlPath) -> None:
    """``_load_live_readiness``: a mapping; each named document needs a path (or location)."""
    raw = as_loaded(entry.get("live_readiness"))
    if not raw:
        return
    where = (*path, "live_readiness")
    if not isinstance(raw, dict):
        raise LoaderRaised(
            TypeError("Sekcja environment.live_readiness musi być obiektem mapującym"), where
        )
    documents = iterated(as_loaded(raw.get("documents")) or (), (*where, "documents"))
    for index, document in enumerate(documents):
        if not isinstance(document, dict):
            continue
        name = _text(document.get("name"))
        if not name:
            continue
        if not _text(as_loaded(document.get("path")) or document.get("location")):
            raise _raised(
                f"Dokument check-listy live '{name}' musi posiadać ścieżkę (path/location).",
                (*where, "documents", index),
            )


_ENVIRONMENT_READS: tuple[Callable[[dict[str, Any], YamlPath], None], ...] = (
    _listed,
    _adapters,
    _data_source,
    _report_storage,
    _throttle,
    _alert_audit,
    _decision_journal,
    loaded_data_quality,
    _stream,
    _live_readiness,
)


# -- alerts -------------------------------------------------------------------------------------


def alerts(v: ConfigValidator) -> None:
    """``alerts = raw.get("alerts", {}) or {}`` and each registry's loader: ``entry[key]`` of its
    required keys, ``tuple(entry.get("recipients", ()) or ())``, ``int()`` of ``port`` (email,
    default 587) and ``max_sender_length`` (sms, unless None, "" or False)."""
    reader = _Reader(v, lambda **kw: v.out.block("config.alert_unloadable", **kw), "alerts")
    base: YamlPath = ("alerts",)
    with reader.entry():
        section = as_loaded(v.raw.get("alerts", {})) or {}
        got(section, "sms_providers", {}, base)  # the first registry read: not a mapping raises
        for registry, (keys, number) in ALERT_LOADERS.items():
            with reader.entry():
                where = (*base, registry)
                for name, entry in items_of(
                    as_loaded(got(section, registry, {}, base)) or {}, where
                ):
                    with reader.entry():
                        _alert_entry(registry, keys, number, entry, (*where, str(name)))


def _alert_entry(
    registry: str, keys: tuple[str, ...], number: str | None, entry: Any, path: YamlPath
) -> None:
    for key in keys:
        subscripted(entry, key, (*path, key) if isinstance(entry, dict) else path)
    if number == "port":
        converted(int, got(entry, "port", 587, path), (*path, "port"))
        for key in LATE_KEYS[registry]:  # email: from_address before recipients
            subscripted(entry, key, (*path, key))
    if registry != "telegram_channels":
        iterated(as_loaded(got(entry, "recipients", (), path)) or (), (*path, "recipients"))
    if registry in ("whatsapp_channels", "messenger_channels"):
        for key in LATE_KEYS[registry]:  # after recipients
            subscripted(entry, key, (*path, key))
    if number == "max_sender_length":
        value = as_loaded(entry.get(number))
        if not (blank(value) or value == False):  # noqa: E712 - the loader's ``in (None, "", False)``
            converted(int, value, (*path, number))
