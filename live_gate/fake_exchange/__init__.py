"""Stateful fake exchanges for PRE-7: each keeps what was placed on it (orders, fills, balances)
and answers every ccxt unified call a router may use to place, find, list, cancel or reconcile an
order, consistently with that state, over ``responses``. Faults are conditions of an exchange
(``book.Conditions``), time passes on the scenario's clock (``clock.GateClock``)."""

from live_gate.fake_exchange.book import Book, Conditions, Instrument, OrderEntry, instrument
from live_gate.fake_exchange.clock import GateClock
from live_gate.fake_exchange.transport import FakeExchanges

__all__ = [
    "Book",
    "Conditions",
    "FakeExchanges",
    "GateClock",
    "Instrument",
    "OrderEntry",
    "instrument",
]
