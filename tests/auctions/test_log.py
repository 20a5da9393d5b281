"""The hash-chained log: it verifies, anyone can recompute it from the download, and an edit, a
deletion or a forged hash is found and named."""

import hashlib
import json

import pytest
from django.core.management import CommandError, call_command

from auctions import log
from auctions.models import AuctionState, LogEntry
from tests.auctions import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(buyer, paul, supplier, sam, supplier2, sue):
    auction = f.auction(buyer, paul, [supplier, supplier2], state=AuctionState.LIVE)
    f.bid(auction, supplier, "900000", client_id="c1")
    f.bid(auction, supplier2, "NaN")
    f.bid(auction, supplier2, "880000.50")
    f.bid(auction, supplier, "Вася")  # any text a client sends is logged safely
    return auction


def test_the_chain_verifies_and_the_command_says_so(history, capsys):
    assert log.verify(history.pk).ok
    call_command("verify_auction_log", str(history.pk))
    out = capsys.readouterr().out
    assert out.startswith("OK") and "7 entries" in out


def test_anyone_can_recompute_the_chain_from_the_json_lines(history):
    lines = [json.loads(text) for text in "".join(log.json_lines(history)).splitlines()]
    prev = "0" * 64
    for entry in lines:
        body = {k: entry[k] for k in ("seq", "at", "kind", "data")}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert entry["prev_hash"] == prev
        assert hashlib.sha256((prev + canonical).encode()).hexdigest() == entry["hash"]
        prev = entry["hash"]
    assert [e["kind"] for e in lines] == ["created", "state", "state", "bid", "refused", "bid", "refused"]
    assert lines[4]["data"]["code"] == "invalid_amount"


def test_an_edited_entry_is_named(history):
    entry = LogEntry.objects.get(auction=history, seq=4)
    LogEntry.objects.filter(pk=entry.pk).update(data={**entry.data, "amount": "1.00"})
    verdict = log.verify(history.pk)
    assert not verdict.ok and verdict.bad_seq == 4
    with pytest.raises(CommandError, match="seq 4"):
        call_command("verify_auction_log", str(history.pk))


def test_a_forged_hash_breaks_the_next_link(history):
    entry = LogEntry.objects.get(auction=history, seq=4)
    data = {**entry.data, "amount": "1.00"}
    forged = log.entry_hash(prev_hash=entry.prev_hash, seq=4, at=entry.at, kind=entry.kind, data=data)
    LogEntry.objects.filter(pk=entry.pk).update(data=data, hash=forged)
    assert log.verify(history.pk).bad_seq == 5


def test_a_deleted_entry_is_named(history):
    LogEntry.objects.filter(auction=history, seq=5).delete()
    verdict = log.verify(history.pk)
    assert not verdict.ok and verdict.bad_seq == 5


def test_entries_cannot_be_saved_again(history):
    entry = LogEntry.objects.get(auction=history, seq=1)
    entry.kind = "bid"
    with pytest.raises(ValueError):
        entry.save()


def test_an_unknown_auction_is_a_one_line_error():
    with pytest.raises(CommandError, match="No auction"):
        call_command("verify_auction_log", "999999")
