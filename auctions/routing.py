from django.urls import path

from .consumers import AuctionConsumer
from .middleware import BearerKeyMiddleware

websocket_urlpatterns = [
    path("ws/auctions/<int:auction_id>/", BearerKeyMiddleware(AuctionConsumer.as_asgi())),
]
