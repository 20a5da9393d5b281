"""What each audience of an auction may see: the ONLY place visibility is decided.

Pure functions, no database: the services build one ``news`` per committed change (a JSON-able
dict), the live side calls ``frame(news, audience)`` once per audience present and sends the result
as is. ``audience`` is ``"buyer"`` or a supplier's organization id.

Every frame is self-sufficient (the whole public state plus what the audience may see of the
standing), so that a watcher that skips frames (coalescing) still ends on the right state.

The rules (CONTRACT.md): a supplier never receives another supplier's id or name; under ``rank``
visibility it receives no price but its own; under ``best_price`` also the best price, never who
holds it; the reserve price never reaches a supplier.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from .log import iso, plain

BUYER = "buyer"
KINDS = ("update", "extended", "state", "closed")

# Fields of an auction that any invited watcher may see.
PUBLIC_FIELDS = ("state", "starts_at", "ends_at", "bids_count", "extensions", "max_extensions")


def _public(auction) -> dict[str, Any]:
    remaining = auction.paused_remaining if auction.state == "paused" else None
    return {
        "state": auction.state,
        "starts_at": iso(auction.starts_at),
        "ends_at": iso(auction.ends_at),
        "bids_count": auction.bids_count,
        "extensions": auction.extensions,
        "max_extensions": auction.max_extensions,
        "paused_remaining_s": plain(remaining),
    }


def standing(invitation) -> dict[str, Any]:
    """One supplier's line of the standings (``invitation`` with its supplier loaded)."""
    return {
        "supplier": invitation.supplier_id,
        "slug": invitation.supplier.slug,
        "name": invitation.supplier.name,
        "rank": invitation.rank,
        "best": plain(invitation.best_amount),
        "received_at": iso(invitation.best_received_at),
        "bids_count": invitation.bids_count,
    }


def bid_data(bid, *, name: str = "", slug: str = "", tied: bool = False) -> dict[str, Any]:
    return {
        "id": bid.pk,
        "supplier": bid.supplier_id,
        "slug": slug,
        "name": name,
        "amount": plain(bid.amount),
        "received_at": iso(bid.received_at),
        "rank": bid.rank_after,
        "tied": tied,
    }


def build(
    auction,
    standings: list[dict],
    kind: str,
    bid: dict | None = None,
    extra: dict | None = None,
    bids: list[dict] | None = None,
) -> dict:
    """The news of one committed change. ``standings`` are ``standing()`` lines; ``bid`` a
    ``bid_data()`` (the newest, when one transaction accepted several: ``bids`` holds them all,
    oldest first); ``extra`` may carry ``reason`` and ``reason_data`` (an extension) or ``order``."""
    assert kind in KINDS, kind
    extra = extra or {}
    return {
        "auction_id": auction.pk,
        "version": auction.version,
        "kind": kind,
        **_public(auction),
        "reason": str(extra.get("reason", "")),
        "reason_data": plain(extra.get("reason_data")),
        "visibility": auction.visibility,
        "currency": auction.currency,
        "best_price": plain(auction.best_price),
        "reserve_price": plain(auction.reserve_price),
        "leader": auction.leader_id,
        "standings": standings,
        "bid": bid,
        "bids": bids if bids and len(bids) > 1 else None,
    }


def _mine(news: dict, supplier_id: int) -> dict | None:
    return next((line for line in news["standings"] if line["supplier"] == supplier_id), None)


def tied_behind(standings: list[dict], supplier_id: int) -> bool:
    """Whether this supplier's best equals a better-ranked supplier's (the earlier bid wins a tie)."""
    mine = next((line for line in standings if line["supplier"] == supplier_id), None)
    if mine is None or mine["best"] is None:
        return False
    return any(
        line["best"] == mine["best"] and line["rank"] is not None and line["rank"] < mine["rank"]
        for line in standings
        if line["supplier"] != supplier_id
    )


