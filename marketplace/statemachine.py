"""A life cycle written once as data: a table of moves that the service, the buttons and the API's
409 all read. Orders, partnerships' onboarding, price uploads and auctions each declare one.

    ORDER = StateMachine(
        [Move(PLACED, CONFIRMED, side=SUPPLIER, label=_("Confirm")), ...],
        states=OrderState,
        guards={"complaints_resolved": lambda order: ... or None},
    )
    move = ORDER.check(order, to=CONFIRMED, side=SUPPLIER, comment="")   # or TransitionNotAllowed

A guard is a function of the object that returns None when the move may go ahead, or the reason
in words why not. ``side`` says which party may make a move (buyer or supplier; None: the site
itself, e.g. the auction clock); ``permission`` which role inside that party.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

Guard = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    side: str | None = None  # who may make it; None: only the site itself
    label: Promise | str = ""  # the button
    permission: str | None = None  # a marketplace.models.Perm the acting role needs
    comment_required: bool = False
    comment_label: Promise | str | None = None  # what the comment means for this move
    guard: str | None = None  # name of a guard of the machine
    style: str = ""  # CSS hint for the button ("danger", "secondary")


class TransitionNotAllowed(ValidationError):
    """A move the table does not allow now; names the moves that are allowed (``allowed``)."""

    def __init__(self, message: str, *, allowed: list[str], code: str = "transition_not_allowed"):
        super().__init__(message, code=code)
        self.allowed = allowed


class StateMachine:
    def __init__(
        self,
        moves: Iterable[Move],
        *,
        states: type[models.TextChoices],
        guards: Mapping[str, Guard] | None = None,
        name: Promise | str = "",
    ):
        self.moves: tuple[Move, ...] = tuple(moves)
        self.states = states
        self.guards: dict[str, Guard] = dict(guards or {})
        self.name = name
        unknown = {m.guard for m in self.moves if m.guard and m.guard not in self.guards}
        invalid = {s for m in self.moves for s in (m.source, m.target) if s not in states.values}
        if unknown or invalid:
            raise ValueError(f"state machine {name}: unknown guards {unknown}, unknown states {invalid}")

    def moves_from(self, state: str, side: str | None = None) -> list[Move]:
        """Moves out of ``state``, for one side or (side=None) for every side."""
        return [m for m in self.moves if m.source == state and (side is None or m.side == side)]

    def find(self, source: str, target: str, side: str | None = None) -> Move | None:
        return next(
            (m for m in self.moves if m.source == source and m.target == target and (side is None or m.side == side)),
            None,
        )

    def targets(self, state: str) -> list[str]:
        return list(dict.fromkeys(m.target for m in self.moves_from(state)))

    def guard_failure(self, obj: Any, move: Move) -> str | None:
        return self.guards[move.guard](obj) if move.guard else None

    def allowed(self, obj: Any, state: str, side: str | None, actor=None) -> list[Move]:
        """The moves ``side`` (and ``actor``'s role, when given) may make now, guards included."""
        return [
            m
            for m in self.moves_from(state)
            if m.side == side
            and (actor is None or m.permission is None or actor.can(m.permission))
            and self.guard_failure(obj, m) is None
        ]

    def label(self, state: str) -> str:
        return str(self.states(state).label) if state in self.states.values else state

    def check(self, obj: Any, *, state: str, to: str, side: str | None, actor=None, comment: str = "") -> Move:
        """The move from ``state`` to ``to`` for ``side``, or ``TransitionNotAllowed`` naming what is
        allowed now (a ``ValidationError`` on ``comment`` when the move needs one and has none)."""
        move = self.find(state, to, side)
        if move is None:
            raise self.refusal(obj, state=state, to=to, side=side, actor=actor)
        if actor is not None and move.permission and not actor.can(move.permission):
            raise self.refusal(
                obj, state=state, to=to, side=side, actor=actor, reason=_("Your role does not allow this move.")
            )
        failure = self.guard_failure(obj, move)
        if failure:
            raise self.refusal(obj, state=state, to=to, side=side, actor=actor, reason=failure)
        if move.comment_required and not (comment or "").strip():
            raise ValidationError(
                {
                    "comment": _("“%(move)s” needs a %(what)s.")
                    % {"move": move.label, "what": str(move.comment_label or _("comment")).lower()}
                }
            )
        return move

    def refusal(
        self, obj: Any, *, state: str, to: str, side: str | None, actor=None, reason: str | None = None
    ) -> TransitionNotAllowed:
        allowed = self.allowed(obj, state, side, actor)
        message = reason or _("It is “%(state)s” now and cannot be moved to “%(to)s”.") % {
            "state": self.label(state),
            "to": self.label(to),
        }
        if allowed:
            message += " " + _("Allowed now: %(moves)s.") % {
                "moves": ", ".join(f"{m.target} ({self.label(m.target)})" for m in allowed)
            }
        else:
            message += " " + _("Nothing is yours to do on it now.")
        return TransitionNotAllowed(message, allowed=[m.target for m in allowed])
