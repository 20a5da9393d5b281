"""The rating endpoints of CONTRACT.md: the leaderboard, the weights, trust marks, one supplier's
breakdown and monthly history. Writes go through ``ratings.services``; another organization's
supplier answers 404."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.api.pagination import page_response, paged
from marketplace.api.permissions import IsBuyer, IsOrganizationMember
from marketplace.models import Organization, Perm
from marketplace.selectors import active_suppliers

from . import selectors, services
from .explain import breakdown
from .models import CRITERIA, SupplierScore


def _criteria(score: SupplierScore) -> dict:
    return {
        name: {"value": round(getattr(score, f"{name}_value"), 4), "score": round(getattr(score, f"{name}_score"), 4)}
        for name in CRITERIA
    }


class ScoreSerializer(serializers.ModelSerializer):
    supplier = serializers.CharField(source="supplier.slug")
    name = serializers.CharField(source="supplier.name")
    score = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()

    class Meta:
        model = SupplierScore
        fields = ["supplier", "name", "score", "rank", "band", "confidence", "is_new", "trend", "criteria"]

    def get_score(self, record) -> float:
        return round(record.score, 1)

    def get_criteria(self, record) -> dict:
        return _criteria(record)


def _require_rate(request: Request) -> None:
    actor = getattr(request, "actor", None)
    if actor is None or not actor.can(Perm.RATE):
        raise PermissionDenied(_("Your role in this organization does not allow this."))


CRITERIA_EXAMPLE = {
    "orders": {"value": 48.0, "score": 0.82}, "volume": {"value": 5120000.0, "score": 0.74},
    "complaints": {"value": 0.02, "score": 0.9}, "delivery": {"value": 0.96, "score": 0.96},
    "price": {"value": 0.98, "score": 0.61}, "tenure": {"value": 730.0, "score": 1.0}, "trust": {"value": 8.0, "score": 0.8},
}  # fmt: skip
WEIGHTS_EXAMPLE = {
    "orders": "1", "volume": "1", "complaints": "2", "delivery": "2", "price": "1.5", "tenure": "0.5", "trust": "1",
}  # fmt: skip


@paged
@extend_schema(
    summary="The rating board",
    description="A buyer's suppliers best first, each with its score (0–100), rank, band, confidence and the "
    "criteria it is made of. A supplier gets 404: it never sees a buyer's board.",
    examples=[
        OpenApiExample(
            "Board",
            {
                "supplier": "steel-works",
                "name": "Steel Works",
                "score": 86.4,
                "rank": 1,
                "band": "A",
                "confidence": "high",
                "is_new": False,
                "trend": 1.2,
                "criteria": CRITERIA_EXAMPLE,
            },
            response_only=True,
        )
    ],
    parameters=[
        OpenApiParameter("category", int, description="A category id of yours."),
        OpenApiParameter("min_orders", int),
        OpenApiParameter("band", str),
        OpenApiParameter("q", str),
    ],
    responses=ScoreSerializer(many=True),
)
@api_view(["GET"])
@permission_classes([IsOrganizationMember])
def rating_list(request: Request) -> Response:
    if not request.organization.is_buyer:
        raise Http404  # a supplier learns nothing of any buyer's board
    scores = selectors.leaderboard(buyer=request.organization, filters=request.query_params, request=request)
    return page_response(request, scores, ScoreSerializer)


@extend_schema(
    summary="Read or set the rating weights",
    examples=[
        OpenApiExample("Weights", {"delivery": 3, "price": 1}, request_only=True),
        OpenApiExample("All weights", WEIGHTS_EXAMPLE, response_only=True),
    ],
    request={"application/json": {"type": "object", "additionalProperties": {"type": "number"}}},
    responses={200: {"type": "object"}},
    description="The weights by criterion name (orders, volume, complaints, delivery, price, tenure, trust); "
    "criteria left out keep their weight.",
)
@api_view(["GET", "PUT"])
@permission_classes([IsBuyer])
def weights(request: Request) -> Response:
    buyer = request.organization
    if request.method == "PUT":
        _require_rate(request)
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"detail": _("Send an object of weights by criterion name.")})
        services.weights_set(buyer=buyer, weights=dict(request.data), actor=request.actor)
    rating = selectors.rating_settings(buyer=buyer)
    return Response({name: str(w) for name, w in rating.weights().items()})


class TrustInputSerializer(serializers.Serializer):
    score = serializers.JSONField()
    comment = serializers.CharField(allow_blank=True, required=False, default="")


def _partner(buyer: Organization, slug: str) -> Organization:
    """An active supplier of ``buyer``; anything else (and any slug for a supplier) is a 404."""
    supplier = active_suppliers(buyer=buyer).filter(slug=slug).first() if buyer.is_buyer else None
    if supplier is None:
        raise Http404
    return supplier


@extend_schema(
    summary="Give a supplier a trust mark",
    description="A buyer's own judgement of an active supplier, 0–10 with a comment: one of the rating's criteria.",
    request=TrustInputSerializer,
    responses={201: {"type": "object"}},
    examples=[
        OpenApiExample("Mark", {"score": 8, "comment": "Always on time this year."}, request_only=True),
        OpenApiExample(
            "Recorded",
            {"id": 17, "score": 8, "comment": "Always on time this year.", "created_at": "2025-03-05T12:00:00+03:00"},
            response_only=True,
        ),
    ],
)
@api_view(["POST"])
@permission_classes([IsOrganizationMember])
def trust(request: Request, slug: str) -> Response:
    supplier = _partner(request.organization, slug)
    _require_rate(request)
    data = TrustInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    mark = services.trust_mark_add(
        buyer=request.organization,
        supplier=supplier,
        score=data.validated_data["score"],
        comment=data.validated_data["comment"],
        actor=request.actor,
    )
    body = {"id": mark.pk, "score": mark.score, "comment": mark.comment, "created_at": mark.created_at}
    return Response(body, status=status.HTTP_201_CREATED)


def _rated(request: Request, slug: str) -> tuple[Organization, Organization]:
    """(buyer, supplier): a buyer reads any active supplier of its own; a supplier only itself, from
    a buyer that shares (``?buyer=slug``). Anything else is a 404."""
    organization = request.organization
    if organization.is_buyer:
        return organization, _partner(organization, slug)
    if slug != organization.slug:
        raise Http404
    buyer = selectors.buyers_sharing_with(supplier=organization).filter(slug=request.query_params.get("buyer")).first()
    if buyer is None:
        raise Http404
    return buyer, organization


@extend_schema(
    summary="A supplier's rating with its breakdown and history",
    description="For a buyer: any active supplier of its own. For a supplier: itself, from a buyer that shares "
    "ratings with it (`?buyer=`). Each criterion comes with its weight, contribution and an explanation in words.",
    parameters=[OpenApiParameter("buyer", str, description="For a supplier: the buyer's slug.")],
    responses={200: {"type": "object"}},
    examples=[
        OpenApiExample(
            "Rating",
            {
                "supplier": "steel-works",
                "buyer": "uralstroy",
                "score": 86.4,
                "band": "A",
                "rank": 1,
                "confidence": "high",
                "is_new": False,
                "criteria": {
                    "delivery": {
                        "value": 0.96,
                        "score": 0.96,
                        "weight": "2",
                        "contribution": 24.3,
                        "explanation": "96% of orders delivered on time",
                    }
                },
                "history": [{"month": "2025-02-01", "score": 85.2, "band": "A"}],
            },
            response_only=True,
        )
    ],
)
@api_view(["GET"])
@permission_classes([IsOrganizationMember])
def supplier_rating(request: Request, slug: str) -> Response:
    buyer, supplier = _rated(request, slug)
    score = selectors.score_get(buyer=buyer, supplier=supplier)
    rating = selectors.rating_settings(buyer=buyer)
    body = {
        "supplier": supplier.slug,
        "buyer": buyer.slug,
        "score": round(score.score, 1) if score else None,
        "band": score.band if score else None,
        "rank": score.rank if score else None,
        "confidence": score.confidence if score else None,
        "is_new": score.is_new if score else None,
        "criteria": {
            row["name"]: {
                "value": round(row["value"], 4),
                "score": round(row["score"], 4),
                "weight": str(row["weight"]),
                "contribution": round(row["contribution"], 2),
                "explanation": row["words"],
            }
            for row in (breakdown(score, rating) if score else [])
        },
        "history": [
            {"month": s.month.isoformat(), "score": round(s.score, 1), "band": s.band}
            for s in selectors.history(buyer=buyer, supplier=supplier)
        ],
    }
    return Response(body)
