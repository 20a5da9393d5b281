from django.urls import path

from . import api

urlpatterns = [
    path("integrations/1c/", api.integration_1c, name="integration_1c"),
]
