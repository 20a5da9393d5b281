import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from marketplace.models import Exchange
from marketplace.tables import NUMBER


class ExchangeTable(tables.Table):
    """The last exchanges with 1C, newest first."""

    created_at = tables.DateTimeColumn(verbose_name=_("Time"))
    kind = tables.Column(verbose_name=_("Type"))
    mode = tables.Column(verbose_name=_("Step"), empty_values=(), accessor="mode")
    result = tables.TemplateColumn(
        '<span class="badge exchange-{{ record.result }}">{{ record.get_result_display }}</span>',
        verbose_name=_("Result"),
    )
    items = tables.Column(verbose_name=_("Items"), attrs=NUMBER)
    orders = tables.Column(verbose_name=_("Orders"), attrs=NUMBER)
    applied = tables.Column(verbose_name=_("Moves applied"), attrs=NUMBER)
    refused = tables.Column(verbose_name=_("Moves refused"), attrs=NUMBER)
    message = tables.TemplateColumn(
        '<small class="exchange-message">{{ record.message|linebreaksbr }}</small>', verbose_name=_("Message")
    )

    class Meta:
        model = Exchange
        fields = ("created_at", "kind", "mode", "result", "items", "orders", "applied", "refused", "message")
        orderable = False
        empty_text = _("No exchanges yet: run “Exchange now” in 1C.")

    def render_mode(self, record):
        return f"{record.mode} {record.filename}".strip()

    def value_result(self, record):
        return record.result
