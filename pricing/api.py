"""``/api/v1/price-lists/``, ``/api/v1/offers/`` and ``/api/v1/integrations/1c/`` (which 1C price
type is published to which buyer) as CONTRACT.md states them."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.api import sync
from marketplace.api.pagination import page_response, paged
from marketplace.api.permissions import IsBuyer, IsOrganizationMember, IsSupplier
from marketplace.api.schema import ErrorSerializer, RowError
from marketplace.api.serializers import StrictSerializerMixin
from marketplace.models import Perm
from marketplace.selectors import active_buyers
from marketplace.tenancy import fetch, require

from . import selectors, services
from .forms import currency_input, no_such_buyer
from .importers import FRAME_COLUMNS
from .importers.results import REQUIRED_FIELDS
from .models import MONEY_DIGITS, MONEY_PLACES, QTY_DIGITS, QTY_PLACES, PriceItem, PriceList, PriceUpload
from .services import exchange


class PriceListSerializer(serializers.ModelSerializer):
    supplier = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    buyer = serializers.SlugRelatedField(source="audience", slug_field="slug", read_only=True, allow_null=True)
    uploaded_by = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()

    class Meta:
        model = PriceList
        fields = [
            "id", "supplier", "version", "status", "mode", "currency", "valid_from", "valid_to", "buyer", "channel",
            "uploaded_by", "rows", "changes", "published_at",
        ]  # fmt: skip

    def get_uploaded_by(self, obj) -> str | None:
        return obj.uploaded_by.email if obj.uploaded_by_id else None

    def get_changes(self, obj) -> dict:
        return {"added": obj.added, "removed": obj.removed, "price_up": obj.price_up, "price_down": obj.price_down}


class PriceItemSerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    min_qty = serializers.DecimalField(max_digits=QTY_DIGITS, decimal_places=QTY_PLACES)

    class Meta:
        model = PriceItem
        fields = list(FRAME_COLUMNS)  # a price list's columns, as every reader of the importers gives them


class OfferSerializer(PriceItemSerializer):
    supplier = serializers.CharField(source="price_list.supplier.slug")
    supplier_name = serializers.CharField(source="price_list.supplier.name")
    supplier_sku = serializers.CharField(source="sku")
    price_list = serializers.IntegerField(source="price_list_id")

    class Meta(PriceItemSerializer.Meta):
        fields = [
            "supplier", "supplier_name", "supplier_sku", "name", "unit", "price", "currency", "min_qty", "valid_from",
            "valid_to", "lead_time_days", "price_list",
        ]  # fmt: skip


class PriceListUploadSerializer(StrictSerializerMixin, serializers.Serializer):
    file = serializers.FileField(required=False)
    items = serializers.ListField(child=serializers.JSONField(), required=False, allow_empty=True)
    currency = serializers.CharField(required=False, allow_blank=True, max_length=3)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_to = serializers.DateField(required=False, allow_null=True)
    buyer = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    mode = serializers.ChoiceField(choices=["full", "partial"], required=False, default="full")

    def validate_currency(self, value: str) -> str:
        return currency_input(value)

    def validate(self, attrs):
        if ("file" in attrs) == ("items" in attrs):
            raise serializers.ValidationError(_("Send either a file or a list of items."))
        return attrs


@extend_schema_field(OpenApiTypes.BINARY)
class UploadFileField(serializers.FileField):
    """A file field that the schema shows as the file's bytes (a multipart part)."""


def _upload_schema(name: str, body: str, field) -> serializers.Serializer:
    """The schema of one form of the upload (a multipart ``file`` or JSON ``items``): the upload
    serializer's other fields with that one, so that each media type documents its own body."""
    fields = {
        n: copy.deepcopy(f) for n, f in PriceListUploadSerializer().get_fields().items() if n not in ("file", "items")
    }
    return inline_serializer(name, {body: field, **fields})


def _item_input_schema() -> serializers.Serializer:
    """An item of a JSON upload: a row's columns, of which only sku, name and price are required."""
    fields = {
        name: field.__class__(*field._args, **{**field._kwargs, "required": name in REQUIRED_FIELDS})
        for name, field in PriceItemSerializer().get_fields().items()
        if name != "row"
    }
    return inline_serializer("PriceItemInput", fields)


POLL_AFTER_S = 2  # a queued upload's Retry-After


def _row_errors(rows: list[dict]) -> list[dict]:
    return [
        {"row": row.get("row") or None, "column": row.get("column") or None, "message": row.get("message")}
        for row in rows
    ]


