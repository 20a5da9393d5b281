"""Soft close at the edge of the window, for each trigger, the top N and the maximum."""

import datetime as dt

import pytest

from auctions.models import AuctionState, LogEntry
from tests import factories
from tests.auctions import factories as f

pytestmark = pytest.mark.django_db

US = dt.timedelta(microseconds=1)
WINDOW = dt.timedelta(seconds=180)
EXTENSION = dt.timedelta(seconds=120)


@pytest.fixture
def third(buyer):
    org = factories.SupplierFactory(name="Third Metals", slug="third-metals")
    factories.PartnershipFactory(buyer=buyer, supplier=org)
    return org


def make(buyer, paul, suppliers, **overrides):
    return f.auction(buyer, paul, suppliers, state=AuctionState.LIVE, **overrides)


def ends(auction):
    auction.refresh_from_db()
    return auction.ends_at


def test_it_extends_at_the_very_start_of_the_window_and_not_a_microsecond_before(buyer, paul, supplier, supplier2):
    auction = make(buyer, paul, [supplier, supplier2])
    end = auction.ends_at
    assert f.bid(auction, supplier, "900000", at=end - WINDOW - US).ok
    assert ends(auction) == end
    assert f.bid(auction, supplier2, "890000", at=end - WINDOW).ok
    assert ends(auction) == end + EXTENSION
    auction.refresh_from_db()
    assert auction.extensions == 1


def test_rank_improving_ignores_a_bid_that_keeps_its_rank(buyer, paul, supplier, supplier2):
    auction = make(buyer, paul, [supplier, supplier2])
    end = auction.ends_at
    f.bid(auction, supplier, "900000", at=end - WINDOW - dt.timedelta(seconds=10))
    f.bid(auction, supplier2, "950000", at=end - WINDOW - dt.timedelta(seconds=5))
    # the leader goes lower and the second goes lower but stays second: no extension
    assert f.bid(auction, supplier, "880000", at=end - dt.timedelta(seconds=1)).ok
    assert f.bid(auction, supplier2, "890000", at=end - dt.timedelta(milliseconds=500)).ok
    assert ends(auction) == end
    # the second overtakes the leader: extended
    assert f.bid(auction, supplier2, "870000", at=end - dt.timedelta(milliseconds=1)).ok
    assert ends(auction) == end + EXTENSION


def test_any_bid_extends_on_every_accepted_bid(buyer, paul, supplier, supplier2):
    auction = make(buyer, paul, [supplier, supplier2], soft_close_trigger="any_bid")
    end = auction.ends_at
    f.bid(auction, supplier, "900000", at=end - WINDOW - US)
    assert ends(auction) == end
    assert f.bid(auction, supplier, "890000", at=end - WINDOW).ok  # the leader improving its own lead
    assert ends(auction) == end + EXTENSION
    # a refused bid never extends
    assert not f.bid(auction, supplier2, "2000000", at=end).ok
    assert ends(auction) == end + EXTENSION


def test_new_leader_extends_only_when_the_lead_changes_hands(buyer, paul, supplier, supplier2, third):
    auction = make(buyer, paul, [supplier, supplier2, third], soft_close_trigger="new_leader")
    end = auction.ends_at
    f.bid(auction, supplier, "900000", at=end - WINDOW - US)
    f.bid(auction, supplier2, "950000", at=end - WINDOW - US)
    assert f.bid(auction, third, "960000", at=end - WINDOW).ok  # third place: no
    assert f.bid(auction, supplier, "890000", at=end - WINDOW).ok  # leader again: no
    assert f.bid(auction, third, "940000", at=end - WINDOW).ok  # 3rd → 2nd: no
    assert ends(auction) == end
    assert f.bid(auction, supplier2, "880000", at=end - dt.timedelta(seconds=1)).ok  # takes the lead
    assert ends(auction) == end + EXTENSION


def test_top_n_limits_which_bids_extend(buyer, paul, supplier, supplier2, third):
    auction = make(buyer, paul, [supplier, supplier2, third], soft_close_top_n=1)
    end = auction.ends_at
    f.bid(auction, supplier, "900000", at=end - WINDOW - US)
    f.bid(auction, supplier2, "950000", at=end - WINDOW - US)
    assert f.bid(auction, third, "940000", at=end - WINDOW).ok  # first bid, rank 2: outside the top 1
    assert ends(auction) == end
    assert f.bid(auction, third, "890000", at=end - WINDOW).ok  # rank 1
    assert ends(auction) == end + EXTENSION


def test_it_stops_at_the_maximum_and_explains_each_extension(buyer, paul, supplier, supplier2):
    auction = make(buyer, paul, [supplier, supplier2], max_extensions=5, soft_close_trigger="any_bid")
    end = auction.ends_at
    amount = 900000
    for n in range(7):
        amount -= 1000
        supplier_n = supplier if n % 2 else supplier2
        assert f.bid(auction, supplier_n, str(amount), at=ends(auction) - dt.timedelta(seconds=1)).ok
    auction.refresh_from_db()
    assert auction.extensions == 5
    assert auction.ends_at == end + 5 * EXTENSION
    reasons = list(LogEntry.objects.filter(auction=auction, kind="extended").values_list("data__reason", flat=True))
    assert reasons[2] == "extended by 2:00: a bid was placed in the last 3 minutes; 2 of 5 extensions left"
    assert reasons[-1].endswith("0 of 5 extensions left")


def test_the_reason_reads_as_the_issue_says(buyer, paul, supplier, supplier2, third):
    auction = make(buyer, paul, [supplier, supplier2, third])
    for n, org in enumerate((supplier, supplier2, third)):
        assert f.bid(auction, org, str(900000 - n * 10000), at=ends(auction) - dt.timedelta(seconds=1)).ok
    reason = LogEntry.objects.filter(auction=auction, kind="extended").last().data["reason"]
    assert reason == "extended by 2:00: a bid improved a rank in the last 3 minutes; 2 of 5 extensions left"


def test_an_odd_window_and_top_n_read_well(buyer, paul, supplier):
    auction = make(buyer, paul, [supplier], soft_close_window_s=90, soft_close_extension_s=45, soft_close_top_n=3)
    assert f.bid(auction, supplier, "900000", at=auction.ends_at - dt.timedelta(seconds=1)).ok
    reason = LogEntry.objects.filter(auction=auction, kind="extended").get().data["reason"]
    assert reason == "extended by 0:45: a bid improved a rank within the top 3 in the last 1:30; 4 of 5 extensions left"
