"""Finding 7 of issue 10: an owner cannot pull an existing account into their organization, and a
person lands in the organization they chose last."""

from django.core import mail
from django.urls import reverse

from marketplace.models import MemberInvitation, Membership


def test_it_invites_an_existing_account_instead_of_attaching_it(
    login, buyer, alice, outsider_buyer, oscar, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(alice).post(reverse("member_add"), {"email": "OSCAR@other.test", "role": "owner"})
    assert response.status_code == 302
    assert not Membership.objects.filter(user=oscar, organization=buyer).exists()
    invitation = MemberInvitation.objects.get(user=oscar, organization=buyer)
    assert invitation.is_pending and invitation.role == "owner"
    assert mail.outbox[-1].to == ["oscar@other.test"]
    assert reverse("member_invitation", args=[invitation.pk]) in mail.outbox[-1].body


def test_it_keeps_the_invitee_in_their_own_organization_until_they_accept(client, buyer, alice, outsider_buyer, oscar):
    client.force_login(alice)
    client.post(reverse("member_add"), {"email": "oscar@other.test", "role": "member"})
    client.force_login(oscar)
    client.get(reverse("home"))
    assert client.session["active_organization_id"] == outsider_buyer.pk


def test_it_makes_the_invitee_a_member_when_they_accept(client, buyer, alice, outsider_buyer, oscar):
    client.force_login(alice)
    client.post(reverse("member_add"), {"email": "oscar@other.test", "role": "procurement"})
    invitation = MemberInvitation.objects.get(user=oscar)
    client.force_login(oscar)
    assert client.get(reverse("member_invitation", args=[invitation.pk])).status_code == 200
    client.post(reverse("member_invitation", args=[invitation.pk]), {"answer": "accept"})
    assert Membership.objects.get(user=oscar, organization=buyer).role == "procurement"
    assert client.session["active_organization_id"] == buyer.pk
    # answered once: the page is gone
    assert client.get(reverse("member_invitation", args=[invitation.pk])).status_code == 404


def test_it_lets_the_invitee_decline(client, buyer, alice, outsider_buyer, oscar):
    client.force_login(alice)
    client.post(reverse("member_add"), {"email": "oscar@other.test", "role": "member"})
    invitation = MemberInvitation.objects.get(user=oscar)
    client.force_login(oscar)
    client.post(reverse("member_invitation", args=[invitation.pk]), {"answer": "decline"})
    invitation.refresh_from_db()
    assert invitation.declined_at is not None
    assert not Membership.objects.filter(user=oscar, organization=buyer).exists()


def test_it_shows_an_invitation_only_to_its_invitee(client, buyer, alice, rita, outsider_buyer, oscar):
    client.force_login(alice)
    client.post(reverse("member_add"), {"email": "oscar@other.test", "role": "owner"})
    invitation = MemberInvitation.objects.get(user=oscar)
    client.force_login(rita)
    assert client.get(reverse("member_invitation", args=[invitation.pk])).status_code == 404
    assert client.post(reverse("member_invitation", args=[invitation.pk]), {"answer": "accept"}).status_code == 404
    assert not Membership.objects.filter(user=oscar, organization=buyer).exists()


def test_it_still_adds_a_new_account_at_once(login, buyer, alice):
    login(alice).post(reverse("member_add"), {"email": "newbie@acme.test", "role": "member"})
    assert Membership.objects.filter(user__email="newbie@acme.test", organization=buyer).exists()


def test_it_lands_in_the_organization_chosen_last(client, buyer, supplier, alice):
    Membership.objects.create(user=alice, organization=supplier, role="owner")
    client.force_login(alice)
    client.get(reverse("home"))
    assert client.session["active_organization_id"] == buyer.pk  # "Acme Buying" comes first by name
    client.post(reverse("organization_switch"), {"organization": supplier.pk})
    client.logout()
    client.force_login(alice)
    client.get(reverse("home"))
    assert client.session["active_organization_id"] == supplier.pk
