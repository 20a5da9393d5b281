"""HTTP and websockets in one ASGI app, served by daphne."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from auctions.middleware import KeyClientsWithoutOrigin  # noqa: E402
from marketplace.bodies import BodyLimit  # noqa: E402
from marketplace.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodyLimit(django_asgi_app),  # a body over REQUEST_MAX_BYTES is never read
        # A foreign Origin is refused; a program presenting an API key without any Origin is let
        # through to the key check (auctions/middleware.py says why that is safe).
        "websocket": KeyClientsWithoutOrigin(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
