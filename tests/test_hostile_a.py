"""Hostile deployments against the documents and signatures of PRE-1, PRE-2, PRE-4, ACT-1 and
ACT-2 (issue 8, group A): each case changes a copy of the reference deployment in one place, as
a hostile operator would, and the gate must answer NO-GO naming the requirement, the rule and the
file, never GO, a hang or a leak.

Most cases call the check directly (fast); ``HOSTILE_DEFECTS_A`` (and ``HOSTILE_POLICY_DEFECTS_A``)
list, for the meta-test, one deployment mutation per blocking rule this group introduced: each is
judged at check level through the gate's own step definitions (tests/checklevel.py), and one of
them is also run through the whole gate.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from live_gate import signing
from live_gate.checks.freeze import check_config_freeze
from live_gate.checks.kyc_aml import (
    check_entrypoint_compliance,
    check_live_readiness_documents,
    check_live_readiness_signoff,
)
from live_gate.checks.licence import check_licence
from live_gate.checks.register import check_register
from live_gate.checks.risk_limits import check_risk_limits
from live_gate.findings import Finding
from live_gate.policy import Policy, policy_from_mapping
from live_gate.reference.builder import DEMO_KEYS
from live_gate.resources.deployment import Deployment, Environment
from live_gate.resources.readiness import _required_flag
from live_gate.timeutil import parse_instant
from tests.checklevel import CheckLevelResult, judge_checks
from tests.conftest import AS_OF
from tests.mutations import Mutation, delete, fifo, link_out
from tests.test_gate_defects import (
    DOCS,
    KYC_PDF,
    KYC_SIG,
    LICENCE,
    REVOCATIONS,
    STAGE6,
    compliance,
    document,
    edit_register,
    env,
    licence_config,
    licence_payload,
    profile,
    readiness,
    revocations,
    write,
)

AS_OF_DT = parse_instant(AS_OF)
CHECKLIST_SIG = f"{DOCS}/checklist.sig"
PENTEST = 2  # index of penetration_report in the reference checklist
REGISTER = "config/compliance/register.yaml"
FUTURE = "2027-03-01T00:00:00Z"


# ----------------------------------------------------------------------------- mutations


def resign(relative: str, key_id: str, change: Callable[[dict[str, Any]], None]) -> Mutation:
    """Change a document or checklist payload and sign it again with the right key: the HMAC
    verifies, only what the payload says is wrong."""

    def apply(root: Path) -> None:
        path = root / relative
        payload = json.loads(path.read_text())["payload"]
        change(payload)
        key = DEMO_KEYS[key_id].encode()
        path.write_text(json.dumps(signing.sign(payload, key, key_id)))

    return apply


def kyc_claim(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return resign(KYC_SIG, "kl-compliance-demo", lambda p: change(p["document"]))


def checklist_claim(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return resign(CHECKLIST_SIG, "kl-compliance-demo", change)


def pentest_stands_in_for_kyc(root: Path) -> None:
    """The penetration-test entry points at the KYC packet, its digest and its signature."""

    def change(e: dict[str, Any]) -> None:
        docs = e["live_readiness"]["documents"]
        docs[PENTEST].update(
            path=docs[0]["path"], sha256=docs[0]["sha256"], signature_path=docs[0]["signature_path"]
        )

    env(change)(root)


def pentest_copy_of_kyc(root: Path) -> None:
    """A byte copy of the KYC packet and its signature under the penetration report's names."""
    (root / "config/security/live/binance/penetration_report.pdf").write_bytes(
        (root / KYC_PDF).read_bytes()
    )
    (root / "config/security/live/binance/penetration_report.sig").write_bytes(
        (root / KYC_SIG).read_bytes()
    )
    document(PENTEST, "sha256", hashlib.sha256((root / KYC_PDF).read_bytes()).hexdigest())(root)


def manifest_path(root: Path) -> Path:
    return next((root / STAGE6).glob("config_freeze_*.manifest.json"))


def future_manifest(root: Path) -> None:
    """A later-dated copy of the freeze manifest, dated after --as-of: never the newest."""
    source = manifest_path(root)
    data = json.loads(source.read_text())
    data["generated_at"] = FUTURE
    data["files"][0]["sha256"] = "0" * 64  # if it were taken as the newest, ACT-1 would say so
    (root / STAGE6 / "config_freeze_20270301T000000Z.manifest.json").write_text(json.dumps(data))


def newer_manifest_outside(root: Path) -> None:
    """A newer manifest that lives outside the deployment, linked in."""
    source = manifest_path(root)
    data = json.loads(source.read_text())
    data["generated_at"] = "2026-11-20T11:30:00+00:00"
    outside = root.parent / "outside.manifest.json"
    outside.write_text(json.dumps(data))
    os.symlink(outside, root / STAGE6 / "config_freeze_20261120T113000Z.manifest.json")


