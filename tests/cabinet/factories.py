"""Cabinet objects for tests, made through the services so that histories are real."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cabinet import services
from cabinet.models import Order, OrderState
from marketplace.models import Partnership, PartnershipStatus
from tests.factories import acting

BIG = "99999999999999999999"  # 10**20 - 1: past any integer column, SQLite cannot even compare it


def end_partnership(buyer, supplier) -> None:
    Partnership.objects.filter(buyer=buyer, supplier=supplier).update(status=PartnershipStatus.REJECTED)


# The shortest road from "placed" to each state: (target, side, comment).
ROAD: dict[str, list[tuple[str, str, str]]] = {
    OrderState.PLACED: [],
    OrderState.CONFIRMED: [("confirmed", "supplier", "")],
    OrderState.REJECTED: [("rejected", "supplier", "out of stock")],
    OrderState.CANCELLED: [("cancelled", "buyer", "not needed")],
    OrderState.IN_PROGRESS: [("confirmed", "supplier", ""), ("in_progress", "supplier", "")],
    OrderState.SHIPPED: [
        ("confirmed", "supplier", ""),
        ("in_progress", "supplier", ""),
        ("shipped", "supplier", "truck 42"),
    ],
    OrderState.DELIVERED: [
        ("confirmed", "supplier", ""),
        ("in_progress", "supplier", ""),
        ("shipped", "supplier", "truck 42"),
        ("delivered", "buyer", ""),
    ],
}
ROAD[OrderState.COMPLETED] = [*ROAD[OrderState.DELIVERED], ("completed", "buyer", "")]
ROAD[OrderState.DISPUTED] = [*ROAD[OrderState.DELIVERED], ("disputed", "buyer", "three boxes broken")]


def lines(n: int = 2) -> list[dict]:
    return [
        {
            "sku": f"SKU-{i}",
            "name": f"Product {i}",
            "unit": "pcs",
            "quantity": Decimal(i + 1),
            "price": Decimal("10.50"),
        }
        for i in range(n)
    ]


def order(buyer, supplier, *, state: str = OrderState.PLACED, channel: str = "web", n_lines: int = 2) -> Order:
    made = services.order_create(
        buyer=buyer, supplier=supplier, channel=channel, lines=lines(n_lines), actor=acting(buyer)
    )
    for to, side, comment in ROAD[state]:
        made = services.order_transition(
            order=made, to=to, actor=acting(buyer if side == "buyer" else supplier), comment=comment
        )
    return made


def rfq(buyer, suppliers, *, deadline: dt.datetime | None = None, n_lines: int = 2):
    return services.rfq_create(
        buyer=buyer,
        actor=acting(buyer),
        title="Rebar for block C",
        deadline=deadline or timezone.now() + dt.timedelta(days=3),
        suppliers=suppliers,
        lines=[
            {"name": f"Rebar {i}", "sku": f"R-{i}", "quantity": Decimal(5 * (i + 1)), "unit": "t"}
            for i in range(n_lines)
        ],
        currency="RUB",
    )


def quote(rfq, supplier, price: str = "100.00"):
    return services.quote_submit(
        rfq=rfq,
        supplier=supplier,
        actor=acting(supplier),
        prices={line.pk: Decimal(price) for line in rfq.lines.all()},
        lead_time_days=5,
        valid_until=timezone.localdate() + dt.timedelta(days=10),
    )


def pdf(name: str = "spec.pdf", size: int = 0) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    if size:
        body = body + b"0" * (size - len(body))
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, content_type="image/png")


def exe(name: str = "invoice.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, content_type="application/pdf")


def xlsx(name: str = "prices.xlsx") -> SimpleUploadedFile:
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "SKU"
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def zip_without_content_types(name: str = "report.docx") -> SimpleUploadedFile:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<xml/>")
    return SimpleUploadedFile(name, buffer.getvalue())
