"""marketplace.actors: who acted, as history lines, permissions and services see it."""

from marketplace.actors import Actor, recorded_name
from marketplace.models import Perm, Role
from tests import factories


def test_it_acts_as_a_member_with_the_members_role(buyer, paul, rita):
    procurement = Actor.of_user(paul, buyer)
    assert (procurement.organization, procurement.person, procurement.role) == (buyer, paul, Role.PROCUREMENT)
    assert procurement.can(Perm.PROCURE) and not procurement.can(Perm.MANAGE_KEYS)
    assert not Actor.of_user(rita, buyer).can(Perm.PROCURE)
    assert not procurement.via_api and not procurement.is_system
    assert procurement.display_name == str(paul) == "paul@acme.test"


def test_it_acts_as_nobody_for_an_organization_the_person_is_not_in(outsider_buyer, paul):
    stranger = Actor.of_user(paul, outsider_buyer)
    assert stranger.role is None and not stranger.can(Perm.PROCURE)
    assert not stranger.acts_for(factories.BuyerFactory()) and stranger.acts_for(outsider_buyer)


def test_it_acts_as_an_api_key_with_the_keys_name(buyer):
    api_key, _raw = factories.api_key_for(buyer, name="ERP sync")
    actor = Actor.of_api_key(api_key)
    assert actor.via_api and actor.person is None and actor.organization == buyer
    assert actor.display_name == "API key “ERP sync”"
    assert actor.can(Perm.PROCURE) and actor.can(Perm.MANAGE_KEYS)  # a key acts as the organization's admin


def test_it_acts_as_the_system_for_whoever_it_is_told(buyer, supplier):
    site = Actor.system()
    assert site.is_system and site.can(Perm.WORK) and site.display_name == "the system"
    assert site.acts_for(buyer) and site.acts_for(supplier)
    for_buyer = Actor.system(buyer)
    assert for_buyer.acts_for(buyer) and not for_buyer.acts_for(supplier)


def test_it_names_the_author_of_a_stored_row(buyer, alice):
    api_key, _raw = factories.api_key_for(buyer, name="1C")
    assert recorded_name(alice) == "alice@acme.test"
    assert recorded_name(None, api_key) == "API key “1C”"
    assert recorded_name(None, None, via_api=True) == "API"  # a row older than the key column
    assert recorded_name(None) == ""


def test_it_sets_the_actor_of_each_request(client, api, alice, buyer):
    from django.test import RequestFactory

    from marketplace.middleware import ActiveOrganizationMiddleware

    seen = {}

    def view(request):
        seen["actor"] = request.actor
        return None

    request = RequestFactory().get("/")
    request.session = client.session
    request.user = alice
    ActiveOrganizationMiddleware(view)(request)
    assert seen["actor"] == Actor(organization=buyer, user=alice, role=Role.OWNER)
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    ActiveOrganizationMiddleware(view)(request)
    assert seen["actor"] is None  # never the system itself
