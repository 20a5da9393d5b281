"""One of every ratings object, for the URL sweep (tests/test_url_sweep.py)."""

from marketplace.actors import Actor
from ratings import compute, services


def build(cast) -> None:
    buyer, supplier = cast.buyer, cast.supplier
    services.sharing_set(buyer=buyer, share=True)
    mark = services.trust_mark_add(
        buyer=buyer, supplier=supplier, score=4, comment="late twice", actor=Actor.of_user(cast.mary, buyer)
    )
    services.dispute_open(
        buyer=buyer,
        supplier=supplier,
        comment="it was the carrier",
        actor=Actor.of_user(cast.sam, supplier),
        trust_mark=mark,
    )
    compute.scores_recompute(buyer=buyer)
    compute.snapshot_take(buyer=buyer, month=mark.created_at.date().replace(day=1))
