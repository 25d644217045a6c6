"""The gate's own scenarios, known independently of what pytest collected.

The gate judges a run against the scenarios its own feature files define: the ``features/``
folder of the checkout that holds this package, never the folder pytest-bdd was configured to
read (``bdd_features_base_dir`` can be overridden on the command line). They are parsed with the
official Gherkin parser and compiled into pickles (one per scenario, one per Examples row), the
way every Cucumber implementation expands outlines, so that the set does not depend on
pytest-bdd's own reading of the same files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from live_gate import PHASES
from live_gate.catalogue import Catalogue, owner_tag

#: The checkout that holds the ``live_gate`` package: its ``features/``, ``steps/`` and
#: ``pyproject.toml`` are the gate's own.
GATE_PROJECT = Path(__file__).resolve().parent.parent

Example = tuple[tuple[str, str], ...]


def features_dir(project: Path = GATE_PROJECT) -> Path:
    return project / "features"


def steps_dir(project: Path = GATE_PROJECT) -> Path:
    return project / "steps"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ExpectedScenario:
    """One scenario the gate's features define (one per Examples row of an outline)."""

    id: str  # "<feature file>:<scenario line>" (":<row line>" for an Examples row)
    feature: str  # the feature file, relative to the features folder
    line: int  # the line of the Scenario keyword
    name: str  # as rendered for the row
    requirements: tuple[str, ...]
    phases: tuple[str, ...]
    tags: tuple[str, ...]
    example: Example = ()
    steps: tuple[tuple[str, str], ...] = ()  # (keyword, text), background first

    def key(self) -> tuple[str, int, Example]:
        return (self.feature, self.line, self.example)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "feature": self.feature,
            "line": self.line,
            "name": self.name,
            "requirements": list(self.requirements),
            "phases": list(self.phases),
            "example": dict(self.example),
        }


@dataclass(frozen=True)
class FeatureFile:
    path: str  # relative to the features folder
    sha256: str
    name: str = ""
    description: str = ""
    scenario_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class GateFeatures:
    root: Path
    files: tuple[FeatureFile, ...]
    scenarios: tuple[ExpectedScenario, ...]
    problems: tuple[str, ...] = ()
    _by_key: dict[tuple[str, int, Example], ExpectedScenario] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        self._by_key.update((s.key(), s) for s in self.scenarios)

    @property
    def digest(self) -> str:
        """SHA-256 of the feature files' listing in ``sha256sum`` format (sorted by path):
        ``cd features && sha256sum $(find . -name '*.feature' | sort)`` piped into sha256sum
        gives the same value when the paths are written without the leading ``./``."""
        return sha256_hex(listing(self.files).encode("utf-8"))

    @property
    def scenarios_digest(self) -> str:
        return scenarios_digest([s.to_json() for s in self.scenarios])

    def in_phase(self, phase: str) -> tuple[ExpectedScenario, ...]:
        return tuple(s for s in self.scenarios if phase in s.phases)

    def is_own(self, path: str | Path) -> str | None:
        """The relative name of ``path`` if it is one of the gate's own feature files."""
        try:
            relative = Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None
        return relative if any(f.path == relative for f in self.files) else None

    def lookup(self, feature: str, line: int, example: Example) -> ExpectedScenario | None:
        return self._by_key.get((feature, line, example))

    def to_json(self) -> dict[str, Any]:
        return {
            "features_dir": str(self.root),
            "features_sha256": self.digest,
            "scenarios_sha256": self.scenarios_digest,
            "files": [{"path": f.path, "sha256": f.sha256} for f in self.files],
            "scenarios": [s.to_json() for s in self.scenarios],
        }


def listing(files: Iterable[FeatureFile]) -> str:
    return "".join(f"{f.sha256}  {f.path}\n" for f in sorted(files, key=lambda f: f.path))


