"""The buyer's catalog and the mapping of suppliers' SKUs onto it: products created and edited by
hand, mappings found automatically (the same SKU, else the same normalized name) when a version is
published or a product is created, and set or removed by hand."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.actors import Actor
from marketplace.models import Category, Organization
from marketplace.selectors import is_active_partner

from ..models import MappingSource, PriceItem, PriceList, Product, SkuMapping, name_key
from ..selectors import effective_price_lists


@transaction.atomic
def product_create(
    *, buyer: Organization, sku: str, name: str, unit: str = "", category: Category | None = None
) -> Product:
    if not buyer.is_buyer:
        raise ValidationError(_("Only a buyer keeps a catalog."))
    sku, name = (sku or "").strip(), (name or "").strip()
    if not sku:
        raise ValidationError({"sku": _("Give the product a SKU.")})
    if not name:
        raise ValidationError({"name": _("Give the product a name.")})
    if category is not None and category.buyer_id != buyer.pk:
        raise ValidationError({"category": _("Choose one of your own categories.")})
    taken = ValidationError({"sku": _("Your catalog already has the SKU “%(sku)s”.") % {"sku": sku}})
    if Product.objects.filter(buyer=buyer, sku=sku).exists():
        raise taken
    product = Product(buyer=buyer, sku=sku, name=name, unit=(unit or "").strip(), category=category)
    product.name_key = name_key(name)
    product.full_clean(validate_unique=False, validate_constraints=False)  # the database answers below
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives the refusal
            product.save(force_insert=True)
    except IntegrityError:  # the same SKU created by a concurrent request since the check above
        raise taken from None
    _map_new_product(product)
    return product


def _map_new_product(product: Product) -> None:
    """Suppliers' SKUs already on offer that are this product: the same SKU, else the same name
    (for a supplier none of whose SKUs is mapped to it yet)."""
    buyer = product.buyer
    items = PriceItem.objects.filter(price_list__in=effective_price_lists(buyer=buyer))
    taken = set(SkuMapping.objects.filter(buyer=buyer).values_list("supplier_id", "supplier_sku"))
    found: dict[tuple[int, str], str] = {}
    for supplier_id, sku in items.filter(sku=product.sku).values_list("price_list__supplier_id", "sku").distinct():
        if (supplier_id, sku) not in taken:
            found[(supplier_id, sku)] = MappingSource.SKU
    if product.name_key:
        candidates = items
        if connection.vendor == "postgresql":  # UPPER() there knows Cyrillic and Vietnamese
            candidates = items.filter(name__icontains=max(product.name_key.split(), key=len))
        done = {supplier_id for supplier_id, _sku in found}
        for supplier_id, sku, name in candidates.values_list("price_list__supplier_id", "sku", "name").iterator(5000):
            if supplier_id in done or (supplier_id, sku) in taken or name_key(name) != product.name_key:
                continue
            found[(supplier_id, sku)] = MappingSource.NAME
            done.add(supplier_id)
    SkuMapping.objects.bulk_create(
        [
            SkuMapping(buyer=buyer, supplier_id=supplier_id, supplier_sku=sku, product=product, source=source)
            for (supplier_id, sku), source in found.items()
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def product_update(*, product: Product, name: str, unit: str = "", category: Category | None = None) -> Product:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the product a name.")})
    if category is not None and category.buyer_id != product.buyer_id:
        raise ValidationError({"category": _("Choose one of your own categories.")})
    product.name, product.unit, product.category = name, (unit or "").strip(), category
    product.name_key = name_key(name)
    product.full_clean()
    product.save(update_fields=["name", "unit", "category", "name_key"])
    return product


def mappings_auto(*, buyer: Organization, supplier: Organization, price_list: PriceList) -> int:
    """Map the list's unmapped SKUs onto the buyer's products: the same SKU first; then, for
    products that have no SKU of this supplier in this list, the same normalized name (a SKU the
    supplier has since renamed does not keep its product out of the comparison)."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO pricing_skumapping (buyer_id, supplier_id, supplier_sku, product_id, source, created_at)
            SELECT DISTINCT %s, %s, i.sku, pr.id, 'sku', %s
            FROM pricing_priceitem i JOIN pricing_product pr ON pr.buyer_id = %s AND pr.sku = i.sku
            WHERE i.price_list_id = %s AND NOT EXISTS (
                SELECT 1 FROM pricing_skumapping m
                WHERE m.buyer_id = %s AND m.supplier_id = %s AND m.supplier_sku = i.sku)""",
            [buyer.pk, supplier.pk, now, buyer.pk, price_list.pk, buyer.pk, supplier.pk],
        )
        by_sku = cursor.rowcount or 0
    listed = PriceItem.objects.filter(price_list=price_list).values("sku")
    mapped_products = SkuMapping.objects.filter(buyer=buyer, supplier=supplier, supplier_sku__in=listed).values(
        "product_id"
    )
    wanted = dict(
        Product.objects.filter(buyer=buyer)
        .exclude(pk__in=mapped_products)
        .exclude(name_key="")
        .values_list("name_key", "pk")
    )
    if not wanted:
        return by_sku
    mapped_skus = set(SkuMapping.objects.filter(buyer=buyer, supplier=supplier).values_list("supplier_sku", flat=True))
    found: dict[str, int] = {}
    for sku, name in PriceItem.objects.filter(price_list=price_list).values_list("sku", "name").iterator(20000):
        if sku in mapped_skus or sku in found:
            continue
        product_id = wanted.get(name_key(name))
        if product_id is not None:
            found[sku] = product_id
    SkuMapping.objects.bulk_create(
        [
            SkuMapping(
                buyer=buyer,
                supplier=supplier,
                supplier_sku=sku,
                product_id=pid,
                source=MappingSource.NAME,
                created_at=now,
            )
            for sku, pid in found.items()
        ],
        ignore_conflicts=True,
    )
    return by_sku + len(found)


@transaction.atomic
def mapping_set(*, actor: Actor, supplier: Organization, supplier_sku: str, product: Product) -> SkuMapping:
    """The actor's buyer maps a supplier's SKU to one of its products by hand (replacing any
    automatic match)."""
    buyer = actor.organization
    supplier_sku = (supplier_sku or "").strip()
    if buyer is None or product.buyer_id != buyer.pk:
        raise ValidationError({"product": _("Choose a product of your own catalog.")})
    if not is_active_partner(buyer=buyer, supplier=supplier):
        raise ValidationError({"supplier": _("This supplier is not one of your active partners.")})
    if not supplier_sku:
        raise ValidationError({"supplier_sku": _("Give the supplier's SKU.")})
    mapping, _created = SkuMapping.objects.update_or_create(
        buyer=buyer,
        supplier=supplier,
        supplier_sku=supplier_sku,
        defaults={
            "product": product,
            "source": MappingSource.MANUAL,
            "created_by": actor.person,
            "created_at": timezone.now(),
        },
    )
    return mapping


@transaction.atomic
def mapping_delete(*, mapping: SkuMapping) -> None:
    mapping.delete()
