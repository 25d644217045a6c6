"""``live-gate``: the gate from any directory (``live-gate run``), and the commands around it."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from live_gate import PHASES
from live_gate.freeze import FreezeError, write_freeze
from live_gate.reference import REFERENCE_LIVE_ENV, REFERENCE_PAPER_ENV, build
from live_gate.timeutil import InvalidInstant, iso, parse_instant, utc_now


def _example(args: argparse.Namespace) -> int:
    try:
        as_of = parse_instant(args.as_of) if args.as_of else utc_now()
    except InvalidInstant as exc:
        print(f"live-gate example: --as-of: {exc}", file=sys.stderr)
        return 2
    try:
        target = build(Path(args.dir), as_of)
    except FileExistsError as exc:
        print(f"live-gate example: {exc}", file=sys.stderr)
        return 2
    print(f"reference deployment for {iso(as_of)} written to {target}")
    print(f"  live environment: {REFERENCE_LIVE_ENV}; paper environment: {REFERENCE_PAPER_ENV}")
    print(f"  judge it: live-gate run --deployment {target} --as-of {iso(as_of)}")
    return 0


def _freeze(args: argparse.Namespace) -> int:
    try:
        now = parse_instant(args.as_of) if args.as_of else utc_now()
    except InvalidInstant as exc:
        print(f"live-gate freeze: --as-of: {exc}", file=sys.stderr)
        return 2
    try:
        manifest = write_freeze(Path(args.dir), args.key_id, now, tuple(args.stakeholder))
    except FreezeError as exc:
        print(f"live-gate freeze: {exc}", file=sys.stderr)
        return 2
    print(f"configuration frozen: {manifest}")
    print(f"  signature: {manifest}.sig (key {args.key_id})")
    return 0


def pytest_arguments(args: argparse.Namespace, passthrough: list[str]) -> list[str]:
    """``pytest -m PHASE`` pinned to the gate's own checkout: its configuration file, rootdir
    and step modules, whatever the working directory. Paths given relative to the caller's
    directory are made absolute here."""
    from live_gate.scenarios import GATE_PROJECT

    arguments = [
        f"--rootdir={GATE_PROJECT}",
        "-c",
        str(GATE_PROJECT / "pyproject.toml"),
        str(GATE_PROJECT / "steps"),
        "-m",
        args.phase,
    ]
    for option, value in (
        ("--deployment", args.deployment),
        ("--evidence-dir", args.evidence_dir or "reports"),
        ("--gate-config", args.gate_config),
    ):
        if value is not None:
            arguments.append(f"{option}={os.path.abspath(value)}")
    for option, value in (
        ("--env", args.env),
        ("--as-of", args.as_of),
        ("--operator", args.operator),
    ):
        if value is not None:
            arguments.append(f"{option}={value}")
    return [*arguments, *passthrough]


def _run(args: argparse.Namespace, passthrough: list[str]) -> int:
    """The gate, in this process: ``pytest.main`` on the gate's own configuration and steps."""
    import pytest

    from live_gate.scenarios import GATE_PROJECT

    missing = [
        str(p)
        for p in (
            GATE_PROJECT / "pyproject.toml",
            GATE_PROJECT / "steps",
            GATE_PROJECT / "features",
        )
        if not p.exists()
    ]
    if missing:
        print(
            f"live-gate run: the gate's checkout is incomplete ({', '.join(missing)} missing); "
            "install live-gate from its checkout: pip install -e <checkout>",
            file=sys.stderr,
        )
        return 4
    return int(pytest.main(pytest_arguments(args, passthrough)))


