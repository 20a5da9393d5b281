"""Price-list objects of the cast's tenant for the URL sweep: versions with changes, uploads in
every state a URL addresses, a catalog product and a mapping."""

from django.core.files.uploadedfile import SimpleUploadedFile

from pricing import services
from tests.pricing.factories import by, csv_bytes, publish


def build(cast) -> None:
    sam = by(cast.sam, cast.supplier)
    publish(cast.supplier, [("A-1", "Арматура 12 мм", "т", "100.00", 1)], actor=sam)
    publish(cast.supplier, [("A-1", "Арматура 12 мм", "т", "120.00", 1), ("B-2", "Bolt", "pcs", "1", 1)])
    publish(cast.supplier2, [("X-9", "Цемент", "шт", "400", 10)], audience=cast.buyer)
    ready = services.price_upload_create(
        actor=sam,
        file=SimpleUploadedFile("next.csv", csv_bytes([("A-1", "Арматура 12 мм", "т", "130.00", 1)])),
        currency="RUB",
    )
    services.price_upload_process(upload=ready)
    broken = services.price_upload_create(
        actor=sam,
        file=SimpleUploadedFile("bad.csv", csv_bytes([("", "no sku", "т", "1", 1)])),
        currency="RUB",
    )
    services.price_upload_process(upload=broken)
    product = services.product_create(buyer=cast.buyer, sku="P-1", name="Арматура 12 мм", unit="т")
    services.mapping_set(actor=by(cast.paul, cast.buyer), supplier=cast.supplier2, supplier_sku="X-9", product=product)