def freeze_resigned_with_another_key(root: Path) -> None:
    """The freeze signature made with another key of the deployment, key_id unchanged: the old
    check tried every key file and accepted it."""
    sig = next((root / STAGE6).glob("config_freeze_*.manifest.json.sig"))
    envelope = json.loads(sig.read_text())
    other = signing.sign(envelope["payload"], DEMO_KEYS["kl-compliance-demo"].encode(), "x")
    envelope["signature"]["value"] = other["signature"]["value"]
    sig.write_text(json.dumps(envelope))


def yaml_text(relative: str, old: str, new: str) -> Mutation:
    def apply(root: Path) -> None:
        path = root / relative
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, 1))

    return apply


# ----------------------------------------------------------------------------- helpers


def live(root: Path) -> Environment:
    return Deployment(root).environment("binance_live")


def blockers(findings: list[Finding], rule: str) -> list[Finding]:
    found = [f for f in findings if f.rule == rule and f.blocking]
    assert found, (rule, [(f.rule, f.message) for f in findings])
    return found


def names(finding: Finding, file: str) -> None:
    """The finding names the file (as its location, or in its message for links out)."""
    assert finding.file == file or file in (finding.message or ""), finding.explain()


def policy(**raw: Any) -> Policy:
    return policy_from_mapping(raw)


def pre1(root: Path, pol: Policy | None = None) -> list[Finding]:
    environment = live(root)
    pol = pol or Policy()
    return [
        *check_entrypoint_compliance(environment),
        *check_live_readiness_signoff(environment, pol, AS_OF_DT),
        *check_live_readiness_documents(environment, pol, AS_OF_DT),
    ]


def test_the_reference_passes_every_check_of_group_a(reference: Path) -> None:
    environment = live(reference)
    assert pre1(reference) == []
    assert list(check_risk_limits(environment, Policy())) == []
    assert list(check_licence(environment.deployment, Policy(), AS_OF_DT)) == []
    assert list(check_register(environment, Policy(), AS_OF_DT)) == []
    assert list(check_config_freeze(environment.deployment, Policy(), AS_OF_DT)) == []


# ----------------------------------------------------------------------------- PRE-1 types


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (compliance("live_allowed", "true"), "runtime_entrypoints.auto_trader_live.compliance"),
        (compliance("signed", "true"), "runtime_entrypoints.auto_trader_live.compliance.signed"),
        (compliance("signed", 1), "runtime_entrypoints.auto_trader_live.compliance.signed"),
        (document(0, "signed", "yes"), "environments.binance_live.live_readiness.documents[0]"),
        (readiness("signed", "true"), "environments.binance_live.live_readiness.signed"),
    ],
    ids=["live_allowed-string", "signed-string", "signed-one", "document-yes", "checklist-string"],
)
def test_a_flag_that_is_not_a_boolean_is_a_finding(
    mutate: Mutation, field: str, reference: Path
) -> None:
    mutate(reference)
    (finding,) = blockers(pre1(reference), "flag.not_boolean")
    assert finding.field is not None and finding.field.startswith(field)
    assert finding.file == "config/core.yaml" and finding.line
    assert "boolean" in (finding.found or "")


@pytest.mark.parametrize(
    "mutate",
    [readiness("signed_by", "compliance"), document(0, "signed_by", "compliance")],
    ids=["checklist", "document"],
)
def test_signed_by_as_a_plain_string_is_a_finding(mutate: Mutation, reference: Path) -> None:
    mutate(reference)
    (finding,) = blockers(pre1(reference), "signers.not_a_list")
    assert finding.field is not None and finding.field.endswith("signed_by")
    assert finding.file == "config/core.yaml"


def test_required_false_as_a_string_is_read_as_the_bot_reads_it(reference: Path) -> None:
    assert [_required_flag(v) for v in ("false", "no", "0", "off", "FALSE ")] == [False] * 5
    assert [_required_flag(v) for v in (None, "", "true", "yes", True, 1)] == [True] * 6
    env(
        lambda e: e["live_readiness"].update(
            required_documents=[],
            documents=[{**d, "required": "false"} for d in e["live_readiness"]["documents"]],
        )
    )(reference)
    blockers(pre1(reference), "document.none")


# ----------------------------------------------------------------------------- PRE-1 checklist


def test_a_checklist_signature_replaced_by_plain_text_fails(reference: Path) -> None:
    write(CHECKLIST_SIG, b"signed by compliance, trust me\n")(reference)
    (finding,) = blockers(pre1(reference), "signature.malformed")
    assert finding.file == CHECKLIST_SIG


