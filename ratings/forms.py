from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.models import Category
from pricing.models import Product
from pricing.selectors import product_list

from .models import CRITERIA, CRITERION_LABELS


class SettingsForm(forms.Form):
    """Weights, band limits and sharing; the services check them (the form only collects)."""

    caution_from = forms.CharField(label=_("Caution from"))
    good_from = forms.CharField(label=_("Good from"))
    excellent_from = forms.CharField(label=_("Excellent from"))
    share_with_suppliers = forms.BooleanField(label=_("Suppliers see their own rating"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in CRITERIA:
            self.fields[f"weight_{name}"] = forms.CharField(
                label=CRITERION_LABELS[name], widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5})
            )


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
