"""Serial micro-bench of ``auctions.services.bid_place``: N bids in a loop on one live auction, each
from the next of 20 suppliers and lower than the last, plus refused attempts (a bid above the
start price) and repeated client_ids; prints ms/bid and queries/bid against the bare locked
transaction from psycopg on one connection (the floor of ``bench/auction_live.py``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marketplace_bench_bidperf \
        python bench/bid_place.py [--bids 500]

Uses DATABASE_URL, or postgres://postgres@127.0.0.1:5432/marketplace_bench_auctions, which it
creates, migrates and empties (the same world as ``bench/auction_live.py``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=500)
    parser.add_argument("--suppliers", type=int, default=20)
    args = parser.parse_args()
    from auction_live import DEFAULT_DB, START, build_world, ensure_database, floor, live_auction

    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="marketplace.settings",
        HUEY_IMMEDIATE="1",
        CONN_MAX_AGE="300",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    os.environ.pop("REDIS_URL", None)  # in-memory channel layer: the broadcast is not measured here
    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from auctions import services
    from marketplace.actors import Actor

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    world = build_world(args.suppliers)
    auction_id = live_auction(world, world.suppliers, "Micro-bench")
    actors = []
    for supplier in world.suppliers:
        user = supplier.memberships.select_related("user").first().user
        actors.append(Actor.of_user(user, supplier))

    def run(kind: str, n: int, attempt) -> None:
        times, queries = [], 0
        for i in range(n):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                outcome = attempt(i)
                times.append((time.perf_counter() - t0) * 1000)
            queries += len(captured.captured_queries)
            assert outcome is not None
        print(
            f"  {kind:<28} {n:4d} x: {statistics.mean(times):6.2f} ms/attempt "
            f"(p50 {statistics.median(times):.2f}, p99 {sorted(times)[int(len(times) * 0.99) - 1]:.2f}), "
            f"{queries / n:.1f} queries/attempt"
        )

    price = [START]

    def accepted(i: int):
        price[0] -= Decimal("1.00")
        outcome = services.bid_place(
            auction_id=auction_id,
            actor=actors[i % len(actors)],
            amount=str(price[0]),
            received_at=timezone.now(),
            client_id=f"a-{i}",
        )
        assert outcome.ok, outcome
        return outcome

    def refused(i: int):
        outcome = services.bid_place(
            auction_id=auction_id,
            actor=actors[i % len(actors)],
            amount=str(START + 1),
            received_at=timezone.now(),
            client_id=f"r-{i}",
        )
        assert not outcome.ok and outcome.code == "above_start_price", outcome
        return outcome

    def repeated(i: int):
        outcome = services.bid_place(
            auction_id=auction_id,
            actor=actors[i % len(actors)],
            amount="1",
            received_at=timezone.now(),
            client_id=f"a-{i}",
        )
        assert outcome.repeated, outcome
        return outcome

    print(f"bid_place, serial, one auction with {args.suppliers} invited suppliers:")
    run("warm-up (accepted)", 20, lambda i: accepted(i))
    run("accepted", args.bids, lambda i: accepted(i + 20))
    run("refused (with client_id)", args.bids // 5, refused)
    run("repeated client_id", args.bids // 5, repeated)
    base = floor(url, connections=1, seconds=3)
    print(f"  floor, bare locked transaction (psycopg, 1 connection): p50 {base['p50']:.2f} ms ({base['per_s']:.0f}/s)")


if __name__ == "__main__":
    main()
