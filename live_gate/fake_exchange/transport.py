"""The fake exchanges of one scenario, served to real ccxt clients over ``responses``.

One catch-all ``responses`` callback receives every request ``requests`` makes while the scenario
runs. It finds the venue by host and the exchange of the route by the API key the client signs
with (two route exchanges on the same venue are two accounts), then lets that exchange's book
answer. Everything else is recorded as *unanswerable*: an endpoint the fake does not know, a host
or an API key it never issued, and - through a guard on sockets - any connection made by another
HTTP stack (urllib, aiohttp) that ``responses`` cannot see. A scenario with an unanswerable request
proves nothing about the router, and the bench reports it as an error of the gate.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import requests
import responses

from live_gate.fake_exchange.book import Book, Instrument, Request
from live_gate.fake_exchange.clock import GateClock
from live_gate.fake_exchange.venue import Answer, Drop, HttpRequest, Venue, serve

_LOCAL = ("127.0.0.1", "::1", "localhost")


class FakeExchanges:
    """The books of a route's exchanges and the transport that serves them."""

    def __init__(self, clock: GateClock) -> None:
        self.clock = clock
        self.books: dict[str, Book] = {}
        self.venues: dict[str, Venue] = {}  # by host
        self._accounts: dict[tuple[str, str], Book] = {}  # (host, api key) -> book
        self.unanswerable: list[str] = []
        self._lock = threading.Lock()
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self._guard: _SocketGuard | None = None

    def add(
        self,
        name: str,
        venue: Venue,
        api_key: str,
        instruments: list[Instrument],
        last_price: float,
    ) -> Book:
        venue = self.venues.setdefault(venue.host, venue)
        book = Book(name, venue.ccxt_id, instruments, last_price=last_price)
        self.books[name] = book
        self._accounts[(venue.host, api_key)] = book
        return book

    # ------------------------------------------------------------------ serving

    def __enter__(self) -> FakeExchanges:
        self.mock.__enter__()
        for method in ("GET", "POST", "DELETE", "PUT"):
            self.mock.add_callback(method, re.compile(r".*"), callback=self.answer)
        self._guard = _SocketGuard(self._refuse_socket)
        self._guard.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._guard is not None:
            self._guard.__exit__()
            self._guard = None
        self.mock.__exit__(None, None, None)

    def _unanswerable(self, what: str) -> None:
        with self._lock:
            self.unanswerable.append(what)

    def _refuse_socket(self, what: str) -> None:
        self._unanswerable(
            f"{what}: a connection outside the fake exchanges (another HTTP stack than requests?)"
        )

    def answer(self, prepared: Any) -> Any:
        """Answer one request (a `requests.PreparedRequest`, or anything with `url`, `method`,
        `body`, `headers` and `req_kwargs`): an HTTP answer as `(status, headers, body)`, or the
        `requests` exception the client would see."""
        url = str(prepared.url)
        split = urllib.parse.urlsplit(url)
        method = str(prepared.method).upper()
        where = f"{method} {split.scheme}://{split.netloc}{split.path}"
        venue = self.venues.get(split.hostname or "")
        if venue is None:
            self._unanswerable(f"{where}: no fake exchange at this host")
            return requests.ConnectionError(f"live-gate: no fake exchange at {split.netloc}")
        body = prepared.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        params = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        if isinstance(body, str) and body and not body.lstrip().startswith("{"):
            params.update(urllib.parse.parse_qsl(body, keep_blank_values=True))
        request = HttpRequest(
            method, url, split.path, params, dict(prepared.headers), _read_timeout(prepared)
        )
        operation = venue.operation(method, split.path)
        if operation is None:
            self._unanswerable(f"{where}: an endpoint the fake {venue.ccxt_id} does not answer")
            return _http(Answer(501, {"live_gate": "endpoint not faked"}))
        books = [b for (host, _), b in self._accounts.items() if host == venue.host]
        if operation in venue.public_operations:
            first = books[0]
            if all(not b.conditions.reachable for b in books):
                return requests.ConnectionError(f"connection to {venue.host} refused (fake)")
            first.record(Request(self.clock.monotonic(), method, split.path, operation, "answered"))
            return _http(venue.public(operation, books, request))
        key = request.headers.get(venue.key_header)
        book = self._accounts.get((venue.host, str(key)))
        if book is None:
            self._unanswerable(f"{where}: signed with an API key the gate never issued")
            return _http(venue.unauthenticated())
        answer = serve(venue, book, self.clock, request, operation)
        if isinstance(answer, Drop):
            if answer.kind == "timeout":
                return requests.ReadTimeout(answer.message)
            return requests.ConnectionError(answer.message)
        return _http(answer)

    # ------------------------------------------------------------------ observing

    def placements(self, name: str) -> int:
        return len(self.books[name].placement_requests())

    def max_in_flight(self, name: str) -> int:
        return self.books[name].max_in_flight


