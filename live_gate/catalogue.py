"""The runbook's requirement catalogue: IDs, titles, owners, phases and the runbook's remedy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

REQUIREMENT_ID = re.compile(r"^(PRE|ACT|ESC|CLOSE)-\d+$")
OWNER_ROLES: tuple[str, ...] = ("compliance", "security", "risk", "sre", "data", "ai")


@dataclass(frozen=True)
class Requirement:
    id: str
    place: str
    title: str
    owners: tuple[str, ...]
    phases: tuple[str, ...]
    applies_to: tuple[str, ...]
    remedy: str


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


@cache
def load_catalogue() -> Catalogue:
    text = files("live_gate").joinpath("data/requirements.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    requirements = tuple(
        Requirement(
            id=item["id"],
            place=item["place"],
            title=item["title"],
            owners=tuple(item["owners"]),
            phases=tuple(item["phases"]),
            applies_to=tuple(item["applies_to"]),
            remedy=" ".join(str(item["remedy"]).split()),
        )
        for item in raw["requirements"]
    )
    return Catalogue(version=int(raw["catalogue_version"]), requirements=requirements)


def owner_tag(role: str) -> str:
    """The Gherkin tag (and pytest marker) naming an owner role: ``@owner-compliance``."""
    return f"owner-{role}"
