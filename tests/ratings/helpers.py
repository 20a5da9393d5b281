from marketplace.actors import Actor
from ratings import compute
from ratings.models import SupplierScore


def scores(buyer) -> dict[str, float]:
    compute.scores_recompute(buyer=buyer)
    return dict(SupplierScore.objects.filter(buyer=buyer).values_list("supplier__slug", "score"))


def actor(user, organization) -> Actor:
    return Actor.of_user(user, organization)
