"""Writes of the auctions: setting up, bidding, the buyer's controls, the clock and the award.
Views, the API, the consumers, the clock and the demo call these; nothing else changes an auction.

Each change is logged in the auction's hash chain under the auction's row lock and, once committed,
its news is published (``auctions.broadcast.publish``) exactly once. A bid is never an exception:
``bid_place`` answers every attempt with a ``BidOutcome``. A buyer's control the life cycle does
not allow now raises ``Refused`` (the API's 409 ``{"code", "message"}``); bad input raises a
field-keyed ``ValidationError``; a role that may not raises ``PermissionDenied``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace import events, notifications
from marketplace.actors import Actor
from marketplace.models import Organization, OverridePurpose, Perm
from marketplace.notifications import notify
from marketplace.selectors import active_suppliers
from marketplace.services import partnership_check_blocked
from marketplace.statemachine import TransitionNotAllowed

from . import batching, log, news, rules
from .lifecycle import AUCTION, BUYER
from .models import Auction, AuctionState, Bid, BidRefusal, Invitation, LogEntry, LogKind, StepKind

MAX_PERCENT_STEP = Decimal("50")
MAX_EXTEND_S = 24 * 3600


class Refused(Exception):
    """A control the auction's state does not allow now: ``code`` and a ``message`` in words."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# -- helpers ---------------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return timezone.now()


def close_grace() -> dt.timedelta:
    """How long after the end the clock waits before closing, so that a bid received before the
    end but still waiting for the row lock is judged on time rather than found closed."""
    return dt.timedelta(seconds=float(getattr(settings, "AUCTION_CLOSE_GRACE_S", 2.0)))


def auction_url(auction: Auction) -> str:
    try:
        return reverse("auctions:detail", args=[auction.pk])
    except NoReverseMatch:  # the pages are mounted by the live side
        return ""


def _lock(auction_id: int) -> Auction:
    return Auction.objects.select_for_update().get(pk=auction_id)


def _invitations(auction: Auction) -> list[Invitation]:
    return list(auction.invitations.select_related("supplier").order_by("supplier_id"))


def standings(invitations: Iterable[Invitation]) -> list[dict]:
    """Standing lines, best first, then invited suppliers without a bid (by name)."""
    lines = [news.standing(i) for i in invitations]
    return sorted(lines, key=lambda line: (line["rank"] is None, line["rank"] or 0, line["name"]))


def _publish(news_item: dict) -> None:
    from . import broadcast

    broadcast.publish(news_item)


def _event(auction: Auction, kind: str, invitations: Iterable[Invitation] | None = None, **data: Any) -> None:
    """Publish the business event ``auction_<kind>`` (webhooks follow it) once the transaction commits."""
    invitations = _invitations(auction) if invitations is None else invitations
    events.publish(
        f"auction_{kind}",
        auction_id=auction.pk,
        buyer_id=auction.buyer_id,
        supplier_ids=[i.supplier_id for i in invitations],
        title=auction.title,
        currency=auction.currency,
        starts_at=log.iso(auction.starts_at),
        ends_at=log.iso(auction.ends_at),
        **data,
    )


def _announce(auction: Auction, kind: str, *, invitations=None, bid=None, extra=None) -> dict:
    """Build the news of this change now and publish it once the transaction has committed."""
    item = news.build(auction, standings(invitations or _invitations(auction)), kind, bid=bid, extra=extra)
    transaction.on_commit(lambda: _publish(item))
    return item


def _bump(auction: Auction, now: dt.datetime, *fields: str) -> None:
    auction.version += 1
    auction.updated_at = now
    auction.save(update_fields=[*fields, "version", "updated_at"])


def _require_procure(auction: Auction, actor: Actor) -> None:
    if actor.is_system:
        return
    if actor.organization is None or actor.organization.pk != auction.buyer_id:
        raise PermissionDenied(_("Only the buyer that runs this auction may do this."))
    if not actor.can(Perm.PROCURE):
        raise PermissionDenied(_("Your role in this organization does not allow running auctions."))


def _move(auction: Auction, to: str, actor: Actor, *, code: str, comment: str = "") -> None:
    """Check the life-cycle table for this move; a refusal is ``Refused(code)``."""
    _require_procure(auction, actor)
    try:
        AUCTION.check(auction, state=auction.state, to=to, side=BUYER, comment=comment)
    except TransitionNotAllowed as error:
        raise Refused(code, error.message) from None


def _log_state(auction: Auction, before: str, actor: Actor, now: dt.datetime, **data: Any) -> None:
    log.append(
        auction=auction,
        kind=LogKind.STATE,
        at=now,
        data={"from": before, "to": auction.state, "by": _who(actor), **data},
    )


def _who(actor: Actor) -> dict:
    return {
        "organization": actor.organization.slug if actor.organization else None,
        "user": actor.user.email if actor.user else None,
        "api_key": actor.api_key.name if actor.api_key else None,
        "system": actor.is_system,
    }


# -- setting up ------------------------------------------------------------------------------------

TERMS = (
    "title",
    "description",
    "product",
    "lot",
    "quantity",
    "unit",
    "currency",
    "start_price",
    "reserve_price",
    "min_step",
    "min_step_kind",
    "must_beat_best",
    "starts_at",
    "ends_at",
    "soft_close_window_s",
    "soft_close_extension_s",
    "max_extensions",
    "soft_close_trigger",
    "soft_close_top_n",
    "visibility",
)


def _set_terms(auction: Auction, terms: dict[str, Any]) -> None:
    unknown = set(terms) - set(TERMS)
    if unknown:
        raise TypeError(f"unknown auction terms: {sorted(unknown)}")
    for name, value in terms.items():
        setattr(auction, name, value.strip() if isinstance(value, str) else value)
    if auction.currency:
        auction.currency = str(auction.currency).upper()


def _fits(value: Decimal | None, currency: str) -> bool:
    from marketplace.money import fits_currency, is_currency

    return value is None or not is_currency(currency) or fits_currency(Decimal(value), currency)


