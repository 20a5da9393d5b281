import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from marketplace.tables import MoneyColumn

from .models import Auction

STATE = '<span class="badge auction-{{ record.state }}">{{ record.get_state_display }}</span>'


class AuctionTable(tables.Table):
    """The buyer's auctions: what it set up and how far the bidding went."""

    title = tables.Column(verbose_name=_("Title"), linkify=("auctions:detail", {"pk": tables.A("pk")}))
    state = tables.TemplateColumn(STATE, verbose_name=_("State"))
    starts_at = tables.DateTimeColumn(verbose_name=_("Starts"))
    ends_at = tables.DateTimeColumn(verbose_name=_("Ends"))
    invited = tables.Column(verbose_name=_("Invited"), attrs={"td": {"class": "number"}})
    bids_count = tables.Column(verbose_name=_("Bids"), attrs={"td": {"class": "number"}})
    start_price = MoneyColumn(verbose_name=_("Start price"))
    best_price = MoneyColumn(verbose_name=_("Best price"))
    currency = tables.Column(verbose_name=_("Currency"))

    class Meta:
        model = Auction
        fields = (
            "title",
            "state",
            "starts_at",
            "ends_at",
            "invited",
            "bids_count",
            "start_price",
            "best_price",
            "currency",
        )
        order_by = ("-starts_at",)
        order_by_field = "sort"
        empty_text = _("No auctions yet.")

    def value_state(self, record):
        return record.state


class SupplierAuctionTable(tables.Table):
    """A supplier's invitations: its own standing only (never the rivals' count or prices)."""

    title = tables.Column(verbose_name=_("Title"), linkify=("auctions:detail", {"pk": tables.A("pk")}))
    buyer = tables.Column(verbose_name=_("Buyer"), accessor="buyer__name")
    state = tables.TemplateColumn(STATE, verbose_name=_("State"))
    starts_at = tables.DateTimeColumn(verbose_name=_("Starts"))
    ends_at = tables.DateTimeColumn(verbose_name=_("Ends"))
    my_rank = tables.Column(verbose_name=_("Your rank"), attrs={"td": {"class": "number"}})
    my_best = MoneyColumn(verbose_name=_("Your best bid"))
    currency = tables.Column(verbose_name=_("Currency"))

    class Meta:
        model = Auction
        fields = ("title", "buyer", "state", "starts_at", "ends_at", "my_rank", "my_best", "currency")
        order_by = ("-starts_at",)
        order_by_field = "sort"
        empty_text = _("No auctions yet.")

    def value_state(self, record):
        return record.state
