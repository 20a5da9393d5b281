"""Reads of the tenancy core; each takes the organization whose view it is."""

from django.db.models import QuerySet

from .models import ApiKey, Invitation, Membership, Notification, Organization, Partnership, PartnershipStatus


def partnership_list(*, organization: Organization) -> QuerySet[Partnership]:
    """Partnerships seen from either side, with both organizations loaded."""
    return (
        Partnership.objects.visible_to(organization).select_related("buyer", "supplier").prefetch_related("categories")
    )


def active_suppliers(*, buyer: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(
        buyer_partnerships__buyer=buyer, buyer_partnerships__status=PartnershipStatus.ACTIVE
    ).order_by("name")


def active_buyers(*, supplier: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(
        supplier_partnerships__supplier=supplier, supplier_partnerships__status=PartnershipStatus.ACTIVE
    ).order_by("name")


def is_active_partner(*, buyer: Organization, supplier: Organization) -> bool:
    return Partnership.objects.active().filter(buyer=buyer, supplier=supplier).exists()


def buyers_open_to(*, supplier: Organization) -> QuerySet[Organization]:
    """Buyers a supplier may apply to: every buyer it has no live partnership with."""
    taken = Partnership.objects.filter(supplier=supplier).exclude(status=PartnershipStatus.REJECTED)
    return Organization.objects.buyers().exclude(pk__in=taken.values("buyer_id")).order_by("name")


def member_list(*, organization: Organization) -> QuerySet[Membership]:
    return organization.memberships.select_related("user").order_by("user__email")


def api_key_list(*, organization: Organization) -> QuerySet[ApiKey]:
    return organization.api_keys.select_related("created_by")


def invitation_list(*, buyer: Organization) -> QuerySet[Invitation]:
    return buyer.invitations.select_related("invited_by", "supplier")


def notification_list(*, user, organization: Organization) -> QuerySet[Notification]:
    """A person's inbox in one organization, newest first."""
    return Notification.objects.filter(user=user, organization=organization)


def unread_count(*, user, organization: Organization) -> int:
    return notification_list(user=user, organization=organization).filter(read_at__isnull=True).count()


def partner_ratings(*, buyer: Organization, suppliers=None) -> dict[int, Partnership]:
    """Supplier id → its partnership with ``buyer`` carrying the current rating (``rating_score``,
    ``rating_band``, ``rating_is_new``), for every place that shows a supplier to pick."""
    partnerships = Partnership.objects.filter(buyer=buyer)
    if suppliers is not None:
        partnerships = partnerships.filter(supplier__in=suppliers)
    return {p.supplier_id: p for p in partnerships.only("supplier_id", "rating_score", "rating_band", "rating_is_new")}