def _validate_terms(auction: Auction) -> None:
    """The rules a model field cannot say alone; every message names its field."""
    errors: dict[str, str] = {}
    if auction.starts_at and auction.ends_at and auction.ends_at <= auction.starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    elif auction.ends_at and auction.ends_at <= _now() and auction.state == AuctionState.DRAFT:
        errors["ends_at"] = _("The end must be in the future.")
    step, start = auction.min_step, auction.start_price
    if step is not None and step <= 0:
        errors["min_step"] = _("The minimum step must be greater than zero.")
    elif auction.min_step_kind == StepKind.PERCENT and step is not None and step > MAX_PERCENT_STEP:
        errors["min_step"] = _("A step in percent may be at most %(max)s%%.") % {"max": MAX_PERCENT_STEP}
    elif auction.min_step_kind == StepKind.AMOUNT and step is not None and start is not None and step >= start:
        errors["min_step"] = _("The minimum step must be smaller than the start price.")
    elif auction.min_step_kind == StepKind.AMOUNT and not _fits(step, auction.currency):
        errors["min_step"] = _("Too many decimals for %(currency)s.") % {"currency": auction.currency}
    if not _fits(start, auction.currency):
        errors["start_price"] = _("Too many decimals for %(currency)s.") % {"currency": auction.currency}
    reserve = auction.reserve_price
    if reserve is not None and (reserve <= 0 or (start is not None and reserve >= start)):
        errors["reserve_price"] = _("The reserve must be above zero and below the start price.")
    if auction.product_id and auction.product.buyer_id != auction.buyer_id:
        errors["product"] = _("Choose a product of your own catalog.")
    if errors:
        raise ValidationError(errors)


def _check_suppliers(buyer: Organization, suppliers: Iterable[Organization]) -> list[Organization]:
    suppliers = list(dict.fromkeys(suppliers))
    active = set(active_suppliers(buyer=buyer).filter(pk__in=[s.pk for s in suppliers]).values_list("pk", flat=True))
    strangers = [s for s in suppliers if s.pk not in active]
    if strangers:
        raise ValidationError(
            {
                "suppliers": _("Not active suppliers of yours: %(names)s.")
                % {"names": ", ".join(s.slug for s in strangers)}
            }
        )
    return suppliers


def _check_blocked(
    buyer: Organization,
    suppliers: list[Organization],
    actor: Actor,
    reason: str,
    *,
    overridden_since: dt.datetime | None = None,
) -> None:
    """A supplier blocked by its rating is invited only with a reason, recorded as an override.
    With ``overridden_since`` (the draft's creation, when it is scheduled), a supplier whose
    invitation to an auction was already overridden since then is not asked about again; one that
    became blocked after the draft was made is."""
    if overridden_since is not None:
        from marketplace.models import PartnerOverride

        covered = PartnerOverride.objects.filter(
            partnership__buyer=buyer,
            partnership__supplier__in=suppliers,
            purpose=OverridePurpose.AUCTION,
            created_at__gte=overridden_since,
        ).values_list("partnership__supplier_id", flat=True)
        covered = set(covered)
        suppliers = [s for s in suppliers if s.pk not in covered]
    partnership_check_blocked(
        buyer=buyer, suppliers=suppliers, purpose=OverridePurpose.AUCTION, reason=reason, user=actor.person
    )


def _set_suppliers(auction: Auction, suppliers: list[Organization]) -> None:
    keep = {s.pk for s in suppliers}
    auction.invitations.exclude(supplier_id__in=keep).delete()
    have = set(auction.invitations.values_list("supplier_id", flat=True))
    Invitation.objects.bulk_create([Invitation(auction=auction, supplier=s) for s in suppliers if s.pk not in have])


def _save_terms(auction: Auction) -> None:
    _validate_terms(auction)
    auction.full_clean()
    auction.save()


@transaction.atomic
def auction_create(
    *, actor: Actor, suppliers: Iterable[Organization] = (), rfq=None, override_reason: str = "", **terms: Any
) -> Auction:
    """A draft auction of the actor's buyer with ``suppliers`` invited (active partners only; one
    blocked by its rating needs ``override_reason``, recorded). ``terms`` are the fields of
    ``TERMS``; every one is checked, each refusal names its field."""
    buyer = actor.organization
    if buyer is None or not buyer.is_buyer or not actor.can(Perm.PROCURE):
        raise PermissionDenied(_("Only a buyer's procurement staff may set up auctions."))
    auction = Auction(buyer=buyer, rfq=rfq, created_by=actor.person)
    _set_terms(auction, terms)
    suppliers = _check_suppliers(buyer, suppliers)
    _save_terms(auction)
    _check_blocked(buyer, suppliers, actor, override_reason)
    _set_suppliers(auction, suppliers)
    log.append(
        auction=auction,
        kind=LogKind.CREATED,
        data={"by": _who(actor), "terms": {name: getattr(auction, name) for name in TERMS if name != "product"}},
    )
    return auction


@transaction.atomic
def auction_update(
    *,
    auction: Auction,
    actor: Actor,
    suppliers: Iterable[Organization] | None = None,
    override_reason: str = "",
    **terms: Any,
) -> Auction:
    """Change a draft's terms or invited suppliers (after scheduling nothing changes but the clock).
    A newly invited supplier blocked by its rating needs ``override_reason``."""
    auction = _lock(auction.pk)
    _require_procure(auction, actor)
    if auction.state != AuctionState.DRAFT:
        raise Refused(
            "not_draft",
            _("Only a draft can be changed; this auction is %(state)s.")
            % {"state": auction.get_state_display().lower()},
        )
    _set_terms(auction, terms)
    checked = _check_suppliers(auction.buyer, suppliers) if suppliers is not None else None
    auction.updated_at = _now()
    _save_terms(auction)
    if checked is not None:
        have = set(auction.invitations.values_list("supplier_id", flat=True))
        _check_blocked(auction.buyer, [s for s in checked if s.pk not in have], actor, override_reason)
        _set_suppliers(auction, checked)
    return auction


def _best_quote(rfq, buyer: Organization):
    from cabinet.models import QuoteState
    from cabinet.selectors import quote_list_for_rfq

    quotes = quote_list_for_rfq(rfq=rfq, organization=buyer).filter(state=QuoteState.SUBMITTED)
    return quotes.order_by("total", "created_at").first()


@transaction.atomic
def auction_from_rfq(*, actor: Actor, rfq, suppliers: Iterable[Organization] | None = None, **terms: Any) -> Auction:
    """Turn a request that has quotes into an auction in one step: its suppliers (those still active
    partners, or the ``suppliers`` given) invited, the best quote's total as the start price unless
    ``terms`` say otherwise."""
    from cabinet.selectors import rfq_get

    buyer = actor.organization
    if buyer is None or rfq is None or rfq_get(organization=buyer, pk=rfq.pk) is None or rfq.buyer_id != buyer.pk:
        raise ValidationError({"rfq": _("No such request of yours.")})
    best = _best_quote(rfq, buyer)
    if best is None:
        raise ValidationError({"rfq": _("This request has no quotes yet: an auction needs a start price.")})
    lines = list(rfq.lines.all())
    defaults = {
        "title": rfq.title,
        "description": rfq.description,
        "lot": "; ".join(f"{line.name} × {line.quantity.normalize():f} {line.unit}" for line in lines)[:300],
        "quantity": Decimal("1"),
        "unit": "lot",
        "currency": rfq.currency,
        "start_price": best.total,
    }
    if suppliers is None:
        suppliers = active_suppliers(buyer=buyer).filter(pk__in=rfq.suppliers.values("pk"))
    return auction_create(actor=actor, suppliers=list(suppliers), rfq=rfq, **{**defaults, **terms})


