"""The features read like the runbook and are traceable, and they say what the catalogue says:
every feature's header is the catalogue's (``catalogue.feature_header``), every scenario carries
exactly one requirement ID, that requirement's owner roles and only phases it runs in. The gate
runs the same check (``scenarios.catalogue_problems``) at every run; here it fails CI first."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from live_gate.catalogue import Catalogue, feature_header, load_catalogue
from live_gate.scenarios import catalogue_problems, load_gate_features
from tests.conftest import REPO

FEATURES = sorted((REPO / "features").glob("*.feature"))


def test_there_are_features() -> None:
    features = load_gate_features(load_catalogue())
    assert FEATURES and features.root == REPO / "features"
    assert len(features.files) == len(FEATURES) and not features.problems


def test_the_features_agree_with_the_catalogue() -> None:
    catalogue = load_catalogue()
    assert catalogue_problems(load_gate_features(catalogue), catalogue) == []


@pytest.mark.parametrize("path", FEATURES, ids=[p.name for p in FEATURES])
def test_each_header_is_generated_from_the_catalogue(path: Path) -> None:
    """Word for word, line breaks aside: the text to paste is ``feature_header(requirement)``."""
    text = path.read_text(encoding="utf-8")
    requirement_id = text.split()[1]
    header = feature_header(load_catalogue().get(requirement_id))
    head = "\n".join(text.splitlines()[: len(header.splitlines()) + 3])
    assert " ".join(header.split()) in " ".join(head.split()), header


def test_every_requirement_of_the_catalogue_has_scenarios_in_each_of_its_phases() -> None:
    catalogue = load_catalogue()
    features = load_gate_features(catalogue)
    for requirement in catalogue.requirements:
        for phase in requirement.phases:
            assert any(
                requirement.id in s.requirements and phase in s.phases for s in features.scenarios
            ), (requirement.id, phase)


def _broken(tmp_path: Path, edit: str, replacement: str) -> list[str]:
    folder = tmp_path / "features"
    folder.mkdir()
    for path in FEATURES:
        (folder / path.name).write_text(path.read_text().replace(edit, replacement))
    catalogue = load_catalogue()
    return catalogue_problems(load_gate_features(catalogue, folder), catalogue)


@pytest.mark.parametrize(
    ("edit", "replacement", "expected"),
    [
        ("@PRE-2 @owner-risk", "@PRE-2 @PRE-3 @owner-risk", "exactly one requirement ID"),
        ("@PRE-2 @owner-risk", "@PRE-3 @owner-sre", "is tagged PRE-3 in the feature of PRE-2"),
        ("@PRE-2 @owner-risk", "@PRE-2 @owner-sre", "the catalogue's owners of PRE-2"),
        ("@ACT-3 @owner-risk @live_gate", "@ACT-3 @owner-risk @live_close", "where the catalogue"),
        ("@ACT-3 @owner-risk @live_gate", "@ACT-3 @owner-risk", "not tagged with a phase"),
        ("@PRE-4 @owner-security", "@PRE-4 @owner-security @wip", "tags the catalogue does not"),
        ("Impact: blocker. Accepted by: Risk.", "Impact: minor.", "the header does not say"),
        ("Feature: PRE-2 Risk limits", "Feature: PRE-2 Limits", "the catalogue's title of PRE-2"),
        ("Feature: PRE-2 ", "Feature: PRE-20 ", "does not start with a requirement ID"),
        ("Scenario: Every alert channel resolves", "Scenario: Critical alerts are never throttled",
         "scenario names must be unique"),
    ],
)  # fmt: skip
def test_a_disagreement_is_reported(
    edit: str, replacement: str, expected: str, tmp_path: Path
) -> None:
    problems = _broken(tmp_path, edit, replacement)
    assert any(expected in p for p in problems), problems


def test_a_requirement_without_scenarios_in_a_phase_is_reported() -> None:
    catalogue = load_catalogue()
    changed = Catalogue(
        catalogue.version,
        tuple(
            replace(r, phases=(*r.phases, "live_close")) if r.id == "PRE-2" else r
            for r in catalogue.requirements
        ),
    )
    problems = catalogue_problems(load_gate_features(changed), changed)
    assert any("PRE-2: the catalogue runs it in live_close" in p for p in problems), problems


def test_steps_are_declarative() -> None:
    """Business language: no file names, code or clicks in a step."""
    for path in FEATURES:
        for line in path.read_text().splitlines():
            if re.match(r"\s*(Given|When|Then|And|But)\b", line):
                assert not re.search(r"\.(ya?ml|json|py)\b|\(\)|click", line), line
