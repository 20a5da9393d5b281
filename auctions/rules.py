"""The bidding rules as pure functions over an auction's values: reading an amount, the step, the
refusals, the ranking and the soft close. ``auctions.services.bid_place`` applies them under the
auction's row lock; nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.money import fits_currency, format_money, minor_units, money

from .models import AuctionState, SoftCloseTrigger, StepKind, Visibility

# Refusal codes of CONTRACT.md (and a few more that name other reasons).
NOT_LIVE = "not_live"
PAUSED = "paused"
TOO_LATE = "too_late"
NOT_INVITED = "not_invited"
NOT_FOUND = "not_found"
INVALID_AMOUNT = "invalid_amount"
INVALID_CLIENT_ID = "invalid_client_id"
ABOVE_START_PRICE = "above_start_price"
STEP_TOO_SMALL = "step_too_small"
NOT_BETTER_THAN_OWN = "not_better_than_own"
MUST_BEAT_BEST = "must_beat_best"
BID_CODES = (
    NOT_LIVE,
    PAUSED,
    TOO_LATE,
    NOT_INVITED,
    NOT_FOUND,
    INVALID_AMOUNT,
    INVALID_CLIENT_ID,
    ABOVE_START_PRICE,
    STEP_TOO_SMALL,
    NOT_BETTER_THAN_OWN,
    MUST_BEAT_BEST,
)

# Digits, optionally a point and decimals: no sign, exponent, spaces inside, NaN or Infinity.
AMOUNT_PATTERN = re.compile(r"[0-9]{1,13}(?:\.[0-9]{1,10})?")
MAX_CLIENT_ID = 64


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def clock(moment: dt.datetime) -> str:
    """A time of receipt as a person reads it in a refusal: to the millisecond, in UTC."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


def parse_amount(raw: object, currency: str) -> Decimal | Refusal:
    """A bid amount from the wire (a JSON string like ``"1234.50"``; integers pass too)."""
    if isinstance(raw, bool) or raw is None:
        text = ""
    elif isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        text = repr(raw)
    elif isinstance(raw, str | Decimal):
        text = str(raw).strip()
    else:
        text = ""
    shown = text[:30] if text else str(raw)[:30]
    if not AMOUNT_PATTERN.fullmatch(text):
        return Refusal(
            INVALID_AMOUNT,
            _("“%(value)s” is not an amount: write digits with a point, like 1234.50 (at most 13 digits before it).")
            % {"value": shown},
        )
    value = Decimal(text)
    if value <= 0:
        return Refusal(INVALID_AMOUNT, _("A bid must be greater than zero."))
    if not fits_currency(value, currency):
        places = minor_units(currency)
        return Refusal(
            INVALID_AMOUNT,
            ngettext(
                "%(value)s has too many decimals: %(currency)s amounts have at most %(places)s.",
                "%(value)s has too many decimals: %(currency)s amounts have at most %(places)s.",
                places,
            )
            % {"value": shown, "currency": currency, "places": places},
        )
    return money(value, currency)


def clean_client_id(raw: object) -> str | None:
    """The client's idempotency key ("" when none); None when it is unusable."""
    if raw is None or raw == "":
        return ""
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        return None
    text = str(raw).strip()
    if not text or len(text) > MAX_CLIENT_ID or "\x00" in text:
        return None
    return text


def required_step(auction, reference: Decimal) -> Decimal:
    """How far below ``reference`` the next bid must go: the amount, or the percentage of
    ``reference`` (rounded half up, at least one minor unit of the currency)."""
    if auction.min_step_kind == StepKind.PERCENT:
        smallest = Decimal(1).scaleb(-minor_units(auction.currency))
        return max(money(reference * auction.min_step / 100, auction.currency), smallest)
    return auction.min_step


def state_refusal(auction, received_at: dt.datetime) -> Refusal | None:
    """Whether the auction takes a bid received at ``received_at`` (the receipt decides, not the lock)."""
    state = auction.state
    if state == AuctionState.PAUSED:
        return Refusal(PAUSED, _("The auction is paused; bids are taken again when it resumes."))
    if state in (AuctionState.DRAFT, AuctionState.SCHEDULED) or received_at < auction.starts_at:
        return Refusal(
            NOT_LIVE, _("The auction has not started yet; it starts at %(at)s.") % {"at": clock(auction.starts_at)}
        )
    if state != AuctionState.LIVE:
        return Refusal(
            NOT_LIVE,
            _("The auction is %(state)s; it takes no more bids.") % {"state": AuctionState(state).label.lower()},
        )
    if received_at >= auction.ends_at:
        return Refusal(
            TOO_LATE,
            _("Your bid arrived at %(at)s, after the end at %(end)s.")
            % {"at": clock(received_at), "end": clock(auction.ends_at)},
        )
    return None


def _own_refusal(auction, own: Decimal, value: Decimal) -> Refusal | None:
    fmt = auction.currency
    if value >= own:
        return Refusal(
            NOT_BETTER_THAN_OWN,
            _("A new bid must be lower than your last one (%(own)s).") % {"own": format_money(own, fmt)},
        )
    step = required_step(auction, own)
    if own - value < step:
        return Refusal(
            STEP_TOO_SMALL,
            _("Go at least %(step)s below your last bid: %(max)s or less.")
            % {"step": format_money(step, fmt), "max": format_money(own - step, fmt)},
        )
    return None


