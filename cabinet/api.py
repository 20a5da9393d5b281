"""The order endpoints of CONTRACT.md: list, read, place (channel I-), move, complain.

Same rules and history as the pages: every write goes through ``cabinet.services``; a move the
transitions table does not allow answers 409 ``{"code": "transition_not_allowed", "message",
"allowed"}``; another organization's order answers 404.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.api import sync
from marketplace.api.pagination import page_response, paged
from marketplace.api.permissions import IsOrganizationMember
from marketplace.api.serializers import CurrencyField, StrictSerializerMixin
from marketplace.models import Organization, OrganizationKind
from marketplace.selectors import active_suppliers
from marketplace.statemachine import TransitionNotAllowed
from marketplace.tenancy import fetch

from . import selectors, services
from .models import (
    Complaint,
    Order,
    OrderChannel,
    OrderEvent,
    OrderLine,
    OrderState,
    RequestForQuotation,
    RfqLine,
    RfqState,
)
from .transitions import allowed_moves

# -- output ----------------------------------------------------------------------------------------


class OrderLineSerializer(serializers.ModelSerializer):
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    price = serializers.DecimalField(max_digits=18, decimal_places=4)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        model = OrderLine
        fields = ["position", "sku", "supplier_sku", "name", "unit", "quantity", "price", "amount", "product"]


class OrderEventSerializer(serializers.ModelSerializer):
    # "from" is a Python keyword: declared through the fields mapping below.
    to = serializers.CharField(source="to_state")
    at = serializers.DateTimeField(source="created_at")
    by = serializers.SlugRelatedField(source="organization", slug_field="slug", read_only=True)
    actor = serializers.SerializerMethodField()
    author = serializers.CharField(source="author_name", help_text="The person, or the API key's name.")

    class Meta:
        model = OrderEvent
        fields = ["to", "at", "by", "actor", "author", "comment", "via_api"]

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.CharField(source="from_state")
        return {"from": fields.pop("from"), **fields}

    def get_actor(self, event) -> str | None:
        return event.actor.email if event.actor else None


class OrderSerializer(serializers.ModelSerializer):
    buyer = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    supplier = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    lines = OrderLineSerializer(many=True, read_only=True)
    history = OrderEventSerializer(source="events", many=True, read_only=True)
    source = serializers.CharField(source="source_ref")

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "state",
            "channel",
            "buyer",
            "supplier",
            "currency",
            "total",
            "lines",
            "history",
            "note",
            "shipment_note",
            "wanted_date",
            "source",
            "created_at",
            "placed_at",
            "confirmed_at",
            "rejected_at",
            "in_progress_at",
            "shipped_at",
            "delivered_at",
            "disputed_at",
            "completed_at",
            "cancelled_at",
        ]


class OrderDetailSerializer(OrderSerializer):
    allowed = serializers.SerializerMethodField(help_text="The moves the requesting organization may make now.")

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "allowed"]

    def get_allowed(self, order) -> list[str]:
        actor = self.context["actor"]
        return [m.target for m in allowed_moves(order=order, side=order.side_of(actor.organization), actor=actor)]


class ComplaintSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number")
    lines = serializers.SlugRelatedField(slug_field="position", many=True, read_only=True)
    compensation = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "order",
            "state",
            "reason",
            "lines",
            "answer",
            "resolution",
            "compensation",
            "created_at",
            "answered_at",
            "resolved_at",
        ]


class RfqLineSerializer(serializers.ModelSerializer):
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)

    class Meta:
        model = RfqLine
        fields = ["position", "sku", "name", "unit", "quantity", "wanted_date"]


class RfqSerializer(serializers.ModelSerializer):
    buyer = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    lines = RfqLineSerializer(many=True, read_only=True)
    suppliers_count = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The buyer's only: how many suppliers were asked."
    )
    answers_count = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The buyer's only: how many quoted."
    )
    own_answer = serializers.CharField(
        read_only=True, allow_null=True, help_text="A supplier's only: its quote's state, or null before it answers."
    )

    class Meta:
        model = RequestForQuotation
        fields = [
            "id", "buyer", "title", "description", "currency", "deadline", "state", "lines", "suppliers_count",
            "answers_count", "own_answer", "created_at", "updated_at",
        ]  # fmt: skip

    def to_representation(self, rfq):
        body = super().to_representation(rfq)
        for name in ("suppliers_count", "answers_count", "own_answer"):
            body[name] = getattr(rfq, name, None)  # annotated for one side only (cabinet.selectors.rfq_list)
        return body


class RefusalSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    allowed = serializers.ListField(child=serializers.CharField())


# -- input -----------------------------------------------------------------------------------------


class OrderLineInputSerializer(StrictSerializerMixin, serializers.Serializer):
    sku = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    price = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True)


class OrderCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    supplier = serializers.SlugField(help_text="The supplier's slug.")
    lines = serializers.ListField(child=OrderLineInputSerializer(), min_length=1, max_length=1000)
    currency = CurrencyField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    wanted_date = serializers.DateField(required=False, allow_null=True)
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Needed to order from a supplier blocked by its rating.",
    )


class TransitionSerializer(StrictSerializerMixin, serializers.Serializer):
    to = serializers.ChoiceField(choices=OrderState.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


MAX_POSITION = 2**31 - 1  # line positions are PositiveIntegerField


class ComplaintCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=10000)
    lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_POSITION),
        required=False,
        max_length=1000,
        help_text="Positions of the affected lines.",
    )


# -- views -----------------------------------------------------------------------------------------


# -- examples in the schema ------------------------------------------------------------------------

ORDER = {
    "id": 118, "number": "I-2025-00118", "state": "placed", "channel": "api", "buyer": "uralstroy",
    "supplier": "steel-works", "currency": "RUB", "total": "122400.00",
    "lines": [
        {"position": 1, "sku": "RB-12", "supplier_sku": "RB-12", "name": "Rebar A500C 12 mm", "unit": "t",
         "quantity": "2.000", "price": "61200.0000", "amount": "122400.00", "product": None},
    ],
    "history": [
        {"from": "", "to": "placed", "at": "2025-03-03T10:15:00+03:00", "by": "uralstroy", "actor": None,
         "author": "ERP key", "comment": "", "via_api": True},
    ],
    "note": "", "shipment_note": "", "wanted_date": "2025-03-10", "source": "", "created_at": "2025-03-03T10:15:00+03:00",
    "placed_at": "2025-03-03T10:15:00+03:00", "confirmed_at": None, "rejected_at": None, "in_progress_at": None,
    "shipped_at": None, "delivered_at": None, "disputed_at": None, "completed_at": None, "cancelled_at": None,
}  # fmt: skip
ORDER_DETAIL = {**ORDER, "allowed": ["confirmed", "rejected"]}
RFQ = {
    "id": 31, "buyer": "uralstroy", "title": "Rebar for block C", "description": "", "currency": "RUB",
    "deadline": "2025-03-07T18:00:00+03:00", "state": "open",
    "lines": [{"position": 1, "sku": "RB-12", "name": "Rebar A500C 12 mm", "unit": "t", "quantity": "40.000",
               "wanted_date": "2025-03-20"}],
    "suppliers_count": None, "answers_count": None, "own_answer": None,
    "created_at": "2025-03-03T09:00:00+03:00", "updated_at": "2025-03-03T09:00:00+03:00",
}  # fmt: skip


def _orders(organization: Organization):
    return selectors.order_detail_queryset(organization=organization)


def _order_body(request: Request, order: Order, status_code: int = status.HTTP_200_OK) -> Response:
    order = _orders(request.organization).get(pk=order.pk)
    return Response(OrderDetailSerializer(order, context={"actor": request.actor}).data, status=status_code)


def _refused(error: TransitionNotAllowed) -> Response:
    return Response(
        {"code": "transition_not_allowed", "message": error.message, "allowed": error.allowed},
        status=status.HTTP_409_CONFLICT,
    )


@paged(sync=True)
@extend_schema(
    methods=["GET"],
    summary="List orders",
    description="The orders this organization is a side of, newest first. With `updated_since` or `cursor`, "
    "every order placed or changed since, oldest change first (the change feed: keep `next` and poll with it).",
    examples=[OpenApiExample("Orders", ORDER, response_only=True)],
    parameters=[
        OpenApiParameter("state", str, enum=OrderState.values),
        OpenApiParameter("channel", str, enum=OrderChannel.values),
        *sync.PARAMETERS,
    ],
    responses=OrderSerializer(many=True),
)
@extend_schema(
    methods=["POST"],
    summary="Place an order",
    request=OrderCreateSerializer,
    responses={201: OrderDetailSerializer},
    examples=[
        OpenApiExample(
            "Order", {"supplier": "steel-works", "lines": [{"sku": "RB-12", "quantity": "2"}]}, request_only=True
        ),
        OpenApiExample("Placed", ORDER_DETAIL, response_only=True),
    ],
    description="A buyer places an order (channel API, number I-…). A line without `price` is priced from the supplier's "
    "active price list; `sku` may be the buyer's catalog SKU, the supplier's SKU or free text.",
)
@api_view(["GET", "POST"])
@permission_classes([IsOrganizationMember])
def order_list(request: Request) -> Response:
    organization = request.organization
    if request.method == "POST":
        if not organization.is_buyer:
            return Response({"detail": _("Only a buyer organization may do this.")}, status=status.HTTP_403_FORBIDDEN)
        return _order_create(request)
    queryset = _orders(organization)
    for name in ("state", "channel"):
        if request.query_params.get(name):
            queryset = queryset.filter(**{name: request.query_params[name]})
    if sync.is_sync(request):
        return sync.sync_response(request, queryset, stamp="updated_at", serializer_class=OrderSerializer)
    return page_response(request, queryset, OrderSerializer)


def _order_create(request: Request) -> Response:
    serializer = OrderCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    # Looked up only among this buyer's active partners: another tenant's supplier and a slug nobody
    # has get the same answer, which names nothing but the slug given.
    supplier = active_suppliers(buyer=request.organization).filter(slug=data["supplier"]).first()
    if supplier is None:
        raise serializers.ValidationError(
            {"supplier": [_("No active supplier “%(slug)s”.") % {"slug": data["supplier"]}]}
        )
    order = services.order_create(
        buyer=request.organization,
        supplier=supplier,
        channel=OrderChannel.API,
        lines=[dict(line) for line in data["lines"]],
        actor=request.actor,
        currency=data.get("currency"),
        note=data.get("note", ""),
        wanted_date=data.get("wanted_date"),
        override_reason=data.get("override_reason", ""),
    )
    return _order_body(request, order, status.HTTP_201_CREATED)


@extend_schema(
    summary="Read an order",
    description="One order with its lines, its history and the moves (`allowed`) this organization may make now.",
    responses=OrderDetailSerializer,
    examples=[OpenApiExample("Order", ORDER_DETAIL, response_only=True)],
)
@api_view(["GET"])
@permission_classes([IsOrganizationMember])
def order_detail(request: Request, pk: int) -> Response:
    return _order_body(request, fetch(request, Order.objects.all(), pk=pk))


@extend_schema(
    summary="Move an order to another state",
    description="Confirm, reject, ship, deliver... as the transitions table allows the side of this organization "
    "(`allowed` of the order lists the moves open now). A shipment's note goes in `comment`.",
    examples=[
        OpenApiExample("Confirm", {"to": "confirmed"}, request_only=True),
        OpenApiExample("Ship", {"to": "shipped", "comment": "Waybill 5521"}, request_only=True),
        OpenApiExample(
            "Moved", {**ORDER_DETAIL, "state": "confirmed", "allowed": ["in_progress", "shipped"]}, response_only=True
        ),
        OpenApiExample(
            "Refused",
            {
                "code": "transition_not_allowed",
                "message": "An order in state Placed cannot be shipped.",
                "allowed": ["confirmed", "rejected"],
            },
            response_only=True,
            status_codes=["409"],
        ),
    ],
    request=TransitionSerializer,
    responses={
        200: OrderDetailSerializer,
        409: OpenApiResponse(RefusalSerializer, description="The rules do not allow this move now."),
    },
)
@api_view(["POST"])
@permission_classes([IsOrganizationMember])
def order_transition(request: Request, pk: int) -> Response:
    order = fetch(request, Order.objects.all(), pk=pk)
    serializer = TransitionSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        services.order_transition(
            order=order,
            to=serializer.validated_data["to"],
            comment=serializer.validated_data.get("comment", ""),
            actor=request.actor,
        )
    except TransitionNotAllowed as error:
        return _refused(error)
    return _order_body(request, order)


def _complaint_lines(order: Order, positions: list[int]) -> list[OrderLine]:
    lines = list(order.lines.filter(position__in=positions))
    missing = sorted(set(positions) - {line.position for line in lines})
    if missing:
        raise serializers.ValidationError(
            {"lines": [_("The order has no line %(n)s.") % {"n": ", ".join(map(str, missing))}]}
        )
    return lines


@extend_schema(
    summary="Open a complaint about an order",
    description="The buyer of a delivered order complains, optionally naming the affected line positions.",
    examples=[
        OpenApiExample("Complaint", {"reason": "Two bundles arrived bent.", "lines": [1]}, request_only=True),
        OpenApiExample(
            "Opened",
            {
                "id": 9,
                "order": "I-2025-00118",
                "state": "open",
                "reason": "Two bundles arrived bent.",
                "lines": [1],
                "answer": "",
                "resolution": "",
                "compensation": None,
                "created_at": "2025-03-12T11:00:00+03:00",
                "answered_at": None,
                "resolved_at": None,
            },
            response_only=True,
        ),
    ],
    request=ComplaintCreateSerializer,
    responses={
        201: ComplaintSerializer,
        409: OpenApiResponse(RefusalSerializer, description="The order is not delivered (or already closed)."),
    },
)
@api_view(["POST"])
@permission_classes([IsOrganizationMember])
def order_complaints(request: Request, pk: int) -> Response:
    # Another tenant's order is a 404 before anything else; the supplier of the order gets a 403.
    order = fetch(request, Order.objects.all(), kind=OrganizationKind.BUYER, pk=pk)
    serializer = ComplaintCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    lines = _complaint_lines(order, serializer.validated_data.get("lines") or [])
    try:
        complaint = services.complaint_open(
            order=order, reason=serializer.validated_data["reason"], lines=lines, actor=request.actor
        )
    except TransitionNotAllowed as error:
        return _refused(error)
    return Response(ComplaintSerializer(complaint).data, status=status.HTTP_201_CREATED)


# -- requests for quotation (read-only: they are answered on the site) --------------------------------


def _rfqs(organization: Organization):
    return selectors.rfq_list(organization=organization).prefetch_related("lines")


@paged(sync=True)
@extend_schema(
    summary="List requests for quotation",
    examples=[OpenApiExample("Requests", RFQ, response_only=True)],
    parameters=[OpenApiParameter("state", str, enum=RfqState.values), *sync.PARAMETERS],
    responses=RfqSerializer(many=True),
)
@api_view(["GET"])
@permission_classes([IsOrganizationMember])
def rfq_list(request: Request) -> Response:
    """The buyer's requests, or those sent to the supplier, newest first; with `updated_since` or
    `cursor`, the change feed (sent, answered, awarded, cancelled) oldest first."""
    queryset = _rfqs(request.organization)
    if request.query_params.get("state"):
        queryset = queryset.filter(state=request.query_params["state"])
    if sync.is_sync(request):
        return sync.sync_response(request, queryset, stamp="updated_at", serializer_class=RfqSerializer)
    return page_response(request, queryset, RfqSerializer)


@extend_schema(
    summary="Read a request for quotation",
    responses=RfqSerializer,
    examples=[OpenApiExample("Request", RFQ, response_only=True)],
)
@api_view(["GET"])
@permission_classes([IsOrganizationMember])
def rfq_detail(request: Request, pk: int) -> Response:
    """One request with its lines."""
    return Response(RfqSerializer(fetch(request, _rfqs(request.organization), pk=pk)).data)