def test_a_tampered_checklist_signature_fails(reference: Path) -> None:
    path = reference / CHECKLIST_SIG
    envelope = json.loads(path.read_text())
    envelope["payload"]["signed_by"] = ["compliance"]
    path.write_text(json.dumps(envelope))
    (finding,) = blockers(pre1(reference), "signature.invalid")
    assert finding.file == CHECKLIST_SIG


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.__setitem__("checklist_id", "stage6-binance-2024q3"), "checklist_id"),
        (lambda p: p.__setitem__("environment", "kraken_live"), "environment"),
        (lambda p: p.__setitem__("signed_by", ["compliance", "security"]), "signed_by"),
        (lambda p: p.__setitem__("signed_at", "2026-10-01T00:00:00Z"), "signed_at"),
        (lambda p: p["documents"].__setitem__("kyc_packet", "ab" * 32), "documents.kyc_packet"),
        (lambda p: p["documents"].pop("penetration_report"), "documents.penetration_report"),
        (lambda p: p["documents"].__setitem__("ghost", "cd" * 32), "documents.ghost"),
        (lambda p: p.pop("documents"), "documents"),
        (lambda p: p.pop("checklist_id"), "checklist_id"),
    ],
    ids=[
        "checklist_id",
        "environment",
        "signers",
        "signed_at",
        "document-digest",
        "document-absent",
        "document-extra",
        "no-documents",
        "no-checklist_id",
    ],
)
def test_each_checklist_claim_is_compared_with_the_signed_payload(
    change: Callable[[dict[str, Any]], None], field: str, reference: Path
) -> None:
    checklist_claim(change)(reference)
    findings = blockers(pre1(reference), "signature.claims_mismatch")
    assert [f.field for f in findings] == [f"payload.{field}"], [f.explain() for f in findings]
    assert findings[0].file == CHECKLIST_SIG


def test_checklist_signature_link_out_and_fifo(reference: Path) -> None:
    link_out(CHECKLIST_SIG)(reference)
    (finding,) = blockers(pre1(reference), "path.escapes_deployment")
    assert "signature_path" in (finding.field or "")
    assert "leaves the deployment" in finding.message
    fifo(CHECKLIST_SIG)(reference)
    (finding,) = blockers(pre1(reference), "input.refused")
    assert finding.file == CHECKLIST_SIG and "FIFO" in finding.message


# ----------------------------------------------------------------------------- PRE-1 documents


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.__setitem__("name", "penetration_report"), "name"),
        (lambda d: d.__setitem__("path", "compliance/live/binance/other.pdf"), "path"),
        (lambda d: d.__setitem__("signed_by", ["security"]), "signed_by"),
        (lambda d: d.__setitem__("signed_at", "2026-11-01T00:00:00Z"), "signed_at"),
        (lambda d: d.pop("name"), "name"),
    ],
    ids=["name", "path", "signers", "signed_at", "no-name"],
)
def test_each_document_claim_is_compared_with_the_signed_payload(
    change: Callable[[dict[str, Any]], None], field: str, reference: Path
) -> None:
    kyc_claim(change)(reference)
    findings = blockers(pre1(reference), "signature.claims_mismatch")
    assert [f.field for f in findings] == [f"payload.{field}"], [f.explain() for f in findings]
    assert findings[0].file == KYC_SIG


def test_an_equivalent_path_spelling_is_the_same_claim(reference: Path) -> None:
    """The bot signs and verifies with ``\\`` and ``//`` normalised; ``./`` names the same file."""
    path = reference / KYC_SIG
    payload = json.loads(path.read_text())["payload"]
    payload["document"]["path"] = "./compliance\\live//binance/kyc_packet.pdf"
    key = DEMO_KEYS["kl-compliance-demo"].encode()
    signed = signing.sign(signing.normalise_payload_paths(payload), key, "kl-compliance-demo")
    path.write_text(json.dumps({"payload": payload, "signature": signed["signature"]}))
    assert pre1(reference) == []


def test_signed_digest_other_than_the_declared_one(reference: Path) -> None:
    """The file is gone, so only the declared digest can be compared: still a mismatch."""
    kyc_claim(lambda d: d.__setitem__("sha256", "ab" * 32))(reference)
    resign(KYC_SIG, "kl-compliance-demo", lambda p: p["hashes"].__setitem__("sha256", "ab" * 32))(
        reference
    )
    delete(KYC_PDF)(reference)
    findings = pre1(reference)
    blockers(findings, "document.file_missing")
    (finding,) = blockers(findings, "document.signed_digest_mismatch")
    assert finding.file == KYC_SIG