def _field_errors(detail: dict) -> list[dict]:
    """A serializer's errors as the contract's rows; the errors of ``items`` come keyed by the
    item's index (``{1: [...]}``): that is the item's row (1-based), as the importer numbers them."""
    errors = []
    for field, messages in detail.items():
        column = None if field == "non_field_errors" else field
        if field == "items" and isinstance(messages, dict):
            for index, item_messages in messages.items():
                errors.extend(
                    {"row": int(index) + 1, "column": None, "message": str(message)}
                    for message in _messages(item_messages)
                )
            continue
        errors.extend({"row": None, "column": column, "message": str(message)} for message in _messages(messages))
    return errors


def _messages(detail) -> list:
    """The messages of a nested error detail, flattened (never a Python repr)."""
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [detail]


PRICE_LIST = {
    "id": 42, "supplier": "steel-works", "version": 7, "status": "active", "mode": "full", "currency": "RUB",
    "valid_from": "2025-03-01", "valid_to": None, "buyer": None, "channel": "api", "uploaded_by": None, "rows": 1250,
    "changes": {"added": 12, "removed": 3, "price_up": 40, "price_down": 5}, "published_at": "2025-03-01T09:00:00+03:00",
}  # fmt: skip
PRICE_ITEM = {
    "row": 2, "sku": "RB-12", "name": "Rebar A500C 12 mm", "unit": "t", "price": "61200.0000", "currency": "RUB",
    "min_qty": "1.000", "valid_from": None, "valid_to": None, "lead_time_days": 3,
}  # fmt: skip


