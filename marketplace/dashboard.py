"""The first page after login: what is waiting for this organization.

Each capability adds its part: ``<app>/dashboard.py`` with ``context(request) -> dict`` (merged
into the page's context under the app's name) and ``templates/<app>/_dashboard.html``."""

import importlib

from django.db.models import Count, Q

from .models import PartnershipStatus

DASHBOARD_APPS = ["cabinet", "pricing", "auctions", "ratings"]


def _partnership_counts(partnerships) -> dict:
    return partnerships.aggregate(
        active=Count("pk", filter=Q(status=PartnershipStatus.ACTIVE)),
        onboarding=Count("pk", filter=~Q(status__in=[PartnershipStatus.ACTIVE, PartnershipStatus.REJECTED])),
    )


def dashboard_context(request) -> dict:
    organization = request.organization
    partnerships = organization.supplier_partnerships if organization.is_buyer else organization.buyer_partnerships
    context = {"counts": _partnership_counts(partnerships)}
    for app in DASHBOARD_APPS:
        try:
            module = importlib.import_module(f"{app}.dashboard")
        except ModuleNotFoundError as error:
            if error.name != f"{app}.dashboard":
                raise
            continue
        context[app] = module.context(request)
    return context
