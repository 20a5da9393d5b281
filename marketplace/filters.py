import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget

from .models import Category, Partnership, PartnershipStatus


class YesNoAnyWidget(BooleanWidget):
    """A yes/no filter that reads as words: "Any", "Yes", "No" (not Django's "Unknown")."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


class PartnershipFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="supplier__name", lookup_expr="icontains", label=_("Supplier"))
    status = django_filters.ChoiceFilter(choices=PartnershipStatus.choices, label=_("Status"))
    category = django_filters.ModelChoiceFilter(
        field_name="categories", queryset=Category.objects.none(), label=_("Category")
    )

    class Meta:
        model = Partnership
        fields = ["q", "status", "category"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        organization = getattr(request, "organization", None)
        if organization is not None:
            self.filters["category"].queryset = organization.categories.all()


class BuyerPartnershipFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="buyer__name", lookup_expr="icontains", label=_("Buyer"))
    status = django_filters.ChoiceFilter(choices=PartnershipStatus.choices, label=_("Status"))

    class Meta:
        model = Partnership
        fields = ["q", "status"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