def _best_refusal(auction, best: Decimal, value: Decimal) -> Refusal | None:
    fmt = auction.currency
    shows_best = auction.visibility == Visibility.BEST_PRICE  # under "rank" no other price may leak
    step = required_step(auction, best)
    if value >= best:
        message = (
            _("Bids must beat the best price: %(max)s or less.") % {"max": format_money(best - step, fmt)}
            if shows_best
            else _("Bids must beat the best price, and yours does not.")
        )
        return Refusal(MUST_BEAT_BEST, message)
    if best - value < step:
        message = (
            _("Go at least %(step)s below the best price: %(max)s or less.")
            % {"step": format_money(step, fmt), "max": format_money(best - step, fmt)}
            if shows_best
            else _("Bids must beat the best price by at least the minimum step, and yours does not.")
        )
        return Refusal(STEP_TOO_SMALL, message)
    return None


def amount_refusal(auction, invitation, value: Decimal) -> Refusal | None:
    """The ceiling, the supplier's own last bid, and (where demanded) the best price."""
    if value > auction.start_price:
        return Refusal(
            ABOVE_START_PRICE,
            _("%(amount)s is above the start price %(start)s.")
            % {
                "amount": format_money(value, auction.currency),
                "start": format_money(auction.start_price, auction.currency),
            },
        )
    if invitation.best_amount is not None:
        refusal = _own_refusal(auction, invitation.best_amount, value)
        if refusal:
            return refusal
    best = auction.best_price
    if auction.must_beat_best and best is not None and auction.leader_id != invitation.supplier_id:
        return _best_refusal(auction, best, value)
    return None


def rerank(invitations: list) -> list:
    """Rank the invitations in place (lowest best first, the earlier receipt first on a tie); those
    without a bid get no rank. Returns the invitations whose rank changed."""
    bidders = sorted(
        (i for i in invitations if i.best_amount is not None),
        key=lambda i: (i.best_amount, i.best_received_at, i.supplier_id),
    )
    changed = []
    for position, invitation in enumerate(bidders, start=1):
        if invitation.rank != position:
            invitation.rank = position
            changed.append(invitation)
    return changed


# -- soft close ------------------------------------------------------------------------------------


def duration(seconds: int) -> str:
    """2:00, 0:45, 1:02:00."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def window_text(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return ngettext("the last minute", "the last %(n)s minutes", minutes) % {"n": minutes}
    if seconds < 60:
        return ngettext("the last second", "the last %(n)s seconds", seconds) % {"n": seconds}
    return _("the last %(time)s") % {"time": duration(seconds)}


def _cause(trigger: str, top_n: int | None) -> str:
    if trigger == SoftCloseTrigger.ANY_BID:
        return _("a bid was placed") if not top_n else _("a bid landed in the top %(n)s") % {"n": top_n}
    if trigger == SoftCloseTrigger.NEW_LEADER:
        return _("a bid took the lead")
    if top_n:
        return _("a bid improved a rank within the top %(n)s") % {"n": top_n}
    return _("a bid improved a rank")


@dataclass(frozen=True)
class Extension:
    seconds: int
    trigger: str
    window_s: int
    top_n: int | None
    number: int  # 1 for the first extension
    max_extensions: int

    def reason(self) -> str:
        """“extended by 2:00: a bid improved a rank in the last 3 minutes; 2 of 5 extensions left”."""
        left = self.max_extensions - self.number
        return _("extended by %(by)s: %(cause)s in %(window)s; %(left)s of %(max)s extensions left") % {
            "by": duration(self.seconds),
            "cause": _cause(self.trigger, self.top_n),
            "window": window_text(self.window_s),
            "left": left,
            "max": self.max_extensions,
        }

    def data(self) -> dict:
        return {
            "by_s": self.seconds,
            "trigger": self.trigger,
            "window_s": self.window_s,
            "top_n": self.top_n,
            "extension": self.number,
            "max_extensions": self.max_extensions,
            "left": self.max_extensions - self.number,
        }


def soft_close(
    auction, *, received_at: dt.datetime, rank_before: int | None, rank_after: int, leader_before: int | None
) -> Extension | None:
    """Whether this accepted bid extends the auction (judged on the end before the bid)."""
    window, extension = auction.soft_close_window_s, auction.soft_close_extension_s
    if not window or not extension or auction.extensions >= auction.max_extensions:
        return None
    if received_at < auction.ends_at - dt.timedelta(seconds=window):
        return None
    top_n = auction.soft_close_top_n
    if top_n and rank_after > top_n:
        return None
    trigger = auction.soft_close_trigger
    fired = (
        trigger == SoftCloseTrigger.ANY_BID
        or (trigger == SoftCloseTrigger.NEW_LEADER and rank_after == 1 and leader_before != auction.leader_id)
        or (trigger == SoftCloseTrigger.RANK_IMPROVING and (rank_before is None or rank_after < rank_before))
    )
    if not fired:
        return None
    return Extension(extension, trigger, window, top_n, auction.extensions + 1, auction.max_extensions)