def scenarios_digest(scenarios: list[dict[str, Any]]) -> str:
    """SHA-256 of the expected scenarios as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(scenarios, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256_hex(text.encode("utf-8"))


def _walk(children: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """Scenarios with the keywords of the background steps that precede their own."""
    background: list[str] = []
    for child in children:
        if "background" in child:
            background = [s["keyword"].strip() for s in child["background"]["steps"]]
        elif "scenario" in child:
            yield child["scenario"], background
        elif "rule" in child:
            for scenario, rule_background in _walk(child["rule"]["children"]):
                yield scenario, background + rule_background


#: what a feature file's text parsed into, per process: (its path relative to the features
#: folder, the SHA-256 of its bytes, the catalogue's IDs) -> (its FeatureFile, its scenarios).
#: Every gate session parsed the same 25 files again (a fleet's every member, the self-tests'
#: in-process runs); a fleet's parent parses them once before it forks and its members find them
#: here. Keyed by the bytes' digest, read again every session: a file changed since (a self-test's
#: broken copy, an edit between two runs) is parsed again, never served an older parse. What is
#: kept is immutable (frozen dataclasses of tuples): no run can change what the next one reads.
_PARSED: dict[tuple[str, str, frozenset[str]], tuple[FeatureFile, tuple[ExpectedScenario, ...]]]
_PARSED = {}
_PARSED_MAX = 512  # entries (a few kB each): the self-tests' broken copies never grow it far


def _parse_file(
    root: Path, path: Path, catalogue: Catalogue
) -> tuple[FeatureFile, tuple[ExpectedScenario, ...]]:
    data = path.read_bytes()
    relative = path.relative_to(root).as_posix()
    key = (relative, sha256_hex(data), frozenset(catalogue.ids()))
    parsed = _PARSED.get(key)
    if parsed is None:
        parsed = _parse_text(relative, data, catalogue)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = parsed
    return parsed


def _parse_text(
    relative: str, data: bytes, catalogue: Catalogue
) -> tuple[FeatureFile, tuple[ExpectedScenario, ...]]:
    from gherkin.parser import Parser
    from gherkin.pickles.compiler import Compiler

    document: Any = Parser().parse(data.decode("utf-8"))
    document["uri"] = relative
    feature = document.get("feature") or {}
    scenarios = {}
    rows: dict[str, tuple[int, Example]] = {}
    keywords: dict[str, list[str]] = {}
    for scenario, background in _walk(feature.get("children", [])):
        scenarios[scenario["id"]] = scenario
        keywords[scenario["id"]] = background + [s["keyword"].strip() for s in scenario["steps"]]
        for examples in scenario.get("examples", []):
            header = [c["value"] for c in (examples.get("tableHeader") or {}).get("cells", [])]
            for row in examples.get("tableBody", []):
                values = [c["value"] or "" for c in row["cells"]]
                rows[row["id"]] = (row["location"]["line"], tuple(zip(header, values, strict=True)))
    ids = set(catalogue.ids())
    expected = []
    for pickle in Compiler().compile(document):
        scenario = scenarios[pickle["astNodeIds"][0]]
        line = int(scenario["location"]["line"])
        scenario_id = f"{relative}:{line}"
        example: Example = ()
        if len(pickle["astNodeIds"]) > 1:
            row_line, example = rows[pickle["astNodeIds"][1]]
            scenario_id += f":{row_line}"
        tags = tuple(sorted(t["name"].lstrip("@") for t in pickle["tags"]))
        step_keywords = keywords[scenario["id"]]
        expected.append(
            ExpectedScenario(
                id=scenario_id,
                feature=relative,
                line=line,
                name=pickle["name"],
                requirements=tuple(sorted(t for t in tags if t in ids)),
                phases=tuple(p for p in PHASES if p in tags),
                tags=tags,
                example=example,
                steps=tuple(
                    (step_keywords[i] if i < len(step_keywords) else "", step["text"])
                    for i, step in enumerate(pickle["steps"])
                ),
            )
        )
    names = tuple(s["name"] for s in scenarios.values())
    return (
        FeatureFile(
            path=relative,
            sha256=sha256_hex(data),
            name=str(feature.get("name", "")),
            description=str(feature.get("description", "")),
            scenario_names=names,
        ),
        tuple(expected),
    )


def load_gate_features(catalogue: Catalogue, root: Path | None = None) -> GateFeatures:
    """Parse every ``*.feature`` under the gate's features folder (recursively, as pytest-bdd's
    ``scenarios()`` does). An unreadable or unparseable file is a problem, never skipped."""
    root = root if root is not None else features_dir()
    files: list[FeatureFile] = []
    scenarios: list[ExpectedScenario] = []
    problems: list[str] = []
    if not root.is_dir():
        problems.append(
            f"the gate's feature files are not where the installed package expects them "
            f"({root}): install live-gate from its checkout (pip install -e <checkout>)"
        )
    for path in sorted(root.rglob("*.feature")) if root.is_dir() else []:
        try:
            parsed, expected = _parse_file(root, path, catalogue)
        except Exception as exc:  # a parse error of the gate's own feature: a gate defect
            message = " ".join(str(exc).split())
            problems.append(f"the gate's feature file {path} cannot be parsed: {message}")
            files.append(FeatureFile(path=path.relative_to(root).as_posix(), sha256=_digest(path)))
            continue
        files.append(parsed)
        scenarios.extend(expected)
    return GateFeatures(root, tuple(files), tuple(scenarios), tuple(problems))


def _digest(path: Path) -> str:
    try:
        return sha256_hex(path.read_bytes())
    except OSError:
        return "0" * 64


# --------------------------------------------------------------------------- the catalogue


def header_fields(description: str) -> str:
    return " ".join(description.split())


def expected_description(catalogue: Catalogue, requirement_id: str) -> str:
    requirement = catalogue.get(requirement_id)
    return header_fields(
        f"Protects: {requirement.protects} Impact: {requirement.impact}. "
        f"Accepted by: {requirement.accepted_by}. References: {requirement.references}"
    )


def catalogue_problems(features: GateFeatures, catalogue: Catalogue) -> list[str]:
    """Where the gate's features disagree with the catalogue: headers, tags, phases.

    One feature file per requirement, named ``<ID> <title>``, its header generated from the
    catalogue (``catalogue.feature_header``); every scenario tagged with exactly that ID, the
    requirement's owner roles and phases the catalogue gives it, and nothing else; together the
    scenarios of a requirement cover every phase the catalogue names.
    """
    problems: list[str] = []
    ids = set(catalogue.ids())
    owner_tags = {owner_tag(r) for r in ("compliance", "security", "risk", "sre", "data", "ai")}
    family_of: dict[str, str] = {}
    for file in features.files:
        requirement_id, _, title = file.name.partition(" ")
        if requirement_id not in ids:
            problems.append(
                f"features/{file.path}: the feature's name {file.name!r} does not start with "
                "a requirement ID of the catalogue"
            )
            continue
        if requirement_id in family_of.values():
            problems.append(f"features/{file.path}: a second feature file for {requirement_id}")
        family_of[file.path] = requirement_id
        requirement = catalogue.get(requirement_id)
        if title != requirement.title:
            problems.append(
                f"features/{file.path}: the feature is named {title!r}, the catalogue's "
                f"title of {requirement_id} is {requirement.title!r}"
            )
        if header_fields(file.description) != expected_description(catalogue, requirement_id):
            problems.append(
                f"features/{file.path}: the header does not say what the catalogue says of "
                f"{requirement_id} (Protects, Impact, Accepted by, References); "
                "catalogue.feature_header() gives the text"
            )
        duplicates = sorted({n for n in file.scenario_names if file.scenario_names.count(n) > 1})
        if duplicates:
            problems.append(
                f"features/{file.path}: scenario names must be unique in a feature "
                f"(pytest-bdd binds only one of each): {', '.join(duplicates)}"
            )
        if not file.scenario_names:
            problems.append(f"features/{file.path}: the feature has no scenario")
    phases_seen: dict[str, set[str]] = {}
    for scenario in features.scenarios:
        where = f"features/{scenario.id} ({scenario.name!r})"
        family = family_of.get(scenario.feature)
        if len(scenario.requirements) != 1:
            problems.append(
                f"{where} must be tagged with exactly one requirement ID of the catalogue, "
                f"found {list(scenario.requirements) or 'none'}"
            )
            continue
        requirement = catalogue.get(scenario.requirements[0])
        if family is not None and requirement.id != family:
            problems.append(f"{where} is tagged {requirement.id} in the feature of {family}")
        owners = {t for t in scenario.tags if t.startswith("owner-")}
        expected_owners = {owner_tag(r) for r in requirement.owners}
        if owners != expected_owners:
            problems.append(
                f"{where} names the owners {sorted(owners)}; the catalogue's owners of "
                f"{requirement.id} are {sorted(expected_owners)}"
            )
        if not scenario.phases:
            problems.append(f"{where} is not tagged with a phase ({', '.join(PHASES)})")
        outside = [p for p in scenario.phases if p not in requirement.phases]
        if outside:
            problems.append(
                f"{where} is tagged with {', '.join(outside)}, where the catalogue does not "
                f"run {requirement.id} (it runs in {', '.join(requirement.phases)})"
            )
        unknown = [t for t in scenario.tags if t not in ids | owner_tags | set(PHASES)]
        if unknown:
            problems.append(f"{where} carries tags the catalogue does not know: {unknown}")
        phases_seen.setdefault(requirement.id, set()).update(scenario.phases)
    for requirement in catalogue.requirements:
        missing = [p for p in requirement.phases if p not in phases_seen.get(requirement.id, ())]
        if missing:
            problems.append(
                f"{requirement.id}: the catalogue runs it in {', '.join(missing)}, but no "
                "scenario of the gate's features checks it there"
            )
    return problems
