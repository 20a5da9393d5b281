"""``integrations/1c/`` (CONTRACT.md, 1C exchange): which 1C price type is published to which buyer."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.api.permissions import IsSupplier
from marketplace.api.serializers import StrictSerializerMixin
from marketplace.models import Perm
from marketplace.tenancy import require

from . import services


class PriceTypesSerializer(StrictSerializerMixin, serializers.Serializer):
    price_types = serializers.DictField(
        child=serializers.CharField(),
        help_text="1C price type name → a partner buyer's slug, or `*` for every active partner buyer.",
    )


EXAMPLE = {"price_types": {"Оптовая": "*", "Крупный опт": "acme"}}


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
    examples=[OpenApiExample("Two price types", value=EXAMPLE)],
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
        services.price_types_set(actor=request.actor, price_types=data.validated_data["price_types"])
    return Response({"price_types": services.settings_for(request.organization).price_types})
