"""One process for ``pytest -m live_gate --deployment DIR``: the rootdir and the configuration
file pytest would have chosen had it known the gate's options.

pytest decides its rootdir and configuration file (``Config.parse`` → ``determine_setup``) from
the command line *before* it loads entry-point plugins, so the options those plugins add are
still unknown: in ``--deployment DIR`` the value ``DIR`` is taken for a test path. pytest then
roots the run at (or near) the deployment, reads no configuration or the deployment's own, and
collects from the wrong place. The plugin corrects this in ``pytest_load_initial_conftests``,
the first hook after its options exist and before any conftest, test path, ini value or other
plugin's ``pytest_configure`` is used: it asks pytest's own ``determine_setup`` again with the
now-known options and, when the answer differs, puts it in place of the first one (configuration
values, ``addopts``, the conftest cut-off).

This relies on pytest internals (``_pytest.config.findpaths.determine_setup`` and the private
attributes ``Config.parse`` sets), checked against pytest 9.2. When they are not as expected,
the run is not repaired: the caller records why and the run is NO-GO with the advice to use
``live-gate run`` or ``--deployment=DIR``.
"""

from __future__ import annotations

import copy
import os
import shlex
from pathlib import Path
from typing import Any

import pytest


class CannotRepin(RuntimeError):
    pass


def repin(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> str | None:
    """Re-decide rootdir and configuration with the gate's options known.

    Returns a note for the run (a problem) when the first decision could have left traces that
    cannot be undone (plugins named by another configuration file's ``addopts``), else None.
    Raises ``CannotRepin`` when pytest's internals are not what this was written for.
    """
    try:
        from _pytest.config.findpaths import determine_setup
    except ImportError as exc:  # pragma: no cover - pytest internals moved
        raise CannotRepin(f"pytest {pytest.__version__}: {exc}") from exc
    base = list(early_config.invocation_params.args)
    env_addopts = os.environ.get("PYTEST_ADDOPTS", "")
    if env_addopts:
        base = shlex.split(env_addopts) + base
    namespace = parser.parse_known_args(base, namespace=copy.copy(early_config.option))
    try:
        rootpath, inipath, inicfg, ignored = determine_setup(
            inifile=namespace.inifilename,
            override_ini=namespace.override_ini,
            args=namespace.file_or_dir,
            rootdir_cmd_arg=namespace.rootdir or None,
            invocation_dir=early_config.invocation_params.dir,
        )
    except TypeError as exc:  # another pytest's signature
        raise CannotRepin(f"pytest {pytest.__version__}: {exc}") from exc
    if rootpath == early_config.rootpath and inipath == early_config.inipath:
        return None
    config: Any = early_config
    for attribute in ("_rootpath", "_inipath", "_inicfg", "_inicache", "_ignored_config_files"):
        if not hasattr(config, attribute):
            raise CannotRepin(f"pytest {pytest.__version__} has no Config.{attribute}")
    first_ini = early_config.inipath
    first_addopts = [str(a) for a in early_config.getini("addopts")]
    first_pythonpath = [str(p) for p in early_config.getini("pythonpath")]
    config._rootpath = rootpath
    config._inipath = inipath
    config._inicfg = inicfg
    config._ignored_config_files = ignored
    config._inicache.clear()
    parser.extra_info["rootdir"] = str(rootpath)
    parser.extra_info["inifile"] = str(inipath)
    addopts = list(early_config.getini("addopts"))
    # pytest put the first configuration's addopts in front of the command line: replace them
    args[:] = addopts + base
    early_config.known_args_namespace = parser.parse_known_args(
        args, namespace=copy.copy(early_config.option)
    )
    early_config.pluginmanager.consider_preparse(addopts, exclude_only=False)
    if namespace.confcutdir is None:
        early_config.known_args_namespace.confcutdir = str(
            Path(inipath).parent if inipath is not None else rootpath
        )
    traces = []
    if any(a.startswith("-p") for a in first_addopts):
        traces.append(f"its addopts load or disable plugins ({' '.join(first_addopts)})")
    if first_pythonpath:
        traces.append(f"its pythonpath was put on sys.path ({', '.join(first_pythonpath)})")
    if first_ini is not None and traces:
        return (
            f"pytest first read {first_ini} (it took an option's value for a test path): "
            f"{'; '.join(traces)}, which cannot be undone: use --deployment=DIR (with '=') "
            "or live-gate run"
        )
    return None
