import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from marketplace.tables import MoneyColumn, TenantTable

from .models import Complaint, Order, QuoteState, RequestForQuotation


class PartnerColumn(tables.Column):
    """The other side of the row, seen from the viewer's organization."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", _("Partner"))
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("orderable", False)
        super().__init__(*args, **kwargs)

    def render(self, record, table):
        organization = getattr(table, "organization", None)
        if organization is not None and organization.pk == record.buyer_id:
            return record.supplier.name
        return record.buyer.name

    def value(self, record, table):
        return self.render(record, table)


class OrderTable(TenantTable):
    number = tables.Column(
        verbose_name=_("Number"),
        linkify=("cabinet:order_detail", {"pk": tables.A("pk")}),
        attrs={"td": {"class": "nowrap"}},  # W-2026-000007 reads as one number
    )
    partner = PartnerColumn()
    channel = tables.Column(verbose_name=_("Channel"))
    state = tables.TemplateColumn(
        '<span class="badge order-{{ record.state }}">{{ record.get_state_display }}</span>', verbose_name=_("State")
    )
    lines_count = tables.Column(verbose_name=_("Lines"), attrs={"td": {"class": "number"}})
    total = MoneyColumn(verbose_name=_("Total"))
    currency = tables.Column(verbose_name=_("Currency"))
    created_at = tables.DateTimeColumn(verbose_name=_("Created"))

    class Meta:
        model = Order
        fields = ("number", "partner", "channel", "state", "lines_count", "total", "currency", "created_at")
        order_by = ("-created_at",)
        order_by_field = "sort"
        empty_text = _("No orders yet.")

    def value_state(self, record):
        return record.state


class RfqTable(TenantTable):
    """The buyer sees how many suppliers it asked and how many quoted; a supplier sees only its own
    answer (the counts would tell it about its rivals)."""

    title = tables.Column(verbose_name=_("Title"), linkify=("cabinet:rfq_detail", {"pk": tables.A("pk")}))
    buyer = tables.Column(verbose_name=_("Buyer"), accessor="buyer__name")
    state = tables.Column(verbose_name=_("State"))
    lines_count = tables.Column(verbose_name=_("Lines"), attrs={"td": {"class": "number"}})
    suppliers_count = tables.Column(verbose_name=_("Suppliers"), attrs={"td": {"class": "number"}})
    answers_count = tables.Column(verbose_name=_("Quotes"), attrs={"td": {"class": "number"}})
    own_answer = tables.Column(verbose_name=_("Your answer"), empty_values=())
    deadline = tables.DateTimeColumn(verbose_name=_("Answer by"))
    created_at = tables.DateTimeColumn(verbose_name=_("Created"))

    class Meta:
        model = RequestForQuotation
        fields = (
            "title",
            "buyer",
            "state",
            "lines_count",
            "suppliers_count",
            "answers_count",
            "own_answer",
            "deadline",
            "created_at",
        )
        order_by = ("-created_at",)
        order_by_field = "sort"
        empty_text = _("No requests yet.")

    BUYER_ONLY = ("suppliers_count", "answers_count")
    SUPPLIER_ONLY = ("own_answer",)

    def __init__(self, *args, organization=None, **kwargs):
        hidden = self.SUPPLIER_ONLY if organization is None or organization.is_buyer else self.BUYER_ONLY
        kwargs["exclude"] = (*(kwargs.get("exclude") or ()), *hidden)
        super().__init__(*args, organization=organization, **kwargs)

    def render_own_answer(self, value):
        return QuoteState(value).label if value else _("Not answered")

    def value_own_answer(self, value):
        return value or ""


class ComplaintTable(TenantTable):
    id = tables.Column(verbose_name="#", linkify=("cabinet:complaint_detail", {"pk": tables.A("pk")}))
    order = tables.Column(verbose_name=_("Order"), accessor="order__number")
    partner = PartnerColumn()
    reason = tables.Column(verbose_name=_("Reason"))
    state = tables.Column(verbose_name=_("State"))
    resolution = tables.Column(verbose_name=_("Resolution"))
    compensation = MoneyColumn(verbose_name=_("Compensation"), currency_accessor="order__currency")
    created_at = tables.DateTimeColumn(verbose_name=_("Opened"))

    class Meta:
        model = Complaint
        fields = ("id", "order", "partner", "reason", "state", "resolution", "compensation", "created_at")
        order_by = ("-created_at",)
        order_by_field = "sort"
        empty_text = _("No complaints.")

    def render_reason(self, value):
        return value if len(value) <= 80 else value[:79] + "…"
