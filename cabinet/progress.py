"""Where an order stands, read off the transitions table (``cabinet/transitions.py``), never a copied
list of states: the steps of its usual life (the step indicator on the order page) and who must act
next (the "waiting for" line).

The usual life is the path from "placed" that takes, at each state, the first move that is not a
detour (a move styled "danger": reject, cancel, open a complaint). An order that left that path
(rejected, cancelled, disputed) shows the steps it had reached, then where it is now, then the usual
steps that can still follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext as _

from .models import ComplaintState, Order, OrderState
from .transitions import BUYER, ORDERS, STATE_TIMESTAMP, SUPPLIER

DONE, CURRENT, TODO = "done", "current", "todo"


@dataclass(frozen=True)
class Step:
    state: str
    label: str
    status: str  # DONE, CURRENT or TODO
    detour: bool = False  # a state off the usual path (rejected, cancelled, disputed)


@dataclass(frozen=True)
class Waiting:
    who: str  # "the buyer", "the supplier"
    what: str  # the moves that would take the order on, or what blocks them
    is_you: bool


@cache
def usual_path(start: str = OrderState.PLACED) -> tuple[str, ...]:
    path = [start]
    while True:
        ahead = next(
            (m.target for m in ORDERS.moves_from(path[-1]) if m.style != "danger" and m.target not in path), None
        )
        if ahead is None:
            return tuple(path)
        path.append(ahead)


def order_steps(order: Order) -> list[Step]:
    path = usual_path()
    state = order.state
    if state in path:
        here = path.index(state)
        return [_step(s, DONE if i < here else CURRENT if i == here else TODO) for i, s in enumerate(path)]
    reached = [s for s in path if getattr(order, STATE_TIMESTAMP[s], None)] or [path[0]]
    last = path.index(reached[-1])
    onward = [s for s in path[last + 1 :] if s in ORDERS.targets(state)]
    after = list(path[path.index(onward[0]) :]) if onward else []
    return [
        *(_step(s, DONE) for s in path[: last + 1]),
        _step(state, CURRENT, detour=True),
        *(_step(s, TODO) for s in after),
    ]


def _step(state: str, status: str, detour: bool = False) -> Step:
    return Step(state=state, label=ORDERS.label(state), status=status, detour=detour)


def waiting_for(order: Order, side: str | None) -> Waiting | None:
    """Who must act for the order to go on, from ``side``'s point of view; None once it is final."""
    moves = ORDERS.moves_from(order.state)
    if not moves:
        return None
    onward = [m for m in moves if m.style != "danger"] or moves
    if all(ORDERS.guard_failure(order, m) for m in onward):
        # A disputed order: its complaints must be settled first (the supplier answers, the buyer resolves).
        if order.complaints.filter(state=ComplaintState.OPEN).exists():
            return _waiting(SUPPLIER, side, _("answer the complaint"))
        return _waiting(BUYER, side, _("resolve the complaint"))
    return _waiting(onward[0].side, side, " / ".join(str(m.label) for m in onward))


def _waiting(actor_side: str | None, viewer_side: str | None, what: str) -> Waiting:
    who = _("the buyer") if actor_side == BUYER else _("the supplier")
    return Waiting(who=who, what=what, is_you=actor_side == viewer_side)
