"""Every move of the transitions table, allowed to its side and refused to the other; every move
the table does not list, refused to both."""

import pytest
from django.core.exceptions import ValidationError

from cabinet import services
from cabinet.models import Complaint, OrderEvent, OrderState
from cabinet.services import TransitionNotAllowed
from cabinet.transitions import BUYER, STATE_TIMESTAMP, TRANSITIONS, find
from tests.cabinet import factories as f
from tests.factories import acting

MOVES = [pytest.param(m, id=f"{m.source}->{m.target}") for m in TRANSITIONS]
UNLISTED = [
    pytest.param(source, target, id=f"{source}->{target}")
    for source in OrderState.values
    for target in OrderState.values
    if find(source, target) is None
]


def _org(side, buyer, supplier):
    return buyer if side == BUYER else supplier


def _prepare(move, buyer, supplier):
    order = f.order(buyer, supplier, state=move.source)
    if move.guard == "complaints_resolved":
        for complaint in Complaint.objects.filter(order=order):
            services.complaint_resolve(complaint=complaint, resolution="accepted", actor=acting(buyer))
    return order


@pytest.mark.parametrize("move", MOVES)
def test_it_allows_each_move_to_its_side_and_records_it(move, buyer, supplier, alice):
    order = _prepare(move, buyer, supplier)
    before = order.events.count()
    moved = services.order_transition(
        order=order, to=move.target, actor=acting(_org(move.side, buyer, supplier)), comment="why not"
    )
    assert moved.state == move.target
    assert getattr(moved, STATE_TIMESTAMP[move.target]) is not None
    last = OrderEvent.objects.filter(order=order).last()
    assert order.events.count() == before + 1
    assert (last.from_state, last.to_state, last.comment) == (move.source, move.target, "why not")
    assert last.organization == _org(move.side, buyer, supplier)


@pytest.mark.parametrize("move", MOVES)
def test_it_refuses_each_move_to_the_other_side(move, buyer, supplier):
    order = _prepare(move, buyer, supplier)
    other = supplier if move.side == BUYER else buyer
    before = order.events.count()
    with pytest.raises(TransitionNotAllowed) as refused:
        services.order_transition(order=order, to=move.target, actor=acting(other), comment="x")
    order.refresh_from_db()
    assert order.state == move.source
    assert order.events.count() == before
    assert "cannot be moved" in refused.value.message
    assert move.target not in refused.value.allowed


@pytest.mark.parametrize(("source", "target"), UNLISTED)
def test_it_refuses_moves_the_table_does_not_list(source, target, buyer, supplier):
    order = f.order(buyer, supplier, state=source, n_lines=1)
    for organization in (buyer, supplier):
        with pytest.raises(TransitionNotAllowed) as refused:
            services.order_transition(order=order, to=target, actor=acting(organization), comment="x")
        side = order.side_of(organization)
        assert refused.value.allowed == [m.target for m in services.allowed_moves(order=order, side=side)]
    order.refresh_from_db()
    assert order.state == source


@pytest.mark.parametrize("move", [m for m in MOVES if m.values[0].comment_required])
def test_it_requires_a_comment_where_the_rules_say_so(move, buyer, supplier):
    order = _prepare(move, buyer, supplier)
    with pytest.raises(ValidationError) as refused:
        services.order_transition(order=order, to=move.target, actor=acting(_org(move.side, buyer, supplier)))
    assert "comment" in refused.value.message_dict
    order.refresh_from_db()
    assert order.state == move.source


def test_it_names_the_allowed_moves_in_the_refusal(buyer, supplier):
    order = f.order(buyer, supplier)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.order_transition(order=order, to="shipped", actor=acting(supplier))
    assert refused.value.allowed == ["confirmed", "rejected"]
    assert "Allowed now: confirmed (Confirmed), rejected (Rejected)." in refused.value.message


def test_it_completes_a_disputed_order_only_when_every_complaint_is_resolved(buyer, supplier):
    order = f.order(buyer, supplier, state="disputed")
    second = services.complaint_open(order=order, reason="wrong colour", actor=acting(buyer))
    first = order.complaints.exclude(pk=second.pk).get()
    services.complaint_resolve(complaint=first, resolution="compensated", compensation="150.00", actor=acting(buyer))
    with pytest.raises(TransitionNotAllowed, match="unresolved complaints") as refused:
        services.order_transition(order=order, to="completed", actor=acting(buyer))
    assert refused.value.allowed == []
    services.complaint_answer(complaint=second, answer="we will replace", actor=acting(supplier))
    services.complaint_resolve(complaint=second, resolution="accepted", actor=acting(buyer))
    order = services.order_transition(order=order, to="completed", actor=acting(buyer))
    assert order.state == "completed"
    first.refresh_from_db()
    assert first.compensation == __import__("decimal").Decimal("150.00")


def test_it_opens_a_complaint_when_a_delivered_order_is_disputed(buyer, supplier):
    order = f.order(buyer, supplier, state="delivered")
    order = services.order_transition(order=order, to="disputed", actor=acting(buyer), comment="late and wet")
    assert order.state == "disputed"
    assert order.complaints.get().reason == "late and wet"
    assert list(order.events.values_list("to_state", flat=True))[-1] == "disputed"


def test_it_refuses_a_move_by_an_organization_outside_the_order(buyer, supplier, supplier2):
    order = f.order(buyer, supplier)
    with pytest.raises(ValidationError):
        services.order_transition(order=order, to="confirmed", actor=acting(supplier2))
    order.refresh_from_db()
    assert order.state == "placed"
