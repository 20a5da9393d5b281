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
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace import events
from marketplace.actors import Actor
from marketplace.models import Organization, OverridePurpose, Perm
from marketplace.notifications import notify
from marketplace.selectors import active_suppliers
from marketplace.services import partnership_check_blocked
from marketplace.statemachine import TransitionNotAllowed

from . import log, news, rules
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
    starts = timezone.localtime(auction.starts_at).strftime("%Y-%m-%d %H:%M %Z")
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


# The attempt's transaction holds the auction's row lock from its first statement to its commit,
# and every bid of a lot waits for it: the lock is held for a fixed, small number of statements
# (PostgreSQL: lock; one read of the standing and of the client_id's first answer; the bid's INSERT;
# one statement writing the standing, the log entries and the auction row; COMMIT). The rules run
# on plain values in between; the news is built after the commit.


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


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _read_pg(auction: Auction, supplier: Organization | None, client_id: str) -> tuple[list[_Line], tuple | None]:
    inv, org = Invitation._meta.db_table, Organization._meta.db_table
    sql = (
        "SELECT i.id, i.supplier_id, i.best_amount, i.best_received_at, i.rank, i.bids_count, o.slug::text,"
        " o.name::text, NULL::bigint, NULL::boolean, NULL::timestamptz, NULL::numeric, NULL::integer, NULL::text,"
        f" NULL::text FROM {inv} i JOIN {org} o ON o.id = i.supplier_id WHERE i.auction_id = %s"
    )
    params: list = [auction.pk]
    if client_id and supplier is not None:
        blank = "NULL::bigint, NULL::bigint, NULL::numeric, NULL::timestamptz, NULL::integer, NULL::integer, NULL, NULL"
        sql += (
            f" UNION ALL (SELECT {blank}, b.id, TRUE, b.received_at, b.amount, b.rank_after, NULL, NULL"
            f" FROM {Bid._meta.db_table} b WHERE b.auction_id = %s AND b.supplier_id = %s AND b.client_id = %s"
            f" UNION ALL SELECT {blank}, r.id, FALSE, r.received_at, NULL, NULL, r.code, r.message"
            f" FROM {BidRefusal._meta.db_table} r"
            " WHERE r.auction_id = %s AND r.supplier_id = %s AND r.client_id = %s LIMIT 1)"
        )
        params += [auction.pk, supplier.pk, client_id] * 2
    lines, previous = [], None
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            if row[0] is None:
                previous = row[8:]
            else:
                lines.append(_Line(*row[:6], _Supplier(row[1], row[6], row[7])))
    lines.sort(key=lambda line: line.supplier_id)
    return lines, previous


def _read_orm(auction: Auction, supplier: Organization | None, client_id: str) -> tuple[list[_Line], tuple | None]:
    previous = None
    if client_id and supplier is not None:
        key = {"auction": auction, "supplier": supplier, "client_id": client_id}
        bid = Bid.objects.filter(**key).values_list("pk", "received_at", "amount", "rank_after").first()
        if bid is not None:
            previous = (bid[0], True, bid[1], bid[2], bid[3], None, None)
        else:
            refusal = BidRefusal.objects.filter(**key).values_list("pk", "received_at", "code", "message").first()
            if refusal is not None:
                previous = (refusal[0], False, refusal[1], None, None, refusal[2], refusal[3])
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


def _read(auction: Auction, supplier: Organization | None, client_id: str) -> tuple[list[_Line], tuple | None]:
    """Under the lock: the invited suppliers' standing lines (by supplier id) and, with a client_id,
    the first answer to it as ``(pk, accepted, received_at, amount, rank, code, message)``."""
    return (_read_pg if _postgres() else _read_orm)(auction, supplier, client_id)


