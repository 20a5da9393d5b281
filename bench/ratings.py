"""Ratings benchmark: one buyer, 10,000 suppliers, 1,000,000 orders (with complaints, order lines
of catalog products, active price lists mapped to the catalog, finished auctions of catalog
products with their bidders' best bids) on PostgreSQL.

    python bench/ratings.py [--suppliers 10000] [--orders 1000000] [--keep]

``--keep`` keeps the database; the next run finds the data there and reuses it (generating takes
minutes), so iterate with ``--keep`` and drop the database to regenerate.

Uses its own database, postgres://postgres@127.0.0.1:5432/marketplace_bench_ratings (or
BENCH_RATINGS_URL), which it creates, migrates and fills with bulk SQL (generate_series), not the
ORM. Prints: the full recompute, the leaderboard's first page sorted by score and by the price
sub-score (the real page through Django's test client), and the floor: one plain SQL aggregate
over the orders grouped by supplier. Auctions: 5,000 closed ones of catalog products, 10 bidders each
(the best bid of each bidder is what the rating reads, kept on the invitation); a database kept
from before they were generated gets them on the next run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/marketplace_bench_ratings"
PRODUCTS = 500
ITEMS_PER_SUPPLIER = 20
AUCTIONS = 5_000
BIDDERS = 10

FILL = """
INSERT INTO marketplace_organization (name, slug, kind, created_at)
SELECT 'Bench supplier ' || i, 'bench-s-' || i, 'supplier', now() FROM generate_series(1, %(suppliers)s) i;

INSERT INTO marketplace_partnership (buyer_id, supplier_id, status, active_since, message, created_at, updated_at,
                                     rating_band, rating_is_new)
SELECT %(buyer)s, o.id, 'active', current_date - (o.id %% 2000)::int, '', now(), now(), '', false
FROM marketplace_organization o WHERE o.slug LIKE 'bench-s-%%';

INSERT INTO cabinet_order (buyer_id, supplier_id, number, channel, state, currency, total, note, shipment_note,
                           source_ref, created_at, updated_at, placed_at, delivered_at, completed_at, wanted_date)
SELECT %(buyer)s, s.first_id + (i::bigint * 7919) %% %(suppliers)s, 'B-' || i, 'web',
       CASE WHEN i %% 50 = 0 THEN 'disputed' WHEN i %% 10 = 0 THEN 'placed' ELSE 'completed' END,
       'RUB', round((100 + (i * 37) %% 100000)::numeric, 2), '', '', '',
       now() - make_interval(days => (i %% 1000 + 10)::int), now(), now() - make_interval(days => (i %% 1000 + 10)::int),
       CASE WHEN i %% 10 = 0 THEN NULL ELSE now() - make_interval(days => (i %% 1000 + 10 - 5)::int) END,
       CASE WHEN i %% 10 = 0 OR i %% 50 = 0 THEN NULL ELSE now() - make_interval(days => (i %% 1000 + 10 - 6)::int) END,
       CASE WHEN i %% 3 = 0 THEN NULL ELSE (now() - make_interval(days => (i %% 1000 + 10 - 5 - (i %% 7) + 2)::int))::date END
FROM generate_series(1, %(orders)s) i,
     (SELECT min(id) AS first_id FROM marketplace_organization WHERE slug LIKE 'bench-s-%%') s;

INSERT INTO cabinet_complaint (order_id, buyer_id, supplier_id, reason, state, answer, resolution,
                               resolution_comment, created_at)
SELECT id, buyer_id, supplier_id, 'bench', 'open', '', '', '', now()
FROM cabinet_order WHERE buyer_id = %(buyer)s AND (state = 'disputed' OR id %% 97 = 0);

INSERT INTO pricing_product (buyer_id, sku, name, unit, name_key, created_at)
SELECT %(buyer)s, 'P-' || p, 'Product ' || p, 'pcs', 'product ' || p, now() FROM generate_series(1, %(products)s) p;

INSERT INTO pricing_pricelist (supplier_id, version, status, mode, currency, channel, source_name, rows, added,
                               removed, price_up, price_down, created_at, published_at)
SELECT id, 1, 'active', 'full', 'RUB', 'web', 'bench', %(items)s, 0, 0, 0, 0, now(), now()
FROM marketplace_organization WHERE slug LIKE 'bench-s-%%';

INSERT INTO pricing_priceitem (price_list_id, row, sku, name, unit, price, currency, min_qty)
SELECT l.id, k, 'S-' || ((l.supplier_id * 31 + k * 17) %% %(products)s + 1), 'item', 'pcs',
       50 + ((l.supplier_id * 13 + k * 7) %% 100), 'RUB', 1
FROM pricing_pricelist l, generate_series(1, %(items)s) k WHERE l.source_name = 'bench'
ON CONFLICT DO NOTHING;

INSERT INTO pricing_skumapping (buyer_id, supplier_id, supplier_sku, product_id, source, created_at)
SELECT DISTINCT ON (l.supplier_id, i.sku) %(buyer)s, l.supplier_id, i.sku, p.id, 'sku', now()
FROM pricing_priceitem i JOIN pricing_pricelist l ON l.id = i.price_list_id
JOIN pricing_product p ON p.buyer_id = %(buyer)s AND p.sku = 'P-' || substr(i.sku, 3)
WHERE l.source_name = 'bench';

INSERT INTO cabinet_orderline (order_id, position, sku, supplier_sku, name, unit, quantity, price, amount, product_id)
SELECT o.id, 1, 'P-' || (o.id %% %(products)s + 1), '', 'item', 'pcs', 10, 40 + o.id %% 120, 10 * (40 + o.id %% 120),
       p.id
