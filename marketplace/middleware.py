from django.utils.functional import SimpleLazyObject

from .tenancy import resolve_membership


class ActiveOrganizationMiddleware:
    """Sets ``request.membership``, ``request.organization`` and ``request.role`` for the session's
    active organization (pretix's control middleware, in small)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = resolve_membership(request)
        request.membership = membership
        request.organization = membership.organization if membership else None
        request.role = membership.role if membership else None
        request.memberships = SimpleLazyObject(lambda: list(_memberships(request)))
        return self.get_response(request)


def _memberships(request):
    from .tenancy import memberships_of

    if not request.user.is_authenticated:
        return []
    return memberships_of(request.user)
