"""The price criterion's data: what each supplier charged or offered for the buyer's catalog
products, compared with the median of the *other* suppliers for the same product and currency.

Prices come from a list of sources, each a function ``(buyer) -> DataFrame`` with the columns
``supplier_id``, ``product_id``, ``currency``, ``price``, ``spend``. Auction bids join as one more
source once the auctions app offers ``auctions.selectors.bid_prices_for_rating(buyer=...)``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np
import pandas as pd
from django.db import connection

from cabinet.selectors import order_line_prices_for_rating
from pricing.selectors import base_prices_for_rating, mapping_list

COLUMNS = ["supplier_id", "product_id", "currency", "price", "spend"]


def _frame(rows, rename: dict[str, str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows))
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame = frame.rename(columns=rename or {})
    if "spend" not in frame:
        frame["spend"] = 0.0
    return frame[COLUMNS]


def from_orders(buyer) -> pd.DataFrame:
    return _frame(order_line_prices_for_rating(buyer=buyer), {"avg_price": "price"})


def from_price_lists(buyer) -> pd.DataFrame:
    """Base prices of the active price lists, for SKUs mapped to the buyer's catalog."""
    item_columns = ["supplier_id", "sku", "currency", "price"]
    items = base_prices_for_rating(buyer=buyer).values_list("supplier_id", "sku", "currency_code", "base_price")
    items = pd.DataFrame(list(items), columns=item_columns)
    mapped = mapping_list(buyer=buyer).order_by().values_list("supplier_id", "supplier_sku", "product_id")
    mappings = pd.DataFrame(list(mapped), columns=["supplier_id", "sku", "product_id"])
    joined = items.merge(mappings, on=["supplier_id", "sku"])
    joined["spend"] = 0.0
    return joined[COLUMNS]


def from_auction_bids(buyer) -> pd.DataFrame:
    """Best bids per supplier and product, once the auctions app provides them (no error before)."""
    read = _bid_reader()
    return _frame(read(buyer=buyer)) if read else _frame([])


SOURCES: list[Callable[[object], pd.DataFrame]] = [from_orders, from_price_lists, from_auction_bids]


def _median_of_others(frame: pd.DataFrame) -> np.ndarray:
    """For each row of ``frame`` (sorted by group then price), the median price of the other rows
    of its (product, currency) group; NaN where it has no other row."""
    prices = frame["price"].to_numpy(dtype=float)
    groups = frame.groupby(["product_id", "currency"], sort=False)
    size = groups["price"].transform("size").to_numpy()
    position = groups.cumcount().to_numpy()
    start = np.arange(len(frame)) - position
    others = size - 1
    odd = others % 2 == 1
    low = np.where(odd, (others - 1) // 2, others // 2 - 1).clip(min=0)
    high = np.where(odd, (others - 1) // 2, others // 2).clip(min=0)

    def price_at(k: np.ndarray) -> np.ndarray:  # k-th price of the group once this row is removed
        index = (start + k + (k >= position)).clip(max=len(frame) - 1)
        return prices[index]

    median = (price_at(low) + price_at(high)) / 2
    return np.where(others >= 1, median, np.nan)


def _bid_reader():
    try:
        selectors = importlib.import_module("auctions.selectors")
    except ImportError:
        return None
    return getattr(selectors, "bid_prices_for_rating", None)


# The sources' rows in one statement for PostgreSQL (orders, then price lists joined to the SKU
# mapping): one mean price per supplier, product and currency and its spend, in the order the
# pandas path sorts them (product, currency, price, then supplier: its groupby's order kept by a
# stable sort), so that ``_compare`` gives the same figures to the last bit.
_PER_PRODUCT_SQL = """
WITH src AS (
    SELECT o.supplier_id, o.product_id, o.currency, o.avg_price::float8 AS price, o.spend::float8 AS spend
      FROM ({orders}) AS o
    UNION ALL
    SELECT b.supplier_id, m.product_id, b.currency_code, b.base_price::float8, 0.0
      FROM ({bases}) AS b
      JOIN ({mappings}) AS m ON m.supplier_id = b.supplier_id AND m.supplier_sku = b.sku
)
SELECT supplier_id, product_id, currency, avg(price) AS price, coalesce(sum(spend), 0.0) AS spend
  FROM src
 GROUP BY supplier_id, product_id, currency
HAVING avg(price) > 0
 ORDER BY product_id, currency COLLATE "C", price, supplier_id
"""


def _sql_of(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _per_product_in_sql(buyer) -> pd.DataFrame:
    orders, orders_params = _sql_of(order_line_prices_for_rating(buyer=buyer))
    bases, bases_params = _sql_of(base_prices_for_rating(buyer=buyer))
    mapped = mapping_list(buyer=buyer).order_by().values("supplier_id", "supplier_sku", "product_id")
    mappings, mappings_params = _sql_of(mapped)
    sql = _PER_PRODUCT_SQL.format(orders=orders, bases=bases, mappings=mappings)
    with connection.cursor() as cursor:
        cursor.execute(sql, orders_params + bases_params + mappings_params)
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["supplier_id", "product_id", "currency", "price", "spend"])
    return frame.astype({"price": float, "spend": float})


def price_ratios(buyer, sources=None) -> pd.DataFrame:
    """Per supplier: ``price_ratio`` (its price / the others' median, spend-weighted over products)
    and ``price_products`` (how many products were compared). Index: supplier id.

    On PostgreSQL, with the default sources and no auction bids yet, one SQL statement reads the
    sources and means them (``_PER_PRODUCT_SQL``); elsewhere, the sources' frames are read and
    meant in pandas. The comparison itself is the same code on both (``_compare``)."""
    if sources is None and connection.vendor == "postgresql" and _bid_reader() is None:
        return _compare(_per_product_in_sql(buyer))
    frames = [source(buyer) for source in (sources or SOURCES)]
    data = pd.concat([f for f in frames if not f.empty] or [_frame([])], ignore_index=True)
    if data.empty:
        return _compare(data)
    data["price"] = data["price"].astype(float)
    data["spend"] = data["spend"].astype(float).fillna(0.0)
    # One price per supplier, product and currency: the mean over sources; its spend summed.
    data = data.groupby(["supplier_id", "product_id", "currency"], as_index=False).agg(
        price=("price", "mean"), spend=("spend", "sum")
    )
    data = data[data["price"] > 0].sort_values(["product_id", "currency", "price"], kind="stable")
    return _compare(data.reset_index(drop=True))


def _compare(data: pd.DataFrame) -> pd.DataFrame:
    """``price_ratios`` from one row per supplier, product and currency with a positive mean
    ``price`` and its ``spend``, sorted by product, currency and price."""
    if data.empty:
        return pd.DataFrame(columns=["price_ratio", "price_products"])
    data["median"] = _median_of_others(data)
    data = data[data["median"] > 0].copy()
    # A product weighs what the buyer spends on it in that currency, at least 1.
    data["weight"] = data.groupby(["product_id", "currency"])["spend"].transform("sum").clip(lower=1.0)
    data["weighted"] = data["price"] / data["median"] * data["weight"]
    per_supplier = data.groupby("supplier_id").agg(
        weighted=("weighted", "sum"), weight=("weight", "sum"), price_products=("product_id", "size")
    )
    per_supplier["price_ratio"] = per_supplier["weighted"] / per_supplier["weight"]
    return per_supplier[["price_ratio", "price_products"]]
