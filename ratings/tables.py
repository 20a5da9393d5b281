import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
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
        # The body's rows come from ``tbody`` (one Python pass over the page) rather than the
        # generic template loop over bound rows and cells, which cost most of the page's time.
        template_name = "ratings/_board_table.html"

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

    # -- the body in one pass ------------------------------------------------------------------------
    # django-tables2 renders each of the page's 50 × 14 cells through a bound row, a bound column
    # (its attributes rebuilt per cell), a signature inspection of the render method and a template
    # loop: most of the board's time. ``tbody`` writes the same markup (a test compares it with the
    # generic rendering, byte for byte) with one function per column and the cell attributes once.

    def _cell(self, name: str):
        """``record -> cell content`` for column ``name``, as the generic rendering would give it."""
        if name in CRITERIA:
            return lambda r, attr=f"{name}_score": f"{getattr(r, attr) * 100:.0f}"
        slot = "0slot0"  # a slug never has it; the link reversed once, not per row
        link = reverse("ratings:supplier", kwargs={"slug": slot})
        cells = {
            "rank": lambda r: r.rank,
            "supplier": lambda r: format_html(
                '<a href="{}">{}</a>', link.replace(slot, r.supplier.slug), r.supplier.name
            ),
            "score": lambda r: self.render_score(r.score),
            "band": self.render_band,
            "confidence": lambda r: self.render_confidence(r.confidence),
            "trend": lambda r: "—" if r.trend is None else self.render_trend(r.trend),
        }
        return cells[name]

    def tbody(self) -> SafeString:
        columns = list(self.columns)
        cells = [(self._cell(c.name), format_html("<td {}>", c.attrs["td"].as_html())) for c in columns]
        out = []
        for counter, record in enumerate(row.record for row in self.paginated_rows):
            out.append(
                format_html(
                    '<tr data-supplier="{}" class="{}">', record.supplier.slug, "odd" if counter % 2 else "even"
                )
            )
            for cell, td in cells:
                out.append(f"{td}{conditional_escape(localize(cell(record)))}</td>")
            out.append("</tr>")
        if not out and self.empty_text:
            out.append(format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), self.empty_text))
        return mark_safe("".join(out))
