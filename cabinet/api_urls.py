from django.urls import path

from . import api

urlpatterns = [
    path("orders/", api.order_list, name="orders"),
    path("orders/<int:pk>/", api.order_detail, name="order_detail"),
    path("orders/<int:pk>/transition/", api.order_transition, name="order_transition"),
    path("orders/<int:pk>/complaints/", api.order_complaints, name="order_complaints"),
    path("requests/", api.rfq_list, name="requests"),
    path("requests/<int:pk>/", api.rfq_detail, name="request_detail"),
]
