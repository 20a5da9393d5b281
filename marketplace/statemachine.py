"""A life cycle written once as data: a table of moves that the service, the buttons and the API's
409 all read. Orders, partnerships' onboarding, price uploads and auctions each declare one.

    ORDER = StateMachine(
        [Move(PLACED, CONFIRMED, side=SUPPLIER, label=_("Confirm"), permission=Perm.WORK), ...],
        states=OrderState,
        guards={"complaints_resolved": lambda order: ... or None},
    )
    move = ORDER.check(order, to=CONFIRMED, side=SUPPLIER, actor=actor, comment="")  # or TransitionNotAllowed
    buttons = ORDER.allowed(order, side=SUPPLIER, actor=actor)

The current state is read from the object (``field``, "state" unless told) unless ``state`` is
given. A guard is a function of the object that returns None when the move may go ahead, or the
reason in words why not. ``side`` says which party may make a move (buyer or supplier; None: the
site itself, e.g. the auction clock); ``permission`` which role inside that party (a
``marketplace.models.Perm``, asked through ``Actor.can``).

The words of a refusal can be made the domain's own by subclassing: ``cannot_text`` (why this
move is refused) and ``allowed_text`` (what is allowed instead), or the whole ``refusal_message``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .actors import Actor

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
        field: str = "state",
    ):
        self.moves: tuple[Move, ...] = tuple(moves)
        self.states = states
        self.guards: dict[str, Guard] = dict(guards or {})
        self.name = name
        self.field = field
        unknown = {m.guard for m in self.moves if m.guard and m.guard not in self.guards}
        invalid = {s for m in self.moves for s in (m.source, m.target) if s not in states.values}
        if unknown or invalid:
            raise ValueError(f"state machine {name}: unknown guards {unknown}, unknown states {invalid}")
        if len({(m.source, m.target, m.side) for m in self.moves}) != len(self.moves):
            raise ValueError(f"state machine {name}: a move is listed twice")

    # -- reading the table ------------------------------------------------------------------------

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

    def label(self, state: str) -> str:
        return str(self.states(state).label) if state in self.states.values else state

    def state_of(self, obj: Any, state: str | None = None) -> str:
        return state if state is not None else getattr(obj, self.field)

    # -- deciding a move --------------------------------------------------------------------------

    def guard_failure(self, obj: Any, move: Move) -> str | None:
        return self.guards[move.guard](obj) if move.guard else None

    def allowed(self, obj: Any, state: str | None = None, side: str | None = None, actor: Actor | None = None):
        """The moves ``side`` (and ``actor``'s role, when given) may make now, guards included."""
        return [
            m
            for m in self.moves_from(self.state_of(obj, state))
            if m.side == side and _permitted(m, actor) and self.guard_failure(obj, m) is None
        ]

    def check(
        self,
        obj: Any,
        *,
        to: str,
        side: str | None,
        actor: Actor | None = None,
        comment: str = "",
        state: str | None = None,
    ) -> Move:
        """The move from the object's state to ``to`` for ``side``, or ``TransitionNotAllowed``
        naming what is allowed now (a ``ValidationError`` on ``comment`` when the move needs one
        and has none)."""
        state = self.state_of(obj, state)
        move = self.find(state, to, side)
        reason = None
        if move is not None and not _permitted(move, actor):
            reason = _("Your role does not allow this move.")
        elif move is not None:
            reason = self.guard_failure(obj, move)
        if move is None or reason:
            raise self.refusal(obj, state=state, to=to, side=side, actor=actor, reason=reason)
        if move.comment_required and not (comment or "").strip():
            raise ValidationError(
                {
                    "comment": _("“%(move)s” needs a %(what)s.")
                    % {"move": move.label, "what": str(move.comment_label or _("comment")).lower()}
                }
            )
        return move

    # -- the words of a refusal -------------------------------------------------------------------

    def refusal(
        self,
        obj: Any,
        *,
        to: str,
        side: str | None,
        actor: Actor | None = None,
        reason: str | None = None,
        state: str | None = None,
    ) -> TransitionNotAllowed:
        state = self.state_of(obj, state)
        allowed = self.allowed(obj, state, side, actor)
        message = self.refusal_message(obj, state=state, to=to, side=side, allowed=allowed, reason=reason)
        return TransitionNotAllowed(message, allowed=[m.target for m in allowed])

    def refusal_message(
        self, obj: Any, *, state: str, to: str, side: str | None, allowed: list[Move], reason: str | None
    ) -> str:
        return f"{reason or self.cannot_text(obj, state=state, to=to, side=side)} {self.allowed_text(allowed)}"

    def cannot_text(self, obj: Any, *, state: str, to: str, side: str | None) -> str:
        return _("It is “%(state)s” now and cannot be moved to “%(to)s”.") % {
            "state": self.label(state),
            "to": self.label(to),
        }

    def allowed_text(self, allowed: list[Move]) -> str:
        if not allowed:
            return _("Nothing is yours to do on it now.")
        return _("Allowed now: %(moves)s.") % {
            "moves": ", ".join(f"{m.target} ({self.label(m.target)})" for m in allowed)
        }


def _permitted(move: Move, actor: Actor | None) -> bool:
    return actor is None or move.permission is None or actor.can(move.permission)
