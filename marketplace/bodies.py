"""Request bodies: a ceiling on their size checked before anything reads them, and a clear answer
to one that is too big or cannot be parsed (issue 10, finding 3).

Three layers, outermost first:

1. The reverse proxy (``deploy/nginx.conf``: ``client_max_body_size``) refuses a body before daphne
   sees it; daphne itself buffers whatever it is sent before the application runs.
2. ``BodyLimit``, around the ASGI application: a request whose ``Content-Length`` is over
   ``REQUEST_MAX_BYTES`` is handed to Django with an empty body, never reading the client's; one
   without a length (chunked) is read only up to the limit. Either way it is marked as refused.
3. ``BodyLimitMiddleware`` answers a refused request with 413 (JSON on ``/api/``, a page
   elsewhere), also under WSGI, before CSRF or a view parses the body; ``bad_request`` (the URLconf's
   ``handler400``) answers bodies Django could not parse, or had too many fields, the same way.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

REFUSED = "marketplace.body_refused"  # the ASGI scope's mark of a body that was not read


def limit() -> int:
    return settings.REQUEST_MAX_BYTES


class BodyLimit:
    """ASGI middleware for the HTTP application: a body over ``REQUEST_MAX_BYTES`` is not read."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = _content_length(scope)
        if length is not None and length > limit():
            scope = _refused(scope, length)
        return await self.app(scope, _counting(scope, receive), send)


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _refused(scope, size: int | None) -> dict:
    headers = [(n, v) for n, v in scope.get("headers", []) if n.lower() not in (b"content-length", b"content-type")]
    return {**scope, "headers": [*headers, (b"content-length", b"0")], REFUSED: size or limit() + 1}


def _counting(scope, receive):
    """``receive`` that hands on at most ``REQUEST_MAX_BYTES`` of body: past them (a body without a
    length, chunked), the request is marked refused and ends there, and the client's further body
    is skipped, never read into Django (whose handler reads a whole body before it builds the
    request). Later calls wait for the disconnect as Django expects."""
    seen = 0
    ended = False

    async def counted():
        nonlocal seen, ended
        if ended:
            while (message := await receive())["type"] == "http.request":
                pass  # the rest of a refused body: dropped
            return message
        if REFUSED in scope:
            ended = True
            return {"type": "http.request", "body": b"", "more_body": False}
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit():
                scope[REFUSED] = seen
                ended = True
                return {"type": "http.request", "body": b"", "more_body": False}
            ended = not message.get("more_body", False)
        return message

    return counted


class BodyLimitMiddleware:
    """A refused body (``BodyLimit``) or, under WSGI, a ``Content-Length`` over the limit: 413."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        size = getattr(request, "scope", {}).get(REFUSED)
        if size is None:
            try:
                size = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                size = 0
            if size <= limit():
                return self.get_response(request)
        return refusal(request, 413, too_large_message(size))


def too_large_message(size: int) -> str:
    return _("The request is %(size)s; the limit is %(limit)s.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(limit()),
    }


def refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """The API's ``{"detail": ...}`` on ``/api/``, the 1C exchange's plain "failure" lines on
    ``/exchange/``, a page of the site elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    if request.path.startswith("/exchange/"):
        return HttpResponse(f"failure\n{message}", status=status, content_type="text/plain; charset=utf-8")
    page = render_to_string("request_refused.html", {"message": message, "status": status}, request=request)
    return HttpResponse(page, status=status)


def body_problem(exception: BaseException | None) -> tuple[int, str] | None:
    """The status and words for a body Django could not take (None: not a body problem)."""
    if isinstance(exception, RequestDataTooBig):  # JSON, or form fields: read in memory whole
        return 413, _(
            "The request's data (besides files) is over the limit of %(limit)s; send a big price list as a file."
        ) % {"limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
    if isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        return 400, _("The form sent too many fields or files.")
    if isinstance(exception, MultiPartParserError):
        return 400, _("The form data could not be read (a malformed multipart body). Send the form again.")
    return None


def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    """``handler400``: what was wrong, in the site's words (JSON on ``/api/``), never a bare 400."""
    status, message = body_problem(exception) or (400, _("The request could not be understood."))
    return refusal(request, status, message)
