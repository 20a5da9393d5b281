from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.forms import CurrencyField
from marketplace.models import Category
from pricing.models import Product
from pricing.selectors import product_list

from .models import CRITERIA, CRITERION_LABELS


def _number(label, help_text="", mode="numeric") -> forms.CharField:
    return forms.CharField(
        label=label, help_text=help_text, widget=forms.TextInput(attrs={"inputmode": mode, "size": 8})
    )


class SettingsForm(forms.Form):
    """Weights, band limits, reference points and sharing; the services check them (the form only
    collects). The complaint rate is typed in percent and stored as a fraction."""

    caution_from = forms.CharField(label=_("Caution from"))
    good_from = forms.CharField(label=_("Good from"))
    excellent_from = forms.CharField(label=_("Excellent from"))
    half_life_days = _number(
        _("Half-life of an order, days"), _("An order this old counts half; twice as old, a quarter.")
    )
    orders_reference = _number(
        _("Orders for full marks"), _("Recent completed orders that give the orders criterion 100.")
    )
    volume_cap = _number(
        _("Volume for full marks"), _("On a log scale: the value of completed orders that gives 100."), "decimal"
    )
    currency = CurrencyField(label=_("Volume currency"))
    max_complaint_rate = _number(
        _("Highest acceptable complaint rate, %"),
        _("Complaints per order at which the criterion reaches 0."),
        "decimal",
    )
    prior_orders = _number(
        _("Weight of your average, in orders"),
        _(
            "Complaints and delivery of a supplier with few orders are pulled toward your average as if it had this many."
        ),
    )
    new_below_orders = _number(_("“New” below this many orders"))
    tenure_cap_months = _number(_("Months of tenure for full marks"))
    share_with_suppliers = forms.BooleanField(label=_("Suppliers see their own rating"), required=False)

    REFERENCE_POINTS = (
        "half_life_days",
        "orders_reference",
        "volume_cap",
        "currency",
        "max_complaint_rate",
        "prior_orders",
        "new_below_orders",
        "tenure_cap_months",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in CRITERIA:
            self.fields[f"weight_{name}"] = forms.CharField(
                label=CRITERION_LABELS[name], widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5})
            )
        # Weights first, then the bands, then the reference points.
        self.order_fields([f"weight_{name}" for name in CRITERIA])

    def groups(self) -> list[tuple[str, list]]:
        """The fields in the page's three parts: weights, bands (and sharing), reference points."""
        return [
            (_("Weights"), [self[f"weight_{name}"] for name in CRITERIA]),
            (
                _("Bands"),
                [self[name] for name in ("caution_from", "good_from", "excellent_from", "share_with_suppliers")],
            ),
            (_("Reference points"), [self[name] for name in self.REFERENCE_POINTS]),
        ]

    def reference_points(self) -> dict:
        """The reference points as ``services.reference_points_set`` takes them (the rate a fraction)."""
        points = {name: self.cleaned_data[name] for name in self.REFERENCE_POINTS}
        try:
            points["max_complaint_rate"] = Decimal(points["max_complaint_rate"].strip().replace(",", ".")) / 100
        except InvalidOperation:
            pass  # the service refuses it, in words
        return points


class TrustMarkForm(forms.Form):
    score = forms.CharField(label=_("Mark, 0–10"), widget=forms.NumberInput(attrs={"min": 0, "max": 10}))
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DisputeForm(forms.Form):
    trust_mark = forms.IntegerField(required=False, widget=forms.HiddenInput)
    complaint = forms.IntegerField(required=False, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("What is wrong, and why"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class DisputeAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    uphold = forms.BooleanField(label=_("Uphold: withdraw the mark or strike out the complaint"), required=False)


class TopForm(forms.Form):
    """A category, a catalog product or both: the suppliers serving the one and offering the other."""

    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose a product of your catalog.")},
    )
    n = forms.IntegerField(label=_("How many"), min_value=1, max_value=50, initial=5, required=False)

    def __init__(self, *args, buyer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(buyer=buyer)
        self.fields["product"].queryset = product_list(buyer=buyer).order_by("name", "sku")
