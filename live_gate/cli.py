"""``live-gate``: the gate from any directory (``live-gate run``), and the commands around it."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

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
        ("--signing-key-file", args.signing_key_file),
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
        return 3
    from live_gate.fleet import is_fleet

    if is_fleet(args.env):
        return _fleet(args, passthrough)
    import pytest

    code = int(pytest.main(pytest_arguments(args, passthrough)))
    return _status(code)


def _status(code: int) -> int:
    """pytest's own usage errors (an unknown option, an unwritable evidence folder) are 4:
    live-gate's usage status is 2 (README "Exit statuses")."""
    import pytest

    return 2 if code == int(pytest.ExitCode.USAGE_ERROR) else code


def _judge(args: argparse.Namespace, passthrough: list[str]) -> tuple[int, Path | None]:
    """One gate run in this process: its exit status and its bundle (None when nothing ran)."""
    import pytest

    from live_gate.plugin import PLUGIN_NAME

    class BundleOf:
        """Finds the gate run's plugin object in the session, to read where its bundle went."""

        plugin: Any = None

        @pytest.hookimpl(trylast=True)
        def pytest_configure(self, config: pytest.Config) -> None:
            self.plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)

    found = BundleOf()
    code = int(pytest.main(pytest_arguments(args, passthrough), plugins=[found]))
    run = getattr(found.plugin, "run", None)
    bundle: Path | None = getattr(run, "bundle", None)
    return _status(code), bundle


def _fleet(args: argparse.Namespace, passthrough: list[str]) -> int:
    """``--env all`` or a glob: every environment of the phase's kind, one gate run (and one
    bundle) each, then the fleet summary and its index page (live_gate.fleet). What the runs
    share is done once here (the configuration parsed by ``usage.environments``, the imports by
    :func:`_warm`); then each environment's session runs in a child forked from this process,
    as many at a time as there are CPUs (``--fleet-workers``)."""
    from live_gate import history, usage
    from live_gate.fleet import Fleet, cpus, expand, run_fleet

    pattern = str(args.env)
    try:
        usage.check_as_of(args.as_of)
        policy = usage.check_policy(args.gate_config)
        root = usage.check_deployment(args.deployment)
        kinds = usage.environments(root, policy)
        if kinds is None:
            # the configuration cannot be read: no environment can be named, so one run without
            # --env judges that (the deployment's NO-GO, with its bundle), as a single run would
            envs, other = [""], list[str]()
        elif pattern in kinds:  # an environment really named so: judged alone, as named
            envs, other = [pattern], list[str]()
        else:
            envs, other = expand(pattern, kinds, args.phase)
        if args.fleet_workers is not None and args.fleet_workers < 1:
            raise usage.GateUsageError(f"--fleet-workers {args.fleet_workers}: at least 1")
        if args.fleet_timeout is not None and not args.fleet_timeout > 0:
            raise usage.GateUsageError(f"--fleet-timeout {args.fleet_timeout}: more than 0 s")
    except usage.GateUsageError as exc:
        print(f"live-gate: usage error: {exc}", file=sys.stderr)
        return usage.EXIT_USAGE
    evidence_root = Path(os.path.abspath(args.evidence_dir or "reports"))
    fleet = Fleet(
        phase=args.phase,
        pattern=pattern,
        deployment=str(root) if root else "the reference deployment",
        as_of=args.as_of,
        started=utc_now(),
        evidence_root=evidence_root,
        not_judged=other,
    )

    # one environment is judged here, as a single run; several in forked children, after the
    # work they share
    workers = 0 if len(envs) == 1 else min(args.fleet_workers or cpus(), cpus())

    def judge(env: str) -> tuple[int, Path | None]:
        if workers:  # in the environment's own process: the fleet writes the index, once
            from live_gate import plugin

            plugin.FLEET_WRITES_INDEX = True
        return _judge(argparse.Namespace(**{**vars(args), "env": env or None}), passthrough)

    if workers and _warm(args, envs[0]):
        print("live-gate: interrupted before any environment was judged", file=sys.stderr)
        return usage.EXIT_USAGE  # pytest's INTERRUPTED, as a single run interrupted so early
    code = run_fleet(
        fleet,
        envs,
        judge,
        workers=workers,
        timeout=args.fleet_timeout or FLEET_TIMEOUT,
        replay=_replay,
        shareable=SHARED_ON_FIRST_USE,
    )
    if code == usage.EXIT_USAGE:
        return code
    lines = fleet.summary_lines()
    if workers and any(m.bundle is not None for m in fleet.members):
        try:  # the runs left the evidence folder's index to the fleet
            history.write_index(evidence_root)
        except OSError as exc:  # a convenience: the bundles are complete
            lines.append(f"live-gate evidence index NOT written ({exc})")
    try:
        lines.append(f"live-gate fleet index: {fleet.write()}")
    except OSError as exc:  # the bundles are the evidence; only their index could not be written
        lines.append(f"live-gate fleet index NOT written ({exc}): the bundles above are complete")
    print("\n".join(lines))
    return code


