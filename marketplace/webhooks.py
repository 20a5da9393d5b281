"""Signed webhooks: an organization's endpoints hear of its business events (CONTRACT.md, Webhooks).

Deliveries follow the Standard Webhooks specification (the ``standardwebhooks`` package signs
them): headers ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``; body
``{"type", "timestamp", "data"}``. They run on the task queue (``marketplace.tasks.webhook_attempt``):
a 5-second timeout, no redirects followed, retries with exponential backoff for about a day, each
request written to the delivery log. An endpoint that has failed for a day is switched off and the
organization's admins are told by email.

Events come from ``marketplace.events`` (published by the apps that own the business, after
commit); ``subscribe_all()`` wires them in ``MarketplaceConfig.ready()``.

Auctions (merged later) need no change here: the auctions app publishes
``events.publish("auction_invited" | "auction_started" | "auction_closed" | "auction_awarded",
auction_id=..., buyer_id=..., supplier_ids=[...], **data)`` and the endpoints of the buyer and the
named suppliers receive ``auction.invited`` … ``auction.awarded`` with ``data`` = ``{"id": auction_id,
**data}``. Any other app may call ``emit()`` directly.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from standardwebhooks import Webhook

from . import events
from .actors import Actor
from .models import (
    DeliveryStatus,
    Organization,
    Perm,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

logger = logging.getLogger(__name__)

EVENT_TYPES = {
    "order.placed": gettext_lazy("An order was placed"),
    "order.moved": gettext_lazy("An order changed its state"),
    "rfq.received": gettext_lazy("A request for quotation was received"),
    "quote.received": gettext_lazy("A quote was received"),
    "complaint.opened": gettext_lazy("A complaint was opened"),
    "complaint.resolved": gettext_lazy("A complaint was resolved"),
    "price_list.published": gettext_lazy("A price list was published"),
    "auction.invited": gettext_lazy("Invited to an auction"),
    "auction.started": gettext_lazy("An auction started"),
    "auction.closed": gettext_lazy("An auction closed"),
    "auction.awarded": gettext_lazy("An auction was awarded"),
}
TEST_EVENT = "webhook.test"

TIMEOUT_S = 5
# After the first try: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 27 h in all, as Svix does).
RETRY_DELAYS_S = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
FAILING_FOR = timedelta(days=1)  # an endpoint failing this long is switched off
EXCERPT = 500


# -- addresses -------------------------------------------------------------------------------------


def _private_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False))


def check_url(url: str) -> None:
    """Refuse what is not http(s), and (outside DEBUG) hosts that resolve inside the network."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": _("Give an http:// or https:// address.")})
    if _private_allowed():
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError):
        raise ValidationError({"url": _("The host “%(host)s” could not be found.") % {"host": parts.hostname}})
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise ValidationError(
                {
                    "url": _("Webhooks may not go to private, loopback or link-local addresses (%(ip)s).")
                    % {"ip": address}
                }
            )


# -- endpoints -------------------------------------------------------------------------------------


def _clean_events(names: Iterable[str]) -> list[str]:
    names = list(dict.fromkeys(names or ()))
    if not names:
        raise ValidationError({"events": _("Choose at least one event.")})
    unknown = [name for name in names if name not in EVENT_TYPES]
    if unknown:
        raise ValidationError({"events": _("Unknown events: %(names)s.") % {"names": ", ".join(map(str, unknown))}})
    return names


def _check_admin(actor: Actor, organization: Organization) -> None:
    if not (actor.acts_for(organization) and actor.can(Perm.MANAGE_KEYS)):
        raise ValidationError(_("Only the organization's admins may manage webhooks."))


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


