"""The runbook's requirement catalogue: the one declaration of every requirement.

Each requirement carries its title, owners, phases, the environment kinds it applies to, its
impact, what it protects, its references and the runbook's remedy. The features' headers and the
scenarios' tags are checked against it (``live_gate.scenarios.catalogue_problems``).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

from live_gate import PHASES

REQUIREMENT_ID = re.compile(r"^(PRE|ACT|ESC|CLOSE)-\d+$")
OWNER_ROLES: tuple[str, ...] = ("compliance", "security", "risk", "sre", "data", "ai")
ROLE_NAMES = {
    "compliance": "Compliance",
    "security": "Security",
    "risk": "Risk",
    "sre": "SRE",
    "data": "Data",
    "ai": "AI",
}
ENVIRONMENT_KINDS = ("live", "paper", "testnet")
IMPACTS = ("blocker",)
_FIELDS = (
    "id",
    "place",
    "title",
    "owners",
    "phases",
    "applies_to",
    "impact",
    "protects",
    "references",
    "remedy",
)


class CatalogueError(ValueError):
    """The catalogue file itself is malformed: a gate defect, never a deployment's fault."""


@dataclass(frozen=True)
class Requirement:
    id: str
    place: str
    title: str
    owners: tuple[str, ...]
    phases: tuple[str, ...]
    applies_to: tuple[str, ...]
    impact: str
    protects: str
    references: str
    remedy: str

    @property
    def accepted_by(self) -> str:
        """The owner roles as the feature header says them: "SRE and Risk"."""
        names = [ROLE_NAMES[r] for r in self.owners]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def tags(self) -> frozenset[str]:
        """The tags every scenario of this requirement carries, besides its phases."""
        return frozenset({self.id, *(owner_tag(r) for r in self.owners)})


@dataclass(frozen=True)
class Catalogue:
    version: int
    requirements: tuple[Requirement, ...]

    def get(self, requirement_id: str) -> Requirement:
        for requirement in self.requirements:
            if requirement.id == requirement_id:
                return requirement
        raise KeyError(f"{requirement_id} is not in the requirement catalogue")

    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.requirements)

    def in_phase(self, phase: str) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if phase in r.phases)


def _text(value: object) -> str:
    return " ".join(str(value).split())


def _requirement(item: dict[str, object]) -> Requirement:
    missing = [f for f in _FIELDS if f not in item]
    unknown = sorted(set(item) - set(_FIELDS))
    name = item.get("id", "?")
    if missing or unknown:
        raise CatalogueError(f"{name}: missing {missing}, unknown {unknown}")
    lists = {}
    for key, allowed in (("owners", OWNER_ROLES), ("phases", PHASES), ("applies_to", None)):
        value = item[key]
        if not isinstance(value, list) or not value:
            raise CatalogueError(f"{name}: {key} must be a non-empty list")
        allowed = allowed if allowed is not None else ENVIRONMENT_KINDS
        if not set(map(str, value)) <= set(allowed):
            raise CatalogueError(f"{name}: {key} {value} outside {list(allowed)}")
        lists[key] = tuple(str(v) for v in value)
    requirement = Requirement(
        id=str(item["id"]),
        place=_text(item["place"]),
        title=_text(item["title"]),
        owners=lists["owners"],
        phases=lists["phases"],
        applies_to=lists["applies_to"],
        impact=_text(item["impact"]),
        protects=_text(item["protects"]),
        references=_text(item["references"]),
        remedy=_text(item["remedy"]),
    )
    if not REQUIREMENT_ID.match(requirement.id):
        raise CatalogueError(f"{requirement.id}: not a requirement ID")
    if requirement.impact not in IMPACTS:
        raise CatalogueError(f"{requirement.id}: impact {requirement.impact!r} not in {IMPACTS}")
    return requirement


@cache
def load_catalogue() -> Catalogue:
    text = files("live_gate").joinpath("data/requirements.yaml").read_text(encoding="utf-8")
    # the gate's own file: libyaml's safe loader when present (ten times faster), else PyYAML's
    raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    requirements = tuple(_requirement(item) for item in raw["requirements"])
    ids = [r.id for r in requirements]
    if len(set(ids)) != len(ids):
        raise CatalogueError(f"duplicate requirement IDs in the catalogue: {ids}")
    return Catalogue(version=int(raw["catalogue_version"]), requirements=requirements)


def owner_tag(role: str) -> str:
    """The Gherkin tag (and pytest marker) naming an owner role: ``@owner-compliance``."""
    return f"owner-{role}"


def feature_header(requirement: Requirement, width: int = 100) -> str:
    """The header a requirement's feature file starts with, generated from the catalogue."""

    def field(label: str, text: str) -> str:
        return textwrap.fill(
            f"{label}: {text}",
            width,
            initial_indent="  ",
            subsequent_indent="  ",
            break_long_words=False,
            break_on_hyphens=False,
        )

    return "\n".join(
        [
            f"Feature: {requirement.id} {requirement.title}",
            field("Protects", requirement.protects),
            f"  Impact: {requirement.impact}. Accepted by: {requirement.accepted_by}.",
            field("References", requirement.references),
        ]
    )
