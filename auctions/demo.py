"""Demo auctions for ``seed_demo``: for the Russian buyer, a past auction with its whole history
(bids, refusals, soft-close extensions, the close, the award and its A- order with the log) and one
that goes live a few minutes after seeding; for the Vietnamese buyer, one in VND that shows the best
price. Made through the services, with the clock set back for the past one, so that every log and
history is real. Keyed by title per buyer: running it again changes nothing."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from marketplace.actors import Actor
from marketplace.models import Organization

from . import services
from .models import Auction

PAST_TITLE = "Арматура А500С 12 мм, 120 т — квартальная закупка"
UPCOMING_TITLE = "Цемент М500 Д0, 300 т — поставка на объект «Северный»"
VND_TITLE = "Thép cuộn CB240-T, 80 tấn"

# (minutes after the start, supplier index, amount) — the last ones land in the soft-close window.
PAST_BIDS = [
    (2, 0, "7350000.00"),
    (5, 1, "7310000.00"),
    (9, 2, "7295000.00"),
    (14, 0, "7260000.00"),
    (21, 1, "7249000.00"),  # refused: less than the step below its own 7310000
    (22, 1, "7240000.00"),
    (31, 3, "7280000.00"),
    (38, 2, "7215000.00"),
    (47, 0, "7198000.00"),
    (58.5, 1, "7185000.00"),
    (60.2, 2, "7170000.00"),
    (61.4, 0, "7155000.00"),
]


@contextmanager
def _as_of(moment: dt.datetime):
    """Run the services as if it were ``moment`` (the past auction's history)."""
    with mock.patch.object(timezone, "now", lambda: moment):
        yield


def _actor(world, email: str, organization: Organization) -> Actor:
    return Actor.of_user(world.user(email), organization)


def _seller(world, supplier: Organization) -> Actor:
    return _actor(world, f"sales@{supplier.slug}.demo", supplier)


def _terms(title: str, start: dt.datetime, **overrides) -> dict:
    terms = {
        "title": title,
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=1),
        "soft_close_window_s": 180,
        "soft_close_extension_s": 120,
        "max_extensions": 5,
    }
    return {**terms, **overrides}


def _past(world, buyer: Organization, suppliers: list[Organization]) -> None:
    buyer_actor = _actor(world, f"procurement@{buyer.slug}.demo", buyer)
    start = (timezone.now() - dt.timedelta(days=9)).replace(hour=7, minute=0, second=0, microsecond=0)
    terms = _terms(
        PAST_TITLE,
        start,
        description="Поставка на склад в Екатеринбурге, две партии по 60 т.",
        lot="Арматура А500С 12 мм",
        quantity=Decimal("120"),
        unit="т",
        currency="RUB",
        start_price=Decimal("7400000.00"),
        reserve_price=Decimal("7250000.00"),
        min_step=Decimal("10000.00"),
    )
    with _as_of(start - dt.timedelta(days=2)):
        auction = services.auction_create(actor=buyer_actor, suppliers=suppliers, **terms)
        services.auction_schedule(auction=auction, actor=buyer_actor)
    with _as_of(start):
        services.auction_open_due(now=start)
    for minutes, index, amount in PAST_BIDS:
        moment = start + dt.timedelta(minutes=minutes)
        with _as_of(moment):
            services.bid_place(
                auction_id=auction.pk,
                actor=_seller(world, suppliers[index]),
                amount=amount,
                received_at=moment,
                client_id=f"demo-{minutes}",
            )
    auction.refresh_from_db()
    closing = auction.ends_at + services.close_grace()
    with _as_of(closing):
        services.auction_close_expired(now=closing)
    with _as_of(closing + dt.timedelta(hours=2)):
        services.auction_award(auction=auction, actor=buyer_actor)


def _upcoming(world, buyer: Organization, suppliers: list[Organization], title: str, **terms) -> None:
    buyer_actor = _actor(world, f"procurement@{buyer.slug}.demo", buyer)
    start = (timezone.now() + dt.timedelta(minutes=5)).replace(microsecond=0)
    auction = services.auction_create(actor=buyer_actor, suppliers=suppliers, **_terms(title, start, **terms))
    services.auction_schedule(auction=auction, actor=buyer_actor)


def seed(world) -> None:
    russian, vietnamese = world.buyers[0], world.buyers[1]
    done = set(Auction.objects.filter(buyer__in=world.buyers).values_list("buyer_id", "title"))
    suppliers = world.active_suppliers(russian)[:4]
    if (russian.pk, PAST_TITLE) not in done and len(suppliers) >= 4:
        _past(world, russian, suppliers)
    if (russian.pk, UPCOMING_TITLE) not in done:
        _upcoming(
            world,
            russian,
            suppliers,
            UPCOMING_TITLE,
            lot="Цемент М500 Д0, мешок 50 кг",
            quantity=Decimal("300"),
            unit="т",
            currency="RUB",
            start_price=Decimal("2100000.00"),
            min_step=Decimal("0.5"),
            min_step_kind="percent",
        )
    vn_suppliers = world.active_suppliers(vietnamese)[:3]
    if (vietnamese.pk, VND_TITLE) not in done and vn_suppliers:
        _upcoming(
            world,
            vietnamese,
            vn_suppliers,
            VND_TITLE,
            lot="Thép cuộn CB240-T Ø8",
            quantity=Decimal("80"),
            unit="tấn",
            currency="VND",
            start_price=Decimal("1250000000"),
            min_step=Decimal("2000000"),
            visibility="best_price",
            must_beat_best=True,
            soft_close_trigger="new_leader",
        )
