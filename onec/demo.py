"""Demo data: the supplier «СтальПром» exchanges with 1C, so that its Integrations page shows the
price-type choice and a history."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from marketplace.models import Organization

from .models import Exchange, ExchangeSettings

SUPPLIER = "stalprom"
HISTORY = [
    # (hours ago, type, step, file, result, counts, message)
    (50, "catalog", "import", "import.xml", "success", {"items": 42}, "Goods read: 42."),
    (50, "catalog", "import", "offers.xml", "failure", {}, "offers.xml has several price types (Оптовая, Розница): "
     "on the Integrations page choose which goes to which buyer, then run the exchange again."),
    (26, "catalog", "import", "offers.xml", "success", {"items": 40},
     "Price type “Оптовая” → every buyer: version 3 published; items: 40."),
    (2, "sale", "query", "", "success", {"orders": 3}, "Orders sent: 3."),
    (2, "sale", "file", "orders.xml", "success", {"orders": 3, "applied": 3, "refused": 1},
     "Orders read: 3; moves applied: 3; refused: 1.\nOrder W-2026-000004: not changed: it was cancelled by the buyer."),
]  # fmt: skip


def seed(world) -> None:
    supplier = Organization.objects.filter(slug=SUPPLIER).first()
    if supplier is None or Exchange.objects.filter(supplier=supplier).exists():
        return
    ExchangeSettings.objects.update_or_create(
        supplier=supplier, defaults={"price_types": {"Оптовая": "*"}, "price_types_found": ["Оптовая", "Розница"]}
    )
    now = timezone.now()
    for hours, kind, mode, filename, result, counts, message in HISTORY:
        at = now - dt.timedelta(hours=hours)
        Exchange.objects.create(
            supplier=supplier, created_at=at, finished_at=at, kind=kind, mode=mode, filename=filename,
            result=result, message=message, **counts,
        )  # fmt: skip