@transaction.atomic
def auction_schedule(*, auction: Auction, actor: Actor, override_reason: str = "") -> Auction:
    """draft → scheduled: the invited suppliers are told (inbox and email). A supplier blocked by
    its rating now, whose invitation was not overridden since the draft was made (it may have
    become blocked since), needs ``override_reason``, recorded."""
    auction = _lock(auction.pk)
    _move(auction, AuctionState.SCHEDULED, actor, code="not_draft")
    invitations = _invitations(auction)
    if not invitations:
        raise ValidationError({"suppliers": _("Invite at least one supplier.")})
    now = _now()
    if auction.ends_at <= now:
        raise ValidationError({"ends_at": _("The end must be in the future.")})
    invited = [i.supplier for i in invitations]
    _check_suppliers(auction.buyer, invited)
    _check_blocked(auction.buyer, invited, actor, override_reason, overridden_since=auction.created_at)
    auction.state = AuctionState.SCHEDULED
    _bump(auction, now, "state")
    _log_state(auction, AuctionState.DRAFT, actor, now, suppliers=[i.supplier.slug for i in invitations])
    starts = notifications.moment(auction.starts_at)
    for invitation in invitations:
        invitation.invited_at = now
        params = {"title": auction.title, "org": auction.buyer.name, "starts": starts}
        notify(organization=invitation.supplier, kind="auction_invited", params=params, url=auction_url(auction))
    Invitation.objects.bulk_update(invitations, ["invited_at"])
    _announce(auction, "state", invitations=invitations)
    _event(auction, "invited", invitations)
    return auction


@transaction.atomic
def auction_unschedule(*, auction: Auction, actor: Actor) -> Auction:
    """scheduled → draft, before it opens, to change its terms."""
    auction = _lock(auction.pk)
    _move(auction, AuctionState.DRAFT, actor, code="not_scheduled")
    now = _now()
    auction.state = AuctionState.DRAFT
    _bump(auction, now, "state")
    _log_state(auction, AuctionState.SCHEDULED, actor, now)
    _announce(auction, "state")
    return auction


# -- bidding ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BidOutcome:
    """The one answer to one attempt: accepted (with its receipt) or refused (code and message)."""

    ok: bool
    client_id: str
    received_at: dt.datetime
    code: str = ""
    message: str = ""
    bid_id: int | None = None
    amount: Decimal | None = None
    rank: int | None = None
    tied: bool = False
    ends_at: dt.datetime | None = None
    repeated: bool = False  # a retried client_id: the first answer, nothing placed

    def receipt(self) -> dict:
        return {
            "id": self.bid_id,
            "amount": log.plain(self.amount),
            "rank": self.rank,
            "tied": self.tied,
            "ends_at": log.iso(self.ends_at),
            "received_at": log.iso(self.received_at),
        }

    def as_result(self) -> dict:
        """The websocket's ``bid_result`` frame."""
        body: dict[str, Any] = {"type": "bid_result", "client_id": self.client_id, "ok": self.ok}
        if self.ok:
            body["bid"] = self.receipt()
        else:
            body.update(code=self.code, message=self.message, received_at=log.iso(self.received_at))
        if self.repeated:
            body["repeated"] = True
        return body


def _refused(refusal: rules.Refusal, *, client_id: str, received_at: dt.datetime, repeated=False) -> BidOutcome:
    return BidOutcome(
        ok=False,
        client_id=client_id,
        received_at=received_at,
        code=refusal.code,
        message=refusal.message,
        repeated=repeated,
    )


# One transaction places a batch of attempts on one auction: those that reached this process while
# the previous batch held the lock (``auctions.batching``; a single attempt is a batch of one). The
# row lock is held for two round trips whatever the batch's size (PostgreSQL: one query string locks
# the row, then reads the standing, the first answers to the batch's client_ids and ids for its
# bids; one writes the bids, the log entries, the standing, the refusals and the auction row, and
# commits). The rules judge each attempt alone, in order of receipt, on plain values in between; the
# news is built after the commit and published once per batch (an extension closes its own).


@dataclass(slots=True)
class _Supplier:
    pk: int
    slug: str
    name: str


@dataclass(slots=True, eq=False)
class _Line:
    """An invitation's standing as read under the lock (what the rules and the news read of it)."""

    pk: int
    supplier_id: int
    best_amount: Decimal | None
    best_received_at: dt.datetime | None
    rank: int | None
    bids_count: int
    supplier: _Supplier


@dataclass(slots=True, eq=False)
class BidAttempt:
    """One attempt as it arrived: who, what, its time of receipt, its ``client_id`` (raw), and the
    language its answer is written in (the caller's: a batch may hold several people's attempts)."""

    actor: Actor
    amount: object
    received_at: dt.datetime
    client_id: object = None
    language: str | None = None


# An earlier answer to a client_id: (pk, accepted, received_at, amount, rank, code, message).
_Previous = tuple


@dataclass(eq=False)
class _Batch:
    """What one transaction's attempts read under the lock and change, written at once at the end."""

    auction: Auction
    lines: list[_Line]
    previous: dict[tuple[int, str], _Previous]
    ids: list[int]  # PostgreSQL: ids drawn for this batch's bids (unused ones are a harmless gap)
    answers: dict[tuple[int, str], BidOutcome] = field(default_factory=dict)
    bids: list[Bid] = field(default_factory=list)  # to insert with the rest (PostgreSQL)
    entries: list[LogEntry] = field(default_factory=list)
    moved: dict[int, _Line] = field(default_factory=dict)
    refusals: list[BidRefusal] = field(default_factory=list)
    changed: bool = False
    news: list[dict] = field(default_factory=list)  # closed by an extension, built under the lock
    segment: list[dict] = field(default_factory=list)  # bids since the last news


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _keys(attempts: Iterable[BidAttempt]) -> set[tuple[int, str]]:
    keys = set()
    for attempt in attempts:
        cleaned = rules.clean_client_id(attempt.client_id)
        if cleaned and attempt.actor.organization is not None:
            keys.add((attempt.actor.organization.pk, cleaned))
    return keys


