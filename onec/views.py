"""``/exchange/1c/``: the server side of 1C's "exchange with a website" (CommerceML 2; CONTRACT.md).

HTTP Basic: the supplier's slug and one of its API keys. Answers are plain text, one item a line,
the first being ``success``, ``progress`` or ``failure`` as 1C expects (``mode=query`` answers the
orders document itself). Files come in pieces into the supplier's exchange folder (``mode=file``
appends), may be a zip (extracted with size and ratio limits), and are read on ``mode=import``:
``import.xml`` is checked, ``offers.xml`` with it becomes price lists (``catalog``), on the task
queue when the files are big (1C is answered ``progress`` until it is done). Orders go to 1C and
come back through ``sale``. Every step that does something is a line of the exchange history.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import shutil
import zipfile
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from marketplace.actors import Actor
from marketplace.models import ApiKey
from marketplace.services import api_key_authenticate
from pricing.importers import commerceml

from . import catalog, sale, services
from .models import Exchange, ExchangeKind, ExchangeResult

COOKIE = "mk_1c"
FILE_LIMIT = 8 * 1024 * 1024  # bytes a piece; 1C splits bigger files
MAX_TOTAL = 200 * 1024 * 1024  # all files of one exchange, unpacked
FAILED_LOGINS = 10  # a minute, per address
CML_END = "</КоммерческаяИнформация>"
STALLED_AFTER = dt.timedelta(minutes=30)  # a queued import not done by then (the queue is down) fails


def _answer(*lines: str, status: int = 200) -> HttpResponse:
    return HttpResponse("\n".join(lines) + "\n", status=status, content_type="text/plain; charset=utf-8")


def _failure(reason: str, status: int = 200) -> HttpResponse:
    return _answer("failure", reason, status=status)


def _folder(api_key: ApiKey, kind: str) -> Path:
    return services.exchange_folder(api_key.organization_id, kind)


def _login(request: HttpRequest) -> ApiKey | None:
    cookie = request.COOKIES.get(COOKIE)
    if cookie:
        try:
            key_id = signing.loads(cookie, salt="exchange-1c", max_age=24 * 3600)
        except signing.BadSignature:
            key_id = None
        api_key = ApiKey.objects.usable().select_related("organization", "created_by").filter(pk=key_id).first()
        if api_key is not None:
            return api_key
    scheme, _sep, encoded = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        login, _sep, password = base64.b64decode(encoded).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    api_key = api_key_authenticate(password.strip())
    if api_key is None or api_key.organization.slug != login.strip() or not api_key.organization.is_supplier:
        return None
    return api_key


@csrf_exempt
def exchange_1c(request: HttpRequest) -> HttpResponse:
    address = request.META.get("REMOTE_ADDR", "")
    throttle = f"exchange-1c-failed:{address}"
    if (cache.get(throttle) or 0) >= FAILED_LOGINS:
        return _failure(_("Too many wrong passwords. Wait a minute and try again."), status=429)
    api_key = _login(request)
    if api_key is None:
        cache.set(throttle, (cache.get(throttle) or 0) + 1, 60)
        response = _failure(
            _("Wrong login or password: the login is the supplier's slug, the password an API key."), 401
        )
        response["WWW-Authenticate"] = 'Basic realm="1C exchange"'
        return response
    with translation.override(_language(request, api_key)):
        return _dispatch(api_key, request)


def _language(request: HttpRequest, api_key: ApiKey) -> str | None:
    """1C sends no Accept-Language: its operator reads the answers (and the page the history) in
    the language of the person who made the key, as in their emails."""
    if request.META.get("HTTP_ACCEPT_LANGUAGE") or api_key.created_by is None:
        return translation.get_language()
    return api_key.created_by.language or translation.get_language()


def _dispatch(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    kind, mode = request.GET.get("type", ""), request.GET.get("mode", "")
    if mode == "checkauth":
        return _answer("success", COOKIE, signing.dumps(api_key.pk, salt="exchange-1c"))
    handler = HANDLERS.get((kind, mode))
    if handler is None or (mode == "file" and request.method != "POST"):
        return _failure(_("Unknown request: type=%(type)s mode=%(mode)s.") % {"type": kind, "mode": mode})
    return handler(api_key, request)


def _init(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    kind = request.GET["type"]
    shutil.rmtree(_folder(api_key, kind), ignore_errors=True)
    return _answer("zip=yes", f"file_limit={FILE_LIMIT}")


def _safe_name(filename: str) -> str:
    return Path(filename.replace("\\", "/")).name


def _receive(api_key: ApiKey, request: HttpRequest) -> Path | HttpResponse:
    """Append the body to its file in the exchange folder: the file, or a failure to answer."""
    name = _safe_name(request.GET.get("filename", ""))
    if not name:
        return _failure(_("No filename given."))
    folder = _folder(api_key, request.GET["type"])
    folder.mkdir(parents=True, exist_ok=True)
    used = sum(path.stat().st_size for path in folder.iterdir() if path.is_file())
    body = request.body
    if used + len(body) > MAX_TOTAL:
        return _failure(_("The files of this exchange exceed %(mb)s MB.") % {"mb": MAX_TOTAL // 1024 // 1024})
    with open(folder / name, "ab") as target:  # 1C sends a big file in pieces, in order
        target.write(body)
    return folder / name


def _catalog_file(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    received = _receive(api_key, request)
    return received if isinstance(received, HttpResponse) else _answer("success")


def _unzip(folder: Path) -> None:
    for archive in sorted(folder.glob("*.zip")):
        with zipfile.ZipFile(archive) as bundle:
            for member in commerceml.zip_members(bundle, limit=MAX_TOTAL):
                with bundle.open(member) as source, open(folder / _safe_name(member.filename), "wb") as target:
                    shutil.copyfileobj(source, target)
        archive.unlink()


def _record(api_key: ApiKey, request: HttpRequest, outcome: catalog.Outcome) -> HttpResponse:
    services.exchange_record(
        actor=Actor.of_api_key(api_key),
        kind=request.GET.get("type", ""),
        mode=request.GET.get("mode", ""),
        filename=_safe_name(request.GET.get("filename", "")),
        result=outcome.result,
        items=outcome.items,
        message=outcome.message,
    )
    return _answer(outcome.result, *outcome.lines)


def _catalog_import(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    folder = _folder(api_key, ExchangeKind.CATALOG)
    name = _safe_name(request.GET.get("filename", ""))
    pending = _pending(api_key, name)
    if pending is not None:
        return pending
    try:
        _unzip(folder)
    except (commerceml.CommerceMLError, zipfile.BadZipFile) as error:
        return _record(api_key, request, catalog.Outcome("failure", [str(error)]))
    path = folder / name
    if not name or not path.is_file():
        return _failure(_("%(file)s was not received; send it with mode=file first.") % {"file": name})
    if not name.startswith("offers"):
        return _record(api_key, request, catalog.read_goods(path=path))
    goods_path = catalog.goods_file(folder, name)
    if not goods_path.is_file():
        return _record(
            api_key,
            request,
            catalog.Outcome("failure", [_("offers.xml came before import.xml: send import.xml first.")]),
        )
    if path.stat().st_size + goods_path.stat().st_size > settings.PRICE_LIST_INLINE_BYTES:
        return _queue(api_key, name)
    outcome = catalog.publish(actor=Actor.of_api_key(api_key), goods_path=goods_path, offers_path=path)
    return _record(api_key, request, outcome)


def _queue(api_key: ApiKey, name: str) -> HttpResponse:
    """A big file is read on the task queue; 1C calls import again and is told ``progress``."""
    from .tasks import import_offers

    exchange = services.exchange_record(
        actor=Actor.of_api_key(api_key),
        kind=ExchangeKind.CATALOG,
        mode="import",
        filename=name,
        result=ExchangeResult.PROGRESS,
        answered=False,
        message=_("Queued for import."),
    )
    transaction.on_commit(lambda: import_offers(exchange.pk))
    return _answer("progress", _("The file is large; it is being imported. Ask again in a moment."))


def _pending(api_key: ApiKey, name: str) -> HttpResponse | None:
    """The answer of a background import of ``name`` not yet given to 1C: ``progress`` while it
    runs, then its result, once."""
    exchange = (
        Exchange.objects.filter(supplier=api_key.organization, kind=ExchangeKind.CATALOG, filename=name)
        .filter(answered=False)
        .order_by("-created_at", "-id")
        .first()
    )
    if exchange is None:
        return None
    if exchange.result == ExchangeResult.PROGRESS and timezone.now() - exchange.created_at > STALLED_AFTER:
        services.exchange_finish(
            exchange=exchange,
            result=ExchangeResult.FAILURE,
            message=_("The import did not finish in time; run the exchange again."),
        )
        exchange.refresh_from_db()
    if exchange.result == ExchangeResult.PROGRESS:
        return _answer("progress", _("Still importing %(file)s.") % {"file": name})
    Exchange.objects.filter(pk=exchange.pk).update(answered=True)
    return _answer(exchange.result, *exchange.message.splitlines())


def _sale_query(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    supplier = api_key.organization
    queried_at = timezone.now()
    mark = services.settings_for(supplier).orders_mark
    orders = list(sale.orders_for_1c(supplier=supplier, mark=mark, api_key=api_key))
    services.orders_queried(supplier=supplier, at=queried_at)
    services.exchange_record(
        actor=Actor.of_api_key(api_key),
        kind=ExchangeKind.SALE,
        mode="query",
        result=ExchangeResult.SUCCESS,
        orders=len(orders),
        message=_("Orders sent: %(n)s.") % {"n": len(orders)},
    )
    return HttpResponse(sale.orders_document(orders), content_type="application/xml; charset=utf-8")


def _sale_success(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    services.orders_acknowledged(supplier=api_key.organization)
    services.exchange_record(
        actor=Actor.of_api_key(api_key), kind=ExchangeKind.SALE, mode="success", result=ExchangeResult.SUCCESS
    )
    return _answer("success")


def _sale_file(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    """1C's order documents: applied once the file is whole (the older protocol sends it with
    ``mode=file`` alone; a piece that does not yet end the document waits for the next)."""
    received = _receive(api_key, request)
    if isinstance(received, HttpResponse):
        return received
    if not _whole(received):
        return _answer("success")
    return _sale_apply(api_key, request, received)


def _sale_import(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    """The newer protocol: ``mode=import`` after the pieces."""
    path = _folder(api_key, ExchangeKind.SALE) / _safe_name(request.GET.get("filename", ""))
    if not path.is_file():
        return _answer("success")  # applied already when its last piece came
    return _sale_apply(api_key, request, path)


def _whole(path: Path) -> bool:
    """Whether the file has come to its end: the closing root tag of the XML, or a zip's end of
    central directory record (which sits within its last 64 KB + 22 bytes)."""
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - 65_557))
        tail = handle.read()
    if path.suffix.lower() == ".zip":
        return b"PK\x05\x06" in tail
    return any(CML_END in tail[-200:].decode(encoding, "ignore") for encoding in ("utf-8", "cp1251"))


def _sale_apply(api_key: ApiKey, request: HttpRequest, path: Path) -> HttpResponse:
    folder = path.parent
    try:
        _unzip(folder)
        documents = [folder / path.name] if path.suffix.lower() != ".zip" else sorted(folder.glob("*.xml"))
        results = [sale.documents_apply(actor=Actor.of_api_key(api_key), data=doc.read_bytes()) for doc in documents]
    except (zipfile.BadZipFile, commerceml.CommerceMLError) as error:
        return _record(api_key, request, catalog.Outcome("failure", [str(error)]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    applied, refused = sum(r.applied for r in results), sum(r.refused for r in results)
    lines = [
        _("Orders read: %(orders)s; moves applied: %(applied)s; refused: %(refused)s.")
        % {"orders": sum(r.orders for r in results), "applied": applied, "refused": refused},
        *(line for r in results for line in r.lines),
    ]
    services.exchange_record(
        actor=Actor.of_api_key(api_key),
        kind=ExchangeKind.SALE,
        mode=request.GET.get("mode", ""),
        filename=path.name,
        result=ExchangeResult.SUCCESS,
        orders=sum(r.orders for r in results),
        applied=applied,
        refused=refused,
        message="\n".join(lines),
    )
    return _answer("success", *lines)


HANDLERS = {
    ("catalog", "init"): _init,
    ("catalog", "file"): _catalog_file,
    ("catalog", "import"): _catalog_import,
    ("sale", "init"): _init,
    ("sale", "query"): _sale_query,
    ("sale", "success"): _sale_success,
    ("sale", "file"): _sale_file,
    ("sale", "import"): _sale_import,
}
