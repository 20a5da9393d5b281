from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import (
    BUYER_ONLY_ROLES,
    Category,
    Organization,
    OrganizationKind,
    PartnershipStatus,
    ReviewTeam,
    Role,
)
from .money import clean_currency


def show_service_error(request, error: ValidationError, form=None, *, on_form: bool = False) -> None:
    """A service's refusal where the person will see it: field errors next to their fields; the
    rest on the form (``on_form``) or as messages at the top of the page."""
    if form is not None and hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif form is not None and on_form:
        form.add_error(None, error.messages)
    else:
        for text in error.messages:
            messages.error(request, text)


def perform(request, service, /, *, success: str | Callable[[Any], str] = "", form=None, **arguments):
    """Call ``service(**arguments)`` for a view: flash ``success`` (a text, or a function of what
    the service returned) when it goes through, or show its refusal with ``show_service_error`` (on
    ``form`` when given). Returns what the service returned, or None when it refused."""
    try:
        result = service(**arguments)
    except ValidationError as error:
        show_service_error(request, error, form)
        return None
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return result


def show_form_errors(request, form) -> None:
    """A form posted from a page that redirects back: each error as a message, after its label."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        text = " ".join(errors)
        messages.error(request, f"{label}: {text}" if label else text)


def override_reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason to use a supplier blocked by its rating"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only for a blocked supplier; it is recorded."),
    )


def show_bands(field: forms.ModelChoiceField, buyer) -> None:
    """Each supplier to pick shows its rating band and score (read from the partnership)."""
    if buyer is None:
        return
    from .selectors import partner_ratings
    from .tables import rating_text

    ratings = partner_ratings(buyer=buyer)

    def label(supplier) -> str:
        text = rating_text(ratings.get(supplier.pk))
        return f"{supplier.name} · {text}" if text else supplier.name

    field.label_from_instance = label


def chosen_suppliers(request, suppliers, name: str) -> list:
    """Ids of ``suppliers`` chosen beforehand by ``?<name>=slug,slug`` (the ratings' top
    contractors); ``suppliers`` is the queryset the person may pick from (their active partners)."""
    slugs = [s for s in request.GET.get(name, "").split(",") if s]
    return list(suppliers.filter(slug__in=slugs).values_list("pk", flat=True)) if slugs else []


NOTHING_FOUND = _("Nothing found")
TYPE_TO_SEARCH = _("Type to search…")


class PickerSelect(forms.Select):
    """One of many: a plain select (it works without JavaScript) that ``static/js/pickers.js`` turns
    into a search-as-you-type picker (Tom Select, vendored in ``static/vendor/tom-select``)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-picker": "one", "data-nothing-found": NOTHING_FOUND, **(attrs or {})}, choices)


class PickerSelectMultiple(forms.SelectMultiple):
    """Several of many (3 suppliers out of 40): a plain multiple select without JavaScript, a picker
    with search and removable chips with it."""

    def __init__(self, attrs=None, choices=()):
        attrs = {
            "data-picker": "many",
            "data-nothing-found": NOTHING_FOUND,
            "placeholder": TYPE_TO_SEARCH,
            "size": 8,
            **(attrs or {}),
        }
        super().__init__(attrs, choices)


USUAL_CURRENCIES = ("RUB", "VND", "USD", "EUR", "CNY")


class CurrencySelect(PickerSelect):
    """The ISO 4217 codes in use (``marketplace.money.currencies``) instead of a free-text box: the
    usual ones first, each with its name in the reader's language (« USD · доллар США »)."""

    include_blank = False

    def get_context(self, name, value, attrs):
        self.choices = currency_choices(get_language(), blank=self.include_blank)
        return super().get_context(name, value, attrs)


def currency_choices(language: str | None, *, blank: bool = False) -> list:
    from babel.numbers import get_currency_name

    from .money import currencies

    locale = (language or "en").replace("-", "_")

    def named(code: str) -> tuple[str, str]:
        return code, f"{code} · {get_currency_name(code, locale=locale)}"

    usual = [named(code) for code in USUAL_CURRENCIES]
    others = [named(code) for code in sorted(currencies() - set(USUAL_CURRENCIES))]
    return [*([("", "—")] if blank else []), (_("Usual"), usual), (_("Other currencies"), others)]


class CurrencyField(forms.CharField):
    """An ISO 4217 code (``marketplace.money``), upper-cased: « rub » is stored as RUB, «РУБ» refused.
    Chosen from a list of the codes (``CurrencySelect``); what a program posts is still checked."""

    widget = CurrencySelect

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("min_length", 3)
        kwargs.setdefault("initial", "RUB")
        kwargs.setdefault("label", _("Currency"))
        super().__init__(*args, **kwargs)
        self.widget.include_blank = not self.required

    def widget_attrs(self, widget):
        return {}  # no maxlength/minlength on a select

    def clean(self, value):
        value = super().clean(value)
        return value if value in self.empty_values else clean_currency(value)


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=200)
    kind = forms.ChoiceField(
        label=_("We are"),
        choices=[(OrganizationKind.SUPPLIER, _("a supplier")), (OrganizationKind.BUYER, _("a buyer"))],
        widget=forms.RadioSelect,
        initial=OrganizationKind.SUPPLIER,
    )


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name"]


class MemberAddForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        if not organization.is_buyer:
            self.fields["role"].choices = [(v, label) for v, label in Role.choices if v not in BUYER_ONLY_ROLES]


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Where the key is used, e.g. “ERP sync”."))


class InvitationForm(forms.Form):
    supplier_name = forms.CharField(label=_("Supplier name"), max_length=200)
    email = forms.EmailField(label=_("Email of the supplier's contact"))
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"), queryset=Category.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, buyer: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = buyer.categories.all()


class InvitationAcceptForm(forms.Form):
    supplier = forms.ModelChoiceField(
        label=_("Accept for"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("A new supplier organization"),
    )
    name = forms.CharField(label=_("Name of the new organization"), max_length=200, required=False)

    def __init__(self, *args, suppliers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers

    def clean(self):
        data = super().clean()
        if not data.get("supplier") and not (data.get("name") or "").strip():
            self.add_error("name", _("Name the new organization, or choose one you already have."))
        return data


class PartnershipMoveForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"), choices=PartnershipStatus.choices)
    team = forms.ChoiceField(label=_("Reviewed by"), choices=ReviewTeam.choices, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = partnership.allowed_moves()
        self.fields["to"].choices = [(v, label) for v, label in PartnershipStatus.choices if v in allowed]


class PartnershipCategoriesForm(forms.Form):
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"), queryset=Category.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    new_category = forms.CharField(label=_("New category"), max_length=120, required=False)

    def __init__(self, *args, buyer: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = buyer.categories.all()


class ApplyForm(forms.Form):
    buyer = forms.ModelChoiceField(label=_("Buyer"), queryset=Organization.objects.none())
    message = forms.CharField(
        label=_("What you supply"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, buyers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buyer"].queryset = buyers
