from allauth.account.forms import ResetPasswordForm
from allauth.account.views import SignupView as AllauthSignupView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
    show_service_error,
)
from .models import Membership, OrganizationKind, PartnershipStatus, Role, User
from .tables import BuyerPartnershipTable, PartnershipTable
from .tenancy import (
    TenantTableView,
    get_for,
    organization_required,
    require,
    require_kind,
    switch_organization,
)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "marketplace/landing.html")
    if request.organization is None:
        return redirect("organization_create")
    from .dashboard import dashboard_context

    return render(request, "marketplace/home.html", dashboard_context(request))


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(
                name=form.cleaned_data["name"], kind=form.cleaned_data["kind"], owner=request.user
            )
        except ValidationError as error:
            show_service_error(request, error, form)
        else:
            switch_organization(request, organization.pk)
            messages.success(request, _("%(name)s is ready.") % {"name": organization.name})
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


@organization_required
@require_http_methods(["GET", "POST"])
def organization_settings(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    can_manage = request.membership.can("manage_org")
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST":
        require(request, "manage_org")
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
            "can_manage_keys": request.membership.can("manage_keys"),
            "members": selectors.member_list(organization=organization),
            "member_form": MemberAddForm(organization=organization),
            "role_choices": MemberAddForm(organization=organization).fields["role"].choices,
            "api_keys": selectors.api_key_list(organization=organization),
            "api_key_form": ApiKeyForm(),
        },
    )


@organization_required
@require_POST
def member_add(request: HttpRequest) -> HttpResponse:
    require(request, "manage_org")
    organization = request.organization
    form = MemberAddForm(request.POST, organization=organization)
    if not form.is_valid():
        messages.error(request, _("Check the email and role."))
        return redirect("organization_settings")
    email = form.cleaned_data["email"].lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        is_new = user is None
        if is_new:
            user = services.user_create_verified(email=email)
            user.set_unusable_password()
            user.save(update_fields=["password"])
        services.membership_set(organization=organization, user=user, role=form.cleaned_data["role"])
    if is_new:
        # The new colleague chooses a password through the ordinary reset link.
        reset = ResetPasswordForm(data={"email": email})
        if reset.is_valid():
            reset.save(request)
    messages.success(request, _("%(email)s is now a member.") % {"email": email})
    return redirect("organization_settings")


@organization_required
@require_POST
def member_update(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_for(Membership.objects.filter(organization=request.organization), pk=pk)
    require(request, "manage_org")
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
        try:
            services.membership_set(
                organization=request.organization, user=membership.user, role=form.cleaned_data["role"]
            )
            messages.success(request, _("Role changed."))
        except ValidationError as error:
            show_service_error(request, error)
    return redirect("organization_settings")


@organization_required
@require_POST
def api_key_create(request: HttpRequest) -> HttpResponse:
    require(request, "manage_keys")
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the key a name."))
        return redirect("organization_settings")
    api_key, key = services.api_key_issue(
        organization=request.organization, name=form.cleaned_data["name"], created_by=request.user
    )
    return render(request, "marketplace/api_key_created.html", {"api_key": api_key, "key": key})


@organization_required
@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    api_key = get_for(selectors.api_key_list(organization=request.organization), pk=pk)
    require(request, "manage_keys")
    services.api_key_revoke(api_key=api_key)
    messages.success(request, _("The key “%(name)s” is revoked.") % {"name": api_key.name})
    return redirect("organization_settings")


class PartnerListView(TenantTableView):
    required_kind = OrganizationKind.BUYER
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
        context["can_manage"] = self.request.membership.can("manage_partners")
        return context


partner_list = PartnerListView.as_view()


@organization_required
@require_POST
def partner_invite(request: HttpRequest) -> HttpResponse:
    require_kind(request, OrganizationKind.BUYER)
    require(request, "manage_partners")
    form = InvitationForm(request.POST, buyer=request.organization)
    if form.is_valid():
        services.invitation_create(
            buyer=request.organization,
            email=form.cleaned_data["email"],
            supplier_name=form.cleaned_data["supplier_name"],
            categories=form.cleaned_data["categories"],
            invited_by=request.user,
            request=request,
        )
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errors)}")
    return redirect("partners:list")


@organization_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_for(selectors.invitation_list(buyer=request.organization), pk=pk)
    require(request, "manage_partners")
    try:
        services.invitation_revoke(invitation=invitation)
        messages.success(request, _("Invitation revoked."))
    except ValidationError as error:
        show_service_error(request, error)
    return redirect("partners:list")


@organization_required
@require_GET
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_for(
        selectors.partnership_list(organization=request.organization).filter(buyer=request.organization), pk=pk
    )
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
            "can_manage": request.membership.can("manage_partners"),
        },
    )


@organization_required
@require_POST
def partner_move(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_for(
        selectors.partnership_list(organization=request.organization).filter(buyer=request.organization), pk=pk
    )
    require(request, "manage_partners")
    form = PartnershipMoveForm(request.POST, partnership=partnership)
    if not form.is_valid():
        allowed = ", ".join(str(label) for _v, label in form.fields["to"].choices)
        messages.error(request, _("That move is not allowed now. Allowed: %(allowed)s.") % {"allowed": allowed})
    else:
        try:
            services.partnership_move(
                partnership=partnership,
                to=form.cleaned_data["to"],
                actor=request.user,
                team=form.cleaned_data["team"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Status updated."))
        except ValidationError as error:
            show_service_error(request, error)
    return redirect("partners:detail", pk=partnership.pk)


@organization_required
@require_POST
def partner_categories(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_for(
        selectors.partnership_list(organization=request.organization).filter(buyer=request.organization), pk=pk
    )
    require(request, "manage_partners")
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
    required_kind = OrganizationKind.SUPPLIER
    table_class = BuyerPartnershipTable
    filterset_class = BuyerPartnershipFilter
    template_name = "marketplace/buyer_list.html"
    export_name = "buyers"

    def scope(self, request):
        return selectors.partnership_list(organization=request.organization).filter(supplier=request.organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["apply_form"] = ApplyForm(buyers=selectors.buyers_open_to(supplier=self.request.organization))
        context["can_apply"] = self.request.membership.can("manage_org")
        return context


buyer_list = BuyerListView.as_view()


@organization_required
@require_POST
def buyer_apply(request: HttpRequest) -> HttpResponse:
    require_kind(request, OrganizationKind.SUPPLIER)
    require(request, "manage_org")
    form = ApplyForm(request.POST, buyers=selectors.buyers_open_to(supplier=request.organization))
    if not form.is_valid():
        messages.error(request, _("Choose a buyer from the list."))
        return redirect("buyers")
    try:
        services.partnership_apply(
            supplier=request.organization,
            buyer=form.cleaned_data["buyer"],
            actor=request.user,
            message=form.cleaned_data["message"],
        )
        messages.success(
            request, _("Your application to %(buyer)s is sent.") % {"buyer": form.cleaned_data["buyer"].name}
        )
    except ValidationError as error:
        show_service_error(request, error)
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
        try:
            supplier = services.invitation_accept(
                invitation=invitation,
                user=request.user,
                supplier=form.cleaned_data["supplier"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            show_service_error(request, error)
        else:
            switch_organization(request, supplier.pk)
            messages.success(
                request,
                _("%(supplier)s is now connected to %(buyer)s.")
                % {"supplier": supplier.name, "buyer": invitation.buyer.name},
            )
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
