from django.contrib.auth import get_user_model
from django.utils.functional import SimpleLazyObject

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
