"""The one way into tenant data for views: the active organization, its role, and object lookups
that answer 404 for anything the organization may not see."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from .models import Membership, Organization, Perm

SESSION_KEY = "active_organization_id"


def memberships_of(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name")


def resolve_membership(request: HttpRequest) -> Membership | None:
    """The membership of the organization chosen in this session, else the user's first one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = memberships_of(user)
    chosen = request.session.get(SESSION_KEY)
    membership = None
    if chosen is not None:
        membership = memberships.filter(organization_id=chosen).first()
    if membership is None:
        membership = memberships.first()
        if membership is not None:
            request.session[SESSION_KEY] = membership.organization_id
    return membership


def switch_organization(request: HttpRequest, organization_id: int) -> Membership:
    membership = memberships_of(request.user).filter(organization_id=organization_id).first()
    if membership is None:
        raise Http404(_("No such organization."))
    request.session[SESSION_KEY] = membership.organization_id
    return membership


def require(request: HttpRequest, permission: Perm | str) -> None:
    """403 unless the active role grants ``permission`` (see ROLE_PERMISSIONS)."""
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None or not membership.can(permission):
        raise PermissionDenied(_("Your role in this organization does not allow this."))


def require_kind(request: HttpRequest, kind: str) -> None:
    organization: Organization | None = getattr(request, "organization", None)
    if organization is None or organization.kind != kind:
        raise PermissionDenied(_("This page is for %(kind)s organizations.") % {"kind": kind})


def organization_required(view: Callable) -> Callable:
    """Login and an active organization; a person without one is sent to create or join one."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if getattr(request, "organization", None) is None:
            return redirect("organization_create")
        return view(request, *args, **kwargs)

    return wrapper


def get_for(queryset: QuerySet, **lookup) -> Model:
    """``queryset`` must already be scoped to the organization; anything outside it is a 404."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404(_("Not found."))
    return obj


def fetch(request: HttpRequest, queryset: QuerySet, *, permission: Perm | str | None = None, **lookup) -> Model:
    """The one way a view gets a tenant object: 404 when the active organization may not see it
    (``queryset`` is scoped here through its ``visible_to`` when it has one), then 403 when its role
    may not do this. Always in that order, so a foreign id never learns more than "not found"."""
    organization = getattr(request, "organization", None)
    if hasattr(queryset, "visible_to"):
        queryset = queryset.visible_to(organization)
    elif organization is None:
        queryset = queryset.none()
    obj = get_for(queryset, **lookup)
    if permission is not None:
        require(request, permission)
    return obj


def tenant_view(*, kind: str | None = None, permission: Perm | str | None = None) -> Callable:
    """For function views, what ``TenantTableView`` declares for lists: login, an active
    organization, then the organization kind and the role's permission (403 otherwise).

    Views that fetch one object should leave ``permission`` to ``fetch`` so that a foreign id answers
    404 before the role is looked at."""
    if permission is not None:
        Perm(permission)  # a misspelt name fails at import, not as a silent 403

    def decorate(view: Callable) -> Callable:
        @organization_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if kind:
                require_kind(request, kind)
            if permission is not None:
                require(request, permission)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


class TenantTableView(ExportMixin, SingleTableMixin, FilterView):
    """Base of every list page: scope to the organization first, filter second, export on demand.

    Subclasses set ``table_class``, ``filterset_class``, ``template_name``, optionally
    ``required_kind`` / ``required_permission``, and implement ``scope(request)``.
    """

    required_kind: str | None = None
    required_permission: str | None = None
    paginate_by = 25
    export_formats = ("csv", "xlsx")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request, "organization", None) is None:
            return redirect("organization_create")
        if self.required_kind:
            require_kind(request, self.required_kind)
        if self.required_permission:
            require(request, self.required_permission)
        return super().dispatch(request, *args, **kwargs)

    def scope(self, request: HttpRequest) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self):
        return self.scope(self.request)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["request"] = self.request
        return kwargs

    def get_export_filename(self, export_format):
        return f"{self.export_name}.{export_format}"

    export_name = "export"