def test_one_document_cannot_stand_in_for_another(reference: Path) -> None:
    pentest_stands_in_for_kyc(reference)
    findings = pre1(reference)
    reused = blockers(findings, "document.reused_file")
    assert {f.field.rsplit(".", 1)[-1] for f in reused if f.field} == {
        "path",
        "signature_path",
        "sha256",
    }
    assert all("kyc_packet" in (f.found or "") for f in reused)
    claims = blockers(findings, "signature.claims_mismatch")
    pentest_sig = [f.field for f in claims if f.file == KYC_SIG]
    assert sorted(pentest_sig) == ["payload.name", "payload.signed_by"]


def test_a_copy_of_another_document_cannot_stand_in_either(reference: Path) -> None:
    pentest_copy_of_kyc(reference)
    findings = pre1(reference)
    (reused,) = blockers(findings, "document.reused_file")
    assert reused.field and reused.field.endswith("sha256")
    claims = blockers(findings, "signature.claims_mismatch")
    assert "config/security/live/binance/penetration_report.sig" in {f.file for f in claims}


def test_a_document_signed_in_the_future_is_a_finding(reference: Path) -> None:
    document(1, "signed_at", FUTURE)(reference)
    (finding,) = blockers(pre1(reference), "signoff.in_future")
    assert finding.field == "environments.binance_live.live_readiness.documents[1].signed_at"
    assert finding.file == "config/core.yaml" and finding.line


@pytest.mark.parametrize("relative", [KYC_PDF, KYC_SIG], ids=["document", "signature"])
def test_document_links_out_are_never_read(relative: str, reference: Path) -> None:
    link_out(relative)(reference)
    (finding,) = blockers(pre1(reference), "path.escapes_deployment")
    assert "leaves the deployment" in finding.message and finding.file == "config/core.yaml"


@pytest.mark.parametrize(
    "relative",
    [KYC_PDF, KYC_SIG, "secrets/hmac/kl_compliance_demo.key"],
    ids=["document", "signature", "key"],
)
def test_document_fifos_are_refused_without_hanging(relative: str, reference: Path) -> None:
    fifo(relative)(reference)
    findings = blockers(pre1(reference), "input.refused")
    assert {f.file for f in findings} == {relative}
    assert all("FIFO" in f.message for f in findings)


def test_a_key_file_linked_out_of_the_deployment_is_refused(reference: Path) -> None:
    link_out("secrets/hmac/kl_risk_demo.key")(reference)
    (finding,) = blockers(pre1(reference), "input.refused")
    names(finding, "secrets/hmac/kl_risk_demo.key")
    assert "leaves the deployment" in finding.message


def test_a_bom_in_a_signature_is_refused_as_the_bot_refuses_it(reference: Path) -> None:
    path = reference / KYC_SIG
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    (finding,) = blockers(pre1(reference), "input.refused")
    assert finding.file == KYC_SIG and "byte order mark" in finding.message


TRUSTED = {
    "compliance": ["kl-compliance-demo"],
    "risk": ["kl-risk-demo"],
    "security": ["kl-security-demo"],
}


def test_trusted_keys_accept_the_reference(reference: Path) -> None:
    assert pre1(reference, policy(trusted_signature_keys=TRUSTED)) == []


def test_a_key_not_trusted_for_the_role_is_a_finding(reference: Path) -> None:
    """The risk document signed with the compliance key: a valid HMAC by the wrong signer."""
    resign(
        "config/risk/live/binance/risk_profile_alignment.sig", "kl-compliance-demo", lambda p: None
    )(reference)
    assert pre1(reference) == []  # the bot's rule: any key file found for the key_id
    (finding,) = blockers(
        pre1(reference, policy(trusted_signature_keys=TRUSTED)), "signature.key_not_trusted"
    )
    assert finding.file == "config/risk/live/binance/risk_profile_alignment.sig"
    assert finding.found == "kl-compliance-demo"


def test_the_checklist_key_must_be_trusted_for_a_signer(reference: Path) -> None:
    trusted = {**TRUSTED, "compliance": ["kl-other"], "risk": ["kl-other"], "security": ["x"]}
    findings = pre1(reference, policy(trusted_signature_keys=trusted))
    files = {f.file for f in blockers(findings, "signature.key_not_trusted")}
    assert CHECKLIST_SIG in files


# ----------------------------------------------------------------------------- PRE-2


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("max_daily_loss_pct", float("nan"), "nan"),
        ("hard_drawdown_pct", float("inf"), "inf"),
        ("max_position_pct", "0.02", "'0.02' (a string)"),
        ("max_open_positions", True, "true (a boolean)"),
        ("max_open_positions", float("-inf"), "inf"),
    ],
    ids=["nan", "inf", "string", "bool", "minus-inf"],
)
def test_a_limit_that_is_not_a_finite_number_is_a_finding(
    key: str, value: Any, shown: str, reference: Path
) -> None:
    profile(key, value)(reference)
    findings = check_risk_limits(live(reference), Policy())
    (finding,) = blockers(findings, "limit.not_numeric")
    assert finding.field == f"risk_profiles.conservative_live.{key}"
    assert finding.file == "config/core.yaml" and finding.line
    assert shown in (finding.found or "").lower()


