"""Polling for changes: ``?updated_since=ISO`` and ``?cursor=`` on list endpoints (CONTRACT.md).

Rows come in a stable order, ``(<stamp>, id)``, and ``next`` is an opaque cursor naming the last
row given, so a client that polls with it never misses nor repeats a change. A row whose stamp is
younger than ``SYNC_SETTLE_SECONDS`` is held back until the next poll: a transaction that took its
stamp just before the poll may commit just after it, and would otherwise land behind the cursor.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

PAGE = 100
EARLIEST = dt.datetime(1, 1, 2, tzinfo=dt.UTC)  # older asks for everything (and leaves room for the cursor's -1 µs)
PARAMETERS = [
    OpenApiParameter(
        "updated_since",
        OpenApiTypes.DATETIME,
        description="ISO 8601 time with offset: changes at or after it, oldest first, with a `next` cursor.",
    ),
    OpenApiParameter("cursor", str, description="The `next` of the previous answer: the changes after it."),
]


def changes_schema(results: dict) -> dict:
    """The schema of ``sync_response``'s answer, around the schema of its ``results`` (an array)."""
    return {
        "type": "object",
        "required": ["results", "next", "more"],
        "properties": {
            "results": results,
            "next": {"type": "string", "description": "The cursor to poll with next (the same when nothing changed)."},
            "more": {"type": "boolean", "description": "A full page: poll again at once with `next`."},
        },
    }


def _encode(stamp: dt.datetime, pk: int) -> str:
    raw = json.dumps({"t": stamp.isoformat(), "id": pk}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        stamp, pk = _utc(parse_datetime(raw["t"])), int(raw["id"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        stamp = None
    if stamp is None:
        raise serializers.ValidationError({"cursor": [_("This cursor is not one we gave out.")]})
    return stamp, pk


def _utc(stamp: dt.datetime | None) -> dt.datetime | None:
    """An aware time in UTC, or None when it is naive or out of range. In UTC because PostgreSQL
    takes offsets of at most ±15:59 and ISO 8601 allows more (-18:08 was a 500)."""
    if stamp is None or timezone.is_naive(stamp):
        return None
    try:
        return stamp.astimezone(dt.UTC)
    except OverflowError:  # year 1 minus an offset, year 9999 plus one
        return None


def _since(text: str) -> dt.datetime:
    try:
        stamp = _utc(parse_datetime(text.strip().replace(" ", "+")))  # a "+" left unescaped in a query is a space
    except ValueError:  # the form of a time, not a real one (month 13, offset +25:00)
        stamp = None
    if stamp is None:
        raise serializers.ValidationError(
            {"updated_since": [_("Give an ISO 8601 time with its offset, e.g. 2025-01-31T09:00:00+00:00.")]}
        )
    return max(stamp, EARLIEST)


def is_sync(request: Request) -> bool:
    return "updated_since" in request.query_params or "cursor" in request.query_params


def sync_response(request: Request, queryset: QuerySet, *, stamp: str, serializer_class, context=None) -> Response:
    """``{"results": [...], "next": cursor}`` of the rows changed after the cursor (or since the
    time). ``next`` is always given: the same cursor again when nothing changed."""
    settled = timezone.now() - timedelta(seconds=getattr(settings, "SYNC_SETTLE_SECONDS", 2))
    queryset = queryset.filter(**{f"{stamp}__isnull": False, f"{stamp}__lte": settled})
    cursor = request.query_params.get("cursor")
    if cursor:
        after, pk = _decode(cursor)
        queryset = queryset.filter(Q(**{f"{stamp}__gt": after}) | Q(**{stamp: after, "pk__gt": pk}))
    else:
        after, pk = _since(request.query_params.get("updated_since", "")), 0
        queryset = queryset.filter(**{f"{stamp}__gte": after})
        after -= timedelta(microseconds=1)  # the cursor of "nothing yet" lies just before the time
    rows = list(queryset.order_by(stamp, "pk")[:PAGE])
    if rows:
        after, pk = getattr(rows[-1], stamp), rows[-1].pk
    data = serializer_class(rows, many=True, context=context or {}).data
    return Response({"results": data, "next": _encode(after, pk), "more": len(rows) == PAGE})
