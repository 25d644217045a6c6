"""``live-gate``: commands around the gate (the gate itself runs as ``pytest -m live_gate``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
    print(f"  judge it: pytest -m live_gate --deployment {target} --as-of {iso(as_of)}")
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


def _verify(args: argparse.Namespace) -> int:
    """Check an archived bundle: its checksums and its evidence against the schema."""
    import hashlib
    import json

    from live_gate.evidence import validation_errors

    bundle = Path(args.bundle)
    sums = bundle / "SHA256SUMS"
    problems: list[str] = []
    if not sums.is_file():
        problems.append("no SHA256SUMS")
    else:
        for line in sums.read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition("  ")
            target = bundle / name
            if not target.is_file():
                problems.append(f"{name}: missing")
            elif hashlib.sha256(target.read_bytes()).hexdigest() != digest:
                problems.append(f"{name}: checksum does not match")
    try:
        evidence = json.loads((bundle / "evidence.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        problems.append(f"evidence.json unreadable: {exc}")
        evidence = None
    if evidence is not None:
        problems += [f"evidence.json {e}" for e in validation_errors(evidence)]
    if problems:
        print("bundle NOT intact:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(
        f"bundle intact: verdict {evidence['verdict']} for {evidence['environment']} "
        f"(phase {evidence['phase']}, as of {evidence['as_of']}, gate {evidence['gate_version']})"
    )
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
    verify = sub.add_parser("verify", help="check an evidence bundle's checksums and schema")
    verify.add_argument("bundle", metavar="BUNDLE")
    verify.set_defaults(func=_verify)
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