def _read_pg(auction_id: int, keys: set, ids: int) -> tuple[str, list]:
    """The batch's read: the standing lines ('l'), the first answers to its client_ids ('b' a bid,
    'r' a refusal) and ``ids`` fresh bid ids ('n'), as one statement and its parameters."""
    inv, org, bid, ref = (m._meta.db_table for m in (Invitation, Organization, Bid, BidRefusal))
    sql = (
        "SELECT 'l', i.id, i.supplier_id, i.best_amount, i.best_received_at, i.rank, i.bids_count, o.slug::text,"
        f" o.name::text, NULL::text FROM {inv} i JOIN {org} o ON o.id = i.supplier_id WHERE i.auction_id = %s"
    )
    params: list = [auction_id]
    if keys:
        # Both lists through the unique index; the pairs that were not asked for are dropped below.
        sql += (
            " UNION ALL SELECT 'b', b.id, b.supplier_id, b.amount, b.received_at, b.rank_after, NULL, b.client_id,"
            f" NULL, NULL FROM {bid} b WHERE b.auction_id = %s AND b.supplier_id = ANY(%s) AND b.client_id = ANY(%s)"
            " AND b.client_id <> ''"
            " UNION ALL SELECT 'r', r.id, r.supplier_id, NULL, r.received_at, NULL, NULL, r.client_id, r.code,"
            f" r.message FROM {ref} r WHERE r.auction_id = %s AND r.supplier_id = ANY(%s) AND r.client_id = ANY(%s)"
        )
        suppliers, client_ids = sorted({s for s, _c in keys}), sorted({c for _s, c in keys})
        params += [auction_id, suppliers, client_ids] * 2
    if ids:
        sql += (
            f" UNION ALL SELECT 'n', nextval(pg_get_serial_sequence('{bid}', 'id')), NULL, NULL, NULL, NULL, NULL,"
            " NULL, NULL, NULL FROM generate_series(1, %s)"
        )
        params.append(ids)
    return sql, params


def _parse_pg(rows: list[tuple], keys: set) -> tuple[list[_Line], dict, list[int]]:
    lines, previous, drawn = [], {}, []
    for kind, pk, supplier_id, amount, at, rank, count, text1, text2, text3 in rows:
        if kind == "l":
            lines.append(_Line(pk, supplier_id, amount, at, rank, count, _Supplier(supplier_id, text1, text2)))
        elif kind == "n":
            drawn.append(pk)
        elif (supplier_id, text1) in keys and (kind == "b" or (supplier_id, text1) not in previous):
            previous[supplier_id, text1] = (pk, kind == "b", at, amount, rank, text2, text3)
    lines.sort(key=lambda line: line.supplier_id)
    return lines, previous, sorted(drawn)


def _read_orm(auction: Auction, keys: set) -> tuple[list[_Line], dict]:
    previous = {}
    if keys:
        wanted = {
            "auction": auction,
            "supplier_id__in": {s for s, _c in keys},
            "client_id__in": {c for _s, c in keys},
        }
        for refusal in BidRefusal.objects.filter(**wanted).values_list(
            "pk", "supplier_id", "client_id", "received_at", "code", "message"
        ):
            previous[refusal[1], refusal[2]] = (refusal[0], False, refusal[3], None, None, refusal[4], refusal[5])
        for bid in Bid.objects.filter(**wanted).values_list(
            "pk", "supplier_id", "client_id", "received_at", "amount", "rank_after"
        ):
            previous[bid[1], bid[2]] = (bid[0], True, bid[3], bid[4], bid[5], None, None)
        previous = {key: value for key, value in previous.items() if key in keys}
    lines = [
        _Line(
            i.pk,
            i.supplier_id,
            i.best_amount,
            i.best_received_at,
            i.rank,
            i.bids_count,
            _Supplier(i.supplier_id, i.supplier.slug, i.supplier.name),
        )
        for i in _invitations(auction)
    ]
    return lines, previous


def _lock_and_read(auction_id: object, attempts: list[BidAttempt]) -> _Batch | None:
    """The auction's row, locked, then the invited suppliers' standing lines (by supplier id), the
    first answer already given to each of the batch's client_ids, and (PostgreSQL) ids for its
    bids. On PostgreSQL in one round trip: the read is the same query string's second statement,
    so it runs once the lock is granted, on a snapshot of its own (READ COMMITTED), and sees what
    the previous holder committed. None when there is no such auction."""
    pk = Auction._meta.pk.get_prep_value(auction_id)
    keys = _keys(attempts)
    if not _postgres():
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        found = list(Auction.objects.raw(f"SELECT * FROM {Auction._meta.db_table} WHERE id = %s{lock}", [pk]))
        if not found:
            return None
        lines, previous = _read_orm(found[0], keys)
        return _Batch(auction=found[0], lines=lines, previous=previous, ids=[])
    fields = Auction._meta.concrete_fields
    columns = ", ".join(field.column for field in fields)
    read, params = _read_pg(pk, keys, len(attempts))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {Auction._meta.db_table} WHERE id = %s FOR UPDATE; {read}", [pk, *params]
        )
        row = cursor.fetchone()
        cursor.nextset()
        rows = cursor.fetchall()
    if row is None:
        return None
    auction = Auction.from_db(connection.alias, [field.attname for field in fields], row)
    lines, previous, ids = _parse_pg(rows, keys)
    return _Batch(auction=auction, lines=lines, previous=previous, ids=ids)


def _previous_answer(auction: Auction, client_id: str, previous: tuple) -> BidOutcome:
    pk, accepted, received_at, amount, rank, code, message = previous
    if accepted:
        return BidOutcome(
            ok=True,
            client_id=client_id,
            received_at=received_at,
            bid_id=pk,
            amount=amount,
            rank=rank,
            ends_at=auction.ends_at,
            repeated=True,
        )
    return _refused(rules.Refusal(code, message), client_id=client_id, received_at=received_at, repeated=True)


