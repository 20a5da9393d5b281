"""The first page after login: what is waiting for this organization. Each capability adds its cards."""

from django.db.models import Count, Q

from .models import PartnershipStatus


def dashboard_context(request) -> dict:
    organization = request.organization
    if organization.is_buyer:
        counts = organization.supplier_partnerships.aggregate(
            active=Count("pk", filter=Q(status=PartnershipStatus.ACTIVE)),
            onboarding=Count(
                "pk", filter=~Q(status__in=[PartnershipStatus.ACTIVE, PartnershipStatus.REJECTED])
            ),
        )
    else:
        counts = organization.buyer_partnerships.aggregate(
            active=Count("pk", filter=Q(status=PartnershipStatus.ACTIVE)),
            onboarding=Count(
                "pk", filter=~Q(status__in=[PartnershipStatus.ACTIVE, PartnershipStatus.REJECTED])
            ),
        )
    return {"counts": counts}
