"""Reads of the 1C exchange, scoped to the supplier."""

from __future__ import annotations

from django.db.models import QuerySet

from marketplace.models import Exchange, Organization

HISTORY_SHOWN = 20


def exchange_list(*, supplier: Organization, limit: int = HISTORY_SHOWN) -> QuerySet[Exchange]:
    return Exchange.objects.visible_to(supplier)[:limit]
