"""The features read like the runbook and are traceable: every scenario carries exactly one
requirement ID of the catalogue, that requirement's owner roles and only phases it runs in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from live_gate import PHASES
from live_gate.catalogue import load_catalogue, owner_tag
from tests.conftest import REPO

FEATURES = sorted((REPO / "features").glob("*.feature"))


def _scenarios(path: Path) -> list[tuple[str, set[str]]]:
    found, tags = [], set()
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("@"):
            tags |= {t.lstrip("@") for t in stripped.split()}
        elif stripped.startswith(("Scenario:", "Scenario Outline:")):
            found.append((stripped.split(":", 1)[1].strip(), tags))
            tags = set()
        elif stripped.startswith("Feature:"):
            tags = set()
    return found


def test_there_are_features() -> None:
    assert FEATURES


@pytest.mark.parametrize("path", FEATURES, ids=[p.name for p in FEATURES])
def test_scenarios_are_tagged_from_the_catalogue(path: Path) -> None:
    catalogue = load_catalogue()
    scenarios = _scenarios(path)
    assert scenarios, f"{path.name} has no scenario"
    families = set()
    for name, tags in scenarios:
        ids = [t for t in tags if t in catalogue.ids()]
        assert len(ids) == 1, f"{path.name}: {name!r} must name exactly one requirement: {tags}"
        requirement = catalogue.get(ids[0])
        families.add(requirement.id)
        owners = {t for t in tags if t.startswith("owner-")}
        assert owners == {owner_tag(r) for r in requirement.owners}, (name, owners)
        phases = {t for t in tags if t in PHASES}
        assert phases and phases <= set(requirement.phases), (name, phases)
    assert len(families) == 1, f"{path.name}: one feature file per requirement family"
    feature_line = next(
        line for line in path.read_text().splitlines() if line.startswith("Feature:")
    )
    assert next(iter(families)) in feature_line


def test_every_implemented_requirement_runs_in_all_its_phases() -> None:
    catalogue = load_catalogue()
    phases_seen: dict[str, set[str]] = {}
    for path in FEATURES:
        for _, tags in _scenarios(path):
            for requirement in (t for t in tags if t in catalogue.ids()):
                phases_seen.setdefault(requirement, set()).update(t for t in tags if t in PHASES)
    for requirement, phases in phases_seen.items():
        assert phases == set(catalogue.get(requirement).phases), requirement


def test_steps_are_declarative() -> None:
    """Business language: no file names, code or clicks in a step."""
    for path in FEATURES:
        for line in path.read_text().splitlines():
            if re.match(r"\s*(Given|When|Then|And|But)\b", line):
                assert not re.search(r"\.(ya?ml|json|py)\b|\(\)|click", line), line
