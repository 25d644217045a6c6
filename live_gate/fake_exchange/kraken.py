"""Kraken spot (``https://api.kraken.com/0``) as ccxt's ``kraken`` class calls it.

Kraken answers HTTP 200 with ``{"error": [...], "result": ...}``; the error strings are those ccxt
maps (``EAPI:Rate limit exceeded``, ``EAPI:Invalid key``, ``EOrder:Insufficient funds``,
``EGeneral:Invalid arguments:price``, ``EOrder:Unknown order``). Orders carry the client order id
as ``cl_ord_id`` (what ccxt sends for ``clientOrderId``); ``userref`` is Kraken's integer tag.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from live_gate.fake_exchange.book import Book, Instrument, Order, Refusal, Ticket
from live_gate.fake_exchange.venue import Answer, HttpRequest, Venue

# Kraken's asset codes: the legacy ones carry an X (crypto) or Z (fiat) prefix
LEGACY = {
    "BTC": "XXBT",
    "ETH": "XETH",
    "LTC": "XLTC",
    "XRP": "XXRP",
    "USD": "ZUSD",
    "EUR": "ZEUR",
    "GBP": "ZGBP",
}
ALT = {"BTC": "XBT"}


def asset(code: str) -> str:
    return LEGACY.get(code, code)


def altname(item: Instrument) -> str:
    return f"{ALT.get(item.base, item.base)}{ALT.get(item.quote, item.quote)}"


def pair_id(item: Instrument) -> str:
    """Kraken's pair id: ``XXBTZEUR`` when both assets are legacy, else the altname."""
    base, quote = asset(item.base), asset(item.quote)
    if base != item.base and quote != item.quote:
        return base + quote
    return altname(item)


def _ok(result: Any) -> Answer:
    return Answer(200, {"error": [], "result": result})


def _error(message: str) -> Answer:
    return Answer(200, {"error": [message]})


