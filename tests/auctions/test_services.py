"""The auction services: setting up, every bid rule and refusal code, ties, idempotency, the
buyer's controls and the award."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from auctions import log, services
from auctions.models import Auction, AuctionState, Bid, LogEntry
from marketplace.models import Notification, PartnershipStatus
from tests import factories
from tests.auctions import factories as f
from tests.cabinet import factories as cabinet_f

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(buyer, paul, supplier, sam, supplier2, sue):
    return f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.LIVE)


def refused(outcome, code):
    assert not outcome.ok, outcome
    assert outcome.code == code, (outcome.code, outcome.message)
    return outcome.message


# -- setting up ------------------------------------------------------------------------------------


def test_it_creates_a_draft_with_invitations_and_a_log(buyer, paul, supplier, supplier2):
    auction = f.auction(buyer, paul, [supplier, supplier2])
    assert auction.state == AuctionState.DRAFT
    assert set(auction.invitations.values_list("supplier__slug", flat=True)) == {"steel-works", "bolt-house"}
    assert auction.log_entries.get().kind == "created"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {"ends_at": timezone.now() - dt.timedelta(hours=5), "starts_at": timezone.now() - dt.timedelta(hours=6)},
            "ends_at",
        ),
        ({"starts_at": timezone.now() + dt.timedelta(hours=3)}, "ends_at"),
        ({"min_step": Decimal("0")}, "min_step"),
        ({"min_step": Decimal("-5")}, "min_step"),
        ({"min_step": Decimal("51"), "min_step_kind": "percent"}, "min_step"),
        ({"min_step": Decimal("2000000")}, "min_step"),
        ({"reserve_price": Decimal("1000000.00")}, "reserve_price"),
        ({"reserve_price": Decimal("2000000.00")}, "reserve_price"),
        ({"currency": "XYZ"}, "currency"),
        ({"start_price": Decimal("100.5"), "currency": "JPY", "min_step": Decimal("1")}, "start_price"),
        ({"title": ""}, "title"),
        ({"soft_close_trigger": "whenever"}, "soft_close_trigger"),
        ({"visibility": "everything"}, "visibility"),
    ],
)
def test_it_refuses_bad_terms_naming_the_field(buyer, paul, supplier, overrides, field):
    with pytest.raises(ValidationError) as error:
        f.auction(buyer, paul, [supplier], **overrides)
    assert field in error.value.message_dict
    assert not Auction.objects.exists()


def test_it_accepts_a_percent_step_up_to_fifty(buyer, paul, supplier):
    auction = f.auction(buyer, paul, [supplier], min_step=Decimal("50"), min_step_kind="percent")
    assert auction.min_step == Decimal("50")


def test_it_invites_only_active_partners(buyer, paul, supplier, outsider_supplier):
    pending = factories.SupplierFactory(slug="pending-co")
    factories.PartnershipFactory(buyer=buyer, supplier=pending, status=PartnershipStatus.APPLIED)
    for stranger in (outsider_supplier, pending, buyer):
        with pytest.raises(ValidationError) as error:
            f.auction(buyer, paul, [supplier, stranger])
        assert "suppliers" in error.value.message_dict


def test_it_requires_procurement(buyer, mary, rita, supplier, sam):
    for person, organization in ((mary, buyer), (rita, buyer), (sam, supplier)):
        with pytest.raises(PermissionDenied):
            services.auction_create(actor=f.buyer_actor(person, organization), suppliers=[supplier], **f.terms())


def test_it_turns_a_request_with_quotes_into_an_auction(buyer, paul, supplier, supplier2):
    rfq = cabinet_f.rfq(buyer, [supplier, supplier2])
    cabinet_f.quote(rfq, supplier, price="100.00")
    cabinet_f.quote(rfq, supplier2, price="90.00")
    terms = f.terms()
    auction = services.auction_from_rfq(
        actor=f.buyer_actor(paul, buyer),
        rfq=rfq,
        min_step=Decimal("10"),
        starts_at=terms["starts_at"],
        ends_at=terms["ends_at"],
    )
    # lines of 5 and 10 units at 90.00: the best quote's total
    assert auction.start_price == Decimal("1350.00")
    assert auction.rfq == rfq
    assert auction.title == rfq.title
    assert set(auction.invitations.values_list("supplier", flat=True)) == {supplier.pk, supplier2.pk}


def test_it_refuses_a_request_without_quotes(buyer, paul, supplier):
    rfq = cabinet_f.rfq(buyer, [supplier])
    with pytest.raises(ValidationError) as error:
        services.auction_from_rfq(actor=f.buyer_actor(paul, buyer), rfq=rfq, min_step=Decimal("1"))
    assert "rfq" in error.value.message_dict


def test_it_updates_only_drafts(buyer, paul, supplier, supplier2):
    auction = f.auction(buyer, paul, [supplier])
    actor = f.buyer_actor(paul, buyer)
    services.auction_update(auction=auction, actor=actor, title="New title", suppliers=[supplier2])
    auction.refresh_from_db()
    assert auction.title == "New title"
    assert list(auction.invitations.values_list("supplier", flat=True)) == [supplier2.pk]
    services.auction_schedule(auction=auction, actor=actor)
    with pytest.raises(services.Refused) as error:
        services.auction_update(auction=auction, actor=actor, title="Again")
    assert error.value.code == "not_draft"


def test_scheduling_invites_the_suppliers(
    buyer, paul, supplier, sam, supplier2, sue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        auction = f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.SCHEDULED)
    assert Notification.objects.filter(kind="auction_invited").count() == 2
    assert {m.to[0] for m in mail.outbox} >= {"sam@steel.test", "sue@bolt.test"}
    assert auction.version == 1


def test_the_invitation_names_the_start_in_the_readers_date_format(
    buyer, paul, supplier, sam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        auction = f.auction(buyer, paul, [supplier], state=AuctionState.SCHEDULED)
    note = Notification.objects.filter(kind="auction_invited").first()
    start = timezone.localtime(auction.starts_at)
    assert note.params["starts"] == auction.starts_at.isoformat()
    with translation.override("ru"):
        assert start.strftime("%d.%m.%Y %H:%M") in note.text
    with translation.override("en"):
        assert f"{start.day} {start:%b %Y, %H:%M}" in note.text
    old = Notification.objects.create(
        user=note.user, organization=note.organization, kind="auction_invited", params={**note.params, "starts": "soon"}
    )
    assert "soon" in old.text  # a time stored as text before is shown as it was


def test_suppliers_do_not_see_drafts(buyer, paul, supplier, supplier2):
    auction = f.auction(buyer, paul, [supplier])
    assert list(Auction.objects.visible_to(buyer)) == [auction]
    assert not Auction.objects.visible_to(supplier).exists()
    services.auction_schedule(auction=auction, actor=f.buyer_actor(paul, buyer))
    assert list(Auction.objects.visible_to(supplier)) == [auction]
    assert not Auction.objects.visible_to(supplier2).exists()


# -- bidding ---------------------------------------------------------------------------------------


def test_it_accepts_a_bid_and_ranks_it(live, supplier, supplier2):
    first = f.bid(live, supplier, "990000.00", client_id="a1")
    assert first.ok and first.rank == 1 and first.bid_id
    second = f.bid(live, supplier2, "980000")
    assert second.ok and second.rank == 1
    live.refresh_from_db()
    assert live.best_price == Decimal("980000.00") and live.leader == supplier2 and live.bids_count == 2
    assert live.invitations.get(supplier=supplier).rank == 2
    assert [b.amount for b in Bid.objects.all()] == [Decimal("990000.00"), Decimal("980000.00")]


@pytest.mark.parametrize(
    "amount", ["1e5", "-1", "NaN", "0", "0.00", "12.345", "1" * 14, "", " ", "1,5", "+5", "Infinity", None, True, [1]]
)
def test_it_refuses_amounts_that_are_not_amounts(live, supplier, amount):
    refused(f.bid(live, supplier, amount), "invalid_amount")
    assert not Bid.objects.exists()
    assert LogEntry.objects.filter(auction=live, kind="refused", data__code="invalid_amount").count() == 1


def test_it_refuses_decimals_a_currency_does_not_have(buyer, paul, supplier):
    auction = f.auction(
        buyer,
        paul,
        [supplier],
        state=AuctionState.LIVE,
        currency="VND",
        start_price=Decimal("500000"),
        min_step=Decimal("1000"),
    )
    refused(f.bid(auction, supplier, "400000.5"), "invalid_amount")
    assert f.bid(auction, supplier, "400000").ok


def test_it_refuses_above_the_start_price_and_accepts_it_exactly(live, supplier):
    refused(f.bid(live, supplier, "1000000.01"), "above_start_price")
    assert f.bid(live, supplier, "1000000.00").ok


def test_own_bid_rule_and_step(live, supplier):
    assert f.bid(live, supplier, "900000").ok
    refused(f.bid(live, supplier, "900000"), "not_better_than_own")
    refused(f.bid(live, supplier, "950000"), "not_better_than_own")
    message = refused(f.bid(live, supplier, "899000.01"), "step_too_small")
    assert "899,000.00" in message
    assert f.bid(live, supplier, "899000").ok


def test_without_must_beat_best_a_bid_need_only_beat_its_own(live, supplier, supplier2):
    assert f.bid(live, supplier, "800000").ok
    outcome = f.bid(live, supplier2, "900000")
    assert outcome.ok and outcome.rank == 2


def test_must_beat_best(buyer, paul, supplier, supplier2):
    auction = f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.LIVE, must_beat_best=True)
    assert f.bid(auction, supplier, "800000").ok
    message = refused(f.bid(auction, supplier2, "800000"), "must_beat_best")
    assert "800" not in message and "799" not in message  # under "rank" visibility no other price leaks
    refused(f.bid(auction, supplier2, "799500"), "step_too_small")
    assert f.bid(auction, supplier2, "799000").ok
    # the leader itself is bound only by its own last bid
    assert f.bid(auction, supplier2, "798000").ok


def test_must_beat_best_names_the_price_when_it_is_visible(buyer, paul, supplier, supplier2):
    auction = f.auction(
        buyer, paul, [supplier, supplier2], state=AuctionState.LIVE, must_beat_best=True, visibility="best_price"
    )
    f.bid(auction, supplier, "800000")
    assert "799,000.00" in refused(f.bid(auction, supplier2, "800000"), "must_beat_best")


def test_percent_step(buyer, paul, supplier):
    auction = f.auction(
        buyer, paul, [supplier], state=AuctionState.LIVE, min_step=Decimal("0.5"), min_step_kind="percent"
    )
    assert f.bid(auction, supplier, "100000").ok
    refused(f.bid(auction, supplier, "99500.01"), "step_too_small")  # 0.5% of 100000 is 500
    assert f.bid(auction, supplier, "99500").ok


def test_ties_rank_by_receipt_time_not_processing_order(live, supplier, supplier2):
    now = timezone.now()
    later = f.bid(live, supplier2, "900000", at=now + dt.timedelta(milliseconds=5))
    assert later.ok and later.rank == 1
    earlier = f.bid(live, supplier, "900000", at=now)  # processed second, received first
    assert earlier.ok and earlier.rank == 1 and not earlier.tied
    live.refresh_from_db()
    assert live.leader == supplier
    assert live.invitations.get(supplier=supplier2).rank == 2
    third = f.bid(live, supplier2, "900000.00", at=now + dt.timedelta(seconds=1))
    refused(third, "not_better_than_own")


def test_the_later_of_a_tie_is_told_it_is_tied_but_behind(live, supplier, supplier2):
    assert f.bid(live, supplier, "900000").ok
    outcome = f.bid(live, supplier2, "900000")
    assert outcome.ok and outcome.rank == 2 and outcome.tied
    assert outcome.as_result()["bid"]["tied"] is True


def test_a_repeated_client_id_returns_the_first_answer_and_places_nothing(live, supplier):
    first = f.bid(live, supplier, "900000", client_id="abc")
    again = f.bid(live, supplier, "800000", client_id="abc")
    assert again.ok and again.repeated and again.bid_id == first.bid_id and again.amount == Decimal("900000.00")
    assert Bid.objects.count() == 1
    refusal = f.bid(live, supplier, "2000000", client_id="xyz")
    refused(refusal, "above_start_price")
    retry = f.bid(live, supplier, "700000", client_id="xyz")
    assert retry.repeated and retry.code == "above_start_price" and retry.message == refusal.message
    assert Bid.objects.count() == 1


def test_client_ids_are_per_supplier(live, supplier, supplier2):
    assert f.bid(live, supplier, "900000", client_id="same").ok
    outcome = f.bid(live, supplier2, "950000", client_id="same")
    assert outcome.ok and not outcome.repeated


def test_it_refuses_an_unusable_client_id(live, supplier):
    refused(f.bid(live, supplier, "900000", client_id="x" * 65), "invalid_client_id")
    refused(f.bid(live, supplier, "900000", client_id={"a": 1}), "invalid_client_id")


def test_it_refuses_the_uninvited_the_buyer_and_outsiders(live, buyer, paul, outsider_supplier, olga):
    third = factories.SupplierFactory(slug="third")
    factories.PartnershipFactory(buyer=buyer, supplier=third)
    refused(f.bid(live, third, "900000"), "not_invited")
    refused(f.bid(live, outsider_supplier, "900000", user=olga), "not_invited")
    outcome = services.bid_place(
        auction_id=live.pk, actor=f.buyer_actor(paul, buyer), amount="900000", received_at=timezone.now()
    )
    refused(outcome, "not_invited")
    refused(
        services.bid_place(auction_id=10**9, actor=f.supplier_actor(third), amount="1", received_at=timezone.now()),
        "not_found",
    )
    assert not Bid.objects.exists()


def test_it_refuses_before_the_start(buyer, paul, supplier):
    auction = f.auction(buyer, paul, [supplier], state=AuctionState.SCHEDULED)
    refused(f.bid(auction, supplier, "900000"), "not_live")
    draft = f.auction(buyer, paul, [supplier])
    refused(f.bid(draft, supplier, "900000"), "not_live")


def test_a_bid_received_after_the_start_opens_a_late_clocks_auction(buyer, paul, supplier):
    auction = f.auction(buyer, paul, [supplier], state=AuctionState.SCHEDULED)
    outcome = f.bid(auction, supplier, "900000", at=auction.starts_at + dt.timedelta(milliseconds=1))
    assert outcome.ok
    auction.refresh_from_db()
    assert auction.state == AuctionState.LIVE


def test_a_bid_exactly_at_the_end_is_refused_and_a_millisecond_before_is_accepted(live, supplier, supplier2):
    ends_at = live.ends_at
    refused(f.bid(live, supplier, "900000", at=ends_at), "too_late")
    # processed after the end, received a millisecond before it: on time (soft close is off the table:
    # the window extends, which is checked in test_soft_close)
    Auction.objects.filter(pk=live.pk).update(soft_close_window_s=0)
    outcome = f.bid(live, supplier2, "900000", at=ends_at - dt.timedelta(milliseconds=1))
    assert outcome.ok


def test_paused_and_closed_auctions_take_no_bids(live, buyer, paul, supplier):
    actor = f.buyer_actor(paul, buyer)
    services.auction_pause(auction=live, actor=actor)
    refused(f.bid(live, supplier, "900000"), "paused")
    services.auction_resume(auction=live, actor=actor)
    assert f.bid(live, supplier, "900000").ok
    live.refresh_from_db()
    services.auction_close_expired(now=live.ends_at + dt.timedelta(minutes=1))
    refused(f.bid(live, supplier, "800000", at=live.ends_at - dt.timedelta(seconds=1)), "not_live")


def test_every_attempt_is_logged(live, supplier):
    f.bid(live, supplier, "900000")
    f.bid(live, supplier, "abc")
    kinds = list(live.log_entries.values_list("kind", flat=True))
    assert kinds[-2:] == ["bid", "refused"]
    assert log.verify(live.pk).ok


# -- the buyer's controls --------------------------------------------------------------------------


def test_pause_and_resume_give_the_time_back_to_the_microsecond(live, buyer, paul, monkeypatch):
    actor = f.buyer_actor(paul, buyer)
    t0 = timezone.now()
    left = live.ends_at - t0
    monkeypatch.setattr(services, "_now", lambda: t0)
    services.auction_pause(auction=live, actor=actor)
    live.refresh_from_db()
    assert live.state == AuctionState.PAUSED and live.paused_remaining == left
    t1 = t0 + dt.timedelta(minutes=7, seconds=13, microseconds=4321)
    monkeypatch.setattr(services, "_now", lambda: t1)
    services.auction_resume(auction=live, actor=actor)
    live.refresh_from_db()
    assert live.state == AuctionState.LIVE and live.ends_at - t1 == left and live.paused_remaining is None


def test_controls_refuse_in_the_wrong_state(live, buyer, paul):
    actor = f.buyer_actor(paul, buyer)
    with pytest.raises(services.Refused) as error:
        services.auction_resume(auction=live, actor=actor)
    assert error.value.code == "not_paused"
    services.auction_pause(auction=live, actor=actor)
    with pytest.raises(services.Refused) as error:
        services.auction_pause(auction=live, actor=actor)
    assert error.value.code == "not_live"
    with pytest.raises(services.Refused) as error:
        services.auction_award(auction=live, actor=actor)
    assert error.value.code == "not_closed"


def test_controls_require_procurement_of_the_buyer(live, buyer, mary, rita, supplier, sam):
    for person, organization in ((mary, buyer), (rita, buyer), (sam, supplier)):
        actor = f.buyer_actor(person, organization)
        with pytest.raises(PermissionDenied):
            services.auction_pause(auction=live, actor=actor)
        with pytest.raises(PermissionDenied):
            services.auction_cancel(auction=live, actor=actor, reason="x")


def test_extend_while_live_and_while_paused(live, buyer, paul):
    actor = f.buyer_actor(paul, buyer)
    ends_at = live.ends_at
    services.auction_extend(auction=live, actor=actor, seconds=300)
    live.refresh_from_db()
    assert live.ends_at == ends_at + dt.timedelta(seconds=300) and live.extensions == 0
    services.auction_pause(auction=live, actor=actor)
    live.refresh_from_db()
    left = live.paused_remaining
    services.auction_extend(auction=live, actor=actor, seconds=60)
    live.refresh_from_db()
    assert live.paused_remaining == left + dt.timedelta(seconds=60)
    for seconds in (0, -5, 10**6, "60", True):
        with pytest.raises(ValidationError):
            services.auction_extend(auction=live, actor=actor, seconds=seconds)


def test_cancel_needs_a_reason_and_tells_the_suppliers(live, buyer, paul, sam, sue):
    actor = f.buyer_actor(paul, buyer)
    with pytest.raises(ValidationError) as error:
        services.auction_cancel(auction=live, actor=actor, reason="  ")
    assert "reason" in error.value.message_dict
    services.auction_cancel(auction=live, actor=actor, reason="Budget frozen")
    live.refresh_from_db()
    assert live.state == AuctionState.CANCELLED and live.cancel_reason == "Budget frozen"
    assert Notification.objects.filter(kind="auction_cancelled").count() == 2
    with pytest.raises(services.Refused):
        services.auction_cancel(auction=live, actor=actor, reason="again")


# -- the award -------------------------------------------------------------------------------------


def _closed(auction, *bids):
    for supplier, amount in bids:
        assert f.bid(auction, supplier, amount).ok
    auction.refresh_from_db()
    services.auction_close_expired(now=auction.ends_at + dt.timedelta(minutes=1))
    auction.refresh_from_db()
    assert auction.state == AuctionState.CLOSED
    return auction


def test_award_to_the_leader_creates_the_order_with_the_log(live, buyer, paul, supplier, supplier2, sam, sue):
    auction = _closed(live, (supplier, "960000"), (supplier2, "950000"))
    order = services.auction_award(auction=auction, actor=f.buyer_actor(paul, buyer))
    auction.refresh_from_db()
    assert auction.state == AuctionState.AWARDED and auction.awarded_to == supplier2 and auction.order == order
    assert order.number.startswith("A-") and order.channel == "auction" and order.supplier == supplier2
    assert order.total == Decimal("950000.00")
    line = order.lines.get()
    assert line.quantity == Decimal("120") and line.unit == "t"
    document = order.documents.get()
    assert document.original_name.endswith(".jsonl") and document.supplier is None  # the buyer's only
    lines = [json.loads(text) for text in document.file.read().decode().splitlines()]
    assert lines[-1]["kind"] == "awarded" and lines[-1]["data"]["order"] == order.number
    assert [entry["seq"] for entry in lines] == list(range(1, len(lines) + 1))
    assert log.verify(auction.pk).ok
    assert Notification.objects.filter(kind="auction_won", organization=supplier2).exists()
    assert Notification.objects.filter(kind="auction_lost", organization=supplier).exists()


def test_award_to_another_needs_a_reason(live, buyer, paul, supplier, supplier2):
    auction = _closed(live, (supplier, "960000"), (supplier2, "950000"))
    actor = f.buyer_actor(paul, buyer)
    with pytest.raises(ValidationError) as error:
        services.auction_award(auction=auction, actor=actor, supplier=supplier)
    assert "reason" in error.value.message_dict
    order = services.auction_award(auction=auction, actor=actor, supplier=supplier, reason="Better lead time")
    assert order.supplier == supplier and order.total == Decimal("960000.00")
    auction.refresh_from_db()
    assert auction.award_reason == "Better lead time"


def test_award_only_to_a_bidder(buyer, paul, supplier, supplier2):
    auction = f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.LIVE)
    auction = _closed(auction, (supplier, "960000"))
    with pytest.raises(ValidationError) as error:
        services.auction_award(auction=auction, actor=f.buyer_actor(paul, buyer), supplier=supplier2, reason="x")
    assert "supplier" in error.value.message_dict


def test_award_with_an_uneven_unit_price_orders_one_lot_at_the_winning_amount(buyer, paul, supplier):
    auction = f.auction(buyer, paul, [supplier], state=AuctionState.LIVE, quantity=Decimal("12345.678"))
    auction = _closed(auction, (supplier, "999999.99"))
    order = services.auction_award(auction=auction, actor=f.buyer_actor(paul, buyer))
    line = order.lines.get()
    assert order.total == Decimal("999999.99") and line.quantity == 1 and "12345.678 t" in line.name


def test_nothing_to_award_without_bids(live, buyer, paul):
    services.auction_close_expired(now=live.ends_at + dt.timedelta(minutes=1))
    with pytest.raises(services.Refused) as error:
        services.auction_award(auction=live, actor=f.buyer_actor(paul, buyer))
    assert error.value.code == "no_bids"
    services.auction_cancel(auction=live, actor=f.buyer_actor(paul, buyer), reason="No bids")


def test_reminders_go_out_once(buyer, paul, supplier, sam):
    start = timezone.now() + dt.timedelta(minutes=10)
    auction = f.auction(
        buyer, paul, [supplier], state=AuctionState.SCHEDULED, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    assert services.auction_reminders_send() == [auction.pk]
    assert services.auction_reminders_send() == []
    assert Notification.objects.filter(kind="auction_reminder").count() == 1
