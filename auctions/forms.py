"""Forms of the auction pages. They only collect input; the services judge it (and name the field
of every refusal, which ``show_service_error`` puts back next to it)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.forms import CurrencyField, PickerSelect, PickerSelectMultiple, override_reason_field, show_bands
from marketplace.models import Organization

from .models import SoftCloseTrigger, StepKind, Visibility
from .services import TERMS

MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 1}, format="%Y-%m-%dT%H:%M:%S")
MOMENT_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]


class AuctionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    product = forms.ModelChoiceField(
        label=_("Product from the catalog"),
        queryset=None,
        required=False,
        widget=PickerSelect,
        help_text=_("Or leave empty and name the lot below."),
    )
    lot = forms.CharField(label=_("Lot"), max_length=300, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3, min_value=0, initial=1)
    unit = forms.CharField(label=_("Unit"), max_length=20, initial="lot")
    currency = CurrencyField()
    start_price = forms.DecimalField(
        label=_("Start (ceiling) price"), max_digits=16, decimal_places=2, help_text=_("For the whole lot.")
    )
    reserve_price = forms.DecimalField(
        label=_("Reserve price"),
        max_digits=16,
        decimal_places=2,
        required=False,
        help_text=_("Optional; never shown to suppliers."),
    )
    min_step = forms.DecimalField(label=_("Minimum step"), max_digits=16, decimal_places=2)
    min_step_kind = forms.ChoiceField(label=_("Step in"), choices=StepKind.choices, initial=StepKind.AMOUNT)
    must_beat_best = forms.BooleanField(
        label=_("A bid must beat the best price"),
        required=False,
        help_text=_("Otherwise a bid need only beat the supplier's own last bid by the step."),
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=MOMENT, input_formats=MOMENT_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=MOMENT, input_formats=MOMENT_FORMATS)
    soft_close_window_s = forms.IntegerField(
        label=_("Soft close window, seconds"),
        min_value=0,
        initial=180,
        help_text=_("A bid in this last stretch extends the end."),
    )
    soft_close_extension_s = forms.IntegerField(label=_("Extension, seconds"), min_value=0, initial=120)
    max_extensions = forms.IntegerField(label=_("Maximum extensions"), min_value=0, initial=5)
    soft_close_trigger = forms.ChoiceField(
        label=_("Extended by"), choices=SoftCloseTrigger.choices, initial=SoftCloseTrigger.RANK_IMPROVING
    )
    soft_close_top_n = forms.IntegerField(
        label=_("Only bids landing in the top"),
        min_value=1,
        required=False,
        help_text=_("Optional: only bids that land in the top N ranks extend."),
    )
    visibility = forms.ChoiceField(
        label=_("Suppliers see"), choices=Visibility.choices, initial=Visibility.RANK, widget=forms.RadioSelect
    )
    suppliers = forms.ModelMultipleChoiceField(
        label=_("Invited suppliers"),
        queryset=None,
        widget=PickerSelectMultiple,
        help_text=_("Your active partners."),
    )
    override_reason = override_reason_field()
    schedule = forms.BooleanField(
        label=_("Schedule it now"),
        required=False,
        initial=True,
        help_text=_("Invitations go out at once; otherwise it stays a draft you can still change."),
    )

    def __init__(self, *args, suppliers, products, from_rfq: bool = False, buyer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suppliers"].queryset = suppliers
        show_bands(self.fields["suppliers"], buyer)
        self.fields["product"].queryset = products
        if from_rfq:
            # The request's suppliers are invited (those still active partners).
            del self.fields["suppliers"]

    FIELDSETS = (
        (_("The lot"), ("title", "description", "product", "lot", "quantity", "unit")),
        (_("Prices"), ("currency", "start_price", "reserve_price", "min_step", "min_step_kind", "must_beat_best")),
        (
            _("Schedule and soft close"),
            (
                "starts_at",
                "ends_at",
                "soft_close_window_s",
                "soft_close_extension_s",
                "max_extensions",
                "soft_close_trigger",
                "soft_close_top_n",
            ),
        ),
        (_("Suppliers"), ("visibility", "suppliers", "override_reason", "schedule")),
    )

    def fieldsets(self):
        return [(legend, [self[name] for name in names if name in self.fields]) for legend, names in self.FIELDSETS]

    def terms(self) -> dict:
        data = self.cleaned_data
        terms = {name: data[name] for name in TERMS if name in data}
        terms["currency"] = (terms.get("currency") or "").upper()
        if data.get("override_reason"):
            terms["override_reason"] = data["override_reason"]
        return terms


class ExtendForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=24 * 60, initial=5)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class AwardForm(forms.Form):
    supplier = forms.ModelChoiceField(label=_("Award to"), queryset=Organization.objects.none())
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when it is not the leader."),
    )

    def __init__(self, *args, bidders, leader=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = bidders
        if leader is not None:
            self.fields["supplier"].initial = leader