#: how long one environment's run may take in a fleet before it is stopped as hung (NO-GO)
FLEET_TIMEOUT = 1800.0

#: the packages some checks import on first use (ccxt in ``live_gate.exchanges._ccxt`` for
#: PRE-7; pyarrow, pyarrow.parquet and pyarrow.compute for PRE-5; the gate's own modules a check
#: imports lazily, such as live_gate.router.reference; the interpreter's _strptime on the first
#: ``datetime.strptime``): a fleet imports their modules once, after the first run that needed
#: them, for the runs it starts after that (``live_gate.fleet.judge_forked``); measured, the
#: reference's every member after the first two imported pyarrow.compute and the router's
#: reference again before they were shared
SHARED_ON_FIRST_USE = ("ccxt", "pyarrow", "live_gate", "_strptime")


def _warm(args: argparse.Namespace, env: str) -> bool:
    """The work every environment's session would repeat, done once before the fleet forks:
    pytest's configuration, plugins, the gate's step modules and feature files (a collect-only
    session, which judges and writes nothing, its listing not shown). Nothing here decides
    anything: whatever fails is done again (and reported) by each environment's own run. True
    if it was interrupted (Ctrl-C): then the fleet stops."""
    import gc

    import pytest

    sys.stdout.flush()
    shown = os.dup(1)
    code: int | pytest.ExitCode = pytest.ExitCode.OK
    try:
        with open(os.devnull, "w") as nowhere:
            os.dup2(nowhere.fileno(), 1)
            try:
                pinned = argparse.Namespace(**{**vars(args), "env": env or None})
                code = pytest.main(pytest_arguments(pinned, ["--collect-only", "-q"]))
            except Exception:  # each environment's own run reports it
                pass
            finally:
                sys.stdout.flush()
    finally:
        os.dup2(shown, 1)
        os.close(shown)
    # what every judging session does before its first scenario and at its end, whatever it
    # judges, and a collect-only session does not: the gate's own feature files parsed (cached
    # per process by their digest, live_gate.scenarios) and the evidence schema's validator
    # built (jsonschema imported): once here, not in every child
    with contextlib.suppress(Exception):  # each environment's own run does it again, reports it
        from live_gate.catalogue import load_catalogue
        from live_gate.kit.schemas import validator
        from live_gate.scenarios import load_gate_features

        load_gate_features(load_catalogue())
        validator("evidence")
    # what the children inherit stays shared: the collector does not touch (and so copy) the
    # parent's objects in every child
    gc.collect()
    gc.freeze()
    return code == pytest.ExitCode.INTERRUPTED


def _replay(out: bytes, err: bytes) -> None:
    """One environment's output, whole, as its run wrote it."""
    for stream, data in ((sys.stdout, out), (sys.stderr, err)):
        if data:
            stream.flush()
            stream.buffer.write(data)
            stream.buffer.flush()


def _key(args: argparse.Namespace, command: str) -> tuple[bytes | None, int]:
    """The signing key for checking: --key-file, else $LIVE_GATE_SIGNING_KEY; (None, 2) on a
    usage error."""
    from live_gate.sealing import KEY_ENV, SigningKeyError, load_signing_key

    try:
        return load_signing_key(args.key_file, os.environ.get(KEY_ENV), None), 0
    except SigningKeyError as exc:
        print(f"live-gate {command}: {exc}", file=sys.stderr)
        return None, 2