class _Closed(requests.adapters.BaseAdapter):
    """Mounted on a client's session once its scenario is over."""

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        raise requests.ConnectionError(f"live-gate: the scenario is over ({request.url})")

    def close(self) -> None:
        pass


def retire(client: Any) -> None:
    """A ccxt client whose scenario is over: whatever still holds it (a thread the router left
    running) reaches nothing, the real exchange least of all."""
    session = getattr(client, "session", None)
    if isinstance(session, requests.Session):
        session.mount("https://", _Closed())
        session.mount("http://", _Closed())


def _read_timeout(prepared: Any) -> float | None:
    timeout = (getattr(prepared, "req_kwargs", None) or {}).get("timeout")
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else timeout[0]
    return float(timeout) if isinstance(timeout, int | float) else None


def _http(answer: Answer) -> tuple[int, dict[str, str], str]:
    body = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
    headers = {"Content-Type": "application/json", **answer.headers}
    return answer.status, headers, body


class _SocketGuard:
    """While a scenario runs, a socket connection (or name lookup) to anything but this machine is
    refused and reported: ``responses`` only sees ``requests``, and a router on another HTTP
    stack must never reach a real exchange with the gate's made-up keys."""

    _active = 0
    _lock = threading.Lock()
    _listeners: ClassVar[list[Callable[[str], None]]] = []
    _saved: ClassVar[dict[str, Any]] = {}

    def __init__(self, report: Callable[[str], None]) -> None:
        self.report = report

    def __enter__(self) -> None:
        cls = _SocketGuard
        with cls._lock:
            cls._listeners.append(self.report)
            cls._active += 1
            if cls._active == 1:
                cls._saved.update(
                    connect=socket.socket.connect,
                    connect_ex=socket.socket.connect_ex,
                    getaddrinfo=socket.getaddrinfo,
                )
                setattr(socket.socket, "connect", _guarded_connect)  # noqa: B010
                setattr(socket.socket, "connect_ex", _guarded_connect_ex)  # noqa: B010
                socket.getaddrinfo = _guarded_getaddrinfo

    def __exit__(self) -> None:
        cls = _SocketGuard
        with cls._lock:
            if self.report in cls._listeners:
                cls._listeners.remove(self.report)
            cls._active -= 1
            if cls._active == 0:
                setattr(socket.socket, "connect", cls._saved["connect"])  # noqa: B010
                setattr(socket.socket, "connect_ex", cls._saved["connect_ex"])  # noqa: B010
                socket.getaddrinfo = cls._saved["getaddrinfo"]

    @classmethod
    def refuse(cls, what: str) -> None:
        for listener in list(cls._listeners):
            listener(what)


def _is_local(address: Any) -> bool:
    if isinstance(address, str):  # a Unix socket path
        return True
    host = address[0] if isinstance(address, tuple) and address else address
    return isinstance(host, str) and (host in _LOCAL or host.startswith("127."))


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_local(address):
        _SocketGuard.refuse(f"socket connect to {address!r}")
        raise ConnectionRefusedError(f"live-gate: no network during PRE-7 ({address!r})")
    _SocketGuard._saved["connect"](self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_local(address):
        _SocketGuard.refuse(f"socket connect to {address!r}")
        return 111  # ECONNREFUSED
    result: int = _SocketGuard._saved["connect_ex"](self, address)
    return result


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and not _is_local((name,)):
        _SocketGuard.refuse(f"name lookup of {name!r}")
        raise socket.gaierror(socket.EAI_NONAME, f"live-gate: no network during PRE-7 ({name})")
    return _SocketGuard._saved["getaddrinfo"](host, *args, **kwargs)


@contextmanager
def no_network() -> Iterator[list[str]]:
    """The socket guard alone (for tests)."""
    seen: list[str] = []
    guard = _SocketGuard(seen.append)
    guard.__enter__()
    try:
        yield seen
    finally:
        guard.__exit__()
