"""Keeping the deployment's secrets out of the report, the evidence and the terminal.

Checks never put a secret into a message on purpose; this is the second line of defence for what
they cannot control (an exception text, a malformed file echoed back, a channel name that is a
pasted key). Every secret value the deployment holds is gathered before anything else is read
(:func:`collect_secrets`) and replaced by ``[REDACTED]`` in every string that leaves the gate
(:class:`Redactor`):

- every regular file under ``secrets/`` and ``config/secrets/`` (also when such a folder is a
  symbolic link to another folder of the deployment), read through the kit so that a link out of
  the deployment is never followed: its raw content and lines, ``NAME=value`` lines, the keys of
  a key file (``{"keys": {id: "hex:…"|"base64:…"|raw}}``, decoded), and every value of a JSON or
  YAML secret file except descriptive fields (``exchange``, ``key_id``, ``created_at``…);
- key files the configuration names (``license_keys_path``, ``private_key_path``,
  ``hmac_key_path``…, any ``*_path``/``*_file`` of a key or credential);
- credentials written into ``config/core.yaml`` and ``config/runtime.yaml``: every value under a
  key named like ``api_key``, ``secret``, ``passphrase``, ``password``, ``token``,
  ``private_key``, ``hmac_key``, ``signing_key`` (not the keys that only name where a secret
  lives: ``*_env``, ``*_path``, ``*_id``…); when the file cannot be parsed, the same keys are
  looked for line by line, so that a malformed configuration still has its credentials redacted;
- the values of the environment variables the configuration names (``*_env`` keys such as
  ``hmac_key_env: LIVE_DECISION_LOG_HMAC``, ``env:NAME`` references) and of those the bot reads
  for secrets (FORMATS.md appendix), read from ``os.environ``.

Each secret is redacted in every form a report could show it: raw, base64 (standard and
URL-safe, with and without padding), hex (lower and upper case), URL-encoded, JSON-escaped,
Python-repr-escaped and HTML-escaped. A secret of fewer than 4 characters is redacted only where
it stands as a whole token (not inside a longer word, an HTML tag name or an entity), so that
ordinary words survive; a longer one is redacted wherever it appears.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from live_gate.errors import UnreadableInput
from live_gate.findings import Findings
from live_gate.kit.files import DeploymentFiles, Limits
from live_gate.kit.parse import NonFinite, parse_json
from live_gate.paths import ConfinedPath, PathEscapesDeployment
from live_gate.yamlsource import YamlError, parse_yaml

REDACTED = "[REDACTED]"
# Under this many characters a secret is redacted only as a whole token.
SHORT_SECRET = 4
# Kept for callers of the former API: secrets are now redacted whatever their length.
MIN_SECRET_LENGTH = SHORT_SECRET

SECRET_FOLDERS = ("secrets", "config/secrets")
CONFIG_FILES = ("config/core.yaml", "config/runtime.yaml")
# Secret files are small; a bigger file is not a key a report could echo.
READ_LIMITS = Limits(max_file_bytes=1 << 20, max_listing_entries=20_000)
# Environment variables the bot reads secrets from (FORMATS.md appendix), named or not.
KNOWN_SECRET_ENV = (
    "LIVE_DECISION_LOG_HMAC",
    "STAGE6_RESILIENCE_SIGNING_KEY",
    "CORE_SCHEDULER_TOKEN",
    "METRICS_SERVICE_AUTH_TOKEN",
    "STRESS_LAB_SIGNING_KEY",
    "PORTFOLIO_STRESS_SIGNING_KEY",
)

_CREDENTIAL_KEY = re.compile(
    r"api_?key|secret|passphrase|password|passwd|token|private_?key|hmac_?key|signing_?key"
    r"|access_?key|credentials$|authorization",
)
# gRPC metadata the bot sends with each call (runtime.*.grpc_metadata): its header values are
# credentials as often as not ("authorization=Bearer ..."), under no key that says so
_HEADER_BLOCKS = frozenset({"grpc_metadata"})
_HEADER_SEPARATORS = ("=", ":")  # the loader splits a text entry at the first
# Keys that name where a secret lives, or describe it, rather than hold it.
_REFERENCE_KEY = re.compile(
    r"(_env|_path|_paths|_file|_files|_dir|_directory|_id|_ids|_name|_names|_url|_uri|_source"
    r"|_label|_purpose|_user|_username|_type|_kind|_algorithm|_format|_backend|_provider|_ref"
    r"|_required|_enabled|_length|_bytes|_ttl|_timeout|_seconds|_minutes|_hours|_days"
    r"|_interval|_expiry|_expires_at|_created_at|_rotated_at|_at|_count|_limit|_version"
    r"|_header|_field|_scope|_scopes|_mode)$"
)
# Fields of a JSON/YAML secret file that describe a key rather than hold it.
_DESCRIPTIVE_KEYS = frozenset(
    {
        "algorithm",
        "comment",
        "created_at",
        "description",
        "environment",
        "exchange",
        "expires_at",
        "id",
        "issued_at",
        "key_id",
        "kind",
        "label",
        "name",
        "note",
        "notes",
        "owner",
        "permissions",
        "purpose",
        "roles",
        "rotated_at",
        "schema",
        "schema_version",
        "scope",
        "scopes",
        "type",
        "updated_at",
        "user",
        "username",
        "version",
    }
)
_ENV_REFERENCE = re.compile(r"\benv:([A-Za-z_][A-Za-z0-9_]*)")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# ``key: value`` or ``key = value`` anywhere in a text (block or flow YAML, JSON, dotenv)
_ENTRY = re.compile(
    r"""(?P<key>[A-Za-z0-9_.\-]+)["']?[ \t]*[:=][ \t]*"""
    r"""(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s,{}\[\]#"'&*|>][^\s,{}\[\]#]*)"""
)
_DOTENV = re.compile(r"^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=\s*(?P<value>.+?)\s*$")


