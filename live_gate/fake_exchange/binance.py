"""Binance spot (``https://api.binance.com/api/v3``) as ccxt's ``binance`` class calls it.

Payloads follow Binance's REST API documentation (spot, ``newOrderRespType=FULL``) and the error
codes ccxt maps (TOOLING_NOTES.md §D): -1003 / HTTP 429 rate limit, -2015 invalid key, -2010
insufficient balance, -1013 filter failure, -2013 order does not exist, -2011 unknown order.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from live_gate.fake_exchange.book import Book, Order, Refusal, Ticket
from live_gate.fake_exchange.venue import Answer, HttpRequest, Venue

PREFIX = "/api/v3/"


def _num(value: float | None) -> str:
    return f"{(value or 0.0):.8f}"


def _error(status: int, code: int, message: str) -> Answer:
    return Answer(status, {"code": code, "msg": message})


def market(symbol: str, base: str, quote: str) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "status": "TRADING",
        "baseAsset": base,
        "baseAssetPrecision": 8,
        "quoteAsset": quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "orderTypes": ["LIMIT", "MARKET"],
        "icebergAllowed": True,
        "ocoAllowed": True,
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


class Binance(Venue):
    ccxt_id = "binance"
    host = "api.binance.com"
    key_header = "X-MBX-APIKEY"

    _ROUTES: ClassVar[dict[tuple[str, str], str]] = {
        ("GET", "exchangeInfo"): "markets",
        ("GET", "time"): "time",
        ("GET", "ping"): "time",
        ("POST", "order"): "place",
        ("GET", "order"): "lookup",
        ("DELETE", "order"): "cancel",
        ("GET", "openOrders"): "open_orders",
        ("GET", "allOrders"): "all_orders",
        ("GET", "myTrades"): "trades",
        ("GET", "account"): "balance",
    }

    def operation(self, method: str, path: str) -> str | None:
        if not path.startswith(PREFIX):
            return None
        return self._ROUTES.get((method, path[len(PREFIX) :]))

    def order_id(self, number: int) -> str:
        return str(1000 + number)

    # ------------------------------------------------------------------ public

    def public(self, operation: str, books: list[Book], request: HttpRequest) -> Answer:
        if operation == "time":
            return Answer(
                200, {"serverTime": int(time.time() * 1000)} if "time" in request.path else {}
            )
        instruments = {i.symbol: i for book in books for i in book.instruments.values()}
        return Answer(
            200,
            {
                "timezone": "UTC",
                "serverTime": int(time.time() * 1000),
                "rateLimits": [],
                "exchangeFilters": [],
                "symbols": [market(i.symbol, i.base, i.quote) for i in instruments.values()],
            },
        )

    # ------------------------------------------------------------------ placing

    def ticket(self, book: Book, request: HttpRequest) -> Ticket | Answer:
        params = request.params
        for name in ("symbol", "side", "type", "quantity"):
            if not params.get(name):
                return _error(
                    400,
                    -1102,
                    f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.",
                )
        instrument = book.instruments.get(params["symbol"])
        if instrument is None:
            return _error(400, -1121, "Invalid symbol.")
        order_type = params["type"].lower()
        try:
            amount = float(params["quantity"])
            price = float(params["price"]) if params.get("price") else None
        except ValueError:
            return _error(400, -1100, "Illegal characters found in a parameter.")
        if order_type == "limit" and price is None:
            return _error(
                400,
                -1102,
                "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
            )
        return Ticket(
            instrument,
            params["side"].lower(),
            order_type,
            amount,
            price,
            params.get("newClientOrderId") or None,
        )

    def created(self, book: Book, order: Any, request: HttpRequest) -> Answer:
        body = self._order(order)
        body["transactTime"] = order.wall_ms
        body["fills"] = [
            {
                "price": _num(trade.price),
                "qty": _num(trade.amount),
                "commission": _num(trade.fee),
                "commissionAsset": order.ticket.instrument.quote,
                "tradeId": int(trade.trade_id[1:]),
            }
            for trade in book.trades
            if trade.order is order
        ]
        return Answer(200, body)

    def refused(self, refusal: Refusal) -> Answer:
        if refusal is Refusal.INSUFFICIENT_FUNDS:
            return _error(400, -2010, "Account has insufficient balance for requested action.")
        if refusal is Refusal.DUPLICATE:
            return _error(400, -2010, "Duplicate order sent.")
        return _error(400, -1013, "Filter failure: PERCENT_PRICE_BY_SIDE")

    def rate_limited(self) -> Answer:
        return _error(
            429,
            -1003,
            "Too much request weight used; current limit is 6000 request weight per 1 MINUTE.",
        )

    def unauthenticated(self) -> Answer:
        return _error(401, -2015, "Invalid API-key, IP, or permissions for action.")

    # ------------------------------------------------------------------ queries

    def query(self, operation: str, book: Book, request: HttpRequest) -> Answer:
        params = request.params
        symbol = params.get("symbol")
        if symbol is not None and symbol not in book.instruments:
            return _error(400, -1121, "Invalid symbol.")
        if operation == "balance":
            return Answer(200, self._account(book))
        if operation == "open_orders":
            return Answer(200, [self._order(o) for o in book.listed(symbol, ("open",))])
        if symbol is None:
            return _error(
                400,
                -1102,
                "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
            )
        if operation == "all_orders":
            statuses = ("open", "closed", "canceled")
            return Answer(200, [self._order(o) for o in book.listed(symbol, statuses)])
        if operation == "trades":
            return Answer(
                200,
                [self._trade(t) for t in book.trades if t.order.ticket.instrument.symbol == symbol],
            )
        order_id, client_id = params.get("orderId"), params.get("origClientOrderId")
        if not order_id and not client_id:
            return _error(
                400,
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        order = book.find(
            order_id=order_id or None, client_order_id=None if order_id else client_id
        )
        if order is None or order.ticket.instrument.symbol != symbol:
            if operation == "cancel":
                return _error(400, -2011, "Unknown order sent.")
            return _error(400, -2013, "Order does not exist.")
        if operation == "cancel":
            if not book.cancel(order):
                return _error(400, -2011, "Unknown order sent.")
            body = self._order(order)
            body["origClientOrderId"] = body["clientOrderId"]
            body["transactTime"] = int(time.time() * 1000)
            return Answer(200, body)
        return Answer(200, self._order(order))

    # ------------------------------------------------------------------ payloads

    @staticmethod
    def _status(order: Order) -> str:
        return {"open": "NEW", "closed": "FILLED", "canceled": "CANCELED"}[order.status]

    def _order(self, order: Order) -> dict[str, Any]:
        ticket = order.ticket
        return {
            "symbol": ticket.instrument.symbol,
            "orderId": int(order.order_id),
            "orderListId": -1,
            "clientOrderId": ticket.client_order_id or f"gate-fake-{order.order_id}",
            "price": _num(ticket.price),
            "origQty": _num(ticket.amount),
            "executedQty": _num(order.filled),
            "cummulativeQuoteQty": _num(order.cost),
            "status": self._status(order),
            "timeInForce": "GTC" if ticket.order_type == "limit" else "IOC",
            "type": ticket.order_type.upper(),
            "side": ticket.side.upper(),
            "stopPrice": _num(0),
            "icebergQty": _num(0),
            "time": order.wall_ms,
            "updateTime": order.wall_ms,
            "isWorking": True,
            "workingTime": order.wall_ms,
            "origQuoteOrderQty": _num(0),
            "selfTradePreventionMode": "EXPIRE_MAKER",
        }

    @staticmethod
    def _trade(trade: Any) -> dict[str, Any]:
        order = trade.order
        return {
            "symbol": order.ticket.instrument.symbol,
            "id": int(trade.trade_id[1:]),
            "orderId": int(order.order_id),
            "orderListId": -1,
            "price": _num(trade.price),
            "qty": _num(trade.amount),
            "quoteQty": _num(trade.price * trade.amount),
            "commission": _num(trade.fee),
            "commissionAsset": order.ticket.instrument.quote,
            "time": trade.wall_ms,
            "isBuyer": order.ticket.side == "buy",
            "isMaker": False,
            "isBestMatch": True,
        }

    @staticmethod
    def _account(book: Book) -> dict[str, Any]:
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "canTrade": True,
            "canWithdraw": False,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": int(time.time() * 1000),
            "accountType": "SPOT",
            "balances": [
                {
                    "asset": asset,
                    "free": _num(amount - book.held_of(asset)),
                    "locked": _num(book.held_of(asset)),
                }
                for asset, amount in sorted(book.balances.items())
            ],
            "permissions": ["SPOT"],
            "uid": 0,
        }
