"""The clock opens and closes on time, whether or not anybody watches; twice is harmless."""

import datetime as dt
import os
import signal
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from auctions import services
from auctions.models import Auction, AuctionState, LogEntry
from tests.auctions import factories as f

MS = dt.timedelta(milliseconds=1)


@pytest.fixture
def scheduled(buyer, paul, supplier, supplier2):
    start = timezone.now() + dt.timedelta(minutes=5)
    return f.auction(
        buyer,
        paul,
        [supplier, supplier2],
        state=AuctionState.SCHEDULED,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )


def state(auction):
    auction.refresh_from_db()
    return auction.state


@pytest.mark.django_db
def test_it_opens_on_time(scheduled):
    assert services.auction_open_due(now=scheduled.starts_at - MS) == []
    assert state(scheduled) == AuctionState.SCHEDULED
    assert services.auction_open_due(now=scheduled.starts_at) == [scheduled.pk]
    assert state(scheduled) == AuctionState.LIVE
    assert services.auction_open_due(now=scheduled.starts_at + MS) == []


@pytest.mark.django_db
def test_it_closes_after_the_end_and_the_grace(scheduled, settings):
    settings.AUCTION_CLOSE_GRACE_S = 1.5
    services.auction_open_due(now=scheduled.starts_at)
    end = scheduled.ends_at
    assert services.auction_close_expired(now=end) == []
    assert services.auction_close_expired(now=end + dt.timedelta(seconds=1.5) - MS) == []
    assert services.auction_close_expired(now=end + dt.timedelta(seconds=1.5)) == [scheduled.pk]
    assert state(scheduled) == AuctionState.CLOSED
    assert services.auction_close_expired(now=end + dt.timedelta(minutes=1)) == []
    kinds = list(LogEntry.objects.filter(auction=scheduled, kind="state").values_list("data__to", flat=True))
    assert kinds == ["scheduled", "live", "closed"]


@pytest.mark.django_db
def test_a_paused_auction_is_not_closed(scheduled, buyer, paul):
    services.auction_open_due(now=scheduled.starts_at)
    Auction.objects.filter(pk=scheduled.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=1))
    services.auction_pause(auction=scheduled, actor=f.buyer_actor(paul, buyer))
    assert services.auction_close_expired(now=scheduled.ends_at + dt.timedelta(hours=1)) == []
    assert state(scheduled) == AuctionState.PAUSED


@pytest.mark.django_db
def test_a_clock_down_through_a_whole_auction_opens_then_closes_it(scheduled):
    later = scheduled.ends_at + dt.timedelta(hours=1)
    assert services.auction_clock_tick(now=later) == ([scheduled.pk], [scheduled.pk])
    assert state(scheduled) == AuctionState.CLOSED


@pytest.mark.django_db
def test_the_command_ticks_once(scheduled, capsys):
    Auction.objects.filter(pk=scheduled.pk).update(starts_at=timezone.now() - MS)
    call_command("run_auction_clock", "--once")
    assert f"opened auction {scheduled.pk}" in capsys.readouterr().out
    assert state(scheduled) == AuctionState.LIVE


@pytest.mark.django_db
def test_the_command_stops_on_sigterm_and_restores_the_handler(capsys):
    before = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGTERM))
    timer.start()
    call_command("run_auction_clock", "--interval", "0.05")
    timer.join()
    assert "stopped" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clocks_at_once_open_and_close_each_auction_once(buyer, paul, supplier, supplier2):
    start = timezone.now() + dt.timedelta(minutes=5)
    auctions = [
        f.auction(
            buyer,
            paul,
            [supplier, supplier2],
            state=AuctionState.SCHEDULED,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=10),
        )
        for _ in range(6)
    ]
    results, errors = [], []

    def clock(now):
        try:
            results.append(services.auction_clock_tick(now=now))
        except Exception as error:  # pragma: no cover - the assertion below shows it
            errors.append(error)
        finally:
            connection.close()

    for now in (start, start + dt.timedelta(hours=1)):
        threads = [threading.Thread(target=clock, args=(now,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    opened = sorted(pk for result in results for pk in result[0])
    closed = sorted(pk for result in results for pk in result[1])
    assert opened == closed == sorted(a.pk for a in auctions)
    for auction in auctions:
        assert state(auction) == AuctionState.CLOSED
        transitions = LogEntry.objects.filter(auction=auction, kind="state").values_list("data__to", flat=True)
        assert list(transitions) == ["scheduled", "live", "closed"]


@pytest.mark.django_db
def test_the_periodic_task_sends_due_reminders_once(buyer, paul, supplier, sam):
    from auctions import tasks
    from marketplace.models import Notification

    start = timezone.now() + dt.timedelta(minutes=10)
    f.auction(
        buyer, paul, [supplier], state=AuctionState.SCHEDULED, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    far = timezone.now() + dt.timedelta(days=2)
    f.auction(buyer, paul, [supplier], state=AuctionState.SCHEDULED, starts_at=far, ends_at=far + dt.timedelta(hours=1))
    tasks.send_auction_reminders()
    tasks.send_auction_reminders()
    assert Notification.objects.filter(kind="auction_reminder", user=sam).count() == 1
