"""The Integrations page: webhook endpoints with their delivery log, and for a supplier the 1C
exchange's set-up and history, with the parts the apps that handle the exchange add to it
(``<app>.exchange_1c.integrations_part``: pricing's choice of price types)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from . import webhooks
from .exchange.selectors import exchange_list
from .exchange.tables import ExchangeTable
from .hooks import capability_modules
from .models import Perm, WebhookDelivery, WebhookEndpoint
from .tenancy import fetch, tenant_view


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("URL"), max_length=500)
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(name, label) for name, label in webhooks.EVENT_TYPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )


def _endpoints(request: HttpRequest):
    return WebhookEndpoint.objects.filter(organization=request.organization)


def _page(request: HttpRequest, form: WebhookEndpointForm, *, secret: str = "", status: int = 200) -> HttpResponse:
    recent = WebhookDelivery.objects.prefetch_related("log").order_by("-created_at", "-id")
    endpoints = list(_endpoints(request).prefetch_related(Prefetch("deliveries", queryset=recent)))
    for endpoint in endpoints:
        endpoint.recent = list(endpoint.deliveries.all())[:10]
    context = {"endpoints": endpoints, "form": form, "secret": secret}
    context["exchange_1c"] = _exchange_1c(request)
    return render(request, "marketplace/integrations.html", context, status=status)


def _exchange_1c(request: HttpRequest) -> dict | None:
    """The 1C section (a supplier's): address and login, the set-up steps, the apps' parts (each
    ``{"template": ..., ...}``), and the last exchanges."""
    organization = request.organization
    if organization is None or not organization.is_supplier:
        return None
    parts = (getattr(module, "integrations_part", None) for _app, module in capability_modules("exchange_1c"))
    return {
        "address": request.build_absolute_uri(reverse("exchange_1c")),
        "login": organization.slug,
        "parts": [part(request) for part in parts if part is not None],
        "table": ExchangeTable(exchange_list(supplier=organization)),
    }


@require_http_methods(["GET", "POST"])
@tenant_view(permission=Perm.MANAGE_KEYS)
def integrations(request: HttpRequest) -> HttpResponse:
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhooks.webhook_endpoint_create(
                organization=request.organization, actor=request.actor, **form.cleaned_data
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Endpoint added. Copy its secret now: it is not shown again."))
            return _page(request, WebhookEndpointForm(), secret=endpoint.secret)
    return _page(request, form, status=400 if form.errors else 200)


def _endpoint_action(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    """One of the endpoint's buttons: fetch it (404 for another organization's, then 403 for the
    role), hand it to ``service`` on behalf of the actor, and go back to the page."""
    endpoint = fetch(request, _endpoints(request), permission=Perm.MANAGE_KEYS, pk=pk)
    service(endpoint=endpoint, actor=request.actor)
    messages.success(request, done)
    return redirect("integrations")


@require_POST
@tenant_view()
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _endpoint_action(request, pk, webhooks.webhook_endpoint_delete, _("Endpoint deleted."))


@require_POST
@tenant_view()
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    return _endpoint_action(
        request, pk, webhooks.webhook_send_test, _("Test event sent; its result is in the log below.")
    )


@require_POST
@tenant_view()
def webhook_enable(request: HttpRequest, pk: int) -> HttpResponse:
    return _endpoint_action(request, pk, webhooks.webhook_endpoint_enable, _("Endpoint switched on again."))


@require_POST
@tenant_view()
def webhook_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = fetch(
        request,
        WebhookDelivery.objects.filter(endpoint__organization=request.organization).select_related("endpoint"),
        permission=Perm.MANAGE_KEYS,
        pk=pk,
    )
    webhooks.webhook_redeliver(delivery=delivery, actor=request.actor)
    messages.success(request, _("Delivery sent again."))
    return redirect("integrations")