def test_a_nan_written_as_yaml_text_is_a_finding(reference: Path) -> None:
    yaml_text("config/core.yaml", "max_daily_loss_pct: 0.01", "max_daily_loss_pct: .NaN")(reference)
    (finding,) = blockers(check_risk_limits(live(reference), Policy()), "limit.not_numeric")
    assert finding.field == "risk_profiles.conservative_live.max_daily_loss_pct"


# ----------------------------------------------------------------------------- PRE-4


def pre4(root: Path) -> list[Finding]:
    return list(check_licence(Deployment(root), Policy(), AS_OF_DT))


LICENCE_FILES = [
    LICENCE,
    "var/licenses/active/fingerprint.json",
    REVOCATIONS,
    "secrets/license_keys.json",
    "secrets/fingerprint_keys.json",
    "secrets/revocation_keys.json",
]


@pytest.mark.parametrize("relative", LICENCE_FILES)
def test_licence_files_linked_out_are_never_read(relative: str, reference: Path) -> None:
    link_out(relative)(reference)
    (finding,) = blockers(pre4(reference), "path.escapes_deployment")
    assert "leaves the deployment" in finding.message and finding.field


@pytest.mark.parametrize("relative", LICENCE_FILES)
def test_licence_fifos_are_refused_without_hanging(relative: str, reference: Path) -> None:
    fifo(relative)(reference)
    (finding,) = blockers(pre4(reference), "input.refused")
    assert finding.file == relative and "FIFO" in finding.message


def test_a_bom_in_the_licence_is_malformed_as_for_the_bot(reference: Path) -> None:
    path = reference / LICENCE
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    (finding,) = blockers(pre4(reference), "license.malformed")
    assert finding.file == LICENCE and "byte order mark" in finding.message


def test_a_revocation_list_from_the_future_is_a_finding(reference: Path) -> None:
    revocations(lambda p: p.__setitem__("generated_at", FUTURE))(reference)
    (finding,) = blockers(pre4(reference), "revocation.generated_at.in_future")
    assert finding.file == REVOCATIONS and finding.field == "generated_at"


def test_an_optional_revocation_list_from_the_future_still_blocks(reference: Path) -> None:
    revocations(lambda p: p.__setitem__("generated_at", FUTURE))(reference)
    licence_config("revocation_required", False)(reference)
    (finding,) = blockers(pre4(reference), "revocation.generated_at.in_future")
    assert finding.file == REVOCATIONS


def test_a_licence_issued_in_the_future_is_a_finding(reference: Path) -> None:
    licence_payload(lambda p: p.__setitem__("issued_at", FUTURE))(reference)
    (finding,) = blockers(pre4(reference), "license.issued_at.in_future")
    assert finding.file == LICENCE and finding.field == "payload.issued_at"


def test_an_unreadable_expiry_is_a_finding(reference: Path) -> None:
    licence_payload(lambda p: p.__setitem__("expires_at", "next year"))(reference)
    (finding,) = blockers(pre4(reference), "license.expires_at_invalid")
    assert finding.file == LICENCE and finding.field == "payload.expires_at"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("max_validity_days", float("nan")),
        ("max_validity_days", "1095"),
        ("revocation_list_max_age_hours", float("inf")),
        ("revocation_list_max_age_hours", float("nan")),
    ],
    ids=["validity-nan", "validity-string", "max-age-inf", "max-age-nan"],
)
def test_a_licence_setting_that_is_not_a_finite_number_is_a_finding(
    key: str, value: Any, reference: Path
) -> None:
    licence_config(key, value)(reference)
    (finding,) = blockers(pre4(reference), "license.setting_not_a_number")
    assert finding.field == f"license.{key}" and finding.file == "config/core.yaml"


def test_a_huge_validity_cap_does_not_crash(reference: Path) -> None:
    licence_config("max_validity_days", 1e300)(reference)
    licence_config("revocation_list_max_age_hours", 1e300)(reference)
    assert [f.rule for f in pre4(reference) if f.blocking] == []


# ----------------------------------------------------------------------------- ACT-2


def act2(root: Path) -> list[Finding]:
    return list(check_register(live(root), Policy(), AS_OF_DT))


