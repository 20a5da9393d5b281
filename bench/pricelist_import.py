"""Price-list import benchmark: parse + validate + publish a big CSV through the real code path.

    python bench/pricelist_import.py [--rows 1000000] [--keep]

Uses DATABASE_URL, or postgres://postgres@127.0.0.1:5432/marketplace_bench, which it creates and
migrates itself. Generates a CSV (Cyrillic, Vietnamese and Latin names, `;`, decimal commas), then
times the supplier's path (upload kept on disk → worker reads it in chunks and stages it with COPY
→ publish), and again with 10% of the prices changed. Prints rows/s, seconds and peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/marketplace_bench"

RU = ["Арматура А500С", "Цемент М500", "Труба профильная", "Лист стальной", "Саморез кровельный", "Краска фасадная"]
VI = ["Thép cuộn", "Xi măng PCB40", "Ống thép mạ kẽm", "Tôn lạnh", "Đinh vít", "Sơn chống gỉ"]
EN = ["Hex bolt", "Steel angle", "Copper wire", "Plywood sheet", "Anchor bolt", "Paint primer"]


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(path: Path, rows: int, *, seed: int, change: float = 0.0) -> None:
    """A supplier's CSV as suppliers make them: `;`, decimal commas, three languages."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    names = np.array(RU + VI + EN, dtype=object)
    index = np.arange(rows)
    base = np.round(np.random.default_rng(1).uniform(1, 100_000, rows), 2)
    if change:
        changed = rng.random(rows) < change
        base = np.where(changed, np.round(base * rng.uniform(0.8, 1.2, rows), 2), base)
    frame = pd.DataFrame(
        {
            "Артикул": pd.Series(index).map("SKU-{:07d}".format),
            "Наименование": names[index % len(names)] + " " + pd.Series(index % 997).astype(str).to_numpy() + " мм",
            "Ед. изм.": np.where(index % 3 == 0, "шт", np.where(index % 3 == 1, "т", "m")),
            "Цена": pd.Series(base).map(lambda v: f"{v:.2f}".replace(".", ",")),
            "Мин. партия": 1,
        }
    )
    frame.to_csv(path, sep=";", index=False, encoding="utf-8")


PHASES: dict[str, float] = {}


def instrument() -> None:
    """Time the phases of the real path by wrapping (not replacing) the functions it calls.

    The wrappers measure time spent in the calling thread: validation of a chunk runs in the
    caller's thread while the reader thread parses the next one, and staging (COPY) may overlap
    with both; the phases therefore add up to at most the wall time of the step."""
    import functools

    from pricing import importers
    from pricing.services import staging, versions

    def timed(module, name: str, phase: str) -> None:
        original = getattr(module, name, None)
        if original is None or hasattr(original, "__wrapped__"):
            return  # moved elsewhere (the phase is then not shown), or wrapped already

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                PHASES[phase] = PHASES.get(phase, 0.0) + time.perf_counter() - t

        setattr(module, name, wrapper)

    timed(importers.validation, "validate_chunk", "validate")
    for module, name, phase in (
        (staging, "write_items", "stage (write, in turn)"),
        (staging, "copy_payload", "COPY text"),
        (staging, "copy_send", "COPY (stager thread)"),
        (staging, "draft_finish", "merge+diff"),
        (staging, "moved_warnings", "moved warnings"),
        (versions, "mappings_auto", "auto-mapping"),
    ):
        timed(module, name, phase)


