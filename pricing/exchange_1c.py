"""``type=catalog`` of the 1C exchange (registered with ``marketplace.exchange``, see there): goods
and prices come in pieces (``mode=file``) and are read on ``mode=import``: ``import.xml`` is checked,
``offers.xml`` with it becomes price lists (``services.exchange``), on the task queue when the files
are big (1C is answered ``progress`` until it is done). Also the price-type part of the 1C section
of the Integrations page."""

from __future__ import annotations

import zipfile

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from marketplace.actors import Actor
from marketplace.exchange import protocol
from marketplace.exchange.services import exchange_record
from marketplace.models import ApiKey, ExchangeKind, ExchangeResult

from .forms import PriceTypesForm
from .importers import commerceml
from .services import exchange
from .tasks import import_offers_1c

KIND = ExchangeKind.CATALOG


def _file(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    received = protocol.receive(api_key, request)
    return received if isinstance(received, HttpResponse) else protocol.answer("success")


def _import(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    folder = protocol.folder(api_key, KIND)
    name = protocol.safe_name(request.GET.get("filename", ""))
    pending = protocol.pending(api_key, KIND, name)
    if pending is not None:
        return pending
    try:
        commerceml.unpack(folder, limit=protocol.MAX_TOTAL)
    except (commerceml.CommerceMLError, zipfile.BadZipFile) as error:
        return protocol.record(api_key, request, protocol.Outcome("failure", [str(error)]))
    path = folder / name
    if not name or not path.is_file():
        return protocol.failure(_("%(file)s was not received; send it with mode=file first.") % {"file": name})
    if not name.startswith("offers"):
        return protocol.record(api_key, request, exchange.read_goods(path=path))
    goods_path = exchange.goods_file(folder, name)
    if not goods_path.is_file():
        return protocol.record(
            api_key,
            request,
            protocol.Outcome("failure", [_("offers.xml came before import.xml: send import.xml first.")]),
        )
    if path.stat().st_size + goods_path.stat().st_size > settings.PRICE_LIST_INLINE_BYTES:
        return _queue(api_key, name)
    outcome = exchange.publish(actor=Actor.of_api_key(api_key), goods_path=goods_path, offers_path=path)
    return protocol.record(api_key, request, outcome)


def _queue(api_key: ApiKey, name: str) -> HttpResponse:
    """A big file is read on the task queue; 1C calls import again and is told ``progress``."""
    queued = exchange_record(
        actor=Actor.of_api_key(api_key),
        kind=KIND,
        mode="import",
        filename=name,
        result=ExchangeResult.PROGRESS,
        answered=False,
        message=_("Queued for import."),
    )
    transaction.on_commit(lambda: import_offers_1c(queued.pk))
    return protocol.answer("progress", _("The file is large; it is being imported. Ask again in a moment."))


HANDLERS = {"file": _file, "import": _import}


def integrations_part(request: HttpRequest) -> dict:
    """Which price type goes to which buyer, in the 1C section of the Integrations page."""
    return {"template": "pricing/_exchange_1c_price_types.html", "form": PriceTypesForm(supplier=request.organization)}
