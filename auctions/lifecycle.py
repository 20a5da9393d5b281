"""The auction's life cycle as data: draft → scheduled → live ⇄ paused → closed → awarded, or
cancelled. The services, the monitor's buttons and the API's 409 all read this one table.

``side=None`` moves are the site's own (the clock opens and closes); the buyer's need ``Perm.PROCURE``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from marketplace.models import Perm
from marketplace.statemachine import Move, StateMachine

from .models import AuctionState as S

BUYER = "buyer"

AUCTION = StateMachine(
    [
        Move(S.DRAFT, S.SCHEDULED, side=BUYER, label=_("Schedule"), permission=Perm.PROCURE),
        Move(S.SCHEDULED, S.DRAFT, side=BUYER, label=_("Back to draft"), permission=Perm.PROCURE, style="secondary"),
        Move(S.SCHEDULED, S.LIVE, side=None, label=_("Open")),
        Move(S.LIVE, S.PAUSED, side=BUYER, label=_("Pause"), permission=Perm.PROCURE, style="secondary"),
        Move(S.PAUSED, S.LIVE, side=BUYER, label=_("Resume"), permission=Perm.PROCURE),
        Move(S.LIVE, S.CLOSED, side=None, label=_("Close")),
        Move(S.CLOSED, S.AWARDED, side=BUYER, label=_("Award"), permission=Perm.PROCURE),
        *[
            Move(
                source,
                S.CANCELLED,
                side=BUYER,
                label=_("Cancel"),
                permission=Perm.PROCURE,
                comment_required=True,
                comment_label=_("Reason"),
                style="danger",
            )
            for source in (S.DRAFT, S.SCHEDULED, S.LIVE, S.PAUSED, S.CLOSED)
        ],
    ],
    states=S,
    name="auction",
)
