import datetime as dt

import django_tables2 as tables
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from marketplace.money import format_unit_price
from marketplace.tables import RatingColumn, TenantTable, UnitPriceColumn

from .models import MappingSource, PriceChange, PriceItem, PriceList, Product

NUMBER = {"td": {"class": "number"}, "th": {"class": "number"}}


class PriceListTable(tables.Table):
    version = tables.Column(verbose_name=_("Version"), linkify=("pricing:list_detail", {"pk": tables.A("pk")}))
    supplier = tables.Column(verbose_name=_("Supplier"))
    audience = tables.Column(verbose_name=_("Offered to"), default=_("All active buyers"))
    status = tables.Column(verbose_name=_("Status"))
    rows = tables.Column(verbose_name=_("Rows"), attrs=NUMBER)
    currency = tables.Column(verbose_name=_("Currency"))
    valid_from = tables.DateColumn(verbose_name=_("Valid from"))
    valid_to = tables.DateColumn(verbose_name=_("Valid to"))
    changes = tables.Column(verbose_name=_("Changes"), empty_values=(), orderable=False)
    channel = tables.Column(verbose_name=_("Channel"))
    uploaded_by = tables.Column(verbose_name=_("Uploaded by"), empty_values=())
    published_at = tables.DateTimeColumn(verbose_name=_("Published"))

    class Meta:
        model = PriceList
        fields = (
            "version", "supplier", "audience", "status", "rows", "currency", "valid_from", "valid_to", "changes",
            "channel", "uploaded_by", "published_at",
        )  # fmt: skip
        order_by_field = "sort"
        empty_text = _("No price list yet.")

    def render_changes(self, record):
        return format_html("+{} / −{} / ↑{} / ↓{}", record.added, record.removed, record.price_up, record.price_down)

    def value_changes(self, record):
        return f"+{record.added} -{record.removed} up {record.price_up} down {record.price_down}"

    def render_uploaded_by(self, record):
        return record.author or "—"

    def value_uploaded_by(self, record):
        return record.author


class PriceItemTable(tables.Table):
    row = tables.Column(verbose_name=_("Row"), attrs=NUMBER)
    sku = tables.Column(verbose_name=_("SKU"))
    name = tables.Column(verbose_name=_("Name"))
    unit = tables.Column(verbose_name=_("Unit"))
    min_qty = tables.Column(verbose_name=_("From qty"), attrs=NUMBER)
    price = UnitPriceColumn(verbose_name=_("Price"))
    currency = tables.Column(verbose_name=_("Currency"))
    valid_from = tables.DateColumn(verbose_name=_("Valid from"))
    valid_to = tables.DateColumn(verbose_name=_("Valid to"))
    lead_time_days = tables.Column(verbose_name=_("Lead time, days"), attrs=NUMBER)

    class Meta:
        model = PriceItem
        fields = (
            "row",
            "sku",
            "name",
            "unit",
            "min_qty",
            "price",
            "currency",
            "valid_from",
            "valid_to",
            "lead_time_days",
        )
        order_by_field = "sort"
        empty_text = _("No rows.")

    def render_min_qty(self, value):
        return value.normalize() if value == value.to_integral() else value


class PriceChangeTable(tables.Table):
    kind = tables.Column(verbose_name=_("Change"))
    row = tables.Column(verbose_name=_("Row"), attrs=NUMBER)
    sku = tables.Column(verbose_name=_("SKU"))
    name = tables.Column(verbose_name=_("Name"))
    min_qty = tables.Column(verbose_name=_("From qty"), attrs=NUMBER)
    old_price = UnitPriceColumn(verbose_name=_("Old price"), currency_accessor="price_list__currency")
    new_price = UnitPriceColumn(verbose_name=_("New price"), currency_accessor="price_list__currency")
    percent = tables.Column(verbose_name=_("Change, %"), attrs=NUMBER)

    class Meta:
        model = PriceChange
        fields = ("kind", "row", "sku", "name", "min_qty", "old_price", "new_price", "percent")
        order_by_field = "sort"
        empty_text = _("Nothing changed.")

    def render_kind(self, value, record):
        css = {"added": "ok", "removed": "danger", "up": "danger", "down": "ok"}.get(record.kind, "")
        return format_html('<span class="badge {}">{}</span>', css, value)

    def render_percent(self, value):
        return f"{value:+}%"

    def render_min_qty(self, value):
        return value.normalize() if value == value.to_integral() else value


