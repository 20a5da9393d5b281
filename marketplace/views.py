from allauth.account.forms import ResetPasswordForm
from allauth.account.views import SignupView as AllauthSignupView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .adapters import INVITATION_SESSION_KEY
from .filters import BuyerPartnershipFilter, PartnershipFilter
from .forms import (
    ApiKeyForm,
    ApplyForm,
    InvitationAcceptForm,
    InvitationForm,
    MemberAddForm,
    MemberRoleForm,
    OrganizationCreateForm,
    OrganizationForm,
    PartnershipCategoriesForm,
    PartnershipMoveForm,
    perform,
    show_form_errors,
    show_service_error,
)
from .models import MemberInvitation, Membership, OrganizationKind, Partnership, PartnershipStatus, Perm, Role, User
from .tables import BuyerPartnershipTable, PartnershipTable
from .tenancy import TenantTableView, can, choose, fetch, require, switch_organization, tenant_view

BUYER, SUPPLIER = OrganizationKind.BUYER, OrganizationKind.SUPPLIER


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "marketplace/landing.html")
    if request.organization is None:
        return redirect("organization_create")
    from .dashboard import dashboard_context

    return render(request, "marketplace/home.html", dashboard_context(request))


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers ask for /favicon.ico whatever the page links (resolved per request, so
    that the URLconf loads before collectstatic has run)."""
    return redirect(static("favicon.svg"), permanent=True)


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = perform(
            request,
            services.organization_create,
            form=form,
            success=lambda created: _("%(name)s is ready.") % {"name": created.name},
            owner=request.user,
            **form.cleaned_data,
        )
        if organization is not None:
            switch_organization(request, organization.pk)
            return redirect("home")
    return render(request, "marketplace/organization_create.html", {"form": form})


@login_required
@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    try:
        organization_id = int(request.POST.get("organization", ""))
    except ValueError:
        organization_id = 0
    membership = switch_organization(request, organization_id)
    messages.info(request, _("You are working as %(org)s.") % {"org": membership.organization.name})
    target = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("home")
    return redirect(target)


@require_http_methods(["GET", "POST"])
@tenant_view()
def organization_settings(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    can_manage = can(request, Perm.MANAGE_ORG)
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST":
        require(request, Perm.MANAGE_ORG)
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved."))
            return redirect("organization_settings")
    return render(
        request,
        "marketplace/organization_settings.html",
        {
            "form": form,
            "can_manage": can_manage,
            "can_manage_keys": can(request, Perm.MANAGE_KEYS),
            "members": selectors.member_list(organization=organization),
            "member_form": MemberAddForm(organization=organization),
            "role_choices": MemberAddForm(organization=organization).fields["role"].choices,
            "api_keys": selectors.api_key_list(organization=organization),
            "api_key_form": ApiKeyForm(),
        },
    )


@require_POST
@tenant_view(permission=Perm.MANAGE_ORG)
def member_add(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    form = MemberAddForm(request.POST, organization=organization)
    if not form.is_valid():
        messages.error(request, _("Check the email and role."))
        return redirect("organization_settings")
    email = form.cleaned_data["email"].lower()
    role = form.cleaned_data["role"]
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        # An existing account is asked, never attached: it may belong to anyone.
        answer = perform(
            request,
            services.member_invite,
            organization=organization,
            user=user,
            role=role,
            actor=request.actor,
            request=request,
        )
        if isinstance(answer, MemberInvitation):
            messages.success(
                request, _("%(email)s is invited; they become a member once they accept.") % {"email": email}
            )
        elif answer is not None:
            messages.success(request, _("%(email)s is now a member.") % {"email": email})
        return redirect("organization_settings")
    with transaction.atomic():
        user = services.user_create_verified(email=email)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        services.membership_set(organization=organization, user=user, role=role)
    # The new colleague chooses a password through the ordinary reset link.
    reset = ResetPasswordForm(data={"email": email})
    if reset.is_valid():
        reset.save(request)
    messages.success(request, _("%(email)s is now a member.") % {"email": email})
    return redirect("organization_settings")


@require_POST
@tenant_view()
def member_update(request: HttpRequest, pk: int) -> HttpResponse:
    membership = fetch(
        request, Membership.objects.filter(organization=request.organization), permission=Perm.MANAGE_ORG, pk=pk
    )
    owners = Membership.objects.filter(organization=request.organization, role=Role.OWNER)
    last_owner = membership.role == Role.OWNER and owners.count() == 1
    if request.POST.get("action") == "remove":
        if last_owner:
            messages.error(request, _("An organization keeps at least one owner."))
        else:
            membership.delete()
            messages.success(request, _("Member removed."))
        return redirect("organization_settings")
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown role."))
    elif last_owner and form.cleaned_data["role"] != Role.OWNER:
        messages.error(request, _("An organization keeps at least one owner."))
    else:
        perform(
            request,
            services.membership_set,
            success=_("Role changed."),
            organization=request.organization,
            user=membership.user,
            role=form.cleaned_data["role"],
        )
    return redirect("organization_settings")


@require_POST
@tenant_view(permission=Perm.MANAGE_KEYS)
def api_key_create(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the key a name."))
        return redirect("organization_settings")
    api_key, key = services.api_key_issue(
        organization=request.organization, name=form.cleaned_data["name"], actor=request.actor
    )
    return render(request, "marketplace/api_key_created.html", {"api_key": api_key, "key": key})


@require_POST
@tenant_view()
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    api_key = fetch(
        request, selectors.api_key_list(organization=request.organization), permission=Perm.MANAGE_KEYS, pk=pk
    )
    services.api_key_revoke(api_key=api_key)
    messages.success(request, _("The key “%(name)s” is revoked.") % {"name": api_key.name})
    return redirect("organization_settings")


class PartnerListView(TenantTableView):
    required_kind = BUYER
    table_class = PartnershipTable
    filterset_class = PartnershipFilter
    template_name = "marketplace/partner_list.html"
    export_name = "suppliers"

    def scope(self, request):
        return selectors.partnership_list(organization=request.organization).filter(buyer=request.organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitations"] = selectors.invitation_list(buyer=self.request.organization)[:20]
        context["invite_form"] = InvitationForm(buyer=self.request.organization)
        context["can_manage"] = can(self.request, Perm.MANAGE_PARTNERS)
        return context


partner_list = PartnerListView.as_view()


@require_POST
@tenant_view(kind=BUYER, permission=Perm.MANAGE_PARTNERS)
def partner_invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST, buyer=request.organization)
    if form.is_valid():
        services.invitation_create(
            buyer=request.organization,
            email=form.cleaned_data["email"],
            supplier_name=form.cleaned_data["supplier_name"],
            categories=form.cleaned_data["categories"],
            actor=request.actor,
            request=request,
        )
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
    else:
        show_form_errors(request, form)
    return redirect("partners:list")


@require_POST
@tenant_view()
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = fetch(
        request, selectors.invitation_list(buyer=request.organization), permission=Perm.MANAGE_PARTNERS, pk=pk
    )
    perform(request, services.invitation_revoke, success=_("Invitation revoked."), invitation=invitation)
    return redirect("partners:list")


def _partnership(request: HttpRequest, pk: int, permission: Perm | None = None) -> Partnership:
    """A partnership seen from the buyer's side (a supplier has its buyers' list instead)."""
    return fetch(
        request, selectors.partnership_list(organization=request.organization), kind=BUYER, permission=permission, pk=pk
    )


@require_GET
@tenant_view()
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _partnership(request, pk)
    return render(
        request,
        "marketplace/partner_detail.html",
        {
            "partnership": partnership,
            "pipeline": [(v, label) for v, label in PartnershipStatus.choices if v != PartnershipStatus.REJECTED],
            "events": partnership.events.select_related("actor"),
            "move_form": PartnershipMoveForm(partnership=partnership),
            "categories_form": PartnershipCategoriesForm(
                buyer=request.organization, initial={"categories": partnership.categories.all()}
            ),
            "can_manage": can(request, Perm.MANAGE_PARTNERS),
            "breadcrumbs": [(_("Suppliers"), reverse("partners:list")), (partnership.supplier.name, None)],
        },
    )


@require_POST
@tenant_view()
def partner_move(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _partnership(request, pk, Perm.MANAGE_PARTNERS)
    form = PartnershipMoveForm(request.POST, partnership=partnership)
    if not form.is_valid():
        allowed = ", ".join(str(label) for _v, label in form.fields["to"].choices)
        messages.error(request, _("That move is not allowed now. Allowed: %(allowed)s.") % {"allowed": allowed})
    else:
        perform(
            request,
            services.partnership_move,
            success=_("Status updated."),
            partnership=partnership,
            actor=request.actor,
            **form.cleaned_data,
        )
    return redirect("partners:detail", pk=partnership.pk)


@require_POST
@tenant_view()
def partner_categories(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _partnership(request, pk, Perm.MANAGE_PARTNERS)
    form = PartnershipCategoriesForm(request.POST, buyer=request.organization)
    if form.is_valid():
        categories = list(form.cleaned_data["categories"])
        if form.cleaned_data["new_category"].strip():
            categories.append(
                services.category_get_or_create(buyer=request.organization, name=form.cleaned_data["new_category"])
            )
        services.partnership_set_categories(partnership=partnership, categories=categories)
        messages.success(request, _("Categories saved."))
    else:
        messages.error(request, _("Choose categories from the list."))
    return redirect("partners:detail", pk=partnership.pk)


class BuyerListView(TenantTableView):
    required_kind = SUPPLIER
    table_class = BuyerPartnershipTable
    filterset_class = BuyerPartnershipFilter
    template_name = "marketplace/buyer_list.html"
    export_name = "buyers"

    def scope(self, request):
        return selectors.partnership_list(organization=request.organization).filter(supplier=request.organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["apply_form"] = ApplyForm(buyers=selectors.buyers_open_to(supplier=self.request.organization))
        context["can_apply"] = can(self.request, Perm.MANAGE_ORG)
        return context


buyer_list = BuyerListView.as_view()


@require_POST
@tenant_view(kind=SUPPLIER, permission=Perm.MANAGE_ORG)
def buyer_apply(request: HttpRequest) -> HttpResponse:
    form = ApplyForm(request.POST, buyers=selectors.buyers_open_to(supplier=request.organization))
    if not form.is_valid():
        messages.error(request, _("Choose a buyer from the list."))
        return redirect("buyers")
    perform(
        request,
        services.partnership_apply,
        success=_("Your application to %(buyer)s is sent.") % {"buyer": form.cleaned_data["buyer"].name},
        supplier=request.organization,
        actor=request.actor,
        **form.cleaned_data,
    )
    return redirect("buyers")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding the link may accept; a new person signs up first and lands connected."""
    invitation = services.invitation_by_token(token)
    if invitation is None or not invitation.is_pending:
        return render(request, "marketplace/invitation_invalid.html", status=404)
    if not request.user.is_authenticated:
        request.session[INVITATION_SESSION_KEY] = token
        if request.method == "POST":
            return redirect("account_signup")
        return render(request, "marketplace/invitation_accept.html", {"invitation": invitation})
    suppliers = request.user.organizations.filter(
        kind=OrganizationKind.SUPPLIER, memberships__user=request.user, memberships__role__in=[Role.OWNER, Role.ADMIN]
    )
    form = InvitationAcceptForm(request.POST or None, suppliers=suppliers, initial={"name": invitation.supplier_name})
    if request.method == "POST" and form.is_valid():
        supplier = perform(
            request,
            services.invitation_accept,
            success=lambda connected: (
                _("%(supplier)s is now connected to %(buyer)s.")
                % {"supplier": connected.name, "buyer": invitation.buyer.name}
            ),
            invitation=invitation,
            user=request.user,
            **form.cleaned_data,
        )
        if supplier is not None:
            switch_organization(request, supplier.pk)
            return redirect("home")
    return render(request, "marketplace/invitation_accept.html", {"invitation": invitation, "form": form})


