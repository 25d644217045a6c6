"""The gate's published JSON Schemas, each compiled once per process.

jsonschema is imported when a schema is first compiled, not when this module is: pytest loads the
plugin (and so the evidence and policy modules that use this one) in every session, ``pytest
--help`` included."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator


@cache
def schema(name: str) -> dict[str, Any]:
    """``live_gate/schemas/<name>.schema.json``."""
    text = files("live_gate").joinpath(f"schemas/{name}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _number_checker() -> Any:
    # NonFinite (NaN/Infinity read from a file) is not a "number" for any schema; bool neither
    from jsonschema import Draft202012Validator

    from live_gate.kit.parse import NonFinite

    base = Draft202012Validator.TYPE_CHECKER

    def is_number(checker: Any, instance: Any) -> bool:
        return not isinstance(instance, NonFinite) and base.is_type(instance, "number")

    return base.redefine("number", is_number)


@cache
def validator(name: str) -> Draft202012Validator:
    import jsonschema
    from jsonschema import Draft202012Validator

    cls = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, type_checker=_number_checker()
    )
    compiled: Draft202012Validator = cls(schema(name), format_checker=None)
    return compiled


def json_path(parts: Any, root: str = "$") -> str:
    out = root
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def first_error(name: str, instance: Any) -> tuple[str, str] | None:
    """``(JSON path, message)`` of the first schema error, or None when the instance is valid."""
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    return json_path(errors[0].absolute_path), errors[0].message


def all_errors(name: str, instance: Any) -> list[tuple[str, str]]:
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [(json_path(e.absolute_path), e.message) for e in errors]
