"""The rules of an order's life, written once as data. The service, the buttons on the order page
and the API all read this table; nothing else decides who may move an order where.

    placed → confirmed (supplier) | rejected (supplier, reason required)
    confirmed → in_progress (supplier) → shipped (supplier, shipment note) → delivered (buyer)
    delivered → completed (buyer) | disputed (buyer: a complaint is opened)
    disputed → completed (buyer, once every complaint is resolved)
    placed, confirmed → cancelled (buyer, reason required)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import OrderState

BUYER = "buyer"
SUPPLIER = "supplier"


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    side: str  # who may make it: BUYER or SUPPLIER
    label: Promise  # the button
    comment_required: bool = False
    comment_label: Promise | None = None  # what the comment means for this move
    guard: str | None = None  # name of a check in services.MOVE_GUARDS
    opens_complaint: bool = False  # the comment becomes a complaint's reason
    style: str = ""  # CSS hint for the button ("danger", "secondary")


TRANSITIONS: tuple[Move, ...] = (
    Move(OrderState.PLACED, OrderState.CONFIRMED, SUPPLIER, _("Confirm")),
    Move(
        OrderState.PLACED,
        OrderState.REJECTED,
        SUPPLIER,
        _("Reject"),
        comment_required=True,
        comment_label=_("Reason"),
        style="danger",
    ),
    Move(OrderState.CONFIRMED, OrderState.IN_PROGRESS, SUPPLIER, _("Start work")),
    Move(
        OrderState.IN_PROGRESS,
        OrderState.SHIPPED,
        SUPPLIER,
        _("Ship"),
        comment_required=True,
        comment_label=_("Shipment note"),
    ),
    Move(OrderState.SHIPPED, OrderState.DELIVERED, BUYER, _("Accept delivery")),
    Move(OrderState.DELIVERED, OrderState.COMPLETED, BUYER, _("Complete")),
    Move(
        OrderState.DELIVERED,
        OrderState.DISPUTED,
        BUYER,
        _("Open a complaint"),
        comment_required=True,
        comment_label=_("Reason"),
        opens_complaint=True,
        style="danger",
    ),
    Move(OrderState.DISPUTED, OrderState.COMPLETED, BUYER, _("Complete"), guard="complaints_resolved"),
    Move(
        OrderState.PLACED,
        OrderState.CANCELLED,
        BUYER,
        _("Cancel"),
        comment_required=True,
        comment_label=_("Reason"),
        style="danger",
    ),
    Move(
        OrderState.CONFIRMED,
        OrderState.CANCELLED,
        BUYER,
        _("Cancel"),
        comment_required=True,
        comment_label=_("Reason"),
        style="danger",
    ),
)

# Which timestamp of the order each state sets when reached.
STATE_TIMESTAMP: dict[str, str] = {
    OrderState.PLACED: "placed_at",
    OrderState.CONFIRMED: "confirmed_at",
    OrderState.REJECTED: "rejected_at",
    OrderState.IN_PROGRESS: "in_progress_at",
    OrderState.SHIPPED: "shipped_at",
    OrderState.DELIVERED: "delivered_at",
    OrderState.DISPUTED: "disputed_at",
    OrderState.COMPLETED: "completed_at",
    OrderState.CANCELLED: "cancelled_at",
}

FINAL_STATES = frozenset({OrderState.COMPLETED, OrderState.REJECTED, OrderState.CANCELLED})


def moves_from(state: str, side: str | None = None) -> list[Move]:
    """Moves out of ``state``, for one side or for both."""
    return [m for m in TRANSITIONS if m.source == state and (side is None or m.side == side)]


def find(source: str, target: str) -> Move | None:
    return next((m for m in TRANSITIONS if m.source == source and m.target == target), None)