def _reserve_met(news: dict) -> bool | None:
    if news["reserve_price"] is None:
        return None
    from decimal import Decimal

    return news["best_price"] is not None and Decimal(news["best_price"]) <= Decimal(news["reserve_price"])


def _for_buyer(news: dict) -> dict:
    leader = next((line for line in news["standings"] if line["supplier"] == news["leader"]), None)
    return {
        "best_price": news["best_price"],
        "leader": {"supplier": leader["supplier"], "slug": leader["slug"], "name": leader["name"]} if leader else None,
        "reserve_price": news["reserve_price"],
        "reserve_met": _reserve_met(news),
        "standings": news["standings"],
        "bid": news["bid"],
        **({"bids": news["bids"]} if news.get("bids") else {}),
    }


def _for_supplier(news: dict, supplier_id: int) -> dict:
    mine = _mine(news, supplier_id)
    seen = {
        "my_rank": mine["rank"] if mine else None,
        "my_best": mine["best"] if mine else None,
        "tied": tied_behind(news["standings"], supplier_id),
    }
    if news["visibility"] == "best_price":
        seen["best_price"] = news["best_price"]
    own = [b for b in news.get("bids") or [news["bid"]] if b is not None and b["supplier"] == supplier_id]
    if own:  # its newest accepted bid of this news (its receipts come with each bid_result)
        seen["my_bid"] = {k: own[-1][k] for k in ("id", "amount", "received_at", "rank", "tied")}
    return seen


def frame(news: dict, audience: str | int) -> dict:
    """The frame ``audience`` receives for ``news`` (type = the news' kind)."""
    public = {k: news[k] for k in (*PUBLIC_FIELDS, "paused_remaining_s")}
    body = {"type": news["kind"], "auction_id": news["auction_id"], "version": news["version"], **public}
    body["currency"] = news["currency"]
    if news["kind"] == "extended" or news["reason"]:
        body["reason"] = news["reason"]
        body["reason_data"] = news["reason_data"]
    if audience == BUYER:
        body.update(_for_buyer(news))
    else:
        body.update(_for_supplier(news, int(audience)))
    return body


def _auction_fields(auction) -> dict:
    return {
        "id": auction.pk,
        "title": auction.title,
        "lot": auction.lot_name if hasattr(auction, "lot_name") else auction.lot,
        "quantity": plain(auction.quantity),
        "unit": auction.unit,
        "currency": auction.currency,
        "start_price": plain(auction.start_price),
        "min_step": plain(auction.min_step),
        "min_step_kind": auction.min_step_kind,
        "must_beat_best": auction.must_beat_best,
        "visibility": auction.visibility,
        "soft_close_window_s": auction.soft_close_window_s,
        "soft_close_extension_s": auction.soft_close_extension_s,
        "soft_close_trigger": auction.soft_close_trigger,
        "soft_close_top_n": auction.soft_close_top_n,
        **_public(auction),
    }


def snapshot(
    auction, standings: list[dict], audience: str | int, bids: list[dict] | None = None, now: dt.datetime | None = None
) -> dict:
    """The ``snapshot`` frame: the auction, the server's time, and what ``audience`` may see (the
    buyer also every accepted bid, oldest first)."""
    news = build(auction, standings, "update")
    body = {
        "type": "snapshot",
        "auction": _auction_fields(auction),
        "version": auction.version,
        "server_time": iso(now or timezone.now()),
    }
    if audience == BUYER:
        body.update(_for_buyer(news))
        body.pop("bid")
        body["bids"] = bids or []
    else:
        body.update(_for_supplier(news, int(audience)))
    return body


def audience_view(auction, standings: list[dict], audience: str | int) -> dict:
    """What ``audience`` may read of the standing outside the live stream (the REST detail and
    lists): the buyer the best price, the leader, the reserve and the standings; a supplier its own
    rank and best, whether it is tied behind, and the best price where visibility allows."""
    item = build(auction, standings, "update")
    if audience == BUYER:
        seen = _for_buyer(item)
        seen.pop("bid")
        seen.pop("bids", None)
        return seen
    return _for_supplier(item, int(audience))
