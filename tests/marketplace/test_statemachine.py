"""marketplace.statemachine: a table of moves decides, refuses in words and names what is allowed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from marketplace.actors import Actor
from marketplace.models import Membership, Perm
from marketplace.statemachine import Move, StateMachine, TransitionNotAllowed


class Door(models.TextChoices):
    OPEN = "open", "Open"
    SHUT = "shut", "Shut"
    LOCKED = "locked", "Locked"


class Thing:
    def __init__(self, state, has_key=True):
        self.state = state
        self.has_key = has_key


DOOR = StateMachine(
    [
        Move(Door.OPEN, Door.SHUT, side="buyer", label="Shut"),
        Move(Door.SHUT, Door.OPEN, side="buyer", label="Open"),
        Move(Door.SHUT, Door.LOCKED, side="supplier", label="Lock", guard="key", permission=Perm.WORK),
        Move(Door.LOCKED, Door.SHUT, side="supplier", label="Unlock", comment_required=True, comment_label="Why"),
    ],
    states=Door,
    guards={"key": lambda thing: None if thing.has_key else "No key."},
    name="door",
)


def test_it_finds_moves_by_state_and_side():
    assert [m.target for m in DOOR.moves_from(Door.SHUT)] == ["open", "locked"]
    assert [m.target for m in DOOR.moves_from(Door.SHUT, "supplier")] == ["locked"]
    assert DOOR.find(Door.SHUT, Door.LOCKED).label == "Lock"
    assert DOOR.find(Door.SHUT, Door.LOCKED, "buyer") is None
    assert DOOR.targets(Door.SHUT) == ["open", "locked"]


def test_it_reads_the_state_from_the_object():
    move = DOOR.check(Thing(Door.SHUT), to=Door.LOCKED, side="supplier")
    assert (move.source, move.target) == ("shut", "locked")
    assert [m.target for m in DOOR.allowed(Thing(Door.SHUT), side="buyer")] == ["open"]


def test_it_refuses_a_move_of_the_other_side_and_names_what_is_allowed():
    with pytest.raises(TransitionNotAllowed) as refused:
        DOOR.check(Thing(Door.SHUT), to=Door.LOCKED, side="buyer")
    assert refused.value.allowed == ["open"] and refused.value.code == "transition_not_allowed"
    assert "It is “Shut” now and cannot be moved to “Locked”." in refused.value.message
    assert "Allowed now: open (Open)." in refused.value.message


def test_it_refuses_a_move_the_table_does_not_list():
    with pytest.raises(TransitionNotAllowed, match="Nothing is yours to do on it now") as refused:
        DOOR.check(Thing(Door.OPEN), to=Door.LOCKED, side="supplier")
    assert refused.value.allowed == []


def test_it_refuses_a_move_whose_guard_fails_with_the_guards_reason():
    thing = Thing(Door.SHUT, has_key=False)
    with pytest.raises(TransitionNotAllowed, match="No key"):
        DOOR.check(thing, to=Door.LOCKED, side="supplier")
    assert DOOR.allowed(thing, side="supplier") == []


def test_it_needs_the_comment_a_move_asks_for():
    with pytest.raises(ValidationError) as refused:
        DOOR.check(Thing(Door.LOCKED), to=Door.SHUT, side="supplier", comment="  ")
    assert refused.value.message_dict == {"comment": ["“Unlock” needs a why."]}
    assert DOOR.check(Thing(Door.LOCKED), to=Door.SHUT, side="supplier", comment="fire drill").target == "shut"


def test_it_asks_the_actors_role(buyer, supplier, rita):
    Membership.objects.create(user=rita, organization=supplier, role="member")  # a supplier's staff work
    worker = Actor.of_user(rita, supplier)
    stranger = Actor(organization=supplier, user=rita, role=None)
    assert DOOR.check(Thing(Door.SHUT), to=Door.LOCKED, side="supplier", actor=worker).target == "locked"
    with pytest.raises(TransitionNotAllowed, match="Your role does not allow this move"):
        DOOR.check(Thing(Door.SHUT), to=Door.LOCKED, side="supplier", actor=stranger)
    assert [m.target for m in DOOR.allowed(Thing(Door.SHUT), side="supplier", actor=stranger)] == []
    assert DOOR.check(Thing(Door.SHUT), to=Door.LOCKED, side="supplier", actor=Actor.system()).target == "locked"


def test_it_refuses_a_table_with_unknown_states_guards_or_a_move_twice():
    with pytest.raises(ValueError, match="unknown guards"):
        StateMachine([Move(Door.OPEN, Door.SHUT, guard="nope")], states=Door)
    with pytest.raises(ValueError, match="unknown states"):
        StateMachine([Move(Door.OPEN, "ajar")], states=Door)
    with pytest.raises(ValueError, match="twice"):
        StateMachine([Move(Door.OPEN, Door.SHUT), Move(Door.OPEN, Door.SHUT)], states=Door)


def test_it_lets_a_domain_word_its_refusals():
    class Polite(StateMachine):
        def cannot_text(self, obj, *, state, to, side):
            return f"Sorry, the door is {state}."

    machine = Polite(DOOR.moves, states=Door, guards=DOOR.guards)
    with pytest.raises(TransitionNotAllowed, match=r"Sorry, the door is open\. Allowed now: shut"):
        machine.check(Thing(Door.OPEN), to=Door.LOCKED, side="buyer")
