"""Reads of price lists, offers and the catalog; each takes the organization whose view it is."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from marketplace.models import Organization

from .models import PriceChange, PriceItem, PriceList, PriceListStatus, PriceUpload, Product, SkuMapping


def price_list_list(*, organization: Organization, filters: dict | None = None) -> QuerySet[PriceList]:
    """Published versions the organization may see (``PriceListQuerySet.visible_to``)."""
    lists = (
        PriceList.objects.published()
        .visible_to(organization)
        .select_related("supplier", "audience", "uploaded_by", "api_key")
    )
    if filters:
        lists = lists.filter(**filters)
    return lists.order_by("-published_at", "-id")


def effective_price_lists(*, buyer: Organization) -> QuerySet[PriceList]:
    """The one active version per supplier that applies to this buyer: a list offered to it alone
    wins over the supplier's list for all buyers."""
    own = PriceList.objects.filter(supplier_id=OuterRef("supplier_id"), audience=buyer, status=PriceListStatus.ACTIVE)
    return PriceList.objects.active().visible_to(buyer).filter(Q(audience=buyer) | ~Exists(own))


def price_item_list(*, price_list: PriceList) -> QuerySet[PriceItem]:
    return price_list.items.all().order_by("sku", "min_qty")


def price_change_list(*, price_list: PriceList) -> QuerySet[PriceChange]:
    return price_list.changes.all().order_by("kind", "sku", "min_qty")


def price_upload_list(*, supplier: Organization) -> QuerySet[PriceUpload]:
    return PriceUpload.objects.filter(supplier=supplier).select_related(
        "uploaded_by", "api_key", "audience", "published"
    )


