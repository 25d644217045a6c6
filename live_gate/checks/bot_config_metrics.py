"""PRE-0, ``runtime.metrics_service``: the bot's ``_validate_metrics_service`` (with
``_validate_ui_alert_block``, ``_validate_service_tokens_block`` and the TLS rules) and what its
loader (``_load_metrics_service``, ``_load_service_tokens``, ``_normalize_pinned_fingerprints``,
``_normalize_alert_mode``) refuses, as at upstream Dudzian/Dudzian f59f9e73.

The gate judges the raw YAML, so each rule is applied to the value the bot's loader would make of
it: absent keys take the loader's defaults (categories ``ui.performance``, severities
``warning``/``info``/``critical``, performance thresholds 45/60 ms and 85/95 %), flags are
Python truthiness (``bool("false")`` is true for the bot), TLS paths are empty only when absent,
null, ``""``, ``false`` or ``0``. Numbers are converted with Python's own ``int``/``float``, as
the loader does, so a value the loader refuses is refused here with Python's own words.

Several of the validator's messages cannot be reached through the loader (it refuses or
normalises the value first): an invalid alert mode or audit backend, an empty ``token_id`` or
``token_env``, an empty ``private_key_password_env``, a malformed pin, a bad ``grpc_metadata``
key. The gate reports the loader's error for those, as the bot does. The validator's warnings
are not findings. Neither the bot nor the gate checks that the TLS files exist (the real
configuration names certificates that are not in the repository, and the bot accepts it).

Not judged, because only the bot's host knows: whether an environment variable named by
``grpc_metadata`` (``value_env``...) or ``auth_token_env`` is set, the contents of
``grpc_metadata`` value files and of ``auth_token_file``, ``~user`` paths. Stricter on purpose: a
value file or ``ui_alerts_risk_profiles_file`` outside the deployment is a blocker (the gate
does not look outside it), and its message quotes the configured path, not the absolute one the
bot resolved on its host.

``tls_block`` and ``service_tokens`` take the service's path and context, so that
``runtime.risk_service`` (the same loader and rules) can use them.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from live_gate.checks.bot_config import ConfigValidator, as_loaded, blank, mapping_of
from live_gate.kit.files import InputRefused
from live_gate.paths import PathEscapesDeployment

CONTEXT = "runtime.metrics_service"
PATH: tuple[str, ...] = ("runtime", "metrics_service")
ALERT_MODES = ("enable", "jsonl", "disable")
AUDIT_BACKENDS = ("auto", "file", "memory")
TOKEN_HASH_ALGORITHMS = frozenset(
    {"sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384", "sha3_512"}
)
HEX = frozenset("0123456789abcdef")
GRPC_KEY = re.compile(r"[0-9a-z._-]+")
DEFAULT_CATEGORY = "ui.performance"
# (warning field, critical field, the loader's defaults when the key is absent)
PERFORMANCE_PAIRS: tuple[tuple[str, str, float | None, float | None], ...] = (
    ("performance_event_to_frame_warning_ms", "performance_event_to_frame_critical_ms", 45.0, 60.0),
    ("cpu_utilization_warning_percent", "cpu_utilization_critical_percent", 85.0, 95.0),
    ("gpu_utilization_warning_percent", "gpu_utilization_critical_percent", None, None),
    ("ram_usage_warning_megabytes", "ram_usage_critical_megabytes", None, None),
)
_ABSENT = object()


@dataclass(frozen=True)
class UiAlertBlock:
    """One of the four UI alert blocks as the validator names them (``block`` is the name in
    its messages: ``reduce_motion_alert_category`` although the key is
    ``reduce_motion_category``)."""

    block: str
    flag: str
    mode: str
    category: str
    required: tuple[tuple[str, str], ...]  # (severity key, the loader's default)
    optional: tuple[str, ...] = ()
    threshold: str | None = None
    threshold_is_int: bool = False


UI_ALERT_BLOCKS = (
    UiAlertBlock(
        "reduce_motion",
        "reduce_motion_alerts",
        "reduce_motion_mode",
        "reduce_motion_category",
        (
            ("reduce_motion_severity_active", "warning"),
            ("reduce_motion_severity_recovered", "info"),
        ),
    ),
    UiAlertBlock(
        "overlay",
        "overlay_alerts",
        "overlay_alert_mode",
        "overlay_alert_category",
        (
            ("overlay_alert_severity_exceeded", "warning"),
            ("overlay_alert_severity_recovered", "info"),
        ),
        ("overlay_alert_severity_critical",),
        "overlay_alert_critical_threshold",
        threshold_is_int=True,
    ),
    UiAlertBlock(
        "jank",
        "jank_alerts",
        "jank_alert_mode",
        "jank_alert_category",
        (("jank_alert_severity_spike", "warning"),),
        ("jank_alert_severity_critical",),
        "jank_alert_critical_over_ms",
    ),
    UiAlertBlock(
        "performance",
        "performance_alerts",
        "performance_alert_mode",
        "performance_category",
        (
            ("performance_severity_warning", "warning"),
            ("performance_severity_critical", "critical"),
            ("performance_severity_recovered", "info"),
        ),
    ),
)


def no_path(value: Any) -> bool:
    """``_normalize_runtime_path`` gives no path: ``value in (None, "", False)`` (0 == False)."""
    return blank(value) or (not isinstance(value, str) and value == False)  # noqa: E712


def either(mapping: dict[str, Any], *keys: str) -> Any:
    """``mapping.get(a) or mapping.get(b) or ...``, as the loader reads alternative keys: the
    first truthy value, else the last key's value."""
    found: Any = None
    for key in keys:
        found = as_loaded(mapping.get(key))
        if found:
            return found
    return found


