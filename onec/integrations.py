"""The 1C section of the Integrations page (``marketplace.integration_views`` gathers each
capability's ``section``): address and login, the set-up steps, which price type goes to which
buyer, and the last exchanges."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marketplace.models import Perm
from marketplace.selectors import active_buyers
from marketplace.tenancy import tenant_view

from . import selectors, services
from .models import EVERY_BUYER
from .tables import ExchangeTable

NOT_PUBLISHED = ""


class PriceTypesForm(forms.Form):
    """One choice per 1C price type seen (or set), and a row for a type not seen yet."""

    new_name = forms.CharField(label=gettext_lazy("Another 1C price type"), max_length=100, required=False)

    def __init__(self, *args, supplier, **kwargs):
        super().__init__(*args, **kwargs)
        found = services.settings_for(supplier)
        self.names = sorted(set(found.price_types_found) | set(found.price_types))
        choices = [
            (NOT_PUBLISHED, gettext_lazy("— not published —")),
            (EVERY_BUYER, gettext_lazy("Every buyer")),
            *((buyer.slug, buyer.name) for buyer in active_buyers(supplier=supplier)),
        ]
        for index, name in enumerate(self.names):
            self.fields[f"type_{index}"] = forms.ChoiceField(
                label=name, choices=choices, required=False, initial=found.price_types.get(name, NOT_PUBLISHED)
            )
        self.fields["new_target"] = forms.ChoiceField(label=gettext_lazy("goes to"), choices=choices, required=False)
        self.order_fields([*(f"type_{i}" for i in range(len(self.names))), "new_name", "new_target"])

    def price_types(self) -> dict[str, str]:
        chosen = {name: self.cleaned_data.get(f"type_{i}") or "" for i, name in enumerate(self.names)}
        if self.cleaned_data.get("new_name"):
            chosen[self.cleaned_data["new_name"]] = self.cleaned_data.get("new_target") or ""
        return {name: target for name, target in chosen.items() if target != NOT_PUBLISHED}


def section(request: HttpRequest) -> dict | None:
    organization = request.organization
    if organization is None or not organization.is_supplier:
        return None
    return {
        "template": "onec/_section.html",
        "address": request.build_absolute_uri(reverse("exchange_1c")),
        "login": organization.slug,
        "form": PriceTypesForm(supplier=organization),
        "table": ExchangeTable(selectors.exchange_list(supplier=organization)),
    }


@require_POST
@tenant_view(kind="supplier", permission=Perm.MANAGE_KEYS)
def price_types_save(request: HttpRequest) -> HttpResponse:
    """Save the price-type choices; a refusal is said on the page and nothing changes."""
    form = PriceTypesForm(request.POST, supplier=request.organization)
    try:
        if not form.is_valid():
            raise ValidationError([str(e) for errors in form.errors.values() for e in errors])
        services.price_types_set(actor=request.actor, price_types=form.price_types())
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("1C price types saved; they apply from the next exchange."))
    return redirect(reverse("integrations") + "#exchange-1c")
