"""PRE-4 licences: the OEM licence as the bot validates it (``validate_license``, FORMATS.md
§3.1), judged at ``--as-of``, plus what the runbook adds: the licence must allow going live.

Every file (licence, fingerprint, revocation list, key files) is read through
``deployment.files``: a link out of the deployment, a FIFO or an oversized file is a finding
naming it. Signatures are verified by :func:`live_gate.kit.signatures.verifies` (HMAC-SHA256/384
over the canonical payload, exactly as the bot's licence verifier: no path normalisation, no
retry without digests); the algorithm's case does not matter and a missing one is HMAC-SHA256,
as in the bot. The schema name is compared case-insensitively, the schema version exactly (the
bot's rules). ``issued_at`` a little after ``--as-of`` is a warning as in the bot; more than an
hour after, and a revocation list's ``generated_at`` after ``--as-of`` plus the clock skew, block
(the gate is stricter on purpose). ``max_validity_days`` and ``revocation_list_max_age_hours``
must be finite numbers when set.

Also as the bot (``validate_license``, checked against files its code wrote:
tests/contract): an embedded ``fingerprint_payload`` must match the licence's fingerprint and
carry a ``fingerprint_signature`` that verifies with the fingerprint keys; ``seat_policy`` (or
``multi_seat``) with ``hard``/``strict`` enforcement and no ``auto_assign`` must assign this
device; ``subscription`` timestamps must be readable (a lapsed subscription is a warning, as in
the bot); a revocation object must hold ``revoked``, ``revocations`` or ``licenses``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from live_gate import signing
from live_gate.checks import Findings
from live_gate.kit import InputRefused
from live_gate.kit.signatures import Envelope, verifies
from live_gate.kit.values import finite_number, judge_instant, read_instant
from live_gate.paths import ConfinedPath, PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.deployment import Deployment
from live_gate.resources.licence import (
    LicenceConfig,
    MalformedFile,
    envelope,
    generated_at,
    licence_config,
    read_json,
    read_keys,
    resolve,
    revoked_ids,
)
from live_gate.timeutil import iso

REQUIREMENT = "PRE-4"
ISSUED_AHEAD_TOLERANCE = timedelta(hours=1)
REQUIRED_FIELDS = (
    "profile",
    "issuer",
    "schema",
    "schema_version",
    "license_id",
    "issued_at",
    "expires_at",
)


class _Licence:
    """State shared by the rules of one check run."""

    def __init__(
        self, deployment: Deployment, config: LicenceConfig, out: Findings, policy: Policy
    ) -> None:
        self.deployment = deployment
        self.files = deployment.files
        self.config = config
        self.out = out
        self.skew = timedelta(seconds=policy.clock_skew_seconds)

    def present(self, confined: ConfinedPath) -> bool | None:
        """True for a regular file, False when absent, None (and ``input.refused``) for a link
        out of the deployment, a FIFO, a device or a folder."""
        try:
            return self.files.present(confined)
        except InputRefused as exc:
            self.out.refused(exc)
            return None

    def number(self, key: str, unit: str) -> float | None:
        """A numeric setting of the license section, None when unset; a non-finite or
        non-numeric value is a finding (the bot would compare with NaN and pass)."""
        value = self.config.get(key)
        if value is None:
            return None
        number = finite_number(value)
        if number is None:
            self.out.not_a_number(
                "license.setting_not_a_number",
                f"license.{key}",
                value,
                f"a finite number of {unit}",
                line=self.line(key),
                field=f"license.{key}",
            )
        return number

    def line(self, key: str | None = None) -> int | None:
        return self.deployment.line("license", key) if key else self.deployment.line("license")

    def path(self, key: str, what: str, *, required: bool = True) -> ConfinedPath | None:
        configured = self.config.get(key)
        if not configured:
            if required:
                self.out.block(
                    f"license.{key}_unset",
                    f"license.{key} is not set: {what}",
                    line=self.line(),
                    field=f"license.{key}",
                    expected="a path relative to the working directory",
                    found="absent",
                )
            return None
        try:
            return resolve(self.deployment, str(configured))
        except PathEscapesDeployment as exc:
            self.out.escaped(exc, line=self.line(key), field=f"license.{key}")
            return None

    def keys(self, key: str, what: str) -> dict[str, bytes] | None:
        confined = self.path(key, f"without it the bot cannot verify {what}")
        if confined is None:
            return None
        present = self.present(confined)
        if present is None:
            return None
        if not present:
            self.out.block(
                "license.key_file_missing",
                f"the {what} key file does not exist",
                line=self.line(key),
                field=f"license.{key}",
                expected=f"a key file at {confined.relative}",
                found="no such file",
            )
            return None
        try:
            return read_keys(self.files, confined)
        except InputRefused as exc:
            self.out.refused(exc)
            return None
        except MalformedFile as exc:
            self.out.block(
                "license.key_file_invalid",
                f"the {what} key file is malformed: {exc}",
                file=confined.relative,
                expected='{"keys": {key_id: "hex:…"}}',
                found="malformed key file",
            )
            return None

    def document(
        self, key: str, what: str, rule: str
    ) -> tuple[Any, dict[str, Any] | None, ConfinedPath] | None:
        confined = self.path(key, f"no {what} can be checked")
        if confined is None:
            return None
        present = self.present(confined)
        if present is None:
            return None
        if not present:
            self.out.block(
                rule,
                f"the {what} does not exist",
                line=self.line(key),
                field=f"license.{key}",
                expected=f"a file at {confined.relative}",
                found="no such file",
            )
            return None
        self.out.read(confined.relative)
        try:
            payload, signature = envelope(read_json(self.files, confined))
        except InputRefused as exc:
            self.out.refused(exc)
            return None
        except MalformedFile as exc:
            self.out.block(
                "license.malformed",
                f"the {what} is malformed: {exc}",
                file=confined.relative,
                expected='{"payload": {...}, "signature": {...}}',
                found=str(exc),
            )
            return None
        if not isinstance(payload, dict):
            self.out.block(
                "license.malformed",
                f"the {what}'s payload is not an object",
                file=confined.relative,
                expected="a JSON object",
                found=type(payload).__name__,
            )
            return None
        return payload, signature, confined

    def verify(
        self,
        what: str,
        payload: Any,
        signature: dict[str, Any] | None,
        keys: dict[str, bytes] | None,
        confined: ConfinedPath,
        prefix: str,
    ) -> bool:
        if signature is None:
            self.out.block(
                f"{prefix}.unsigned",
                f"the {what} is not signed",
                file=confined.relative,
                field="signature",
                expected="an HMAC-SHA256/384 signature",
                found="absent",
            )
            return False
        # The bot upper-cases the algorithm and defaults it to HMAC-SHA256 (licence verifier,
        # build_hmac_signature): "hmac-sha384" verifies there, so it verifies here.
        algorithm = str(signature.get("algorithm") or "HMAC-SHA256").strip().upper()
        signature = {**signature, "algorithm": algorithm}
        if algorithm not in signing.ALGORITHMS:
            self.out.block(
                f"{prefix}.signature_algorithm",
                f"the {what}'s signature uses an unsupported algorithm",
                file=confined.relative,
                field="signature.algorithm",
                expected="HMAC-SHA256 or HMAC-SHA384",
                found=algorithm,
            )
            return False
        if keys is None:
            return False  # the key file's own finding explains it
        key_id = str(signature.get("key_id", ""))
        if key_id not in keys:
            self.out.block(
                f"{prefix}.key_missing",
                f"the {what} is signed with key {key_id!r}, which the key file lacks",
                file=confined.relative,
                field="signature.key_id",
                expected="one of " + ", ".join(sorted(keys)),
                found=key_id,
            )
            return False
        signed = Envelope(file=confined.relative, payload=payload, signature=signature)
        if not verifies(
            signed,
            keys[key_id],
            algorithms=tuple(signing.ALGORITHMS),
            normalise_paths=False,
            retry_without_digests=False,
        ):
            self.out.block(
                f"{prefix}.signature_invalid",
                f"the {what}'s signature does not verify with key {key_id!r}",
                file=confined.relative,
                field="signature.value",
                expected=f"a valid {algorithm}",
                found="signature mismatch",
            )
            return False
        return True


def check_licence(deployment: Deployment, policy: Policy, as_of: datetime) -> Findings:
    out = Findings(REQUIREMENT, deployment.config_file)
    config = licence_config(deployment)
    if config is None:
        out.block(
            "license.section_missing",
            "the configuration has no license section: the bot would not validate any licence",
            line=1,
            field="license",
            expected="a license section naming the licence, fingerprint and key files",
            found="absent",
        )
        return out
    licence = _Licence(deployment, config, out, policy)
    _check_live_allowed(licence, policy)
    licence_keys = licence.keys("license_keys_path", "licence")
    fingerprint_keys = licence.keys("fingerprint_keys_path", "fingerprint")
    loaded = licence.document("license_path", "licence", "license.file_missing")
    if loaded is None:
        _check_revocation(licence, None, as_of)
        return out
    payload, signature, confined = loaded
    licence.verify("licence", payload, signature, licence_keys, confined, "license")
    missing = [k for k in REQUIRED_FIELDS if not payload.get(k)]
    for key in missing:
        out.block(
            "license.field_missing",
            f"the licence has no {key}",
            file=confined.relative,
            field=f"payload.{key}",
            expected=f"a {key}",
            found="absent",
        )
    _check_identity(licence, payload, confined, policy)
    max_days = licence.number("max_validity_days", "days")
    if "issued_at" not in missing and "expires_at" not in missing:
        _check_validity(licence, payload, confined, as_of, max_days)
    _check_embedded_fingerprint(licence, payload, confined, fingerprint_keys)
    _check_fingerprint(licence, payload, fingerprint_keys)
    _check_seats(licence, payload, confined)
    _check_subscription(licence, payload, confined, as_of)
    _check_revocation(licence, payload.get("license_id"), as_of)
    return out


def _check_live_allowed(licence: _Licence, policy: Policy) -> None:
    allowed = [p.lower() for p in licence.config.strings("allowed_profiles")]
    live = [p.lower() for p in policy.live_license_profiles]
    if allowed and not set(allowed) & set(live):
        licence.out.block(
            "license.no_live_profile",
            "the licence policy allows no live profile: a licence it accepts cannot cover "
            "live trading",
            line=licence.line("allowed_profiles"),
            field="license.allowed_profiles",
            expected=f"a list including a live profile ({', '.join(policy.live_license_profiles)})",
            found=licence.config.strings("allowed_profiles"),
        )


def _check_identity(
    licence: _Licence, payload: dict[str, Any], confined: ConfinedPath, policy: Policy
) -> None:
    out, config, file = licence.out, licence.config, confined.relative
    # The bot compares the schema name lower-cased (schema_version exactly).
    required_schema = str(config.get("required_schema"))
    schema = str(payload.get("schema") or "").strip().lower()
    if schema and schema != required_schema.strip().lower():
        out.block(
            "license.schema",
            "the licence has the wrong schema",
            file=file,
            field="payload.schema",
            expected=required_schema,
            found=payload["schema"],
        )
    versions = config.strings("allowed_schema_versions")
    if payload.get("schema_version") and str(payload["schema_version"]) not in versions:
        out.block(
            "license.schema_version",
            "the licence's schema version is not allowed",
            file=file,
            field="payload.schema_version",
            expected=f"one of {versions}",
            found=payload["schema_version"],
        )
    issuers = [i.lower() for i in config.strings("allowed_issuers")]
    if payload.get("issuer") and issuers and str(payload["issuer"]).lower() not in issuers:
        out.block(
            "license.issuer_not_allowed",
            "the licence's issuer is not allowed",
            file=file,
            field="payload.issuer",
            expected=f"one of {config.strings('allowed_issuers')}",
            found=payload["issuer"],
        )
    profiles = [p.lower() for p in config.strings("allowed_profiles")]
    profile = str(payload.get("profile", "")).lower()
    if profile and profiles and profile not in profiles:
        out.block(
            "license.profile_not_allowed",
            "the licence's profile is not allowed by the configuration",
            file=file,
            field="payload.profile",
            expected=f"one of {config.strings('allowed_profiles')}",
            found=payload["profile"],
        )
    live = [p.lower() for p in policy.live_license_profiles]
    if profile and profile not in live:
        out.block(
            "license.profile_not_live",
            f"the licence's profile {payload['profile']!r} does not cover live trading",
            file=file,
            field="payload.profile",
            expected=f"a live profile ({', '.join(policy.live_license_profiles)})",
            found=payload["profile"],
        )


def _check_validity(
    licence: _Licence,
    payload: dict[str, Any],
    confined: ConfinedPath,
    as_of: datetime,
    max_days: float | None,
) -> None:
    out, file = licence.out, confined.relative
    # issued_at after --as-of plus the clock skew (the bot's 5-minute tolerance): the bot only
    # warns (license.time.issued_in_future), and so does the gate up to ISSUED_AHEAD_TOLERANCE.
    # Beyond that the gate blocks on purpose: a licence issued hours after the instant judged did
    # not exist then (issuer and host clocks differ by minutes, not hours); README "Where the gate
    # is stricter than the bot".
    issued = licence.out.instant(
        "license.issued_at",
        "the licence's issued_at",
        payload.get("issued_at"),
        as_of=as_of,
        skew=licence.skew + ISSUED_AHEAD_TOLERANCE,
        file=file,
        field="payload.issued_at",
    )
    if issued is not None and issued > as_of + licence.skew:
        out.warn(
            "license.issued_at.slightly_ahead",
            "the licence's issued_at is a little after the evaluation instant (the bot warns)",
            file=file,
            field="payload.issued_at",
            expected=f"at or before {iso(as_of + licence.skew)}",
            found=iso(issued),
        )
    # expires_at: a deadline, in the future by design
    expires, problem = read_instant(payload.get("expires_at"))
    if problem is not None:
        out.block(
            "license.expires_at_invalid",
            "the licence's expires_at is not an ISO-8601 instant",
            file=file,
            field="payload.expires_at",
            expected=problem.expected,
            found=problem.found,
        )
    if expires is None:
        return
    if expires <= as_of:
        out.block(
            "license.expired",
            f"the licence has expired at {iso(as_of)}",
            file=file,
            field="payload.expires_at",
            expected=f"after {iso(as_of)}",
            found=iso(expires),
        )
    elif expires - as_of <= timedelta(days=30):
        out.warn(
            "license.expiring_soon",
            f"the licence expires in {(expires - as_of).days} days",
            file=file,
            field="payload.expires_at",
            expected="more than 30 days of validity left",
            found=iso(expires),
        )
    if issued is None:
        return
    if expires <= issued:
        out.block(
            "license.window_invalid",
            "the licence expires before it is issued",
            file=file,
            field="payload.expires_at",
            expected=f"after {iso(issued)}",
            found=iso(expires),
        )
        return
    valid_days = (expires - issued).total_seconds() / 86400
    if max_days is not None and valid_days > max_days:
        out.block(
            "license.validity_too_long",
            f"the licence is valid for {(expires - issued).days} days, more than the "
            f"{max_days:g} allowed",
            file=file,
            field="payload.expires_at",
            expected=f"at most {max_days:g} days after issued_at",
            found=iso(expires),
        )


def _check_fingerprint(
    licence: _Licence, payload: dict[str, Any], keys: dict[str, bytes] | None
) -> None:
    loaded = licence.document(
        "fingerprint_path", "hardware fingerprint", "license.fingerprint_missing"
    )
    if loaded is None:
        return
    fp_payload, fp_signature, confined = loaded
    licence.verify(
        "hardware fingerprint", fp_payload, fp_signature, keys, confined, "license.fingerprint"
    )
    expected = payload.get("fingerprint")
    expected_value = expected.get("value") if isinstance(expected, dict) else expected
    actual = fp_payload.get("fingerprint")
    actual_value = actual.get("value") if isinstance(actual, dict) else actual
    if expected_value != actual_value:
        licence.out.block(
            "license.fingerprint_mismatch",
            "the licence is bound to another machine's fingerprint",
            file=confined.relative,
            field="payload.fingerprint.value",
            expected=str(expected_value),
            found=str(actual_value),
        )


def _check_revocation(licence: _Licence, licence_id: Any, as_of: datetime) -> None:
    out, config = licence.out, licence.config
    required = bool(config.get("revocation_required"))
    signature_required = bool(config.get("revocation_signature_required"))
    confined = licence.path(
        "revocation_list_path", "revocations cannot be checked", required=required
    )
    if confined is None:
        return
    present = licence.present(confined)
    if present is None:
        return
    if not present:
        message = "the revocation list does not exist"
        where = {
            "line": licence.line("revocation_list_path"),
            "field": "license.revocation_list_path",
            "expected": f"a file at {confined.relative}",
            "found": "no such file",
        }
        if required:
            out.block("revocation.list_missing", message, **where)
        else:
            out.warn("revocation.list_missing", message, **where)
        return
    out.read(confined.relative)
    try:
        document, signature = envelope(read_json(licence.files, confined), bare_allowed=True)
        listed = revoked_ids(document)
    except InputRefused as exc:
        out.refused(exc)
        return
    except MalformedFile as exc:
        out.block(
            "revocation.malformed",
            f"the revocation list is malformed: {exc}",
            file=confined.relative,
            expected="a revocation document",
            found=str(exc),
        )
        return
    if listed is None:
        # The bot: license.revocation.missing_section, an error whether or not the list is
        # required.
        out.block(
            "revocation.section_missing",
            "the revocation list has no revoked, revocations or licenses section",
            file=confined.relative,
            field="revoked",
            expected="a 'revoked' (or 'revocations'/'licenses') list of licence ids",
            found="absent",
        )
    revoked = listed or {}
    if signature_required:
        keys = licence.keys("revocation_keys_path", "revocation list")
        licence.verify("revocation list", document, signature, keys, confined, "revocation")
    _check_generated_at(licence, document, confined, required, as_of)
    if licence_id is not None and str(licence_id) in revoked:
        reason = revoked[str(licence_id)]
        out.block(
            "license.revoked",
            f"the licence {licence_id} is revoked" + (f": {reason}" if reason else ""),
            file=confined.relative,
            expected="the licence not listed",
            found=f"listed as {licence_id}",
        )


def _check_generated_at(
    licence: _Licence, document: Any, confined: ConfinedPath, required: bool, as_of: datetime
) -> None:
    """The list's ``generated_at``: never after ``--as-of`` plus the skew, and with
    ``revocation_list_max_age_hours`` no older than that. Missing or stale is an error only when
    the list is required (the bot's rule), a warning otherwise; unreadable or future always."""
    max_age = licence.number("revocation_list_max_age_hours", "hours")
    # beyond a century the bound holds nothing (and timedelta would overflow)
    age = timedelta(hours=max_age) if max_age is not None and max_age < 876_000 else None
    stamp = generated_at(document)
    where: dict[str, Any] = {"file": confined.relative, "field": "generated_at"}
    if required:
        licence.out.instant(
            "revocation.generated_at",
            "the revocation list",
            stamp,
            as_of=as_of,
            skew=licence.skew,
            max_age=age,
            required=max_age is not None,
            **where,
        )
        return
    _, problem = judge_instant(stamp, as_of=as_of, skew=licence.skew, max_age=age)
    if problem is None or (problem.kind == "missing" and max_age is None):
        return
    report = licence.out.warn if problem.kind in ("missing", "stale") else licence.out.block
    report(
        f"revocation.generated_at.{problem.kind}",
        f"the revocation list's generated_at: {problem.kind.replace('_', ' ')}",
        expected=problem.expected,
        found=problem.found,
        **where,
    )


def _fingerprint_value(value: Any) -> str | None:
    """The bot's reading of a fingerprint: a bare string or ``{"value": ...}``, stripped."""
    if isinstance(value, dict):
        value = value.get("value")
    return value.strip() or None if isinstance(value, str) else None


def _check_embedded_fingerprint(
    licence: _Licence,
    payload: dict[str, Any],
    confined: ConfinedPath,
    keys: dict[str, bytes] | None,
) -> None:
    """``fingerprint_payload`` (what scripts/oem_provision_license.py embeds): its fingerprint
    must be the licence's, and it must carry a ``fingerprint_signature`` that verifies with the
    fingerprint keys (bot: license.fingerprint.payload_mismatch / signature_missing /
    signature.mismatch). A licence without it is not judged here, as in the bot."""
    embedded = payload.get("fingerprint_payload")
    if not isinstance(embedded, dict):
        return
    out, file = licence.out, confined.relative
    own = _fingerprint_value(payload.get("fingerprint"))
    signed = _fingerprint_value(embedded.get("fingerprint"))
    if own and signed and own != signed:
        out.block(
            "license.fingerprint_payload.mismatch",
            "the licence's fingerprint is not the one in its signed fingerprint_payload",
            file=file,
            field="payload.fingerprint_payload.fingerprint",
            expected=own,
            found=signed,
        )
    signature = payload.get("fingerprint_signature")
    if not isinstance(signature, dict):
        out.block(
            "license.fingerprint_payload.unsigned",
            "the licence embeds a fingerprint_payload without a fingerprint_signature",
            file=file,
            field="payload.fingerprint_signature",
            expected="an HMAC signature of fingerprint_payload by a fingerprint key",
            found="absent",
        )
        return
    licence.verify(
        "embedded fingerprint_payload",
        embedded,
        signature,
        keys,
        confined,
        "license.fingerprint_payload",
    )


def _seat_int(value: Any) -> int | None:
    number = finite_number(value)
    return int(number) if number is not None else None


def _check_seats(licence: _Licence, payload: dict[str, Any], confined: ConfinedPath) -> None:
    """``seat_policy`` (or ``multi_seat``) as the bot reads it: a device not among the assigned
    seats is an error under ``hard``/``strict`` enforcement without ``auto_assign``, a warning
    otherwise; a negative total is an error."""
    section = payload.get("seat_policy")
    name = "seat_policy"
    if not isinstance(section, dict):
        section, name = payload.get("multi_seat"), "multi_seat"
    if not isinstance(section, dict):
        return
    out, file = licence.out, confined.relative
    total = _seat_int(section.get("total") or section.get("seats") or section.get("limit"))
    if total is not None and total < 0:
        out.block(
            "license.seats.invalid_total",
            "the licence's seat total is negative",
            file=file,
            field=f"payload.{name}.total",
            expected="a positive number of seats",
            found=str(total),
        )
        total = None
    raw = section.get("assignments") or section.get("allocated") or section.get("devices") or []
    assigned = [str(a).strip() for a in raw] if isinstance(raw, list) else []
    device = _fingerprint_value(payload.get("fingerprint")) or _fingerprint_value(
        (payload.get("fingerprint_payload") or {}).get("fingerprint")
        if isinstance(payload.get("fingerprint_payload"), dict)
        else None
    )
    if not device or total in (None, 0) or device in assigned:
        return
    enforcement = str(section.get("enforcement") or section.get("mode") or "").strip().lower()
    where: dict[str, Any] = {
        "file": file,
        "field": f"payload.{name}.assignments",
        "expected": f"this device's fingerprint {device} among the assigned seats",
        "found": ", ".join(assigned) or "no seat assigned",
    }
    if enforcement in ("hard", "strict") and not section.get("auto_assign"):
        out.block(
            "license.seats.not_assigned",
            f"the licence enforces its seats ({enforcement}) and this device has none",
            **where,
        )
    else:
        out.warn("license.seats.not_assigned", "this device has no assigned seat", **where)


def _bot_timestamp(value: Any) -> tuple[datetime | None, bool]:
    """The bot's licence timestamp parser: ISO-8601 by ``datetime.fromisoformat`` with a
    trailing Z, naive read as UTC. Returns (instant, readable)."""
    if value in (None, ""):
        return None, True
    text = str(value).strip()
    if not text:
        return None, True
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None, False
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)), True


