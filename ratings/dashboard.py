from django.http import HttpRequest

from . import selectors


def context(request: HttpRequest) -> dict:
    organization = request.organization
    if organization.is_supplier:
        return {"is_supplier": True, "sharing": list(selectors.buyers_sharing_with(supplier=organization))}
    board = selectors.leaderboard(buyer=organization)
    return {"is_supplier": False, "best": list(board[:3]), "blocked": board.filter(band="blocked").count()}
