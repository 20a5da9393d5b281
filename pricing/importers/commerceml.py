"""CommerceML 2 (2.04–2.10), as 1C's "exchange with a website" writes it: ``import.xml`` (the
goods) and ``offers.xml`` (price types and offers). Turned into the API's price items, so that they
go through the same validation and publish as any other upload.

Parsed with defusedxml: a DOCTYPE, entities or external references are refused. The XML's own
declared encoding is used (UTF-8 with or without a BOM, windows-1251); element names are matched
without their namespace, which differs between versions.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from .context import Chunk, FileProblem, Options
from .items_reader import read_items
from .results import ParseResult, RowError
from .values import currency_from_text

if TYPE_CHECKING:
    from .sources import Source

MAX_XML_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100  # unpacked size / packed size of a zip member
NUMERIC_CURRENCIES = {"643": "RUB", "840": "USD", "978": "EUR", "704": "VND", "398": "KZT", "933": "BYN", "156": "CNY"}


class CommerceMLError(ValueError):
    """A file 1C sent that cannot be read; the message is for a 1C operator."""


@dataclass
class Offers:
    items: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    price_types: dict[str, str] = field(default_factory=dict)  # Ид → name
    only_changes: bool = False  # СодержитТолькоИзменения: the rows it holds change, the rest stay


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(node, name: str):
    return [child for child in node if _local(child.tag) == name]


def _child(node, name: str):
    found = _children(node, name)
    return found[0] if found else None


def text(node, name: str) -> str:
    child = _child(node, name) if node is not None else None
    return " ".join((child.text or "").split()) if child is not None else ""


def walk(node, name: str):
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
    for product in walk(root, "Товар"):
        ident = text(product, "Ид")
        if not ident:
            continue
        unit = _child(product, "БазоваяЕдиница")
        unit_name = ""
        if unit is not None:
            unit_name = unit.get("НаименованиеПолное") or unit.get("МеждународноеСокращение") or (unit.text or "")
        goods[ident] = {
            "sku": text(product, "Артикул") or ident,
            "name": text(product, "Наименование"),
            "unit": " ".join(unit_name.split()),
        }
    return goods


def _currency(text: str) -> str:
    text = (text or "").strip()
    return NUMERIC_CURRENCIES.get(text) or currency_from_text(text) or text


def price_types(root) -> dict[str, str]:
    """The price types (ТипыЦен) of a parsed ``offers.xml``: Ид → name."""
    return {text(node, "Ид"): text(node, "Наименование") for node in walk(root, "ТипЦены")}


def read_offers(offers_xml, goods: dict[str, dict] | None, *, price_type: str | None) -> Offers:
    """Price items of ``offers.xml`` (bytes, or its parsed root) for one price type (its Ид or
    name; None: the only one).

    An offer ``product#characteristic`` is an item of its own (its name carries the
    characteristic); an offer without a price of that type is left out with a warning. ``goods``
    None: an ``offers.xml`` read alone, whose offers carry their own names (and articles)."""
    root = parse(offers_xml, "offers.xml") if isinstance(offers_xml, bytes) else offers_xml
    result = Offers(price_types=price_types(root))
    package = next(walk(root, "ПакетПредложений"), None)
    result.only_changes = package is not None and package.get("СодержитТолькоИзменения") == "true"
    chosen = _choose(result.price_types, price_type)
    for offer in walk(root, "Предложение"):
        ident = text(offer, "Ид")
        base = _base(offer, ident, goods)
        name = text(offer, "Наименование") or base["name"]
        sku = base["sku"] if "#" not in ident else f"{base['sku']}#{ident.split('#', 1)[1]}"
        price = next((p for p in walk(offer, "Цена") if text(p, "ИдТипаЦены") == chosen), None)
        if price is None or not text(price, "ЦенаЗаЕдиницу"):
            result.warnings.append(
                _("“%(name)s” (%(sku)s) has no price of this type; left out.") % {"name": name, "sku": sku}
            )
            continue
        result.items.append(
            {
                "sku": sku,
                "name": name,
                "unit": text(price, "Единица") or base["unit"],
                "price": text(price, "ЦенаЗаЕдиницу").replace(",", ".").replace(" ", ""),
                "currency": _currency(text(price, "Валюта")),
            }
        )
    return result


def _base(offer, ident: str, goods: dict[str, dict] | None) -> dict:
    if goods is None:
        return {
            "sku": text(offer, "Артикул") or ident.split("#", 1)[0],
            "name": text(offer, "Наименование"),
            "unit": "",
        }
    base = goods.get(ident) or goods.get(ident.split("#", 1)[0])
    if base is None:
        raise CommerceMLError(
            _("offers.xml names goods %(id)s that import.xml does not have. Send import.xml first.") % {"id": ident}
        )
    return base


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


# -- a CommerceML file uploaded as a price list (recognised by content, see ``sources.file_kind``) --


def is_commerceml_zip(data: bytes) -> bool:
    """Whether a zip holds 1C's ``import*.xml`` / ``offers*.xml`` (and is no workbook)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            names = [PurePosixPath(name).name.lower() for name in bundle.namelist()]
    except zipfile.BadZipFile:
        return False
    return (
        any(n.startswith(("import", "offers")) and n.endswith(".xml") for n in names)
        and "[content_types].xml" not in names
    )


