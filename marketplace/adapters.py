from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Role
from .proxies import client_ip
from .services import invitation_accept, invitation_by_token
from .tenancy import SESSION_KEY, resolve_membership

INVITATION_SESSION_KEY = "invitation_token"


def _same_address(first: str, second: str) -> bool:
    return bool(first) and first.strip().lower() == (second or "").strip().lower()


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        """The address the login rate limits key on: the client's behind a trusted proxy."""
        return client_ip(request) or super().get_client_ip(request)

    def save_user(self, request, user, form, commit=True):
        """A sign-up that started from a buyer's invitation lands in its new supplier organization."""
        user = super().save_user(request, user, form, commit=commit)
        token = request.session.pop(INVITATION_SESSION_KEY, None) if commit else None
        invitation = invitation_by_token(token) if token else None
        if invitation is not None and invitation.is_pending and _same_address(invitation.email, user.email):
            # The link reached this person at the invited address: that proves the address, so the
            # sign-up does not ask to verify it again (allauth's documented "stash" for this case).
            self.stash_verified_email(request, user.email)
        if invitation is not None:
            try:
                supplier = invitation_accept(invitation=invitation, user=user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                request.session[SESSION_KEY] = supplier.pk
                messages.success(
                    request,
                    _("Welcome! %(supplier)s is now connected to %(buyer)s.")
                    % {"supplier": supplier.name, "buyer": invitation.buyer.name},
                )
        return user

    def get_login_redirect_url(self, request):
        """A manager of a buyer lands on the ratings leaderboard, the page made for its job, rather
        than on procurement's to-do list; everyone else on the home page (or where they were going)."""
        membership = resolve_membership(request)
        if membership is not None and membership.role == Role.MANAGER and membership.organization.is_buyer:
            return reverse("ratings:board")
        return super().get_login_redirect_url(request)
