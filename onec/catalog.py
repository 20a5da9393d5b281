"""``import.xml`` + ``offers.xml`` → one price list version per price type, each to the buyer the
supplier's settings give it (default: the only price type, to every buyer), through the same
validation and atomic publish as any other upload, as channel ``1c``. All or nothing: one bad
price type publishes none."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.actors import Actor
from marketplace.models import Organization
from pricing.importers import commerceml
from pricing.models import UploadMode
from pricing.services import ImportRejected, price_list_import

from . import services
from .models import EVERY_BUYER

SHOWN_ERRORS = 10


@dataclass
class Outcome:
    """What 1C is told: ``success`` or ``failure``, then lines in words; and what was done."""

    result: str
    lines: list[str] = field(default_factory=list)
    items: int = 0

    @property
    def message(self) -> str:
        return "\n".join(self.lines)


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
        services.price_types_found_set(supplier=actor.organization, names=sorted(set(found.values())))
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
    mapping = services.settings_for(supplier).price_types
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