def bid_place(
    *,
    auction_id: int,
    actor: Actor,
    amount: object,
    received_at: dt.datetime,
    client_id: object = None,
) -> BidOutcome:
    """One attempt to bid, judged as of ``received_at`` (the server's time of receipt, stamped by
    the caller when the frame or request arrived). Never raises for bad input: every attempt gets a
    ``BidOutcome`` and a log entry; a repeated ``client_id`` gets the first answer again.

    Attempts on one auction that reach this process while its row lock is taken wait and are placed
    together, in one transaction (group commit, ``auctions.batching``); each is still judged alone,
    in order of receipt. Inside the caller's own transaction the attempt is a batch of one."""
    attempt = BidAttempt(actor, amount, received_at, client_id, translation.get_language())
    if connection.in_atomic_block or not getattr(settings, "AUCTION_BID_GROUP_COMMIT", True):
        return _bids_place(auction_id, [attempt])[0]
    return _GROUP.submit(auction_id, attempt)


def _bids_place(auction_id: object, attempts: Sequence[BidAttempt]) -> list[BidOutcome]:
    """Place ``attempts`` on one auction in one transaction; their outcomes, in the same order."""
    outcomes: list[BidOutcome | None] = [None] * len(attempts)
    with transaction.atomic():
        batch = _lock_and_read(auction_id, list(attempts))
        if batch is None:
            return [_not_found(attempt) for attempt in attempts]
        _open_if_late(batch.auction, attempts)
        for k in sorted(range(len(attempts)), key=lambda k: attempts[k].received_at):  # order of receipt
            with translation.override(attempts[k].language):
                outcomes[k] = _place(batch, attempts[k])
        _publish_batch(batch)  # (registered first: nothing follows the write, which may commit)
        _write(batch, commit=len(connection.atomic_blocks) == 1)
    return outcomes


_GROUP: batching.GroupCommit[BidAttempt, BidOutcome] = batching.GroupCommit(_bids_place)


def _not_found(attempt: BidAttempt) -> BidOutcome:
    with translation.override(attempt.language):
        refusal = rules.Refusal(rules.NOT_FOUND, _("No such auction."))
    return _refused(refusal, client_id=str(attempt.client_id or "")[:64], received_at=attempt.received_at)


def _open_if_late(auction: Auction, attempts: Sequence[BidAttempt]) -> None:
    """The clock is late: an attempt received between the start and the end opens the auction
    (the receipt decides). Before anything of the batch is linked, so the chain stays in order."""
    if auction.state == AuctionState.SCHEDULED and any(
        auction.starts_at <= a.received_at < auction.ends_at for a in attempts
    ):
        _open(auction, _now(), Actor.system())


def _place(batch: _Batch, attempt: BidAttempt) -> BidOutcome:
    cleaned = rules.clean_client_id(attempt.client_id)
    if cleaned is None:
        refusal = rules.Refusal(rules.INVALID_CLIENT_ID, _("client_id must be text of at most 64 characters."))
        return _refuse(batch, attempt, refusal, client_id="")
    supplier = attempt.actor.organization
    key = (supplier.pk, cleaned) if cleaned and supplier is not None else None
    if key in batch.answers:  # sent twice within this batch: the first answer, nothing placed
        first = batch.answers[key]
        return replace(first, repeated=True, ends_at=batch.auction.ends_at if first.ok else first.ends_at)
    if key in batch.previous:
        return _previous_answer(batch.auction, cleaned, batch.previous[key])
    outcome = _judge_and_record(batch, attempt, cleaned)
    if key is not None:
        batch.answers[key] = outcome
    return outcome


def _judge_and_record(batch: _Batch, attempt: BidAttempt, client_id: str) -> BidOutcome:
    auction, actor, amount = batch.auction, attempt.actor, attempt.amount
    supplier = actor.organization
    mine = next((i for i in batch.lines if supplier is not None and i.supplier_id == supplier.pk), None)
    if mine is None or not actor.can(Perm.WORK):
        refusal = rules.Refusal(rules.NOT_INVITED, _("Your organization is not invited to this auction."))
        return _refuse(batch, attempt, refusal, client_id=client_id)
    refusal = rules.state_refusal(auction, attempt.received_at)
    value = None
    if refusal is None:
        value = rules.parse_amount(amount, auction.currency)
        if isinstance(value, rules.Refusal):
            refusal = value
        else:
            refusal = rules.amount_refusal(auction, mine, value)
    if refusal is not None:
        return _refuse(batch, attempt, refusal, client_id=client_id)
    return _accept(batch, mine, value, attempt, client_id)


def _refuse(batch: _Batch, attempt: BidAttempt, refusal: rules.Refusal, *, client_id: str) -> BidOutcome:
    actor, amount, received_at = attempt.actor, attempt.amount, attempt.received_at
    supplier = actor.organization
    entry = log.link(
        batch.auction,
        kind=LogKind.REFUSED,
        data={
            "supplier": supplier.slug if supplier else None,
            "amount": str(amount)[:40] if amount is not None else None,
            "received_at": received_at,
            "client_id": client_id or None,
            "code": refusal.code,
            "message": refusal.message,
            "by": _who(actor),
        },
    )
    batch.entries.append(entry)
    if client_id and supplier is not None:
        batch.refusals.append(
            BidRefusal(
                auction_id=batch.auction.pk,
                supplier_id=supplier.pk,
                client_id=client_id,
                code=refusal.code,
                message=refusal.message,
                received_at=received_at,
            )
        )
    return _refused(refusal, client_id=client_id, received_at=received_at)


def _accept(batch: _Batch, mine: _Line, value: Decimal, attempt: BidAttempt, client_id: str) -> BidOutcome:
    auction, lines, actor, received_at = batch.auction, batch.lines, attempt.actor, attempt.received_at
    now = _now()
    rank_before, leader_before = mine.rank, auction.leader_id
    mine.best_amount, mine.best_received_at = value, received_at
    mine.bids_count += 1
    moved = rules.rerank(lines)
    leader = min((i for i in lines if i.rank is not None), key=lambda i: i.rank)
    auction.best_price, auction.leader_id = leader.best_amount, leader.supplier_id
    auction.bids_count += 1
    extension = rules.soft_close(
        auction, received_at=received_at, rank_before=rank_before, rank_after=mine.rank, leader_before=leader_before
    )
    if extension is not None:
        auction.ends_at += dt.timedelta(seconds=extension.seconds)
        auction.extensions += 1
    bid = _new_bid(batch, mine, value, actor, received_at, client_id, now)
    best = log.plain(mine.best_amount)
    tied = any(
        log.plain(i.best_amount) == best and i.rank is not None and i.rank < mine.rank
        for i in lines
        if i.supplier_id != mine.supplier_id
    )
    batch.entries.append(_bid_entry(auction, bid, mine, actor, tied, now))
    if extension is not None:
        data = {"ends_at": auction.ends_at, "reason": extension.reason(), **extension.data()}
        batch.entries.append(log.link(auction, kind=LogKind.EXTENDED, at=now, data=data))
    auction.version += 1
    auction.updated_at = now
    batch.changed = True
    for line in (mine, *moved):
        batch.moved[line.pk] = line
    batch.segment.append(news.bid_data(bid, name=mine.supplier.name, slug=mine.supplier.slug, tied=tied))
    if extension is not None:  # an extension is news of its own, with its reason
        extra = {"reason": extension.reason(), "reason_data": extension.data()}
        batch.news.append(_news(auction, lines, "extended", batch.segment, extra))
        batch.segment = []
    return BidOutcome(
        ok=True,
        client_id=client_id,
        received_at=received_at,
        bid_id=bid.pk,
        amount=value,
        rank=mine.rank,
        tied=tied,
        ends_at=auction.ends_at,
    )


