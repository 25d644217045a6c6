"""YAML as the bot reads it (PyYAML safe_load: the last duplicate key wins), with line numbers.

The bot's own core.yaml defines four environments twice (FORMATS.md §0.2). A strict loader would
reject the file; the bot silently keeps the last definition. We keep the last one too, so that we
judge what the bot will run, but we record every duplicate so the report can name it, and we keep
the line of every key so that every finding can point at a line.
"""

from __future__ import annotations

import copy
import datetime
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from live_gate.kit.parse import NonFinite

# libyaml where it is installed: the same events as the pure-Python loader, several times faster,
# and its own cap on flow nesting instead of Python recursion.
_COMPOSER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Defaults of live_gate.kit.files.Limits (kept here so this module needs nothing from the kit).
DEFAULT_MAX_NESTING = 64
DEFAULT_MAX_NODES = 2_000_000

KeyPath = tuple[str | int, ...]

# The tags yaml.safe_load constructs a mapping or a list from; any other tag on a mapping or a
# list (``!!python/object:...``, ``!!str {a: 1}``) is a ConstructorError for the bot, which then
# does not start: the builder, which builds by the node's kind, must not read it as a mapping.
_MAPPING_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:set"})
_SEQUENCE_TAGS = frozenset(
    {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs"}
)


@dataclass(frozen=True)
class DuplicateKey:
    path: str
    first_line: int
    duplicate_line: int


@dataclass
class YamlDocument:
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    duplicates: list[DuplicateKey] = field(default_factory=list)

    def line_of(self, *path: str | int) -> int | None:
        """Line of the deepest existing prefix of ``path`` (1-based), so a missing key still
        points at the mapping that should have held it."""
        probe: KeyPath = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return None


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Builder:
    """Builds Python values from the node graph, counting every node it expands: aliases share
    nodes, so a few hundred bytes can stand for billions of values (an alias bomb)."""

    def __init__(self, max_nesting: int, max_nodes: int) -> None:
        self.constructor = yaml.SafeLoader("")  # a constructor for scalars only
        self.lines: dict[KeyPath, int] = {}
        self.duplicates: list[DuplicateKey] = []
        self.max_nesting = max_nesting
        self.max_nodes = max_nodes
        self.nodes = 0

    def build(self, node: Node, path: KeyPath) -> Any:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise YamlError(
                f"expands to more than {self.max_nodes:,} values (aliases repeating aliases); "
                "over the policy's cap input_limits.max_yaml_nodes",
                node.start_mark.line + 1,
            )
        if len(path) > self.max_nesting:
            raise YamlError(
                f"nests deeper than the policy's cap input_limits.max_nesting = {self.max_nesting}",
                node.start_mark.line + 1,
            )
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, ScalarNode):
            try:
                value = self.constructor.construct_object(node, deep=True)
            except ValueError as exc:  # e.g. an integer of over 4300 digits (Python's cap)
                raise YamlError(f"not valid YAML: {exc}", node.start_mark.line + 1) from None
            if isinstance(value, float) and not math.isfinite(value):
                # .nan/.inf pass every comparison: never a number for a check (kit.parse)
                return NonFinite(str(node.value))
            return value
        if node.tag not in (_SEQUENCE_TAGS if isinstance(node, SequenceNode) else _MAPPING_TAGS):
            raise YamlError(
                f"not valid YAML: a {'list' if isinstance(node, SequenceNode) else 'mapping'} "
                f"tagged {node.tag!r}, which yaml.safe_load cannot construct",
                node.start_mark.line + 1,
            )
        if isinstance(node, SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            self.constructor.flatten_mapping(node)  # YAML merge keys, as safe_load does
            result: dict[Any, Any] = {}
            first_seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    # the bot's safe_load refuses it too (unhashable key); never construct it: an
                    # alias bomb as a key would be expanded before it could be refused
                    raise YamlError(
                        "a mapping key that is a list or a mapping (unhashable)",
                        key_node.start_mark.line + 1,
                    )
                key = self.constructor.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise YamlError("unhashable mapping key", key_node.start_mark.line + 1)
                key_line = key_node.start_mark.line + 1
                child_path = (*path, str(key))
                if key in first_seen:
                    self.duplicates.append(
                        DuplicateKey(dotted(child_path), first_seen[key], key_line)
                    )
                    # the last definition wins: forget line numbers of the shadowed one
                    for stale in [p for p in self.lines if p[: len(child_path)] == child_path]:
                        del self.lines[stale]
                first_seen[key] = key_line
                self.lines[child_path] = key_line
                result[key] = self.build(value_node, child_path)
            return result
        raise YamlError(f"unsupported YAML node {type(node).__name__}", node.start_mark.line + 1)


def expanded_size(root: Node, limit: int) -> int | None:
    """How many values the document expands to, counted over the node graph without building
    anything: aliases share nodes, so this takes time linear in the document whatever the
    expansion (an alias bomb is refused in milliseconds, not after building ``limit`` values).
    Saturates at ``limit + 1``; ``None`` for a container that holds itself (a recursive alias)."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _value_children(node)
        if finished:
            on_path.discard(key)
            sizes[key] = min(limit + 1, 1 + sum(sizes[id(child)] for child in children))
            continue
        if key in sizes:
            continue
        if key in on_path:
            return None
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def _value_children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [value for _, value in node.value]
    return []


def parse_yaml(
    text: str, *, max_nesting: int = DEFAULT_MAX_NESTING, max_nodes: int = DEFAULT_MAX_NODES
) -> YamlDocument:
    """Raises :class:`YamlError` (with the line) without the parser's own traceback: libyaml
    composes recursively, so an error in a 1000-deep document carried 2,000 traceback entries,
    which pytest then rendered for every scenario (minutes for one hostile core.yaml)."""
    try:
        root = yaml.compose(text, Loader=_COMPOSER)
    except RecursionError:
        raise YamlError(
            f"nests deeper than the policy's cap input_limits.max_nesting = {max_nesting}", None
        ) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise YamlError(f"not valid YAML: {exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {exc}", None) from None
    if root is None:
        return YamlDocument(data=None)
    size = expanded_size(root, max_nodes)
    if size is None:
        raise YamlError(
            "holds a container that contains itself (a recursive alias)", root.start_mark.line + 1
        )
    if size > max_nodes:
        raise YamlError(
            f"expands to more than {max_nodes:,} values (aliases repeating aliases); "
            "over the policy's cap input_limits.max_yaml_nodes",
            root.start_mark.line + 1,
        )
    builder = _Builder(max_nesting, max_nodes)
    try:
        data = builder.build(root, ())
    except YamlError as exc:
        raise YamlError(str(exc), exc.line) from None
    except RecursionError:
        raise YamlError(
            f"nests deeper than the policy's cap input_limits.max_nesting = {max_nesting}", None
        ) from None
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise YamlError(f"not valid YAML: {exc.problem}", line) from None
    return YamlDocument(data=data, lines=builder.lines, duplicates=builder.duplicates)


# Documents already parsed in this process, by their exact text: a gate run reads core.yaml a
# score of times (the kit, the redactor, the router's bench), and a fleet run (live-gate run
# --env all) once per environment. Keyed by the whole text and the caps, so only the same bytes
# under the same limits share a parse; nothing environment-specific is kept. Bounded in entries
# and size (a hostile deployment's large YAML files are parsed each time, never hoarded: memory
# stays flat); errors are not remembered (they are cheap, and raised afresh).
_PARSED: OrderedDict[tuple[str, int, int], YamlDocument] = OrderedDict()
_PARSED_ENTRIES = 8
_PARSED_MAX_CHARS = 512 * 1024  # per document: the bot's real core.yaml is 84 kB
_PARSED_TOTAL_CHARS = 1024 * 1024
_PARSED_MAX_VALUES = 100_000  # values (keys and items) of one document kept


def parse_yaml_shared(
    text: str, *, max_nesting: int = DEFAULT_MAX_NESTING, max_nodes: int = DEFAULT_MAX_NODES
) -> YamlDocument:
    """:func:`parse_yaml`, remembered by content. Every caller gets its own deep copy of the data
    (and its own line table and duplicate list), so that no caller can change what another
    reads."""
    if len(text) > _PARSED_MAX_CHARS:
        return parse_yaml(text, max_nesting=max_nesting, max_nodes=max_nodes)
    key = (text, max_nesting, max_nodes)
    parsed = _PARSED.get(key)
    if parsed is None:
        parsed = parse_yaml(text, max_nesting=max_nesting, max_nodes=max_nodes)
        if len(parsed.lines) > _PARSED_MAX_VALUES:  # a small text that expands (aliases)
            return parsed
        _PARSED[key] = parsed
        while len(_PARSED) > _PARSED_ENTRIES or (
            sum(len(k[0]) for k in _PARSED) > _PARSED_TOTAL_CHARS
        ):
            _PARSED.popitem(last=False)
    else:
        _PARSED.move_to_end(key)
    return YamlDocument(
        data=_copied(parsed.data),
        lines=dict(parsed.lines),
        duplicates=list(parsed.duplicates),
    )


_IMMUTABLE = (str, int, float, bool, type(None), bytes, datetime.date)


def _copied(value: Any) -> Any:
    """A deep copy of what :class:`_Builder` builds (fresh dicts and lists of scalars), three
    times faster than ``copy.deepcopy``; anything else is deep-copied the slow way."""
    if type(value) is dict:
        return {key: _copied(item) for key, item in value.items()}
    if type(value) is list:
        return [_copied(item) for item in value]
    if isinstance(value, _IMMUTABLE):
        return value
    return copy.deepcopy(value)