# ----------------------------------------------------------------------------- collecting


def collect_secrets(deployment_root: Path) -> set[str]:
    """Every secret value the deployment holds (see the module's docstring). Never raises: an
    input the kit refuses is simply not a source of secrets (the checks report it)."""
    found: set[str] = set()
    try:
        files = DeploymentFiles(Path(deployment_root), READ_LIMITS)
        config_files = DeploymentFiles(Path(deployment_root))  # the gate's own caps
    except (OSError, ValueError):
        return found
    env_names: set[str] = set(KNOWN_SECRET_ENV)
    for folder in SECRET_FOLDERS:
        for confined in _secret_files(files, folder):
            _from_secret_file(files, confined, found, env_names)
    for relative in CONFIG_FILES:
        _from_config(config_files, files, relative, found, env_names)
    for name in env_names:
        value = os.environ.get(name)
        if value:
            found.add(value)
            found.add(value.strip())
    found.discard("")
    found.discard(REDACTED)
    return {secret for secret in found if secret.strip()}


def _secret_files(files: DeploymentFiles, folder: str) -> list[ConfinedPath]:
    try:
        directory = files.at(folder)
        # refusals (links out, FIFOs, devices) go to a findings list nobody reads: the checks
        # that need those files report them
        return files.listing(directory, Findings("redaction"), recursive=True)
    except (UnreadableInput, OSError):
        return []


def _read(files: DeploymentFiles, confined: ConfinedPath) -> bytes | None:
    try:
        return files.read_bytes(confined)
    except (UnreadableInput, OSError):
        return None


