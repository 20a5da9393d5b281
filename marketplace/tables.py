import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Partnership
from .money import format_money, format_unit_price

NUMBER = {"td": {"class": "number"}, "th": {"class": "number"}}


class TenantTable(tables.Table):
    """A table that knows whose page it is on (``TenantTableView`` passes ``organization``), for
    columns that read differently from each side."""

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization


class MoneyColumn(tables.Column):
    """An amount in the row's currency, for the reader's language; exported as the plain number."""

    formatter = staticmethod(format_money)

    def __init__(self, *args, currency_accessor: str = "currency", **kwargs):
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(*args, **kwargs)
        self.currency_accessor = tables.A(currency_accessor)

    def render(self, value, record):
        return self.formatter(value, self.currency_accessor.resolve(record) or "")

    def value(self, value):
        return value


class UnitPriceColumn(MoneyColumn):
    """A price per unit: the currency's decimals, up to four where the price list quotes them."""

    formatter = staticmethod(format_unit_price)


class PartnershipTable(tables.Table):
    supplier = tables.Column(verbose_name=_("Supplier"), linkify=("partners:detail", {"pk": tables.A("pk")}))
    status = tables.Column(verbose_name=_("Status"))
    categories = tables.ManyToManyColumn(verbose_name=_("Categories"), orderable=False)
    active_since = tables.DateColumn(verbose_name=_("Active since"))
    updated_at = tables.DateTimeColumn(verbose_name=_("Updated"))

    class Meta:
        model = Partnership
        fields = ("supplier", "status", "categories", "active_since", "updated_at")
        order_by = ("supplier",)
        order_by_field = "sort"
        empty_text = _("No suppliers yet. Invite one, or wait for applications.")


class BuyerPartnershipTable(tables.Table):
    buyer = tables.Column(verbose_name=_("Buyer"))
    status = tables.Column(verbose_name=_("Status"))
    categories = tables.ManyToManyColumn(verbose_name=_("Categories"), orderable=False)
    active_since = tables.DateColumn(verbose_name=_("Active since"))

    class Meta:
        model = Partnership
        fields = ("buyer", "status", "categories", "active_since")
        order_by = ("buyer",)
        order_by_field = "sort"
        empty_text = _("You work with no buyer yet. Apply to one.")
