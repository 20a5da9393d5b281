"""A supplier blocked by its rating is invited to an auction only with a reason, recorded as an
override: by the service, the page (which shows each supplier's band) and the API."""

import pytest
from django.core.exceptions import ValidationError

from auctions import services
from auctions.models import Auction
from marketplace.models import OverridePurpose, PartnerOverride, Partnership, RatingBand
from tests.auctions import factories as af
from tests.auctions.test_api import URL, create_body
from tests.auctions.test_views import _form

pytestmark = pytest.mark.django_db


@pytest.fixture
def blocked(buyer, supplier):
    Partnership.objects.filter(buyer=buyer, supplier=supplier).update(rating_band=RatingBand.BLOCKED, rating_score=21)
    return supplier


def test_the_service_refuses_a_blocked_supplier_without_a_reason(buyer, paul, blocked, supplier2):
    actor = af.buyer_actor(paul, buyer)
    with pytest.raises(ValidationError) as error:
        services.auction_create(actor=actor, suppliers=[blocked, supplier2], **af.terms())
    assert "override_reason" in error.value.message_dict
    assert not Auction.objects.exists() and not PartnerOverride.objects.exists()

    auction = services.auction_create(
        actor=actor, suppliers=[blocked, supplier2], override_reason="Sole source of A500C", **af.terms()
    )
    override = PartnerOverride.objects.get()
    assert override.purpose == OverridePurpose.AUCTION and override.reason == "Sole source of A500C"
    assert override.partnership.supplier == blocked and override.user == paul and override.score == 21
    assert auction.invitations.count() == 2


def test_adding_a_blocked_supplier_to_a_draft_needs_a_reason(buyer, paul, blocked, supplier2):
    actor = af.buyer_actor(paul, buyer)
    auction = af.auction(buyer, paul, [supplier2])
    with pytest.raises(ValidationError) as error:
        services.auction_update(auction=auction, actor=actor, suppliers=[supplier2, blocked])
    assert "override_reason" in error.value.message_dict
    services.auction_update(auction=auction, actor=actor, suppliers=[supplier2, blocked], override_reason="Only one")
    assert auction.invitations.count() == 2 and PartnerOverride.objects.count() == 1


def test_the_page_shows_bands_and_asks_for_a_reason(login, paul, blocked, supplier2):
    client = login(paul)
    page = client.get("/auctions/new/").content.decode()
    assert "Blocked 21" in page and 'name="override_reason"' in page
    response = client.post("/auctions/new/", _form([blocked, supplier2]))
    assert response.status_code == 200 and "blocked by its rating" in response.content.decode()
    assert not Auction.objects.exists()
    response = client.post("/auctions/new/", _form([blocked, supplier2], override_reason="Sole source"))
    assert response.status_code == 302
    assert Auction.objects.get().state == "scheduled"
    assert PartnerOverride.objects.get().purpose == OverridePurpose.AUCTION


def test_the_api_refuses_a_blocked_supplier_without_a_reason(api, buyer, blocked, supplier2):
    response = api(buyer).post(URL, create_body(), format="json")
    assert response.status_code == 400 and "override_reason" in response.json()
    response = api(buyer).post(URL, create_body(override_reason="Sole source"), format="json")
    assert response.status_code == 201, response.json()
    assert PartnerOverride.objects.get().reason == "Sole source"


def test_a_supplier_blocked_after_the_draft_needs_a_reason_when_it_is_scheduled(buyer, paul, supplier, supplier2):
    actor = af.buyer_actor(paul, buyer)
    auction = af.auction(buyer, paul, [supplier, supplier2])  # a draft: nobody blocked yet
    Partnership.objects.filter(buyer=buyer, supplier=supplier).update(rating_band=RatingBand.BLOCKED, rating_score=12)
    with pytest.raises(ValidationError) as error:
        services.auction_schedule(auction=auction, actor=actor)
    assert "override_reason" in error.value.message_dict and "Steel Works" in str(error.value)
    auction.refresh_from_db()
    assert auction.state == "draft" and not PartnerOverride.objects.exists()

    services.auction_schedule(auction=auction, actor=actor, override_reason="Framework contract until March")
    override = PartnerOverride.objects.get()
    assert override.partnership.supplier == supplier and override.purpose == OverridePurpose.AUCTION
    assert override.score == 12 and override.user == paul
    assert Auction.objects.get(pk=auction.pk).state == "scheduled"


def test_an_invitation_overridden_for_this_draft_is_not_asked_about_again(buyer, paul, blocked, supplier2):
    actor = af.buyer_actor(paul, buyer)
    auction = services.auction_create(actor=actor, suppliers=[blocked, supplier2], override_reason="Sole", **af.terms())
    services.auction_schedule(auction=auction, actor=actor)
    assert Auction.objects.get(pk=auction.pk).state == "scheduled" and PartnerOverride.objects.count() == 1


def test_the_monitor_shows_bands_and_asks_for_a_reason_to_schedule(login, paul, buyer, supplier, supplier2):
    auction = af.auction(buyer, paul, [supplier, supplier2])
    Partnership.objects.filter(buyer=buyer, supplier=supplier).update(rating_band=RatingBand.BLOCKED, rating_score=12)
    client = login(paul)
    page = client.get(f"/auctions/{auction.pk}/").content.decode()
    assert 'id="invited-ratings"' in page and "band-blocked" in page and 'name="override_reason"' in page
    client.post(f"/auctions/{auction.pk}/schedule/")
    assert Auction.objects.get(pk=auction.pk).state == "draft"
    client.post(f"/auctions/{auction.pk}/schedule/", {"override_reason": "Only mill with A500C"})
    assert Auction.objects.get(pk=auction.pk).state == "scheduled"
    assert PartnerOverride.objects.get().reason == "Only mill with A500C"
