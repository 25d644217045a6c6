"""The fake exchanges of PRE-7 on their own: every ccxt unified call a router may use answers
consistently with the book, for every faked venue; faults are conditions of an exchange and reach
ccxt as the real exchange's errors; time passes on the scenario's clock; nothing leaves the
machine."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from typing import Any

import ccxt
import pytest

from live_gate.exchanges import FAKED, fake_route, map_exchange
from live_gate.fake_exchange import FakeExchanges, GateClock, OrderEntry, instrument

VENUES = sorted(FAKED)


@pytest.fixture(params=VENUES)
def one(request: pytest.FixtureRequest) -> Iterator[tuple[FakeExchanges, Any, GateClock]]:
    clock = GateClock()
    name = f"{request.param}_spot"
    fakes, clients, _ = fake_route(
        [name], [instrument("BTCUSDT"), instrument("ETHUSDT")], clock, last_price=64_000.0
    )
    with fakes:
        client = clients[name]
        client.load_markets()
        yield fakes, client, clock


def _book(fakes: FakeExchanges) -> Any:
    return next(iter(fakes.books.values()))


def test_every_unified_call_answers_from_the_book(one: Any) -> None:
    fakes, client, _ = one
    book = _book(fakes)
    placed = client.create_order("BTC/USDT", "limit", "buy", 0.01, 64_000, {"clientOrderId": "c1"})
    order = book.orders[0]
    assert placed["id"] == order.order_id and order.ticket.client_order_id == "c1"
    assert client.fetch_order(order.order_id, "BTC/USDT")["clientOrderId"] == "c1"
    assert client.fetch_open_orders("BTC/USDT") == []
    closed = client.fetch_closed_orders("BTC/USDT")
    assert [(o["id"], o["clientOrderId"], o["status"]) for o in closed] == [
        (order.order_id, "c1", "closed")
    ]
    if client.has.get("fetchOrders") is True:
        assert [o["id"] for o in client.fetch_orders("BTC/USDT")] == [order.order_id]
    trades = client.fetch_my_trades("BTC/USDT")
    assert [t["amount"] for t in trades] == [0.01]
    balance = client.fetch_balance()
    assert balance["total"]["BTC"] == pytest.approx(10.01)
    assert balance["total"]["USDT"] == pytest.approx(100_000 - 640 * 1.001)
    with pytest.raises(ccxt.OrderNotFound):
        client.cancel_order(order.order_id, "BTC/USDT")  # filled: nothing to cancel
    assert fakes.unanswerable == []


def test_a_resting_order_is_listed_open_and_cancelled(one: Any) -> None:
    fakes, client, _ = one
    book = _book(fakes)
    book.conditions.fills_immediately = False
    client.create_order("ETH/USDT", "limit", "buy", 0.5, 64_000, {"clientOrderId": "rest"})
    assert [o["clientOrderId"] for o in client.fetch_open_orders("ETH/USDT")] == ["rest"]
    assert client.fetch_balance()["used"]["USDT"] == pytest.approx(0.5 * 64_000 * 1.001)
    client.cancel_order(book.orders[0].order_id, "ETH/USDT")
    assert book.orders[0].status == "canceled"
    assert client.fetch_open_orders("ETH/USDT") == []
    assert client.fetch_balance()["used"]["USDT"] == pytest.approx(0)


@pytest.mark.parametrize(
    ("condition", "error"),
    [
        (lambda b: setattr(b.conditions, "reachable", False), ccxt.NetworkError),
        (lambda b: setattr(b.conditions, "order_entry", OrderEntry.BAD_GATEWAY), ccxt.NetworkError),
        (lambda b: setattr(b.conditions, "order_entry", OrderEntry.TIMES_OUT), ccxt.RequestTimeout),
        (lambda b: setattr(b.conditions, "rate_limited", True), ccxt.DDoSProtection),
        (
            lambda b: setattr(b.conditions, "credentials_accepted", False),
            ccxt.AuthenticationError,
        ),
        (lambda b: b.balances.__setitem__("USDT", 0.0), ccxt.InsufficientFunds),
        (lambda b: b.last_price.__setitem__("BTCUSDT", 32_000.0), ccxt.InvalidOrder),
    ],
    ids=["refused", "502", "timeout", "429", "auth", "funds", "invalid"],
)
def test_faults_reach_ccxt_as_the_exchanges_errors(one: Any, condition: Any, error: Any) -> None:
    fakes, client, _ = one
    book = _book(fakes)
    condition(book)
    with pytest.raises(error):
        client.create_order("BTC/USDT", "limit", "buy", 0.01, 64_000, {"clientOrderId": "f"})
    assert book.orders == []  # nothing booked
    assert [r.operation for r in book.requests][-1] == "place"
    assert fakes.unanswerable == []


def test_a_timeout_after_booking_leaves_the_order_in_the_book(one: Any) -> None:
    fakes, client, clock = one
    book = _book(fakes)
    book.conditions.order_entry = OrderEntry.TIMES_OUT_AFTER_BOOKING
    book.conditions.silence_seconds = 0.3
    before = clock.monotonic()
    with pytest.raises(ccxt.RequestTimeout):
        client.create_order("BTC/USDT", "limit", "buy", 0.01, 64_000, {"clientOrderId": "t"})
    # on the scenario's clock, not waited for (exactly the silence: the clock is virtual)
    assert clock.monotonic() - before == pytest.approx(0.3)
    assert clock.virtual_seconds == pytest.approx(0.3)
    assert [o["clientOrderId"] for o in client.fetch_closed_orders("BTC/USDT")] == ["t"]
    book.conditions.queries_fail = True
    with pytest.raises(ccxt.NetworkError):
        client.fetch_open_orders("BTC/USDT")


def test_silence_ends_at_the_clients_read_timeout(one: Any) -> None:
    fakes, client, clock = one
    book = _book(fakes)
    book.conditions.order_entry = OrderEntry.TIMES_OUT
    book.conditions.silence_seconds = 60.0
    client.timeout = 400  # ms
    with pytest.raises(ccxt.RequestTimeout):
        client.create_order("BTC/USDT", "limit", "buy", 0.01, 64_000)
    assert clock.virtual_seconds == pytest.approx(0.4)


def test_an_endpoint_the_fake_does_not_know_is_unanswerable(one: Any) -> None:
    fakes, client, _ = one
    with pytest.raises(ccxt.BaseError):
        client.fetch_ticker("BTC/USDT")
    assert len(fakes.unanswerable) == 1 and "does not answer" in fakes.unanswerable[0]


def test_two_accounts_on_one_venue_keep_separate_books() -> None:
    clock = GateClock()
    fakes, clients, _ = fake_route(
        ["binance_spot", "binance_spot_backup"], [instrument("BTCUSDT")], clock, last_price=1.0
    )
    with fakes:
        clients["binance_spot_backup"].create_order("BTC/USDT", "market", "buy", 1.0)
        assert [len(b.orders) for b in fakes.books.values()] == [0, 1]


def test_no_socket_leaves_the_machine_while_exchanges_are_faked() -> None:
    fakes = FakeExchanges(GateClock())
    with fakes, pytest.raises(OSError):
        urllib.request.urlopen("https://api.binance.com/api/v3/time", timeout=1)
    assert any("api.binance.com" in what for what in fakes.unanswerable)


def test_the_route_names_of_the_bots_configuration_map_or_say_why_not() -> None:
    assert map_exchange("binance_spot_live").venue == "binance"
    assert map_exchange("kraken_spot").venue == "kraken"
    zonda = map_exchange("zonda_spot_live")
    assert zonda.venue is None and "delisted" in str(zonda.reason)
    assert "futures" in str(map_exchange("binance_futures").reason)
    assert "no fake" in str(map_exchange("okx_spot").reason)


def test_a_wall_clock_really_waits() -> None:
    clock = GateClock(virtual=False)
    before = clock.monotonic()
    clock.spend(0.05)
    assert clock.monotonic() - before >= 0.05 and clock.virtual_seconds == 0


def test_a_retired_client_reaches_nothing() -> None:
    from live_gate.fake_exchange.transport import no_network, retire

    _, clients, _ = fake_route(
        ["binance_spot"], [instrument("BTCUSDT")], GateClock(), last_price=1.0
    )
    retire(clients["binance_spot"])
    with no_network() as attempts, pytest.raises(ccxt.NetworkError) as raised:
        clients["binance_spot"].fetch_balance()  # no transport active, and yet no network
    assert "scenario is over" in str(raised.value.__cause__)
    assert attempts == []
