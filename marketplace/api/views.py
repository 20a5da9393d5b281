from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from .serializers import MeSerializer


@extend_schema(
    summary="Who this key acts for",
    responses=MeSerializer,
    examples=[
        OpenApiExample(
            "A supplier's key",
            {"organization": {"slug": "steel-works", "name": "Steel Works", "kind": "supplier"}},
            response_only=True,
        )
    ],
)
@api_view(["GET"])
def me(request: Request) -> Response:
    """The organization this key (or session) acts for."""
    return Response(MeSerializer({"organization": request.organization}).data)


def not_found(request, exception=None):
    """The site's 404 handler: under ``/api/`` the API's JSON error (an id that is not a number, a
    path that does not exist), elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)
