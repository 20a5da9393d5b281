import django_tables2 as tables
from django.utils.html import format_html
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


def rating_text(partnership: Partnership | None) -> str:
    """A supplier's rating with the buyer in words ("Good 72.5", "Caution 41.0 new"); "" unrated."""
    if partnership is None or not partnership.rating_band:
        return ""
    text = f"{partnership.get_rating_band_display()} {partnership.rating_score}"
    return f"{text} {_('new')}" if partnership.rating_is_new else text


def rating_badge(partnership: Partnership | None):
    """The same as ``rating_text``, marked up as the band's badge (as on the leaderboard)."""
    if partnership is None or not partnership.rating_band:
        return "—"
    new = format_html(' <span class="badge">{}</span>', _("new")) if partnership.rating_is_new else ""
    return format_html(
        '<span class="band band-{}">{}</span> {}{}',
        partnership.rating_band,
        partnership.get_rating_band_display(),
        partnership.rating_score,
        new,
    )


class RatingColumn(tables.Column):
    """The supplier's current rating with the page's buyer (band and score, copied onto the
    partnership by the ratings app), wherever a supplier is picked from a list. The partnerships
    are read once per table, for the suppliers of the rows shown."""

    def __init__(self, *, supplier_accessor: str, **kwargs):
        kwargs.setdefault("verbose_name", _("Rating"))
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("orderable", False)
        super().__init__(**kwargs)
        self.supplier_accessor = tables.A(supplier_accessor)

    def _rating(self, record, table) -> Partnership | None:
        ratings = getattr(table, "_partner_ratings", None)
        if ratings is None:
            from .selectors import partner_ratings

            page = getattr(table, "page", None)  # its rows are bound; an export has none, only records
            records = [row.record for row in page.object_list] if page is not None else table.data
            ids = {self.supplier_accessor.resolve(record) for record in records}
            buyer = getattr(table, "organization", None)
            ratings = partner_ratings(buyer=buyer, suppliers=ids) if buyer is not None and buyer.is_buyer else {}
            table._partner_ratings = ratings
        return ratings.get(self.supplier_accessor.resolve(record))

    def render(self, record, table):
        return rating_badge(self._rating(record, table))

    def value(self, record, table):
        return rating_text(self._rating(record, table))


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
