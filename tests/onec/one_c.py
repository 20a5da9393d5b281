"""The test client as 1C: HTTP Basic with the supplier's slug and an API key."""

import base64

from django.core.cache import cache


def log_in_as_1c(client, login: str, password: str):
    """The client sending HTTP Basic as 1C does (the failed-login counter cleared first)."""
    cache.clear()
    client.defaults["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()
    return client
