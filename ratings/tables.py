import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import CRITERIA, CRITERION_LABELS, SupplierScore

NUMBER = {"td": {"class": "number"}, "th": {"class": "number"}}


class SubScoreColumn(tables.Column):
    """A criterion's sub-score, shown out of 100; sorts in SQL on the stored column."""

    def __init__(self, name: str):
        super().__init__(verbose_name=CRITERION_LABELS[name], accessor=f"{name}_score", attrs=NUMBER)

    def render(self, value):
        return f"{value * 100:.0f}"

    def value(self, value):
        return round(value * 100, 1)


class LeaderboardTable(tables.Table):
    rank = tables.Column(verbose_name=_("Rank"), attrs=NUMBER)
    supplier = tables.Column(
        verbose_name=_("Supplier"),
        accessor="supplier__name",
        linkify=("ratings:supplier", {"slug": tables.A("supplier__slug")}),
    )
    score = tables.Column(verbose_name=_("Score"), attrs=NUMBER)
    band = tables.Column(verbose_name=_("Band"))
    confidence = tables.Column(verbose_name=_("Confidence"), attrs=NUMBER)
    trend = tables.Column(verbose_name=_("Trend"), attrs=NUMBER, default="—")
    orders = SubScoreColumn("orders")
    volume = SubScoreColumn("volume")
    complaints = SubScoreColumn("complaints")
    delivery = SubScoreColumn("delivery")
    price = SubScoreColumn("price")
    tenure = SubScoreColumn("tenure")
    trust = SubScoreColumn("trust")

    class Meta:
        model = SupplierScore
        fields = ("rank", "supplier", "score", "band", "confidence", "trend", *CRITERIA)
        order_by_field = "sort"
        attrs = {"id": "leaderboard"}
        row_attrs = {"data-supplier": lambda record: record.supplier.slug}
        empty_text = _("No rating yet: it appears once you have active suppliers.")

    def render_score(self, value):
        return f"{value:.1f}"

    def value_score(self, value):
        return round(value, 1)

    def render_band(self, record):
        new = format_html(' <span class="badge">{}</span>', _("new")) if record.is_new else ""
        return format_html('<span class="band band-{}">{}</span>{}', record.band, record.get_band_display(), new)

    def value_band(self, record):
        return record.band

    def render_confidence(self, value):
        return f"{value:.1f}"

    def render_trend(self, value):
        return f"{value:+.1f}"