def raised(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def as_int(value: Any) -> int | str:
    """``int(value)`` as the loader calls it, or Python's error."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        return raised(exc)


def as_float(value: Any) -> float | str:
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        return raised(exc)


class MetricsRules:
    def __init__(self, v: ConfigValidator, raw: dict[str, Any]) -> None:
        self.v = v
        self.raw = raw

    def get(self, key: str, default: Any = None) -> Any:
        return as_loaded(self.raw.get(key, default))

    def loader(self, error: str, path: tuple[str | int, ...], what: str) -> None:
        """A value ``load_core_config`` raises on: the bot never gets to validate."""
        self.v.out.block(
            "config.metrics_unloadable",
            **self.v.said(f"load_core_config: {error}", path, f"{'.'.join(PATH)}: {what}"),
        )

    def error(self, rule: str, bot: str, path: tuple[str | int, ...], what: str) -> None:
        self.v.out.block(rule, **self.v.said(bot, path, what))

    # -- the loader's conversions ------------------------------------------------------------
    def integers(self) -> None:
        for key, default in (("port", 0), ("history_size", 1024)):
            converted = as_int(self.get(key, default))
            if isinstance(converted, str):
                self.loader(converted, (*PATH, key), f"{key} is not an integer")

    def mode(self, key: str) -> str | None:
        """``_normalize_alert_mode``: None, or one of enable/jsonl/disable; anything else the
        loader refuses (None here, after the finding)."""
        value = self.get(key)
        if blank(value):
            return None
        normalized = str(value).strip().lower()
        if normalized in ALERT_MODES:
            return normalized
        self.loader(
            f"ValueError: {key} musi należeć do {{enable,jsonl,disable}} (otrzymano {value!r})",
            (*PATH, key),
            f"{key} {value!r} is not one of enable, jsonl, disable",
        )
        return None

    def audit_backend(self) -> None:
        key = "ui_alerts_audit_backend"
        value = self.get(key)
        if not blank(value) and str(value).strip().lower() not in AUDIT_BACKENDS:
            self.loader(
                "ValueError: ui_alerts_audit_backend musi należeć do {auto,file,memory}",
                (*PATH, key),
                f"{key} {value!r} is not one of auto, file, memory",
            )

    def optional_number(self, key: str, default: float | None) -> float | None:
        """``_normalize_optional_float_field``: the default when absent, None when null/empty."""
        value = self.get(key, _ABSENT)
        if value is _ABSENT:
            return default
        if blank(value):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            self.loader(
                f"ValueError: {key} musi być liczbą", (*PATH, key), f"{key} is not a number"
            )
        except OverflowError as exc:
            self.loader(raised(exc), (*PATH, key), f"{key} is not a number")
        return None

    def threshold(self, block: UiAlertBlock) -> float | int | None:
        assert block.threshold is not None
        key = block.threshold
        value = self.get(key)
        if blank(value):
            return None
        kind = "liczbą całkowitą" if block.threshold_is_int else "liczbą"
        try:
            return int(value) if block.threshold_is_int else float(value)
        except (TypeError, ValueError):
            self.loader(
                f"ValueError: {key} musi być {kind}", (*PATH, key), f"{key} is not a number"
            )
        except OverflowError as exc:  # the loader does not catch it: Python's own words
            self.loader(raised(exc), (*PATH, key), f"{key} is not a number")
        return None

    # -- _validate_ui_alert_block -----------------------------------------------------------
    def ui_alert_block(self, block: UiAlertBlock) -> str:
        """The block's rules; returns its effective mode (the flag decides when none is set)."""
        mode = self.mode(block.mode)
        threshold = self.threshold(block) if block.threshold else None
        effective = mode or ("enable" if bool(self.get(block.flag, False)) else "disable")
        if effective == "disable":
            return effective
        active = f"{block.block} alerts are active ({block.mode} {effective})"
        category = str(self.get(block.category, DEFAULT_CATEGORY))
        if not category.strip():
            self.error(
                "config.metrics_ui_alert",
                f"{CONTEXT}: {block.block}_alert_category nie może być puste przy aktywnych "
                "alertach",
                (*PATH, block.category),
                f"{block.category} is empty although {active}",
            )
        for key, default in block.required:
            if not str(self.get(key, default)).strip():
                self.error(
                    "config.metrics_ui_alert",
                    f"{CONTEXT}: {key} nie może być puste przy aktywnych alertach",
                    (*PATH, key),
                    f"{key} is empty although {active}",
                )
        for key in block.optional:
            value = self.get(key)
            if not blank(value) and not str(value).strip():
                self.error(
                    "config.metrics_ui_alert",
                    f"{CONTEXT}: {key} nie może być puste jeśli jest ustawione",
                    (*PATH, key),
                    f"{key} is set but blank",
                )
        if block.threshold is not None and isinstance(threshold, int):
            try:  # the validator's float(threshold): only TypeError/ValueError are caught
                float(threshold)
            except OverflowError as exc:
                self.error(
                    "config.metrics_ui_alert",
                    f"validate_core_config: {raised(exc)}",
                    (*PATH, block.threshold),
                    f"{block.threshold} is too large for the bot's validator, which then fails",
                )
                return effective
        if block.threshold is not None and threshold is not None and threshold <= 0:
            self.error(
                "config.metrics_ui_alert",
                f"{CONTEXT}: {block.threshold} musi być dodatnie (otrzymano {threshold})",
                (*PATH, block.threshold),
                f"{block.threshold} {threshold} is not positive although {active}",
            )
        return effective

    # -- performance thresholds ---------------------------------------------------------------
    def performance_thresholds(self, active: bool) -> None:
        for warning_key, critical_key, warning_default, critical_default in PERFORMANCE_PAIRS:
            warning = self.optional_number(warning_key, warning_default)
            critical = self.optional_number(critical_key, critical_default)
            if not active:
                continue
            warning = self.positive(warning_key, warning)
            critical = self.positive(critical_key, critical)
            if warning is not None and critical is not None and critical < warning:
                self.error(
                    "config.metrics_threshold",
                    f"{CONTEXT}: {critical_key} nie może być mniejsze niż {warning_key}",
                    (*PATH, critical_key),
                    f"{critical_key} {critical} is below {warning_key} {warning}"
                    + ("" if critical_key in self.raw else " (the loader's default)"),
                )

    def positive(self, key: str, value: float | None) -> float | None:
        if value is not None and value <= 0:
            self.error(
                "config.metrics_threshold",
                f"{CONTEXT}: {key} musi być dodatnie (otrzymano {value})",
                (*PATH, key),
                f"{key} {value} is not positive although performance alerts are active",
            )
            return None
        return value

    # -- the rest -------------------------------------------------------------------------------
    def risk_profile(self) -> None:
        key = "ui_alerts_risk_profile"
        value = self.get(key)
        if blank(value):
            return
        profile = str(value).strip().lower()  # the loader lower-cases it; profile names are not
        if profile and profile not in mapping_of(self.v.raw.get("risk_profiles")):
            self.error(
                "config.metrics_risk_profile",
                f"{CONTEXT}: ui_alerts_risk_profile '{profile}' nie istnieje w sekcji "
                "risk_profiles",
                (*PATH, key),
                f"{key} {profile!r} is not a defined risk profile",
            )

    def metadata_paths(self) -> None:
        for key in ("grpc_metadata_files", "grpc_metadata_directories"):
            value = self.get(key)
            if no_path(value) or isinstance(value, str | bytes | list):
                continue
            self.loader(
                f"TypeError: {key} musi być listą ścieżek lub pojedynczą ścieżką",
                (*PATH, key),
                f"{key} is neither a path nor a list of paths",
            )


def tls_block(
    v: ConfigValidator,
    service: dict[str, Any],
    path: tuple[str, ...],
    context: str,
    rule: str,
    loader_rule: str,
) -> None:
    """The TLS rules (the same for ``runtime.metrics_service`` and ``runtime.risk_service``):
    with TLS enabled, a certificate and a private key; with client authentication, a client CA;
    pinned fingerprints the loader can parse. A ``tls`` that is not a non-empty mapping the
    loader ignores (no TLS at all)."""
    tls = service.get("tls") or {}
    if not isinstance(tls, dict) or not tls:
        return
    tpath = (*path, "tls")
    if bool(as_loaded(tls.get("enabled", False))):
        needed = [
            (key, f"{context}: TLS wymaga {key} przy włączonym szyfrowaniu")
            for key in ("certificate_path", "private_key_path")
        ]
        if bool(as_loaded(tls.get("require_client_auth", False))):
            needed.append(
                ("client_ca_path", f"{context}: TLS z require_client_auth wymaga client_ca_path")
            )
        for key, bot in needed:
            if no_path(tls.get(key)):
                v.out.block(
                    rule,
                    **v.said(
                        bot,
                        (*tpath, key),
                        f"{context}.tls is enabled without {key}"
                        + (" (require_client_auth is set)" if key == "client_ca_path" else ""),
                    ),
                )
    pins: Any = as_loaded(tls.get("pinned_fingerprints"))
    ppath: tuple[str | int, ...] = (*tpath, "pinned_fingerprints")
    if blank(pins):
        return
    if isinstance(pins, str):
        entries: list[Any] = [pins]
    else:
        try:
            entries = list(pins)
        except TypeError as exc:
            v.out.block(
                loader_rule,
                **v.said(
                    f"load_core_config: {raised(exc)}",
                    ppath,
                    f"{context}.tls.pinned_fingerprints is not a list",
                ),
            )
            return
    for index, entry in enumerate(entries):
        problem = pin_error(as_loaded(entry))
        if problem is not None:
            where = ppath if isinstance(pins, str | dict) else (*ppath, index)
            v.out.block(
                loader_rule,
                **v.said(
                    f"load_core_config: ValueError: {problem}",
                    where,
                    f"{context}.tls.pinned_fingerprints entry {entry!r} is not <algorithm>:<hex>",
                ),
            )


def pin_error(entry: Any) -> str | None:
    """``_normalize_fingerprint_pin``'s refusal, or None (null and empty entries are skipped)."""
    if blank(entry):
        return None
    text = str(entry).strip().lower()
    if not text:
        return "Fingerprint pining entry nie może być puste"  # sic: the bot's spelling
    fingerprint = text.split(":", 1)[1] if ":" in text else text
    fingerprint = fingerprint.replace(":", "").strip()
    if not fingerprint:
        return "Fingerprint pinning wymaga wartości hex"
    if any(ch not in HEX for ch in fingerprint):
        return "Fingerprint pinning powinien zawierać tylko znaki hex"
    return None


def service_tokens(
    v: ConfigValidator,
    service: dict[str, Any],
    path: tuple[str, ...],
    context: str,
    rule: str,
    loader_rule: str,
) -> None:
    """``rbac_tokens`` as ``_load_service_tokens`` reads them and ``_validate_service_tokens_block``
    judges them (``context`` is the service's, e.g. ``runtime.metrics_service``)."""
    raw = as_loaded(service.get("rbac_tokens"))
    tpath: tuple[str | int, ...] = (*path, "rbac_tokens")
    if blank(raw):
        return
    single = isinstance(raw, dict)
    try:
        entries = [raw] if single else list(raw or ())
    except TypeError as exc:
        v.out.block(
            loader_rule,
            **v.said(
                f"load_core_config: {raised(exc)}", tpath, f"{context}.rbac_tokens is not a list"
            ),
        )
        return
    number = 0  # the validator counts the entries the loader kept (mappings), from 1
    for index, item in enumerate(entries):
        if not isinstance(item, dict):
            continue  # the loader skips it
        number += 1
        where: tuple[str | int, ...] = tpath if single else (*tpath, index)
        label = f"{context}.rbac_tokens[{number}]"

        if not str(either(item, "token_id", "id") or "").strip():
            v.out.block(
                loader_rule,
                **v.said(
                    "load_core_config: ValueError: Każdy wpis rbac_tokens wymaga pola token_id",
                    where,
                    f"{label} has no token_id",
                ),
            )
            continue
        scopes = either(item, "scopes") or ()
        if not isinstance(scopes, str):
            try:
                list(scopes)
            except TypeError as exc:
                v.out.block(
                    loader_rule,
                    **v.said(
                        f"load_core_config: {raised(exc)}",
                        (*where, "scopes") if not single else (*tpath, "scopes"),
                        f"{label}.scopes is not a list",
                    ),
                )
        env = either(item, "token_env", "env", "token_env_var")
        env_name = None if no_path(env) else (str(env).strip() or None)
        value = either(item, "token_value", "value")
        token_value = None if blank(value) else str(value)
        digest_raw = either(item, "token_hash", "hash")
        token_hash = None if blank(digest_raw) else str(digest_raw)
        if not env_name and not token_value and not token_hash:
            v.out.block(
                rule,
                **v.said(
                    f"{label}: wymagane token_value, token_env lub token_hash dla definicji tokenu",
                    where,
                    f"{label} has no token_value, token_env or token_hash",
                ),
            )
        if token_hash:
            for bot, what in token_hash_errors(label, token_hash):
                v.out.block(rule, **v.said(bot, (*where, "token_hash"), what))


def token_hash_errors(label: str, token_hash: str) -> list[tuple[str, str]]:
    normalized = token_hash.strip().lower()
    algorithm, digest = normalized.split(":", 1) if ":" in normalized else ("sha256", normalized)
    algorithm, digest = algorithm.strip(), digest.strip()
    errors: list[tuple[str, str]] = []
    if algorithm and algorithm not in TOKEN_HASH_ALGORITHMS:
        errors.append(
            (
                f"{label}.token_hash wykorzystuje nieobsługiwany algorytm '{algorithm}'",
                f"{label}.token_hash uses an unsupported algorithm {algorithm!r}",
            )
        )
    if not digest:
        errors.append(
            (f"{label}.token_hash wymaga wartości skrótu hex", f"{label}.token_hash has no digest")
        )
    else:
        try:
            bytes.fromhex(digest)
        except ValueError:
            errors.append(
                (
                    f"{label}.token_hash musi zawierać poprawny zapis hex "
                    f"(otrzymano '{token_hash}')",
                    f"{label}.token_hash is not hexadecimal",
                )
            )
    return errors


def not_a_mapping(v: ConfigValidator, value: Any, path: tuple[str, ...]) -> None:
    kind = type(value).__name__
    v.out.block(
        "config.metrics_unloadable",
        **v.said(
            f"load_core_config: AttributeError: '{kind}' object has no attribute 'get'",
            path,
            f"{'.'.join(path)} is a {kind}, not a mapping",
        ),
    )


def metrics_service(v: ConfigValidator) -> None:
    """``runtime.metrics_service``: absent, null or empty is no service (nothing validated)."""
    runtime = as_loaded(v.raw.get("runtime"))
    if runtime and not isinstance(runtime, dict):
        # ``(raw.get("runtime") or {}).get("metrics_service")``: the loader fails on it (the
        # other runtime blocks would too; one finding is enough, and this block owns it)
        not_a_mapping(v, runtime, ("runtime",))
        return
    raw = as_loaded(mapping_of(runtime).get("metrics_service"))
    if not raw:
        return
    if not isinstance(raw, dict):
        not_a_mapping(v, raw, PATH)
        return
    rules = MetricsRules(v, raw)
    rules.integers()
    service_tokens(v, raw, PATH, CONTEXT, "config.metrics_token", "config.metrics_unloadable")
    GrpcMetadata(v, raw).judge()
    rules.metadata_paths()
    rules.audit_backend()
    tls_block(v, raw, PATH, CONTEXT, "config.metrics_tls", "config.metrics_unloadable")
    modes = {block.block: rules.ui_alert_block(block) for block in UI_ALERT_BLOCKS}
    rules.performance_thresholds(active=modes["performance"] != "disable")
    rules.risk_profile()
    risk_profiles_file(v, raw)


class GrpcMetadata:
    """``grpc_metadata`` as ``_normalize_grpc_metadata`` reads it: a mapping ``key: value`` or a
    list of ``key=value``/``key:value`` texts and ``{key: ..., value...: ...}`` entries; every key
    non-empty, lower-case, of ``[0-9a-z._-]``; a value from a file that exists, from inline
    base64 that decodes (UTF-8 text unless the key ends in ``-bin``). A value read from an
    environment variable cannot be judged here: the gate does not run in the bot's process
    environment, so only an empty variable name is a finding."""

    KEY = "grpc_metadata"
    RESOLVED = ("value", "value_env", "env", "value_file", "value_path")

    def __init__(self, v: ConfigValidator, raw: dict[str, Any]) -> None:
        self.v = v
        self.raw = raw

    def refuse(self, error: str, path: tuple[str | int, ...], what: str) -> None:
        self.v.out.block(
            "config.metrics_unloadable",
            **self.v.said(f"load_core_config: {error}", path, f"{CONTEXT}.{self.KEY}: {what}"),
        )

    def judge(self) -> None:
        value = as_loaded(self.raw.get(self.KEY))
        path: tuple[str | int, ...] = (*PATH, self.KEY)
        if no_path(value):  # ``value in (None, False, "")``
            return
        if isinstance(value, dict):
            for key, item in value.items():
                where = (*path, str(key))
                item = as_loaded(item)
                if isinstance(item, dict) and any(k in item for k in self.RESOLVED):
                    label = str(key).strip() or str(key)
                    if not self.resolves(item, label, where):
                        continue
                    item = self.inline(item, label, where)
                self.entry(key, item, where)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                where = (*path, index)
                item = as_loaded(item)
                if isinstance(item, dict):
                    if "key" not in item:
                        self.refuse(
                            "ValueError: grpc_metadata wpis słownika wymaga pola key",
                            where,
                            f"entry {index} has no key",
                        )
                        continue
                    key = as_loaded(item["key"])
                    label = str(key).strip() or str(key)
                    if not self.resolves(item, label, where, listed=True):
                        continue
                    self.entry(key, self.inline(item, label, where), where)
                    continue
                text = str(item)
                separator = "=" if "=" in text else ":" if ":" in text else None
                if separator is None:
                    self.refuse(
                        "ValueError: grpc_metadata element listy musi mieć format klucz=wartość "
                        "lub klucz:wartość",
                        where,
                        # not quoted: the entry is most likely a header with its secret
                        # value ("authorization Bearer ..."), which redaction does not know
                        f"entry {index} is not key=value (the bot does not quote it either)",
                    )
                    continue
                key, _, rest = text.partition(separator)
                self.entry(key, rest, where, quoted=False)
        else:
            self.refuse(
                "TypeError: grpc_metadata musi być mapą lub listą wpisów",
                path,
                "neither a mapping nor a list",
            )

    def resolves(
        self, item: dict[str, Any], label: str, where: tuple[str | int, ...], listed: bool = False
    ) -> bool:
        """``_resolve_mapping_value``'s refusals (the order the loader tries the sources)."""
        if "value" in item:
            return True
        for names, source in (
            (("value_env", "env"), "value_env"),
            (("value_env_base64", "env_base64", "value_env64"), "value_env_base64"),
        ):
            if any(name in item for name in names):
                found = either(item, *names)
                if no_path(found) or not str(found).strip():
                    self.refuse(
                        f"ValueError: grpc_metadata {source} wymaga niepustej nazwy zmiennej",
                        where,
                        f"{label}: {source} names no variable",
                    )
                return False  # set or not in the bot's environment: not the gate's to know
        for names, source in (
            (("value_file", "value_path"), "value_file"),
            (("value_file_base64", "value_file64"), "value_file_base64"),
        ):
            if any(name in item for name in names):
                found = either(item, *names)
                kind = None if no_path(found) else file_kind(self.v, str(found), where)
                if no_path(found):
                    self.refuse(
                        f"ValueError: grpc_metadata {source} wymaga ścieżki do pliku",
                        where,
                        f"{label}: {source} names no file",
                    )
                elif kind == "missing":
                    self.refuse(
                        f"ValueError: grpc_metadata {source} '{found}' nie istnieje",
                        where,
                        f"{label}: {source} {str(found)!r} does not exist",
                    )
                elif kind == "dir":  # read_text raises; the loader lets it through
                    self.refuse(
                        f"IsADirectoryError: [Errno 21] Is a directory: '{found}'",
                        where,
                        f"{label}: {source} {str(found)!r} is a folder",
                    )
                return False  # its content is read by the bot at start-up, not judged here
        if listed and any(k in item for k in ("value_base64", "value_b64")):
            return True
        self.refuse(
            "ValueError: grpc_metadata wpis słownika wymaga pola value, value_env, value_file lub "
            "wariantu base64",
            where,
            f"{label} has no value",
        )
        return False

    def inline(self, item: dict[str, Any], label: str, where: tuple[str | int, ...]) -> Any:
        """The entry's value: inline, or inline base64 decoded (None after a finding)."""
        if "value" in item:
            return as_loaded(item.get("value"))
        encoded = as_loaded(item.get("value_base64") or item.get("value_b64"))
        text = "".join(("" if encoded is None else str(encoded)).split())
        if not text:
            problem = f"grpc_metadata klucz '{label}' otrzymał pustą wartość base64 (źródło inline)"
        else:
            try:
                return base64.b64decode(text, validate=True)
            except binascii.Error:
                problem = (
                    f"grpc_metadata klucz '{label}' zawiera niepoprawną wartość base64 "
                    "(źródło inline)"
                )
        self.refuse(f"ValueError: {problem}", where, f"{label}: the base64 value does not decode")
        return None

    def entry(
        self, key: Any, value: Any, where: tuple[str | int, ...], quoted: bool = True
    ) -> None:
        """``_append_entry``: the key's rules, and binary values only under a ``-bin`` key.
        ``quoted=False`` for the key of a ``key=value`` text, which is not quoted: a malformed
        text ("authorization Bearer <base64>=") makes a key of the header's secret value."""
        text = "" if key is None else str(key).strip()
        named = f"key {text!r}" if quoted else f"the key of entry {where[-1]} (not quoted)"
        if not text:
            problem, what = "grpc_metadata wymaga niepustego klucza", "a key is empty"
        elif text != text.lower():
            problem = "grpc_metadata klucz musi być zapisany małymi literami"
            what = f"{named} is not lower-case"
        elif not GRPC_KEY.fullmatch(text):
            problem = "grpc_metadata klucz może zawierać wyłącznie [0-9a-z._-]"
            what = f"{named} has characters outside [0-9a-z._-]"
        elif isinstance(value, bytes) and not text.endswith("-bin"):
            try:
                value.decode("utf-8")
                return
            except UnicodeDecodeError:
                problem = (
                    f"grpc_metadata klucz '{text}' wymaga tekstu UTF-8 – otrzymano dane binarne"
                )
                what = f"key {text!r} has a binary value but does not end in -bin"
        else:
            return
        self.refuse(f"ValueError: {problem}", where, what)


def file_kind(v: ConfigValidator, configured: str, path: tuple[str | int, ...]) -> str | None:
    """The kind of a file the loader resolves against the config folder (``missing``, ``file``,
    ...), or None when the gate refused to look (a finding already says why)."""
    try:
        return v.deployment.files.kind(v.deployment.resolve_document(configured))
    except PathEscapesDeployment as exc:
        v.out.escaped(
            exc,
            file=v.deployment.config_file,
            line=v.deployment.line(*path),
            field=".".join(map(str, path)),
        )
    except InputRefused as exc:
        v.out.refused(exc)
    return None


def risk_profiles_file(v: ConfigValidator, raw: dict[str, Any]) -> None:
    """``ui_alerts_risk_profiles_file`` must exist; the loader resolves it against the config
    folder. (The bot's message names the absolute path it resolved; the gate quotes the
    configured one, the only one it knows.)"""
    configured = as_loaded(raw.get("ui_alerts_risk_profiles_file"))
    if no_path(configured):  # ``[]`` is a path for the loader (``str([])``), ``0`` is not
        return
    path = (*PATH, "ui_alerts_risk_profiles_file")
    if file_kind(v, str(configured), path) == "missing":
        v.out.block(
            "config.metrics_file_missing",
            **v.said(
                f"{CONTEXT}: ui_alerts_risk_profiles_file '{configured}' nie istnieje",
                path,
                f"ui_alerts_risk_profiles_file {configured!r} does not exist",
            ),
        )
