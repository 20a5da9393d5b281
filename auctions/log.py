"""Each auction's log: an append-only hash chain of everything that happened to it (every attempt,
accepted or refused, every extension, pause, resume, state change and the award).

    hash = SHA-256(prev_hash + canonical JSON of {"seq", "at", "kind", "data"})

The canonical JSON has sorted keys, no spaces, UTF-8, and ``at`` in UTC with microseconds, so that
anyone can recompute every link from the downloaded JSON lines. Entries are appended only while
the caller holds the auction's row lock (``select_for_update``), which orders the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from .models import Auction, LogEntry

GENESIS = "0" * 64


def iso(moment: dt.datetime | None) -> str | None:
    """A time as the log and the wire write it: UTC, microseconds, explicit offset."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def plain(value: Any) -> Any:
    """``value`` as JSON-native data (Decimals as strings, times in ``iso``), NUL characters dropped
    because PostgreSQL's jsonb cannot hold them."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.timedelta):
        return str(Decimal(value.total_seconds()).quantize(Decimal("0.000001")))
    if isinstance(value, str):
        return value.replace("\x00", "")
    if value is None or isinstance(value, bool | int):
        return value
    return str(value)


def canonical(*, seq: int, at: dt.datetime, kind: str, data: dict) -> str:
    body = {"seq": seq, "at": iso(at), "kind": kind, "data": data}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(*, prev_hash: str, seq: int, at: dt.datetime, kind: str, data: dict) -> str:
    text = prev_hash + canonical(seq=seq, at=at, kind=kind, data=data)
    return hashlib.sha256(text.encode()).hexdigest()


def append(*, auction: Auction, kind: str, data: dict, at: dt.datetime | None = None) -> LogEntry:
    """Add one link; the caller holds ``auction``'s row lock inside its transaction. The chain's
    head on the auction row (``log_seq``, ``log_hash``) follows."""
    last = LogEntry.objects.filter(auction=auction).order_by("-seq").values_list("seq", "hash").first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = at or timezone.now()
    data = plain(data)
    entry = LogEntry(auction=auction, seq=seq, at=at, kind=kind, data=data, prev_hash=prev_hash)
    entry.hash = entry_hash(prev_hash=prev_hash, seq=seq, at=at, kind=kind, data=data)
    entry.save()
    auction.log_seq, auction.log_hash = seq, entry.hash
    Auction.objects.filter(pk=auction.pk).update(log_seq=seq, log_hash=entry.hash)
    return entry


def link(auction: Auction, *, kind: str, data: dict, at: dt.datetime | None = None) -> LogEntry:
    """The next link after the head of ``auction`` as read under its row lock, unsaved: the caller
    inserts it and stores the new head (``auction.log_seq``, ``auction.log_hash``, set here) in the
    same transaction. No query: the bidding's hot path."""
    seq, prev_hash = auction.log_seq + 1, auction.log_hash
    at = at or timezone.now()
    data = plain(data)
    digest = entry_hash(prev_hash=prev_hash, seq=seq, at=at, kind=kind, data=data)
    auction.log_seq, auction.log_hash = seq, digest
    return LogEntry(auction_id=auction.pk, seq=seq, at=at, kind=kind, data=data, prev_hash=prev_hash, hash=digest)


def as_dict(entry: LogEntry) -> dict:
    return {
        "seq": entry.seq,
        "at": iso(entry.at),
        "kind": entry.kind,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def json_lines(auction: Auction) -> Iterator[str]:
    """The log as JSON lines, oldest first (what the buyer downloads and the order carries)."""
    for entry in LogEntry.objects.filter(auction=auction).order_by("seq").iterator(chunk_size=2000):
        yield json.dumps(as_dict(entry), sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    bad_seq: int | None = None
    problem: str = ""


def verify(auction_id: int) -> Verdict:
    """Recompute the chain: sequence without gaps, each link naming the previous hash, each hash
    matching its content. Names the first entry that breaks it."""
    prev_hash, count = GENESIS, 0
    entries = LogEntry.objects.filter(auction_id=auction_id).order_by("seq").iterator(chunk_size=2000)
    for expected, entry in enumerate(entries, start=1):
        count += 1
        if entry.seq != expected:
            return Verdict(False, count, expected, f"entry {expected} is missing (found {entry.seq})")
        if entry.prev_hash != prev_hash:
            return Verdict(False, count, entry.seq, "its prev_hash does not match the entry before")
        recomputed = entry_hash(prev_hash=prev_hash, seq=entry.seq, at=entry.at, kind=entry.kind, data=entry.data)
        if recomputed != entry.hash:
            return Verdict(False, count, entry.seq, "its content does not match its hash")
        prev_hash = entry.hash
    return Verdict(True, count)
