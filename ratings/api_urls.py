from django.urls import path

from . import api

urlpatterns = [
    path("ratings/", api.rating_list, name="ratings"),
    path("ratings/weights/", api.weights, name="rating_weights"),
    path("suppliers/<slug:slug>/trust/", api.trust, name="supplier_trust"),
    path("suppliers/<slug:slug>/rating/", api.supplier_rating, name="supplier_rating"),
]
