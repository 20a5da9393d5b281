"""The client's address behind a reverse proxy (issue 10, finding 3).

``X-Forwarded-For`` is believed only as far as it was written by proxies we trust
(``TRUSTED_PROXIES``, loopback by default: a process on this machine, such as the nginx of
``deploy/nginx.conf``). The header is read from the right, each hop appended by the proxy in
front of it: the first address that is not a trusted proxy is the client. A request that reaches
daphne from any other address is taken at its word of ``REMOTE_ADDR`` alone, so a client cannot
choose its own address by sending the header. Login rate limits (allauth) and the 1C exchange's
wrong-password limit key on this address. ``X-Forwarded-Proto`` (Django's
``SECURE_PROXY_SSL_HEADER`` with ``HTTPS=1``) is dropped the same way from anyone but a trusted
proxy (``ForwardedProtoMiddleware``), so a client cannot call plain HTTP secure.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.ipv4_mapped or address if isinstance(address, ipaddress.IPv6Address) else address


def is_trusted_proxy(text: str) -> bool:
    address = _address(text)
    return address is not None and any(address in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent ``request`` ("" when even the peer's is unknown)."""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    if not is_trusted_proxy(peer):
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if _address(hop) is None:
            break  # garbage written by someone we do not trust: stop at the last good hop
        if not is_trusted_proxy(hop):
            return str(_address(hop))
        peer = hop
    return str(_address(peer) or peer)


class ForwardedProtoMiddleware:
    """First in the chain: ``X-Forwarded-Proto`` counts only from a trusted proxy (else Django's
    ``SECURE_PROXY_SSL_HEADER`` would take a plain-HTTP client's word that it came over HTTPS)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if "HTTP_X_FORWARDED_PROTO" in request.META and not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            del request.META["HTTP_X_FORWARDED_PROTO"]
        return self.get_response(request)
