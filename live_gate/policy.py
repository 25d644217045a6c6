"""The gate's policy: every threshold the runbook leaves open, with documented defaults.

Defaults are drawn from the bot's own code where FORMATS.md gives one; each field says where its
default comes from. ``--gate-config FILE`` (YAML or JSON) overrides them and is validated against
``schemas/gate_config.schema.json``; an unknown key is an error, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from live_gate.kit.files import Limits
from live_gate.kit.schemas import validator
from live_gate.timeutil import InvalidInstant, parse_instant


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class RiskCaps:
    # Defaults: the bot's `aggressive` profile (core.yaml:42-49), the most permissive profile the
    # bot ships. A live profile looser than that is beyond anything upstream considers sane.
    max_daily_loss_pct: float = 0.03
    hard_drawdown_pct: float = 0.20
    max_position_pct: float = 0.10
    max_open_positions: int = 10


@dataclass(frozen=True)
class Waiver:
    requirement: str
    environment: str
    reason: str
    approved_by: tuple[str, ...]
    expires_at: str
    valid_from: str | None = None

    def state_at(self, as_of: datetime) -> str:
        """valid | expired | not yet valid (an unparsable instant never makes it valid)."""
        try:
            if self.valid_from is not None and parse_instant(self.valid_from) > as_of:
                return "not yet valid"
            return "valid" if parse_instant(self.expires_at) > as_of else "expired"
        except InvalidInstant:
            return "expired"

    def active_at(self, as_of: datetime) -> bool:
        return self.state_at(as_of) == "valid"


#: Requirements no waiver may excuse unless the policy says otherwise (README "Waivers"): a
#: failure of each can lose money directly, on the first live order.
DEFAULT_NON_WAIVABLE: tuple[str, ...] = (
    "PRE-2",  # risk limits: the only bound on a day's loss and on a position's size
    "PRE-4",  # licence for the live modules: without it the bot must not trade live at all
    "PRE-7",  # the live router: orders routed to a failed venue, or twice
    "ACT-3",  # live limits looser than what paper trading showed
    "ACT-5",  # trade keys: an unrotated key or no IP allowlist lets someone else trade
    "ESC-1",  # an unconfirmed critical alert is open: something is already wrong
)


@dataclass(frozen=True)
class Policy:
    # Runbook §1 asks for "current" sign-offs without a number; a quarter, the bot's default key
    # rotation interval (observability.key_rotation.default_interval_days = 90).
    signoff_max_age_days: float = 90.0
    # The bot warns about licences issued more than 5 minutes in the future (license.py); the same
    # tolerance applies to sign-off timestamps.
    clock_skew_seconds: float = 300.0
    # Runbook §1 KYC/AML, column "Akceptacja": Compliance + Security.
    required_signer_roles: tuple[str, ...] = ("compliance", "security")
    # bootstrap._validate_live_signatures requires all three for a live environment.
    required_document_categories: tuple[str, ...] = ("compliance", "risk", "penetration")
    risk_caps: RiskCaps = field(default_factory=RiskCaps)
    # Caps on what the gate reads from the deployment (live_gate.kit.files.Limits): file and
    # stream sizes, line length, JSON/YAML nesting, YAML alias expansion, listing size. Over a cap
    # is NO-GO naming the file (input.refused): the gate never hangs or runs out of memory on a
    # hostile input. Defaults and why: fixtures/gate-config.example.yaml.
    input_limits: Limits = field(default_factory=Limits)
    # alert_audit.retention_days default in the bot (models.py:27-34).
    alert_audit_min_retention_days: int = 730
    # Licence profiles that cover live trading (PRE-4). The bot's own config allows only
    # [paper, trading_gui]: the runbook asks for a licence "of the live modules".
    live_license_profiles: tuple[str, ...] = ("live",)
    # Recorded results of the runbook §1.1 quick tests (PRE-9), relative to the working directory,
    # and how old they may be: a day, so that the nightly paper run needs a nightly re-run.
    quick_tests_dir: str = "var/audit/quick_tests"
    quick_tests_max_age_hours: float = 24.0
    # AI model validation (PRE-6). The audit root is the bot's DEFAULT_AUDIT_ROOT, relative to the
    # working directory. MAE and directional accuracy: AIManager's quality thresholds
    # (manager.py:3233-3234, max_mae 20.0, min_directional_accuracy 0.5); rows: the drift
    # analyzer's min_samples (30); drift threshold: the report's own, else detect_drift's 0.35.
    ai_audit_root: str = "audit/ai_decision"
    ai_max_average_mae: float = 20.0
    ai_max_window_mae: float = 20.0
    ai_min_dataset_rows: int = 30
    ai_min_directional_accuracy: float = 0.5
    ai_default_drift_threshold: float = 0.35
    # How old the latest AI reports may be; the runbook asks for the latest, not for ancient ones.
    ai_report_max_age_days: float = 30.0
    # How many UTC days the bot's persisted risk state (risk_state/<profile>.json, PRE-5) may lag
    # the evaluation date. The bot records only a date (current_day), rolled to the UTC day when
    # its engine runs: 1 accepts today and yesterday, a bot that ran until the last evening.
    risk_state_max_age_days: int = 1
    # How old the newest paper smoke run may be (ACT-3, its window end): §2.3 compares the live
    # limits with what paper trading shows now; the nightly paper run refreshes it every day, a
    # week allows for a missed night or two.
    smoke_summary_max_age_days: float = 7.0
    # Trade key rotation (ACT-5): runbook "≤90 dni"; scripts/check_key_rotation.py --warn-days 14.
    key_rotation_interval_days: float = 90.0
    key_rotation_warn_days: float = 14.0
    # Alert test (ACT-4): the category of the runbook §2.4 test alert and how recent it must be;
    # open critical alerts (ESC-1) are looked for in the same kind of window.
    alert_test_category: str = "alerting_test"
    alert_test_window_hours: float = 24.0
    critical_alert_window_hours: float = 24.0
    # Dry run (ACT-7): where the promotion reports of read-only runs are recorded, and their age.
    dry_run_dir: str = "var/audit/live/dry_run"
    dry_run_max_age_hours: float = 72.0
    # Adapter failover status (ESC-3): how old the recorded snapshot may be.
    adapter_status_max_age_minutes: float = 60.0
    # The execution router under test (PRE-7): a `module:callable` factory, and the symbol whose
    # route is exercised.
    router_factory: str = "live_gate.router.reference:build_router"
    router_symbol: str = "BTCUSDT"
    # The paper simulator under test (PRE-8), `module:callable` taking the paper settings.
    simulator_factory: str = "live_gate.paper_sim:build_simulator"
    # The compliance register (ACT-2), relative to the config folder like every document.
    compliance_register_path: str = "compliance/register.yaml"
    # HMAC key ids trusted per signer role (PRE-1 documents and checklist, ACT-1 freeze), e.g.
    # {compliance: [kl-compliance-demo]}. A signature must then be made with a key trusted for a
    # role it claims. A role without an entry keeps the bot's rule: any key file found for the
    # signature's key_id (secrets/hmac/<key_id>.key) is accepted, which is what the reference
    # deployment relies on.
    trusted_signature_keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    # requirements whose failure no waiver of this policy may excuse (see DEFAULT_NON_WAIVABLE)
    non_waivable: tuple[str, ...] = DEFAULT_NON_WAIVABLE

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["required_signer_roles"] = list(self.required_signer_roles)
        data["required_document_categories"] = list(self.required_document_categories)
        data["live_license_profiles"] = list(self.live_license_profiles)
        data["waivers"] = [
            {
                **{k: v for k, v in asdict(w).items() if k != "valid_from" or v is not None},
                "approved_by": list(w.approved_by),
            }
            for w in self.waivers
        ]
        data["non_waivable"] = list(self.non_waivable)
        data["trusted_signature_keys"] = {
            role: list(ids) for role, ids in self.trusted_signature_keys.items()
        }
        return data

    def waiver_for(self, requirement: str, environment: str, as_of: datetime) -> Waiver | None:
        for waiver in self.waivers:
            if (
                waiver.requirement == requirement
                and waiver.environment == environment
                and waiver.active_at(as_of)
            ):
                return waiver
        return None


def policy_from_mapping(raw: Any) -> Policy:
    if raw is None:
        raw = {}
    errors = sorted(validator("gate_config").iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise PolicyError(f"gate config is invalid at {where}: {first.message}")
    defaults = Policy()
    caps = RiskCaps(**{**asdict(defaults.risk_caps), **raw.get("risk_caps", {})})
    limits = Limits(**{**asdict(defaults.input_limits), **raw.get("input_limits", {})})
    raw = {**raw, "input_limits": limits}
    waivers = tuple(
        Waiver(
            requirement=w["requirement"],
            environment=w["environment"],
            reason=w["reason"],
            approved_by=tuple(w["approved_by"]),
            expires_at=w["expires_at"],
            valid_from=w.get("valid_from"),
        )
        for w in raw.get("waivers", [])
    )
    non_waivable = tuple(raw.get("non_waivable", defaults.non_waivable))
    for waiver in waivers:
        about = f"gate config waiver of {waiver.requirement} for {waiver.environment}"
        try:
            parse_instant(waiver.expires_at)
            if waiver.valid_from is not None:
                parse_instant(waiver.valid_from)
        except InvalidInstant as exc:
            raise PolicyError(f"{about}: {exc}") from exc
        names = [a.strip().casefold() for a in waiver.approved_by]
        if len(set(names)) != len(names) or len(names) < 2:
            raise PolicyError(
                f"{about}: approved_by {list(waiver.approved_by)} names the same approver "
                "more than once; a waiver needs at least two distinct approvers"
            )
        if waiver.requirement in non_waivable:
            raise PolicyError(
                f"{about}: {waiver.requirement} is non-waivable (non_waivable: "
                f"{', '.join(non_waivable)}): its failure can lose money directly; fix it, or "
                "take it off non_waivable in the policy, on the record"
            )
    simple = {
        k: (tuple(v) if isinstance(v, list) else v)
        for k, v in raw.items()
        if k not in ("risk_caps", "waivers", "non_waivable")
    }
    if "trusted_signature_keys" in raw:
        simple["trusted_signature_keys"] = {
            str(role): tuple(ids) for role, ids in raw["trusted_signature_keys"].items()
        }
    return Policy(
        **{
            **asdict(defaults),
            **simple,
            "risk_caps": caps,
            "waivers": waivers,
            "non_waivable": non_waivable,
        }
    )


def load_policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot read gate config {path}: {exc.strerror}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"gate config {path} is not valid YAML/JSON: {exc}") from exc
    return policy_from_mapping(raw)