def test_a_register_linked_out_is_never_read(reference: Path) -> None:
    link_out(REGISTER)(reference)
    (finding,) = blockers(act2(reference), "path.escapes_deployment")
    assert finding.file == REGISTER and "leaves the deployment" in finding.message


def test_a_register_fifo_is_refused_without_hanging(reference: Path) -> None:
    fifo(REGISTER)(reference)
    (finding,) = blockers(act2(reference), "input.refused")
    assert finding.file == REGISTER and "FIFO" in finding.message


def test_a_register_dated_in_the_future_is_a_finding(reference: Path) -> None:
    edit_register(lambda r: r.__setitem__("updated_at", FUTURE))(reference)
    (finding,) = blockers(act2(reference), "register.updated_at.in_future")
    assert finding.file == REGISTER and finding.line and finding.field == "updated_at"


def test_an_unreadable_validity_is_a_finding(reference: Path) -> None:
    edit_register(lambda r: r.__setitem__("valid_until", "end of quarter"))(reference)
    (finding,) = blockers(act2(reference), "register.valid_until_invalid")
    assert finding.file == REGISTER and finding.line


def test_a_register_alias_bomb_is_an_error_naming_the_file(reference: Path) -> None:
    from live_gate.errors import UnreadableInput

    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    write(REGISTER, bomb.encode())(reference)
    with pytest.raises(UnreadableInput) as error:
        act2(reference)
    assert error.value.file == REGISTER


# ----------------------------------------------------------------------------- ACT-1


def act1(root: Path, pol: Policy | None = None, as_of: datetime = AS_OF_DT) -> list[Finding]:
    return list(check_config_freeze(Deployment(root), pol or Policy(), as_of))


def test_a_future_dated_manifest_is_a_finding_and_never_the_newest(reference: Path) -> None:
    future_manifest(reference)
    findings = check_config_freeze(Deployment(reference), Policy(), AS_OF_DT)
    (finding,) = blockers(list(findings), "freeze.generated_at.in_future")
    assert finding.file == f"{STAGE6}/config_freeze_20270301T000000Z.manifest.json"
    assert [f.rule for f in findings if f.blocking] == ["freeze.generated_at.in_future"]
    assert "20261119T120000Z" in dict(findings.facts)["newest freeze"]


def test_a_manifest_linked_out_is_refused_and_never_the_newest(reference: Path) -> None:
    newer_manifest_outside(reference)
    findings = check_config_freeze(Deployment(reference), Policy(), AS_OF_DT)
    (finding,) = blockers(list(findings), "input.refused")
    assert finding.file == f"{STAGE6}/config_freeze_20261120T113000Z.manifest.json"
    assert "20261119T120000Z" in dict(findings.facts)["newest freeze"]


def test_a_manifest_fifo_is_refused_without_hanging(reference: Path) -> None:
    os.mkfifo(reference / STAGE6 / "zz.manifest.json")
    (finding,) = blockers(act1(reference), "input.refused")
    assert finding.file == f"{STAGE6}/zz.manifest.json" and "FIFO" in finding.message


def _freeze_input(reference: Path, target: str) -> str:
    if target == "signature":
        return next((reference / STAGE6).glob("*.sig")).relative_to(reference).as_posix()
    if target == "archive":
        path = next((reference / STAGE6).glob("config_freeze_*/config/core.yaml"))
        return path.relative_to(reference).as_posix()
    if target == "runtime":
        (reference / "config/runtime.yaml").write_text("execution: {}\n")
        return "config/runtime.yaml"
    return "secrets/hmac/kl_freeze_demo.key"


@pytest.mark.parametrize("target", ["signature", "archive", "key", "runtime"])
def test_freeze_inputs_as_fifos_are_refused(target: str, reference: Path) -> None:
    relative = _freeze_input(reference, target)
    fifo(relative)(reference)
    (finding,) = blockers(act1(reference), "input.refused")
    assert finding.file == relative and "FIFO" in finding.message


@pytest.mark.parametrize(
    ("target", "rule"),
    [
        ("signature", "path.escapes_deployment"),
        ("archive", "path.escapes_deployment"),
        ("key", "input.refused"),
        ("runtime", "input.refused"),
    ],
)
def test_freeze_inputs_linked_out_are_never_read(target: str, rule: str, reference: Path) -> None:
    relative = _freeze_input(reference, target)
    link_out(relative)(reference)
    (finding,) = blockers(act1(reference), rule)
    names(finding, relative)
    assert "leaves the deployment" in finding.message


def test_a_freeze_signed_with_another_key_of_the_deployment_fails(reference: Path) -> None:
    freeze_resigned_with_another_key(reference)
    blockers(act1(reference), "freeze.signature_invalid")


