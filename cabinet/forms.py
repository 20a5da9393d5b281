from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Model
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from marketplace.forms import CurrencyField, PickerSelect, PickerSelectMultiple, show_bands
from marketplace.forms import override_reason_field as _override_reason

from .documents import ACCEPTED_HINT
from .models import MAX_LEAD_TIME_DAYS, ComplaintResolution, ProposalKind

MAX_ID = 2**63 - 1  # the largest primary key any database here stores


def is_id(value) -> bool:
    """Whether ``value`` (an int or the text of one) can be a primary key: a whole number 1..MAX_ID."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()):
            return False
        value = int(value)
    return isinstance(value, int) and 1 <= value <= MAX_ID


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice by id that refuses anything not an id (``abc``, 10**20) with a form error
    before asking the database (SQLite cannot even compare with integers past 2**63 - 1)."""

    def _check_values(self, value):
        for pk in value:
            if not is_id(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class IdChoiceField(forms.ModelChoiceField):
    """A choice by id that refuses anything not an id before asking the database."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, Model) and not is_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return super().to_python(value)


def _accepted_kinds() -> str:
    return gettext("Accepted: %(kinds)s.") % {"kinds": ACCEPTED_HINT}


# Fields are built when the module is imported: a lazy hint is translated for each reader instead.
accepted_kinds = lazy(_accepted_kinds, str)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", accepted_kinds())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class LineForm(forms.Form):
    """One line of an order or a request; an empty row is skipped."""

    sku = forms.CharField(label=_("SKU"), max_length=100, required=False)
    name = forms.CharField(label=_("Product"), max_length=300, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3, required=False)
    price = forms.DecimalField(label=_("Price"), max_digits=18, decimal_places=4, required=False, min_value=0)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(k) not in (None, "") for k in ("sku", "name", "quantity", "price"))

    def clean_quantity(self):
        quantity = self.cleaned_data.get("quantity")
        if quantity is not None and quantity <= 0:
            raise forms.ValidationError(_("The quantity must be greater than zero."))
        return quantity


class RfqLineForm(LineForm):
    price = None
    wanted_date = forms.DateField(label=_("Wanted by"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


# The most lines one web form takes (the API takes more). A browser sends every field of every row and
# Django refuses a request of more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1000) fields: 150 rows of at most
# 5 fields leave room for the rest of the form.
MAX_LINES = 150


class BaseLineFormSet(forms.BaseFormSet):
    """Rows of lines: a few blank rows to start (more are added in the browser by static/js/cabinet.js),
    blank rows are skipped and do not count, and more than ``max_num`` filled rows are refused with a
    clear message (Django's own ``validate_max`` would count the blank rows too)."""

    default_error_messages = {
        "too_many_forms": ngettext_lazy(
            "A form takes at most %(num)d line; put the rest into another one or send them through the API.",
            "A form takes at most %(num)d lines; put the rest into another one or send them through the API.",
            "num",
        ),
    }

    def clean(self):
        super().clean()
        if sum(1 for form in self.forms if form.has_changed()) > self.max_num:
            raise forms.ValidationError(
                self.error_messages["too_many_forms"] % {"num": self.max_num}, code="too_many_forms"
            )


def _line_formset(form):
    return forms.formset_factory(form, formset=BaseLineFormSet, extra=3, max_num=MAX_LINES, absolute_max=2 * MAX_LINES)


LineFormSet = _line_formset(LineForm)
RfqLineFormSet = _line_formset(RfqLineForm)


def filled_lines(formset) -> list[dict]:
    return [
        {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        for form in formset.forms
        if form.cleaned_data and not form.is_blank()
    ]


class OrderForm(forms.Form):
    supplier = IdChoiceField(queryset=None, label=_("Supplier"), widget=PickerSelect)
    from_price_list = forms.BooleanField(
        label=_("Price the lines from the supplier's price list"),
        required=False,
        help_text=_("Leave prices empty: they are taken from the supplier's active price list."),
    )
    currency = CurrencyField(required=False)
    wanted_date = forms.DateField(label=_("Wanted by"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=_("Documents"))
    override_reason = _override_reason()

    def __init__(self, *args, suppliers=None, buyer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers
        show_bands(self.fields["supplier"], buyer)


class RfqForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    suppliers = IdsChoiceField(queryset=None, label=_("Suppliers"), widget=PickerSelectMultiple)
    deadline = forms.DateTimeField(
        label=_("Answer by"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    currency = CurrencyField()
    files = MultipleFileField(label=_("Documents"))
    override_reason = _override_reason()

    def __init__(self, *args, suppliers=None, buyer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suppliers"].queryset = suppliers
        show_bands(self.fields["suppliers"], buyer)
        if not self.is_bound:
            self.initial.setdefault("deadline", timezone.localtime() + dt.timedelta(days=3))


class QuoteForm(forms.Form):
    """One price per line of the request, plus the terms."""

    lead_time_days = forms.IntegerField(
        label=_("Lead time, days"), min_value=0, max_value=MAX_LEAD_TIME_DAYS, required=False
    )
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=_("Documents"))

    def __init__(self, *args, rfq_lines=(), quote=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rfq_lines = list(rfq_lines)
        current = {ql.rfq_line_id: ql.price for ql in quote.lines.all()} if quote is not None else {}
        for line in self.rfq_lines:
            self.fields[f"price_{line.pk}"] = forms.DecimalField(
                label=f"{line.position}. {line.name} — {line.quantity.normalize():f} {line.unit}",
                max_digits=18,
                decimal_places=4,
                min_value=0,
                initial=current.get(line.pk),
            )
        if quote is not None and not self.is_bound:
            self.initial.update(
                {"lead_time_days": quote.lead_time_days, "valid_until": quote.valid_until, "comment": quote.comment}
            )

    def clean(self):
        """The line prices gathered as ``prices`` (RfqLine id → price), as ``quote_submit`` takes them."""
        data = super().clean()
        data["prices"] = {line.pk: data.pop(f"price_{line.pk}", None) for line in self.rfq_lines}
        return data


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=10000)


class DocumentForm(forms.Form):
    files = MultipleFileField(label=_("Documents"), required=True)


class TransitionForm(forms.Form):
    to = forms.CharField(max_length=20)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class ComplaintForm(forms.Form):
    reason = forms.CharField(label=_("What is wrong"), widget=forms.Textarea(attrs={"rows": 3}))
    lines = IdsChoiceField(
        queryset=None, required=False, label=_("Affected lines"), widget=forms.CheckboxSelectMultiple
    )
    files = MultipleFileField(label=_("Documents"))

    def __init__(self, *args, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].queryset = order.lines.all()
        self.fields["lines"].label_from_instance = lambda line: (
            f"{line.position}. {line.name} × {line.quantity.normalize():f}"
        )


class ComplaintAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))


class ComplaintResolveForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Resolution"), choices=ComplaintResolution.choices)
    compensation = forms.DecimalField(
        label=_("Compensation"), required=False, max_digits=16, decimal_places=2, min_value=0
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProposalForm(forms.Form):
    buyer = IdChoiceField(queryset=None, label=_("Buyer"))
    kind = forms.ChoiceField(label=_("Kind"), choices=ProposalKind.choices)
    sku = forms.CharField(label=_("SKU"), max_length=100)
    name = forms.CharField(label=_("Product"), max_length=300)
    unit = forms.CharField(label=_("Unit"), max_length=20, initial="pcs")
    price = forms.DecimalField(label=_("Price"), max_digits=18, decimal_places=4, min_value=0)
    currency = CurrencyField()
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, buyers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buyer"].queryset = buyers


class ProposalDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000)
