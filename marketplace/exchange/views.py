"""``/exchange/1c/``: the server side of 1C's "exchange with a website" (CommerceML 2; CONTRACT.md).

HTTP Basic: the supplier's slug and one of its API keys (then the cookie ``checkauth`` gives).
``mode=checkauth`` and ``mode=init`` are answered here for every ``type=``; the other modes go to
the handlers the apps register (``<app>/exchange_1c.py``: ``KIND`` and ``HANDLERS``, found through
``marketplace.hooks`` as dashboard cards are, so this module names no app): ``pricing`` handles
``type=catalog``, ``cabinet`` ``type=sale``.
"""

from __future__ import annotations

import base64
import binascii
import shutil
from functools import cache

from django.core import signing
from django.core.cache import cache as django_cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from marketplace.hooks import capability_modules
from marketplace.models import ApiKey
from marketplace.proxies import client_ip
from marketplace.services import api_key_authenticate

from .protocol import FILE_LIMIT, Handler, answer, failure, folder

COOKIE = "mk_1c"
FAILED_LOGINS = 10  # a minute, per address


@cache
def handlers() -> dict[tuple[str, str], Handler]:
    """``(type, mode)`` → handler: ``init`` for each type an app handles, and the app's own modes."""
    found: dict[tuple[str, str], Handler] = {}
    for _app, module in capability_modules("exchange_1c"):
        found[(module.KIND, "init")] = _init
        found.update({(module.KIND, mode): handler for mode, handler in module.HANDLERS.items()})
    return found


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
    address = client_ip(request)
    throttle = f"exchange-1c-failed:{address}"
    if (django_cache.get(throttle) or 0) >= FAILED_LOGINS:
        return failure(_("Too many wrong passwords. Wait a minute and try again."), status=429)
    api_key = _login(request)
    if api_key is None:
        django_cache.set(throttle, (django_cache.get(throttle) or 0) + 1, 60)
        response = failure(
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
        return answer("success", COOKIE, signing.dumps(api_key.pk, salt="exchange-1c"))
    handler = handlers().get((kind, mode))
    if handler is None or (mode == "file" and request.method != "POST"):
        return failure(_("Unknown request: type=%(type)s mode=%(mode)s.") % {"type": kind, "mode": mode})
    return handler(api_key, request)


def _init(api_key: ApiKey, request: HttpRequest) -> HttpResponse:
    shutil.rmtree(folder(api_key, request.GET["type"]), ignore_errors=True)
    return answer("zip=yes", f"file_limit={FILE_LIMIT}")
