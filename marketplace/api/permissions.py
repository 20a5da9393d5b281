from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from ..models import Organization


def api_organization(request) -> Organization | None:
    """The organization an API request acts for: the key's, or the session's active one."""
    user = request.user
    if getattr(user, "api_key", None) is not None:
        return user.organization
    return getattr(request._request, "organization", None)


class IsOrganizationMember(permissions.BasePermission):
    message = _("Authenticate with “Authorization: Bearer <key>”; a browser session may only read.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        request.organization = api_organization(request)
        return request.organization is not None


class IsBuyer(IsOrganizationMember):
    message = _("Only a buyer organization may do this.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.organization.is_buyer


class IsSupplier(IsOrganizationMember):
    message = _("Only a supplier organization may do this.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.organization.is_supplier
