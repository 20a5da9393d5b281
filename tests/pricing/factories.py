"""Price-list objects for tests, made through the real services."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.actors import Actor
from pricing import services
from pricing.models import Product
from tests.pricing.samples import SAMPLES


def csv_bytes(rows: list[tuple], header: str = "SKU;Name;Unit;Price;Min qty") -> bytes:
    lines = [header] + [";".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def sample(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (SAMPLES / name).read_bytes())


def by(user, organization) -> Actor:
    """``user`` acting for ``organization`` (with their role there)."""
    return Actor.of_user(user, organization)


def publish(supplier, rows=None, *, currency="RUB", audience=None, mode="full", actor=None, **terms):
    """A published version from rows (sku, name, unit, price, min_qty); by the site unless ``actor``."""
    rows = rows or [("A-1", "Арматура 12 мм", "т", "100.00", 1), ("B-2", "Bolt M8", "pcs", "0.50", 1)]
    return services.price_list_import(
        actor=actor or Actor.system(supplier),
        file=SimpleUploadedFile("list.csv", csv_bytes(rows)),
        currency=currency,
        audience=audience,
        mode=mode,
        **terms,
    )


def upload(supplier, data: bytes | None = None, name="list.csv", *, actor=None, process=True, **terms):
    file = SimpleUploadedFile(name, data if data is not None else csv_bytes([("A-1", "Арматура", "т", "100.00", 1)]))
    terms.setdefault("currency", "RUB")
    up = services.price_upload_create(actor=actor or Actor.system(supplier), file=file, **terms)
    if process:
        up = services.price_upload_process(upload=up)
    return up


def product(buyer, sku="P-1", name="Арматура 12 мм", unit="т", category=None) -> Product:
    return services.product_create(buyer=buyer, sku=sku, name=name, unit=unit, category=category)


D = Decimal
