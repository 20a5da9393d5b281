"""Websocket routes of every app (the auctions add theirs here)."""

websocket_urlpatterns: list = []
