"""Hypothesis: random chains of CTEs (renames, expressions, filters, joins, GROUP BY) over a
random schema; the edges must equal those computed from the chain's own definition."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakekit.core.results import ColumnEdge
from lakekit.lineage import column_lineage

DIALECTS = [None, "snowflake", "bigquery", "spark", "databricks", "duckdb", "postgres"]
DIRECT = {0: "identity", 1: "transformation", 2: "aggregation"}

Deps = dict[tuple[str, str], int]  # base column -> strongest direct strength (0 identity ... 2 aggregation)


def _raise(deps: Deps, floor: int) -> Deps:
    return {col: max(s, floor) for col, s in deps.items()}


def _merge(*parts: Deps) -> Deps:
    out: Deps = {}
    for part in parts:
        for col, s in part.items():
            out[col] = max(s, out.get(col, -1))
    return out


def _flat(deps: Deps, subtype: str) -> set[tuple[tuple[str, str], str]]:
    return {(col, subtype) for col in deps}


def _chain(draw):
    """SQL of a random chain and the edges expected from its definition."""
    tables = {f"raw.t{i}": ["k", *(f"c{j}" for j in range(draw(st.integers(1, 3))))]
              for i in range(draw(st.integers(1, 3)))}
    source = "raw.t0"
    inputs: dict[str, Deps] = {c: {(source, c): 0} for c in tables[source]}
    whole: set[tuple[tuple[str, str], str]] = set()
    ctes = []
    for step in range(draw(st.integers(1, 5))):
        avail = {f"p.{c}": deps for c, deps in inputs.items()}
        from_ = f"{source} AS p"
        others = [t for t in tables if t != "raw.t0"]
        if others and draw(st.booleans()):
            joined = draw(st.sampled_from(others))
            key = draw(st.sampled_from(sorted(avail)))
            from_ += f" JOIN {joined} AS j ON {key} = j.k"
            whole |= _flat(avail[key], "join") | {((joined, "k"), "join")}
            avail |= {f"j.{c}": {(joined, c): 0} for c in tables[joined]}
        names = sorted(avail)
        where = ""
        if draw(st.booleans()):
            col = draw(st.sampled_from(names))
            where = f" WHERE {col} IS NOT NULL"
            whole |= _flat(avail[col], "filter")
        items: list[tuple[str, Deps]] = []
        group = ""
        if draw(st.integers(0, 3)) == 0:
            keys = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
            group = " GROUP BY " + ", ".join(keys)
            for key in keys:
                whole |= _flat(avail[key], "group_by")
                items.append((key, avail[key]))
            for col in draw(st.lists(st.sampled_from(names), max_size=2)):
                items.append((f"SUM({col})", _raise(avail[col], 2)))
        else:
            for _ in range(draw(st.integers(1, 4))):
                kind = draw(st.sampled_from(["rename", "add", "upper", "coalesce", "literal"]))
                a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
                if kind == "rename":
                    items.append((a, avail[a]))
                elif kind == "add":
                    items.append((f"{a} + {b}", _raise(_merge(avail[a], avail[b]), 1)))
                elif kind == "upper":
                    items.append((f"UPPER({a})", _raise(avail[a], 1)))
                elif kind == "coalesce":
                    items.append((f"COALESCE({a}, {b})", _raise(_merge(avail[a], avail[b]), 1)))
                else:
                    items.append(("42", {}))
        name = f"s{step}"
        outputs = {f"{name}_o{i}": deps for i, (_, deps) in enumerate(items)}
        select = ", ".join(f"{expr} AS {out}" for (expr, _), out in zip(items, outputs, strict=True))
        ctes.append(f"{name} AS (SELECT {select} FROM {from_}{where}{group})")
        source, inputs = name, outputs
    final = ", ".join(f"p.{c} AS {c}" for c in inputs)
    sql = f"CREATE TABLE out.t AS WITH {', '.join(ctes)} SELECT {final} FROM {source} AS p"
    expected = {ColumnEdge(t, c, "out.t", out, "direct", DIRECT[s])  # type: ignore[arg-type]
                for out, deps in inputs.items() for (t, c), s in deps.items()}
    expected |= {ColumnEdge(t, c, "out.t", "*", "indirect", sub) for (t, c), sub in whole}  # type: ignore[arg-type]
    schema = {t: dict.fromkeys(cols, "int") for t, cols in tables.items()}
    return sql, expected, schema


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(DIALECTS), st.booleans())
def test_random_cte_chains_match_their_definition(data, dialect, with_schema):
    sql, expected, schema = _chain(data.draw)
    got = column_lineage(sql, dialect=dialect, schema=schema if with_schema else None)
    assert set(got) == expected, sql
