"""Resources: one per artifact kind, each with plain properties that checks compose.

Modelled on Chef InSpec resources. A resource reads (never writes) and turns unreadable input into
:class:`live_gate.resources.deployment.UnreadableInput`, which the gate reports as an error.
"""
