"""The auction endpoints of CONTRACT.md: create, list, read (each audience its own fields), bid,
the buyer's bids and controls, award, and the hash-chained log as JSON lines.

Every write goes through ``auctions.services``. Another organization's auction, or one a supplier
is not invited to, answers 404 before anything else; the wrong side or role then answers 403; a
bid or control the rules refuse answers 409 ``{"code", "message"}``; bad input 400 naming fields.
What each audience may see is decided in ``auctions.news`` only.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.api import sync
from marketplace.api.pagination import page_response, paged
from marketplace.api.permissions import IsOrganizationMember
from marketplace.api.serializers import StrictSerializerMixin
from marketplace.models import Perm
from marketplace.money import currency_code
from marketplace.selectors import active_suppliers

from . import log, news, selectors, services
from .models import Auction, AuctionState, Invitation, SoftCloseTrigger, StepKind, Visibility

# -- output ----------------------------------------------------------------------------------------


class StandingSerializer(serializers.Serializer):
    supplier = serializers.CharField(source="slug")
    name = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    best = serializers.CharField(allow_null=True, help_text="Money as a decimal string.")
    received_at = serializers.DateTimeField(allow_null=True)
    bids_count = serializers.IntegerField()


class AuctionSerializer(serializers.ModelSerializer):
    buyer = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    start_price = serializers.DecimalField(max_digits=16, decimal_places=2)
    min_step = serializers.DecimalField(max_digits=16, decimal_places=2)
    lot = serializers.CharField(source="lot_name")

    # For the buyer: best_price, leader, reserve_price, reserve_met. For a supplier: my_best,
    # my_rank, tied and, where visibility allows, best_price. Filled from auctions.news.
    best_price = serializers.SerializerMethodField()
    leader = serializers.SerializerMethodField()
    reserve_price = serializers.SerializerMethodField()
    reserve_met = serializers.SerializerMethodField()
    my_best = serializers.SerializerMethodField()
    my_rank = serializers.SerializerMethodField()
    tied = serializers.SerializerMethodField()

    class Meta:
        model = Auction
        fields = [
            "id",
            "buyer",
            "title",
            "description",
            "lot",
            "quantity",
            "unit",
            "currency",
            "start_price",
            "min_step",
            "min_step_kind",
            "must_beat_best",
            "visibility",
            "state",
            "starts_at",
            "ends_at",
            "extensions",
            "max_extensions",
            "soft_close_window_s",
            "soft_close_extension_s",
            "soft_close_trigger",
            "soft_close_top_n",
            "bids_count",
            "version",
            "updated_at",
            "best_price",
            "leader",
            "reserve_price",
            "reserve_met",
            "my_best",
            "my_rank",
            "tied",
        ]

    def _seen(self, auction) -> dict:
        cache = self.context.setdefault("_seen", {})
        if auction.pk not in cache:
            audience = self.context["audience_of"](auction)
            lines = services.standings(auction.invitations.all())
            cache[auction.pk] = {"audience": audience, **news.audience_view(auction, lines, audience)}
        return cache[auction.pk]

    def _only(self, auction, name: str, audience_is_buyer: bool):
        seen = self._seen(auction)
        if (seen["audience"] == news.BUYER) != audience_is_buyer:
            return None
        return seen.get(name)

    def get_best_price(self, auction) -> str | None:
        return self._seen(auction).get("best_price")

    def get_leader(self, auction) -> str | None:
        leader = self._only(auction, "leader", True)
        return leader["slug"] if leader else None

    def get_reserve_price(self, auction) -> str | None:
        return self._only(auction, "reserve_price", True)

    def get_reserve_met(self, auction) -> bool | None:
        return self._only(auction, "reserve_met", True)

    def get_my_best(self, auction) -> str | None:
        return self._only(auction, "my_best", False)

    def get_my_rank(self, auction) -> int | None:
        return self._only(auction, "my_rank", False)

    def get_tied(self, auction) -> bool | None:
        return self._only(auction, "tied", False)


class AuctionDetailSerializer(AuctionSerializer):
    standings = serializers.SerializerMethodField(help_text="The buyer's only: every invited supplier's line.")
    suppliers = serializers.SerializerMethodField(help_text="The buyer's only: the invited suppliers' slugs.")
    awarded_to = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    order = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    server_time = serializers.SerializerMethodField()
    paused_remaining_s = serializers.SerializerMethodField()

    class Meta(AuctionSerializer.Meta):
        fields = [
            *AuctionSerializer.Meta.fields,
            "standings",
            "suppliers",
            "paused_remaining_s",
            "awarded_to",
            "award_reason",
            "cancel_reason",
            "order",
            "rfq",
            "server_time",
        ]
        optional_fields = ("award_reason", "rfq", "standings", "suppliers")  # the buyer's only (to_representation)

    @extend_schema_field(StandingSerializer(many=True, allow_null=True))
    def get_standings(self, auction) -> list | None:
        lines = self._only(auction, "standings", True)
        return StandingSerializer(lines, many=True).data if lines is not None else None

    def get_suppliers(self, auction) -> list[str] | None:
        if self._seen(auction)["audience"] != news.BUYER:
            return None
        return sorted(i.supplier.slug for i in auction.invitations.all())

    def get_server_time(self, auction) -> str:
        return log.iso(timezone.now())

    def get_paused_remaining_s(self, auction) -> str | None:
        return log.plain(auction.paused_remaining) if auction.state == AuctionState.PAUSED else None

    def to_representation(self, auction):
        body = super().to_representation(auction)
        if self._seen(auction)["audience"] != news.BUYER:
            for name in ("award_reason", "rfq", "standings", "suppliers"):
                body.pop(name, None)
        return body


class BidSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    supplier = serializers.CharField(source="supplier.slug")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    received_at = serializers.DateTimeField()
    rank = serializers.IntegerField(source="rank_after", help_text="The bidder's rank right after this bid.")
    client_id = serializers.CharField()


class ReceiptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.CharField(help_text="Money as a decimal string.")
    rank = serializers.IntegerField()
    tied = serializers.BooleanField(help_text="Tied with a better-ranked bid received earlier.")
    ends_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField(help_text="The server's time of receipt: decides on-time and ties.")


class AuctionRefusalSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class AuctionOrderLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit = serializers.CharField()
    price = serializers.DecimalField(max_digits=18, decimal_places=4)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)


class AwardOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    state = serializers.CharField()
    channel = serializers.CharField()
    supplier = serializers.CharField(source="supplier.slug")
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    lines = AuctionOrderLineSerializer(many=True, source="lines.all")


# -- input -----------------------------------------------------------------------------------------


class AuctionCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    lot = serializers.CharField(max_length=300, required=False, allow_blank=True)
    currency = serializers.CharField(min_length=3, max_length=3, required=False)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"), required=False)
    unit = serializers.CharField(max_length=20, required=False)
    start_price = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    reserve_price = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)
    min_step = serializers.DecimalField(max_digits=16, decimal_places=2)
    min_step_kind = serializers.ChoiceField(choices=StepKind.choices, default=StepKind.AMOUNT)
    must_beat_best = serializers.BooleanField(default=False)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    soft_close_window_s = serializers.IntegerField(min_value=0, max_value=86400, default=180)
    soft_close_extension_s = serializers.IntegerField(min_value=0, max_value=86400, default=120)
    max_extensions = serializers.IntegerField(min_value=0, max_value=1000, default=5)
    soft_close_trigger = serializers.ChoiceField(
        choices=SoftCloseTrigger.choices, default=SoftCloseTrigger.RANK_IMPROVING
    )
    soft_close_top_n = serializers.IntegerField(min_value=1, max_value=10000, required=False, allow_null=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.RANK)
    suppliers = serializers.ListField(
        child=serializers.SlugField(), required=False, max_length=1000, help_text="Slugs of active suppliers."
    )
    rfq = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="A request's id: its suppliers are invited, its best quote is the start price.",
    )
    override_reason = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        help_text="Why a supplier blocked by its rating is invited anyway (recorded); needed only then.",
    )
    draft = serializers.BooleanField(
        default=False, help_text="Keep it a draft (nobody is invited yet); by default it is scheduled at once."
    )

    def validate_currency(self, value: str) -> str:
        code = currency_code(value)
        if code is None:
            raise serializers.ValidationError(_("Give a currency code of three letters A–Z, like RUB."))
        return code

    def to_internal_value(self, data):
        """Without ``rfq`` the lot's own terms are required; every missing field is named at once."""
        missing = {}
        if isinstance(data, dict) and "rfq" not in data:
            required = ("title", "currency", "start_price", "suppliers")
            missing = {name: [_("This field is required.")] for name in required if name not in data}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**missing, **error.detail}) from None
        if missing:
            raise serializers.ValidationError(missing)
        return value


class BidCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    amount = serializers.CharField(
        max_length=50, allow_blank=True, trim_whitespace=False, help_text='Money as a decimal string, like "1234.50".'
    )
    client_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="Your key for this bid: a retry returns the first answer.",
    )


class AwardSerializer(StrictSerializerMixin, serializers.Serializer):
    supplier = serializers.SlugField(required=False, help_text="The winner's slug; the leader when left out.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ExtendSerializer(StrictSerializerMixin, serializers.Serializer):
    seconds = serializers.IntegerField(min_value=1, max_value=services.MAX_EXTEND_S)


class CancelSerializer(StrictSerializerMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


# -- views -----------------------------------------------------------------------------------------


def _auctions(request: Request, *, for_list: bool = False):
    """The auctions this organization may see, with what the serializer reads: the buyer every
    invitation, a supplier only its own."""
    organization = request.organization
    invitations = Invitation.objects.select_related("supplier")
    if not organization.is_buyer:
        invitations = invitations.filter(supplier=organization)
    queryset = selectors.auction_list(organization=organization).select_related("awarded_to", "order")
    return queryset.prefetch_related(Prefetch("invitations", queryset=invitations))


def _context(request: Request) -> dict:
    return {"audience_of": lambda auction: selectors.audience_of(auction, request.organization)}


def _auction(request: Request, pk: int) -> Auction:
    return get_object_or_404(_auctions(request), pk=pk)


def _detail(request: Request, auction: Auction, code: int = status.HTTP_200_OK) -> Response:
    auction = _auction(request, auction.pk)
    return Response(AuctionDetailSerializer(auction, context=_context(request)).data, status=code)


def _require_buyer(request: Request, auction: Auction) -> None:
    if auction.buyer_id != request.organization.pk:
        raise PermissionDenied(_("Only the buyer that runs this auction may do this."))
    if not request.actor.can(Perm.PROCURE):
        raise PermissionDenied(_("Your role in this organization does not allow running auctions."))


def _refused(error: services.Refused) -> Response:
    return Response({"code": error.code, "message": error.message}, status=status.HTTP_409_CONFLICT)


REFUSED = OpenApiResponse(
    AuctionRefusalSerializer,
    description="The auction's state does not allow this now.",
    examples=[
        OpenApiExample("Refused", {"code": "not_live", "message": "The auction is not live."}, response_only=True)
    ],
)
AUCTION = {
    "id": 12, "buyer": "uralstroy", "title": "Rebar A500C, 120 t", "description": "", "lot": "Rebar A500C 12 mm",
    "quantity": "120.000", "unit": "t", "currency": "RUB", "start_price": "7500000.00", "min_step": "10000.00",
    "min_step_kind": "amount", "must_beat_best": False, "visibility": "rank", "state": "live",
    "starts_at": "2025-03-05T10:00:00+03:00", "ends_at": "2025-03-05T11:00:00+03:00", "extensions": 0,
    "max_extensions": 5, "soft_close_window_s": 180, "soft_close_extension_s": 120,
    "soft_close_trigger": "rank_improving", "soft_close_top_n": None, "bids_count": 14, "version": 31,
    "updated_at": "2025-03-05T10:41:07+03:00", "best_price": None, "leader": None, "reserve_price": None,
    "reserve_met": None, "my_best": "7240000.00", "my_rank": 2, "tied": False,
}  # fmt: skip
AUCTION_DETAIL = {
    **AUCTION, "paused_remaining_s": None, "awarded_to": None, "cancel_reason": "", "order": None,
    "server_time": "2025-03-05T10:41:09+03:00",
}  # fmt: skip


def _control_schema(summary: str, description: str, request=None, example=None) -> dict:
    """The schema of a buyer's control of a running auction (pause, resume, extend, cancel)."""
    examples = [OpenApiExample("Auction", AUCTION_DETAIL, response_only=True)]
    if example is not None:
        examples.append(OpenApiExample(summary, example, request_only=True))
    return {
        "summary": summary,
        "description": description,
        "request": request,
        "responses": {200: AuctionDetailSerializer, 409: REFUSED},
        "examples": examples,
    }


@paged(sync=True)
@extend_schema(
    methods=["GET"],
    summary="List auctions",
    description="The buyer's auctions, or those a supplier is invited to, latest start first; each reader sees "
    "only its own fields (a supplier `my_best`, `my_rank`). With `updated_since` or `cursor`, every auction "
    "changed since (a bid, an extension, a state), oldest change first.",
    examples=[OpenApiExample("Auctions", AUCTION, response_only=True)],
    parameters=[
        OpenApiParameter("state", str, enum=AuctionState.values),
        *sync.PARAMETERS,
    ],
    responses=AuctionSerializer(many=True),
)
@extend_schema(
    methods=["POST"],
    summary="Set up an auction",
    request=AuctionCreateSerializer,
    responses={201: AuctionDetailSerializer},
    examples=[
        OpenApiExample(
            "Auction",
            {
                "title": "Rebar A500C, 120 t",
                "currency": "RUB",
                "quantity": "120",
                "unit": "t",
                "start_price": "7500000.00",
                "min_step": "10000.00",
                "starts_at": "2025-03-05T10:00:00+03:00",
                "ends_at": "2025-03-05T11:00:00+03:00",
                "suppliers": ["steel-works", "bolt-house"],
            },
            request_only=True,
        ),
        OpenApiExample("Scheduled", {**AUCTION_DETAIL, "state": "scheduled"}, response_only=True),
    ],
    description="Set up an auction and (unless `draft`) schedule it: the suppliers are invited at once.",
)
@api_view(["GET", "POST"])
@permission_classes([IsOrganizationMember])
def auction_list(request: Request) -> Response:
    if request.method == "POST":
        return _auction_create(request)
    queryset = _auctions(request, for_list=True).order_by("-starts_at", "-id")
    state = request.query_params.get("state")
    if state:
        queryset = queryset.filter(state=state)
    if sync.is_sync(request):
        return sync.sync_response(
            request, queryset, stamp="updated_at", serializer_class=AuctionSerializer, context=_context(request)
        )
    return page_response(request, queryset, AuctionSerializer, context=_context(request))


def _auction_create(request: Request) -> Response:
    organization = request.organization
    if not organization.is_buyer or not request.actor.can(Perm.PROCURE):
        raise PermissionDenied(_("Only a buyer organization's procurement may set up auctions."))
    serializer = AuctionCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    draft = data.pop("draft")
    slugs = data.pop("suppliers", None)
    rfq_id = data.pop("rfq", None)
    if slugs is not None:
        found = {s.slug: s for s in active_suppliers(buyer=organization).filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise serializers.ValidationError(
                {"suppliers": [_("No active supplier “%(slug)s”.") % {"slug": unknown[0]}]}
            )
        data["suppliers"] = [found[slug] for slug in dict.fromkeys(slugs)]
    if rfq_id is not None:
        from cabinet.selectors import rfq_get

        rfq = rfq_get(organization=organization, pk=rfq_id)
        if rfq is None:
            raise serializers.ValidationError({"rfq": [_("No such request of yours.")]})
        auction = services.auction_from_rfq(actor=request.actor, rfq=rfq, **data)
    else:
        auction = services.auction_create(actor=request.actor, **data)
    if not draft:
        auction = services.auction_schedule(auction=auction, actor=request.actor)
    return _detail(request, auction, status.HTTP_201_CREATED)


@extend_schema(
    summary="Read an auction",
    description="One auction as this organization may see it: the buyer every supplier's standing, a supplier "
    "its own best bid and rank (and the best price where the visibility allows).",
    responses=AuctionDetailSerializer,
    examples=[OpenApiExample("Auction", AUCTION_DETAIL, response_only=True)],
)
@api_view(["GET"])
@permission_classes([IsOrganizationMember])
def auction_detail(request: Request, pk: int) -> Response:
    return _detail(request, _auction(request, pk))


@paged
@extend_schema(
    methods=["GET"],
    summary="List an auction's bids",
    examples=[
        OpenApiExample(
            "Bids",
            {
                "id": 501,
                "supplier": "steel-works",
                "amount": "7240000.00",
                "received_at": "2025-03-05T10:41:07.120+03:00",
                "rank": 2,
                "client_id": "erp-77",
            },
            response_only=True,
        )
    ],
    responses=BidSerializer(many=True),
    description="The buyer's: every accepted bid, oldest first by the server's time of receipt.",
)
@extend_schema(
    methods=["POST"],
    summary="Place a bid",
    examples=[
        OpenApiExample("Bid", {"amount": "7230000.00", "client_id": "erp-78"}, request_only=True),
        OpenApiExample(
            "Accepted",
            {
                "id": 502,
                "amount": "7230000.00",
                "rank": 1,
                "tied": False,
                "ends_at": "2025-03-05T11:00:00+03:00",
                "received_at": "2025-03-05T10:42:00.031+03:00",
            },
            response_only=True,
        ),
        OpenApiExample(
            "Refused",
            {"code": "step_too_small", "message": "Bid at least 10 000.00 below your last bid."},
            response_only=True,
            status_codes=["409"],
        ),
    ],
    request=BidCreateSerializer,
    responses={
        201: ReceiptSerializer,
        409: OpenApiResponse(
            AuctionRefusalSerializer,
            description="Refused: `not_live`, `paused`, `too_late`, `above_start_price`, `step_too_small`, "
            "`not_better_than_own`, `must_beat_best`, `invalid_amount`, `invalid_client_id`.",
        ),
    },
    description="Place a bid (an invited supplier). A repeated `client_id` returns the first answer and places nothing.",
)
@api_view(["GET", "POST"])
@permission_classes([IsOrganizationMember])
def auction_bids(request: Request, pk: int) -> Response:
    received_at = timezone.now()  # the receipt: stamped before anything else is done with the request
    auction = _auction(request, pk)
    if request.method == "POST":
        return _bid_place(request, auction, received_at)
    _require_buyer(request, auction)
    return page_response(request, selectors.bid_list(auction=auction), BidSerializer)


def _bid_place(request: Request, auction: Auction, received_at) -> Response:
    if auction.buyer_id == request.organization.pk or not request.actor.can(Perm.WORK):
        raise PermissionDenied(_("Only an invited supplier may bid."))
    serializer = BidCreateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    outcome = services.bid_place(
        auction_id=auction.pk,
        actor=request.actor,
        amount=serializer.validated_data["amount"],
        client_id=serializer.validated_data.get("client_id") or None,
        received_at=received_at,
    )
    if not outcome.ok:
        return Response({"code": outcome.code, "message": outcome.message}, status=status.HTTP_409_CONFLICT)
    return Response(outcome.receipt(), status=status.HTTP_201_CREATED)


@extend_schema(
    summary="Award a closed auction",
    request=AwardSerializer,
    responses={201: AwardOrderSerializer, 409: REFUSED},
    examples=[
        OpenApiExample("To the leader", {}, request_only=True),
        OpenApiExample("To another", {"supplier": "bolt-house", "reason": "Shorter lead time"}, request_only=True),
        OpenApiExample(
            "Order",
            {
                "id": 140,
                "number": "A-2025-00140",
                "state": "placed",
                "channel": "auction",
                "supplier": "steel-works",
                "currency": "RUB",
                "total": "7230000.00",
                "lines": [
                    {
                        "sku": "",
                        "name": "Rebar A500C 12 mm",
                        "quantity": "120.000",
                        "unit": "t",
                        "price": "60250.0000",
                        "amount": "7230000.00",
                    }
                ],
            },
            response_only=True,
        ),
    ],
    description="After the close: award to the leader, or to another bidder with a reason. Creates the order "
    "(number A-…) with the auction's log attached.",
)
@api_view(["POST"])
@permission_classes([IsOrganizationMember])
def auction_award(request: Request, pk: int) -> Response:
    auction = _auction(request, pk)
    _require_buyer(request, auction)
    serializer = AwardSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    slug = serializer.validated_data.get("supplier")
    supplier = None
    if slug:
        invitation = next((i for i in auction.invitations.all() if i.supplier.slug == slug), None)
        if invitation is None:
            raise serializers.ValidationError(
                {"supplier": [_("“%(slug)s” is not invited to this auction.") % {"slug": slug}]}
            )
        supplier = invitation.supplier
    try:
        order = services.auction_award(
            auction=auction, actor=request.actor, supplier=supplier, reason=serializer.validated_data.get("reason", "")
        )
    except services.Refused as error:
        return _refused(error)
    return Response(AwardOrderSerializer(order).data, status=status.HTTP_201_CREATED)


def _control(request: Request, pk: int, action, input_class=None) -> Response:
    auction = _auction(request, pk)
    _require_buyer(request, auction)
    arguments = {}
    if input_class is not None:
        serializer = input_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        arguments = dict(serializer.validated_data)
    try:
        action(auction=auction, actor=request.actor, **arguments)
    except services.Refused as error:
        return _refused(error)
    return _detail(request, auction)


@extend_schema(**_control_schema("Pause an auction", "Freeze the clock; the time left is kept."))
@api_view(["POST"])
@permission_classes([IsOrganizationMember])
def auction_pause(request: Request, pk: int) -> Response:
    return _control(request, pk, services.auction_pause)


@extend_schema(**_control_schema("Resume an auction", "Go on: the time left at the pause is given back."))
@api_view(["POST"])
@permission_classes([IsOrganizationMember])
def auction_resume(request: Request, pk: int) -> Response:
    return _control(request, pk, services.auction_resume)


@extend_schema(**_control_schema("Extend an auction", "More time, live or paused.", ExtendSerializer, {"seconds": 600}))
@api_view(["POST"])
@permission_classes([IsOrganizationMember])
def auction_extend(request: Request, pk: int) -> Response:
    return _control(request, pk, services.auction_extend, ExtendSerializer)


@extend_schema(
    **_control_schema(
        "Cancel an auction", "Cancel with a reason the suppliers are told.", CancelSerializer, {"reason": "Budget cut"}
    )
)
@api_view(["POST"])
@permission_classes([IsOrganizationMember])
def auction_cancel(request: Request, pk: int) -> Response:
    return _control(request, pk, services.auction_cancel, CancelSerializer)


@extend_schema(
    summary="Download an auction's log",
    examples=[
        OpenApiExample(
            "Log",
            '{"seq":1,"at":"2025-03-05T10:00:00.000000+03:00","kind":"opened","data":{},"prev_hash":"","hash":"9f2c..."}\n',
            response_only=True,
            media_type="application/jsonl",
        )
    ],
    responses={(200, "application/jsonl"): OpenApiTypes.STR},
    description="The buyer's: the hash-chained log as JSON lines (`seq`, `at`, `kind`, `data`, `prev_hash`, "
    "`hash` = SHA-256 of the previous hash and the canonical JSON of {seq, at, kind, data}).",
)
@api_view(["GET"])
@permission_classes([IsOrganizationMember])
def auction_log(request: Request, pk: int):
    auction = _auction(request, pk)
    _require_buyer(request, auction)
    response = StreamingHttpResponse(log.json_lines(auction), content_type="application/jsonl; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="auction-{auction.pk}-log.jsonl"'
    return response