class Kraken(Venue):
    ccxt_id = "kraken"
    host = "api.kraken.com"
    key_header = "API-Key"

    _ROUTES: ClassVar[dict[tuple[str, str], str]] = {
        ("GET", "/0/public/AssetPairs"): "markets",
        ("GET", "/0/public/Assets"): "markets",
        ("GET", "/0/public/Time"): "time",
        ("POST", "/0/private/AddOrder"): "place",
        ("POST", "/0/private/QueryOrders"): "lookup",
        ("POST", "/0/private/OpenOrders"): "open_orders",
        ("POST", "/0/private/ClosedOrders"): "closed_orders",
        ("POST", "/0/private/TradesHistory"): "trades",
        ("POST", "/0/private/CancelOrder"): "cancel",
        ("POST", "/0/private/BalanceEx"): "balance",
        ("POST", "/0/private/Balance"): "balance",
    }

    def operation(self, method: str, path: str) -> str | None:
        return self._ROUTES.get((method, path))

    def order_id(self, number: int) -> str:
        return f"OGATE{number:02d}-FAKE{number:01d}-KRAKEN"

    # ------------------------------------------------------------------ public

    def public(self, operation: str, books: list[Book], request: HttpRequest) -> Answer:
        if operation == "time":
            now = time.time()
            return _ok(
                {
                    "unixtime": int(now),
                    "rfc1123": time.strftime("%a, %d %b %y %H:%M:%S +0000", time.gmtime(now)),
                }
            )
        instruments = {i.symbol: i for book in books for i in book.instruments.values()}
        if request.path.endswith("/Assets"):
            assets: dict[str, Any] = {}
            for item in instruments.values():
                for code in (item.base, item.quote):
                    assets[asset(code)] = {
                        "aclass": "currency",
                        "altname": ALT.get(code, code),
                        "decimals": 10 if code not in ("USD", "EUR", "GBP") else 4,
                        "display_decimals": 5,
                        "status": "enabled",
                    }
            return _ok(assets)
        return _ok({pair_id(item): self._pair(item) for item in instruments.values()})

    @staticmethod
    def _pair(item: Instrument) -> dict[str, Any]:
        return {
            "altname": altname(item),
            "wsname": f"{ALT.get(item.base, item.base)}/{ALT.get(item.quote, item.quote)}",
            "aclass_base": "currency",
            "base": asset(item.base),
            "aclass_quote": "currency",
            "quote": asset(item.quote),
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

    def _instrument(self, book: Book, pair: str | None) -> Instrument | None:
        for item in book.instruments.values():
            if pair in (pair_id(item), altname(item)):
                return item
        return None

    # ------------------------------------------------------------------ placing

    def ticket(self, book: Book, request: HttpRequest) -> Ticket | Answer:
        params = request.params
        for name in ("pair", "type", "ordertype", "volume"):
            if not params.get(name):
                return _error(f"EGeneral:Invalid arguments:{name}")
        item = self._instrument(book, params["pair"])
        if item is None:
            return _error("EQuery:Unknown asset pair")
        try:
            amount = float(params["volume"])
            price = float(params["price"]) if params.get("price") else None
        except ValueError:
            return _error("EGeneral:Invalid arguments")
        if params["ordertype"] == "limit" and price is None:
            return _error("EGeneral:Invalid arguments:price")
        return Ticket(
            item,
            params["type"],
            params["ordertype"],
            amount,
            price,
            params.get("cl_ord_id") or None,
        )

    def created(self, book: Book, order: Any, request: HttpRequest) -> Answer:
        return _ok({"descr": {"order": self._description(order)}, "txid": [order.order_id]})

    def refused(self, refusal: Refusal) -> Answer:
        if refusal is Refusal.INSUFFICIENT_FUNDS:
            return _error("EOrder:Insufficient funds")
        if refusal is Refusal.DUPLICATE:
            return _error("EOrder:Duplicate order")
        return _error("EGeneral:Invalid arguments:price")

    def rate_limited(self) -> Answer:
        return _error("EAPI:Rate limit exceeded")

    def unauthenticated(self) -> Answer:
        return _error("EAPI:Invalid key")

    # ------------------------------------------------------------------ queries

    def query(self, operation: str, book: Book, request: HttpRequest) -> Answer:
        params = request.params
        if operation == "balance":
            return _ok(
                {
                    asset(code): {
                        "balance": f"{amount:.10f}",
                        "hold_trade": f"{book.held_of(code):.10f}",
                    }
                    for code, amount in sorted(book.balances.items())
                }
            )
        if operation == "trades":
            return _ok(
                {
                    "trades": {t.trade_id: self._trade(t) for t in reversed(book.trades)},
                    "count": len(book.trades),
                }
            )
        if operation in ("open_orders", "closed_orders"):
            statuses = ("open",) if operation == "open_orders" else ("closed", "canceled")
            orders = [
                o
                for o in book.listed(None, statuses)
                if self._matches(o, params.get("cl_ord_id"), params.get("userref"))
            ]
            key = "open" if operation == "open_orders" else "closed"
            body: dict[str, Any] = {
                key: {o.order_id: self._order(o, False) for o in reversed(orders)}
            }
            if key == "closed":
                body["count"] = len(orders)
            return _ok(body)
        if operation == "cancel":
            txid, cid = params.get("txid"), params.get("cl_ord_id")
            order = book.find(order_id=txid) if txid else book.find(client_order_id=cid)
            if order is None or not book.cancel(order):
                return _error("EOrder:Unknown order")
            return _ok({"count": 1})
        # QueryOrders: txid is required; userref (an integer) narrows the answer
        txids = [t for t in (params.get("txid") or "").split(",") if t]
        if not txids:
            return _error("EGeneral:Invalid arguments")
        found = {}
        for txid in txids:
            order = book.find(order_id=txid)
            if order is not None and self._matches(order, None, params.get("userref")):
                found[txid] = self._order(order, params.get("trades") in ("true", "True", "1"))
        return _ok(found)

    @staticmethod
    def _matches(order: Order, cl_ord_id: str | None, userref: str | None) -> bool:
        if cl_ord_id is not None and order.ticket.client_order_id != cl_ord_id:
            return False
        return not (userref is not None and userref != "0")

    # ------------------------------------------------------------------ payloads

    @staticmethod
    def _description(order: Order) -> str:
        ticket = order.ticket
        where = (
            f"limit {ticket.price:.1f}"
            if ticket.order_type == "limit" and ticket.price
            else "market"
        )
        return f"{ticket.side} {ticket.amount:.8f} {altname(ticket.instrument)} @ {where}"

    def _order(self, order: Order, trades: bool) -> dict[str, Any]:
        ticket = order.ticket
        body: dict[str, Any] = {
            "refid": None,
            "userref": 0,
            "cl_ord_id": ticket.client_order_id,
            "status": order.status,
            "opentm": order.wall_ms / 1000,
            "starttm": 0,
            "expiretm": 0,
            "descr": {
                "pair": altname(ticket.instrument),
                "type": ticket.side,
                "ordertype": ticket.order_type,
                "price": f"{(ticket.price or 0):.1f}",
                "price2": "0",
                "leverage": "none",
                "order": self._description(order),
                "close": "",
            },
            "vol": f"{ticket.amount:.8f}",
            "vol_exec": f"{order.filled:.8f}",
            "cost": f"{order.cost:.5f}",
            "fee": f"{order.fee:.5f}",
            "price": f"{(order.average or 0):.1f}",
            "stopprice": "0.00000",
            "limitprice": "0.00000",
            "misc": "",
            "oflags": "fciq",
        }
        if order.status != "open":
            body["closetm"] = order.wall_ms / 1000
            body["reason"] = None
        if trades:
            body["trades"] = list(order.trade_ids)
        if not ticket.client_order_id:
            del body["cl_ord_id"]
        return body

    @staticmethod
    def _trade(trade: Any) -> dict[str, Any]:
        order = trade.order
        return {
            "ordertxid": order.order_id,
            "postxid": "TKH2SE-M7IF5-CFI7LT",
            "pair": pair_id(order.ticket.instrument),
            "time": trade.wall_ms / 1000,
            "type": order.ticket.side,
            "ordertype": order.ticket.order_type,
            "price": f"{trade.price:.1f}",
            "cost": f"{trade.price * trade.amount:.5f}",
            "fee": f"{trade.fee:.5f}",
            "vol": f"{trade.amount:.8f}",
            "margin": "0.00000",
            "misc": "",
            "trade_id": int(trade.trade_id[1:]),
            "maker": False,
        }
