from django.urls import path

from . import integrations, views

urlpatterns = [
    path("exchange/1c/", views.exchange_1c, name="exchange_1c"),
    path("organization/integrations/1c/", integrations.price_types_save, name="exchange_1c_price_types"),
]
