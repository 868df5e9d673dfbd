"""A small TPC-H-shaped dataset (made here, deterministic) and join / aggregate / window queries over it."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pyarrow as pa

NATIONS = ["ALGERIA", "ARGENTINA", "BRAZIL", "CANADA", "EGYPT", "ETHIOPIA", "FRANCE", "GERMANY", "INDIA",
           "INDONESIA"]
REGIONS = ["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"]
SEGMENTS = ["AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"]


def tables(customers: int = 200, orders: int = 1500) -> dict[str, pa.Table]:
    """region, nation, customer, supplier, orders, lineitem; lineitem has 1 to 5 lines per order."""
    rng = random.Random(7)
    start = date(1994, 1, 1)
    region = pa.table({"r_regionkey": pa.array(range(5), pa.int64()), "r_name": REGIONS})
    nation = pa.table({"n_nationkey": pa.array(range(len(NATIONS)), pa.int64()), "n_name": NATIONS,
                       "n_regionkey": pa.array([i % 5 for i in range(len(NATIONS))], pa.int64())})
    customer = pa.table({
        "c_custkey": pa.array(range(1, customers + 1), pa.int64()),
        "c_name": [f"Customer#{i:05}" for i in range(1, customers + 1)],
        "c_nationkey": pa.array([rng.randrange(len(NATIONS)) for _ in range(customers)], pa.int64()),
        "c_acctbal": [round(rng.uniform(-999, 9999), 2) for _ in range(customers)],
        "c_mktsegment": [rng.choice(SEGMENTS) for _ in range(customers)],
    })
    supplier = pa.table({"s_suppkey": pa.array(range(1, 21), pa.int64()), "s_name": [f"Supplier#{i:03}" for i in
                                                                                     range(1, 21)],
                         "s_nationkey": pa.array([rng.randrange(len(NATIONS)) for _ in range(20)], pa.int64())})
    o_rows: dict[str, list] = {"o_orderkey": [], "o_custkey": [], "o_orderstatus": [], "o_totalprice": [],
                               "o_orderdate": [], "o_orderpriority": []}
    l_rows: dict[str, list] = {k: [] for k in ("l_orderkey", "l_linenumber", "l_suppkey", "l_quantity",
                                               "l_extendedprice", "l_discount", "l_tax", "l_returnflag",
                                               "l_linestatus", "l_shipdate", "l_shipmode")}
    for key in range(1, orders + 1):
        day = start + timedelta(days=rng.randrange(5 * 365))
        total = 0.0
        for line in range(1, rng.randint(1, 5) + 1):
            quantity = rng.randint(1, 50)
            price = round(quantity * rng.uniform(900, 1100), 2)
            l_rows["l_orderkey"].append(key)
            l_rows["l_linenumber"].append(line)
            l_rows["l_suppkey"].append(rng.randint(1, 20))
            l_rows["l_quantity"].append(quantity)
            l_rows["l_extendedprice"].append(price)
            l_rows["l_discount"].append(rng.choice([0.0, 0.02, 0.04, 0.06, 0.08, 0.1]))
            l_rows["l_tax"].append(rng.choice([0.0, 0.02, 0.04, 0.06, 0.08]))
            l_rows["l_returnflag"].append(rng.choice("ANR"))
            l_rows["l_linestatus"].append(rng.choice("FO"))
            l_rows["l_shipdate"].append(day + timedelta(days=rng.randint(1, 120)))
            l_rows["l_shipmode"].append(rng.choice(["AIR", "MAIL", "SHIP", "TRUCK", "RAIL"]))
            total += price
        o_rows["o_orderkey"].append(key)
        o_rows["o_custkey"].append(rng.randint(1, customers))
        o_rows["o_orderstatus"].append(rng.choice("FOP"))
        o_rows["o_totalprice"].append(round(total, 2))
        o_rows["o_orderdate"].append(day)
        o_rows["o_orderpriority"].append(rng.choice(["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"]))
    as_int = {"o_orderkey", "o_custkey", "l_orderkey", "l_linenumber", "l_suppkey", "l_quantity"}
    orders_t = pa.table({k: pa.array(v, pa.int64()) if k in as_int else v for k, v in o_rows.items()})
    lineitem = pa.table({k: pa.array(v, pa.int64()) if k in as_int else v for k, v in l_rows.items()})
    return {"tpch.region": region, "tpch.nation": nation, "tpch.customer": customer, "tpch.supplier": supplier,
            "tpch.orders": orders_t, "tpch.lineitem": lineitem}


QUERIES: dict[str, str] = {
    "q01_pricing_summary": """
        SELECT l_returnflag, l_linestatus, SUM(l_quantity) AS sum_qty, SUM(l_extendedprice) AS sum_base_price,
               SUM(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
               SUM(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
               AVG(l_quantity) AS avg_qty, AVG(l_discount) AS avg_disc, COUNT(*) AS count_order
        FROM tpch.lineitem WHERE l_shipdate <= DATE '1998-09-02'
        GROUP BY l_returnflag, l_linestatus""",
    "q03_shipping_priority": """
        SELECT l.l_orderkey, SUM(l.l_extendedprice * (1 - l.l_discount)) AS revenue, o.o_orderdate
        FROM tpch.customer c JOIN tpch.orders o ON c.c_custkey = o.o_custkey
        JOIN tpch.lineitem l ON l.l_orderkey = o.o_orderkey
        WHERE c.c_mktsegment = 'BUILDING' AND o.o_orderdate < DATE '1995-03-15' AND l.l_shipdate > DATE '1995-03-15'
        GROUP BY l.l_orderkey, o.o_orderdate""",
    "q05_local_supplier_volume": """
        SELECT n.n_name, SUM(l.l_extendedprice * (1 - l.l_discount)) AS revenue
        FROM tpch.customer c JOIN tpch.orders o ON c.c_custkey = o.o_custkey
        JOIN tpch.lineitem l ON l.l_orderkey = o.o_orderkey JOIN tpch.supplier s ON l.l_suppkey = s.s_suppkey
        JOIN tpch.nation n ON s.s_nationkey = n.n_nationkey JOIN tpch.region r ON n.n_regionkey = r.r_regionkey
        WHERE o.o_orderdate >= DATE '1994-01-01' AND o.o_orderdate < DATE '1997-01-01'
        GROUP BY n.n_name""",
    "q06_forecast_revenue": """
        SELECT SUM(l_extendedprice * l_discount) AS revenue FROM tpch.lineitem
        WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01'
          AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24""",
    "q10_returned_items": """
        SELECT c.c_custkey, c.c_name, SUM(l.l_extendedprice * (1 - l.l_discount)) AS revenue, c.c_acctbal, n.n_name
        FROM tpch.customer c JOIN tpch.orders o ON c.c_custkey = o.o_custkey
        JOIN tpch.lineitem l ON l.l_orderkey = o.o_orderkey JOIN tpch.nation n ON c.c_nationkey = n.n_nationkey
        WHERE l.l_returnflag = 'R'
        GROUP BY c.c_custkey, c.c_name, c.c_acctbal, n.n_name""",
    "q12_shipmode_priority": """
        SELECT l.l_shipmode,
               SUM(CASE WHEN o.o_orderpriority IN ('1-URGENT', '2-HIGH') THEN 1 ELSE 0 END) AS high_line_count,
               SUM(CASE WHEN o.o_orderpriority NOT IN ('1-URGENT', '2-HIGH') THEN 1 ELSE 0 END) AS low_line_count
        FROM tpch.orders o JOIN tpch.lineitem l ON o.o_orderkey = l.l_orderkey
        WHERE l.l_shipmode IN ('MAIL', 'SHIP') GROUP BY l.l_shipmode""",
    "q13_customer_distribution": """
        SELECT c_count, COUNT(*) AS custdist FROM (
            SELECT c.c_custkey, COUNT(o.o_orderkey) AS c_count
            FROM tpch.customer c LEFT JOIN tpch.orders o ON c.c_custkey = o.o_custkey AND o.o_orderpriority <> '5-LOW'
            GROUP BY c.c_custkey) AS counts
        GROUP BY c_count""",
    "q18_large_orders": """
        SELECT c.c_name, o.o_orderkey, o.o_totalprice, SUM(l.l_quantity) AS quantity
        FROM tpch.customer c JOIN tpch.orders o ON c.c_custkey = o.o_custkey
        JOIN tpch.lineitem l ON o.o_orderkey = l.l_orderkey
        WHERE o.o_orderkey IN (SELECT l_orderkey FROM tpch.lineitem GROUP BY l_orderkey HAVING SUM(l_quantity) > 150)
        GROUP BY c.c_name, o.o_orderkey, o.o_totalprice""",
    "w01_rank_in_nation": """
        SELECT c.c_custkey, n.n_name, SUM(o.o_totalprice) AS spent,
               RANK() OVER (PARTITION BY n.n_name ORDER BY SUM(o.o_totalprice) DESC, c.c_custkey) AS rank_in_nation
        FROM tpch.customer c JOIN tpch.orders o ON c.c_custkey = o.o_custkey
        JOIN tpch.nation n ON c.c_nationkey = n.n_nationkey
        GROUP BY c.c_custkey, n.n_name""",
    "w02_running_total": """
        SELECT o_custkey, o_orderkey, o_orderdate,
               SUM(o_totalprice) OVER (PARTITION BY o_custkey ORDER BY o_orderdate, o_orderkey
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running,
               LAG(o_orderdate) OVER (PARTITION BY o_custkey ORDER BY o_orderdate, o_orderkey) AS previous_order,
               ROW_NUMBER() OVER (PARTITION BY o_custkey ORDER BY o_orderdate, o_orderkey) AS nth
        FROM tpch.orders""",
    "w03_monthly_share": """
        SELECT month, o_orderpriority, n, n * 1.0 / SUM(n) OVER (PARTITION BY month) AS share
        FROM (SELECT DATE_TRUNC('month', o_orderdate) AS month, o_orderpriority, COUNT(*) AS n
              FROM tpch.orders GROUP BY 1, 2) AS m""",
    "w04_top_lines_qualify": """
        SELECT l_orderkey, l_linenumber, l_extendedprice FROM tpch.lineitem
        QUALIFY ROW_NUMBER() OVER (PARTITION BY l_orderkey ORDER BY l_extendedprice DESC, l_linenumber) = 1""",
}
"""TPC-H queries 1, 3, 5, 6, 10, 12, 13, 18 (no ORDER BY / LIMIT: compared order-insensitively) and window
queries, in DuckDB's dialect."""
