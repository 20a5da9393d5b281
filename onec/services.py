"""Writes of the 1C exchange: the supplier's settings (which price type goes to which buyer), the
orders mark, and the exchange history."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.actors import Actor
from marketplace.models import Organization, Perm
from marketplace.selectors import active_buyers

from .models import EVERY_BUYER, Exchange, ExchangeSettings

MAX_PRICE_TYPES = 50
MAX_NAME = 100
HISTORY_KEPT = 200  # exchanges kept per supplier


def exchange_folder(supplier_id: int, kind: str) -> Path:
    """Where the files of a supplier's current exchange of ``kind`` (catalog, sale) are kept."""
    return Path(settings.MEDIA_ROOT) / "exchange_1c" / str(supplier_id) / kind


def settings_for(supplier: Organization) -> ExchangeSettings:
    found, _created = ExchangeSettings.objects.get_or_create(supplier=supplier)
    return found


@transaction.atomic
def price_types_set(*, actor: Actor, price_types: object) -> ExchangeSettings:
    """Which 1C price type (by name) is published to which buyer (its slug, or ``*`` for every
    active partner buyer). Refused whole, with a field-keyed message, for a bad entry."""
    supplier = actor.organization
    if supplier is None or not supplier.is_supplier:
        raise ValidationError(_("Only a supplier exchanges price lists with 1C."))
    if not actor.can(Perm.MANAGE_KEYS):
        raise ValidationError(_("Only the organization's admins set up the 1C exchange."))
    clean = _clean_price_types(supplier, price_types)
    found = ExchangeSettings.objects.select_for_update().filter(supplier=supplier).first() or settings_for(supplier)
    found.price_types = clean
    found.updated_at = timezone.now()
    found.save(update_fields=["price_types", "updated_at"])
    return found


def _clean_price_types(supplier: Organization, price_types: object) -> dict[str, str]:
    if not isinstance(price_types, dict):
        raise ValidationError({"price_types": _("Give an object: 1C price type name → buyer slug or “*”.")})
    if len(price_types) > MAX_PRICE_TYPES:
        raise ValidationError({"price_types": _("At most %(n)s price types.") % {"n": MAX_PRICE_TYPES}})
    buyers = set(active_buyers(supplier=supplier).values_list("slug", flat=True))
    clean: dict[str, str] = {}
    for name, target in price_types.items():
        name = " ".join(str(name).split())
        if not name or len(name) > MAX_NAME:
            raise ValidationError({"price_types": _("A price type name is empty or too long.")})
        if not isinstance(target, str) or (target != EVERY_BUYER and target not in buyers):
            raise ValidationError(
                {
                    "price_types": _(
                        "Price type “%(type)s”: “%(buyer)s” is not a buyer you actively work with; "
                        "give a buyer's slug or “*” for every buyer."
                    )
                    % {"type": name, "buyer": target}
                }
            )
        clean[name] = target
    if len(set(clean.values())) != len(clean):
        raise ValidationError({"price_types": _("Each buyer (and “*”) can receive only one price type.")})
    return clean


def price_types_found_set(*, supplier: Organization, names: list[str]) -> None:
    ExchangeSettings.objects.filter(pk=settings_for(supplier).pk).update(price_types_found=names[:MAX_PRICE_TYPES])


def orders_queried(*, supplier: Organization, at) -> ExchangeSettings:
    """1C asked for orders at ``at``: what ``orders_acknowledged`` makes the mark."""
    found = settings_for(supplier)
    found.orders_queried_at = at
    found.save(update_fields=["orders_queried_at"])
    return found


def orders_acknowledged(*, supplier: Organization) -> ExchangeSettings:
    """1C said ``success`` after a query: orders changed before that query are not sent again."""
    found = settings_for(supplier)
    if found.orders_queried_at is not None:
        found.orders_mark, found.orders_queried_at = found.orders_queried_at, None
        found.save(update_fields=["orders_mark", "orders_queried_at"])
    return found


def exchange_record(*, actor: Actor, kind: str, mode: str, result: str, filename: str = "", **fields) -> Exchange:
    """One line of the exchange history (the oldest beyond ``HISTORY_KEPT`` are dropped)."""
    now = timezone.now()
    exchange = Exchange.objects.create(
        supplier=actor.organization,
        api_key=actor.api_key,
        created_at=now,
        finished_at=None if result == "progress" else now,
        kind=kind,
        mode=mode,
        filename=filename[:255],
        result=result,
        **fields,
    )
    old = Exchange.objects.filter(supplier=actor.organization).values_list("pk", flat=True)[HISTORY_KEPT:]
    Exchange.objects.filter(pk__in=list(old)).delete()
    return exchange


def exchange_finish(*, exchange: Exchange, result: str, message: str, **counts) -> Exchange:
    """A background import is done: its result waits for 1C's next call (``answered`` False)."""
    exchange.result, exchange.message, exchange.finished_at = result, message, timezone.now()
    for name, value in counts.items():
        setattr(exchange, name, value)
    exchange.answered = False
    exchange.save(update_fields=["result", "message", "finished_at", "answered", *counts])
    return exchange
