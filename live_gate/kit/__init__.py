"""The check kit: the only code that opens, parses and bounds what the deployment holds.

- :mod:`live_gate.kit.files`: confined, typed, bounded reads and listings;
- :mod:`live_gate.kit.parse`: JSON with bounded nesting and NaN kept out of numbers;
- :mod:`live_gate.kit.values`: finite numbers, strict booleans, instants with both bounds;
- :mod:`live_gate.kit.schemas`: the published JSON Schemas, compiled once;
- :mod:`live_gate.kit.signatures`: one HMAC verifier that compares the payload with the claims.

Resources use it to read; checks compose the resources' plain values. A self-test
(``tests/test_kit.py``) fails if a check or resource opens a file any other way.
"""

from live_gate.kit.files import DeploymentFiles, InputRefused, Limits

__all__ = ["DeploymentFiles", "InputRefused", "Limits"]
