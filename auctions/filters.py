import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Auction, AuctionState
from .selectors import SUPPLIER_GROUPS

WHEN = [
    ("upcoming", _("Upcoming")),
    ("live", _("Live")),
    ("past", _("Past")),
]


class AuctionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Title"))
    when = django_filters.ChoiceFilter(choices=WHEN, method="filter_when", label=_("When"))
    state = django_filters.ChoiceFilter(choices=AuctionState.choices, label=_("State"))

    class Meta:
        model = Auction
        fields = ["q", "when", "state"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        organization = getattr(request, "organization", None)
        if organization is not None and not organization.is_buyer:
            # A supplier never sees drafts.
            self.filters["state"].extra["choices"] = [c for c in AuctionState.choices if c[0] != AuctionState.DRAFT]

    def filter_when(self, queryset, name, value):
        states = SUPPLIER_GROUPS.get(value)
        return queryset.filter(state__in=states) if states else queryset
