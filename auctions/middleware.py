"""``Authorization: Bearer <key>`` on the websocket handshake (CONTRACT.md: a supplier's own system
bids over the socket with its API key, as over REST).

A handshake that presents a key is judged by the key alone: the browser session is ignored, and an
invalid or revoked key is refused (the consumer closes it with 4403). Browsers cannot put an
Authorization header on a websocket, and they always send ``Origin``; so a handshake with a key and
without ``Origin`` is a program, not a page that another site opened, and it may skip the Origin
check that protects cookie sessions (``KeyClientsWithoutOrigin``).
"""

from __future__ import annotations

from channels.db import database_sync_to_async

from marketplace.services import api_key_authenticate


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


def bearer_key(scope) -> str | None:
    """The key of an ``Authorization: Bearer`` header ("" when the header is empty), else None."""
    header = _header(scope, b"authorization")
    if header is None:
        return None
    scheme, _sep, key = header.decode("latin-1").partition(" ")
    if scheme.strip().lower() != "bearer":
        return None
    return key.strip()


class BearerKeyMiddleware:
    """Puts ``api_key`` (the usable key, or None) and ``api_key_presented`` into the scope."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        key = bearer_key(scope)
        if key is not None:
            api_key = await database_sync_to_async(api_key_authenticate)(key) if key else None
            scope = {**scope, "api_key": api_key, "api_key_presented": True}
        return await self.app(scope, receive, send)


class KeyClientsWithoutOrigin:
    """Wraps ``AllowedHostsOriginValidator(...)``: a handshake with a Bearer key and no ``Origin``
    goes straight to the application behind the validator; everything else is validated as usual
    (so a foreign ``Origin`` is refused whatever it carries)."""

    def __init__(self, validator):
        self.validator = validator

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "websocket" and _header(scope, b"origin") is None and bearer_key(scope):
            return await self.validator.application(scope, receive, send)
        return await self.validator(scope, receive, send)
