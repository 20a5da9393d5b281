"""Demo price lists: every supplier with an active partner publishes a list in its own language
(some with a previous version, so the diff shows), with quantity breaks for some rows; each buyer
keeps a catalog of the same goods, mapped onto its suppliers' SKUs. Idempotent: a supplier that
already has a list, a product or a mapping that already exists is left alone."""

from __future__ import annotations

import random
from decimal import Decimal

from marketplace.actors import Actor
from marketplace.demo import BUYERS, EXCHANGE_1C_SUPPLIER, SUPPLIERS
from marketplace.models import Category, Organization, PartnershipStatus
from marketplace.money import money, unit_price

from . import services
from .models import ExchangePriceTypes, PriceList, Product, SkuMapping

# Per category (the index used by marketplace.demo): (ru, vi, en, unit ru/vi/en, USD price, sizes).
GOODS: dict[int, list[tuple[str, str, str, tuple[str, str, str], Decimal, list[str]]]] = {
    0: [
        (
            "Арматура А500С д.{} мм",
            "Thép cây D{}",
            "Rebar A500C {} mm",
            ("т", "tấn", "t"),
            Decimal("720"),
            ["8", "10", "12", "16", "20"],
        ),
        (
            "Лист г/к {} мм",
            "Thép tấm {} ly",
            "Hot-rolled sheet {} mm",
            ("т", "tấn", "t"),
            Decimal("810"),
            ["2", "4", "6"],
        ),
        ("Труба профильная {}", "Thép hộp {}", "Square tube {}", ("м", "cây", "m"), Decimal("6.4"), ["40x40", "60x60"]),
        ("Уголок {}", "Thép góc {}", "Steel angle {}", ("м", "cây", "m"), Decimal("3.1"), ["50x50", "63x63"]),
    ],
    1: [
        (
            "Болт М{} оцинк.",
            "Bu lông M{} mạ kẽm",
            "Hex bolt M{} zinc",
            ("шт", "cái", "pcs"),
            Decimal("0.09"),
            ["8x40", "10x50", "12x60"],
        ),
        ("Гайка М{}", "Đai ốc M{}", "Hex nut M{}", ("шт", "cái", "pcs"), Decimal("0.03"), ["8", "10", "12"]),
        (
            "Саморез кровельный {}",
            "Vít bắn tôn {}",
            "Roofing screw {}",
            ("уп", "hộp", "box"),
            Decimal("7.5"),
            ["4,8x29", "5,5x32"],
        ),
        ("Анкер клиновой {}", "Bu lông nở {}", "Wedge anchor {}", ("шт", "cái", "pcs"), Decimal("0.6"), ["M10", "M12"]),
    ],
    2: [
        (
            "Цемент {} мешок 50 кг",
            "Xi măng {} bao 50kg",
            "Cement {} bag 50 kg",
            ("шт", "bao", "bag"),
            Decimal("5.2"),
            ["М400", "М500"],
        ),
        ("Бетон {}", "Bê tông {}", "Ready-mix concrete {}", ("м3", "m3", "m3"), Decimal("68"), ["B15", "B20", "B25"]),
        (
            "Песок строительный {}",
            "Cát xây dựng {}",
            "Building sand {}",
            ("т", "tấn", "t"),
            Decimal("9"),
            ["мытый", "карьерный"],
        ),
    ],
    3: [
        (
            "Стретч-плёнка {} мкм",
            "Màng PE {} mic",
            "Stretch film {} µm",
            ("рул", "cuộn", "roll"),
            Decimal("8.9"),
            ["17", "20", "23"],
        ),
        (
            "Короб гофро {}",
            "Thùng carton {}",
            "Corrugated box {}",
            ("шт", "thùng", "pcs"),
            Decimal("0.45"),
            ["400x300x300", "600x400x400"],
        ),
        (
            "Поддон деревянный {}",
            "Pallet gỗ {}",
            "Wooden pallet {}",
            ("шт", "cái", "pcs"),
            Decimal("9.5"),
            ["1200x800", "1200x1000"],
        ),
    ],
    4: [
        (
            "Кабель ВВГнг {}",
            "Cáp điện CVV {}",
            "Power cable {}",
            ("м", "mét", "m"),
            Decimal("1.2"),
            ["3x1,5", "3x2,5", "5x4"],
        ),
        (
            "Автомат {} А",
            "Aptomat {}A",
            "Circuit breaker {} A",
            ("шт", "cái", "pcs"),
            Decimal("4.3"),
            ["16", "25", "32"],
        ),
        ("Светильник LED {} Вт", "Đèn LED {}W", "LED luminaire {} W", ("шт", "bộ", "pcs"), Decimal("14"), ["36", "54"]),
    ],
}
CURRENCIES = {0: ("RUB", Decimal("92")), 1: ("VND", Decimal("25000")), 2: ("USD", Decimal("1"))}


def _language(index: int) -> int:
    return 0 if index < 10 else 1 if index < 20 else 2


