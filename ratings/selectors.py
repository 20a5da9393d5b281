"""Reads of the ratings; each takes the buyer whose rating it is."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from marketplace.models import Organization, Partnership

from .compute import settings_for, standing_marks
from .models import Dispute, RatingSettings, ScoreSnapshot, SupplierScore, TrustMark


def leaderboard(*, buyer: Organization, filters=None, request=None) -> QuerySet[SupplierScore]:
    """The buyer's active suppliers best first, filtered by ``RatingFilter`` when ``filters`` is given."""
    active = Partnership.objects.active().filter(buyer=buyer, supplier=OuterRef("supplier"))
    scores = (
        SupplierScore.objects.filter(buyer=buyer)
        .filter(Exists(active))
        .select_related("supplier")
        .order_by("rank", "supplier_id")
    )
    if filters is not None:
        from .filters import RatingFilter

        scores = RatingFilter(filters, queryset=scores, request=request, buyer=buyer).qs
    return scores


def score_get(*, buyer: Organization, supplier: Organization) -> SupplierScore | None:
    return SupplierScore.objects.filter(buyer=buyer, supplier=supplier).select_related("supplier").first()


def history(*, buyer: Organization, supplier: Organization) -> QuerySet[ScoreSnapshot]:
    return ScoreSnapshot.objects.filter(buyer=buyer, supplier=supplier).order_by("month")


def trust_marks(*, buyer: Organization, supplier: Organization) -> QuerySet[TrustMark]:
    """Every mark, newest first; ``counts`` tells whether it is its author's latest standing one."""
    counting = standing_marks(buyer).filter(pk=OuterRef("pk"))
    return (
        TrustMark.objects.filter(buyer=buyer, supplier=supplier)
        .annotate(counts=Exists(counting))
        .select_related("author")
    )


def dispute_list(*, organization: Organization) -> QuerySet[Dispute]:
    """A buyer's disputes from all its suppliers; a supplier's own disputes with every buyer."""
    side = {"buyer": organization} if organization.is_buyer else {"supplier": organization}
    return Dispute.objects.filter(**side).select_related("buyer", "supplier", "trust_mark", "complaint__order")


def disputes_to_answer(*, buyer: Organization) -> QuerySet[Dispute]:
    """Disputes a buyer's managers answer (none for a supplier organization)."""
    return Dispute.objects.filter(buyer=buyer) if buyer.is_buyer else Dispute.objects.none()


def rating_settings(*, buyer: Organization) -> RatingSettings:
    return settings_for(buyer)


def buyers_sharing_with(*, supplier: Organization) -> QuerySet[Organization]:
    """Active partner buyers that show this supplier its own rating."""
    return Organization.objects.filter(
        supplier_partnerships__supplier=supplier,
        supplier_partnerships__status="active",
        rating_settings__share_with_suppliers=True,
    ).order_by("name")


def top_contractors(
    *, buyer: Organization, category=None, product_id: int | None = None, limit: int = 5
) -> list[SupplierScore]:
    """The best ``limit`` eligible suppliers (active, not blocked, serving the category or offering
    the product), by score, price sub-score breaking ties."""
    scores = leaderboard(buyer=buyer).exclude(band="blocked")
    if category is not None:
        serving = Partnership.objects.active().filter(buyer=buyer, supplier=OuterRef("supplier"), categories=category)
        scores = scores.filter(Exists(serving))
    if product_id is not None:
        from pricing.selectors import mapping_list

        offering = mapping_list(buyer=buyer).filter(product_id=product_id).values("supplier_id")
        scores = scores.filter(supplier_id__in=offering)
    return list(scores.order_by("-score", "-price_score", "supplier_id")[:limit])
