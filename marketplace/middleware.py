from django.contrib.auth import get_user_model
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from .actors import Actor
from .tenancy import resolve_membership


class ActiveOrganizationMiddleware:
    """Sets ``request.membership``, ``request.organization``, ``request.role`` and ``request.actor``
    for the session's active organization (pretix's control middleware, in small)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = resolve_membership(request)
        request.membership = membership
        request.organization = membership.organization if membership else None
        request.role = membership.role if membership else None
        request.actor = _actor(request, membership)
        request.memberships = SimpleLazyObject(lambda: list(_memberships(request)))
        _remember_language(request)
        return self.get_response(request)


def _actor(request, membership) -> Actor | None:
    """The person acting in this session; None for an anonymous visitor (an Actor with neither a
    person nor a key would be the system itself, which may do anything)."""
    if membership is not None:  # request.user is the membership's user, already loaded
        return Actor(organization=membership.organization, user=request.user, role=membership.role)
    if not request.user.is_authenticated:
        return None
    return Actor(organization=None, user=request.user)


def _remember_language(request) -> None:
    """Keep the person's current site language, so that mail to them can be written in it."""
    user = request.user
    language = getattr(request, "LANGUAGE_CODE", "")
    if user.is_authenticated and language and language != user.language:
        get_user_model().objects.filter(pk=user.pk).update(language=language)
        user.language = language


def _memberships(request):
    from .tenancy import memberships_of

    if not request.user.is_authenticated:
        return []
    return memberships_of(request.user)


class BadQueryMiddleware:
    """A query string with a NUL (``?sku=%00``) is a 400: no filter, form or SQL string may hold one
    (PostgreSQL refuses it, so every filter it reached answered 500). The API answers in JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            message = _("The address holds a NUL character, which no parameter may contain.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
