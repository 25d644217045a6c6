"""The exchanges a route names, mapped to real ccxt classes and to the gate's fake exchanges.

A route names exchanges the way the bot's configuration does (``binance_spot``,
``kraken_spot_live``, ``zonda_spot_live``). The venue is the first word, the market the second
(spot when absent). The gate gives the router under test one real ccxt client per exchange of the
route, with made-up credentials of its own, whose HTTP the fake exchange of that name answers
(``live_gate.fake_exchange``). An exchange the gate cannot fake is named with the reason, and the
scenario is an error of the gate (never a pass, never a failure of the router).
"""

from __future__ import annotations

import base64
import copy
import pickle
from dataclasses import dataclass
from typing import Any

from live_gate.fake_exchange.binance import Binance
from live_gate.fake_exchange.book import Book, Instrument
from live_gate.fake_exchange.clock import GateClock
from live_gate.fake_exchange.kraken import Kraken
from live_gate.fake_exchange.transport import FakeExchanges
from live_gate.fake_exchange.venue import Venue

FAKED: dict[str, type[Venue]] = {"binance": Binance, "kraken": Kraken}

# venues a deployment may name that the gate cannot fake, and why
NOT_FAKED = {
    "zonda": "Zonda has no ccxt class: ccxt delisted it (ccxt/ccxt pull request #28539) and "
    "ccxt {version} does not ship it; the bot reaches Zonda through its own ZondaSpotAdapter "
    "over its own HTTP client, which the gate has no fake for",
}
MARKETS = ("spot", "margin", "futures", "perpetual", "options")


@dataclass(frozen=True)
class Mapped:
    """One exchange of a route: its venue (a ccxt id) or why the gate cannot fake it."""

    name: str
    venue: str | None
    reason: str | None = None


def _ccxt() -> Any:
    """ccxt on first use: importing it takes a quarter of a second, and phases without PRE-7
    (live_close) never need it."""
    import ccxt

    return ccxt


def map_exchange(name: str) -> Mapped:
    ccxt = _ccxt()
    words = name.lower().split("_")
    venue = words[0]
    market = words[1] if len(words) > 1 and words[1] in MARKETS else "spot"
    if venue in NOT_FAKED:
        return Mapped(name, None, NOT_FAKED[venue].format(version=ccxt.__version__))
    if venue not in FAKED:
        known = hasattr(ccxt, venue)
        why = (
            f"ccxt has a '{venue}' class, but the gate has no fake {venue} exchange "
            "(its endpoints and payloads are not modelled)"
            if known
            else f"no ccxt class is named '{venue}' (ccxt {ccxt.__version__})"
        )
        return Mapped(name, None, why)
    if market != "spot":
        return Mapped(
            name,
            None,
            f"{name} is a {market} market; the gate fakes {venue} spot order entry only "
            f"(ccxt's '{venue}' class over /api spot endpoints), not its {market} API",
        )
    return Mapped(name, venue)


# venue -> the pickled state of a client built once per process (or the client itself, deep
# copied instead, if a ccxt version ever holds something pickle refuses)
_PROTOTYPES: dict[str, bytes | Any] = {}


def _prototype(venue: str) -> bytes | Any:
    if venue not in _PROTOTYPES:
        ccxt = _ccxt()
        options: dict[str, Any] = {"enableRateLimit": False, "timeout": 2000}
        if venue == "binance":
            options["options"] = {
                "fetchMarkets": {"types": ["spot"]},
                "fetchCurrencies": False,
                "fetchMargins": False,
            }
        client = getattr(ccxt, venue)(options)
        try:
            _PROTOTYPES[venue] = pickle.dumps(client, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # any refusal: deep copies of the client instead
            _PROTOTYPES[venue] = client
    return _PROTOTYPES[venue]


def new_client(venue: str, api_key: str, secret: str) -> Any:
    """A fresh real ccxt client of ``venue`` with the gate's made-up credentials. Building one
    parses ccxt's whole API description (about 2 ms for binance); a client is built once per
    venue and process and pickled, and each scenario gets one unpickled from those bytes: new
    objects throughout (pickle, like the deep copy it replaces, keeps shared references and the
    module-level functions and classes, and rebuilds the HTTP session), sharing no state with any
    other client, in C, in half to three quarters of the time ``copy.deepcopy`` takes (1.8 ms
    for binance). The rate limiter is off (it really sleeps: TOOLING_NOTES.md §D.4) and binance
    loads spot markets only (§D.3)."""
    prototype = _prototype(venue)
    # bytes this process pickled itself, never read from anywhere
    client: Any = (
        pickle.loads(prototype) if isinstance(prototype, bytes) else copy.deepcopy(prototype)
    )
    client.apiKey = api_key
    client.secret = secret
    return client


def credentials(name: str, venue: str, account: str = "") -> tuple[str, str]:
    """Made up here, one pair per exchange of the route: nothing of the deployment's is sent."""
    key = f"gate-{account}{name}-key"
    secret = f"gate-{account}{name}-secret"
    if venue == "kraken":  # Kraken's secret is base64
        secret = base64.b64encode(secret.encode() * 2).decode()
    return key, secret


def fake_route(
    names: list[str],
    instruments: list[Instrument],
    clock: GateClock,
    *,
    last_price: float,
    fakes: FakeExchanges | None = None,
    account: str = "",
) -> tuple[FakeExchanges, dict[str, Any], dict[str, Book]]:
    """A fake exchange for each name of a route, and a ccxt client for each (every name must
    map). Several routes may share one transport: ``account`` keeps their books apart (the
    clients sign with different keys)."""
    fakes = fakes if fakes is not None else FakeExchanges(clock)
    clients: dict[str, Any] = {}
    books: dict[str, Book] = {}
    for name in names:
        mapped = map_exchange(name)
        if mapped.venue is None:
            raise ValueError(f"{name}: {mapped.reason}")
        key, secret = credentials(name, mapped.venue, account)
        books[name] = fakes.add(
            f"{account}{name}", FAKED[mapped.venue](), key, instruments, last_price
        )
        clients[name] = new_client(mapped.venue, key, secret)
    return fakes, clients, books
