from django.urls import path

from . import api

urlpatterns = [
    path("price-lists/", api.price_lists, name="price_lists"),
    path("price-lists/uploads/<int:pk>/", api.price_list_upload, name="price_list_upload"),
    path("price-lists/<int:pk>/", api.price_list_detail, name="price_list_detail"),
    path("price-lists/<int:pk>/items/", api.price_list_items, name="price_list_items"),
    path("offers/", api.offers, name="offers"),
    path("integrations/1c/", api.integration_1c, name="integration_1c"),
]
