"""``/api/v1/``: each app adds its own ``api_urls`` module here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

urlpatterns = [
    path("me/", views.me, name="me"),
    path("", include("pricing.api_urls")),
    path("", include("cabinet.api_urls")),
    path("", include("ratings.api_urls")),
    path("", include("auctions.api_urls")),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[], authentication_classes=[]),
        name="docs",
    ),
]