def _news(auction, lines: list[_Line], kind: str, bids: list[dict], extra: dict | None = None) -> dict:
    """The news of a run of accepted bids: the newest is ``bid``, all of them ``bids``."""
    return news.build(auction, standings(lines), kind, bid=bids[-1], extra=extra, bids=bids)


def _publish_batch(batch: _Batch) -> None:
    """Once committed: the extensions' news, then one news for the bids after the last of them
    (built then, from the values written: no work under the lock)."""
    closed, rest = batch.news, batch.segment
    if not closed and not rest:
        return

    def publish() -> None:
        for item in closed:
            _publish(item)
        if rest:
            _publish(_news(batch.auction, batch.lines, "update", rest))

    transaction.on_commit(publish)


def _new_bid(batch: _Batch, mine: _Line, value: Decimal, actor: Actor, received_at, client_id: str, now) -> Bid:
    """The accepted bid with its id: drawn in the batch's read and inserted with the rest on
    PostgreSQL; saved now elsewhere."""
    bid = Bid(
        auction_id=batch.auction.pk,
        supplier_id=mine.supplier_id,
        amount=value,
        received_at=received_at,
        client_id=client_id,
        placed_by_id=actor.user.pk if actor.user else None,
        api_key_id=actor.api_key.pk if actor.api_key else None,
        rank_after=mine.rank,
        created_at=now,
    )
    if not batch.ids:
        bid.save(force_insert=True)
        return bid
    bid.pk = batch.ids.pop(0)
    bid._state.adding, bid._state.db = False, connection.alias
    batch.bids.append(bid)
    return bid


def _bid_entry(auction, bid: Bid, mine: _Line, actor: Actor, tied: bool, now):
    return log.link(
        auction,
        kind=LogKind.BID,
        at=now,
        data={
            "bid": bid.pk,
            "supplier": mine.supplier.slug,
            "amount": bid.amount,
            "received_at": bid.received_at,
            "client_id": bid.client_id or None,
            "rank": bid.rank_after,
            "tied": tied,
            "best_price": auction.best_price,
            "by": _who(actor),
        },
    )


# What an accepted bid changes on the auction row (with the chain's head, which every attempt moves).
_BID_FIELDS = ("best_price", "leader_id", "bids_count", "ends_at", "extensions", "version", "updated_at")
_LINE_FIELDS = ("rank", "best_amount", "best_received_at", "bids_count")
_BID_COLUMNS = ("id", "auction_id", "supplier_id", "amount", "received_at", "client_id", "placed_by_id", "api_key_id")
_BID_COLUMNS += ("rank_after", "created_at")
_REFUSAL_COLUMNS = ("auction_id", "supplier_id", "client_id", "code", "message", "received_at")


def _write(batch: _Batch, *, commit: bool = False) -> None:
    """Everything the batch's attempts wrote besides what ``_new_bid`` saved: the bids (PostgreSQL),
    the log entries, the standing lines that moved, the remembered refusals and the auction row (the
    chain's head; after an accepted bid also its fields). One statement on PostgreSQL; with
    ``commit`` (the caller's transaction is the outermost) the same round trip commits it, and the
    commit Django then asks for finds nothing left to do (psycopg skips it on an idle connection),
    so the row lock is released one round trip sooner. A failing COMMIT raises from here, and the
    transaction is rolled back as any other failure."""
    if not batch.entries:  # only repeated client_ids: nothing new
        return
    auction = batch.auction
    fields = (*(_BID_FIELDS if batch.changed else ()), "log_seq", "log_hash")
    lines = list(batch.moved.values())
    if not _postgres():
        LogEntry.objects.bulk_create(batch.entries)
        BidRefusal.objects.bulk_create(batch.refusals)
        for line in lines:
            Invitation.objects.filter(pk=line.pk).update(**{name: getattr(line, name) for name in _LINE_FIELDS})
        Auction.objects.filter(pk=auction.pk).update(**{name: getattr(auction, name) for name in fields})
        return
    ctes, params = [], []

    def insert(name: str, table: str, columns: tuple, rows: list[list]) -> None:
        values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
        ctes.append(f"{name} AS (INSERT INTO {table} ({', '.join(columns)}) VALUES {values})")
        for row in rows:
            params.extend(row)

    if batch.bids:
        rows = [[getattr(bid, "pk" if name == "id" else name) for name in _BID_COLUMNS] for bid in batch.bids]
        insert("bids", Bid._meta.db_table, _BID_COLUMNS, rows)
    columns = ("auction_id", "seq", "at", "kind", "data", "prev_hash", "hash")
    rows = [[e.auction_id, e.seq, e.at, e.kind, json.dumps(e.data), e.prev_hash, e.hash] for e in batch.entries]
    insert("log", LogEntry._meta.db_table, columns, rows)
    if batch.refusals:
        rows = [[getattr(r, name) for name in _REFUSAL_COLUMNS] for r in batch.refusals]
        insert("refusals", BidRefusal._meta.db_table, _REFUSAL_COLUMNS, rows)
    if lines:
        rows = ", ".join(
            ["(%s::bigint, %s::integer, %s::numeric, %s::timestamptz, %s::integer)"]
            + ["(%s, %s, %s, %s, %s)"] * (len(lines) - 1)
        )
        ctes.append(
            f"standing AS (UPDATE {Invitation._meta.db_table} AS i SET rank = v.rank, best_amount = v.best_amount,"
            " best_received_at = v.best_received_at, bids_count = v.bids_count"
            f" FROM (VALUES {rows}) AS v(id, rank, best_amount, best_received_at, bids_count) WHERE i.id = v.id)"
        )
        for line in lines:
            params += [line.pk, *(getattr(line, name) for name in _LINE_FIELDS)]
    sets = ", ".join(f"{name} = %s" for name in fields)
    params += [*(getattr(auction, name) for name in fields), auction.pk]
    statement = f"WITH {', '.join(ctes)} UPDATE {Auction._meta.db_table} SET {sets} WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.execute(statement + ("; COMMIT" if commit else ""), params)


