"""CommerceML 2 (2.04–2.10), as 1C's "exchange with a website" writes it: ``import.xml`` (the
goods) and ``offers.xml`` (price types and offers). Turned into the API's price items, so that they
go through the same validation and publish as any other upload.

Parsed with defusedxml: a DOCTYPE, entities or external references are refused. The XML's own
declared encoding is used (UTF-8 with or without a BOM, windows-1251); element names are matched
without their namespace, which differs between versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from .values import currency_from_text

MAX_XML_BYTES = 200 * 1024 * 1024
NUMERIC_CURRENCIES = {"643": "RUB", "840": "USD", "978": "EUR", "704": "VND", "398": "KZT", "933": "BYN", "156": "CNY"}


class CommerceMLError(ValueError):
    """A file 1C sent that cannot be read; the message is for a 1C operator."""


@dataclass
class Offers:
    items: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    price_types: dict[str, str] = field(default_factory=dict)  # Ид → name


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(node, name: str):
    return [child for child in node if _local(child.tag) == name]


def _child(node, name: str):
    found = _children(node, name)
    return found[0] if found else None


def _text(node, name: str) -> str:
    child = _child(node, name) if node is not None else None
    return " ".join((child.text or "").split()) if child is not None else ""


def _walk(node, name: str):
    return (element for element in node.iter() if _local(element.tag) == name)


def parse(data: bytes, what: str):
    if len(data) > MAX_XML_BYTES:
        raise CommerceMLError(_("%(file)s is larger than the limit.") % {"file": what})
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise CommerceMLError(_("%(file)s holds a DOCTYPE or entities, which are not accepted.") % {"file": what})
    except Exception as error:  # expat's ParseError, an unknown encoding
        raise CommerceMLError(_("%(file)s is not valid XML: %(error)s") % {"file": what, "error": error})
    if _local(root.tag) != "КоммерческаяИнформация":
        raise CommerceMLError(_("%(file)s is not a CommerceML document.") % {"file": what})
    return root


def is_commerceml(data: bytes) -> bool:
    """Whether an uploaded file looks like a CommerceML document (recognised by content)."""
    head = data[:2048]
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            if "КоммерческаяИнформация" in head.decode(encoding, "ignore"):
                return True
        except LookupError:  # pragma: no cover
            continue
    return False


def read_goods(import_xml: bytes) -> dict[str, dict]:
    """The goods of ``import.xml`` by their Ид: ``sku`` (the article, else the Ид), ``name``, ``unit``."""
    root = parse(import_xml, "import.xml")
    goods = {}
    for product in _walk(root, "Товар"):
        ident = _text(product, "Ид")
        if not ident:
            continue
        unit = _child(product, "БазоваяЕдиница")
        unit_name = ""
        if unit is not None:
            unit_name = unit.get("НаименованиеПолное") or unit.get("МеждународноеСокращение") or (unit.text or "")
        goods[ident] = {
            "sku": _text(product, "Артикул") or ident,
            "name": _text(product, "Наименование"),
            "unit": " ".join(unit_name.split()),
        }
    return goods


def _currency(text: str) -> str:
    text = (text or "").strip()
    return NUMERIC_CURRENCIES.get(text) or currency_from_text(text) or text


def read_offers(offers_xml: bytes, goods: dict[str, dict], *, price_type: str | None) -> Offers:
    """Price items of ``offers.xml`` for one price type (its Ид or name; None: the only one).

    An offer ``product#characteristic`` is an item of its own (its name carries the
    characteristic); an offer without a price of that type is left out with a warning."""
    root = parse(offers_xml, "offers.xml")
    result = Offers()
    for node in _walk(root, "ТипЦены"):
        result.price_types[_text(node, "Ид")] = _text(node, "Наименование")
    chosen = _choose(result.price_types, price_type)
    for offer in _walk(root, "Предложение"):
        ident = _text(offer, "Ид")
        base = goods.get(ident) or goods.get(ident.split("#", 1)[0])
        if base is None:
            raise CommerceMLError(
                _("offers.xml names goods %(id)s that import.xml does not have. Send import.xml first.") % {"id": ident}
            )
        name = _text(offer, "Наименование") or base["name"]
        sku = base["sku"] if "#" not in ident else f"{base['sku']}#{ident.split('#', 1)[1]}"
        price = next((p for p in _walk(offer, "Цена") if _text(p, "ИдТипаЦены") == chosen), None)
        if price is None or not _text(price, "ЦенаЗаЕдиницу"):
            result.warnings.append(
                _("“%(name)s” (%(sku)s) has no price of this type; left out.") % {"name": name, "sku": sku}
            )
            continue
        result.items.append(
            {
                "sku": sku,
                "name": name,
                "unit": _text(price, "Единица") or base["unit"],
                "price": _text(price, "ЦенаЗаЕдиницу").replace(",", ".").replace(" ", ""),
                "currency": _currency(_text(price, "Валюта")),
            }
        )
    return result


def _choose(price_types: dict[str, str], wanted: str | None) -> str:
    if not price_types:
        raise CommerceMLError(_("offers.xml lists no price types (ТипыЦен)."))
    if wanted:
        for ident, name in price_types.items():
            if wanted in (ident, name):
                return ident
        raise CommerceMLError(
            _("Price type “%(type)s” is not in offers.xml (it has: %(names)s).")
            % {"type": wanted, "names": ", ".join(price_types.values())}
        )
    if len(price_types) > 1:
        raise CommerceMLError(
            _(
                "offers.xml has several price types (%(names)s): choose which goes to which buyer in the Integrations settings."
            )
            % {"names": ", ".join(price_types.values())}
        )
    return next(iter(price_types))
