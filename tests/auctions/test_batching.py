"""Group commit of bids: several attempts placed in one transaction are each judged alone, in order
of receipt, by the same rules as an attempt on its own (``auctions.batching``,
``auctions.services.bid_place``)."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from auctions import batching, broadcast, log, news, services
from auctions.models import Auction, AuctionState, Bid, BidRefusal, LogEntry
from tests.auctions import factories as f

# -- the queue alone -------------------------------------------------------------------------------


def test_items_that_arrive_while_a_batch_runs_go_together_into_the_next():
    running, release, seen = threading.Event(), threading.Event(), []

    def run(key, items):
        seen.append(list(items))
        if items == ["first"]:
            running.set()
            release.wait(5)
        return [f"{key}:{item}" for item in items]

    group = batching.GroupCommit(run)
    answers = {}

    def submit(item):
        answers[item] = group.submit("k", item)

    first = threading.Thread(target=submit, args=("first",))
    first.start()
    assert running.wait(5)
    others = [threading.Thread(target=submit, args=(n,)) for n in ("a", "b", "c")]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 5
    while len(group._queues["k"]) < 3 and time.monotonic() < deadline:  # the leader took its own
        time.sleep(0.01)
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert seen[0] == ["first"]
    assert sorted(seen[1]) == ["a", "b", "c"] and len(seen) == 2
    assert answers == {"first": "k:first", "a": "k:a", "b": "k:b", "c": "k:c"}
    assert group._queues == {}  # nobody leads any more: the next item leads again
    assert group.submit("k", "again") == "k:again"


def test_a_failing_batch_is_run_again_item_by_item():
    def run(key, items):
        if "bad" in items:
            raise ValueError("bad item")
        return [item.upper() for item in items]

    group = batching.GroupCommit(run)
    slots = [batching._Slot(item) for item in ("x", "bad", "y")]
    group._queues["k"] = list(slots)
    group._lead("k")
    assert [(s.answer, type(s.error).__name__ if s.error else None) for s in slots] == [
        ("X", None),
        (None, "ValueError"),
        ("Y", None),
    ]
    assert all(s.done for s in slots)


# -- the batch through the service -----------------------------------------------------------------


@pytest.fixture
def live(buyer, paul, supplier, sam, supplier2, sue):
    return f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.LIVE)


def attempt(supplier, amount, *, at=None, client_id=None, language="en"):
    return services.BidAttempt(f.supplier_actor(supplier), amount, at or timezone.now(), client_id, language)


def place(auction, *attempts):
    return services._bids_place(auction.pk, list(attempts))


@pytest.mark.django_db
def test_one_batch_with_a_client_id_sent_twice_places_it_once(live, supplier, supplier2):
    now = timezone.now()
    first, other, again = place(
        live,
        attempt(supplier, "900000", at=now, client_id="c1"),
        attempt(supplier2, "950000", at=now + dt.timedelta(milliseconds=1), client_id="c1"),  # another supplier's
        attempt(supplier, "800000", at=now + dt.timedelta(milliseconds=2), client_id="c1"),
    )
    assert first.ok and not first.repeated and other.ok and not other.repeated
    assert again.ok and again.repeated and again.bid_id == first.bid_id and again.amount == Decimal("900000.00")
    assert Bid.objects.filter(auction=live).count() == 2
    assert list(live.log_entries.filter(kind__in=["bid", "refused"]).values_list("kind", flat=True)) == ["bid", "bid"]
    assert log.verify(live.pk).ok
    # and a retry in a later batch still gets that first answer
    (later,) = place(live, attempt(supplier, "700000", client_id="c1"))
    assert later.repeated and later.bid_id == first.bid_id


@pytest.mark.django_db
def test_a_refusal_between_two_accepted_bids(live, supplier, supplier2):
    now = timezone.now()
    outcomes = place(
        live,
        attempt(supplier, "900000", at=now, client_id="a"),
        attempt(supplier, "950000", at=now + dt.timedelta(milliseconds=1), client_id="b"),  # above its own
        attempt(supplier2, "850000", at=now + dt.timedelta(milliseconds=2), client_id="c"),
    )
    assert [o.ok for o in outcomes] == [True, False, True]
    assert outcomes[1].code == "not_better_than_own"
    assert [o.rank for o in (outcomes[0], outcomes[2])] == [1, 1]
    kinds = list(live.log_entries.order_by("seq").values_list("kind", flat=True))
    assert kinds[-3:] == ["bid", "refused", "bid"]
    assert BidRefusal.objects.get(auction=live, client_id="b").code == "not_better_than_own"
    live.refresh_from_db()
    assert live.bids_count == 2 and live.best_price == Decimal("850000.00") and live.leader == supplier2
    assert live.invitations.get(supplier=supplier).rank == 2
    assert log.verify(live.pk).ok
    (retry,) = place(live, attempt(supplier, "1.00", client_id="b"))
    assert retry.repeated and retry.code == "not_better_than_own"


@pytest.mark.django_db
def test_a_bid_received_before_the_end_is_on_time_in_a_batch_placed_after_it(live, supplier, supplier2):
    ends_at = timezone.now() - dt.timedelta(milliseconds=200)  # the end has passed while the batch waited
    Auction.objects.filter(pk=live.pk).update(ends_at=ends_at, soft_close_window_s=0)
    on_time, late = place(
        live,
        attempt(supplier, "900000", at=ends_at - dt.timedelta(milliseconds=1)),
        attempt(supplier2, "800000", at=ends_at),
    )
    assert on_time.ok
    assert not late.ok and late.code == "too_late"
    assert list(Bid.objects.filter(auction=live).values_list("supplier__slug", flat=True)) == ["steel-works"]


@pytest.mark.django_db
def test_ties_inside_a_batch_go_by_receipt_not_by_arrival(live, supplier, supplier2):
    now = timezone.now()
    later, earlier = place(  # arrived in this order, received in the other
        live,
        attempt(supplier2, "900000", at=now + dt.timedelta(milliseconds=5)),
        attempt(supplier, "900000", at=now),
    )
    assert earlier.ok and earlier.rank == 1 and not earlier.tied
    assert later.ok and later.rank == 2 and later.tied
    live.refresh_from_db()
    assert live.leader == supplier
    bids = list(Bid.objects.filter(auction=live).order_by("pk").values_list("supplier__slug", flat=True))
    assert bids == ["steel-works", "bolt-house"]  # recorded in the order judged
    assert log.verify(live.pk).ok


@pytest.mark.django_db
def test_a_batch_is_news_once_with_every_bid_and_an_extension_is_news_of_its_own(
    buyer, paul, supplier, sam, supplier2, sue, monkeypatch, django_capture_on_commit_callbacks
):
    auction = f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.LIVE, minutes_left=1)
    published = []
    monkeypatch.setattr(services, "_publish", published.append)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = place(
            auction,
            attempt(supplier, "900000", at=now),  # a new rank in the window: extends
            attempt(supplier, "890000", at=now + dt.timedelta(milliseconds=1)),  # same rank: does not
            attempt(supplier2, "880000", at=now + dt.timedelta(milliseconds=2)),  # a new rank: extends
            attempt(supplier, "1", at=now + dt.timedelta(milliseconds=3), client_id="x" * 65),  # refused
            # two extensions moved the end out of reach of the window: no more of them
            attempt(supplier, "870000", at=now + dt.timedelta(milliseconds=4)),
            attempt(supplier2, "860000", at=now + dt.timedelta(milliseconds=5)),
            attempt(supplier, "850000", at=now + dt.timedelta(milliseconds=6)),
            attempt(supplier2, "840000", at=now + dt.timedelta(milliseconds=7)),
        )
    assert [o.ok for o in outcomes] == [True, True, True, False, True, True, True, True]
    assert [n["kind"] for n in published] == ["extended", "extended", "update"]
    assert [len(n["bids"] or [n["bid"]]) for n in published] == [1, 2, 4]
    assert published[1]["reason"] and published[1]["extensions"] == 2
    assert [n["version"] for n in published] == sorted(n["version"] for n in published)
    shown = [b["id"] for n in published for b in n["bids"] or [n["bid"]]]
    assert shown == [o.bid_id for o in outcomes if o.ok]
    # the buyer's frame carries every bid of the news; a supplier's only its own newest
    last = published[-1]
    assert [b["amount"] for b in news.frame(last, news.BUYER)["bids"]] == [
        "870000.00",
        "860000.00",
        "850000.00",
        "840000.00",
    ]
    assert news.frame(last, supplier.pk)["my_bid"]["amount"] == "850000.00"
    assert "bids" not in news.frame(last, supplier.pk)
    auction.refresh_from_db()
    assert auction.extensions == 2 and auction.bids_count == 7
    assert log.verify(auction.pk).ok


@pytest.mark.django_db
def test_each_answer_is_in_its_own_language(live, supplier, supplier2):
    ru, vi = place(
        live,
        attempt(supplier, "abc", language="ru"),
        attempt(supplier2, "abc", language="vi"),
    )
    assert ru.code == vi.code == "invalid_amount"
    assert ru.message != vi.message  # each written in the language of the person who sent it


def test_the_hub_shows_the_buyer_every_bid_of_collapsed_batches():
    def item(version, bids):
        base = {"id": 0, "supplier": 1, "slug": "s", "name": "S", "received_at": "", "rank": 1, "tied": False}
        rows = [{**base, "id": n, "amount": f"{n}.00", "received_at": f"2026-01-01T00:00:0{n}"} for n in bids]
        return {
            "auction_id": 1,
            "version": version,
            "kind": "update",
            "state": "live",
            "starts_at": None,
            "ends_at": None,
            "bids_count": bids[-1],
            "extensions": 0,
            "max_extensions": 0,
            "paused_remaining_s": None,
            "reason": "",
            "reason_data": None,
            "visibility": "rank",
            "currency": "RUB",
            "best_price": None,
            "reserve_price": None,
            "leader": 1,
            "standings": [],
            "bid": rows[-1],
            "bids": rows if len(rows) > 1 else None,
        }

    hub = broadcast.Hub.__new__(broadcast.Hub)
    send, carried = [item(3, [5, 6])], [item(1, [1, 2]), item(2, [3, 4])]
    ((_version, text),) = hub._texts(send, broadcast.BUYER, carried, send[0], "now")
    assert '"bids":[' in text
    import json

    assert [b["id"] for b in json.loads(text)["bids"]] == [1, 2, 3, 4, 5, 6]


# -- real threads through bid_place (PostgreSQL) ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_attempts_waiting_for_a_busy_lock_are_placed_in_one_transaction(buyer, paul, supplier, sam, supplier2, sue):
    live = f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.LIVE)
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        from django.db import transaction

        try:
            with transaction.atomic():
                list(Auction.objects.select_for_update().filter(pk=live.pk))
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    outcomes = {}

    received = timezone.now()

    def bid(n, supplier_, amount):
        try:  # received in this order whatever order the threads run in
            at = received + dt.timedelta(milliseconds=n)
            outcomes[n] = f.bid(live, supplier_, amount, client_id=f"t{n}", at=at)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert holding.wait(10)
    before = (services._GROUP.batches, services._GROUP.items)
    first = threading.Thread(target=bid, args=(0, supplier, "990000"))  # leads, and waits for the lock
    first.start()
    time.sleep(0.3)
    rest = [
        threading.Thread(target=bid, args=(n, s, a))
        for n, (s, a) in enumerate([(supplier2, "980000"), (supplier, "970000"), (supplier2, "960000")], start=1)
    ]
    for thread in rest:
        thread.start()
    deadline = time.monotonic() + 5
    while len(services._GROUP._queues.get(live.pk, ())) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for thread in [holder, first, *rest]:
        thread.join(10)
    assert all(outcomes[n].ok for n in range(4)), outcomes
    assert (services._GROUP.batches - before[0], services._GROUP.items - before[1]) == (2, 4)
    xmins = Bid.objects.filter(auction=live).extra(select={"tx": "xmin::text"}).values_list("tx", flat=True)
    assert len(set(xmins)) == 2  # the first alone, the three that waited in one transaction
    assert LogEntry.objects.filter(auction=live, kind="bid").count() == 4
    assert log.verify(live.pk).ok