def _goods(category: int, language: int) -> list[tuple[int, str, str, Decimal]]:
    """(position, name, unit, USD price) of a category, in one language."""
    rows = []
    position = 0
    for ru, vi, en, units, price, sizes in GOODS[category]:
        for step, size in enumerate(sizes):
            template = (ru, vi, en)[language]
            rows.append((position, template.format(size), units[language], price * (1 + Decimal(step) / 5)))
            position += 1
    return rows


def _rows(category: int, language: int, prefix: str, rng: random.Random, factor: Decimal) -> list[dict]:
    currency, rate = CURRENCIES[language]
    items = []
    for position, name, unit, usd in _goods(category, language):
        raw = usd * rate * factor * Decimal(str(round(rng.uniform(0.9, 1.1), 3)))
        price = _price(raw, currency)
        sku = f"{prefix}-{category}{position:03d}"
        items.append({"sku": sku, "name": name, "unit": unit, "price": str(price), "min_qty": "1"})
        if position % 3 == 0:  # quantity breaks: cheaper by the pallet and by the truck
            for qty, off in (("100", Decimal("0.95")), ("1000", Decimal("0.9"))):
                items.append(
                    {
                        "sku": sku,
                        "name": name,
                        "unit": unit,
                        "price": str(_price(price * off, currency)),
                        "min_qty": qty,
                    }
                )
    return items


def _price(value: Decimal, currency: str) -> Decimal:
    """The currency's minor unit; four places below one unit (fasteners cost fractions of a cent)."""
    return money(value, currency) if value >= 1 else unit_price(value)


def seed(world) -> None:
    supplier_specs = {slug: (index, category) for index, (slug, _name, category) in enumerate(SUPPLIERS)}
    for supplier in world.suppliers:
        if supplier.slug not in supplier_specs or PriceList.objects.filter(supplier=supplier).exists():
            continue
        if not supplier.buyer_partnerships.filter(status=PartnershipStatus.ACTIVE).exists():
            continue
        index, category = supplier_specs[supplier.slug]
        language = _language(index)
        rng = random.Random(f"pricing-{supplier.slug}")
        owner = supplier.memberships.filter(role="owner").select_related("user", "organization").first()
        actor = Actor.of_membership(owner) if owner else Actor.system(supplier)
        prefix = supplier.slug.split("-")[0][:4].upper()
        currency = CURRENCIES[language][0]
        versions = [Decimal("0.96"), Decimal("1")] if index % 2 == 0 else [Decimal("1")]
        for factor in versions:
            rows = _rows(category, language, prefix, rng, factor)
            if factor != versions[-1]:
                rows = rows[:-2]  # the newer version adds goods too
            services.price_list_import(actor=actor, items=rows, currency=currency)
    for b, spec in enumerate(BUYERS):
        buyer = Organization.objects.filter(slug=spec["slug"]).first()
        if buyer is not None:
            _catalog(buyer, language=0 if b == 0 else 2, categories=spec["categories"], world=world)
    one_c = Organization.objects.filter(slug=EXCHANGE_1C_SUPPLIER).first()
    if one_c is not None:  # its 1C sends two price types; the wholesale one goes to every buyer
        ExchangePriceTypes.objects.get_or_create(
            supplier=one_c, defaults={"price_types": {"Оптовая": "*"}, "price_types_found": ["Оптовая", "Розница"]}
        )


def _catalog(buyer: Organization, *, language: int, categories: list[str], world) -> None:
    """The buyer's own SKUs for the goods, mapped onto every active supplier selling them."""
    prefix = "UR" if language == 0 else "MB"
    suppliers = world.active_suppliers(buyer)
    supplier_specs = {slug: (index, category) for index, (slug, _name, category) in enumerate(SUPPLIERS)}
    existing = set(Product.objects.filter(buyer=buyer).values_list("sku", flat=True))
    mapped = set(SkuMapping.objects.filter(buyer=buyer).values_list("supplier_id", "supplier_sku"))
    for category_index, category_name in enumerate(categories):
        category = Category.objects.filter(buyer=buyer, name=category_name).first()
        for position, name, unit, _usd in _goods(category_index, language):
            sku = f"{prefix}-{category_index}{position:03d}"
            if sku in existing:
                product = Product.objects.get(buyer=buyer, sku=sku)
            else:
                product = services.product_create(buyer=buyer, sku=sku, name=name, unit=unit, category=category)
            for supplier in suppliers:
                spec = supplier_specs.get(supplier.slug)
                if spec is None or spec[1] != category_index:
                    continue
                supplier_sku = f"{supplier.slug.split('-')[0][:4].upper()}-{category_index}{position:03d}"
                if (supplier.pk, supplier_sku) in mapped or not PriceList.objects.filter(supplier=supplier).exists():
                    continue
                services.mapping_set(
                    actor=Actor.system(buyer), supplier=supplier, supplier_sku=supplier_sku, product=product
                )
                mapped.add((supplier.pk, supplier_sku))