def test_a_freeze_without_its_key_fails(reference: Path) -> None:
    delete("secrets/hmac/kl_freeze_demo.key")(reference)
    (finding,) = blockers(act1(reference), "freeze.key_missing")
    assert finding.file and finding.file.endswith(".manifest.json.sig")


def test_a_freeze_key_not_trusted_for_its_stakeholders_fails(reference: Path) -> None:
    assert act1(reference, policy(trusted_signature_keys={"sre": ["kl-freeze-demo"]})) == []
    findings = act1(reference, policy(trusted_signature_keys={"compliance": ["kl-other"]}))
    (finding,) = blockers(findings, "freeze.key_not_trusted")
    assert finding.found == "kl-freeze-demo"


# ----------------------------------------------------------------------------- the whole gate

# One deployment mutation per blocking rule group A introduced (the lead wires it into
# tests/test_gate_defects.py::test_every_blocking_rule_has_a_seeded_defect).
HOSTILE_DEFECTS_A: list[tuple[str, Mutation, str, str]] = [
    (
        "live_allowed written as a string",
        compliance("live_allowed", "true"),
        "PRE-1",
        "flag.not_boolean",
    ),
    (
        "signed_by a plain string",
        readiness("signed_by", "compliance"),
        "PRE-1",
        "signers.not_a_list",
    ),
    (
        "checklist signature vouches for another checklist",
        checklist_claim(lambda p: p.__setitem__("checklist_id", "stage6-binance-2024q3")),
        "PRE-1",
        "signature.claims_mismatch",
    ),
    (
        "document signature names another document",
        kyc_claim(lambda d: d.__setitem__("name", "penetration_report")),
        "PRE-1",
        "signature.claims_mismatch",
    ),
    (
        "checklist signature plain text",
        write(CHECKLIST_SIG, b"ok\n"),
        "PRE-1",
        "signature.malformed",
    ),
    (
        "penetration test stands in for the KYC packet",
        pentest_stands_in_for_kyc,
        "PRE-1",
        "document.reused_file",
    ),
    (
        "document signed in the future",
        document(1, "signed_at", FUTURE),
        "PRE-1",
        "signoff.in_future",
    ),
    ("signature is a FIFO", fifo(KYC_SIG), "PRE-1", "input.refused"),
    ("key linked out", link_out("secrets/hmac/kl_risk_demo.key"), "PRE-1", "input.refused"),
    ("limit NaN", profile("max_daily_loss_pct", float("nan")), "PRE-2", "limit.not_numeric"),
    ("licence is a FIFO", fifo(LICENCE), "PRE-4", "input.refused"),
    ("licence linked out", link_out(LICENCE), "PRE-4", "path.escapes_deployment"),
    (
        "licence expiry unreadable",
        licence_payload(lambda p: p.__setitem__("expires_at", "next year")),
        "PRE-4",
        "license.expires_at_invalid",
    ),
    (
        "revocation list from the future",
        revocations(lambda p: p.__setitem__("generated_at", FUTURE)),
        "PRE-4",
        "revocation.generated_at.in_future",
    ),
    (
        "licence validity cap NaN",
        licence_config("max_validity_days", float("nan")),
        "PRE-4",
        "license.setting_not_a_number",
    ),
    ("register is a FIFO", fifo(REGISTER), "ACT-2", "input.refused"),
    ("register linked out", link_out(REGISTER), "ACT-2", "path.escapes_deployment"),
    (
        "register validity unreadable",
        edit_register(lambda r: r.__setitem__("valid_until", "end of quarter")),
        "ACT-2",
        "register.valid_until_invalid",
    ),
    ("freeze manifest from the future", future_manifest, "ACT-1", "freeze.generated_at.in_future"),
    ("newer freeze manifest linked out", newer_manifest_outside, "ACT-1", "input.refused"),
    ("freeze key gone", delete("secrets/hmac/kl_freeze_demo.key"), "ACT-1", "freeze.key_missing"),
]

# Rules that need a policy (trusted_signature_keys) besides the mutation:
# (name, mutation, gate config, requirement, rule).
HOSTILE_POLICY_DEFECTS_A: list[tuple[str, Mutation, dict[str, Any], str, str]] = [
    (
        "risk document signed with the compliance key",
        resign(
            "config/risk/live/binance/risk_profile_alignment.sig",
            "kl-compliance-demo",
            lambda p: None,
        ),
        {"trusted_signature_keys": TRUSTED},
        "PRE-1",
        "signature.key_not_trusted",
    ),
    (
        "freeze signed with a key not trusted for its stakeholders",
        lambda root: None,
        {"trusted_signature_keys": {"compliance": ["kl-other"]}},
        "ACT-1",
        "freeze.key_not_trusted",
    ),
]


