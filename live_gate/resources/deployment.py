"""The deployment (the bot's working directory) and its environments, read from raw YAML.

Raw YAML, not the bot's dataclasses: ``runtime_entrypoints.*.compliance`` exists only in the raw
file (FORMATS.md §0.4), and the bot's loader would refuse the real config anyway (§0.1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from live_gate.errors import UnreadableInput
from live_gate.kit.files import DeploymentFiles, Limits
from live_gate.paths import ConfinedPath
from live_gate.yamlsource import DuplicateKey, YamlDocument

__all__ = [
    "CORE_CONFIG",
    "Deployment",
    "Environment",
    "RuntimeEntrypoint",
    "UnreadableInput",
]

CORE_CONFIG = "config/core.yaml"
ENVIRONMENT_KINDS = ("live", "paper", "testnet")


@dataclass(frozen=True)
class EntrypointCompliance:
    live_allowed: Any
    signed: Any
    risk_profiles: tuple[str, ...]
    signoffs: tuple[str, ...]
    require_signoff: bool


@dataclass(frozen=True)
class RuntimeEntrypoint:
    name: str
    environment: str
    risk_profile: str | None
    trusted_auto_confirm: bool
    raw: dict[str, Any]
    line: int | None

    @property
    def compliance(self) -> EntrypointCompliance | None:
        block = self.raw.get("compliance")
        if not isinstance(block, dict):
            return None
        signoffs = block.get("signoffs", block.get("signatures")) or []
        require = block.get("require_signoff")
        return EntrypointCompliance(
            live_allowed=block.get("live_allowed"),
            signed=block.get("signed"),
            risk_profiles=tuple(str(p) for p in (block.get("risk_profiles") or [])),
            signoffs=tuple(str(s) for s in signoffs) if isinstance(signoffs, list) else (),
            require_signoff=True if require is None else bool(require),
        )


class Deployment:
    """A deployment directory: ``config/core.yaml`` and everything it points at."""

    def __init__(self, root: Path, limits: Limits | None = None) -> None:
        self.files = DeploymentFiles(root, limits)
        self.root = self.files.root
        self.paths = self.files.paths
        self.config_path = self.root / CORE_CONFIG
        self.config_dir = self.config_path.parent
        self.config_file = CORE_CONFIG
        confined = self.files.at(CORE_CONFIG)
        kind = self.files.kind(confined)
        if kind == "missing":
            raise UnreadableInput(
                "the deployment has no core configuration (expected config/core.yaml)", CORE_CONFIG
            )
        self.config_bytes = self.files.read_bytes(confined)
        self.document: YamlDocument = self.files.yaml(confined)
        if not isinstance(self.document.data, dict):
            raise UnreadableInput("the core configuration is not a YAML mapping", CORE_CONFIG, 1)
        self.raw: dict[str, Any] = self.document.data

    @cached_property
    def config_sha256(self) -> str:
        return hashlib.sha256(self.config_bytes).hexdigest()

    @property
    def duplicate_keys(self) -> list[DuplicateKey]:
        return self.document.duplicates

    def line(self, *path: str | int) -> int | None:
        return self.document.line_of(*path)

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name)
        return value if isinstance(value, dict) else {}

    def environment_names(self) -> list[str]:
        return [str(name) for name in self.section("environments")]

    def live_environment_names(self) -> list[str]:
        return [
            name
            for name, env in self.section("environments").items()
            if isinstance(env, dict) and str(env.get("environment", "")).lower() == "live"
        ]

    def environment(self, name: str) -> Environment:
        envs = self.section("environments")
        if name not in envs:
            known = ", ".join(sorted(envs)) or "none"
            raise UnreadableInput(
                f"environment {name!r} is not defined (environments: {known})",
                self.config_file,
                self.line("environments"),
            )
        raw = envs[name]
        if not isinstance(raw, dict):
            raise UnreadableInput(
                f"environments.{name} is not a mapping",
                self.config_file,
                self.line("environments", name),
            )
        return Environment(self, name, raw)

    def entrypoints(self) -> list[RuntimeEntrypoint]:
        result = []
        for name, raw in self.section("runtime_entrypoints").items():
            if not isinstance(raw, dict):
                continue
            result.append(
                RuntimeEntrypoint(
                    name=str(name),
                    environment=str(raw.get("environment", "")),
                    risk_profile=str(raw["risk_profile"]) if raw.get("risk_profile") else None,
                    trusted_auto_confirm=bool(raw.get("trusted_auto_confirm", False)),
                    raw=raw,
                    line=self.line("runtime_entrypoints", str(name)),
                )
            )
        return result

    def resolve_document(self, configured: str) -> ConfinedPath:
        """Documents (live_readiness, register) are relative to the config folder (§1.9)."""
        return self.paths.resolve(self.config_dir, configured)

    def resolve_from_root(self, configured: str) -> ConfinedPath:
        """Runtime paths such as ``data_cache_path`` and licences: relative to the working dir."""
        return self.paths.resolve(self.root, configured)


class Environment:
    def __init__(self, deployment: Deployment, name: str, raw: dict[str, Any]) -> None:
        self.deployment = deployment
        self.name = name
        self.raw = raw

    def line(self, *path: str | int) -> int | None:
        return self.deployment.line("environments", self.name, *path)

    @property
    def kind(self) -> str:
        return str(self.raw.get("environment", "")).lower()

    @property
    def risk_profile_name(self) -> str | None:
        value = self.raw.get("risk_profile")
        return str(value) if value is not None else None

    @property
    def risk_profile(self) -> dict[str, Any] | None:
        if self.risk_profile_name is None:
            return None
        profile = self.deployment.section("risk_profiles").get(self.risk_profile_name)
        return profile if isinstance(profile, dict) else None

    @property
    def alert_channels(self) -> list[Any]:
        value = self.raw.get("alert_channels")
        return list(value) if isinstance(value, list) else []

    @property
    def offline_mode(self) -> bool:
        return bool(self.raw.get("offline_mode", False))

    def block(self, name: str) -> dict[str, Any] | None:
        value = self.raw.get(name)
        return value if isinstance(value, dict) else None

    @property
    def data_cache_path(self) -> str | None:
        value = self.raw.get("data_cache_path")
        return str(value) if value else None

    def resolve_data_path(self, configured: str) -> ConfinedPath:
        """Runtime logs live under ``data_cache_path`` (``RuntimePaths.resolve_data_path``)."""
        if self.data_cache_path is None:
            raise UnreadableInput(
                f"environments.{self.name}.data_cache_path is missing",
                self.deployment.config_file,
                self.line(),
            )
        cache = self.deployment.resolve_from_root(self.data_cache_path)
        return self.deployment.paths.resolve(cache.path, configured)

    def bound_entrypoints(self) -> list[RuntimeEntrypoint]:
        return [e for e in self.deployment.entrypoints() if e.environment == self.name]