def _valid_on(day: dt.date) -> Q:
    return (
        (Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        & (Q(price_list__valid_from__isnull=True) | Q(price_list__valid_from__lte=day))
        & (Q(price_list__valid_to__isnull=True) | Q(price_list__valid_to__gte=day))
    )


def offer_list(
    *,
    buyer: Organization,
    product: Product | None = None,
    sku: str | None = None,
    day: dt.date | None = None,
    ordered: bool = True,
) -> QuerySet[PriceItem]:
    """Items of the buyer's effective price lists valid on ``day``, cheapest first *within each
    currency* (see ``order_offers``); prices in different currencies are never compared.

    ``product``: the supplier SKUs mapped to it. ``sku``: the buyer's catalog SKU (through its
    mappings) or else a supplier's own SKU. Neither: every offer. ``ordered=False``: for a caller
    that filters further and then orders with ``order_offers`` (the groups are those it shows)."""
    day = day or timezone.localdate()
    items = PriceItem.objects.filter(price_list__in=effective_price_lists(buyer=buyer)).filter(_valid_on(day))
    if sku is not None and product is None:
        product = Product.objects.filter(buyer=buyer, sku=sku).first()
        if product is None:
            items = items.filter(sku=sku)
    if product is not None:
        pairs = list(SkuMapping.objects.filter(buyer=buyer, product=product).values_list("supplier_id", "supplier_sku"))
        if not pairs:
            return items.none()
        match = Q()
        for supplier_id, supplier_sku in pairs:
            match |= Q(price_list__supplier_id=supplier_id, sku=supplier_sku)
        items = items.filter(match)
    items = items.select_related("price_list", "price_list__supplier")
    return order_offers(items) if ordered else items


def order_offers(items: QuerySet[PriceItem]) -> QuerySet[PriceItem]:
    """Offers in the order every offer list shows: grouped by currency, the currency holding the
    most of ``items`` first (ties: by code), each group cheapest first, then by supplier name and
    minimum quantity. Nothing is converted, so no price is ever ranked against another currency's.

    One GROUP BY of ``items`` as given (after any filter) sizes the groups; the rows are then sorted
    by a rank of their currency, so a page of a huge list is still one top-N sort."""
    counts = dict(
        items.order_by().values_list("currency").annotate(offers=Count("pk")).values_list("currency", "offers")
    )
    order = ["currency", "price", "price_list__supplier__name", "min_qty"]
    if len(counts) < 2:
        return items.order_by(*order)
    ranked = sorted(counts, key=lambda currency: (-counts[currency], currency))
    rank = Case(
        *[When(currency=currency, then=Value(position)) for position, currency in enumerate(ranked)],
        default=Value(len(ranked)),
        output_field=IntegerField(),
    )
    return items.alias(currency_rank=rank).order_by("currency_rank", *order)


def product_list(*, buyer: Organization) -> QuerySet[Product]:
    return Product.objects.filter(buyer=buyer).select_related("category")


def mapping_list(*, buyer: Organization) -> QuerySet[SkuMapping]:
    return SkuMapping.objects.filter(buyer=buyer).select_related("supplier", "product")


def supplier_sku_list(*, buyer: Organization) -> QuerySet:
    """Distinct supplier SKUs of the buyer's effective lists with the product each maps to (or None)."""
    from django.db.models import Max, Min, Subquery

    mapping = SkuMapping.objects.filter(
        buyer=buyer, supplier_id=OuterRef("price_list__supplier_id"), supplier_sku=OuterRef("sku")
    )
    return (
        PriceItem.objects.filter(price_list__in=effective_price_lists(buyer=buyer))
        .values("price_list__supplier_id", "price_list__supplier__name", "price_list__supplier__slug", "sku")
        .annotate(
            item_name=Max("name"),
            item_unit=Max("unit"),
            from_price=Min("price"),
            item_currency=Max("currency"),
            mapping_id=Subquery(mapping.values("pk")[:1]),
            product_id=Subquery(mapping.values("product_id")[:1]),
            product_sku=Subquery(mapping.values("product__sku")[:1]),
            product_name=Subquery(mapping.values("product__name")[:1]),
            source=Subquery(mapping.values("source")[:1]),
        )
        .order_by("price_list__supplier__name", "sku")
    )


def price_for_order_line(
    *, buyer: Organization, supplier: Organization, sku: str, quantity
) -> tuple[Decimal, str, dict] | None:
    """The price of ``quantity`` of ``sku`` (the buyer's catalog SKU through its mapping, or the
    supplier's own) in the supplier's active list offered to this buyer, valid today, at the highest
    quantity break not above the quantity. None when the list does not price it."""
    try:
        quantity = Decimal(str(quantity))
    except (InvalidOperation, ValueError, TypeError):
        return None
    price_list = effective_price_lists(buyer=buyer).filter(supplier=supplier).first()
    if price_list is None or not sku:
        return None
    today = timezone.localdate()
    if (price_list.valid_from and price_list.valid_from > today) or (
        price_list.valid_to and price_list.valid_to < today
    ):
        return None
    product = Product.objects.filter(buyer=buyer, sku=sku).first()
    candidates = []
    if product is not None:
        candidates += list(
            SkuMapping.objects.filter(buyer=buyer, supplier=supplier, product=product).values_list(
                "supplier_sku", flat=True
            )
        )
    candidates.append(sku)
    item_filter = (Q(valid_from__isnull=True) | Q(valid_from__lte=today)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    for supplier_sku in candidates:
        item = (
            price_list.items.filter(item_filter, sku=supplier_sku, min_qty__lte=quantity).order_by("-min_qty").first()
        )
        if item is None:
            continue
        mapping = SkuMapping.objects.filter(buyer=buyer, supplier=supplier, supplier_sku=item.sku).first()
        product_id = mapping.product_id if mapping else (product.pk if product else None)
        return (
            item.price,
            item.currency,
            {
                "name": item.name,
                "unit": item.unit,
                "supplier_sku": item.sku,
                "product_id": product_id,
            },
        )
    return None


def currency_order(offers: Iterable[PriceItem]) -> list[str]:
    """The currencies of ``offers``, the one most of them are in first (ties: by code)."""
    counts = Counter(offer.currency for offer in offers)
    return sorted(counts, key=lambda currency: (-counts[currency], currency))


def price_comparison(*, buyer: Organization, products: list[Product]) -> tuple[list[Organization], list[dict]]:
    """For each product, each supplier's entry price (its lowest quantity break valid today) and the
    best offer; suppliers are the columns.

    Prices in different currencies are never compared (nothing is converted): an entry price is
    taken per supplier *and currency*, and "best" is the cheapest offer within one currency. The
    ``best`` cell holds the best offer of each currency the product is offered in, the currency
    most suppliers quote first (ties: by code), as ``(price, currency, supplier name)``: e.g.
    ``[(99, "RUB", "Bolt House"), (5, "USD", "Steel Works")]``; a supplier's cell holds its
    ``(price, currency)`` pairs. ``best_currency`` / ``best_price`` hold the first (for sorting)."""
    pairs = list(
        SkuMapping.objects.filter(buyer=buyer, product__in=products).values_list(
            "supplier_id", "supplier_sku", "product_id"
        )
    )
    lists = {pl.supplier_id: pl for pl in effective_price_lists(buyer=buyer).select_related("supplier")}
    match = Q()
    product_of: dict[tuple[int, str], int] = {}
    for supplier_id, supplier_sku, product_id in pairs:
        if supplier_id in lists:
            product_of[(supplier_id, supplier_sku)] = product_id
    by_list: dict[int, list[str]] = {}
    for supplier_id, supplier_sku in product_of:
        by_list.setdefault(lists[supplier_id].pk, []).append(supplier_sku)
    for list_id, skus in by_list.items():
        match |= Q(price_list_id=list_id, sku__in=skus)
    # product → supplier → currency → the entry offer (lowest quantity break, then cheapest)
    cells: dict[int, dict[int, dict[str, PriceItem]]] = {}
    if by_list:
        items = (
            PriceItem.objects.filter(match)
            .filter(_valid_on(timezone.localdate()))
            .select_related("price_list")
            .order_by("min_qty")
        )
        for item in items:
            product_id = product_of[(item.price_list.supplier_id, item.sku)]
            row = cells.setdefault(product_id, {}).setdefault(item.price_list.supplier_id, {})
            current = row.get(item.currency)
            if current is None or (current.min_qty == item.min_qty and item.price < current.price):
                row[item.currency] = item
    suppliers = sorted(
        {lists[s].supplier for row in cells.values() for s in row}, key=lambda organization: organization.name
    )
    rows = []
    for product in products:
        row = {"pk": product.pk, "sku": product.sku, "name": product.name, "unit": product.unit}
        offers = [item for by_currency in cells.get(product.pk, {}).values() for item in by_currency.values()]
        currencies = currency_order(offers)
        for supplier in suppliers:
            by_currency = cells.get(product.pk, {}).get(supplier.pk, {})
            shown = [by_currency[currency] for currency in currencies if currency in by_currency]
            if shown:
                row[f"s{supplier.pk}"] = [(item.price, item.currency) for item in shown]
        best = []
        for currency in currencies:
            item = min(
                (offer for offer in offers if offer.currency == currency),
                key=lambda offer: (offer.price, lists[offer.price_list.supplier_id].supplier.name),
            )
            supplier_name = lists[item.price_list.supplier_id].supplier.name
            best.append((item.price, item.currency, supplier_name))
            if "best_price" not in row:
                row["best_currency"], row["best_price"] = item.currency, item.price
        if best:
            row["best"] = best
        rows.append(row)
    return suppliers, rows


def base_prices_for_rating(*, buyer: Organization, day: dt.date | None = None) -> QuerySet:
    """What each supplier's effective price list asks the buyer today, per SKU (the base price: the
    lowest quantity break): ``supplier_id``, ``sku``, ``currency_code``, ``base_price``. Map SKUs to
    the catalog with ``mapping_list`` (a join here would cost a lookup per item)."""
    from django.db.models import F, Min

    day = day or timezone.localdate()
    return (
        PriceItem.objects.filter(price_list__in=effective_price_lists(buyer=buyer), min_qty__lte=1)
        .filter(_valid_on(day))
        .values("sku", supplier_id=F("price_list__supplier_id"), currency_code=F("currency"))
        .annotate(base_price=Min("price"))
        .values("supplier_id", "sku", "currency_code", "base_price")
        .order_by()
    )
