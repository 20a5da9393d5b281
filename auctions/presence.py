"""Which invited suppliers are connected to an auction right now, across daphne processes.

Each process's hub (``auctions.broadcast``) announces the suppliers it holds sockets for to the
auction's group: when that set changes, every ``HEARTBEAT`` seconds, and when it stops (empty). Every
hub keeps the latest announcement of each process; one older than ``TTL`` is forgotten, so the sockets
of a killed process drop out of the buyer's view within ``TTL`` plus one check. No database, no cache:
the group the hubs already share carries it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PresenceBook:
    ttl: float
    # process -> (expires at, {supplier id: {"id", "slug", "name"}})
    entries: dict[str, tuple[float, dict[int, dict]]] = field(default_factory=dict)

    def update(self, process: str, suppliers: list[dict], now: float) -> None:
        if suppliers:
            self.entries[process] = (now + self.ttl, {int(s["id"]): s for s in suppliers})
        else:
            self.entries.pop(process, None)

    def expire(self, now: float) -> None:
        for process in [p for p, (expires, _s) in self.entries.items() if expires <= now]:
            del self.entries[process]

    def connected(self, now: float, local: dict[int, dict] | None = None) -> list[dict]:
        """The union of every live process's suppliers (and this process's own ``local`` set, which
        is the truth here and never expires), sorted by name."""
        merged: dict[int, dict] = dict(local or {})
        for expires, suppliers in self.entries.values():
            if expires > now:
                for supplier_id, info in suppliers.items():
                    merged.setdefault(supplier_id, info)
        return sorted(merged.values(), key=lambda s: (str(s.get("name", "")).casefold(), s["id"]))
