"""The demo buyers' ratings: shared with suppliers, a few trust marks, one supplier blocked by its
rating, one disputed mark, and half a year of monthly history. Idempotent: a buyer that already has
demo marks is left alone."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from marketplace.actors import Actor
from marketplace.models import Membership, Role

from . import compute, services
from .models import ScoreSnapshot, SupplierScore, TrustMark

CURRENCY = {"uralstroy": "RUB", "mekong-build": "VND"}
CAP = {"RUB": 5_000_000, "VND": 2_000_000_000}
MARKS = [
    (9, "Reliable, answers the phone on weekends."),
    (7, "Good quality, paperwork sometimes late."),
    (4, "Two deliveries short this quarter."),
]


def _managers(buyer) -> list:
    roles = [Role.MANAGER, Role.OWNER]
    return [m.user for m in Membership.objects.filter(organization=buyer, role__in=roles).select_related("user")]


def _history(buyer, rng) -> None:
    month = timezone.localdate().replace(day=1)
    for back in range(6, 0, -1):
        point = (month - dt.timedelta(days=30 * back)).replace(day=1)
        ScoreSnapshot.objects.bulk_create(
            [
                ScoreSnapshot(
                    buyer=buyer,
                    supplier_id=s.supplier_id,
                    month=point,
                    score=max(1.0, min(99.0, s.score + rng.uniform(-3, 3) * back / 2)),
                    band=s.band,
                )
                for s in SupplierScore.objects.filter(buyer=buyer)
            ],
            ignore_conflicts=True,
        )


def _block_the_worst(buyer) -> SupplierScore | None:
    """The lowest-scored veteran falls into "blocked": poor marks, and the buyer's limit above it."""
    worst = SupplierScore.objects.filter(buyer=buyer, is_new=False).order_by("score").first()
    if worst is None:
        return None
    for user in _managers(buyer):
        services.trust_mark_add(
            buyer=buyer, supplier=worst.supplier, score=1, comment="Missed the deadline on the tower crane order.",
            actor=Actor.of_user(user, buyer),
        )  # fmt: skip
    compute.scores_recompute(buyer=buyer)
    worst = SupplierScore.objects.get(buyer=buyer, supplier=worst.supplier)
    if worst.band != "blocked":
        limit = min(45, int(worst.score) + 1)
        services.bands_set(buyer=buyer, caution_from=limit, good_from=max(50, limit + 1), excellent_from=80)
        compute.scores_recompute(buyer=buyer)
    return worst


def seed(world) -> None:
    for buyer in world.buyers:
        if TrustMark.objects.filter(buyer=buyer).exists():
            continue
        rating = compute.settings_for(buyer)
        rating.currency = CURRENCY.get(buyer.slug, rating.currency)
        rating.volume_cap = CAP.get(rating.currency, rating.volume_cap)
        rating.share_with_suppliers = True
        rating.save()
        compute.scores_recompute(buyer=buyer)
        managers = _managers(buyer)
        veterans = list(SupplierScore.objects.filter(buyer=buyer, is_new=False).select_related("supplier")[:6])
        for i, score in enumerate(veterans):
            mark, comment = MARKS[i % len(MARKS)]
            author = managers[i % len(managers)]
            services.trust_mark_add(
                buyer=buyer, supplier=score.supplier, score=mark, comment=comment, actor=Actor.of_user(author, buyer)
            )
        worst = _block_the_worst(buyer)
        disputed = TrustMark.objects.filter(buyer=buyer, score__lte=4).exclude(
            supplier=getattr(worst, "supplier", None)
        )
        mark = disputed.select_related("supplier").first()
        if mark is not None:
            services.dispute_open(
                buyer=buyer, supplier=mark.supplier, trust_mark=mark, actor=Actor.system(mark.supplier),
                comment="The short deliveries were the carrier's fault; we sent the rest the next day.",
            )  # fmt: skip
        compute.scores_recompute(buyer=buyer)
        _history(buyer, world.rng)
        compute.scores_recompute(buyer=buyer)
