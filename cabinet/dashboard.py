"""The cabinet's part of the home page: what is waiting for this organization."""

from . import selectors

SHOWN = 5


def context(request) -> dict:
    waiting = selectors.waiting_for(organization=request.organization)
    return {name: {"count": queryset.count(), "items": list(queryset[:SHOWN])} for name, queryset in waiting.items()}
