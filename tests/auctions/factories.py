"""Auctions for tests, made through the services so that their logs are real."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from auctions import services
from auctions.models import Auction, AuctionState
from marketplace.actors import Actor
from tests import factories


def buyer_actor(user, buyer) -> Actor:
    return Actor.of_user(user, buyer)


def supplier_actor(supplier, user=None) -> Actor:
    """A person of ``supplier`` (one is made when none is given)."""
    if user is None:
        membership = supplier.memberships.select_related("user").first()
        user = membership.user if membership else factories.member(supplier, "owner")
    return Actor.of_user(user, supplier)


def terms(**overrides) -> dict:
    now = timezone.now()
    values = {
        "title": "Rebar A500C, 120 t",
        "lot": "Rebar A500C 12 mm",
        "quantity": Decimal("120"),
        "unit": "t",
        "currency": "RUB",
        "start_price": Decimal("1000000.00"),
        "min_step": Decimal("1000.00"),
        "min_step_kind": "amount",
        "starts_at": now + dt.timedelta(hours=1),
        "ends_at": now + dt.timedelta(hours=2),
        "soft_close_window_s": 180,
        "soft_close_extension_s": 120,
        "max_extensions": 5,
    }
    values.update(overrides)
    return values


def auction(
    buyer, user, suppliers, *, state: str = AuctionState.DRAFT, minutes_left: float = 30, **overrides
) -> Auction:
    """An auction in ``state`` (draft, scheduled or live). A live one started a minute ago and ends
    in ``minutes_left`` minutes."""
    actor = buyer_actor(user, buyer)
    now = timezone.now()
    if state == AuctionState.LIVE:
        overrides.setdefault("starts_at", now - dt.timedelta(minutes=1))
        overrides.setdefault("ends_at", now + dt.timedelta(minutes=minutes_left))
    made = services.auction_create(actor=actor, suppliers=suppliers, **terms(**overrides))
    if state in (AuctionState.SCHEDULED, AuctionState.LIVE):
        made = services.auction_schedule(auction=made, actor=actor)
    if state == AuctionState.LIVE:
        services.auction_open_due(now=timezone.now())
    made.refresh_from_db()
    assert made.state == state, made.state
    return made


def bid(auction: Auction, supplier, amount, *, at: dt.datetime | None = None, client_id=None, user=None):
    return services.bid_place(
        auction_id=auction.pk,
        actor=supplier_actor(supplier, user),
        amount=amount,
        received_at=at or timezone.now(),
        client_id=client_id,
    )
