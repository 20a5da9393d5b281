import re

from allauth.account.models import EmailAddress
from django.core import mail

from marketplace import services
from marketplace.models import Invitation, Membership, Partnership
from tests.factories import PASSWORD, acting

LINK = re.compile(r"https?://[^\s]+")


def confirmation_link(message) -> str:
    return next(url for url in LINK.findall(message.body) if "confirm-email" in url)


def test_it_signs_up_an_invited_supplier_end_to_end(client, buyer, alice):
    steel = services.category_get_or_create(buyer=buyer, name="Steel")
    _invitation, token = services.invitation_create(
        buyer=buyer, email="boss@thep.test", supplier_name="Thép Việt", actor=acting(alice), categories=[steel]
    )
    page = client.get(f"/invitations/{token}/")
    assert page.status_code == 200 and "Acme Buying" in page.content.decode()
    signup = client.get("/accounts/signup/")
    assert signup.context["form"].initial["email"] == "boss@thep.test"
    response = client.post(
        "/accounts/signup/", {"email": "boss@thep.test", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    # The organization exists and is connected, but the email must be confirmed before login.
    membership = Membership.objects.get(user__email="boss@thep.test")
    supplier = membership.organization
    assert (supplier.name, supplier.kind, membership.role) == ("Thép Việt", "supplier", "owner")
    partnership = Partnership.objects.get(buyer=buyer, supplier=supplier)
    assert partnership.status == "active" and list(partnership.categories.all()) == [steel]
    assert Invitation.objects.get().accepted_at is not None
    # Defect 7 of issue 12: the emailed link proved the address; no second verification is asked.
    assert EmailAddress.objects.get(email="boss@thep.test").verified
    assert not any("confirm-email" in message.body for message in mail.outbox)
    home = client.get("/")
    assert home.context["organization"] == supplier
    assert client.get("/buyers/").context["table"].rows[0].record.buyer == buyer


def test_it_still_verifies_another_address_than_the_invited_one(client, buyer, alice):
    _invitation, token = services.invitation_create(
        buyer=buyer, email="boss@thep.test", supplier_name="Thép Việt", actor=acting(alice)
    )
    client.get(f"/invitations/{token}/")
    response = client.post(
        "/accounts/signup/", {"email": "someone@else.test", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert [(a.email, a.verified) for a in EmailAddress.objects.filter(user__email="someone@else.test")] == [
        ("someone@else.test", False)
    ]
    assert "_auth_user_id" not in client.session
    link = confirmation_link(mail.outbox[-1])
    client.post(link)
    assert EmailAddress.objects.get(email="someone@else.test").verified


def test_it_refuses_a_used_or_unknown_invitation(client, buyer, alice):
    _invitation, token = services.invitation_create(
        buyer=buyer, email="a@b.test", supplier_name="AB", actor=acting(alice)
    )
    assert client.get("/invitations/not-a-token/").status_code == 404
    services.invitation_revoke(invitation=Invitation.objects.get())
    assert client.get(f"/invitations/{token}/").status_code == 404


def test_it_lets_a_logged_in_person_accept_for_an_existing_supplier(client, buyer, alice, outsider_supplier, olga):
    _invitation, token = services.invitation_create(
        buyer=buyer, email="olga@far.test", supplier_name="Far Away", actor=acting(alice)
    )
    client.force_login(olga)
    response = client.post(f"/invitations/{token}/", {"supplier": outsider_supplier.pk})
    assert response.status_code == 302
    assert Partnership.objects.get(buyer=buyer, supplier=outsider_supplier).status == "active"
    # the link works once
    assert client.get(f"/invitations/{token}/").status_code == 404


def test_it_does_not_accept_for_a_supplier_the_person_does_not_run(client, buyer, alice, supplier2, olga):
    _invitation, token = services.invitation_create(
        buyer=buyer, email="olga@far.test", supplier_name="Far", actor=acting(alice)
    )
    client.force_login(olga)
    response = client.post(f"/invitations/{token}/", {"supplier": supplier2.pk})
    assert response.status_code == 200
    assert "supplier" in response.context["form"].errors
    assert Invitation.objects.get().accepted_at is None


def test_it_signs_up_without_invitation_and_creates_an_organization(client, db):
    client.post("/accounts/signup/", {"email": "new@buyer.test", "password1": PASSWORD, "password2": PASSWORD})
    client.post(confirmation_link(mail.outbox[-1]))
    assert client.get("/").url == "/organizations/new/"
    client.post("/organizations/new/", {"name": "New Buyer", "kind": "buyer"})
    assert client.get("/").context["organization"].name == "New Buyer"


def test_it_resets_a_password_by_email(client, alice):
    client.post("/accounts/password/reset/", {"email": "alice@acme.test"})
    link = next(url for url in LINK.findall(mail.outbox[-1].body) if "/password/reset/key/" in url)
    form_page = client.get(link, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    client.post(action, {"password1": "a-brand-new-pass-42", "password2": "a-brand-new-pass-42"})
    alice.refresh_from_db()
    assert alice.check_password("a-brand-new-pass-42")


def test_it_logs_in_by_email(client, alice):
    wrong = client.post("/accounts/login/", {"login": "alice@acme.test", "password": "nope"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    response = client.post("/accounts/login/", {"login": "ALICE@acme.test", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["organization"].slug == "acme"


def test_it_lands_a_manager_on_the_ratings_leaderboard(client, mary, alice):
    """Issue 12: a manager landed on procurement's to-do list with buttons it may not press."""
    response = client.post("/accounts/login/", {"login": "mary@acme.test", "password": PASSWORD})
    assert response["Location"] == "/ratings/"
    client.logout()
    assert client.post("/accounts/login/", {"login": "alice@acme.test", "password": PASSWORD})["Location"] == "/"


def test_it_rate_limits_failed_logins(client, alice, settings):
    from tests.caches import clear_cache

    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,3/5m/key"}
    clear_cache()
    for _ in range(3):
        client.post("/accounts/login/", {"login": "alice@acme.test", "password": "wrong"})
    blocked = client.post("/accounts/login/", {"login": "alice@acme.test", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert blocked.status_code in (200, 429)
    clear_cache()


def test_it_turns_on_totp_two_factor(client, alice):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time

    client.post("/accounts/login/", {"login": "alice@acme.test", "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    code = f"{hotp_value(secret, next(yield_hotp_counters_from_time())):06d}"
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=alice, type=Authenticator.Type.TOTP).exists()
    # from now on a password alone does not log in
    client.logout()
    client.post("/accounts/login/", {"login": "alice@acme.test", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