class SignupView(AllauthSignupView):
    """allauth's sign-up, with the invited email filled in."""

    def get_initial(self):
        initial = super().get_initial()
        token = self.request.session.get(INVITATION_SESSION_KEY)
        invitation = services.invitation_by_token(token) if token else None
        if invitation is not None and invitation.is_pending:
            initial["email"] = invitation.email
        return initial


signup = SignupView.as_view()


# -- inbox -----------------------------------------------------------------------------------------


@require_GET
@tenant_view()
def inbox(request: HttpRequest) -> HttpResponse:
    items = selectors.notification_list(user=request.user, organization=request.organization)[:100]
    return render(request, "marketplace/inbox.html", {"items": items})


@require_GET
@tenant_view()
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = fetch(
        request, selectors.notification_list(user=request.user, organization=request.organization), pk=pk
    )
    services.notification_read(notification=notification)
    return redirect(notification.url or "inbox")


@require_POST
@tenant_view()
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_read_all(user=request.user, organization=request.organization)
    return redirect("inbox")


@require_http_methods(["GET", "POST"])
@login_required
def member_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    """The invitee's page: accept (and work as that organization from now on) or decline. Only the
    invited account sees it; anyone else gets a 404."""
    invitation = (
        MemberInvitation.objects.select_related("organization", "invited_by")
        .filter(pk=pk, user=request.user, accepted_at__isnull=True, declined_at__isnull=True)
        .first()
    )
    if invitation is None:
        raise Http404(_("Not found."))
    if request.method == "GET":
        return render(request, "marketplace/member_invitation.html", {"invitation": invitation})
    accept = request.POST.get("answer") == "accept"
    try:
        membership = services.member_invitation_answer(invitation=invitation, user=request.user, accept=accept)
    except ValidationError as error:
        show_service_error(request, error)
        return redirect("home")
    if membership is None:
        messages.info(request, _("Invitation declined."))
    else:
        choose(request, membership)
        messages.success(request, _("You are now a member of %(org)s.") % {"org": invitation.organization.name})
    return redirect("home")
