import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.filters import YesNoAnyWidget
from marketplace.models import Category, Organization
from marketplace.selectors import active_suppliers

from .models import ChangeKind, PriceChange, PriceItem, PriceList, PriceListStatus, Product


def _search(fields):
    def method(queryset, name, value):
        query = Q()
        for field in fields:
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)

    return method


class PriceListFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[(PriceListStatus.ACTIVE, _("Active")), (PriceListStatus.SUPERSEDED, _("Superseded"))],
        label=_("Status"),
    )
    supplier = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.none(), label=_("Supplier"), to_field_name="slug"
    )

    class Meta:
        model = PriceList
        fields = ["status", "supplier"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        organization = getattr(request, "organization", None)
        if organization is not None and organization.is_buyer:
            self.filters["supplier"].queryset = active_suppliers(buyer=organization)
        else:
            del self.filters["supplier"]


class PriceItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("SKU or name"), method="search")

    class Meta:
        model = PriceItem
        fields = ["q"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)

    def search(self, queryset, name, value):
        return _search(["sku", "name"])(queryset, name, value)


class PriceChangeFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ChangeKind.choices, label=_("Change"))
    q = django_filters.CharFilter(label=_("SKU or name"), method="search")

    class Meta:
        model = PriceChange
        fields = ["kind", "q"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)

    def search(self, queryset, name, value):
        return _search(["sku", "name"])(queryset, name, value)


class OfferFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("SKU or name"), method="search")
    supplier = django_filters.ModelChoiceFilter(
        field_name="price_list__supplier", queryset=Organization.objects.none(), label=_("Supplier"),
        to_field_name="slug",
    )  # fmt: skip
    quantity = django_filters.NumberFilter(field_name="min_qty", lookup_expr="lte", label=_("For quantity"))

    class Meta:
        model = PriceItem
        fields = ["q", "supplier", "quantity"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        organization = getattr(request, "organization", None)
        if organization is not None:
            self.filters["supplier"].queryset = active_suppliers(buyer=organization)

    def search(self, queryset, name, value):
        return _search(["sku", "name"])(queryset, name, value)


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("SKU or name"), method="search")
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.none(), label=_("Category"))

    class Meta:
        model = Product
        fields = ["q", "category"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        organization = getattr(request, "organization", None)
        if organization is not None:
            self.filters["category"].queryset = Category.objects.filter(buyer=organization)

    def search(self, queryset, name, value):
        return _search(["sku", "name"])(queryset, name, value)


class SupplierSkuFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("SKU or name"), method="search")
    supplier = django_filters.ModelChoiceFilter(
        field_name="price_list__supplier", queryset=Organization.objects.none(), label=_("Supplier"),
        to_field_name="slug",
    )  # fmt: skip
    unmapped = django_filters.BooleanFilter(label=_("Only unmapped"), method="only_unmapped", widget=YesNoAnyWidget)

    class Meta:
        model = PriceItem
        fields = ["q", "supplier", "unmapped"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        organization = getattr(request, "organization", None)
        if organization is not None:
            self.filters["supplier"].queryset = active_suppliers(buyer=organization)

    def search(self, queryset, name, value):
        return _search(["sku", "name"])(queryset, name, value)

    def only_unmapped(self, queryset, name, value):
        return queryset.filter(mapping_id__isnull=True) if value else queryset
