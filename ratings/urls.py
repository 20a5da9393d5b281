from django.urls import path

from . import views

app_name = "ratings"
urlpatterns = [
    path("", views.board, name="board"),
    path("settings/", views.settings_page, name="settings"),
    path("top/", views.top, name="top"),
    path("disputes/", views.disputes, name="disputes"),
    path("disputes/<int:pk>/answer/", views.dispute_answer, name="dispute_answer"),
    path("suppliers/<slug:slug>/", views.supplier, name="supplier"),
    path("suppliers/<slug:slug>/trust/", views.trust_add, name="trust_add"),
    path("from/<slug:slug>/", views.own, name="own"),
    path("from/<slug:slug>/dispute/", views.dispute_open, name="dispute_open"),
]
