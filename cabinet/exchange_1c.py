"""``type=sale`` of the 1C exchange (registered with ``marketplace.exchange``, see there): the
supplier's new or changed orders go to 1C as CommerceML documents (``mode=query``), ``mode=success``
moves the mark, and 1C's documents come back (``mode=file``, or ``mode=import`` after the pieces)
with the state moves they carry (``cabinet.commerceml``)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.actors import Actor
from marketplace.exchange import protocol
from marketplace.exchange.services import exchange_record
from marketplace.models import ApiKey, ExchangeKind, ExchangeResult
from pricing.importers import commerceml as reader

from . import commerceml, services

KIND = ExchangeKind.SALE
CML_END = "</КоммерческаяИнформация>"


def _query(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    supplier = api_key.organization
    queried_at = timezone.now()
    mark = services.order_exchange_mark(supplier).mark
    orders = list(commerceml.orders_for_1c(supplier=supplier, mark=mark, api_key=api_key))
    services.order_exchange_queried(supplier=supplier, at=queried_at)
    exchange_record(
        actor=Actor.of_api_key(api_key),
        kind=KIND,
        mode="query",
        result=ExchangeResult.SUCCESS,
        orders=len(orders),
        message=_("Orders sent: %(n)s.") % {"n": len(orders)},
    )
    return HttpResponse(commerceml.orders_document(orders), content_type="application/xml; charset=utf-8")


def _success(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    services.order_exchange_acknowledged(supplier=api_key.organization)
    exchange_record(actor=Actor.of_api_key(api_key), kind=KIND, mode="success", result=ExchangeResult.SUCCESS)
    return protocol.answer("success")


def _file(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    """1C's order documents: applied once the file is whole (the older protocol sends it with
    ``mode=file`` alone; a piece that does not yet end the document waits for the next)."""
    received = protocol.receive(api_key, request)
    if isinstance(received, HttpResponse):
        return received
    if not _whole(received):
        return protocol.answer("success")
    return _apply(api_key, request, received)


def _import(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    """The newer protocol: ``mode=import`` after the pieces."""
    path = protocol.folder(api_key, KIND) / protocol.safe_name(request.GET.get("filename", ""))
    if not path.is_file():
        return protocol.answer("success")  # applied already when its last piece came
    return _apply(api_key, request, path)


def _whole(path: Path) -> bool:
    """Whether the file has come to its end: the closing root tag of the XML, or a zip's end of
    central directory record (which sits within its last 64 KB + 22 bytes)."""
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - 65_557))
        tail = handle.read()
    if path.suffix.lower() == ".zip":
        return b"PK\x05\x06" in tail
    return any(CML_END in tail[-200:].decode(encoding, "ignore") for encoding in ("utf-8", "cp1251"))


def _apply(api_key: ApiKey, request: HttpRequest, path: Path) -> HttpResponse:
    folder = path.parent
    try:
        reader.unpack(folder, limit=protocol.MAX_TOTAL)
        documents = [folder / path.name] if path.suffix.lower() != ".zip" else sorted(folder.glob("*.xml"))
        actor = Actor.of_api_key(api_key)
        results = [commerceml.documents_apply(actor=actor, data=doc.read_bytes()) for doc in documents]
    except (zipfile.BadZipFile, reader.CommerceMLError) as error:
        return protocol.record(api_key, request, protocol.Outcome("failure", [str(error)]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    applied, refused = sum(r.applied for r in results), sum(r.refused for r in results)
    lines = [
        _("Orders read: %(orders)s; moves applied: %(applied)s; refused: %(refused)s.")
        % {"orders": sum(r.orders for r in results), "applied": applied, "refused": refused},
        *(line for r in results for line in r.lines),
    ]
    exchange_record(
        actor=Actor.of_api_key(api_key),
        kind=KIND,
        mode=request.GET.get("mode", ""),
        filename=path.name,
        result=ExchangeResult.SUCCESS,
        orders=sum(r.orders for r in results),
        applied=applied,
        refused=refused,
        message="\n".join(lines),
    )
    return protocol.answer("success", *lines)


HANDLERS = {"query": _query, "success": _success, "file": _file, "import": _import}