def upload_items(data: bytes) -> Offers:
    """The price items of an uploaded ``offers.xml``, ``import.xml`` + ``offers.xml`` zip, or
    an ``offers.xml`` alone (its offers name themselves), with the warnings about goods left out;
    a :class:`CommerceMLError` in words."""
    goods_xml, offers_xml = _pair(data)
    if offers_xml is None:
        raise CommerceMLError(
            _(
                "This CommerceML file holds goods but no prices: upload offers.xml, or a zip of import.xml and offers.xml."
            )
        )
    root = parse(offers_xml, "offers.xml")
    names = sorted(set(price_types(root).values()))
    if len(names) > 1:
        raise CommerceMLError(
            _(
                "offers.xml has several price types (%(names)s): export one price type, or send it through the "
                "1C exchange, where each price type goes to its buyer."
            )
            % {"names": ", ".join(names)}
        )
    offers = read_offers(root, read_goods(goods_xml) if goods_xml else None, price_type=None)
    offers.items = [{**item, "price": _decimal(item["price"])} for item in offers.items]
    return offers


def _pair(data: bytes) -> tuple[bytes | None, bytes | None]:
    if not data.startswith(b"PK\x03\x04"):
        root = parse(data, "offers.xml")
        return (None, data) if next(walk(root, "ПакетПредложений"), None) is not None else (data, None)
    found: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        for member in zip_members(bundle, limit=MAX_XML_BYTES):
            name = PurePosixPath(member.filename).name.lower()
            if name.endswith(".xml") and name.startswith(("import", "offers")):
                found.setdefault(name[:6], bundle.read(member))
    return found.get("import"), found.get("offers")


def zip_members(bundle: zipfile.ZipFile, *, limit: int) -> Iterator[zipfile.ZipInfo]:
    """The files of a zip, refusing (before unpacking it) one that unpacks to more than ``limit``
    in all or more than ``MAX_ZIP_RATIO`` times its packed size (a zip bomb)."""
    total = 0
    for member in bundle.infolist():
        if member.is_dir():
            continue
        total += member.file_size
        if total > limit or member.file_size > MAX_ZIP_RATIO * max(member.compress_size, 1):
            raise CommerceMLError(_("The zip file unpacks to too much data; it was refused."))
        yield member


def unpack(folder: Path, *, limit: int) -> None:
    """The zips 1C sent into an exchange folder, unpacked beside them (a zip that unpacks to too
    much is refused with a ``CommerceMLError``) and removed."""
    for archive in sorted(folder.glob("*.zip")):
        with zipfile.ZipFile(archive) as bundle:
            for member in zip_members(bundle, limit=limit):
                name = PurePosixPath(member.filename.replace("\\", "/")).name
                with bundle.open(member) as source, open(folder / name, "wb") as target:
                    shutil.copyfileobj(source, target)
        archive.unlink()


def read_commerceml(src: Source, options: Options, validate: Callable[[Chunk], ParseResult]) -> Iterator[ParseResult]:
    """The importers' reader for a CommerceML upload: its offers as items, validated like the API's."""
    try:
        offers = upload_items(src.all_bytes())
    except CommerceMLError as error:
        raise FileProblem("{detail}", detail=str(error)) from None
    for result in read_items(offers.items, options, validate):
        result.warnings.extend(RowError(0, "", "", warning) for warning in offers.warnings)
        yield result


def _decimal(text: str):
    """A price as a number (so that "1.500" is never read as thousands); left as text if not one."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return value if value.is_finite() else text
