"""The one way into tenant data for views: the active organization, its role, and object lookups
that answer 404 for anything the organization may not see."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from .exports import SafeTableExport
from .models import Membership, Organization, Perm, acting_permission
from .tables import TenantTable

SESSION_KEY = "active_organization_id"


def memberships_of(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name")


def resolve_membership(request: HttpRequest) -> Membership | None:
    """The membership of the organization chosen in this session, else the one the person chose
    last (in any session), else their first by name."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = memberships_of(user)
    chosen = request.session.get(SESSION_KEY)
    membership = None
    if chosen is not None:
        membership = memberships.filter(organization_id=chosen).first()
    if membership is None:
        membership = memberships.order_by(F("last_chosen_at").desc(nulls_last=True), "organization__name").first()
        if membership is not None:
            request.session[SESSION_KEY] = membership.organization_id
    return membership


def switch_organization(request: HttpRequest, organization_id: int) -> Membership:
    membership = memberships_of(request.user).filter(organization_id=organization_id).first()
    if membership is None:
        raise Http404(_("No such organization."))
    choose(request, membership)
    return membership


def choose(request: HttpRequest, membership: Membership) -> None:
    """Work as ``membership``'s organization in this session, and land there at the next login."""
    request.session[SESSION_KEY] = membership.organization_id
    membership.last_chosen_at = timezone.now()
    membership.save(update_fields=["last_chosen_at"])


def require(request: HttpRequest, permission: Perm | str) -> None:
    """403 unless whoever acts in this request (the session's member, or an API key) holds
    ``permission`` (see ``ROLE_PERMISSIONS``)."""
    permission = Perm(permission)  # a misspelt name raises instead of answering 403 to everyone
    actor = getattr(request, "actor", None)
    if actor is not None and actor.organization is not None:
        allowed = actor.can(permission)
    else:
        membership: Membership | None = getattr(request, "membership", None)
        allowed = membership is not None and membership.can(permission)
    if not allowed:
        raise PermissionDenied(_("Your role in this organization does not allow this."))


def can(request: HttpRequest, permission: Perm | str) -> bool:
    """``require`` as a question, for showing or hiding a button."""
    try:
        require(request, permission)
    except PermissionDenied:
        return False
    return True


def can_act(request: HttpRequest) -> bool:
    """Whether the active role may act on its side's business (procure for a buyer, work for a
    supplier)."""
    organization = getattr(request, "organization", None)
    return organization is not None and can(request, acting_permission(organization.kind))


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


def fetch(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    kind: str | None = None,
    permission: Perm | str | None = None,
    **lookup,
) -> Model:
    """The one way a view gets a tenant object: 404 when the active organization may not see it
    (``queryset`` is scoped here through its ``visible_to`` when it has one; a queryset without one
    must come scoped), then 403 when the organization is not of ``kind`` or its role may not do
    ``permission``. Always in that order, so a foreign id never learns more than "not found"."""
    organization = getattr(request, "organization", None)
    if hasattr(queryset, "visible_to"):
        queryset = queryset.visible_to(organization)
    elif organization is None:
        queryset = queryset.none()
    obj = get_for(queryset, **lookup)
    if kind is not None:
        require_kind(request, kind)
    if permission is not None:
        require(request, permission)
    return obj


def tenant_view(*, kind: str | None = None, permission: Perm | str | None = None) -> Callable:
    """For function views, what ``TenantTableView`` declares for lists: login, an active
    organization, then the organization kind and the role's permission (403 otherwise).

    Views that fetch one object leave ``kind`` and ``permission`` to ``fetch`` so that a foreign id
    answers 404 before the organization or its role is looked at. It goes under the method
    decorator (``@require_POST`` first), so that a wrong method is a 405 whoever asks."""
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


MAX_PER_PAGE = 200
DEFAULT_EXPORT_MAX_ROWS = 100_000


class CappedPaginator(Paginator):
    """``?per_page=`` is the reader's to choose, up to ``MAX_PER_PAGE`` (a page of 100,000 rows kept a
    process busy for minutes, and went on after the reader had left)."""

    def __init__(self, object_list, per_page, *args, **kwargs):
        super().__init__(object_list, min(max(int(per_page), 1), MAX_PER_PAGE), *args, **kwargs)


def export_max_rows() -> int:
    return int(getattr(settings, "TABLE_EXPORT_MAX_ROWS", DEFAULT_EXPORT_MAX_ROWS))


class TenantTableView(ExportMixin, SingleTableMixin, FilterView):
    """Base of every list page: scope to the organization first, filter second, export on demand.

    Subclasses set ``table_class``, ``filterset_class``, ``template_name``, ``export_name``,
    optionally ``required_kind`` / ``required_permission`` (403 otherwise) and ``create_kind`` /
    ``create_permission`` (who sees the page's "new" button: ``can_create`` in the context), and
    implement ``scope(request)``. A ``marketplace.tables.TenantTable`` is told the organization.
    """

    required_kind: str | None = None
    required_permission: Perm | None = None
    create_kind: str | None = None
    create_permission: Perm | None = None
    paginate_by = 25
    paginator_class = CappedPaginator
    export_formats = ("csv", "xlsx")
    export_class = SafeTableExport  # every export neutralises formulas (marketplace.exports)
    export_name = "export"

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

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        if issubclass(self.get_table_class(), TenantTable):
            kwargs["organization"] = self.request.organization
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = self.create_permission is not None and (
            self.create_kind in (None, self.request.organization.kind) and can(self.request, self.create_permission)
        )
        return context

    def create_export(self, export_format):
        """The export, unless it is longer than ``TABLE_EXPORT_MAX_ROWS``: then the list again, saying
        so (a long CSV streams, see ``marketplace.exports``)."""
        table = self.get_table(**self.get_table_kwargs())
        count, limit = len(table.rows), export_max_rows()
        if count > limit:
            messages.error(
                self.request,
                _(
                    "This export would hold %(count)s rows; at most %(limit)s can be exported at once. "
                    "Narrow the filters and export again."
                )
                % {"count": count, "limit": limit},
            )
            query = self.request.GET.copy()
            query.pop(self.export_trigger_param, None)
            return redirect(f"{self.request.path}?{query.urlencode()}" if query else self.request.path)
        exporter = self.export_class(
            export_format=export_format,
            table=table,
            exclude_columns=self.exclude_columns,
            dataset_kwargs=self.get_dataset_kwargs(),
        )
        return exporter.response(filename=self.get_export_filename(export_format))

    def get_export_filename(self, export_format):
        return f"{self.export_name}.{export_format}"