def run_once(path: Path, supplier, user, label: str) -> dict:
    from django.core.files import File

    from marketplace.actors import Actor
    from pricing import services
    from pricing.models import UploadStatus

    actor = Actor(organization=supplier, user=user, role="owner")
    PHASES.clear()
    started = time.perf_counter()
    with path.open("rb") as handle:
        upload = services.price_upload_create(
            actor=actor, file=File(handle, name=path.name), currency="RUB", claim=True
        )
    kept = time.perf_counter()
    upload = services.price_upload_process(upload=upload)
    staged = time.perf_counter()
    if upload.status != UploadStatus.READY:
        raise SystemExit(f"{label}: the upload was refused: {upload.message or upload.errors[:5]}")
    price_list = services.price_upload_publish(upload=upload, actor=actor)
    done = time.perf_counter()
    seconds = done - started
    return {
        "label": label,
        "rows": price_list.rows,
        "seconds": seconds,
        "rows_per_s": price_list.rows / seconds,
        "keep": kept - started,
        "parse_stage_diff": staged - kept,
        "publish": done - staged,
        "changes": (price_list.added, price_list.removed, price_list.price_up, price_list.price_down),
        "warnings": upload.warning_count,
        "peak_mb": peak_mb(),
        "phases": dict(PHASES),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated versions in the database")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-media-"))
    if url.startswith("postgres"):
        ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.PRICE_LIST_MAX_BYTES = max(settings.PRICE_LIST_MAX_BYTES, 512 * 1024 * 1024)
    call_command("migrate", verbosity=0)

    from marketplace import services as core
    from marketplace.models import Organization
    from pricing import services
    from pricing.models import PriceList, PriceUpload

    instrument()
    supplier = Organization.objects.filter(slug="bench-supplier").first() or core.organization_create(
        name="Bench Supplier", kind="supplier", slug="bench-supplier"
    )
    buyer = Organization.objects.filter(slug="bench-buyer").first() or core.organization_create(
        name="Bench Buyer", kind="buyer", slug="bench-buyer"
    )
    user = core.user_create_verified(email="bench@supplier.test")
    core.partnership_connect(buyer=buyer, supplier=supplier)
    PriceUpload.objects.filter(supplier=supplier).delete()
    PriceList.objects.filter(supplier=supplier).delete()
    if connection.vendor == "postgresql":
        # The rows of earlier runs are deleted above; a server without autovacuum (this test
        # machine) would otherwise keep every dead row of every run in the items table. Not timed.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE pricing_priceitem")
            cursor.execute("VACUUM ANALYZE pricing_pricechange")
    # A realistic buyer catalog: a thousand products that the supplier's SKUs map onto.
    for i in range(0, min(args.rows, 1000 * 997), 997):
        sku = f"SKU-{i:07d}"
        if not buyer.products.filter(sku=sku).exists():
            services.product_create(buyer=buyer, sku=sku, name=f"Product {i}")

    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / "pricelist.csv", Path(tmp) / "pricelist-10pct.csv"
        t0 = time.perf_counter()
        generate(first, args.rows, seed=1)
        generate(second, args.rows, seed=2, change=0.10)
        size_mb = first.stat().st_size / 1024 / 1024
        print(f"generated {args.rows:,} rows ({size_mb:.1f} MB CSV) twice in {time.perf_counter() - t0:.1f} s")
        print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[1]}")
        results = [run_once(first, supplier, user, "first publish"), run_once(second, supplier, user, "10% changed")]
    for r in results:
        print(
            f"{r['label']:>14}: {r['rows']:,} rows in {r['seconds']:.2f} s = {r['rows_per_s']:,.0f} rows/s "
            f"(keep file {r['keep']:.2f} s, parse+validate+stage+diff {r['parse_stage_diff']:.2f} s, "
            f"publish {r['publish']:.2f} s); changes +{r['changes'][0]} -{r['changes'][1]} "
            f"up {r['changes'][2]} down {r['changes'][3]}; warnings {r['warnings']}; peak memory {r['peak_mb']:,.0f} MB"
        )
        phases = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in r["phases"].items())
        print(f"{'':>14}  phases: {phases}")
    print(f"peak memory (ru_maxrss): {peak_mb():,.0f} MB")
    if not args.keep:
        PriceUpload.objects.filter(supplier=supplier).delete()
        PriceList.objects.filter(supplier=supplier).delete()


if __name__ == "__main__":
    main()
