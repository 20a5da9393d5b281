from django.contrib import admin
from django.urls import include, path

from . import bodies, integration_views, views
from .exchange.views import exchange_1c

handler400 = bodies.bad_request  # a body that could not be read: said in words, JSON on /api/

partner_patterns = (
    [
        path("", views.partner_list, name="list"),
        path("invite/", views.partner_invite, name="invite"),
        path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
        path("<int:pk>/", views.partner_detail, name="detail"),
        path("<int:pk>/move/", views.partner_move, name="move"),
        path("<int:pk>/categories/", views.partner_categories, name="categories"),
    ],
    "partners",
)

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers and crawlers ask for /favicon.ico whatever the page links.
    path("favicon.ico", views.favicon),
    path("accounts/signup/", views.signup),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("marketplace.api.urls", "api"))),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/switch/", views.organization_switch, name="organization_switch"),
    path("organization/", views.organization_settings, name="organization_settings"),
    path("organization/members/", views.member_add, name="member_add"),
    path("organization/members/<int:pk>/", views.member_update, name="member_update"),
    path("organization/invitations/<int:pk>/", views.member_invitation, name="member_invitation"),
    path("organization/api-keys/", views.api_key_create, name="api_key_create"),
    path("organization/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("organization/integrations/", integration_views.integrations, name="integrations"),
    path("organization/webhooks/<int:pk>/delete/", integration_views.webhook_delete, name="webhook_delete"),
    path("organization/webhooks/<int:pk>/test/", integration_views.webhook_test, name="webhook_test"),
    path("organization/webhooks/<int:pk>/enable/", integration_views.webhook_enable, name="webhook_enable"),
    path(
        "organization/webhooks/deliveries/<int:pk>/redeliver/",
        integration_views.webhook_redeliver,
        name="webhook_redeliver",
    ),
    path("organization/integrations/", include("pricing.integration_urls")),
    path("exchange/1c/", exchange_1c, name="exchange_1c"),
    path("partners/", include(partner_patterns)),
    path("cabinet/", include("cabinet.urls")),
    path("pricing/", include("pricing.urls")),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/", views.notification_open, name="notification_open"),
    path("ratings/", include("ratings.urls")),
    path("auctions/", include("auctions.urls")),
    path("buyers/", views.buyer_list, name="buyers"),
    path("buyers/apply/", views.buyer_apply, name="buyer_apply"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]

handler404 = "marketplace.api.views.not_found"