class OfferTable(TenantTable):
    """Offers cheapest first within each currency (see ``selectors.offer_list``); sorting by price
    keeps currencies apart. Each supplier's rating with the buyer (band and score) beside it."""

    supplier = tables.Column(verbose_name=_("Supplier"), accessor="price_list__supplier__name")
    rating = RatingColumn(supplier_accessor="price_list__supplier_id")
    sku = tables.Column(verbose_name=_("Supplier SKU"))
    name = tables.Column(verbose_name=_("Name"))
    unit = tables.Column(verbose_name=_("Unit"))
    min_qty = tables.Column(verbose_name=_("From qty"), attrs=NUMBER)
    price = UnitPriceColumn(verbose_name=_("Price"), order_by=("currency", "price"))
    currency = tables.Column(verbose_name=_("Currency"))
    valid = tables.Column(verbose_name=_("Valid"), empty_values=(), orderable=False)
    lead_time_days = tables.Column(verbose_name=_("Lead time, days"), attrs=NUMBER)
    version = tables.Column(
        verbose_name=_("List"),
        accessor="price_list__version",
        linkify=("pricing:list_detail", {"pk": tables.A("price_list_id")}),
    )

    class Meta:
        model = PriceItem
        fields = (
            "supplier",
            "rating",
            "sku",
            "name",
            "unit",
            "min_qty",
            "price",
            "currency",
            "valid",
            "lead_time_days",
            "version",
        )
        order_by_field = "sort"
        empty_text = _("No active offer.")

    def render_min_qty(self, value):
        return value.normalize() if value == value.to_integral() else value

    @staticmethod
    def _validity(record, show) -> str:
        start = record.valid_from or record.price_list.valid_from
        end = record.valid_to or record.price_list.valid_to
        if not start and not end:
            return "—"
        return " – ".join(show(day) if day else "…" for day in (start, end))

    def render_valid(self, record):
        return self._validity(record, lambda day: date_format(day, "SHORT_DATE_FORMAT"))

    def value_valid(self, record):
        return self._validity(record, dt.date.isoformat)

    def render_version(self, value):
        return f"v{value}"


class ProductTable(tables.Table):
    sku = tables.Column(verbose_name=_("SKU"), linkify=("pricing:product_detail", {"pk": tables.A("pk")}))
    name = tables.Column(verbose_name=_("Name"))
    unit = tables.Column(verbose_name=_("Unit"))
    category = tables.Column(verbose_name=_("Category"))
    suppliers = tables.Column(verbose_name=_("Mapped supplier SKUs"), attrs=NUMBER)

    class Meta:
        model = Product
        fields = ("sku", "name", "unit", "category", "suppliers")
        order_by_field = "sort"
        empty_text = _("Your catalog is empty. Add a product.")


class SupplierSkuTable(tables.Table):
    supplier = tables.Column(verbose_name=_("Supplier"), accessor="price_list__supplier__name")
    sku = tables.Column(verbose_name=_("Supplier SKU"))
    item_name = tables.Column(verbose_name=_("Name"))
    item_unit = tables.Column(verbose_name=_("Unit"))
    from_price = UnitPriceColumn(verbose_name=_("From price"), currency_accessor="item_currency")
    item_currency = tables.Column(verbose_name=_("Currency"))
    product_sku = tables.Column(verbose_name=_("Your product"), default="—")
    source = tables.Column(verbose_name=_("Matched"), default="")
    action = tables.TemplateColumn(
        template_name="pricing/_mapping_action.html", verbose_name="", orderable=False, exclude_from_export=True
    )

    class Meta:
        order_by_field = "sort"
        empty_text = _("No supplier offers yet.")

    def render_product_sku(self, value, record):
        return f"{value} · {record['product_name']}"

    def render_source(self, value):
        return MappingSource(value).label if value in MappingSource.values else value


class OffersColumn(tables.Column):
    """A comparison cell: ``(price, currency[, supplier])`` offers, one per currency, each price in the
    reader's format (``RUB 99.00 · Bolt House``); exported as plain numbers (``99 RUB · Bolt House``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", "—")
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(*args, **kwargs)

    @staticmethod
    def _join(offers, price) -> str:
        return "; ".join(" · ".join([price(amount, currency), *rest]) for amount, currency, *rest in offers)

    def render(self, value):
        return self._join(value, format_unit_price)

    def value(self, value):
        return self._join(value, lambda amount, currency: f"{amount.normalize():f} {currency}")


class ComparisonTable(tables.Table):
    sku = tables.Column(verbose_name=_("SKU"), linkify=("pricing:product_detail", {"pk": tables.A("pk")}))
    name = tables.Column(verbose_name=_("Product"))
    unit = tables.Column(verbose_name=_("Unit"))
    best = OffersColumn(verbose_name=_("Best offer, per currency"), order_by=("best_currency", "best_price"))

    class Meta:
        order_by_field = "sort"
        empty_text = _("Choose a category with mapped products.")