@paged(sync=True)
@extend_schema(
    methods=["GET"],
    summary="List price-list versions",
    description="The versions this organization may see: a supplier its own, a buyer those offered to it; newest "
    "first. With `updated_since` or `cursor`, the versions published since, oldest first (the change feed).",
    examples=[OpenApiExample("Versions", PRICE_LIST, response_only=True)],
    responses=PriceListSerializer(many=True),
    parameters=[OpenApiParameter("status", str, description="active | superseded"), *sync.PARAMETERS],
)
@extend_schema(
    methods=["POST"],
    summary="Publish a price list",
    description="A supplier publishes a new version: a CSV or XLSX `file` (multipart), or JSON `items` with the "
    "columns of `price-lists/{id}/items/`. Every row is checked first: one bad row publishes nothing and each "
    "problem is named by row and column. `buyer` offers the version to one buyer only; `mode=partial` changes "
    "only the rows sent.",
    examples=[
        OpenApiExample(
            "JSON items",
            {"currency": "RUB", "items": [{"sku": "RB-12", "name": "Rebar A500C 12 mm", "unit": "t", "price": "61200.00"}]},
            request_only=True,
            media_type="application/json",
        ),
        OpenApiExample("Published", {"id": 42, "rows": 1, "status": "active"}, response_only=True, status_codes=["201"]),
    ],
    request={
        "multipart/form-data": _upload_schema(
            "PriceListFileUpload", "file", UploadFileField()
        ),
        "application/json": _upload_schema(
            "PriceListItemsUpload", "items", serializers.ListField(child=_item_input_schema())
        ),
    },
    responses={
        201: inline_serializer("PriceListCreated", {"id": serializers.IntegerField(), "rows": serializers.IntegerField(), "status": serializers.CharField()}),
        202: OpenApiResponse(
            inline_serializer("PriceListQueued", {"id": serializers.IntegerField(help_text="The upload's id."), "status": serializers.CharField(), "status_url": serializers.URLField(help_text="GET it until the upload is done.")}),
            description="A file over PRICE_LIST_INLINE_BYTES (5 MB; for a workbook, what it unpacks to) is read on the task queue and published there if it has no errors: poll `status_url` (also in `Location`).",
        ),
        400: OpenApiResponse(
            ErrorSerializer,
            description="Rows or fields the importer refused, each named: nothing is stored.",
            examples=[OpenApiExample("Row errors", {"errors": [{"row": 3, "column": "price", "message": "Enter a number."}]}, response_only=True)],
        ),
    },
)  # fmt: skip
@api_view(["GET", "POST"])
@permission_classes([IsOrganizationMember])
def price_lists(request: Request) -> Response:
    """A supplier publishes a version (file or JSON items); both sides list the versions they may see."""
    organization = request.organization
    if request.method == "GET":
        lists = selectors.price_list_list(organization=organization)
        if request.query_params.get("status") in ("active", "superseded"):
            lists = lists.filter(status=request.query_params["status"])
        if sync.is_sync(request):  # a version changes once, when it is published
            return sync.sync_response(request, lists, stamp="published_at", serializer_class=PriceListSerializer)
        return page_response(request, lists, PriceListSerializer)
    if not organization.is_supplier:
        return Response({"detail": _("Only a supplier organization may do this.")}, status=status.HTTP_403_FORBIDDEN)
    serializer = PriceListUploadSerializer(data=request.data)
    if not serializer.is_valid():
        return Response({"errors": _field_errors(serializer.errors)}, status=status.HTTP_400_BAD_REQUEST)
    data = serializer.validated_data
    audience = None
    if data.get("buyer"):
        # Looked up only among this supplier's active partner buyers: another tenant's buyer gets the
        # very answer an unknown slug gets, so the API never tells which slugs exist.
        audience = active_buyers(supplier=organization).filter(slug=data["buyer"]).first()
        if audience is None:
            return Response(
                {"errors": [{"row": None, "column": "buyer", "message": no_such_buyer(data["buyer"])}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
    terms = {
        "currency": data.get("currency", ""),
        "valid_from": data.get("valid_from"),
        "valid_to": data.get("valid_to"),
        "audience": audience,
        "mode": data.get("mode", "full"),
    }
    try:
        if "file" in data and not services.reads_quickly(data["file"]):
            return _queued(request, services.price_list_queue(actor=request.actor, file=data["file"], **terms))
        price_list = services.price_list_import(
            actor=request.actor, file=data.get("file"), items=data.get("items"), **terms
        )
    except services.ImportRejected as error:
        return Response({"errors": _row_errors(error.rows)}, status=status.HTTP_400_BAD_REQUEST)
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
        if not hasattr(error, "error_dict") and any(e.code == services.PUBLISH_RACE for e in error.error_list):
            # another publish overtook this one: nothing is wrong with the request, it may be sent again
            message = " ".join(error.messages)
            return Response(
                {"code": services.PUBLISH_RACE, "message": message, "errors": _field_errors(detail)},
                status=status.HTTP_409_CONFLICT,
            )
        return Response({"errors": _field_errors(detail)}, status=status.HTTP_400_BAD_REQUEST)
    return Response(
        {"id": price_list.pk, "rows": price_list.rows, "status": price_list.status}, status=status.HTTP_201_CREATED
    )


def _queued(request: Request, upload: PriceUpload) -> Response:
    """202: a file too big to read in the request is read on the task queue; poll its upload."""
    url = request.build_absolute_uri(reverse("api:price_list_upload", args=[upload.pk]))
    return Response(
        {"id": upload.pk, "status": upload.status, "status_url": url},
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": url, "Retry-After": str(POLL_AFTER_S)},
    )


class PriceUploadSerializer(serializers.ModelSerializer):
    price_list = serializers.IntegerField(
        source="published_id",
        allow_null=True,
        read_only=True,
        help_text=_lazy("The version the upload became, once it is published."),
    )
    errors = serializers.SerializerMethodField()

    class Meta:
        model = PriceUpload
        fields = [
            "id", "status", "filename", "size", "processed_rows", "total_rows", "error_count", "message", "errors",
            "price_list", "created_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(RowError.__class__(many=True))
    def get_errors(self, obj) -> list[dict]:
        return _row_errors(obj.errors or [])


@extend_schema(
    summary="Poll a queued price-list upload",
    responses={200: PriceUploadSerializer, 404: OpenApiResponse(description="Not one of your uploads.")},
    examples=[
        OpenApiExample(
            "Still being read",
            {
                "id": 7,
                "status": "processing",
                "filename": "prices.csv",
                "size": 48211093,
                "processed_rows": 400000,
                "total_rows": None,
                "error_count": 0,
                "message": "",
                "errors": [],
                "price_list": None,
                "created_at": "2026-11-26T09:00:00Z",
                "finished_at": None,
            },
            response_only=True,
        ),
        OpenApiExample(
            "Published",
            {
                "id": 7,
                "status": "published",
                "filename": "prices.csv",
                "size": 48211093,
                "processed_rows": 1000000,
                "total_rows": 1000000,
                "error_count": 0,
                "message": "",
                "errors": [],
                "price_list": 42,
                "created_at": "2026-11-26T09:00:00Z",
                "finished_at": "2026-11-26T09:00:07Z",
            },
            response_only=True,
        ),
    ],
    description=(
        "An upload that `POST price-lists/` answered with 202: `queued` and `processing` while it is read "
        "(poll again after `Retry-After` seconds), then `published` (its version in `price_list`), `invalid` "
        "(its `errors`; nothing was published), `failed` (`message`), or `ready` with a `message` when the "
        "publish was refused (another version overtook it): publish or read it again on the upload's page."
    ),
)
@api_view(["GET"])
@permission_classes([IsOrganizationMember])
def price_list_upload(request: Request, pk: int) -> Response:
    upload = fetch(request, selectors.price_upload_list(supplier=request.organization), pk=pk)
    headers = {} if upload.is_done else {"Retry-After": str(POLL_AFTER_S)}
    return Response(PriceUploadSerializer(upload).data, headers=headers)


def _price_list_for(request: Request, pk: int) -> PriceList:
    return fetch(request, selectors.price_list_list(organization=request.organization), pk=pk)


@extend_schema(
    summary="Read a price-list version",
    description="One version with its counts of changes against the version before.",
    responses=PriceListSerializer,
    examples=[OpenApiExample("Version", PRICE_LIST, response_only=True)],
)
@api_view(["GET"])
@permission_classes([IsOrganizationMember])
def price_list_detail(request: Request, pk: int) -> Response:
    return Response(PriceListSerializer(_price_list_for(request, pk)).data)


@paged
@extend_schema(
    summary="List the rows of a price-list version",
    description="The rows as published, in file order (`row` is the file's row number).",
    responses=PriceItemSerializer(many=True),
    examples=[OpenApiExample("Rows", PRICE_ITEM, response_only=True)],
)
@api_view(["GET"])
@permission_classes([IsOrganizationMember])
def price_list_items(request: Request, pk: int) -> Response:
    price_list = _price_list_for(request, pk)
    return page_response(request, selectors.price_item_list(price_list=price_list), PriceItemSerializer)


@paged
@extend_schema(
    summary="Find offers for a product",
    examples=[
        OpenApiExample(
            "Offers",
            {
                "supplier": "steel-works",
                "supplier_name": "Steel Works",
                "supplier_sku": "RB-12",
                "name": "Rebar A500C 12 mm",
                "unit": "t",
                "price": "61200.0000",
                "currency": "RUB",
                "min_qty": "1.000",
                "valid_from": None,
                "valid_to": None,
                "lead_time_days": 3,
                "price_list": 42,
            },
            response_only=True,
        )
    ],
    responses=OfferSerializer(many=True),
    parameters=[
        OpenApiParameter("sku", str, description="your catalog SKU (through its mappings) or a supplier's SKU"),
        OpenApiParameter("quantity", str, description="only offers whose minimum quantity is at most this"),
    ],
)
@api_view(["GET"])
@permission_classes([IsBuyer])
def offers(request: Request) -> Response:
    """Offers across the buyer's suppliers' active price lists, cheapest first within each currency: grouped
    by currency (the currency most offers are in first), never compared across currencies."""
    sku = (request.query_params.get("sku") or "").strip()
    if not sku:
        return Response({"sku": [_("Give the SKU to find offers for.")]}, status=status.HTTP_400_BAD_REQUEST)
    items = selectors.offer_list(buyer=request.organization, sku=sku, ordered=False)
    quantity = request.query_params.get("quantity")
    if quantity:
        field = serializers.DecimalField(max_digits=QTY_DIGITS, decimal_places=QTY_PLACES)
        try:
            items = items.filter(min_qty__lte=field.to_internal_value(quantity))
        except serializers.ValidationError:
            return Response({"quantity": [_("Give the quantity as a number.")]}, status=status.HTTP_400_BAD_REQUEST)
    return page_response(request, selectors.order_offers(items), OfferSerializer)


class PriceTypesSerializer(StrictSerializerMixin, serializers.Serializer):
    price_types = serializers.DictField(
        child=serializers.CharField(),
        help_text="1C price type name → a partner buyer's slug, or `*` for every active partner buyer.",
    )


@extend_schema(
    summary="Which 1C price type goes to which buyer",
    request=PriceTypesSerializer,
    responses={
        200: PriceTypesSerializer,
        400: OpenApiResponse(
            description='`{"price_types": ["Price type “Опт”: “x” is not a buyer you actively work with; …"]}`'
        ),
        403: OpenApiResponse(description="Only a supplier's admins (and its API keys) set up the 1C exchange."),
    },
    examples=[OpenApiExample("Two price types", value={"price_types": {"Оптовая": "*", "Крупный опт": "acme"}})],
)
@api_view(["GET", "PUT"])
@permission_classes([IsSupplier])
def integration_1c(request: Request) -> Response:
    """Without a mapping, the only price type of offers.xml goes to every buyer; with several and no
    mapping, 1C's import fails and names the types found."""
    require(request, Perm.MANAGE_KEYS)
    if request.method == "PUT":
        data = PriceTypesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        exchange.price_types_set(actor=request.actor, price_types=data.validated_data["price_types"])
    return Response({"price_types": exchange.price_types_for(request.organization).price_types})
