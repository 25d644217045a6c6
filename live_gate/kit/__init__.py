"""The check kit: the only code that opens, parses and bounds what the deployment holds.

- :mod:`live_gate.kit.files`: confined, typed, bounded reads and listings;
- :mod:`live_gate.kit.parse`: JSON with bounded nesting and NaN kept out of numbers;
- :mod:`live_gate.kit.values`: finite numbers, strict booleans, instants with both bounds;
- :mod:`live_gate.kit.schemas`: the published JSON Schemas, compiled once;
- :mod:`live_gate.kit.signatures`: one HMAC verifier that compares the payload with the claims.

Resources use it to read; checks compose the resources' plain values. A self-test
(``tests/test_kit.py``) fails if a check or resource opens a file any other way.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from live_gate.kit.files import DeploymentFiles, InputRefused, Limits

__all__ = ["DeploymentFiles", "InputRefused", "Limits"]


def __getattr__(name: str) -> Any:
    # lazily, so that importing a leaf (live_gate.kit.parse, from yamlsource) does not import
    # kit.files, which imports yamlsource: importing live_gate.yamlsource first must work
    if name in __all__:
        from live_gate.kit import files

        return getattr(files, name)
    raise AttributeError(f"module 'live_gate.kit' has no attribute {name!r}")
