from django.urls import path

from . import views

app_name = "auctions"

urlpatterns = [
    path("", views.auction_list, name="list"),
    path("new/", views.auction_create, name="create"),
    path("<int:pk>/", views.auction_detail, name="detail"),
    path("<int:pk>/log/", views.auction_log, name="log"),
    path("<int:pk>/schedule/", views.auction_schedule, name="schedule"),
    path("<int:pk>/pause/", views.auction_pause, name="pause"),
    path("<int:pk>/resume/", views.auction_resume, name="resume"),
    path("<int:pk>/extend/", views.auction_extend, name="extend"),
    path("<int:pk>/cancel/", views.auction_cancel, name="cancel"),
    path("<int:pk>/award/", views.auction_award, name="award"),
]
