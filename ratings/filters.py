import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import Category, Partnership, RatingBand

from .models import SupplierScore


class RatingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=Category.objects.none(), method="in_category"
    )
    band = django_filters.ChoiceFilter(label=_("Band"), choices=RatingBand.choices)
    min_orders = django_filters.NumberFilter(label=_("At least orders"), field_name="orders_count", lookup_expr="gte")

    class Meta:
        model = SupplierScore
        fields = ["q", "category", "band", "min_orders"]

    def __init__(self, *args, buyer=None, **kwargs):
        super().__init__(*args, **kwargs)
        buyer = buyer or getattr(getattr(self, "request", None), "organization", None)
        self.buyer = buyer
        self.filters["category"].queryset = Category.objects.filter(buyer=buyer)

    def search(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(Q(supplier__name__icontains=value) | Q(supplier__slug__icontains=value))
            if value
            else queryset
        )

    def in_category(self, queryset, name, value):
        if not value:
            return queryset
        serving = Partnership.objects.filter(buyer=self.buyer, supplier=OuterRef("supplier"), categories=value)
        return queryset.filter(Exists(serving))