def _assert_caught(judged: CheckLevelResult, requirement: str, rule: str) -> None:
    """The rule blocks the requirement, and each of its findings names a file."""
    assert rule in judged.rules(requirement), (judged.findings.get(requirement), judged.errors)
    findings = [f for f in judged.blocking(requirement) if f.rule == rule]
    assert all(f.file for f in findings), [f.explain() for f in findings]


@pytest.mark.parametrize(
    ("defect", "mutate", "requirement", "rule"),
    HOSTILE_DEFECTS_A,
    ids=[d[0].replace(" ", "-") for d in HOSTILE_DEFECTS_A],
)
def test_hostile_defect_is_caught_by_its_check(
    defect: str, mutate: Mutation, requirement: str, rule: str, reference: Path
) -> None:
    """Check level (tests/checklevel.py): the gate's own steps for the requirement."""
    mutate(reference)
    _assert_caught(judge_checks(reference, requirements={requirement}), requirement, rule)


@pytest.mark.parametrize(
    ("defect", "mutate", "config", "requirement", "rule"),
    HOSTILE_POLICY_DEFECTS_A,
    ids=[d[0].replace(" ", "-") for d in HOSTILE_POLICY_DEFECTS_A],
)
def test_hostile_defect_under_a_policy_is_caught_by_its_check(
    defect: str,
    mutate: Mutation,
    config: dict[str, Any],
    requirement: str,
    rule: str,
    reference: Path,
    tmp_path: Path,
) -> None:
    mutate(reference)
    gate_config = tmp_path / "gate-config.yaml"  # read as --gate-config reads it
    gate_config.write_text(yaml.safe_dump(config))
    judged = judge_checks(reference, requirements={requirement}, policy=gate_config)
    _assert_caught(judged, requirement, rule)


def test_the_reference_passes_with_trusted_keys(reference: Path) -> None:
    judged = judge_checks(
        reference, policy=policy(trusted_signature_keys={**TRUSTED, "sre": ["kl-freeze-demo"]})
    )
    assert judged.blocked == set() and judged.problems == [], (judged.findings, judged.errors)


def test_a_hostile_defect_under_a_policy_is_no_go_in_a_whole_gate_run(
    reference: Path, tmp_path: Path, run_gate: Any
) -> None:
    """Group A's one whole run (the others are judged at check level above): --gate-config
    reaches the checks and the evidence, the verdict, the explanation; and the check-level
    harness finds exactly the blockers the whole run found."""
    _, mutate, config, requirement, rule = HOSTILE_POLICY_DEFECTS_A[0]
    mutate(reference)
    gate_config = tmp_path / "gate-config.yaml"
    gate_config.write_text(yaml.safe_dump(config))
    gate = run_gate(reference, f"--gate-config={gate_config}")
    assert gate.verdict == "NO-GO" and gate.exit_code != 0, gate.output
    assert gate.status(requirement) == "failed", gate.requirement(requirement)
    assert rule in gate.rules(requirement), gate.rules(requirement)
    findings = [f for f in gate.requirement(requirement)["findings"] if f["rule"] == rule]
    assert all(f.get("file") for f in findings), findings
    assert f"[{requirement}]" in gate.output and "runbook:" in gate.output
    assert gate.evidence["policy"]["trusted_signature_keys"]["risk"] == ["kl-risk-demo"]
    judged = judge_checks(reference, policy=gate_config)
    for outcome in gate.evidence["requirements"]:
        assert judged.rules(outcome["id"]) == gate.rules(outcome["id"]), outcome["id"]


def test_group_a_checks_open_files_only_through_the_kit() -> None:
    """Issue 8's meta-test, for group A's files: no direct file access."""
    import re

    from tests.conftest import REPO

    forbidden = re.compile(
        r"open\(|\.read_bytes\(|\.read_text\(|\.glob\(|\.rglob\(|\.iterdir\(|os\.listdir|"
        r"os\.scandir|sqlite3\.connect|json\.loads|json\.load\(|yaml\.|\.is_file\(\)|"
        r"\.is_dir\(\)|\.exists\(\)|\.stat\(|ParquetFile\(|pq\.read"
    )
    files = [
        "live_gate/checks/kyc_aml.py",
        "live_gate/checks/register.py",
        "live_gate/checks/licence.py",
        "live_gate/checks/freeze.py",
        "live_gate/checks/risk_limits.py",
        "live_gate/resources/readiness.py",
        "live_gate/resources/licence.py",
        "live_gate/signing.py",
    ]
    hits = [
        f"{name}:{number}: {line.strip()}"
        for name in files
        for number, line in enumerate((REPO / name).read_text().splitlines(), 1)
        if forbidden.search(line.split("#")[0])
    ]
    assert hits == []
