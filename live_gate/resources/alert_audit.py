"""The file alert audit log (``FileAlertAuditLog``, FORMATS.md §2.2): one JSONL file per UTC day.

PRE-3 (every record parses and is dated no later than the evaluation instant), ACT-4 (the test
alert reached every channel; nothing critical was throttled) and ESC-1 (every critical alert is
acknowledged) all judge the same log. It is read **once** per environment and evaluation, in one
streamed pass that keeps aggregates, never the records: a log of several gigabytes is judged in
bounded memory (``benchmarks/bench_alert_audit.py``). What each check needs is kept:

- the files listed (through ``deployment.files``: a daily log that is a symbolic link out, a FIFO
  or a folder named like a log is refused, naming it) and those that could not be read through;
- the first :data:`REPORTED` invalid records (not JSON, not the schema, an unreadable or future
  timestamp) and how many there are;
- per channel, how many critical test alerts fall in the alert-test window; test alerts dated
  after the evaluation instant (never "recent": a finding);
- suppressed (``__suppressed__``) critical or throttle-exempt alerts in the window;
- critical alerts and acknowledgements in the escalation window, by alert key (at most
  :data:`MAX_TRACKED` of each: beyond that the log cannot be judged in bounded memory and ESC-1
  says so).

Records are checked against ``schemas/alert_audit_record.schema.json`` through
:class:`FlatRecordCheck`, an exact fast path compiled from that schema: a record it passes is valid
for the schema; every other record goes to the cached JSON Schema validator, whose message is the
one reported. The fast path is never weaker than the schema (``tests/test_hostile_b.py`` proves
the verdicts equal on valid and invalid records).
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from live_gate.errors import UnreadableInput
from live_gate.findings import Findings
from live_gate.kit.files import InputRefused
from live_gate.kit.schemas import first_error, schema
from live_gate.paths import ConfinedPath, PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment
from live_gate.timeutil import InvalidInstant, parse_instant

SCHEMA = "alert_audit_record"
DEFAULT_PATTERN = "alerts-%Y%m%d.jsonl"
SUPPRESSED = "__suppressed__"  # bot_core/alerts/router.py: a throttled message
ACKNOWLEDGEMENT = "acknowledgement"
# Findings named one by one per kind; the rest are counted in one more finding.
REPORTED = 20
# Distinct critical alerts (and acknowledgements) followed in the escalation window. A real
# deployment has a handful a day; beyond this the gate refuses to judge rather than grow.
MAX_TRACKED = 50_000


# --------------------------------------------------------------------------- the record schema

# keys whose value must be a non-empty string; keys with a longer minimum length
_Plan = tuple[tuple[str, ...], tuple[tuple[str, int], ...]]


class FlatRecordCheck:
    """An exact fast path for a flat JSON Schema of string-valued records.

    Compiled from the schema document itself, for the subset the alert audit record uses: an
    object with ``required`` keys, ``properties`` and ``patternProperties`` whose subschemas are
    ``{"type": "string", "minLength": n}`` or annotations only (any value), and
    ``additionalProperties`` false or absent.
    :meth:`compile` returns ``None`` for any schema outside that subset, and then every record
    goes to the full validator. ``check(record)`` is True only for a record the schema accepts
    (keys present and allowed, every value a string of the minimum length); a False answer is
    not a verdict: the caller asks the validator, which also phrases the error.
    """

    _TOP: ClassVar[frozenset[str]] = frozenset(
        {
            "$schema",
            "$id",
            "title",
            "description",
            "type",
            "required",
            "properties",
            "patternProperties",
            "additionalProperties",
        }
    )
    _PROPERTY: ClassVar[frozenset[str]] = frozenset({"type", "minLength", "title", "description"})
    _ANNOTATION: ClassVar[frozenset[str]] = frozenset({"title", "description"})
    _CACHE_LIMIT = 4096  # key layouts remembered; a hostile log of random keys only gets slower

    def __init__(
        self,
        required: frozenset[str],
        min_length: dict[str, int],
        patterns: list[tuple[re.Pattern[str], int]],
        additional: bool,
    ) -> None:
        self.required = required
        self.min_length = min_length
        self.patterns = patterns
        self.additional = additional
        self._plans: dict[tuple[str, ...], _Plan | None] = {}

    @classmethod
    def compile(cls, document: dict[str, Any]) -> FlatRecordCheck | None:
        if not isinstance(document, dict) or set(document) - cls._TOP:
            return None
        if document.get("type") != "object":
            return None
        required = document.get("required", [])
        additional = document.get("additionalProperties", True)
        if not isinstance(required, list) or not all(isinstance(k, str) for k in required):
            return None
        if additional not in (True, False):
            return None

        def string_min_length(sub: Any) -> int | None:
            if isinstance(sub, dict) and not set(sub) - cls._ANNOTATION:
                # any JSON value (the bot's ctx_<key>): allowed, unconstrained; check() still
                # passes only all-string records, the rest go to the validator
                return 0
            if not isinstance(sub, dict) or set(sub) - cls._PROPERTY or sub.get("type") != "string":
                return None
            minimum = sub.get("minLength", 0)
            if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
                return None
            return minimum

        min_length: dict[str, int] = {}
        for key, sub in (document.get("properties") or {}).items():
            length = string_min_length(sub)
            if length is None:
                return None
            min_length[key] = length
        patterns: list[tuple[re.Pattern[str], int]] = []
        for pattern, sub in (document.get("patternProperties") or {}).items():
            length = string_min_length(sub)
            if length is None:
                return None
            patterns.append((re.compile(pattern), length))
        return cls(frozenset(required), min_length, patterns, bool(additional))

    def _plan(self, keys: tuple[str, ...]) -> _Plan | None:
        """The length checks a record with these keys needs, or None if its keys are wrong."""
        if not self.required <= set(keys):
            return None
        checks: list[tuple[str, int]] = []
        for key in keys:
            lengths = [self.min_length[key]] if key in self.min_length else []
            lengths += [n for regex, n in self.patterns if regex.search(key)]
            if not lengths:
                if not self.additional:
                    return None
                # an unconstrained extra key: the all-strings test below is stricter than the
                # schema here, which only sends such records to the validator
                continue
            if max(lengths) > 0:
                checks.append((key, max(lengths)))
        return (
            tuple(key for key, length in checks if length == 1),
            tuple((key, length) for key, length in checks if length > 1),
        )

    def check(self, record: Any) -> bool:
        if type(record) is not dict:
            return False
        keys = tuple(record)
        if keys in self._plans:
            plan = self._plans[keys]
        else:
            plan = self._plan(keys)
            if len(self._plans) < self._CACHE_LIMIT:
                self._plans[keys] = plan
        if plan is None:
            return False
        if not set(map(type, record.values())) <= _STRING_ONLY:
            return False
        non_empty, longer = plan
        # every value is a string here, and the only string shorter than 1 is ""
        if "" in map(record.__getitem__, non_empty):
            return False
        return all(len(record[key]) >= length for key, length in longer)


_STRING_ONLY = {str}
_FAST = FlatRecordCheck.compile(schema(SCHEMA))


def record_problem(record: Any) -> str | None:
    """Why ``record`` is not a FileAlertAuditLog record (the schema's first error), or None."""
    if _FAST is not None and _FAST.check(record):
        return None
    error = first_error(SCHEMA, record)
    if error is None:
        return None
    where, message = error
    return f"at {where}: {message}"


# --------------------------------------------------------------------------- the log's folder


@dataclass(frozen=True)
class AuditFolder:
    directory: ConfinedPath
    pattern: str


def audit_folder(environment: Environment) -> AuditFolder | None:
    """The folder of the environment's file audit log, or None when there is no usable one
    (PRE-3 says why)."""
    audit = environment.block("alert_audit") or {}
    if str(audit.get("backend", "")).lower() != "file" or not audit.get("directory"):
        return None
    try:
        directory = environment.resolve_data_path(str(audit["directory"]))
    except (PathEscapesDeployment, UnreadableInput):
        return None
    if environment.deployment.files.kind(directory) != "dir":
        return None
    pattern = audit.get("filename_pattern") or DEFAULT_PATTERN
    return AuditFolder(directory, str(pattern))


def named_like(pattern: str) -> Callable[[str], bool]:
    """Names the bot's retention recognises as its own (``strptime`` with the pattern)."""

    def accept(name: str) -> bool:
        try:
            datetime.strptime(name, pattern)
        except ValueError:
            return False
        return True

    return accept


class _Refusals(Findings):
    """Collects what a listing refuses, for every check that judges the log to report."""

    def __init__(self) -> None:
        super().__init__("alert-audit")
        self.errors: list[UnreadableInput] = []

    def refused(self, error: UnreadableInput) -> None:
        self.errors.append(error)


def audit_files(
    environment: Environment, folder: AuditFolder
) -> tuple[list[ConfinedPath], list[UnreadableInput]]:
    """The daily logs (named like the pattern), and the entries named like one that are refused:
    symbolic links out, FIFOs and other non-regular files, folders (the bot could not append to
    them)."""
    refusals = _Refusals()
    found = environment.deployment.files.listing(
        folder.directory, refusals, accept=named_like(folder.pattern), want="file", skip=()
    )
    return found, refusals.errors


# --------------------------------------------------------------------------- one streamed pass


@dataclass(frozen=True, slots=True)
class AlertRef:
    """Where an alert record is and what it says (no more than a finding needs)."""

    file: str
    line: int
    channel: str
    category: str
    severity: str
    title: str
    timestamp: str
    when: datetime | None  # None: the timestamp cannot be read


@dataclass
class Capped:
    """The first :data:`REPORTED` items of a kind, and how many there were."""

    items: list[Any] = field(default_factory=list)
    count: int = 0

    def add(self, item: Any) -> None:
        self.count += 1
        if len(self.items) < REPORTED:
            self.items.append(item)

    @property
    def more(self) -> int:
        return self.count - len(self.items)


@dataclass(frozen=True, slots=True)
class RecordProblem:
    file: str
    line: int
    kind: str  # "record" (does not parse or fit the schema) or the timestamp field's name
    message: str
    value: Any = None


@dataclass
class AlertAuditScan:
    directory: str
    files: list[str] = field(default_factory=list)
    refused: list[UnreadableInput] = field(default_factory=list)
    records: int = 0
    problems: Capped = field(default_factory=Capped)
    # ACT-4
    tests_by_channel: Counter[str] = field(default_factory=Counter)
    tests_misdated: Capped = field(default_factory=Capped)
    suppressed: Capped = field(default_factory=Capped)
    # ESC-1: key -> (first record, latest dated occurrence)
    criticals: dict[str, tuple[AlertRef, datetime | None]] = field(default_factory=dict)
    criticals_future: Capped = field(default_factory=Capped)
    acknowledged: dict[str, datetime] = field(default_factory=dict)
    acknowledgements_future: Capped = field(default_factory=Capped)
    overflow: bool = False

    def open_criticals(self) -> list[tuple[str, AlertRef]]:
        """Critical alerts of the window with no acknowledgement at or after their last
        occurrence, in log order."""
        result = []
        for key, (ref, latest) in self.criticals.items():
            ack = self.acknowledged.get(key)
            if ack is None or (latest is not None and ack < latest):
                result.append((key, ref))
        return result


@dataclass(frozen=True)
class ScanWindow:
    as_of: datetime
    skew: timedelta
    test_category: str
    test_hours: float
    critical_hours: float

    @classmethod
    def of(cls, policy: Policy, as_of: datetime) -> ScanWindow:
        return cls(
            as_of,
            timedelta(seconds=policy.clock_skew_seconds),
            policy.alert_test_category.lower(),
            policy.alert_test_window_hours,
            policy.critical_alert_window_hours,
        )


def alert_key(record: dict[str, Any]) -> str:
    """How an acknowledgement names a critical alert: ``ctx_alert_id``, else
    ``"<timestamp> <title>"``."""
    explicit = record.get("ctx_alert_id")
    if explicit:
        return str(explicit)
    return f"{record.get('timestamp')} {record.get('title')}"


def _instant(text: Any) -> datetime | None:
    """``timeutil.parse_instant`` with a fast path for the bot's own ``isoformat()`` output."""
    if type(text) is not str:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            return parse_instant(text)
        except InvalidInstant:
            return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


_SCANS: weakref.WeakKeyDictionary[Environment, dict[ScanWindow, AlertAuditScan]] = (
    weakref.WeakKeyDictionary()
)


def scan_alert_audit(
    environment: Environment, policy: Policy, as_of: datetime
) -> AlertAuditScan | None:
    """The environment's file audit log judged in one streamed pass, or None when there is no
    usable file log. Cached per environment and evaluation window: PRE-3, ACT-4 and ESC-1 of one
    gate run share the one reading."""
    window = ScanWindow.of(policy, as_of)
    cached = _SCANS.setdefault(environment, {})
    if window not in cached:
        folder = audit_folder(environment)
        if folder is None:
            return None
        cached[window] = _scan(environment, folder, window)
    return cached[window]


def _scan(environment: Environment, folder: AuditFolder, window: ScanWindow) -> AlertAuditScan:
    files = environment.deployment.files
    scan = AlertAuditScan(folder.directory.relative)
    listed, scan.refused = audit_files(environment, folder)
    throttle = environment.block("alert_throttle") or {}
    exempt_raw = throttle.get("exclude_categories") or []
    # the bot lower-cases whatever it iterates (a string is iterated character by character)
    exempt = {str(c).lower() for c in exempt_raw} if isinstance(exempt_raw, Iterable) else set()
    latest = window.as_of + window.skew
    test_start = window.as_of - timedelta(hours=window.test_hours)
    critical_start = window.as_of - timedelta(hours=window.critical_hours)
    test_category = window.test_category
    fast = _FAST.check if _FAST is not None else None
    problems = scan.problems
    tests_by_channel = scan.tests_by_channel
    criticals = scan.criticals
    acknowledged = scan.acknowledged
    last_text: Any = None
    last_when: datetime | None = None

    for confined in listed:
        relative = confined.relative
        scan.files.append(relative)
        try:
            for number, record, problem in files.json_lines(confined):
                scan.records += 1
                if problem is not None:
                    problems.add(RecordProblem(relative, number, "record", problem))
                    continue
                if fast is None or not fast(record):
                    why = record_problem(record)
                    if why is not None:
                        problems.add(RecordProblem(relative, number, "record", why))
                        continue
                stamp = record["timestamp"]
                if stamp != last_text:
                    last_text, last_when = stamp, _instant(stamp)
                when = last_when
                future = when is not None and when > latest
                if when is None or future:
                    problems.add(RecordProblem(relative, number, "timestamp", "", stamp))
                created = record["created_at"]
                if created != stamp:
                    made = _instant(created)
                    if made is None or made > latest:
                        problems.add(RecordProblem(relative, number, "created_at", "", created))
                severity = record["severity"].lower()
                category = record["category"].lower()
                channel = record["channel"]
                if channel == SUPPRESSED:
                    # undated or future-dated: cannot be shown to lie outside the window
                    if (severity == "critical" or category in exempt) and (
                        when is None or when >= test_start
                    ):
                        scan.suppressed.add(_ref(relative, number, record, when))
                    continue
                if category == ACKNOWLEDGEMENT:
                    raw_key = record.get("ctx_acknowledges")
                    if raw_key is None or raw_key == "":
                        continue
                    key = str(raw_key)  # context values are written as given: 7 names "7"
                    if future:
                        scan.acknowledgements_future.add(_ref(relative, number, record, when))
                    elif when is not None and when >= critical_start:
                        previous = acknowledged.get(key)
                        if previous is None:
                            if len(acknowledged) >= MAX_TRACKED:
                                scan.overflow = True
                                continue
                            acknowledged[key] = when
                        elif when > previous:
                            acknowledged[key] = when
                    continue
                if severity != "critical":
                    continue
                if category == test_category:
                    if when is None or future:
                        scan.tests_misdated.add(_ref(relative, number, record, when))
                    elif when >= test_start:
                        tests_by_channel[channel] += 1
                    continue
                if future:
                    scan.criticals_future.add(_ref(relative, number, record, when))
                    continue
                if when is not None and when < critical_start:
                    continue
                key = alert_key(record)
                seen = criticals.get(key)
                if seen is None:
                    if len(criticals) >= MAX_TRACKED:
                        scan.overflow = True
                        continue
                    criticals[key] = (_ref(relative, number, record, when), when)
                elif when is not None and (seen[1] is None or when > seen[1]):
                    criticals[key] = (seen[0], when)
        except UnreadableInput as exc:
            scan.refused.append(exc)
    return scan


def _ref(file: str, line: int, record: dict[str, Any], when: datetime | None) -> AlertRef:
    return AlertRef(
        file,
        line,
        record["channel"],
        record["category"].lower(),
        record["severity"].lower(),
        record["title"],
        record["timestamp"],
        when,
    )


def folder_refusal(environment: Environment, directory: ConfinedPath) -> InputRefused | None:
    """Why the configured audit folder is not a folder (a FIFO, a file, a link out), if so."""
    kind = environment.deployment.files.kind(directory)
    if kind in ("dir", "missing"):
        return None
    return InputRefused(f"is {kind}, not a folder; it was not read", directory.relative)
