"""Websocket routes of every app (the auctions add theirs here)."""

from auctions.routing import websocket_urlpatterns as auction_routes

websocket_urlpatterns: list = [*auction_routes]