def _verify(args: argparse.Namespace) -> int:
    """Check an archived bundle: its signature, that SHA256SUMS lists exactly its files, its
    evidence against the schema, the coverage and verdict decided again from the evidence
    alone, that report.html states the same verdict and statuses, and that the evidence is
    this bundle's own. Exit 0 intact, 1 any discrepancy (each one named), 2 usage error."""
    from live_gate.evidence import recompute, validation_errors
    from live_gate.sealing import verify_bundle

    key, code = _key(args, "verify")
    if code:
        return code
    bundle = Path(args.bundle)
    if not bundle.is_dir():
        print(f"live-gate verify: {bundle}: no such bundle folder", file=sys.stderr)
        return 2
    checked = verify_bundle(bundle, key)
    problems = list(checked.discrepancies)
    evidence = checked.evidence
    if evidence is not None:
        problems += [f"evidence.json {e}" for e in validation_errors(evidence)]
    signature = {
        "unsigned": "UNSIGNED (no signature.json): nothing vouches for who wrote this bundle",
        "verified": "verified (HMAC-SHA256, key given)",
        "not checked (no key)": "present, NOT checked: give --key-file or $LIVE_GATE_SIGNING_KEY",
        "tampered": "TAMPERED",
    }[checked.signature]
    if evidence is None or (problems and not isinstance(evidence.get("expected"), dict)):
        print(
            "bundle NOT intact:\n  " + "\n  ".join(problems) + f"\n  signature: {signature}",
            file=sys.stderr,
        )
        return 1
    again = recompute(evidence)
    stated = evidence.get("verdict")
    about = (
        f"for {evidence.get('environment')} (phase {evidence.get('phase')}, as of "
        f"{evidence.get('as_of')}, gate {evidence.get('gate_version')})"
    )
    coverage = f"{again.ran} of {again.expected} scenarios of the phase ran"
    if again.partial:
        coverage = f"PARTIAL run: {coverage}; not run: {', '.join(again.missing) or 'none'}"
    reasons = [*again.inconsistencies]
    if again.verdict.value != stated:
        reasons.insert(0, f"it states {stated}, the evidence supports {again.verdict.value}")
    if problems or reasons:
        # every discrepancy named: the bundle's integrity first, then what the evidence shows
        head = "bundle NOT intact" if problems else f"bundle INCONSISTENT {about}"
        print(
            f"{head}:\n  "
            + "\n  ".join([*problems, *reasons])
            + f"\n  {coverage}\n  signature: {signature}",
            file=sys.stderr,
        )
        return 1
    state = "intact, partial run" if again.partial else "intact"
    waived = [q["id"] for q in evidence["requirements"] if q.get("status") == "waived"]
    shown = f"{stated} with {len(waived)} waiver(s) ({', '.join(waived)})" if waived else stated
    print(f"bundle {state}: verdict {shown} {about}\n  {coverage}\n  signature: {signature}")
    if again.unexpected:
        print(f"  tests that are not the gate's scenarios: {', '.join(again.unexpected)}")
    return 0


def _diff(args: argparse.Namespace) -> int:
    """What changed from bundle OLD to bundle NEW: both verified first."""
    from live_gate.history import compare, describe
    from live_gate.sealing import verify_bundle

    key, code = _key(args, "diff")
    if code:
        return code
    checked = []
    for given in (args.old, args.new):
        if not Path(given).is_dir():
            print(f"live-gate diff: {given}: no such bundle folder", file=sys.stderr)
            return 2
        result = verify_bundle(Path(given), key)
        if result.discrepancies or result.evidence is None:
            print(
                f"live-gate diff: {given} is NOT intact, nothing compared:\n  "
                + "\n  ".join(result.discrepancies),
                file=sys.stderr,
            )
            return 1
        checked.append(result.evidence)
    old, new = checked
    print(f"{args.old} ({old['verdict']}) -> {args.new} ({new['verdict']})")
    for line in describe(compare(old, new))[1:]:
        print(f"  {line}")
    return 0


def _index(args: argparse.Namespace) -> int:
    from live_gate.history import write_index

    root = Path(args.evidence_dir)
    if not root.is_dir():
        print(f"live-gate index: {root}: no such evidence folder", file=sys.stderr)
        return 2
    print(f"index of runs written to {write_index(root)}")
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
    verify.add_argument(
        "--key-file",
        metavar="FILE",
        help="the signing key (hex or raw; default $LIVE_GATE_SIGNING_KEY)",
    )
    verify.set_defaults(func=_verify)
    diff = sub.add_parser(
        "diff", help="what changed between two bundles (requirements, findings new and resolved)"
    )
    diff.add_argument("old", metavar="OLD")
    diff.add_argument("new", metavar="NEW")
    diff.add_argument("--key-file", metavar="FILE", help="the signing key, as for verify")
    diff.set_defaults(func=_diff)
    index = sub.add_parser(
        "index", help="write EVIDENCE_DIR/index.html: every run in the folder, newest first"
    )
    index.add_argument("evidence_dir", metavar="EVIDENCE_DIR")
    index.set_defaults(func=_index)
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
    run.add_argument(
        "--env",
        metavar="NAME",
        help="environment to judge; 'all' or a glob ('*_live') judges every environment of the "
        "phase's kind, one bundle each, and writes a fleet summary",
    )
    run.add_argument(
        "--fleet-workers",
        type=int,
        metavar="N",
        help="with --env all or a glob: environments judged at a time, each in its own process "
        "(default and most: the CPUs)",
    )
    run.add_argument(
        "--fleet-timeout",
        type=float,
        metavar="SECONDS",
        help=f"with --env all or a glob: one environment's run that takes longer is stopped and "
        f"is NO-GO (default: {FLEET_TIMEOUT:g})",
    )
    run.add_argument("--as-of", metavar="ISO-8601", help="instant of judgement (default: now)")
    run.add_argument(
        "--evidence-dir", metavar="DIR", help="where bundles are written (default: ./reports)"
    )
    run.add_argument("--gate-config", metavar="FILE", help="policy file")
    run.add_argument("--operator", help="who runs the gate")
    run.add_argument(
        "--signing-key-file", metavar="FILE", help="key the bundle is signed with (HMAC-SHA256)"
    )
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
