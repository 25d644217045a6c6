"""The environment's ``live_readiness`` checklist and its signed documents (FORMATS.md §1.1.1).

Values are kept as the configuration writes them (``signed``, ``signed_by``, ``signed_at``): the
checks judge their types, so that ``signed: "true"`` or ``signed_by: compliance`` is a finding,
never read as what the bot writes. Signatures are read and verified by the checks through
:mod:`live_gate.kit.signatures`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from live_gate.resources.deployment import Environment


@dataclass(frozen=True)
class ChecklistDocument:
    index: int
    name: str
    path: str | None
    sha256: Any
    signature_path: str | None
    signed: Any
    signed_by: tuple[str, ...]
    signed_at: Any
    required: bool
    # ``signed_by`` as written: a list of strings is what the bot's loader expects
    signed_by_raw: Any = None

    def categories(self) -> set[str]:
        """``bot_core/runtime/live_signature_categories.py:20-29``."""
        name = self.name.lower()
        signers = {s.lower() for s in self.signed_by}
        found = set()
        if "compliance" in signers or "kyc" in name or "aml" in name:
            found.add("compliance")
        if "risk" in signers or "risk" in name:
            found.add("risk")
        if "penetration" in name or "pentest" in name:
            found.add("penetration")
        return found


@dataclass(frozen=True)
class LiveReadiness:
    checklist_id: str | None
    signed: Any
    signed_by: tuple[str, ...]
    signed_at: Any
    signature_path: str | None
    required_documents: tuple[str, ...]
    documents: tuple[ChecklistDocument, ...]
    signed_by_raw: Any = None

    def documents_to_verify(self) -> tuple[list[ChecklistDocument], list[str]]:
        """Documents named in ``required_documents`` plus every document marked required, and
        the names in ``required_documents`` that have no definition."""
        by_name = {d.name.lower(): d for d in self.documents}
        chosen: dict[str, ChecklistDocument] = {}
        undefined = []
        for name in self.required_documents:
            document = by_name.get(name.lower())
            if document is None:
                undefined.append(name)
            else:
                chosen[name.lower()] = document
        for document in self.documents:
            if document.required:
                chosen.setdefault(document.name.lower(), document)
        return sorted(chosen.values(), key=lambda d: d.index), undefined

    def duplicate_names(self) -> list[str]:
        seen: set[str] = set()
        dupes = []
        for document in self.documents:
            key = document.name.lower()
            if key in seen:
                dupes.append(document.name)
            seen.add(key)
        return dupes


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value if v is not None)
    if isinstance(value, str) and value:
        return (value,)
    return ()


def _required_flag(value: Any) -> bool:
    """As the bot's loader reads ``required``: null / "" => True, and the strings "false",
    "no", "0", "off" => False. Deliberately not stricter: a document read as required is checked
    more, never less."""
    if value is None or value == "":
        return True
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "no", "0", "off")
    return bool(value)


def read_live_readiness(environment: Environment) -> LiveReadiness | None:
    raw = environment.block("live_readiness")
    if raw is None:
        return None
    documents = []
    for index, item in enumerate(raw.get("documents") or []):
        if not isinstance(item, dict) or not item.get("name"):
            continue  # the loader skips entries without a name
        path = item.get("path", item.get("location"))
        signature = item.get("signature_path", item.get("signature"))
        documents.append(
            ChecklistDocument(
                index=index,
                name=str(item["name"]),
                path=str(path) if path else None,
                sha256=item.get("sha256", item.get("checksum")),
                signature_path=str(signature) if signature else None,
                signed=item.get("signed"),
                signed_by=_strings(item.get("signed_by")),
                signed_at=item.get("signed_at"),
                required=_required_flag(item.get("required")),
                signed_by_raw=item.get("signed_by"),
            )
        )
    required_names: list[str] = []
    for name in raw.get("required_documents") or []:
        # the loader drops "null"/"none" and non-strings, and de-duplicates case-insensitively
        if not isinstance(name, str) or name.strip().lower() in ("", "null", "none"):
            continue
        if name.lower() not in {n.lower() for n in required_names}:
            required_names.append(name)
    signature_path = raw.get("signature_path")
    return LiveReadiness(
        checklist_id=str(raw["checklist_id"]) if raw.get("checklist_id") else None,
        signed=raw.get("signed"),
        signed_by=_strings(raw.get("signed_by")),
        signed_at=raw.get("signed_at"),
        signature_path=str(signature_path) if signature_path else None,
        required_documents=tuple(required_names),
        documents=tuple(documents),
        signed_by_raw=raw.get("signed_by"),
    )