@transaction.atomic
def webhook_endpoint_create(
    *, organization: Organization, actor: Actor, url: str, events: Iterable[str]
) -> WebhookEndpoint:
    """A new endpoint; its ``secret`` is to be shown to the caller this once."""
    _check_admin(actor, organization)
    events = _clean_events(events)
    url = (url or "").strip()
    check_url(url)
    endpoint = WebhookEndpoint(
        organization=organization, url=url, events=events, secret=new_secret(), created_by=actor.person
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    _check_admin(actor, endpoint.organization)
    endpoint.delete()


@transaction.atomic
def webhook_endpoint_enable(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookEndpoint:
    """Switch a switched-off endpoint back on (its failure clock starts again)."""
    _check_admin(actor, endpoint.organization)
    endpoint.is_active, endpoint.disabled_at, endpoint.failing_since = True, None, None
    endpoint.save(update_fields=["is_active", "disabled_at", "failing_since"])
    return endpoint


# -- deliveries ------------------------------------------------------------------------------------


def _body(event_type: str, data: dict) -> str:
    return json.dumps(
        {"type": event_type, "timestamp": timezone.now().isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )


def _deliver_later(delivery_ids: list[int]) -> None:
    from .tasks import webhook_attempt

    for delivery_id in delivery_ids:
        try:
            webhook_attempt(delivery_id)
        except Exception:  # a queue that is down must not undo business that already committed
            logger.exception("webhooks: could not queue delivery %s", delivery_id)


def _queue(deliveries: list[WebhookDelivery]) -> list[WebhookDelivery]:
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        transaction.on_commit(lambda: _deliver_later(ids))
    return deliveries


def _delivery(endpoint: WebhookEndpoint, event_type: str, body: str) -> WebhookDelivery:
    return WebhookDelivery(
        endpoint=endpoint, message_id=f"msg_{secrets.token_hex(12)}", event_type=event_type, body=body
    )


@transaction.atomic
def emit(*, organization_ids: Iterable[int], event_type: str, data: dict) -> list[WebhookDelivery]:
    """Queue ``event_type`` for every active endpoint of these organizations that asked for it."""
    body = _body(event_type, data)
    endpoints = WebhookEndpoint.objects.filter(organization_id__in=set(organization_ids), is_active=True)
    deliveries = [_delivery(endpoint, event_type, body) for endpoint in endpoints if endpoint.wants(event_type)]
    WebhookDelivery.objects.bulk_create(deliveries)
    return _queue(deliveries)


@transaction.atomic
def webhook_send_test(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookDelivery:
    _check_admin(actor, endpoint.organization)
    delivery = _delivery(
        endpoint, TEST_EVENT, _body(TEST_EVENT, {"message": "Hello from Supplier Marketplace", "endpoint": endpoint.pk})
    )
    delivery.save()
    return _queue([delivery])[0]


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a delivery again, under its own ``webhook-id`` so that a receiver can tell it is one."""
    _check_admin(actor, delivery.endpoint.organization)
    delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, None
    delivery.save(update_fields=["status", "next_attempt_at"])
    return _queue([delivery])[0]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is the receiver's answer, logged as a failure


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> WebhookAttempt:
    now = timezone.now()
    signature = Webhook(endpoint.secret).sign(delivery.message_id, now, delivery.body)
    request = urllib.request.Request(
        endpoint.url,
        data=delivery.body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "SupplierMarketplace-Webhooks/1",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
        },
    )
    attempt = WebhookAttempt(delivery=delivery, at=now)
    started = time.monotonic()
    try:
        check_url(endpoint.url)  # again: the name may resolve elsewhere now
        with _opener.open(request, timeout=TIMEOUT_S) as response:
            attempt.status_code = response.status
            attempt.response_excerpt = response.read(EXCERPT).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        attempt.status_code = error.code
        attempt.response_excerpt = (error.read(EXCERPT) or b"").decode("utf-8", "replace")
    except ValidationError as error:
        attempt.error = " ".join(error.messages)[:300]
    except (OSError, ValueError) as error:  # refused, timed out, reset, bad TLS
        attempt.error = (str(error) or error.__class__.__name__)[:300]
    attempt.latency_ms = int((time.monotonic() - started) * 1000)
    attempt.save()
    return attempt


def attempt_delivery(delivery_id: int) -> int | None:
    """Make one request for a delivery and log it. Returns the seconds until the next try, or None
    when the delivery is finished (delivered, given up, or its endpoint gone or switched off)."""
    delivery = WebhookDelivery.objects.select_related("endpoint__organization").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED):
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        delivery.save(update_fields=["status", "next_attempt_at"])
        return None
    attempt = _post(endpoint, delivery)
    delivery.attempts += 1
    if attempt.ok:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, None
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        return None
    delay = RETRY_DELAYS_S[delivery.attempts - 1] if delivery.attempts <= len(RETRY_DELAYS_S) else None
    if delay is None:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    _endpoint_failed(endpoint)
    return delay


def _endpoint_failed(endpoint: WebhookEndpoint) -> None:
    now = timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().select_related("organization").get(pk=endpoint.pk)
        if endpoint.failing_since is None:
            endpoint.failing_since = now
            endpoint.save(update_fields=["failing_since"])
            return
        if not endpoint.is_active or now - endpoint.failing_since < FAILING_FOR:
            return
        endpoint.is_active, endpoint.disabled_at = False, now
        endpoint.save(update_fields=["is_active", "disabled_at"])
        _tell_admins(endpoint)


def _tell_admins(endpoint: WebhookEndpoint) -> None:
    from . import notifications

    notifications.notify(
        organization=endpoint.organization,
        kind="webhook_disabled",
        params={"url": endpoint.url},
        url="/organization/integrations/",
    )


# -- business events -------------------------------------------------------------------------------


def _order_data(order_id: int) -> tuple[list[int], dict] | None:
    from cabinet.models import Order

    order = Order.objects.select_related("buyer", "supplier").filter(pk=order_id).first()
    if order is None:
        return None
    return [order.buyer_id, order.supplier_id], {
        "id": order.pk,
        "number": order.number,
        "state": order.state,
        "channel": order.channel,
        "buyer": order.buyer.slug,
        "supplier": order.supplier.slug,
        "total": str(order.total),
        "currency": order.currency,
        "updated_at": order.updated_at.isoformat(),
    }


def on_order_placed(*, order_id: int | None = None, **_ignored) -> None:
    found = order_id and _order_data(order_id)
    if found:
        emit(organization_ids=found[0], event_type="order.placed", data=found[1])


def on_order_moved(*, order_id: int | None = None, state: str | None = None, **_ignored) -> None:
    found = order_id and _order_data(order_id)
    if found:
        emit(organization_ids=found[0], event_type="order.moved", data={**found[1], "state": state})


def on_rfq_received(*, rfq_id: int, supplier_ids: list[int], **_ignored) -> None:
    from cabinet.models import RequestForQuotation

    rfq = RequestForQuotation.objects.select_related("buyer").filter(pk=rfq_id).first()
    if rfq is not None:
        data = {"id": rfq.pk, "title": rfq.title, "buyer": rfq.buyer.slug, "deadline": rfq.deadline.isoformat()}
        emit(organization_ids=supplier_ids, event_type="rfq.received", data=data)


def on_quote_received(*, quote_id: int, **_ignored) -> None:
    from cabinet.models import Quote

    quote = Quote.objects.select_related("rfq__buyer", "supplier").filter(pk=quote_id).first()
    if quote is not None:
        data = {
            "id": quote.pk,
            "rfq": quote.rfq_id,
            "supplier": quote.supplier.slug,
            "total": str(quote.total),
            "currency": quote.currency,
        }
        emit(organization_ids=[quote.rfq.buyer_id], event_type="quote.received", data=data)


def _on_complaint(event_type: str):
    def handler(*, complaint_id: int | None = None, buyer_id: int, supplier_id: int, **_ignored) -> None:
        from cabinet.models import Complaint

        complaint = Complaint.objects.select_related("order").filter(pk=complaint_id).first()
        if complaint is not None:
            data = {"id": complaint.pk, "order": complaint.order.number, "state": complaint.state}
            emit(organization_ids=[buyer_id, supplier_id], event_type=event_type, data=data)

    return handler


def on_price_list_published(*, price_list_id: int, buyer_ids: list[int], **_ignored) -> None:
    from pricing.models import PriceList

    price_list = PriceList.objects.select_related("supplier").filter(pk=price_list_id).first()
    if price_list is not None:
        data = {
            "id": price_list.pk,
            "supplier": price_list.supplier.slug,
            "version": price_list.version,
            "currency": price_list.currency,
            "channel": price_list.channel,
        }
        emit(organization_ids=[price_list.supplier_id, *buyer_ids], event_type="price_list.published", data=data)


def _on_auction(event_type: str):
    def handler(*, auction_id: int, buyer_id: int, supplier_ids: Iterable[int] = (), **data) -> None:
        emit(organization_ids=[buyer_id, *supplier_ids], event_type=event_type, data={"id": auction_id, **data})

    return handler


def subscribe_all() -> None:
    events.subscribe("order_placed", on_order_placed)
    events.subscribe("order_moved", on_order_moved)
    events.subscribe("rfq_received", on_rfq_received)
    events.subscribe("quote_received", on_quote_received)
    events.subscribe("complaint_opened", _COMPLAINT_OPENED)
    events.subscribe("complaint_resolved", _COMPLAINT_RESOLVED)
    events.subscribe("price_list_published", on_price_list_published)
    for kind, handler in _AUCTION_HANDLERS.items():
        events.subscribe(kind, handler)


_COMPLAINT_OPENED = _on_complaint("complaint.opened")
_COMPLAINT_RESOLVED = _on_complaint("complaint.resolved")
_AUCTION_HANDLERS = {
    f"auction_{name}": _on_auction(f"auction.{name}") for name in ("invited", "started", "closed", "awarded")
}
