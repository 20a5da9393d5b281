from django.urls import path

from . import api

urlpatterns = [
    path("auctions/", api.auction_list, name="auctions"),
    path("auctions/<int:pk>/", api.auction_detail, name="auction_detail"),
    path("auctions/<int:pk>/bids/", api.auction_bids, name="auction_bids"),
    path("auctions/<int:pk>/award/", api.auction_award, name="auction_award"),
    path("auctions/<int:pk>/pause/", api.auction_pause, name="auction_pause"),
    path("auctions/<int:pk>/resume/", api.auction_resume, name="auction_resume"),
    path("auctions/<int:pk>/extend/", api.auction_extend, name="auction_extend"),
    path("auctions/<int:pk>/cancel/", api.auction_cancel, name="auction_cancel"),
    path("auctions/<int:pk>/log/", api.auction_log, name="auction_log"),
]