# -- the buyer's controls --------------------------------------------------------------------------


@transaction.atomic
def auction_pause(*, auction: Auction, actor: Actor) -> Auction:
    """live → paused: the clock freezes; the time left is kept to the microsecond."""
    auction = _lock(auction.pk)
    _move(auction, AuctionState.PAUSED, actor, code="not_live")
    now = _now()
    remaining = auction.ends_at - now
    if remaining <= dt.timedelta(0):
        raise Refused(rules.TOO_LATE, _("The auction has already reached its end; it is closing."))
    auction.state, auction.paused_remaining = AuctionState.PAUSED, remaining
    _bump(auction, now, "state", "paused_remaining")
    log.append(auction=auction, kind=LogKind.PAUSED, at=now, data={"remaining_s": remaining, "by": _who(actor)})
    _announce(auction, "state")
    return auction


@transaction.atomic
def auction_resume(*, auction: Auction, actor: Actor) -> Auction:
    """paused → live: the end moves so that exactly the time left at the pause remains."""
    auction = _lock(auction.pk)
    _move(auction, AuctionState.LIVE, actor, code="not_paused")
    now = _now()
    auction.ends_at = now + auction.paused_remaining
    auction.state, auction.paused_remaining = AuctionState.LIVE, None
    _bump(auction, now, "state", "paused_remaining", "ends_at")
    log.append(auction=auction, kind=LogKind.RESUMED, at=now, data={"ends_at": auction.ends_at, "by": _who(actor)})
    _announce(auction, "state")
    return auction


@transaction.atomic
def auction_extend(*, auction: Auction, actor: Actor, seconds: int) -> Auction:
    """The buyer gives more time (live or paused); soft-close extensions are not counted against it."""
    auction = _lock(auction.pk)
    _require_procure(auction, actor)
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not 1 <= seconds <= MAX_EXTEND_S:
        raise ValidationError({"seconds": _("Give 1 to %(max)s seconds.") % {"max": MAX_EXTEND_S}})
    if auction.state not in (AuctionState.LIVE, AuctionState.PAUSED):
        raise Refused("not_live", _("Only a live or paused auction can be extended."))
    now = _now()
    if auction.state == AuctionState.PAUSED:
        auction.paused_remaining += dt.timedelta(seconds=seconds)
    elif auction.ends_at <= now:
        raise Refused(rules.TOO_LATE, _("The auction has already reached its end; it is closing."))
    else:
        auction.ends_at += dt.timedelta(seconds=seconds)
    reason = _("extended by %(by)s by the buyer") % {"by": rules.duration(seconds)}
    _bump(auction, now, "ends_at", "paused_remaining")
    data = {"ends_at": auction.ends_at, "by_s": seconds, "reason": reason, "trigger": "buyer", "by": _who(actor)}
    log.append(auction=auction, kind=LogKind.EXTENDED, at=now, data=data)
    _announce(auction, "extended", extra={"reason": reason, "reason_data": {"by_s": seconds, "trigger": "buyer"}})
    return auction


@transaction.atomic
def auction_cancel(*, auction: Auction, actor: Actor, reason: str) -> Auction:
    """Any state before the award → cancelled, with the reason the suppliers are told."""
    auction = _lock(auction.pk)
    reason = (reason or "").strip()
    if not reason:
        _require_procure(auction, actor)
        raise ValidationError({"reason": _("Say why the auction is cancelled.")})
    _move(auction, AuctionState.CANCELLED, actor, code="not_cancellable", comment=reason)
    now, before = _now(), auction.state
    auction.state, auction.cancel_reason, auction.closed_at = AuctionState.CANCELLED, reason[:5000], now
    _bump(auction, now, "state", "cancel_reason", "closed_at")
    _log_state(auction, before, actor, now, reason=auction.cancel_reason)
    invitations = _invitations(auction)
    if before != AuctionState.DRAFT:
        for invitation in invitations:
            params = {"title": auction.title, "org": auction.buyer.name, "reason": auction.cancel_reason[:200]}
            notify(organization=invitation.supplier, kind="auction_cancelled", params=params, url=auction_url(auction))
    _announce(auction, "state", invitations=invitations, extra={"reason": auction.cancel_reason})
    return auction


# -- the clock -------------------------------------------------------------------------------------


def _open(auction: Auction, now: dt.datetime, actor: Actor) -> None:
    auction.state, auction.opened_at = AuctionState.LIVE, now
    _bump(auction, now, "state", "opened_at")
    _log_state(auction, AuctionState.SCHEDULED, actor, now)
    _announce(auction, "state")
    _event(auction, "started")


def _close(auction: Auction, now: dt.datetime) -> None:
    auction.state, auction.closed_at = AuctionState.CLOSED, now
    _bump(auction, now, "state", "closed_at")
    invitations = _invitations(auction)
    lines = standings(invitations)
    final = [{k: line[k] for k in ("slug", "rank", "best", "received_at")} for line in lines if line["rank"]]
    _log_state(
        auction,
        AuctionState.LIVE,
        Actor.system(),
        now,
        ends_at=auction.ends_at,
        best_price=auction.best_price,
        standings=final,
    )
    notify(
        organization=auction.buyer,
        kind="auction_closed",
        params={"title": auction.title, "bids": auction.bids_count},
        url=auction_url(auction),
    )
    _announce(auction, "closed", invitations=invitations)
    _event(auction, "closed", invitations)


def _due(queryset, limit: int = 100) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:limit])


def auction_open_due(*, now: dt.datetime | None = None) -> list[int]:
    """Open every scheduled auction whose start has come, each in its own transaction under its
    row lock. Two clocks are harmless: the second waits for the lock, and PostgreSQL checks the
    state again on the locked row, so it finds nothing left to do. (Not ``skip_locked``: a flood of
    bids holds the row nearly all the time, and a clock that skips a busy row would starve.)"""
    now = now or _now()
    opened = []
    for pk in _due(Auction.objects.filter(state=AuctionState.SCHEDULED, starts_at__lte=now)):
        with transaction.atomic():
            auction = (
                Auction.objects.select_for_update()
                .filter(pk=pk, state=AuctionState.SCHEDULED, starts_at__lte=now)
                .first()
            )
            if auction is not None:
                _open(auction, now, Actor.system())
                opened.append(pk)
    return opened