FROM cabinet_order o JOIN pricing_product p ON p.buyer_id = %(buyer)s AND p.sku = 'P-' || (o.id %% %(products)s + 1)
WHERE o.buyer_id = %(buyer)s AND o.id %% 5 = 0;

ANALYZE;
"""

AUCTION_FILL = """
INSERT INTO auctions_auction (title, description, lot, quantity, unit, currency, start_price, min_step, min_step_kind,
                              must_beat_best, starts_at, ends_at, soft_close_window_s, soft_close_extension_s,
                              max_extensions, soft_close_trigger, visibility, state, extensions, bids_count, version,
                              award_reason, cancel_reason, created_at, updated_at, opened_at, closed_at, buyer_id,
                              product_id, log_hash, log_seq)
SELECT 'Bench auction ' || a, '', 'bench', 100, 'pcs', 'RUB', 12000, 100, 'amount', true,
       now() - make_interval(days => a %% 900 + 2), now() - make_interval(days => a %% 900 + 1), 0, 0, 0, 'any_bid',
       'rank', 'closed', 0, %(bidders)s, 0, '', '', now(), now(), now(), now(), %(buyer)s,
       (SELECT id FROM pricing_product WHERE buyer_id = %(buyer)s AND sku = 'P-' || (a %% %(products)s + 1)), '', 0
FROM generate_series(1, %(auctions)s) a;

INSERT INTO auctions_invitation (invited_at, best_amount, best_received_at, rank, bids_count, auction_id, supplier_id)
SELECT now(), 100 * (45 + (a.id * 7 + k * 13) %% 110), now(), k, 3, a.id,
       s.first_id + (a.id * 131 + k * 997) %% %(suppliers)s
FROM auctions_auction a, generate_series(1, %(bidders)s) k,
     (SELECT min(id) AS first_id FROM marketplace_organization WHERE slug LIKE 'bench-s-%%') s
WHERE a.buyer_id = %(buyer)s AND a.lot = 'bench'
ON CONFLICT DO NOTHING;

ANALYZE auctions_auction;
ANALYZE auctions_invitation;
"""


def ensure_database(url: str) -> bool:
    """Create the database if missing; True if it was created (so it needs data)."""
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
        return True


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ["HUEY_IMMEDIATE"] = "1"
    import django
    from django.conf import settings

    django.setup()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def run_script(script: str, params: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in script.split(";\n"):
            if statement.strip():
                cursor.execute(statement, params)


def fill(args) -> tuple[object, object]:
    from django.core.management import call_command

    from marketplace import services
    from marketplace.models import Organization, User

    call_command("migrate", verbosity=0)
    buyer = Organization.objects.filter(slug="bench-buyer").first()
    if buyer is None:
        started = time.perf_counter()
        owner = services.user_create_verified(email="manager@bench.test", password="bench-pass-2026")
        buyer = services.organization_create(name="Bench buyer", kind="buyer", slug="bench-buyer", owner=owner)
        params = {"buyer": buyer.pk, "suppliers": args.suppliers, "orders": args.orders}
        params.update(products=PRODUCTS, items=ITEMS_PER_SUPPLIER)
        run_script(FILL, params)
        print(f"generated in {time.perf_counter() - started:.1f} s")
    else:
        print("reusing the generated data (drop the database to regenerate)")
    from auctions.models import Auction

    if not Auction.objects.filter(buyer=buyer, lot="bench").exists():
        params = {"buyer": buyer.pk, "suppliers": args.suppliers, "products": PRODUCTS}
        params.update(auctions=AUCTIONS, bidders=BIDDERS)
        run_script(AUCTION_FILL, params)
        print(f"generated {AUCTIONS:,} finished auctions with {BIDDERS} bidders each")
    return buyer, User.objects.get(email="manager@bench.test")


def vacuum(url: str) -> None:
    """What autovacuum would have done by then: each recompute rewrites every score and partnership
    row, and a kept database gathers the dead rows of every earlier run."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("ratings_supplierscore", "marketplace_partnership"):
            conn.execute(f"VACUUM ANALYZE {table}")


def timed(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suppliers", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database for the next run")
    args = parser.parse_args()
    url = os.environ.get("BENCH_RATINGS_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    from django.db import connection
    from django.test import Client

    from ratings import compute

    buyer, manager = fill(args)
    vacuum(url)
    recompute = timed(lambda: compute.scores_recompute(buyer=buyer))
    vacuum(url)
    client = Client()
    client.force_login(manager)

    def page(sort: str):
        response = client.get(f"/ratings/?sort={sort}")
        assert response.status_code == 200, response.status_code

    page("-score")  # warm the caches, as a server that has served a page would be
    by_score, by_price = timed(lambda: page("-score"), 5), timed(lambda: page("-price"), 5)

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT supplier_id, count(*), sum(total) FROM cabinet_order WHERE buyer_id = %s GROUP BY supplier_id",
                [buyer.pk],
            )
            cursor.fetchall()

    floor_s = timed(floor)
    print(f"suppliers {args.suppliers:,}, orders {args.orders:,} (medians)")
    print(f"full recompute:           {recompute:6.2f} s   (target <= 5 s; {recompute / floor_s:.1f}x the floor)")
    print(f"board page 1 by score:    {by_score * 1000:6.0f} ms (target <= 150 ms)")
    print(f"board page 1 by price:    {by_price * 1000:6.0f} ms (target <= 150 ms)")
    print(f"floor, one GROUP BY:      {floor_s:6.2f} s")
    if not args.keep:
        connection.close()
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}"')


if __name__ == "__main__":
    main()