def _verify(args: argparse.Namespace) -> int:
    """Check an archived bundle: its checksums, its evidence against the schema, and the
    coverage and verdict decided again from the evidence alone."""
    import json

    from live_gate.checksums import checksum_problems
    from live_gate.evidence import recompute, validation_errors

    bundle = Path(args.bundle)
    problems = checksum_problems(bundle)
    try:
        evidence = json.loads((bundle / "evidence.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        problems.append(f"evidence.json unreadable: {exc}")
        evidence = None
    if evidence is not None:
        problems += [f"evidence.json {e}" for e in validation_errors(evidence)]
    if problems or evidence is None:
        print("bundle NOT intact:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    again = recompute(evidence)
    stated = evidence["verdict"]
    about = (
        f"for {evidence['environment']} (phase {evidence['phase']}, as of {evidence['as_of']}, "
        f"gate {evidence['gate_version']})"
    )
    coverage = f"{again.ran} of {again.expected} scenarios of the phase ran"
    if again.partial:
        coverage = f"PARTIAL run: {coverage}; not run: {', '.join(again.missing) or 'none'}"
    if again.verdict.value != stated or again.inconsistencies:
        reasons = [*again.inconsistencies]
        if again.verdict.value != stated:
            reasons.insert(0, f"it states {stated}, the evidence supports {again.verdict.value}")
        print(
            f"bundle INCONSISTENT {about}: " + "; ".join(reasons) + f"\n  {coverage}",
            file=sys.stderr,
        )
        return 1
    state = "intact, partial run" if again.partial else "intact"
    print(f"bundle {state}: verdict {stated} {about}\n  {coverage}")
    if again.unexpected:
        print(f"  tests that are not the gate's scenarios: {', '.join(again.unexpected)}")
    return 0


def _feature_header(args: argparse.Namespace) -> int:
    """The header a requirement's feature file starts with, generated from the catalogue."""
    from live_gate.catalogue import feature_header, load_catalogue

    try:
        requirement = load_catalogue().get(args.requirement)
    except KeyError as exc:
        print(f"live-gate feature-header: {exc.args[0]}", file=sys.stderr)
        return 2
    print(feature_header(requirement))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="live-gate", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    example = sub.add_parser("example", help="write the reference deployment to DIR")
    example.add_argument("dir", metavar="DIR")
    example.add_argument(
        "--as-of",
        default=None,
        metavar="ISO-8601",
        help="instant the deployment is built for (default: now)",
    )
    example.set_defaults(func=_example)
    freeze = sub.add_parser(
        "freeze",
        help="archive DIR's configuration in var/audit/stage6/ with SHA-256 sums and an HMAC "
        "signature (the one command that writes into a deployment)",
    )
    freeze.add_argument("dir", metavar="DIR")
    freeze.add_argument(
        "--key-id", required=True, help="HMAC key id; the key is DIR/secrets/hmac/<key id>.key"
    )
    freeze.add_argument(
        "--stakeholder",
        action="append",
        default=[],
        help="role that approved the freeze (repeatable)",
    )
    freeze.add_argument(
        "--as-of",
        default=None,
        metavar="ISO-8601",
        help="time recorded as the freeze's generated_at (default: now)",
    )
    freeze.set_defaults(func=_freeze)
    verify = sub.add_parser(
        "verify",
        help="check an evidence bundle: checksums, schema, and its coverage and verdict "
        "recomputed from the evidence",
    )
    verify.add_argument("bundle", metavar="BUNDLE")
    verify.set_defaults(func=_verify)
    header = sub.add_parser(
        "feature-header",
        help="print the header of a requirement's feature file, from the catalogue",
    )
    header.add_argument("requirement", metavar="ID")
    header.set_defaults(func=_feature_header)
    run = sub.add_parser(
        "run",
        help="run the gate from any directory (pytest on the gate's own checkout); options "
        "it does not know are passed to pytest",
    )
    run.add_argument("-m", "--phase", choices=PHASES, default="live_gate", help="phase to judge")
    run.add_argument("--deployment", metavar="DIR", help="the bot's working directory")
    run.add_argument("--env", metavar="NAME", help="environment to judge")
    run.add_argument("--as-of", metavar="ISO-8601", help="instant of judgement (default: now)")
    run.add_argument(
        "--evidence-dir", metavar="DIR", help="where bundles are written (default: ./reports)"
    )
    run.add_argument("--gate-config", metavar="FILE", help="policy file")
    run.add_argument("--operator", help="who runs the gate")
    run.set_defaults(func=None)
    args, passthrough = parser.parse_known_args(argv)
    if args.command == "run":
        return _run(args, passthrough)
    if passthrough:
        parser.error(f"unrecognized arguments: {' '.join(passthrough)}")
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