def auction_close_expired(*, now: dt.datetime | None = None) -> list[int]:
    """Close every live auction whose end (plus the grace for bids received in time but still
    waiting for the lock) has passed. Idempotent and safe with two clocks, like ``auction_open_due``;
    the state and the end are checked again on the locked row (a bid may have extended it)."""
    now = now or _now()
    cutoff = now - close_grace()
    closed = []
    for pk in _due(Auction.objects.filter(state=AuctionState.LIVE, ends_at__lte=cutoff)):
        with transaction.atomic():
            auction = (
                Auction.objects.select_for_update().filter(pk=pk, state=AuctionState.LIVE, ends_at__lte=cutoff).first()
            )
            if auction is not None:
                _close(auction, now)
                closed.append(pk)
    return closed


def auction_clock_tick(*, now: dt.datetime | None = None) -> tuple[list[int], list[int]]:
    now = now or _now()
    return auction_open_due(now=now), auction_close_expired(now=now)


def auction_reminders_send(*, now: dt.datetime | None = None) -> list[int]:
    """Remind the invited suppliers of auctions starting within ``AUCTION_REMINDER_MINUTES``, once:
    the auction is claimed by a conditional update, so a second worker finds nothing to do."""
    now = now or _now()
    lead = dt.timedelta(minutes=int(getattr(settings, "AUCTION_REMINDER_MINUTES", 15)))
    due = Auction.objects.filter(
        state=AuctionState.SCHEDULED, reminder_sent_at__isnull=True, starts_at__lte=now + lead, starts_at__gt=now
    )
    sent = []
    for pk in _due(due):
        with transaction.atomic():
            if not Auction.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(reminder_sent_at=now):
                continue
            auction = Auction.objects.select_related("buyer").get(pk=pk)
            starts = notifications.moment(auction.starts_at)
            for invitation in auction.invitations.select_related("supplier"):
                params = {"title": auction.title, "org": auction.buyer.name, "starts": starts}
                notify(
                    organization=invitation.supplier, kind="auction_reminder", params=params, url=auction_url(auction)
                )
            sent.append(pk)
    return sent


# -- the award -------------------------------------------------------------------------------------


def _award_lines(auction: Auction, amount: Decimal) -> list[dict]:
    """One line for the lot. With its real quantity when the unit price (four places) gives back the
    winning amount exactly; otherwise one "lot" at the winning amount, so the order's total is
    always the bid that won."""
    from marketplace.money import money, unit_price

    name = auction.lot_name
    sku = auction.product.sku if auction.product_id else f"AUCTION-{auction.pk}"
    line = {"sku": sku, "name": name, "product_id": auction.product_id}
    price = unit_price(amount / auction.quantity)
    if money(price * auction.quantity, auction.currency) == amount:
        return [{**line, "quantity": auction.quantity, "unit": auction.unit, "price": price}]
    quantity = f"{auction.quantity.normalize():f} {auction.unit}"
    return [{**line, "name": f"{name} ({quantity})"[:300], "quantity": Decimal("1"), "unit": "lot", "price": amount}]


def _award_choice(auction: Auction, supplier: Organization | None, reason: str) -> Invitation:
    if auction.leader_id is None:
        raise Refused("no_bids", _("Nobody bid: there is nothing to award. Cancel the auction instead."))
    supplier_id = supplier.pk if supplier is not None else auction.leader_id
    invitation = (
        auction.invitations.select_related("supplier")
        .filter(supplier_id=supplier_id, best_amount__isnull=False)
        .first()
    )
    if invitation is None:
        raise ValidationError({"supplier": _("Award only to a supplier that bid in this auction.")})
    if supplier_id != auction.leader_id and not reason:
        raise ValidationError({"reason": _("Say why you award to a supplier other than the leader.")})
    return invitation


@transaction.atomic
def auction_award(*, auction: Auction, actor: Actor, supplier: Organization | None = None, reason: str = ""):
    """closed → awarded: the leader by default, another bidder with a reason. Creates the cabinet
    order (number A-…) at the winning amount with the auction's log attached; every invited
    supplier hears the result."""
    from cabinet import services as cabinet

    auction = _lock(auction.pk)
    _move(auction, AuctionState.AWARDED, actor, code="not_closed")
    reason = (reason or "").strip()[:5000]
    winner = _award_choice(auction, supplier, reason)
    order = cabinet.order_create(
        buyer=auction.buyer,
        supplier=winner.supplier,
        channel="auction",
        lines=_award_lines(auction, winner.best_amount),
        actor=actor,
        source=auction,
        currency=auction.currency,
        note=_("Awarded in the auction “%(title)s”.") % {"title": auction.title},
        # a supplier blocked by its rating was invited with an override already: the award records it
        override_reason=_("Won the auction “%(title)s”.") % {"title": auction.title},
    )
    now = _now()
    auction.state, auction.awarded_to, auction.award_reason, auction.order = (
        AuctionState.AWARDED,
        winner.supplier,
        reason,
        order,
    )
    _bump(auction, now, "state", "awarded_to", "award_reason", "order")
    data = {"supplier": winner.supplier.slug, "amount": winner.best_amount, "rank": winner.rank, "order": order.number}
    log.append(auction=auction, kind=LogKind.AWARDED, at=now, data={**data, "reason": reason, "by": _who(actor)})
    content = "".join(log.json_lines(auction)).encode()
    cabinet.document_attach_generated(
        order=order,
        name=f"auction-{auction.pk}-log.jsonl",
        content=content,
        content_type="application/jsonl",
        buyer_only=True,
    )
    _tell_result(auction, winner, order)
    _announce(auction, "state")
    # the winner and the amount are the buyer's and the winner's business, not the other bidders'
    _event(
        auction,
        "awarded",
        [winner],
        supplier=winner.supplier.slug,
        amount=log.plain(winner.best_amount),
        order=order.number,
    )
    return order


def _tell_result(auction: Auction, winner: Invitation, order) -> None:
    for invitation in _invitations(auction):
        if invitation.pk == winner.pk:
            params = {"title": auction.title, "number": order.number, "org": auction.buyer.name}
            notify(organization=invitation.supplier, kind="auction_won", params=params, url=auction_url(auction))
        else:
            params = {"title": auction.title, "org": auction.buyer.name}
            notify(organization=invitation.supplier, kind="auction_lost", params=params, url=auction_url(auction))
