"""Pricing's part of the organization's Integrations pages (mounted at ``organization/integrations/``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("1c/", views.exchange_1c_price_types, name="exchange_1c_price_types"),
]
