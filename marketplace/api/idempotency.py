"""``Idempotency-Key`` on every API POST (CONTRACT.md): the same key and body within 24 hours
answers the first answer again and does nothing; the same key with another body is a 422.

A middleware, so that every POST of ``/api/`` gets it without each view opting in. Keys belong to
the credentials that sent them (a hash of the Authorization header), so two organizations may
use the same key. Answers that did nothing are not kept (401, 429, 5xx): the client may retry them.
"""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import IdempotentRequest

HEADER = "HTTP_IDEMPOTENCY_KEY"
KEPT_FOR = timedelta(hours=24)
NOT_KEPT = {401, 429}


def _fingerprint(request: HttpRequest, body: bytes) -> str:
    content_type = request.META.get("CONTENT_TYPE", "")
    media, _sep, params = content_type.partition(";")
    if "boundary=" in params:  # each client picks its own multipart boundary: the same form is the same
        boundary = params.split("boundary=", 1)[1].split(";")[0].strip().strip('"')
        body = body.replace(boundary.encode("latin-1"), b"")
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), media.strip().encode(), body):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _replay(record: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type or None)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER, "").strip()
        credentials = request.META.get("HTTP_AUTHORIZATION", "")
        if request.method != "POST" or not key or not credentials or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 255:
            return JsonResponse({"detail": _("An Idempotency-Key may be at most 255 characters.")}, status=400)
        # read(), not .body: .body refuses more than DATA_UPLOAD_MAX_MEMORY_SIZE, which a price-list
        # file under its own limit may be (the whole body is bounded by REQUEST_MAX_BYTES already)
        body = request.read()
        request._body, request._stream = body, io.BytesIO(body)  # the view reads the body again
        scope = hashlib.sha256(credentials.encode()).hexdigest()
        fingerprint = _fingerprint(request, body)
        IdempotentRequest.objects.filter(scope=scope, key=key, created_at__lt=timezone.now() - KEPT_FOR).delete()
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(scope=scope, key=key, fingerprint=fingerprint)
        except IntegrityError:
            first = IdempotentRequest.objects.filter(scope=scope, key=key).first()
            if first is None:  # expired between the two queries
                return self.get_response(request)
            if first.fingerprint != fingerprint:
                return JsonResponse(
                    {"detail": _("This Idempotency-Key was already used with another request. Use a new key.")},
                    status=422,
                )
            if first.status_code is None:
                return JsonResponse(
                    {"detail": _("A request with this Idempotency-Key is still being processed. Try again shortly.")},
                    status=409,
                )
            return _replay(first)
        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        if response.status_code >= 500 or response.status_code in NOT_KEPT or response.streaming:
            record.delete()
            return response
        record.status_code = response.status_code
        record.content_type = response.get("Content-Type", "")
        record.body = response.content
        record.save(update_fields=["status_code", "content_type", "body"])
        return response
