"""Resolving the deployment's paths the way the bot does, confined to the deployment.

The bot resolves documents relative to the config folder, runtime logs under ``data_cache_path``
and licence paths relative to the working directory (FORMATS.md §1.1, §1.9, §1.4). The gate adds
one rule the bot does not have: a path that leaves the deployment (absolute, ``..`` or a symbolic
link pointing outside) is refused and never read, so a deployment cannot make the gate vouch for
files it does not ship.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


class PathEscapesDeployment(ValueError):
    """A configured path points outside the deployment."""

    def __init__(self, configured: str, reason: str) -> None:
        super().__init__(f"path {configured!r} {reason}")
        self.configured = configured
        self.reason = reason


@dataclass(frozen=True)
class ConfinedPath:
    """A path inside the deployment: ``path`` is absolute, ``relative`` is from the root."""

    path: Path
    relative: str

    def exists(self) -> bool:
        return self.path.exists()


class DeploymentPaths:
    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        self.real_root = Path(os.path.realpath(self.root))

    def resolve(self, base: Path, configured: str) -> ConfinedPath:
        """Resolve ``configured`` against ``base`` (a folder inside the deployment).

        Refuses absolute paths, paths whose ``..`` climb out of the deployment and paths that,
        once symbolic links are followed, land outside it.
        """
        text = str(configured).strip()
        if not text:
            raise PathEscapesDeployment(configured, "is empty")
        normalised = text.replace("\\", "/")
        if (
            normalised.startswith("/")
            or PurePosixPath(normalised).is_absolute()
            or (len(normalised) > 1 and normalised[1] == ":")
        ):
            raise PathEscapesDeployment(configured, "is absolute; it must be inside the deployment")
        lexical = Path(os.path.normpath(base.absolute() / normalised))
        if not _is_within(lexical, self.root):
            raise PathEscapesDeployment(configured, "climbs out of the deployment with '..'")
        real = Path(os.path.realpath(lexical))
        if not _is_within(real, self.real_root):
            raise PathEscapesDeployment(
                configured, f"is a symbolic link that leaves the deployment (to {real})"
            )
        return ConfinedPath(path=lexical, relative=lexical.relative_to(self.root).as_posix())


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
