"""The first page after login: what is waiting for this organization.

Each capability adds its part: ``<app>/dashboard.py`` with ``context(request) -> dict`` (merged
into the page's context under the app's name) and ``templates/<app>/_dashboard.html``."""

from django.db.models import Count, Q

from .hooks import capability_modules
from .models import PartnershipStatus


def _partnership_counts(partnerships) -> dict:
    return partnerships.aggregate(
        active=Count("pk", filter=Q(status=PartnershipStatus.ACTIVE)),
        onboarding=Count("pk", filter=~Q(status__in=[PartnershipStatus.ACTIVE, PartnershipStatus.REJECTED])),
    )


def dashboard_context(request) -> dict:
    organization = request.organization
    partnerships = organization.supplier_partnerships if organization.is_buyer else organization.buyer_partnerships
    context = {"counts": _partnership_counts(partnerships)}
    for app, module in capability_modules("dashboard"):
        context[app] = module.context(request)
    return context
