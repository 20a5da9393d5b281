from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from ..actors import Actor
from ..services import api_key_authenticate


class ApiKeyUser:
    """Who an API request acts as: the organization behind the key, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key):
        self.api_key = api_key
        self.organization = api_key.organization

    def __str__(self) -> str:
        return f"API key {self.api_key.name} ({self.organization.slug})"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        key = key.strip()
        if not key:
            raise exceptions.AuthenticationFailed(_("The Authorization header holds no key."))
        api_key = api_key_authenticate(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        request._request.actor = Actor.of_api_key(api_key)
        return ApiKeyUser(api_key), api_key

    def authenticate_header(self, request):
        return self.keyword


class ReadOnlySessionAuthentication(authentication.SessionAuthentication):
    """A logged-in browser may read the API; writes need a key (no CSRF dance for integrators)."""

    def authenticate(self, request):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            return None
        return super().authenticate(request)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "marketplace.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": _("An organization's API key.")}


class ReadOnlySessionScheme(OpenApiAuthenticationExtension):
    target_class = "marketplace.api.authentication.ReadOnlySessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
