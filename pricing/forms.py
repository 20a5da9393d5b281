from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.forms import CurrencyField
from marketplace.models import Category, Organization
from marketplace.money import validate_currency
from marketplace.selectors import active_buyers

from .models import EVERY_BUYER, Product, UploadMode
from .services.exchange import price_types_for

ENCODINGS = [
    ("", _("Detect")),
    ("utf-8", "UTF-8"),
    ("utf-8-sig", _("UTF-8 with BOM")),
    ("cp1251", _("Windows-1251 (Cyrillic)")),
    ("cp1252", _("Windows-1252 (Western)")),
]
DELIMITERS = [("", _("Detect")), (";", _("Semicolon ;")), (",", _("Comma ,")), ("tab", _("Tab"))]
NO_SUCH_BUYER = _("No such buyer among your active partners: “%(value)s”.")


def currency_input(value: str) -> str:
    """A currency as a person or a system typed it (« usd ») as the code stored, checked by the one
    currency validator; empty stays empty (the rows' own currencies then)."""
    code = (value or "").strip().upper()
    if code:
        validate_currency(code)
    return code


def no_such_buyer(slug: str) -> str:
    """The one answer for a buyer slug that is unknown, another supplier's, or not an active partner:
    it names only what was sent, so it tells nothing about which organizations exist."""
    return NO_SUCH_BUYER % {"value": slug}


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Price list file (CSV or XLSX)"))
    currency = CurrencyField(
        required=False, initial="", help_text=_("For rows without a currency of their own, e.g. RUB, USD, VND.")
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    buyer = forms.ModelChoiceField(
        label=_("Offered to"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("All my active buyers"),
        to_field_name="slug",
        error_messages={"invalid_choice": NO_SUCH_BUYER},
    )
    mode = forms.ChoiceField(label=_("Upload"), choices=UploadMode.choices, initial=UploadMode.FULL)
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS, required=False)
    delimiter = forms.ChoiceField(label=_("Column separator"), choices=DELIMITERS, required=False)

    def __init__(self, *args, supplier: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buyer"].queryset = active_buyers(supplier=supplier)

    def clean_currency(self) -> str:
        return currency_input(self.cleaned_data["currency"])


class RemapForm(forms.Form):
    """One select per field, offering the file's own headers."""

    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS, required=False)
    delimiter = forms.ChoiceField(label=_("Column separator"), choices=DELIMITERS, required=False)

    def __init__(self, *args, headers: list[str], fields: tuple[str, ...], labels: dict, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —"))] + [(h, h) for h in headers]
        self.mapping_fields = []
        for name in fields:
            self.fields[f"map_{name}"] = forms.ChoiceField(
                label=labels.get(name, name), choices=choices, required=False
            )
            self.mapping_fields.append(f"map_{name}")

    def mapping(self) -> dict[str, str]:
        return {name[4:]: self.cleaned_data[name] for name in self.mapping_fields if self.cleaned_data.get(name)}


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["sku", "name", "unit", "category"]

    def __init__(self, *args, buyer: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(buyer=buyer)
        if self.instance.pk:
            self.fields["sku"].disabled = True

    def validate_unique(self):
        """Uniqueness is the service's to say, with its own message."""


class MappingForm(forms.Form):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=Organization.objects.none(), to_field_name="slug")
    supplier_sku = forms.CharField(label=_("Supplier SKU"), max_length=100)
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none(), to_field_name="sku")

    def __init__(self, *args, buyer: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        from marketplace.selectors import active_suppliers

        self.fields["supplier"].queryset = active_suppliers(buyer=buyer)
        self.fields["product"].queryset = Product.objects.filter(buyer=buyer)
        self.fields["product"].widget = forms.TextInput(attrs={"placeholder": _("your SKU"), "list": "product-skus"})


NOT_PUBLISHED = ""


class PriceTypesForm(forms.Form):
    """Which 1C price type goes to which buyer: one choice per price type seen (or set), and a row
    for a type not seen yet."""

    new_name = forms.CharField(label=_("Another 1C price type"), max_length=100, required=False)

    def __init__(self, *args, supplier, **kwargs):
        super().__init__(*args, **kwargs)
        found = price_types_for(supplier)
        self.names = sorted(set(found.price_types_found) | set(found.price_types))
        choices = [
            (NOT_PUBLISHED, _("— not published —")),
            (EVERY_BUYER, _("Every buyer")),
            *((buyer.slug, buyer.name) for buyer in active_buyers(supplier=supplier)),
        ]
        for index, name in enumerate(self.names):
            self.fields[f"type_{index}"] = forms.ChoiceField(
                label=name, choices=choices, required=False, initial=found.price_types.get(name, NOT_PUBLISHED)
            )
        self.fields["new_target"] = forms.ChoiceField(label=_("goes to"), choices=choices, required=False)
        self.order_fields([*(f"type_{i}" for i in range(len(self.names))), "new_name", "new_target"])

    def price_types(self) -> dict[str, str]:
        chosen = {name: self.cleaned_data.get(f"type_{i}") or "" for i, name in enumerate(self.names)}
        if self.cleaned_data.get("new_name"):
            chosen[self.cleaned_data["new_name"]] = self.cleaned_data.get("new_target") or ""
        return {name: target for name, target in chosen.items() if target != NOT_PUBLISHED}
