"""Real ccxt exchange classes whose HTTP is answered by ``responses`` (TOOLING_NOTES.md §D).

No network: every request must match a registered answer. An unmatched request is turned by
``responses`` into a refused connection, which ccxt reports as a ``NetworkError`` - exactly what
a failover test provokes on purpose - so the bench records every unmatched request and the gate
treats one as a defect of the scenario, never as the fault it injected.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import ccxt
import requests
import responses

BINANCE = "https://api.binance.com/api/v3"
KRAKEN = "https://api.kraken.com/0"

# answers to an order placement, by fault name (ccxt mapping verified in TOOLING_NOTES.md §D)
FAULTS: dict[str, dict[str, Any]] = {
    "a refused connection": {"body": requests.ConnectionError("connection refused (injected)")},
    "an HTTP 502": {"status": 502, "json": {}},
    "a read timeout": {"body": requests.ReadTimeout("read timed out (injected)")},
    "HTTP 429 rate limiting": {"status": 429, "json": {"code": -1003, "msg": "Too many requests"}},
    "an authentication error": {
        "status": 400,
        "json": {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."},
    },
    "insufficient funds": {
        "status": 400,
        "json": {"code": -2010, "msg": "Account has insufficient balance for requested action."},
    },
    "an invalid order": {"status": 400, "json": {"code": -1013, "msg": "Filter failure: LOT_SIZE"}},
}
AMBIGUOUS_FAULTS = ("an HTTP 502", "a read timeout")


def _binance_market(symbol: str, base: str, quote: str) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "status": "TRADING",
        "baseAsset": base,
        "baseAssetPrecision": 8,
        "quoteAsset": quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "orderTypes": ["LIMIT", "MARKET"],
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "permissions": ["SPOT"],
        "permissionSets": [["SPOT"]],
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": "0.01",
                "maxPrice": "1000000",
                "tickSize": "0.01",
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": "0.00001",
                "maxQty": "9000",
                "stepSize": "0.00001",
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": "5",
                "applyMinToMarket": True,
                "maxNotional": "9000000",
                "applyMaxToMarket": False,
            },
        ],
    }


def _binance_order(client_order_id: str, order_id: int) -> dict[str, Any]:
    return {
        "symbol": "BTCUSDT",
        "orderId": order_id,
        "clientOrderId": client_order_id,
        "transactTime": 1,
        "time": 1,
        "updateTime": 1,
        "price": "64000",
        "origQty": "0.01",
        "executedQty": "0.01",
        "cummulativeQuoteQty": "640",
        "status": "FILLED",
        "timeInForce": "GTC",
        "type": "LIMIT",
        "side": "BUY",
        "fills": [],
    }


KRAKEN_PAIRS = {
    "XXBTZUSD": {
        "altname": "XBTUSDT",
        "wsname": "XBT/USDT",
        "aclass_base": "currency",
        "base": "XXBT",
        "aclass_quote": "currency",
        "quote": "USDT",
        "lot": "unit",
        "cost_decimals": 5,
        "pair_decimals": 1,
        "lot_decimals": 8,
        "lot_multiplier": 1,
        "leverage_buy": [],
        "leverage_sell": [],
        "fees": [[0, 0.26]],
        "fees_maker": [[0, 0.16]],
        "fee_volume_currency": "ZUSD",
        "margin_call": 80,
        "margin_stop": 40,
        "ordermin": "0.0001",
        "costmin": "0.5",
        "tick_size": "0.1",
        "status": "online",
    }
}
KRAKEN_ASSETS = {
    "XXBT": {
        "aclass": "currency",
        "altname": "XBT",
        "decimals": 10,
        "display_decimals": 5,
        "status": "enabled",
    },
    "USDT": {
        "aclass": "currency",
        "altname": "USDT",
        "decimals": 8,
        "display_decimals": 4,
        "status": "enabled",
    },
}


_PROTOTYPES: dict[str, Any] = {}


def _bare(url: str | None) -> str:
    return str(url or "").split("?")[0]


def _new_client(kind: str) -> Any:
    """A fresh ccxt client of ``kind``. Building one parses ccxt's whole API description;
    a deep copy of a prototype is cheaper and shares no state with it."""
    import copy

    if kind not in _PROTOTYPES:
        # demo credentials made up here: nothing of the deployment's is sent anywhere
        common = {"enableRateLimit": False, "timeout": 2000, "apiKey": "gate-demo-key"}
        if kind == "kraken":
            _PROTOTYPES[kind] = ccxt.kraken(
                {**common, "secret": base64.b64encode(b"gate-demo-secret" * 4).decode()}
            )
        else:
            _PROTOTYPES[kind] = ccxt.binance(
                {
                    **common,
                    "secret": "gate-demo-secret",
                    "options": {
                        "fetchMarkets": {"types": ["spot"]},
                        "fetchCurrencies": False,
                        "fetchMargins": False,
                    },
                }
            )
    return copy.deepcopy(_PROTOTYPES[kind])


@dataclass
class MockedExchange:
    name: str
    kind: str  # binance | kraken
    client: Any
    order_url: str
    lookup_url: str | None
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class MockedExchanges:
    """Route exchange names mapped to real ccxt clients over one ``responses`` mock."""

    def __init__(self, names: list[str], *, latency: float = 0.0) -> None:
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.latency = latency
        self.exchanges: dict[str, MockedExchange] = {}
        for name in names:
            self.exchanges[name] = self._client(name)

    def _client(self, name: str) -> MockedExchange:
        if name.startswith("kraken"):
            return MockedExchange(
                name, "kraken", _new_client("kraken"), f"{KRAKEN}/private/AddOrder", None
            )
        return MockedExchange(
            name, "binance", _new_client("binance"), f"{BINANCE}/order", f"{BINANCE}/order"
        )

    @property
    def clients(self) -> dict[str, Any]:
        return {name: exchange.client for name, exchange in self.exchanges.items()}

    def __enter__(self) -> MockedExchanges:
        self.mock.__enter__()
        if any(e.kind == "binance" for e in self.exchanges.values()):
            self.mock.add(
                responses.GET,
                f"{BINANCE}/exchangeInfo",
                json={
                    "timezone": "UTC",
                    "serverTime": 1,
                    "rateLimits": [],
                    "exchangeFilters": [],
                    "symbols": [
                        _binance_market("BTCUSDT", "BTC", "USDT"),
                        _binance_market("ETHUSDT", "ETH", "USDT"),
                    ],
                },
            )
        if any(e.kind == "kraken" for e in self.exchanges.values()):
            self.mock.add(
                responses.GET,
                f"{KRAKEN}/public/AssetPairs",
                json={"error": [], "result": KRAKEN_PAIRS},
            )
            self.mock.add(
                responses.GET,
                f"{KRAKEN}/public/Assets",
                json={"error": [], "result": KRAKEN_ASSETS},
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self.mock.__exit__(None, None, None)

    # ------------------------------------------------------------------ scripting answers

    def fill(self, name: str) -> None:
        """Every placement on ``name`` fills (one order id per placement)."""
        exchange = self.exchanges[name]
        counter = {"n": 0}

        def answer(request: Any) -> tuple[int, dict[str, str], str]:
            import json
            import urllib.parse

            with exchange.lock:
                exchange.in_flight += 1
                exchange.max_in_flight = max(exchange.max_in_flight, exchange.in_flight)
                counter["n"] += 1
                number = counter["n"]
            try:
                if self.latency:
                    time.sleep(self.latency)
                if exchange.kind == "kraken":
                    body = {
                        "error": [],
                        "result": {
                            "descr": {"order": "buy 0.01000000 XBTUSDT @ limit 64000.0"},
                            "txid": [f"OKR{number:04d}-GATE"],
                        },
                    }
                else:
                    fields = dict(urllib.parse.parse_qsl(request.body or ""))
                    body = _binance_order(fields.get("newClientOrderId", ""), 1000 + number)
                return 200, {"Content-Type": "application/json"}, json.dumps(body)
            finally:
                with exchange.lock:
                    exchange.in_flight -= 1

        self.mock.add_callback(responses.POST, exchange.order_url, callback=answer)

    def fail(self, name: str, fault: str) -> None:
        """Every placement on ``name`` fails with ``fault``."""
        self.mock.add(responses.POST, self.exchanges[name].order_url, **FAULTS[fault])

    def lookup(self, name: str, answer: str) -> None:
        """The answer to looking an order up by client_order_id: found | not_found | error."""
        url = self.exchanges[name].lookup_url
        if url is None:
            raise ValueError(f"{name} has no client-id lookup in the bench")
        if answer == "found":
            self.mock.add(responses.GET, url, json={**_binance_order("", 777), "status": "FILLED"})
        elif answer == "not_found":
            self.mock.add(
                responses.GET, url, status=400, json={"code": -2013, "msg": "Order does not exist."}
            )
        else:
            self.mock.add(
                responses.GET, url, body=requests.ConnectionError("lookup failed (injected)")
            )

    # ------------------------------------------------------------------ observing

    def placements(self, name: str) -> int:
        url = self.exchanges[name].order_url
        return len(
            [
                call
                for call in self.mock.calls
                if call.request.method == "POST" and _bare(call.request.url) == url
            ]
        )

    def max_in_flight(self, name: str) -> int:
        return self.exchanges[name].max_in_flight

    def unmatched(self) -> list[str]:
        return [
            f"{call.request.method} {_bare(call.request.url)}"
            for call in self.mock.calls
            if isinstance(call.response, Exception)
            and "Connection refused by Responses" in str(call.response)
        ]
