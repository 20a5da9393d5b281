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


# The same computation as below, in one statement for PostgreSQL: the sources' rows (orders, then
# price lists joined to the SKU mapping), one mean price per supplier, product and currency, and per
# product and currency the prices at the positions ``_median_of_others`` reads. The k-th price of
# the others is the group's k-th price, or its (k+1)-th when this row sorts at k or before, that is
# when its price is at most the k-th (equal prices are interchangeable). Then the spend-weighted
# mean per supplier.
_RATIOS_SQL = """
WITH src AS (
    SELECT o.supplier_id, o.product_id, o.currency, o.avg_price::float8 AS price, o.spend::float8 AS spend
      FROM ({orders}) AS o
    UNION ALL
    SELECT b.supplier_id, m.product_id, b.currency_code, b.base_price::float8, 0.0
      FROM ({bases}) AS b
      JOIN ({mappings}) AS m ON m.supplier_id = b.supplier_id AND m.supplier_sku = b.sku
),
per AS MATERIALIZED (
    SELECT supplier_id, product_id, currency, avg(price) AS price, coalesce(sum(spend), 0.0) AS spend
      FROM src GROUP BY supplier_id, product_id, currency HAVING avg(price) > 0
),
grp AS MATERIALIZED (
    SELECT product_id, currency, weight,
           prices[lo + 1] AS lo_at, prices[lo + 2] AS lo_next, prices[hi + 1] AS hi_at, prices[hi + 2] AS hi_next
      FROM (
        SELECT product_id, currency, array_agg(price ORDER BY price) AS prices, greatest(sum(spend), 1.0) AS weight,
               CASE WHEN mod(count(*) - 1, 2) = 1 THEN (count(*) - 2) / 2 ELSE (count(*) - 1) / 2 - 1 END AS lo,
               CASE WHEN mod(count(*) - 1, 2) = 1 THEN (count(*) - 2) / 2 ELSE (count(*) - 1) / 2 END AS hi
          FROM per GROUP BY product_id, currency HAVING count(*) >= 2
      ) AS sorted
),
cmp AS (
    SELECT p.supplier_id, p.price, g.weight,
           (CASE WHEN p.price <= g.lo_at THEN g.lo_next ELSE g.lo_at END
            + CASE WHEN p.price <= g.hi_at THEN g.hi_next ELSE g.hi_at END) / 2 AS median
      FROM per AS p JOIN grp AS g ON g.product_id = p.product_id AND g.currency = p.currency
)
SELECT supplier_id, sum(price / median * weight) / sum(weight), count(*)
  FROM cmp WHERE median > 0 GROUP BY supplier_id
"""


def _sql_of(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _ratios_in_sql(buyer) -> pd.DataFrame:
    orders, orders_params = _sql_of(order_line_prices_for_rating(buyer=buyer))
    bases, bases_params = _sql_of(base_prices_for_rating(buyer=buyer))
    mapped = mapping_list(buyer=buyer).order_by().values("supplier_id", "supplier_sku", "product_id")
    mappings, mappings_params = _sql_of(mapped)
    sql = _RATIOS_SQL.format(orders=orders, bases=bases, mappings=mappings)
    with connection.cursor() as cursor:
        cursor.execute(sql, orders_params + bases_params + mappings_params)
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["supplier_id", "price_ratio", "price_products"])
    frame["price_ratio"] = frame["price_ratio"].astype(float)
    frame["price_products"] = frame["price_products"].astype(int)
    return frame.set_index("supplier_id")[["price_ratio", "price_products"]]


def price_ratios(buyer, sources=None) -> pd.DataFrame:
    """Per supplier: ``price_ratio`` (its price / the others' median, spend-weighted over products)
    and ``price_products`` (how many products were compared). Index: supplier id.

    On PostgreSQL, with the default sources and no auction bids yet, one SQL statement computes it
    (``_RATIOS_SQL``); elsewhere, the sources' frames in pandas: the same figures."""
    if sources is None and connection.vendor == "postgresql" and _bid_reader() is None:
        return _ratios_in_sql(buyer)
    frames = [source(buyer) for source in (sources or SOURCES)]
    data = pd.concat([f for f in frames if not f.empty] or [_frame([])], ignore_index=True)
    if data.empty:
        return pd.DataFrame(columns=["price_ratio", "price_products"])
    data["price"] = data["price"].astype(float)
    data["spend"] = data["spend"].astype(float).fillna(0.0)
    # One price per supplier, product and currency: the mean over sources; its spend summed.
    data = data.groupby(["supplier_id", "product_id", "currency"], as_index=False).agg(
        price=("price", "mean"), spend=("spend", "sum")
    )
    data = data[data["price"] > 0].sort_values(["product_id", "currency", "price"], kind="stable")
    data = data.reset_index(drop=True)
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
