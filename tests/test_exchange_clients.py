"""Each scenario's ccxt clients are new objects throughout: nothing one scenario (or its router)
does to a client reaches another's."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from live_gate import exchanges


def _containers(client: Any) -> dict[int, str]:
    """Every dict and list reachable from the client's attributes, by identity."""
    found: dict[int, str] = {}
    stack: list[tuple[str, Any]] = list(vars(client).items())
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict | list) and id(value) not in found:
            found[id(value)] = where
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((f"{where}.{key}", item) for key, item in items)
    return found


@pytest.mark.parametrize("venue", ["binance", "kraken"])
def test_clients_share_no_mutable_state(venue: str) -> None:
    first = exchanges.new_client(venue, "key-1", "c2VjcmV0LTE=")
    second = exchanges.new_client(venue, "key-2", "c2VjcmV0LTI=")
    assert first is not second and first.session is not second.session
    assert (first.apiKey, second.apiKey) == ("key-1", "key-2")
    shared = set(_containers(first)) & set(_containers(second))
    assert not shared, [_containers(first)[i] for i in shared][:5]
    # what one scenario's router does to its client stays there
    first.options["gate-test"] = True
    first.markets = {"X/Y": {}}
    first.headers["X-Gate"] = "1"
    third = exchanges.new_client(venue, "key-3", "c2VjcmV0LTM=")
    assert "gate-test" not in third.options and not third.markets and "X-Gate" not in third.headers


@pytest.mark.parametrize("venue", ["binance", "kraken"])
def test_a_client_is_what_a_deep_copy_of_the_prototype_was(venue: str) -> None:
    client = exchanges.new_client(venue, "key", "c2VjcmV0")
    prototype = exchanges._prototype(venue)
    assert isinstance(prototype, bytes)  # pickle accepts ccxt's clients
    deep = copy.deepcopy(pickle.loads(prototype))
    deep.apiKey, deep.secret = "key", "c2VjcmV0"
    skip = {"session", "logger"}
    ours = {k: v for k, v in vars(client).items() if k not in skip}
    assert ours == {k: v for k, v in vars(deep).items() if k not in skip}
    assert type(client.session) is type(deep.session)
    assert client.session.headers == deep.session.headers