def _from_secret_file(
    files: DeploymentFiles, confined: ConfinedPath, found: set[str], env_names: set[str]
) -> None:
    raw = _read(files, confined)
    if raw is None:
        return
    # the bot strips trailing CR/LF from a key file; the whole content is the secret
    found.add(_text(raw.strip()))
    found.add(_text(raw.rstrip(b"\r\n")))
    structured = _structured(raw, confined.relative)
    if structured is not None:
        found.update(_secret_file_values(structured, env_names))
        return
    for line in raw.splitlines():
        text = _text(line.strip())
        found.add(text)
        entry = _DOTENV.match(text)
        if entry:  # NAME=value
            found.add(_unquote(entry.group("value")))
    _from_lines(raw, found, env_names)


def _structured(raw: bytes, relative: str) -> Any:
    """A JSON or YAML container, or None for anything else (a raw key, a PEM, unparseable)."""
    limits = READ_LIMITS
    try:
        value = parse_json(raw, relative, max_nesting=limits.max_nesting)
    except UnreadableInput:
        try:
            text = raw.decode("utf-8-sig")
            value = parse_yaml(
                text, max_nesting=limits.max_nesting, max_nodes=limits.max_yaml_nodes
            ).data
        except (UnicodeDecodeError, YamlError, RecursionError):
            return None
    return value if isinstance(value, dict | list) else None


