"""What each audience sees (auctions.news, pure functions): a supplier never another's identity,
under ``rank`` no price but its own, never the reserve; the buyer everything."""

import datetime as dt
import json
import random
from decimal import Decimal
from types import SimpleNamespace

import pytest

from auctions import news

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


def auction(visibility="rank", **overrides):
    values = {
        "pk": 7,
        "version": 12,
        "state": "live",
        "starts_at": NOW,
        "ends_at": NOW + dt.timedelta(minutes=30),
        "bids_count": 9,
        "extensions": 1,
        "max_extensions": 5,
        "paused_remaining": None,
        "visibility": visibility,
        "currency": "RUB",
        "best_price": Decimal("811111.00"),
        "reserve_price": Decimal("933333.00"),
        "leader_id": 102,
        "title": "Lot",
        "lot": "Lot",
        "lot_name": "Lot",
        "quantity": Decimal("1"),
        "unit": "lot",
        "start_price": Decimal("999999.00"),
        "min_step": Decimal("1000.00"),
        "min_step_kind": "amount",
        "must_beat_best": False,
        "soft_close_window_s": 180,
        "soft_close_extension_s": 120,
        "soft_close_trigger": "rank_improving",
        "soft_close_top_n": None,
    }
    values.update(overrides)
    return SimpleNamespace(**values)


def line(supplier, rank, best, name):
    return {
        "supplier": supplier,
        "slug": f"slug-{name.lower()}",
        "name": name,
        "rank": rank,
        "best": best,
        "received_at": NOW.isoformat(),
        "bids_count": 2,
    }


STANDINGS = [
    line(102, 1, "811111.00", "Zeta"),
    line(101, 2, "822222.00", "Alpha"),
    line(103, 3, "822222.00", "Omega"),
    line(104, None, None, "Silent"),
]
BID = {
    "id": 55,
    "supplier": 102,
    "slug": "slug-zeta",
    "name": "Zeta",
    "amount": "811111.00",
    "received_at": NOW.isoformat(),
    "rank": 1,
    "tied": False,
}


def others_leak(text: str, me: int, *, prices: bool) -> list[str]:
    leaks = []
    for other in STANDINGS:
        if other["supplier"] == me:
            continue
        leaks += [word for word in (other["name"], other["slug"], f'"supplier": {other["supplier"]}') if word in text]
        if prices and other["best"] and other["best"] not in {s["best"] for s in STANDINGS if s["supplier"] == me}:
            leaks += [other["best"]] if other["best"] in text else []
    return leaks + (["933333"] if "933333" in text else [])


@pytest.mark.parametrize("kind", news.KINDS)
@pytest.mark.parametrize("me", [101, 102, 103, 104])
def test_a_supplier_under_rank_sees_only_itself(kind, me):
    item = news.build(auction("rank"), STANDINGS, kind, bid=BID)
    frame = news.frame(item, me)
    text = json.dumps(frame, ensure_ascii=False)
    assert not others_leak(text, me, prices=True), text
    assert "best_price" not in frame and "standings" not in frame and "bid" not in frame
    mine = next(s for s in STANDINGS if s["supplier"] == me)
    assert frame["my_rank"] == mine["rank"] and frame["my_best"] == mine["best"]
    assert frame["type"] == kind and frame["version"] == 12


@pytest.mark.parametrize("me", [101, 102, 103, 104])
def test_a_supplier_under_best_price_sees_the_price_never_the_holder(me):
    frame = news.frame(news.build(auction("best_price"), STANDINGS, "update", bid=BID), me)
    text = json.dumps(frame, ensure_ascii=False)
    assert frame["best_price"] == "811111.00"
    assert not others_leak(text, me, prices=False), text
    assert ("my_bid" in frame) == (me == 102)


def test_the_later_of_a_tie_is_told_so():
    item = news.build(auction(), STANDINGS, "update")
    assert news.frame(item, 103)["tied"] is True
    assert news.frame(item, 101)["tied"] is False


def test_the_buyer_sees_everything():
    frame = news.frame(
        news.build(auction(), STANDINGS, "extended", bid=BID, extra={"reason": "extended by 2:00"}), "buyer"
    )
    assert frame["standings"] == STANDINGS and frame["bid"] == BID
    assert frame["leader"]["name"] == "Zeta" and frame["reserve_met"] is True and frame["reason"] == "extended by 2:00"


def test_snapshots_follow_the_same_rules():
    buyer = news.snapshot(auction(), STANDINGS, "buyer", bids=[BID], now=NOW)
    assert buyer["bids"] == [BID] and buyer["server_time"] == NOW.isoformat(timespec="microseconds")
    supplier = news.snapshot(auction(), STANDINGS, 101, bids=[BID], now=NOW)
    text = json.dumps(supplier, ensure_ascii=False)
    assert not others_leak(text, 101, prices=True)
    assert supplier["auction"]["id"] == 7 and supplier["my_rank"] == 2


def test_random_standings_never_leak():
    rng = random.Random(8)
    for _ in range(200):
        count = rng.randint(1, 6)
        lines = [line(200 + i, None, None, f"Name{200 + i}X") for i in range(count)]
        for ranked, item in enumerate(sorted(rng.sample(lines, rng.randint(0, count)), key=id), start=1):
            item["rank"], item["best"] = ranked, f"{rng.randint(1, 999) * 1111}.00"
        visibility = rng.choice(["rank", "best_price"])
        for me in (item["supplier"] for item in lines):
            frame = news.frame(news.build(auction(visibility), lines, "update"), me)
            text = json.dumps(frame)
            for other in lines:
                if other["supplier"] != me:
                    assert other["name"] not in text and other["slug"] not in text