def _check_subscription(
    licence: _Licence, payload: dict[str, Any], confined: ConfinedPath, as_of: datetime
) -> None:
    """``subscription``: an unreadable period or renewal timestamp is an error (the bot's
    license.timestamp.invalid); an ended period, a due renewal, an expired grace period or a
    status other than active/trial are warnings, as in the bot."""
    section = payload.get("subscription")
    if not isinstance(section, dict):
        return
    out, file = licence.out, confined.relative
    raw_period = section.get("current_period")
    period: dict[str, Any] = raw_period if isinstance(raw_period, dict) else {}
    stamps = {
        "start": period.get("start")
        or period.get("from")
        or section.get("period_start")
        or section.get("start"),
        "end": period.get("end")
        or period.get("to")
        or section.get("period_end")
        or section.get("end"),
        "renews_at": section.get("renews_at") or section.get("renews_on"),
    }
    parsed: dict[str, datetime | None] = {}
    for label, value in stamps.items():
        instant, readable = _bot_timestamp(value)
        parsed[label] = instant
        if not readable:
            out.block(
                "license.subscription.timestamp_invalid",
                f"the licence's subscription {label} is not an ISO-8601 timestamp",
                file=file,
                field=f"payload.subscription.{label}",
                expected="an ISO-8601 timestamp, e.g. 2026-01-01T00:00:00Z",
                found=repr(value),
            )
    where: dict[str, Any] = {"file": file, "field": "payload.subscription"}
    end, renews = parsed["end"], parsed["renews_at"]
    if end is not None and end <= as_of:
        out.warn(
            "license.subscription.period_ended",
            "the subscription period has ended",
            found=iso(end),
            **where,
        )
    if renews is not None and renews <= as_of:
        out.warn(
            "license.subscription.renewal_due",
            "the subscription is due for renewal",
            found=iso(renews),
            **where,
        )
    status = str(section.get("status") or "active").strip().lower()
    if status not in ("active", "trial"):
        out.warn(
            "license.subscription.status", f"the subscription is {status!r}", found=status, **where
        )