def _secret_file_values(data: Any, env_names: set[str]) -> Iterator[str]:
    """Values of a secret file: all of them but descriptive fields; key-file encodings decoded."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        key, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((str(k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((key, v) for v in value)
        else:
            lowered = key.lower().replace("-", "_")
            if lowered.endswith("_env") and isinstance(value, str):
                env_names.add(value.strip())
                continue
            credential = bool(_CREDENTIAL_KEY.search(lowered))
            if lowered in _DESCRIPTIVE_KEYS or (_REFERENCE_KEY.search(lowered) and not credential):
                continue
            if not isinstance(value, str) and not credential:
                continue  # a port or a retry count is no secret; a numeric PIN under "pin_token" is
            yield from _scalar_secrets(value, env_names)


def _header_values(block: Any, env_names: set[str]) -> Iterator[str]:
    """The secrets of a header block, in each form the bot's loader reads (``name=value`` or
    ``name:value`` texts, split at the first separator; ``{key, value | value_base64}``
    entries; a ``{name: value}`` mapping): the value of every header whose name says it is a
    credential (``authorization``, ``x-api-key``...), with its last word (the token after
    ``Bearer``) and, for a text entry, the whole text; a text entry with no separator at all,
    whole and its last word (it may be a credential the loader will refuse). Other headers
    (``x-team=ops``) are not secrets: redacting their values would blank ordinary words
    everywhere."""
    entries: list[tuple[Any, Any]] = []
    if isinstance(block, dict):
        entries = list(block.items())
    elif isinstance(block, list):
        entries = [(None, entry) for entry in block]
    elif isinstance(block, str):
        entries = [(None, block)]
    for name, entry in entries:
        whole: str | None = None
        values: list[Any] = [entry]
        if isinstance(entry, dict):
            name, values = entry.get("key", name), [entry.get("value"), entry.get("value_base64")]
        elif isinstance(entry, str) and name is None:
            cuts = [entry.find(sep) for sep in _HEADER_SEPARATORS if sep in entry]
            if not cuts:  # no header at all: the text, and its last word, may be the token
                words = entry.split()
                for text in [entry, words[-1]] if len(words) > 1 else [entry]:
                    yield from _scalar_secrets(text, env_names)
                continue
            name, values, whole = entry[: min(cuts)], [entry[min(cuts) + 1 :]], entry
        if not _CREDENTIAL_KEY.search(str(name or "").strip().lower().replace("-", "_")):
            continue
        if whole is not None:
            yield from _scalar_secrets(whole, env_names)
        for value in values:
            words = str(value).split() if isinstance(value, str) else []
            for text in [value, words[-1]] if len(words) > 1 else [value]:
                if text is not None and len(str(text).strip()) >= SHORT_SECRET:
                    yield from _scalar_secrets(text, env_names)


def _scalar_secrets(value: Any, env_names: set[str]) -> Iterator[str]:
    if value is None or isinstance(value, bool | NonFinite):
        return
    text = str(value).strip()
    if not text:
        return
    reference = _ENV_REFERENCE.fullmatch(text)
    if reference:
        env_names.add(reference.group(1))
        return
    yield text
    prefix, _, rest = text.partition(":")
    decoded: bytes | None = None
    try:
        if prefix == "hex":
            decoded = bytes.fromhex(rest)
        elif prefix == "base64":
            decoded = base64.b64decode(rest, validate=False)
    except (ValueError, binascii.Error):
        decoded = None
    if prefix in ("hex", "base64"):
        yield rest
    if decoded:
        yield _text(decoded)


def _from_config(
    files: DeploymentFiles,
    key_reader: DeploymentFiles,
    relative: str,
    found: set[str],
    env_names: set[str],
) -> None:
    try:
        confined = files.at(relative)
    except UnreadableInput:
        return
    raw = _read(files, confined)
    if raw is None:
        return
    try:
        data = files.yaml(confined).data
    except UnreadableInput:
        data = None
    if data is None:
        # malformed (or an alias bomb): what the gate may echo of it is still redacted
        _from_lines(raw, found, env_names)
        return
    key_files: set[str] = set()
    found.update(_config_values(data, env_names, key_files))
    for text in _ENV_REFERENCE.findall(raw.decode("utf-8", "replace")):
        env_names.add(text)
    for configured in key_files:
        for base in (files.root, files.root / "config"):
            try:
                candidate = files.resolve(base, configured)
            except PathEscapesDeployment:
                continue
            if files.is_file(candidate):
                _from_secret_file(key_reader, candidate, found, env_names)


def _config_values(data: Any, env_names: set[str], key_files: set[str]) -> Iterator[str]:
    """Credentials written into a configuration mapping, and the names of the environment
    variables and key files it points at."""
    stack: list[tuple[str, Any, bool]] = [("", data, False)]
    while stack:
        key, value, under_credential = stack.pop()
        lowered = key.lower().replace("-", "_")
        credential = bool(_CREDENTIAL_KEY.search(lowered))
        reference = bool(_REFERENCE_KEY.search(lowered))
        if lowered in _HEADER_BLOCKS:
            yield from _header_values(value, env_names)
            continue
        if lowered.endswith("_env") or lowered == "env":
            for name in value if isinstance(value, list) else [value]:
                if isinstance(name, str) and _ENV_NAME.fullmatch(name.strip()):
                    env_names.add(name.strip())
            continue
        if lowered.endswith(("_path", "_file", "_paths", "_files")):
            if credential or "key" in lowered:
                for path in value if isinstance(value, list) else [value]:
                    if isinstance(path, str) and path.strip():
                        key_files.add(path.strip())
            continue
        if isinstance(value, dict):
            inside = under_credential or (credential and not reference)
            stack.extend((str(k), v, inside) for k, v in value.items())
            continue
        if isinstance(value, list):
            stack.extend((key, v, under_credential) for v in value)
            continue
        if isinstance(value, str):
            reference_to_env = _ENV_REFERENCE.fullmatch(value.strip())
            if reference_to_env:
                env_names.add(reference_to_env.group(1))
                continue
        if reference or (not credential and lowered in _DESCRIPTIVE_KEYS):
            continue
        if credential or under_credential:
            yield from _scalar_secrets(value, env_names)


def _from_lines(raw: bytes, found: set[str], env_names: set[str]) -> None:
    """``key: value`` / ``key = value`` lines of a file that could not be parsed."""
    text = raw.decode("utf-8", "replace")
    env_names.update(_ENV_REFERENCE.findall(text))
    for entry in _ENTRY.finditer(text):
        key = entry.group("key").lower().replace("-", "_")
        value = _unquote(entry.group("value"))
        if not value:
            continue
        if key.endswith("_env") and _ENV_NAME.fullmatch(value):
            env_names.add(value)
        elif _CREDENTIAL_KEY.search(key) and not _REFERENCE_KEY.search(key):
            found.update(_scalar_secrets(value, env_names))


def _unquote(value: str) -> str:
    value = re.sub(r"\s+#.*$", "", value).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value.strip()


def _text(data: bytes) -> str:
    """Bytes as a string that round-trips (a binary key keeps every byte)."""
    return data.decode("utf-8", "surrogateescape")


# ----------------------------------------------------------------------------- forms


_ESCAPES: tuple[Callable[[str], str], ...] = (
    lambda text: json.dumps(text)[1:-1],
    lambda text: json.dumps(text, ensure_ascii=False)[1:-1],
    lambda text: repr(text)[1:-1],
    lambda text: ascii(text)[1:-1],
)


def forms(secret: str) -> set[str]:
    """Every form in which ``secret`` could reach a report: raw, base64 (standard and URL-safe,
    padded or not), hex (lower and upper), URL-encoded, JSON-, repr- and HTML-escaped."""
    data = secret.encode("utf-8", "surrogateescape")
    result: set[str] = set()
    is_text = not any("\udc80" <= ch <= "\udcff" for ch in secret)
    if is_text:
        # escaped once or twice (a JSON string quoted with repr() in a finding), then HTML-escaped
        escaped = {secret}
        for _ in range(2):
            escaped |= {escape(text) for text in escaped for escape in _ESCAPES}
        for text in escaped:
            result.update({text, html.escape(text), html.escape(text, quote=False)})
            result.add(  # markupsafe's (Jinja's) numeric quotes
                html.escape(text, quote=False).replace('"', "&#34;").replace("'", "&#39;")
            )
    else:
        result.add(repr(data)[2:-1])
    result.update({data.hex(), data.hex().upper()})
    for encoded in (base64.b64encode(data), base64.urlsafe_b64encode(data)):
        text = encoded.decode("ascii")
        result.update({text, text.rstrip("=")})
    for quoted in (
        urllib.parse.quote_from_bytes(data, safe=""),
        urllib.parse.quote_from_bytes(data, safe="/"),
        urllib.parse.quote_plus(data, safe=""),
    ):
        result.update({quoted, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quoted)})
    result.discard("")
    return result


# ----------------------------------------------------------------------------- redacting

# Values the gate itself writes into the evidence (enums, digests, instants, requirement ids):
# never the deployment's text, and bound by the evidence schema, so never redacted. A digest the
# gate computed is not a disclosure even when a secret happens to equal it (anyone holding the
# file computes the same value), while redacting it would make the evidence fail its own schema
# and break `live-gate verify`. The list is completed from the schema itself: every property the
# schema constrains (pattern, enum, const, format) is the gate's own, so a field added to the
# schema later cannot be broken by a secret.
_LISTED_OWN_FIELDS = frozenset(
    {
        "schema",
        "verdict",
        "deployment_kind",
        "config_sha256",
        "phase",
        "as_of",
        "generated_at",
        "status",
        "id",
        "requirement",
        "severity",
        "sha256",
        "covered",
        "uncovered",
        "keyword",
    }
)


def _schema_constrained_fields() -> frozenset[str]:
    """Names of the evidence schema's properties whose values it constrains (a pattern, an enum,
    a const, a format, directly, through ``$defs`` or as array items)."""
    schema = json.loads(
        (Path(__file__).parent / "schemas" / "evidence.schema.json").read_text("utf-8")
    )
    definitions: dict[str, Any] = schema.get("$defs", {})

    def constrained(node: Any, depth: int = 0) -> bool:
        if not isinstance(node, dict) or depth > 8:
            return False
        if any(key in node for key in ("pattern", "enum", "const", "format")):
            return True
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return constrained(definitions.get(ref.rsplit("/", 1)[-1]), depth + 1)
        return node.get("type") == "array" and constrained(node.get("items"), depth + 1)

    names: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                names.update(k for k, v in properties.items() if constrained(v))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(names)


_GATE_OWN_FIELDS = _LISTED_OWN_FIELDS | _schema_constrained_fields()
# A short secret is a whole token: not inside a word (letters, digits, '_', '-': "PRE-3" keeps
# its 3), an HTML tag or attribute name, or an entity.
_BEFORE = r"(?<![\w&#-])(?<!<)(?<!</)"
_AFTER = r"(?![\w=-])"


# Screening forms are reduced to those containing no other (a padded base64 contains the
# unpadded one, an escaped form the raw text it escapes) up to this many forms; a deployment with
# more secrets is screened with every form rather than in quadratic time.
_MINIMISE_UP_TO = 1_000
# Strings up to this length are remembered with their redacted text (a run redacts the same
# titles, paths and remedies thousands of times), at most _MEMO_ENTRIES of them at a time.
_MEMO_LENGTH = 4_096
_MEMO_ENTRIES = 20_000


def _screen(every: Iterable[str]) -> tuple[str, ...]:
    """Forms such that a string holding any form holds one of them: a necessary condition checked
    with a few substring searches instead of one per form. (No case folding: ``str.lower`` maps a
    final sigma by its context, so a lowered form need not be inside the lowered string.)"""
    shortest_first = sorted(set(every), key=len)
    if len(shortest_first) > _MINIMISE_UP_TO:
        return tuple(shortest_first)
    kept: list[str] = []
    for form in shortest_first:  # a form is dropped when a kept one is inside it
        if not any(small in form for small in kept):
            kept.append(form)
    return tuple(kept)


class Redactor:
    def __init__(self, secrets: Iterable[str] | None = None) -> None:
        self._long: set[str] = set()
        self._short: set[str] = set()
        self._patterns: dict[tuple[str, ...], re.Pattern[str]] = {}
        self._forms: list[str] = []
        self._screen: tuple[str, ...] = ()
        self._memo: dict[str, str] = {}
        self.add(set(secrets or ()))

    def add(self, secrets: Iterable[str]) -> None:
        for secret in secrets:
            if not secret or not secret.strip() or secret == REDACTED:
                continue
            target = self._short if len(secret) < SHORT_SECRET else self._long
            target.update(forms(secret))
        self._short -= self._long  # a form a long secret shares is redacted everywhere
        # longest first, so that a secret containing another is replaced whole
        self._forms = sorted(self._long | self._short, key=lambda form: (-len(form), form))
        self._screen = _screen(self._forms)
        self._patterns.clear()
        self._memo.clear()

    def text(self, value: str) -> str:
        """``value`` with every form of every secret replaced by ``[REDACTED]``. It is screened
        with the few forms of which every form holds one; only a string that passes is searched
        form by form and rewritten."""
        if len(value) > _MEMO_LENGTH:
            return self._redact(value)
        done = self._memo.get(value)
        if done is None:
            if len(self._memo) >= _MEMO_ENTRIES:
                self._memo.clear()
            done = self._memo[value] = self._redact(value)
        return done

    def _redact(self, value: str) -> str:
        if not any(form in value for form in self._screen):
            return value
        present = tuple(form for form in self._forms if form in value)
        if not present:
            return value
        pattern = self._patterns.get(present)
        if pattern is None:
            if len(self._patterns) > 256:
                self._patterns.clear()
            pattern = re.compile(
                "|".join(
                    f"{_BEFORE}{re.escape(form)}{_AFTER}"
                    if form in self._short
                    else re.escape(form)
                    for form in present
                )
            )
            self._patterns[present] = pattern
        return pattern.sub(REDACTED, value)

    def data(self, value: Any, field: str | None = None) -> Any:
        if field in _GATE_OWN_FIELDS:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(v, field) for v in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v, str(k)) for k, v in value.items()}
        return value
