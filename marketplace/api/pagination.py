"""Paged lists of the API: ``{count, next, previous, results}``, and the change feed of
``marketplace.api.sync`` on lists that take ``?updated_since=`` / ``?cursor=``.

Function views (``@api_view``) have no pagination class of their own: ``@paged`` gives them one,
so that the OpenAPI schema wraps their list in the envelope they really answer.
"""

from __future__ import annotations

from rest_framework import pagination
from rest_framework.request import Request
from rest_framework.response import Response


class Pagination(pagination.PageNumberPagination):
    """Every paged list of the API: ``?page=``, 50 rows a page."""


class SyncPagination(Pagination):
    """A paged list that also answers the change feed (``?updated_since=`` / ``?cursor=``)."""

    def get_paginated_response_schema(self, schema):
        from .sync import changes_schema  # here: DRF loads this module from its settings, before drf-spectacular

        page = super().get_paginated_response_schema(schema)
        if not isinstance(schema, dict):  # drf-spectacular wrapping an example: shown as a page
            return page
        # Titles name the two shapes in generated clients (OrderPage, OrderFeed).
        name = schema.get("items", {}).get("$ref", "").rsplit("/", 1)[-1]
        changes = changes_schema(schema)
        if name:
            page, changes = {"title": f"{name}Page", **page}, {"title": f"{name}Feed", **changes}
        return {"oneOf": [page, changes]}


def paged(view=None, *, sync: bool = False):
    """Marks a function view (``@api_view``) as answering its list in pages, so that the schema says
    so. Put it above ``@extend_schema``; the view answers with ``page_response``."""

    def mark(view):
        view.cls.pagination_class = SyncPagination if sync else Pagination
        return view

    return mark(view) if view is not None else mark


def page_response(request: Request, queryset, serializer_class, *, context=None) -> Response:
    """One page of ``queryset`` as ``{count, next, previous, results}``."""
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response(serializer_class(page, many=True, context=context or {}).data)
