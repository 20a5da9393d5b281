import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.models import Organization

from .models import Complaint, ComplaintState, Order, OrderChannel, OrderState, RequestForQuotation, RfqState

DATE = forms.DateInput(attrs={"type": "date"})


def _partners(organization):
    if organization is None:
        return Organization.objects.none()
    if organization.is_buyer:
        return Organization.objects.filter(buyer_partnerships__buyer=organization).order_by("name")
    return Organization.objects.filter(supplier_partnerships__supplier=organization).order_by("name")


class _CabinetFilter(django_filters.FilterSet):
    """What every cabinet list filters by: the partner (the other side, whichever side the viewer is
    on) and the creation date."""

    partner = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.none(), method="filter_partner", label=_("Partner")
    )
    date_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("From"), widget=DATE
    )
    date_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("To"), widget=DATE)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["partner"].queryset = _partners(getattr(request, "organization", None))

    def filter_partner(self, queryset, name, value):
        return queryset.filter(queryset.sides(value)) if value else queryset


class OrderFilter(_CabinetFilter):
    q = django_filters.CharFilter(field_name="number", lookup_expr="icontains", label=_("Number"))
    state = django_filters.ChoiceFilter(choices=OrderState.choices, label=_("State"))
    channel = django_filters.ChoiceFilter(choices=OrderChannel.choices, label=_("Channel"))

    class Meta:
        model = Order
        fields = ["q", "state", "channel", "partner", "date_from", "date_to"]


class RfqFilter(_CabinetFilter):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Title"))
    state = django_filters.ChoiceFilter(choices=RfqState.choices, label=_("State"))

    class Meta:
        model = RequestForQuotation
        fields = ["q", "state", "partner", "date_from", "date_to"]

    def filter_partner(self, queryset, name, value):
        # A request has several suppliers: the join could repeat it once per supplier.
        return super().filter_partner(queryset, name, value).distinct()


class ComplaintFilter(_CabinetFilter):
    state = django_filters.ChoiceFilter(choices=ComplaintState.choices, label=_("State"))
    channel = django_filters.ChoiceFilter(field_name="order__channel", choices=OrderChannel.choices, label=_("Channel"))

    class Meta:
        model = Complaint
        fields = ["state", "channel", "partner", "date_from", "date_to"]
