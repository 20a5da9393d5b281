"""The catalog half of the 1C exchange (``pricing.exchange_1c`` drives it): the supplier's choice of
which 1C price type goes to which buyer, and ``import.xml`` + ``offers.xml`` → one price list version
per price type, each to the buyer the choice gives it (default: the only price type, to every
buyer), through the same validation and atomic publish as any other upload, as channel ``1c``. All
or nothing: one bad price type publishes none."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.actors import Actor
from marketplace.exchange.protocol import Outcome
from marketplace.models import Organization, Perm
from marketplace.selectors import active_buyers

from ..importers import commerceml
from ..models import EVERY_BUYER, ExchangePriceTypes, UploadMode
from .uploads import ImportRejected, price_list_import

MAX_PRICE_TYPES = 50
MAX_NAME = 100
SHOWN_ERRORS = 10


def price_types_for(supplier: Organization) -> ExchangePriceTypes:
    found, _created = ExchangePriceTypes.objects.get_or_create(supplier=supplier)
    return found


@transaction.atomic
def price_types_set(*, actor: Actor, price_types: object) -> ExchangePriceTypes:
    """Which 1C price type (by name) is published to which buyer (its slug, or ``*`` for every
    active partner buyer). Refused whole, with a field-keyed message, for a bad entry."""
    supplier = actor.organization
    if supplier is None or not supplier.is_supplier:
        raise ValidationError(_("Only a supplier exchanges price lists with 1C."))
    if not actor.can(Perm.MANAGE_KEYS):
        raise ValidationError(_("Only the organization's admins set up the 1C exchange."))
    clean = _clean_price_types(supplier, price_types)
    found = ExchangePriceTypes.objects.select_for_update().filter(supplier=supplier).first() or price_types_for(
        supplier
    )
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
    ExchangePriceTypes.objects.filter(pk=price_types_for(supplier).pk).update(price_types_found=names[:MAX_PRICE_TYPES])


def goods_file(folder: Path, offers_name: str) -> Path:
    """The ``import*.xml`` that goes with an ``offers*.xml`` (1C numbers the pairs of a package)."""
    return folder / offers_name.replace("offers", "import", 1)


def read_goods(*, path: Path) -> Outcome:
    try:
        goods = commerceml.read_goods(path.read_bytes())
    except commerceml.CommerceMLError as error:
        return Outcome("failure", [str(error)])
    return Outcome("success", [_("Goods read: %(n)s.") % {"n": len(goods)}], items=len(goods))


def publish(*, actor: Actor, goods_path: Path, offers_path: Path) -> Outcome:
    try:
        goods = commerceml.read_goods(goods_path.read_bytes())
        root = commerceml.parse(offers_path.read_bytes(), "offers.xml")
        found = commerceml.price_types(root)
        price_types_found_set(supplier=actor.organization, names=sorted(set(found.values())))
        plan = _plan(actor.organization, found)
        return _publish(actor, root, goods, plan)
    except commerceml.CommerceMLError as error:
        return Outcome("failure", [str(error)])
    except ImportRejected as error:
        return Outcome("failure", [_("The price list has errors; nothing was published."), *_rows(error)])
    except ValidationError as error:
        return Outcome("failure", [" ".join(error.messages)])


def _plan(supplier: Organization, found: dict[str, str]) -> dict[str, str]:
    """Price type name → buyer slug or ``*``, as set on the Integrations page (else the only one)."""
    names = sorted(set(found.values()))
    mapping = price_types_for(supplier).price_types
    if not mapping:
        if len(names) == 1:
            return {names[0]: EVERY_BUYER}
        raise commerceml.CommerceMLError(
            _(
                "offers.xml has several price types (%(names)s): on the Integrations page choose which "
                "goes to which buyer, then run the exchange again."
            )
            % {"names": ", ".join(names) or "—"}
        )
    missing = [name for name in mapping if name not in names]
    if missing:
        raise commerceml.CommerceMLError(
            _("Price type “%(type)s” is not in offers.xml (it has: %(names)s). Correct the Integrations settings.")
            % {"type": missing[0], "names": ", ".join(names) or "—"}
        )
    return mapping


@transaction.atomic
def _publish(actor: Actor, root, goods: dict, plan: dict[str, str]) -> Outcome:
    outcome = Outcome("success")
    for name, target in plan.items():
        offers = commerceml.read_offers(root, goods, price_type=name)
        if not offers.items:
            raise commerceml.CommerceMLError(
                _("offers.xml has no goods with a price of type “%(type)s”; nothing was published.") % {"type": name}
            )
        audience = None if target == EVERY_BUYER else Organization.objects.filter(slug=target).first()
        mode = UploadMode.PARTIAL if offers.only_changes else UploadMode.FULL
        price_list = price_list_import(actor=actor, items=offers.items, channel="1c", audience=audience, mode=mode)
        outcome.items += len(offers.items)
        whom = _("every buyer") if audience is None else audience.name
        outcome.lines.append(
            _("Price type “%(type)s” → %(whom)s: version %(v)s published; items: %(n)s.")
            % {"type": name, "whom": whom, "v": price_list.version, "n": len(offers.items)}
        )
        outcome.lines.extend(offers.warnings)
    return outcome


def _rows(error: ImportRejected) -> list[str]:
    return [f"{row.get('row')}: {row.get('message')}" for row in list(error.rows)[:SHOWN_ERRORS]]
