"""``/api/v1/``: each app adds its own ``api_urls`` module here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views, webhooks

urlpatterns = [
    path("me/", views.me, name="me"),
    path("webhooks/", webhooks.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/", webhooks.webhook_detail, name="webhook"),
    path("webhooks/<int:pk>/deliveries/", webhooks.webhook_deliveries, name="webhook_deliveries"),
    path("webhooks/<int:pk>/test/", webhooks.webhook_test, name="webhook_test"),
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
