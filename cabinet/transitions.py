"""The rules of an order's life, written once as data. The service, the buttons on the order page
and the API all read this table; nothing else decides who may move an order where.

    placed → confirmed (supplier) | rejected (supplier, reason required)
    confirmed → in_progress (supplier) → shipped (supplier, shipment note) → delivered (buyer)
    delivered → completed (buyer) | disputed (buyer: a complaint is opened)
    disputed → completed (buyer, once every complaint is resolved)
    placed, confirmed → cancelled (buyer, reason required)

A supplier's move needs a role that works (``Perm.WORK``), a buyer's one that procures
(``Perm.PROCURE``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from marketplace.actors import Actor
from marketplace.models import OrganizationKind, acting_permission
from marketplace.statemachine import Move, StateMachine, TransitionNotAllowed

from .models import ComplaintState, Order, OrderState

BUYER = OrganizationKind.BUYER.value
SUPPLIER = OrganizationKind.SUPPLIER.value

__all__ = [
    "BUYER",
    "FINAL_STATES",
    "ORDERS",
    "STATE_TIMESTAMP",
    "SUPPLIER",
    "TRANSITIONS",
    "OrderMove",
    "TransitionNotAllowed",
    "allowed_moves",
    "find",
    "moves_from",
]


@dataclass(frozen=True)
class OrderMove(Move):
    opens_complaint: bool = False  # the comment becomes a complaint's reason


def _move(source: str, target: str, side: str, label, **options) -> OrderMove:
    return OrderMove(source, target, side, label, permission=acting_permission(side), **options)


def _with_reason(source: str, target: str, side: str, label, **options) -> OrderMove:
    return _move(source, target, side, label, comment_required=True, comment_label=_("Reason"), **options)


TRANSITIONS: tuple[OrderMove, ...] = (
    _move(OrderState.PLACED, OrderState.CONFIRMED, SUPPLIER, _("Confirm")),
    _with_reason(OrderState.PLACED, OrderState.REJECTED, SUPPLIER, _("Reject"), style="danger"),
    _move(OrderState.CONFIRMED, OrderState.IN_PROGRESS, SUPPLIER, _("Start work")),
    _move(
        OrderState.IN_PROGRESS,
        OrderState.SHIPPED,
        SUPPLIER,
        _("Ship"),
        comment_required=True,
        comment_label=_("Shipment note"),
    ),
    _move(OrderState.SHIPPED, OrderState.DELIVERED, BUYER, _("Accept delivery")),
    _move(OrderState.DELIVERED, OrderState.COMPLETED, BUYER, _("Complete")),
    _with_reason(
        OrderState.DELIVERED,
        OrderState.DISPUTED,
        BUYER,
        _("Open a complaint"),
        opens_complaint=True,
        style="danger",
    ),
    _move(OrderState.DISPUTED, OrderState.COMPLETED, BUYER, _("Complete"), guard="complaints_resolved"),
    _with_reason(OrderState.PLACED, OrderState.CANCELLED, BUYER, _("Cancel"), style="danger"),
    _with_reason(OrderState.CONFIRMED, OrderState.CANCELLED, BUYER, _("Cancel"), style="danger"),
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


def complaints_resolved(order: Order) -> str | None:
    if order.complaints.exclude(state=ComplaintState.RESOLVED).exists():
        return gettext_now(
            "Order %(number)s still has unresolved complaints; resolve every one before completing it."
        ) % {"number": order.number}
    return None


class OrderMachine(StateMachine):
    def cannot_text(self, obj: Order, *, state: str, to: str, side: str | None) -> str:
        return gettext_now("Order %(number)s is “%(state)s”: it cannot be moved to “%(to)s” by the %(side)s.") % {
            "number": obj.number,
            "state": self.label(state),
            "to": self.label(to),
            "side": gettext_now("buyer") if side == BUYER else gettext_now("supplier"),
        }


ORDERS = OrderMachine(TRANSITIONS, states=OrderState, guards={"complaints_resolved": complaints_resolved}, name="order")

moves_from = ORDERS.moves_from
find = ORDERS.find


def allowed_moves(*, order: Order, side: str | None, actor: Actor | None = None) -> list[OrderMove]:
    """The moves ``side`` (and ``actor``'s role, when given) may make on ``order`` right now."""
    if side is None:
        return []
    return ORDERS.allowed(order, side=side, actor=actor)
