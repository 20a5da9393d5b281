"""``/exchange/1c/``: the server side of 1C's "exchange with a website" (CommerceML 2; CONTRACT.md).

HTTP Basic: the supplier's slug and one of its API keys. Answers are plain text, one item a line,
the first being ``success``, ``progress`` or ``failure`` as 1C expects. Files come in pieces into
the supplier's exchange folder (``mode=file`` appends), may be a zip (extracted with size and
ratio limits), and are read on ``mode=import``: ``import.xml`` is checked, ``offers.xml`` with it
becomes a price list published through ``pricing.services`` as channel ``1c``.
"""

from __future__ import annotations

import base64
import binascii
import shutil
import zipfile
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .actors import Actor
from .models import ApiKey
from .proxies import client_ip
from .services import api_key_authenticate

COOKIE = "mk_1c"
FILE_LIMIT = 8 * 1024 * 1024  # bytes a piece; 1C splits bigger files
MAX_TOTAL = 200 * 1024 * 1024  # all files of one exchange, unpacked
MAX_RATIO = 100  # unpacked size / packed size of a zip member
FAILED_LOGINS = 10  # a minute, per address


def _answer(*lines: str, status: int = 200) -> HttpResponse:
    return HttpResponse("\n".join(lines) + "\n", status=status, content_type="text/plain; charset=utf-8")


def _failure(reason: str, status: int = 200) -> HttpResponse:
    return _answer("failure", reason, status=status)


def _folder(api_key: ApiKey) -> Path:
    return Path(settings.MEDIA_ROOT) / "exchange_1c" / str(api_key.organization_id)


def _login(request: HttpRequest) -> ApiKey | None:
    cookie = request.COOKIES.get(COOKIE)
    if cookie:
        try:
            key_id = signing.loads(cookie, salt="exchange-1c", max_age=24 * 3600)
        except signing.BadSignature:
            key_id = None
        api_key = ApiKey.objects.usable().select_related("organization").filter(pk=key_id).first()
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
    address = client_ip(request)
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
    kind, mode = request.GET.get("type", ""), request.GET.get("mode", "")
    if mode == "checkauth":
        return _answer("success", COOKIE, signing.dumps(api_key.pk, salt="exchange-1c"))
    if kind == "catalog":
        if mode == "init":
            shutil.rmtree(_folder(api_key), ignore_errors=True)
            return _answer("zip=yes", f"file_limit={FILE_LIMIT}")
        if mode == "file" and request.method == "POST":
            return _receive(api_key, request)
        if mode == "import":
            return _import(api_key, request.GET.get("filename", ""))
    return _failure(_("Unknown request: type=%(type)s mode=%(mode)s.") % {"type": kind, "mode": mode})


def _safe_name(filename: str) -> str:
    return Path(filename.replace("\\", "/")).name


def _receive(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    name = _safe_name(request.GET.get("filename", ""))
    if not name:
        return _failure(_("No filename given."))
    folder = _folder(api_key)
    folder.mkdir(parents=True, exist_ok=True)
    used = sum(path.stat().st_size for path in folder.iterdir() if path.is_file())
    body = request.body
    if used + len(body) > MAX_TOTAL:
        return _failure(_("The files of this exchange exceed %(mb)s MB.") % {"mb": MAX_TOTAL // 1024 // 1024})
    with open(folder / name, "ab") as target:  # 1C sends a big file in pieces, in order
        target.write(body)
    return _answer("success")


def _unzip(folder: Path) -> None:
    for archive in sorted(folder.glob("*.zip")):
        with zipfile.ZipFile(archive) as bundle:
            total = 0
            for member in bundle.infolist():
                if member.is_dir():
                    continue
                total += member.file_size
                ratio = member.file_size / max(member.compress_size, 1)
                if total > MAX_TOTAL or ratio > MAX_RATIO:
                    raise ValidationError(_("The zip file unpacks to too much data; it was refused."))
                with bundle.open(member) as source, open(folder / _safe_name(member.filename), "wb") as target:
                    shutil.copyfileobj(source, target)
        archive.unlink()


def _import(api_key: ApiKey, filename: str) -> HttpResponse:
    from pricing.importers import commerceml
    from pricing.services import ImportRejected, price_list_import

    folder = _folder(api_key)
    try:
        _unzip(folder)
    except (ValidationError, zipfile.BadZipFile) as error:
        return _failure(" ".join(getattr(error, "messages", [str(error)])))
    name = _safe_name(filename)
    path = folder / name
    if not path.is_file():
        return _failure(_("%(file)s was not received; send it with mode=file first.") % {"file": name})
    goods_path = folder / "import.xml"
    try:
        if name.startswith("import"):
            commerceml.read_goods(path.read_bytes())
            return _answer("success")
        if not goods_path.is_file():
            return _failure(_("offers.xml came before import.xml: send import.xml first."))
        goods = commerceml.read_goods(goods_path.read_bytes())
        offers = commerceml.read_offers(path.read_bytes(), goods, price_type=None)
    except commerceml.CommerceMLError as error:
        return _failure(str(error))
    if not offers.items:
        return _failure(_("offers.xml has no goods with a price; nothing was published."))
    try:
        price_list = price_list_import(actor=Actor.of_api_key(api_key), items=offers.items, channel="1c")
    except ImportRejected as error:
        lines = [f"{row.get('row')}: {row.get('message')}" for row in list(error.rows)[:10]]
        return _answer("failure", _("The price list has errors; nothing was published."), *lines)
    except ValidationError as error:
        return _failure(" ".join(error.messages))
    return _answer("success", _("Price list version %(v)s published.") % {"v": price_list.version}, *offers.warnings)


def page_context(request: HttpRequest) -> dict:
    organization = request.organization
    if not organization.is_supplier:
        return {}
    return {"exchange": {"address": request.build_absolute_uri(reverse("exchange_1c")), "login": organization.slug}}