def _lock_for_bid(auction_id: object) -> Auction | None:
    """The auction's row, locked: plain SQL (no query to compile while the lot waits)."""
    pk = Auction._meta.pk.get_prep_value(auction_id)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    found = list(Auction.objects.raw(f"SELECT * FROM {Auction._meta.db_table} WHERE id = %s{lock}", [pk]))
    return found[0] if found else None


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
    ``BidOutcome`` and a log entry; a repeated ``client_id`` gets the first answer again."""
    cleaned = rules.clean_client_id(client_id)
    with transaction.atomic():
        auction = _lock_for_bid(auction_id)
        if auction is None:
            refusal = rules.Refusal(rules.NOT_FOUND, _("No such auction."))
            return _refused(refusal, client_id=str(client_id or "")[:64], received_at=received_at)
        supplier = actor.organization
        if cleaned is None:
            refusal = rules.Refusal(rules.INVALID_CLIENT_ID, _("client_id must be text of at most 64 characters."))
            return _refuse(auction, actor, refusal, amount=amount, received_at=received_at, client_id="")
        lines, previous = _read(auction, supplier, cleaned)
        if previous is not None:
            return _previous_answer(auction, cleaned, previous)
        if auction.state == AuctionState.SCHEDULED and auction.starts_at <= received_at < auction.ends_at:
            _open(auction, _now(), Actor.system())  # the clock is late: the receipt decides
        return _judge_and_record(auction, lines, actor, amount, received_at, cleaned)


def _judge_and_record(
    auction, lines: list[_Line], actor: Actor, amount: object, received_at: dt.datetime, client_id: str
) -> BidOutcome:
    supplier = actor.organization
    mine = next((i for i in lines if supplier is not None and i.supplier_id == supplier.pk), None)
    if mine is None or not actor.can(Perm.WORK):
        refusal = rules.Refusal(rules.NOT_INVITED, _("Your organization is not invited to this auction."))
        return _refuse(auction, actor, refusal, amount=amount, received_at=received_at, client_id=client_id)
    refusal = rules.state_refusal(auction, received_at)
    value = None
    if refusal is None:
        value = rules.parse_amount(amount, auction.currency)
        if isinstance(value, rules.Refusal):
            refusal = value
        else:
            refusal = rules.amount_refusal(auction, mine, value)
    if refusal is not None:
        return _refuse(auction, actor, refusal, amount=amount, received_at=received_at, client_id=client_id)
    return _accept(auction, lines, mine, value, actor, received_at, client_id)


def _refuse(auction, actor: Actor, refusal: rules.Refusal, *, amount, received_at, client_id: str) -> BidOutcome:
    supplier = actor.organization
    entry = log.link(
        auction,
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
    remembered = None
    if client_id and supplier is not None:
        remembered = BidRefusal(
            auction_id=auction.pk,
            supplier_id=supplier.pk,
            client_id=client_id,
            code=refusal.code,
            message=refusal.message,
            received_at=received_at,
        )
    _write(auction, entries=[entry], refusal=remembered)
    return _refused(refusal, client_id=client_id, received_at=received_at)


def _accept(auction, lines: list[_Line], mine: _Line, value: Decimal, actor: Actor, received_at, client_id: str):
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
    bid = _insert_bid(auction, mine, value, actor, received_at, client_id, now)
    best = log.plain(mine.best_amount)
    tied = any(
        log.plain(i.best_amount) == best and i.rank is not None and i.rank < mine.rank
        for i in lines
        if i.supplier_id != mine.supplier_id
    )
    entries = [_bid_entry(auction, bid, mine, actor, tied, now)]
    if extension is not None:
        data = {"ends_at": auction.ends_at, "reason": extension.reason(), **extension.data()}
        entries.append(log.link(auction, kind=LogKind.EXTENDED, at=now, data=data))
    auction.version += 1
    auction.updated_at = now
    _write(auction, entries=entries, lines=[mine, *(i for i in moved if i is not mine)], changed=True)
    extra = {"reason": extension.reason(), "reason_data": extension.data()} if extension else None
    bid_item = news.bid_data(bid, name=mine.supplier.name, slug=mine.supplier.slug, tied=tied)
    kind = "extended" if extension else "update"
    # the news is built once committed, outside the lock, from the values written
    transaction.on_commit(lambda: _publish(news.build(auction, standings(lines), kind, bid=bid_item, extra=extra)))
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


def _insert_bid(auction, mine: _Line, value: Decimal, actor: Actor, received_at, client_id: str, now) -> Bid:
    bid = Bid(
        auction_id=auction.pk,
        supplier_id=mine.supplier_id,
        amount=value,
        received_at=received_at,
        client_id=client_id,
        placed_by_id=actor.user.pk if actor.user else None,
        api_key_id=actor.api_key.pk if actor.api_key else None,
        rank_after=mine.rank,
        created_at=now,
    )
    if not _postgres():
        bid.save(force_insert=True)
        return bid
    columns = ("auction_id", "supplier_id", "amount", "received_at", "client_id", "placed_by_id", "api_key_id")
    columns += ("rank_after", "created_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Bid._meta.db_table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
            " RETURNING id",
            [getattr(bid, name) for name in columns],
        )
        bid.pk = cursor.fetchone()[0]
    bid._state.adding, bid._state.db = False, connection.alias
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


def _write(auction, *, entries: list, lines: Iterable[_Line] = (), changed: bool = False, refusal=None) -> None:
    """Everything an attempt writes besides the bid: the standing ``lines`` that moved, the log
    ``entries``, the remembered ``refusal`` and the auction row (the chain's head; with ``changed``
    also the bid's fields). One statement on PostgreSQL."""
    fields = (*(_BID_FIELDS if changed else ()), "log_seq", "log_hash")
    if not _postgres():
        LogEntry.objects.bulk_create(entries)
        if refusal is not None:
            refusal.save(force_insert=True)
        for line in lines:
            Invitation.objects.filter(pk=line.pk).update(**{name: getattr(line, name) for name in _LINE_FIELDS})
        Auction.objects.filter(pk=auction.pk).update(**{name: getattr(auction, name) for name in fields})
        return
    ctes, params = [], []
    rows = ", ".join(["(%s, %s, %s, %s, %s::jsonb, %s, %s)"] * len(entries))
    ctes.append(
        f"log AS (INSERT INTO {LogEntry._meta.db_table} (auction_id, seq, at, kind, data, prev_hash, hash)"
        f" VALUES {rows})"
    )
    for e in entries:
        params += [e.auction_id, e.seq, e.at, e.kind, json.dumps(e.data), e.prev_hash, e.hash]
    lines = list(lines)
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
    if refusal is not None:
        ctes.append(
            f"refusal AS (INSERT INTO {BidRefusal._meta.db_table}"
            " (auction_id, supplier_id, client_id, code, message, received_at) VALUES (%s, %s, %s, %s, %s, %s))"
        )
        params += [
            refusal.auction_id,
            refusal.supplier_id,
            refusal.client_id,
            refusal.code,
            refusal.message,
            refusal.received_at,
        ]
    sets = ", ".join(f"{name} = %s" for name in fields)
    params += [*(getattr(auction, name) for name in fields), auction.pk]
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} UPDATE {Auction._meta.db_table} SET {sets} WHERE id = %s", params)


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
            starts = timezone.localtime(auction.starts_at).strftime("%Y-%m-%d %H:%M %Z")
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
