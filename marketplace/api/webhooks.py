"""``webhooks/``: an organization's endpoints (CONTRACT.md, Webhooks). Admins only; the secret is
in the answer to the POST and never again."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from .. import webhooks
from ..models import Perm, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ..tenancy import fetch, require
from .serializers import StrictSerializerMixin


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["at", "status_code", "latency_ms", "response_excerpt", "error"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "message_id", "event_type", "status", "attempts", "next_attempt_at", "created_at", "log"]


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=sorted(webhooks.EVENT_TYPES)))

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "is_active", "disabled_at", "created_at"]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="Shown only in this answer: keep it to verify signatures.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookEndpointInput(StrictSerializerMixin, serializers.Serializer):
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(child=serializers.CharField(), allow_empty=False)


ERRORS = {
    400: OpenApiResponse(description='A field error, e.g. `{"url": ["Give an http:// or https:// address."]}`.'),
    403: OpenApiResponse(description="Only the organization's admins (and its API keys) manage webhooks."),
}
NO_ENDPOINT = OpenApiResponse(description="No such endpoint of this organization.")


ENDPOINT = {
    "id": 7,
    "url": "https://erp.example.com/hooks/marketplace",
    "events": ["order.placed", "order.moved"],
    "is_active": True,
    "disabled_at": None,
    "created_at": "2025-03-01T09:00:00+03:00",
}
DELIVERY = {
    "id": 301,
    "message_id": "msg_2d1TQ0e3Xk",
    "event_type": "webhook.test",
    "status": "delivered",
    "attempts": 1,
    "next_attempt_at": None,
    "created_at": "2025-03-01T09:05:00+03:00",
    "log": [
        {"at": "2025-03-01T09:05:00+03:00", "status_code": 200, "latency_ms": 84, "response_excerpt": "ok", "error": ""}
    ],
}


def _endpoints(request):
    return WebhookEndpoint.objects.filter(organization=request.organization)


@extend_schema(
    methods=["GET"],
    summary="List webhook endpoints",
    description="The organization's endpoints (admins and API keys only); secrets are never shown again.",
    responses={200: WebhookEndpointSerializer(many=True), **ERRORS},
    examples=[OpenApiExample("Endpoints", [ENDPOINT], response_only=True)],
)
@extend_schema(
    methods=["POST"],
    summary="Register a webhook endpoint",
    description="Answers the endpoint with its signing `secret`, the only time it is shown.",
    request=WebhookEndpointInput,
    responses={201: WebhookEndpointCreatedSerializer, **ERRORS},
    examples=[
        OpenApiExample(
            "Register",
            value={"url": "https://erp.example.com/hooks/marketplace", "events": ["order.placed", "order.moved"]},
            request_only=True,
        ),
        OpenApiExample("Registered", {**ENDPOINT, "secret": "whsec_MfKQ9r45PQ8Rx1xP0W2bzA=="}, response_only=True),
    ],
)
@api_view(["GET", "POST"])
def webhook_list(request: Request) -> Response:
    """Endpoints of this organization; POST registers one and answers its secret, once."""
    require(request, Perm.MANAGE_KEYS)
    if request.method == "GET":
        return Response(WebhookEndpointSerializer(_endpoints(request), many=True).data)
    data = WebhookEndpointInput(data=request.data)
    data.is_valid(raise_exception=True)
    endpoint = webhooks.webhook_endpoint_create(
        organization=request.organization, actor=request.actor, **data.validated_data
    )
    return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)


@extend_schema(
    methods=["GET"],
    summary="Read a webhook endpoint",
    description="One endpoint of this organization.",
    responses={200: WebhookEndpointSerializer, 404: NO_ENDPOINT},
    examples=[OpenApiExample("Endpoint", ENDPOINT, response_only=True)],
)
@extend_schema(
    methods=["DELETE"],
    summary="Delete a webhook endpoint",
    description="No more deliveries go to it; its log goes with it.",
    responses={204: OpenApiResponse(description="Deleted."), 404: NO_ENDPOINT},
)
@api_view(["GET", "DELETE"])
def webhook_detail(request: Request, pk: int) -> Response:
    endpoint = fetch(request, _endpoints(request), permission=Perm.MANAGE_KEYS, pk=pk)
    if request.method == "GET":
        return Response(WebhookEndpointSerializer(endpoint).data)
    webhooks.webhook_endpoint_delete(endpoint=endpoint, actor=request.actor)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    summary="The last deliveries of an endpoint with their log",
    description="The 50 latest deliveries, newest first, each with its attempts (time, status code, latency, "
    "the start of the answer).",
    responses={200: WebhookDeliverySerializer(many=True), 404: NO_ENDPOINT},
    examples=[OpenApiExample("Deliveries", [DELIVERY], response_only=True)],
)
@api_view(["GET"])
def webhook_deliveries(request: Request, pk: int) -> Response:
    endpoint = fetch(request, _endpoints(request), permission=Perm.MANAGE_KEYS, pk=pk)
    deliveries = endpoint.deliveries.prefetch_related("log")[:50]
    return Response(WebhookDeliverySerializer(deliveries, many=True).data)


@extend_schema(
    summary="Send a test event to an endpoint",
    description="Delivers a signed `webhook.test` event now and answers the delivery with its log.",
    request=None,
    responses={201: WebhookDeliverySerializer, 404: NO_ENDPOINT},
    examples=[OpenApiExample("Delivered", DELIVERY, response_only=True)],
)
@api_view(["POST"])
def webhook_test(request: Request, pk: int) -> Response:
    endpoint = fetch(request, _endpoints(request), permission=Perm.MANAGE_KEYS, pk=pk)
    delivery = webhooks.webhook_send_test(endpoint=endpoint, actor=request.actor)
    delivery.refresh_from_db()
    return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_201_CREATED)
